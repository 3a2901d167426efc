"""The forward pass, with numbers: every layer's ``z`` and ``a`` for one sample, and its gradients.

``explain(model, x, target)`` runs one sample through a built ``Sequential`` in float64 and records, per
layer, the input it received, ``z`` (pre-activation) and ``a`` (output). With a target it also records
the sample's loss, ``dL/da`` and ``dL/dz`` per neuron and ``dL/dw`` per link (``dL/db`` per bias), by
backpropagation. The loss is the data loss of that one sample: kernel penalties (regularization) are not
included, since they do not depend on the sample.

The input layer (Normalization) appears as a layer too: its ``z`` and ``a`` are the scaled inputs
``(x - mean) / sqrt(variance)``, what the first Dense layer actually sees. Dropout is the identity here
(inference mode). With ``data.target_scaling`` the network ends in the layer that undoes it
(``core.target_scaling``, activation ``"unscale"`` here): ``a = z · std + mean`` in target units, with
``mean``/``std`` the training targets' statistics; the loss is then measured on standardized values, as
training measures it.

Each layer's step is its engine class's own (``explain_forward``, ``explain_backward``, ``explain_lines``;
see ``core.layers.base``), so a layer kind is described where its computation is; a layer class that does
not describe itself makes ``explain`` raise ValueError naming the layer.

:mod:`core.explain_text` writes the computation out (``format_explanation``), e.g.::

    z = 0.9·1 + 0.3·0.5 + 0 = 1.05
    a = sigmoid(1.05) = 0.7408
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["LayerTrace", "Explanation", "explain", "target_row", "class_index", "label_target",
           "table_row_sample"]


@dataclass
class LayerTrace:
    """One layer for one sample. Arrays are float64 and 1-D: ``x`` (inputs,), ``z``/``a`` (units,).

    ``kernel`` (inputs, units) and ``bias`` (units,) for Dense; ``mean``/``std`` (inputs,) for the input
    layer, the training targets' (units,) for the layer undoing the target scaling; ``alpha`` (units,) for
    PReLU. The gradient fields are None without a target: ``da`` = dL/da,
    ``dz`` = dL/dz (units,), ``dkernel`` = dL/dkernel (inputs, units), ``dbias`` = dL/dbias (units,),
    ``dalpha`` = dL/dalpha (units,), ``dx`` = dL/dx (inputs,).
    """

    name: str
    kind: str
    activation: str
    x: np.ndarray
    z: np.ndarray
    a: np.ndarray
    kernel: np.ndarray | None = None
    bias: np.ndarray | None = None
    mean: np.ndarray | None = None
    std: np.ndarray | None = None
    alpha: np.ndarray | None = None
    #: the input layer's feature specs (``core.features``) and their names; ``z`` holds the scaled columns
    features: list[list[Any]] | None = None
    feature_labels: list[str] | None = None
    #: the layer heading's last words: its activation, "scales the inputs", ...
    heading: str = ""
    #: the layer class's ``explain_lines(t, j, backward, max_terms)``: neuron ``j`` worked out as text
    lines: Callable[[LayerTrace, int, bool, int], list[str]] | None = field(default=None, repr=False)
    da: np.ndarray | None = None
    dz: np.ndarray | None = None
    dkernel: np.ndarray | None = None
    dbias: np.ndarray | None = None
    dalpha: np.ndarray | None = None
    dx: np.ndarray | None = None

    def to_json(self) -> dict[str, Any]:
        """``{"name", "kind", "z", "a"}`` plus ``"dL_dz"`` (and ``"dL_dkernel"``, ``"dL_dbias"``) after a
        backward pass."""
        out: dict[str, Any] = {"name": self.name, "kind": self.kind, "z": _floats(self.z),
                               "a": _floats(self.a)}
        if self.dz is not None:
            out["dL_dz"] = _floats(self.dz)
        if self.dkernel is not None:
            out["dL_dkernel"] = [_floats(row) for row in self.dkernel]
        if self.dbias is not None:
            out["dL_dbias"] = _floats(self.dbias)
        return out


@dataclass
class Explanation:
    """The worked forward (and backward) pass of one sample through a model.

    ``inputs`` (f,) are the raw feature values, ``output`` (k,) the model's output; ``target`` (k,) is the
    target row as the loss sees it (one-hot for categorical losses), ``loss`` its value, both None without
    a target.
    """

    input_names: list[str]
    inputs: np.ndarray
    layers: list[LayerTrace]
    output: np.ndarray
    loss_name: str | None = None
    target: np.ndarray | None = None
    loss: float | None = None
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """The JSON object ``ffstudio explain`` prints last."""
        out: dict[str, Any] = {"inputs": dict(zip(self.input_names, _floats(self.inputs), strict=True)),
                               "layers": [t.to_json() for t in self.layers], "output": _floats(self.output)}
        if self.loss is not None:
            out["loss_name"] = self.loss_name
            out["target"] = _floats(self.target)
            out["loss"] = float(self.loss)
        return out


def _floats(a: Any) -> list[float]:
    return [float(v) for v in np.asarray(a, dtype=np.float64).ravel()]


def _forward(model: Any, x: np.ndarray) -> list[LayerTrace]:
    traces: list[LayerTrace] = []
    a = x
    for layer in model.layers:  # each layer class works out its own step (core.layers.base.explain_*)
        fields = {"activation": "linear", "z": a, "a": a, **layer.explain_forward(a)}
        fields.setdefault("heading", fields["activation"])
        t = LayerTrace(name=str(layer.name), kind=type(layer).__name__, x=a,
                       lines=type(layer).explain_lines, **fields)
        traces.append(t)
        a = t.a
    return traces


def _backward(model: Any, traces: list[LayerTrace], y: np.ndarray) -> float:
    """Fill the gradient fields of ``traces`` for target row ``y`` (k,); return the sample's loss."""
    loss = model.loss
    last = traces[-1]
    z, a = last.z[None, :].copy(), last.a[None, :].copy()
    # the explanation keeps one-hot rows; a sparse loss takes the class index
    raw = np.array([int(np.argmax(y))]) if loss.name == "sparse_categorical_crossentropy" else y[None, :]
    yy = loss.prepare_targets(raw, a.shape[1], np.float64)
    g = np.empty_like(a)
    if model.output_fused():
        value = loss.fused(yy, z, a, g)  # dL/dz directly (sigmoid/softmax + cross-entropy)
        last.dz = g[0].copy()
        last.da = None
    else:
        value = loss.value_and_grad(yy, a, g)
        last.da = g[0].copy()
    for i in range(len(traces) - 1, -1, -1):
        t = traces[i]
        for key, grad in model.layers[i].explain_backward(t).items():
            setattr(t, key, grad)
        if i > 0:
            traces[i - 1].da = t.dx
    return float(value)


def explain(model: Any, x: Sequence[float] | np.ndarray, target: np.ndarray | None = None,
            input_names: Sequence[str] | None = None) -> Explanation:
    """Forward pass of one sample ``x`` (f,) through a built model, in float64; with ``target`` (k,) (the
    row the loss compares to, see :func:`target_row`) also the loss and all gradients (model compiled)."""
    xa = np.asarray(x, dtype=np.float64).reshape(-1)
    if not model.built:
        raise ValueError("the model must be built before explain()")
    if xa.size != model.input_dim:
        raise ValueError(f"expected {model.input_dim} input values, got {xa.size}")
    if not np.isfinite(xa).all():
        raise ValueError("input values must be finite numbers")
    names = list(input_names) if input_names is not None else [f"x{i + 1}" for i in range(xa.size)]
    traces = _forward(model, xa)
    exp = Explanation(input_names=names, inputs=xa, layers=traces, output=traces[-1].a.copy())
    if target is not None:
        if model.loss is None:
            raise ValueError("the model has no loss: compile it to explain the backward pass")
        y = np.asarray(target, dtype=np.float64).reshape(-1)
        if y.size != exp.output.size:
            raise ValueError(f"the target needs {exp.output.size} value(s) for the {exp.output.size}-unit "
                             f"output, got {y.size}")
        exp.loss = _backward(model, traces, y)
        exp.target, exp.loss_name = y, model.loss.name
    return exp


def target_row(value: str, *, task: str, loss_name: str, units: int,
               class_names: Sequence[str] = ()) -> np.ndarray:
    """The target row (units,) for a target written by a user: a class name or index for classification
    (:func:`class_index`; one-hot when the output has several units), comma-separated numbers for regression.

    Raises ValueError with a sentence saying what was expected.
    """
    text = value.strip()
    if task != "regression":
        return label_target(class_index(text, class_names), task=task, units=units)
    try:
        numbers = [float(p) for p in text.split(",")]
    except ValueError:
        numbers = []
    if len(numbers) != units or not np.isfinite(numbers).all():
        raise ValueError(f"--target: expected {units} comma-separated number(s) for the regression output, "
                         f"got {value!r}")
    return np.array(numbers)


def class_index(value: str, class_names: Sequence[str] = ()) -> int:
    """The class a user wrote: a value that is exactly one of ``class_names`` is that class (so with
    classes 1, 2, 3 the value "1" is class "1", index 0), any other integer is a class index from 0.

    Raises ValueError listing the classes when it is neither.
    """
    names = [str(c) for c in class_names]
    text = value.strip()
    if text in names:
        return names.index(text)
    try:
        index = int(text)
    except ValueError:
        index = -1
    if not 0 <= index < max(len(names), 2):
        raise ValueError(f"--target: expected a class name ({', '.join(names) or '0, 1'}) or a class "
                         f"index (0 to {max(len(names), 2) - 1}), got {value!r}")
    return index


def label_target(label: Any, *, task: str, units: int) -> np.ndarray:
    """The target row (units,) of a label as a data set holds it: a class index (the class itself for one
    output unit, one-hot for several) or the regression value(s). Raises ValueError when it does not fit."""
    if task != "regression":
        index = int(label)
        if not 0 <= index < max(units, 2):
            raise ValueError(f"class index {index} does not fit an output of {units} unit(s)")
        if units == 1:
            return np.array([float(index)])
        row = np.zeros(units)
        row[index] = 1.0
        return row
    values = np.asarray(label, dtype=np.float64).reshape(-1)
    if values.size != units:
        raise ValueError(f"{values.size} target value(s) for an output of {units} unit(s)")
    return values


# -------------------------------------------------------------------------------------------- samples
def table_row_sample(dataset: Any, row: Any) -> tuple[np.ndarray, Any]:
    """The sample of ``row``, one row (a one-row pandas DataFrame) of ``dataset``'s CSV file with its raw
    columns, as the Data tab's preview shows it: its features (f,) float64 on the raw scale, encoded as
    the data set encodes its file, and its label: a class index (int), target values (k,) float64, or
    None when the row's target is missing or absent.

    Raises DataError naming the column for a value the data set's encoding cannot take (unknown
    category, text in a number column, a missing value it does not fill).
    """
    from core.datasets.labelled import encode_targets, target_columns

    frame = row.copy()
    frame.columns = [str(c).strip() for c in frame.columns]
    x = np.asarray(dataset.encode_frame(frame), dtype=np.float64)[0]
    targets = target_columns(dataset.preprocessing)
    if not targets or any(t not in frame.columns for t in targets):
        return x, None
    if bool(frame[targets].isna().to_numpy().any()):
        return x, None
    y = encode_targets(frame, dataset.preprocessing, targets, np.array([1]), "this row")
    return x, (int(y[0]) if dataset.is_classification else np.asarray(y[0], dtype=np.float64))
