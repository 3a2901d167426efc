"""Does the network fit the data? The one check shared by the canvas validation and ``build_model``.

:class:`DataInfo` is what a network needs to know about its data (feature count, output units, task).
``resolve_output_activation``, ``resolve_loss`` and ``output_units`` turn the project's "auto" values into
what training uses; :func:`fit_problems` lists what does not fit (input/output units, loss against task and
output activation) as :class:`FitProblem` records that the canvas attaches to its layers and the project
loader reports with JSON paths.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

__all__ = ["DataInfo", "FitProblem", "TASKS", "CLASSIFICATION_LOSSES", "loss_names",
           "resolve_output_activation", "resolve_loss", "output_units", "fit_problems", "target_range",
           "regression_output_problem"]

TASKS: tuple[str, ...] = ("binary", "multiclass", "regression")
CLASSIFICATION_LOSSES: tuple[str, ...] = ("binary_crossentropy", "categorical_crossentropy",
                                          "sparse_categorical_crossentropy")
_SOFTMAX_LOSSES = ("categorical_crossentropy", "sparse_categorical_crossentropy")
_PRETTY = {"binary_crossentropy": "Binary cross-entropy",
           "categorical_crossentropy": "Categorical cross-entropy",
           "sparse_categorical_crossentropy": "Sparse categorical cross-entropy"}


@dataclass(frozen=True)
class DataInfo:
    """What the network needs to know about the data: feature count, output units and task.

    ``output_units`` is the data's width (classes, targets; 1 for binary). The Output layer's width is
    :func:`output_units` of this and the output activation (2 for a binary task with softmax).
    """

    num_features: int
    output_units: int
    task: str  # "binary" | "multiclass" | "regression"
    num_classes: int = 0
    feature_names: tuple[str, ...] = ()
    output_names: tuple[str, ...] = ()  # class names (multiclass) or target names (regression)
    target_range: tuple[float, float] | None = None  # regression: (min, max) of the targets, train and test

    @classmethod
    def from_dataset(cls, dataset: Any) -> DataInfo:
        """Read the fields from a ``core.datasets.Dataset``-like object."""
        num_classes = int(getattr(dataset, "num_classes", 0) or 0)
        task = str(dataset.task)
        features = tuple(str(n) for n in (getattr(dataset, "feature_names", None) or ()))
        if task == "multiclass":
            outputs = tuple(str(n) for n in (getattr(dataset, "class_names", None) or ()))
        elif task == "regression":
            outputs = tuple(str(n) for n in (getattr(dataset, "target_names", None) or ()))
        else:
            names = [str(n) for n in (getattr(dataset, "class_names", None) or ())]
            outputs = (f"p({names[1]})",) if len(names) == 2 else ()
        return cls(int(dataset.num_features), int(dataset.output_units), task, num_classes, features, outputs,
                   target_range(dataset))


def target_range(dataset: Any) -> tuple[float, float] | None:
    """(min, max) of a regression dataset's finite targets, train and test (None: other tasks or none)."""
    import numpy as np

    if dataset.task != "regression":
        return None
    ys = [np.asarray(y, dtype=np.float64).ravel() for y in (dataset.y_train, dataset.y_test) if y is not None]
    y = np.concatenate(ys) if ys else np.empty(0)
    y = y[np.isfinite(y)]
    return (float(y.min()), float(y.max())) if y.size else None


def regression_output_problem(activation: str, span: tuple[float, float] | None) -> str | None:
    """Why ``activation`` cannot produce regression targets spanning ``span`` (None: it can).

    softmax never can (its outputs sum to 1); sigmoid only when every target lies in [0, 1]; an unknown
    span (None) lets sigmoid pass.
    """
    if activation == "softmax":
        return ("a softmax output sums to 1 over its units and cannot fit regression targets; use a linear "
                "output (activation \"linear\" or \"auto\")")
    if activation == "sigmoid" and span is not None and (span[0] < 0.0 or span[1] > 1.0):
        return (f"a sigmoid output lies between 0 and 1 but the targets span {span[0]:g} .. {span[1]:g}; "
                "use a linear output (activation \"linear\" or \"auto\")")
    return None


@dataclass(frozen=True)
class FitProblem:
    """One mismatch: ``layer`` is "input" or "output", ``key`` the option concerned ("units",
    "activation" or "loss", the last meaning ``training.loss``); ``severity`` "error" or "warning"."""

    layer: str
    key: str
    severity: str
    message: str


def loss_names() -> tuple[str, ...]:
    """``training.loss`` choices: "auto" and the engine's losses."""
    from core import losses

    return ("auto", *losses.LOSS_NAMES)


def _act_name(activation: Any) -> str:
    if isinstance(activation, dict):
        return str(activation.get("name", activation.get("class_name", ""))).lower()
    return str(activation).lower()


def resolve_output_activation(activation: Any, task: str | None) -> Any:
    """``"auto"`` -> sigmoid (binary), softmax (multiclass), linear (regression); "auto" without a task."""
    if activation != "auto":
        return activation
    if task not in TASKS:
        return "auto"
    return {"binary": "sigmoid", "multiclass": "softmax"}.get(task, "linear")


def resolve_loss(loss: Any, task: str | None, output_activation: Any) -> Any:
    """``"auto"``: binary + sigmoid -> binary_crossentropy; softmax on a classification task ->
    sparse_categorical_crossentropy (a binary task then gets 2 softmax units); anything else -> mse.
    Other values are returned unchanged."""
    if loss != "auto":
        return loss
    act = _act_name(output_activation)
    if task == "binary" and act == "sigmoid":
        return "binary_crossentropy"
    if task in ("binary", "multiclass") and act == "softmax":
        return "sparse_categorical_crossentropy"
    return "mse"


def output_units(task: str, output_activation: Any, data_units: int) -> int:
    """Units of the output layer: the data's, except 2 for a binary task with a softmax output."""
    if task == "binary" and _act_name(output_activation) == "softmax":
        return 2
    return int(data_units)


def _loss_name(loss: Any) -> str:
    """The canonical name of a loss value (a name or an object); the value itself when unknown."""
    from core import losses

    try:
        return str(losses.get(copy.deepcopy(loss)).name)
    except (ValueError, TypeError, KeyError):
        return str(loss)


def as_int(value: Any) -> int | None:
    """An integral int or float as int; anything else (bool, None, 2.5, text) as None."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def fit_problems(input_config: dict[str, Any] | None, output_config: dict[str, Any], data: DataInfo,
                 loss: Any = "auto") -> list[FitProblem]:
    """What does not fit between the network's input/output layer configs, the loss and the data."""
    probs: list[FitProblem] = []

    def err(layer: str, key: str, message: str) -> None:
        probs.append(FitProblem(layer, key, "error", message))

    def warn(layer: str, key: str, message: str) -> None:
        probs.append(FitProblem(layer, key, "warning", message))

    given_in = as_int((input_config or {}).get("units"))
    chosen = (input_config or {}).get("features")
    chosen = chosen if isinstance(chosen, list) and chosen else None
    names = data.feature_names
    listed = f" ({', '.join(names[:8])}{', ...' if len(names) > 8 else ''})" if names else ""
    if chosen is not None:
        from core.features import parse

        if given_in and given_in != len(chosen):
            err("input", "units", f"Input has {given_in} units but lists {len(chosen)} features.")
        for feature in chosen if names else ():
            try:
                parse(str(feature), names)
            except ValueError as exc:
                err("input", "features", str(exc)[0].upper() + str(exc)[1:] + ".")
    elif given_in and given_in != data.num_features:
        err("input", "units",
            f"Input has {given_in} units but the data has {data.num_features} features{listed}.")
    act = _act_name(resolve_output_activation(output_config.get("activation", "auto"), data.task))
    resolved = _loss_name(resolve_loss(loss, data.task, act))
    given = as_int(output_config.get("units"))
    needed = output_units(data.task, act, data.output_units)
    if given and given != needed:
        what = {
            "binary": "2 units for a binary task with a softmax output" if needed == 2
            else "1 unit for a binary task",
            "multiclass": f"{data.output_units} classes",
            "regression": f"{data.output_units} target(s)",
        }.get(data.task, str(needed))
        err("output", "units", f"Output has {given} units but the data needs {what}.")
    pretty = _PRETTY.get(resolved, resolved)
    if data.task == "multiclass":
        if act == "sigmoid":
            warn("output", "activation",
                 "Sigmoid outputs for several classes: use softmax so the class probabilities sum to 1.")
        if resolved == "binary_crossentropy":
            err("output", "loss",
                f"Binary cross-entropy needs a binary task; this data has {data.output_units} classes.")
        if resolved in _SOFTMAX_LOSSES and act != "softmax":
            err("output", "loss", f"{pretty} expects softmax outputs, not {act}.")
    elif data.task == "binary":
        # as training runs it: sigmoid + binary cross-entropy (1 unit), or softmax + (sparse) categorical
        # cross-entropy over 2 units
        if resolved == "binary_crossentropy" and act != "sigmoid":
            err("output", "loss", f"Binary cross-entropy expects a sigmoid output, not {act}.")
        if resolved in ("mse", "mae", "huber") and act == "sigmoid":
            warn("output", "loss", "Sigmoid with a squared-error loss learns slowly for classification; "
                                   "binary cross-entropy fits better.")
        if resolved in _SOFTMAX_LOSSES and act != "softmax":
            err("output", "loss", f"{pretty} expects softmax outputs (2 units for a binary task), not {act}; "
                                  "or use binary cross-entropy with a sigmoid output.")
    elif data.task == "regression":
        if resolved in CLASSIFICATION_LOSSES:
            err("output", "loss",
                f"{pretty} is a classification loss; this data is a regression task (use mse, mae or huber).")
        why = regression_output_problem(act, data.target_range)
        if why is not None:  # refused, not only warned: it trains to a constant and exits 0 otherwise
            err("output", "activation", f"Regression with a {act} output: {why}.")
        elif act in ("sigmoid", "step"):
            warn("output", "activation",
                 f"A {act} output limits predictions to a fixed range; regression usually uses linear.")
    return probs
