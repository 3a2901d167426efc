"""Apply a trained project to new rows from a CSV file (``ffstudio predict``, File → Predict on CSV…).

Columns are matched by name when the file's header holds the raw feature columns the network
was trained on (other columns, e.g. the target, are carried along but not used); otherwise by
position (with or without a header row, the file must then have exactly those columns). The same
encoding and scaling as in training apply (one-hot columns from ``preprocessing["columns"]``; the
scaling lives in the network's Normalization layer). The output CSV holds the input columns plus
``prob_<class>`` columns and ``predicted`` for classification, or ``pred_<target>`` for
regression.

Missing values follow the project's policy (``preprocessing["missing"]``): with ``"impute"`` they
get the training split's mean (numeric) or most frequent category (the stored ``fill``); with
``"drop"`` such rows are not predicted but still written, with empty prediction columns, and
``PredictResult.skipped_lines`` lists their file line numbers. Errors name file lines, like the
CSV importer.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from core.errors import DataError, ExportError
from core.files import check_destination
from core.predict_rows import iter_rows
from core.target_scaling import is_inverse_layer


@dataclass
class TrainedNetwork:
    """A model with trained weights plus what is needed to encode rows and name its outputs."""

    model: Any
    preprocessing: dict[str, Any]
    training: dict[str, Any] = field(default_factory=dict)
    weights_path: str | None = None

    @property
    def task(self) -> str:
        task = self.preprocessing.get("task")
        if task in ("binary", "multiclass", "regression"):
            return str(task)
        from core.export.onnx import is_classification

        if not is_classification(self.model, self.preprocessing):
            return "regression"
        return "binary" if int(self.model.output_dim) == 1 else "multiclass"

    @property
    def raw_columns(self) -> list[str]:
        """Raw input column names in training order."""
        cols = self.preprocessing.get("columns")
        if cols:
            return [str(c["name"]) for c in cols]
        return [str(n) for n in self.preprocessing.get("feature_names", [])]


def _project_weights_path(project: Any, project_path: str) -> str:
    weights = project.weights_path
    if not weights:
        raise ExportError(f"{project_path}: the project has no trained weights "
                          "(train it with `ffstudio train PROJECT.json --out DIR` or in the app, then save)")
    if not os.path.exists(weights):
        raise ExportError(f"{project_path}: weights file {weights} does not exist")
    return weights


def load_trained(project_path: str | os.PathLike[str],
                 progress: Callable[..., Any] | None = None) -> TrainedNetwork:
    """Open ``project_path``, rebuild its network, compile it as the project says and load its weights.

    When the weights file carries the data preprocessing (``ffstudio train`` and the app store it),
    the network is rebuilt from the stored architecture and the training data is not needed;
    otherwise the dataset is loaded to rebuild it (``core.project.build_model``).
    """
    from core.export.common import apply_named_weights
    from core.export.weights_import import read_weights
    from core.project import build_dataset, build_model, load_project

    source = os.fspath(project_path)
    project = load_project(source)
    weights_path = _project_weights_path(project, source)
    tensors, doc = read_weights(weights_path)
    preprocessing = dict(doc.get("preprocessing") or {})
    model = None
    if preprocessing.get("columns") and preprocessing.get("task") and doc.get("architecture"):
        model = _model_from_architecture(doc["architecture"], project, preprocessing["task"])
        if model is not None:
            problems = architecture_problems(model, project.network, preprocessing["task"])
            if problems:
                raise ExportError(f"{weights_path}: weights do not fit this network (the file was saved "
                                  f"from a different architecture): " + "; ".join(problems))
    if model is None:
        dataset = build_dataset(project, progress=progress)
        preprocessing = {**dataset.preprocessing, **preprocessing}
        model = build_model(project, dataset)
    apply_named_weights(model, tensors, weights_path, doc.get("architecture"))
    return TrainedNetwork(model, preprocessing, project.training_spec(), weights_path)


def _model_from_architecture(config: Mapping[str, Any], project: Any, task: str) -> Any | None:
    """A built, compiled Sequential from a stored ``get_config()``, or None when that fails."""
    import copy

    from core.model import Sequential
    from core.project import resolve_loss

    try:
        model = Sequential.from_config(dict(config))
        model.build(model.input_dim, seed=0)
        spec = project.training_spec()
        last = [layer for layer in model.layers if not is_inverse_layer(layer)][-1]
        act = getattr(getattr(last, "activation", None), "name", "linear")
        model.compile(optimizer=copy.deepcopy(spec["optimizer"]), loss=resolve_loss(spec["loss"], task, act))
    except (ValueError, TypeError, KeyError, AttributeError):
        return None
    return model


def _engine_name(kind: Any, default: Any = None) -> Any:
    """The engine class name of a project layer kind (``core.layer_kinds``)."""
    from core.layer_kinds import KINDS

    return KINDS[kind].engine if kind in KINDS else default


def _describe_layer(cls: str, units: Any, act: str | None) -> str:
    text = cls
    if units is not None:
        text += f" {units}"
    if act is not None:
        text += f" {act}"
    return text


def architecture_problems(model: Any, network: list[Mapping[str, Any]], task: str) -> list[str]:
    """Layer-by-layer differences between ``model`` (rebuilt from a weights file) and a project's ``network``.

    Compared per layer: the layer class, Dense units (when the project gives them) and activation
    ("auto" on the output layer resolved by ``task``), and the input feature count when the input
    layer states ``units``. Returns ``[]`` when they agree, else lines like
    ``layer 1: file has Dense 12 tanh, network needs Dense 16 tanh``.
    """
    from core import activations
    from core.export.common import activation_name
    from core.project import resolve_output_activation

    def canonical(act: Any) -> str:
        try:
            return activation_name(activations.get(act))
        except (ValueError, TypeError, KeyError):
            return activation_name(act)

    # data.target_scaling's trailing layer is not part of the project's network
    layers = [layer for layer in model.layers if not is_inverse_layer(layer)]
    problems: list[str] = []
    if len(layers) != len(network):
        problems.append(f"the file has {len(layers)} layers, the network has {len(network)}")
    for i, (layer, cfg) in enumerate(zip(layers, network, strict=False)):
        kind = str(cfg.get("type"))
        want_cls = _engine_name(kind, kind)
        have_cls = type(layer).__name__
        have_units = want_units = have_act = want_act = None
        if kind == "input":
            if "units" in cfg:
                have_units, want_units = int(model.input_dim), int(cfg["units"])
        elif want_cls == "Dense":
            if have_cls == "Dense":
                have_units = int(layer.output_dim) if "units" in cfg else None
                have_act = canonical(getattr(layer, "activation", None))
            want_units = int(cfg["units"]) if "units" in cfg else None
            act = cfg.get("activation", "auto" if kind == "output" else "linear")
            if kind == "output":
                act = resolve_output_activation(act, task)
            want_act = canonical(act)
        elif kind == "activation" and have_cls == "Activation":
            have_act = canonical(getattr(layer, "activation", None))
            want_act = canonical(cfg.get("activation"))
        if have_cls != want_cls or have_units != want_units or have_act != want_act:
            problems.append(f"layer {i}: file has {_describe_layer(have_cls, have_units, have_act)}, "
                            f"network needs {_describe_layer(want_cls, want_units, want_act)}")
    return problems


# ---------------------------------------------------------------------------- predicting
def prediction_columns(trained: TrainedNetwork, y: np.ndarray) -> dict[str, np.ndarray | list[Any]]:
    """Output columns for predictions ``y`` (n, outputs) of ``trained``."""
    pre = trained.preprocessing
    n = y.shape[0]
    out: dict[str, Any] = {}
    if trained.task == "regression":
        from core.export.onnx import target_transform

        tt = target_transform(pre)
        if tt is not None:
            y = y * tt[0] + tt[1]
        targets = list(pre.get("target_names") or [])
        if len(targets) != y.shape[1]:
            targets = [f"y{j}" for j in range(y.shape[1])] if y.shape[1] > 1 else (targets[:1] or ["y"])
        for j, name in enumerate(targets):
            out[f"pred_{name}"] = y[:, j]
        return out
    classes = [str(c) for c in (pre.get("class_names") or [])]
    if y.shape[1] == 1:
        p1 = y[:, 0].astype(np.float64)
        probs = np.stack([1.0 - p1, p1], axis=1)
    else:
        probs = y.astype(np.float64)
    if len(classes) != probs.shape[1]:
        classes = [str(j) for j in range(probs.shape[1])]
    for j, name in enumerate(classes):
        out[f"prob_{name}"] = probs[:, j]
    idx = (probs[:, 1] >= 0.5).astype(np.int64) if y.shape[1] == 1 else np.argmax(probs, axis=1)
    out["predicted"] = np.array(classes, dtype=object)[idx].tolist() if n else []
    return out


def missing_rows(trained: TrainedNetwork, encoded: Any) -> tuple[np.ndarray, int]:
    """(mask of rows that cannot be predicted, number of values that will be imputed).

    A missing value in a raw column with a stored ``fill`` (missing policy "impute") is imputed;
    in a column without one (policy "drop") the row is skipped.
    """
    n = len(encoded)
    skip = np.zeros(n, dtype=bool)
    filled = 0
    for col in trained.preprocessing.get("columns", []):
        name = str(col["name"])
        if name not in encoded.columns:
            continue
        miss = encoded[name].isna().to_numpy()
        if col.get("fill") is None:
            skip |= miss
        else:
            filled += int(miss.sum())
    return skip, filled


def predict_frame(trained: TrainedNetwork, encoded: Any, lines: Any = None) -> Any:
    """The prediction columns (a DataFrame, one row per row of ``encoded``, the raw training columns).

    Rows with a missing value that the project cannot impute get empty (NaN / None) prediction
    columns. ``lines`` are the file line numbers of the rows, used in error messages.
    """
    import pandas as pd

    from core.datasets.encoding import encode_frame, with_lines

    lines = None if lines is None else list(lines)
    skip, _ = missing_rows(trained, encoded)
    keep = np.flatnonzero(~skip)
    try:
        x = encode_frame(trained.preprocessing, encoded.iloc[keep] if len(keep) < len(encoded) else encoded)
    except DataError as exc:
        raise DataError(with_lines(str(exc), keep, lines)) from None
    y = np.zeros((0, int(trained.model.output_dim)))
    if len(keep):
        with np.errstate(all="ignore"):
            y = np.asarray(trained.model.predict(x))
    if y.ndim == 1:
        y = y.reshape(-1, 1)
    broken = ~np.all(np.isfinite(y), axis=1)
    if broken.any():
        rows = ", ".join(f"row {int(k) + 1}" for k in np.flatnonzero(broken)[:5])
        raise DataError(with_lines(f"the network's outputs are NaN or infinite for {rows}; the weights"
                                    f"{' in ' + trained.weights_path if trained.weights_path else ''} are "
                                    "unusable (values far too large)", keep, lines))
    n = len(encoded)
    result: dict[str, Any] = {}
    for name, values in prediction_columns(trained, y).items():
        if len(keep) == n:
            result[name] = values
            continue
        if isinstance(values, np.ndarray):
            full: Any = np.full(n, np.nan)
            full[keep] = values
        else:
            full = [None] * n
            for i, v in zip(keep, values, strict=True):
                full[int(i)] = v
        result[name] = full
    return pd.DataFrame(result)


def _csv_line(cells: list[str], delimiter: str) -> str:
    """``cells`` as one CSV line (quoted where needed), without a line end."""
    import csv
    import io

    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="").writerow(cells)
    return buffer.getvalue()


def _line_list(lines: list[int], limit: int = 10) -> str:
    shown = ", ".join(str(v) for v in lines[:limit])
    return shown + (f" and {len(lines) - limit} more" if len(lines) > limit else "")


@dataclass(frozen=True)
class PredictResult:
    """What ``predict_csv`` did: rows predicted, output path, how columns were matched."""

    rows: int
    path: str
    matched_by: str
    columns: list[str]
    skipped_lines: list[int] = field(default_factory=list)  # rows written without predictions
    imputed: int = 0  # missing values filled with the training mean / most frequent category

    def note(self) -> str | None:
        """One line about skipped rows / imputed values for the user, or None."""
        parts = []
        if self.skipped_lines:
            k = len(self.skipped_lines)
            parts.append(f"{k} row{'s' if k != 1 else ''} with missing values not predicted (line"
                         f"{'s' if k != 1 else ''} {_line_list(self.skipped_lines)}; the project drops "
                         "such rows, so their prediction columns are empty)")
        if self.imputed:
            parts.append(f"{self.imputed} missing value{'s' if self.imputed != 1 else ''} filled with the "
                         "training mean / most frequent category")
        return "; ".join(parts) or None


def predict_csv(project: str | os.PathLike[str] | TrainedNetwork, input_path: str | os.PathLike[str],
                out_path: str | os.PathLike[str], excel_safe: bool = False,
                protect: Iterable[str | os.PathLike[str]] = ()) -> PredictResult:
    """Predict every row of ``input_path`` with a trained project and write ``out_path`` atomically.

    The input is read and predicted in pieces of 100,000 rows (flat memory for any length).

    Copied-through columns keep their text byte for byte. With ``excel_safe`` predicted class names
    starting with ``= + - @`` get a leading ``'`` so spreadsheets do not run them as formulas.
    The output never replaces the input, the weights or any of ``protect`` (the project file).
    """
    from core.export.common import atomic_write

    protect = [input_path, *protect]
    if not isinstance(project, TrainedNetwork):
        protect.append(project)
    trained = project if isinstance(project, TrainedNetwork) else load_trained(project)
    protect.append(trained.weights_path)
    source = os.fspath(input_path)
    check_destination(out_path, "predictions file", ExportError, protect)
    done = {"rows": 0, "imputed": 0, "how": "", "columns": []}
    skipped: list[int] = []

    def write(fh: Any) -> None:
        for piece, encoded, how, copied in iter_rows(source, trained.raw_columns, trained.preprocessing):
            skip, imputed = missing_rows(trained, encoded)
            skipped.extend(piece.lines[skip].tolist())
            try:
                preds = predict_frame(trained, encoded, piece.lines)
            except DataError as exc:
                raise DataError(f"{source}: {exc}") from None
            if excel_safe and "predicted" in preds.columns:
                preds["predicted"] = [excel_safe_text(v) for v in preds["predicted"]]
            sep = piece.delimiter
            if not done["rows"]:
                head = piece.header if piece.header is not None else _csv_line(copied, sep)
                fh.write(f"{head}{sep}{_csv_line([str(c) for c in preds.columns], sep)}\n".encode())
            # the input records verbatim, the prediction cells written by pandas (NUL never occurs in a CSV)
            cells = preds.to_csv(index=False, header=False, sep=sep, lineterminator="\x00").split("\x00")
            fh.write("".join(f"{r}{sep}{c}\n" for r, c in zip(piece.records, cells, strict=False)).encode())
            done.update(rows=done["rows"] + len(preds), imputed=done["imputed"] + imputed, how=how,
                        columns=copied + [str(c) for c in preds.columns])
        if len(skipped) == done["rows"]:
            raise DataError(f"{source}: every row has a missing value (lines {_line_list(skipped)}) and the "
                            "project drops rows with missing values (data.missing is \"drop\"); fill them in")

    written = atomic_write(out_path, write, "predictions file", protect)
    return PredictResult(done["rows"], written, done["how"], done["columns"], skipped, done["imputed"])


FORMULA_STARTS = ("=", "+", "-", "@")


def excel_safe_text(value: Any) -> Any:
    """``value`` with a leading ``'`` when it is text a spreadsheet would read as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


__all__ = ["PredictResult", "TrainedNetwork", "architecture_problems", "excel_safe_text", "load_trained",
           "missing_rows", "predict_csv", "predict_frame", "prediction_columns"]
