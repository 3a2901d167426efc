"""ONNX export that takes the raw CSV columns (``ffstudio export --format onnx --raw-inputs``).

One graph input per raw feature column, named after the column, shaped (batch, 1): float32 for a numeric
column (missing = NaN), string for a categorical one (missing = "" or one of the CSV reader's missing-value
tokens such as "NA"). The graph does what ``ffstudio predict`` does before the network:

- numeric: ``IsNaN`` + ``Where`` fill a missing value with the training mean (policy "impute");
- categorical: ``ai.onnx.ml.LabelEncoder`` maps the text to its category index (a missing value to the
  most frequent category's index), ``Equal`` against 0..C-1 + ``Cast`` give the one-hot columns; a
  category training never saw gives all-zero columns (``predict`` refuses such a row);
- ``Concat`` puts the columns in training order, then the network runs as in the encoded export
  (scaling, layers, softmax/sigmoid).

With policy "drop" a missing value is not filled: the row's outputs are NaN and its label is "".
Outputs: classification ``probabilities`` (batch, classes) — a one-unit sigmoid gives the two columns
``1 - p, p`` as ``predict`` does — and ``label`` (batch,) string, the class name (``p >= 0.5`` for one
unit, else the arg-max); regression ``predictions`` (batch, targets) in the target's units.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import numpy as np

from core.errors import ExportError
from core.export.common import atomic_write
from core.export.onnx import (
    OPSET,
    emit_network,
    emit_target_units,
    finish_model,
    is_classification,
    name_output,
    new_graph,
)

ML_DOMAIN = "ai.onnx.ml"
ML_OPSET = 2  # LabelEncoder with keys_strings / values_int64s
#: Text the CSV reader treats as a missing value (core.datasets.csv_read.NA_TOKENS).
_UNKNOWN = -1
_DROPPED = -2


def _const(g: Any, name: str, value: np.ndarray) -> str:
    """An initializer keeping ``value``'s dtype (the builder's ``const`` makes float32)."""
    g.initializers.append(g.onnx.numpy_helper.from_array(np.ascontiguousarray(value), name=name))
    return name


def _categorical(g: Any, name: str, col: Mapping[str, Any], tag: str) -> tuple[str, str | None]:
    """One-hot float (batch, C) for string input ``name``; plus a bool (batch, 1) "missing, not filled"."""
    from core.datasets.csv_read import NA_TOKENS

    cats = [str(c) for c in col["categories"]]
    fill = col.get("fill")
    missing_index = cats.index(str(fill)) if fill is not None and str(fill) in cats else _DROPPED
    keys = cats + [t for t in NA_TOKENS if t not in cats]
    values = list(range(len(cats))) + [missing_index] * (len(keys) - len(cats))
    index = g.op("LabelEncoder", [name], tag + "_index", domain=ML_DOMAIN, keys_strings=keys,
                 values_int64s=values, default_int64=_UNKNOWN)
    positions = _const(g, f"{tag}.positions", np.arange(len(cats), dtype=np.int64).reshape(1, -1))
    onehot = g.op("Cast", [g.op("Equal", [index, positions], tag + "_eq")], tag + "_onehot",
                  to=g.onnx.TensorProto.FLOAT)
    if missing_index != _DROPPED:
        return onehot, None
    dropped = g.op("Equal", [index, _const(g, f"{tag}.dropped", np.array([[_DROPPED]], dtype=np.int64))],
                   tag + "_dropped")
    return onehot, dropped


def _numeric(g: Any, name: str, col: Mapping[str, Any], tag: str) -> str:
    """Float (batch, 1) for float input ``name``, NaN replaced by the stored ``fill`` when there is one."""
    if col.get("fill") is None:
        return name
    return g.op("Where", [g.op("IsNaN", [name], tag + "_isnan"), g.const(f"{tag}.fill", float(col["fill"])),
                          name], tag + "_filled")


def _labels(g: Any, probs: str, classes: list[str], one_unit: str | None, axis: str) -> str:
    """String (batch,) class names: ``p >= 0.5`` for one sigmoid unit ``one_unit``, else arg-max."""
    if one_unit is not None:
        ge = g.op("GreaterOrEqual", [one_unit, g.const("ffstudio.label.threshold", 0.5)], "label_ge")
        index = g.op("Cast", [ge], "label_index", to=g.onnx.TensorProto.INT64)
        index = g.op("Squeeze", [index, axis], "label_flat")
    else:
        index = g.op("ArgMax", [probs], "label_index", axis=1, keepdims=0)
    return g.op("LabelEncoder", [index], "label_name", domain=ML_DOMAIN,
                keys_int64s=list(range(len(classes))), values_strings=classes, default_string="")


def build_raw_onnx(model: Any, preprocessing: Mapping[str, Any], opset: int = OPSET) -> Any:
    """The ``onnx.ModelProto`` taking one input per raw column of ``preprocessing["columns"]``."""
    columns = list((preprocessing or {}).get("columns") or [])
    if not columns:
        raise ExportError("--raw-inputs needs the data's column encoding, which these weights do not carry "
                          "(train the project again with this version)")
    taken = sorted({str(c["name"]) for c in columns} & {"probabilities", "label", "predictions"})
    if taken:
        raise ExportError(f"column {taken[0]!r} has the name of a graph output (probabilities, label, "
                          "predictions); rename the column in the CSV file and train again")
    g = new_graph(model, opset)
    tp = g.onnx.TensorProto
    inputs, parts, dropped = [], [], []
    for j, col in enumerate(columns):
        name = str(col["name"])
        if col.get("kind") == "categorical":
            inputs.append(g.helper.make_tensor_value_info(name, tp.STRING, ["batch", 1]))
            onehot, missing = _categorical(g, name, col, f"ffstudio.col{j}")
            parts.append(onehot)
            if missing is not None:
                dropped.append(missing)
        else:
            inputs.append(g.helper.make_tensor_value_info(name, tp.FLOAT, ["batch", 1]))
            parts.append(_numeric(g, name, col, f"ffstudio.col{j}"))
    features = g.op("Concat", parts, "features", axis=1) if len(parts) > 1 else parts[0]
    x = emit_network(g, model, features)
    if dropped:  # a missing category the project does not impute: NaN outputs, as a missing number gives
        nan = g.const("ffstudio.missing.nan", np.nan)
        any_dropped = dropped[0]
        for extra in dropped[1:]:
            any_dropped = g.op("Or", [any_dropped, extra], "missing_any")
        x = g.op("Where", [any_dropped, nan, x], "missing_nan")
    units = int(model.output_dim)
    if not is_classification(model, preprocessing):
        x = emit_target_units(g, x, preprocessing)
        name_output(g, x, "predictions")
        outputs = [g.helper.make_tensor_value_info("predictions", tp.FLOAT, ["batch", units])]
    else:
        classes = [str(c) for c in preprocessing.get("class_names") or []]
        classes = classes if len(classes) == max(units, 2) else [str(j) for j in range(max(units, 2))]
        one_unit = None
        if units == 1:
            one_unit = x
            x = g.op("Concat", [g.op("Sub", [g.const("ffstudio.one", 1.0), x], "prob_0"), x], "probs", axis=1)
        axis = _const(g, "ffstudio.axis1", np.array([1], dtype=np.int64))
        label = _labels(g, x, classes, one_unit, axis)
        nan_row = g.op("IsNaN", [g.op("ReduceSum", [x, axis], "prob_sum", keepdims=0)], "label_nan")
        empty = _const(g, "ffstudio.label.empty", np.array([""], dtype=object))
        label = g.op("Where", [nan_row, empty, label], "label")
        name_output(g, x, "probabilities")
        name_output(g, label, "label")
        outputs = [g.helper.make_tensor_value_info("probabilities", tp.FLOAT, ["batch", len(classes)]),
                   g.helper.make_tensor_value_info("label", tp.STRING, ["batch"])]
    names = ", ".join(str(c["name"]) for c in columns)
    return finish_model(g, inputs, outputs, model, preprocessing, opset,
                        f"Feedforward Studio network on raw columns. Inputs (batch, 1) each: {names}; "
                        f"outputs {', '.join(o.name for o in outputs)}.",
                        extra_opsets={ML_DOMAIN: ML_OPSET}, **{"ffstudio.inputs": "raw_columns"})


def export_raw_onnx(model: Any, path: str | os.PathLike[str], preprocessing: Mapping[str, Any],
                    opset: int = OPSET) -> str:
    """Write the raw-column ONNX model to ``path`` atomically; return the absolute path written."""
    data = build_raw_onnx(model, preprocessing, opset).SerializeToString()
    return atomic_write(path, lambda fh: fh.write(data), "ONNX file")


def raw_feeds(frame: Any, preprocessing: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """onnxruntime inputs (column -> (n, 1) array) from a DataFrame of raw columns (missing = NaN/None)."""
    import pandas as pd

    feeds: dict[str, np.ndarray] = {}
    for col in preprocessing.get("columns") or []:
        name = str(col["name"])
        series = frame[name]
        if col.get("kind") == "categorical":
            text = series.astype("string").fillna("").str.strip()
            feeds[name] = text.to_numpy(dtype=object).reshape(-1, 1)
        else:
            values = pd.to_numeric(series, errors="coerce").to_numpy(dtype=np.float32, na_value=np.nan)
            feeds[name] = values.reshape(-1, 1)
    return feeds


__all__ = ["build_raw_onnx", "export_raw_onnx", "raw_feeds"]
