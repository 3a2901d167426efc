"""ONNX export (needs the ``[export]`` extra: ``pip install "ffstudio[export]"``).

The graph takes the same raw numeric features the dataset has (categorical features as their
one-hot columns ``"column=value"``, MNIST as 0..255 pixels) as a float32 input named ``input``
of shape (batch, features), applies the fitted feature scaling, and returns what the app shows:
``probabilities`` (batch, classes) for classification (softmax / sigmoid included) or
``predictions`` (batch, targets) for regression. Opset 17, IR version 8; checked by
``onnx.checker``. Architecture, preprocessing, feature and class names are stored in the
model's ``metadata_props``.

Layer -> ONNX ops:
- Normalization: ``Sub`` (mean) then ``Mul`` (1/sqrt(variance), variance 0 counts as 1); with feature
  inputs (``core.features``) ``Gather`` per column, ``Mul`` (squares, products), ``Sin``, ``Concat``
- Dense: ``Gemm`` (kernel (inputs, units), bias) — ``MatMul`` when the layer has no bias
- Dropout: nothing (identity at inference)
- PReLU: ``PRelu`` with the per-unit alpha

Activation -> ONNX ops:
- linear: none
- sigmoid: ``Sigmoid``; tanh: ``Tanh``; relu: ``Relu``
- leaky_relu: ``LeakyRelu(alpha)``; elu: ``Elu(alpha)``; softplus: ``Softplus``
- softmax: ``Softmax(axis=-1)``
- swish / silu: ``Sigmoid`` + ``Mul`` (x * sigmoid(x)); ONNX has no Swish op before opset 24
- gelu: the engine's tanh form 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))) as ``Mul``/``Add``/``Tanh``
  (an erf-form gelu would become ``Div``/``Erf``/``Add``/``Mul``; ONNX's ``Gelu`` op needs opset 20)
- step: ``GreaterOrEqual`` (x >= 0, the engine's step(0) = 1) + ``Cast`` to float (``Greater`` for a
  step with step(0) = 0)
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any

import numpy as np

from core.errors import ExportError
from core.export.common import (
    activation_name,
    activation_param,
    architecture,
    atomic_write,
    gelu_uses_tanh,
    layer_weight_names,
    require_built,
    step_at_zero,
)
from core.installation import extra_hint

OPSET = 17
IR_VERSION = 8

#: Which ONNX ops each activation becomes (for docs and the export dialog).
ACTIVATION_OPS: dict[str, list[str]] = {
    "linear": [],
    "sigmoid": ["Sigmoid"],
    "tanh": ["Tanh"],
    "relu": ["Relu"],
    "leaky_relu": ["LeakyRelu"],
    "elu": ["Elu"],
    "softplus": ["Softplus"],
    "softmax": ["Softmax"],
    "swish": ["Sigmoid", "Mul"],
    "silu": ["Sigmoid", "Mul"],
    "gelu": ["Mul", "Add", "Tanh"],
    "step": ["GreaterOrEqual", "Cast"],
}


def _onnx() -> Any:
    try:
        import onnx
    except ImportError:
        raise ExportError(f"ONNX export needs the onnx package: {extra_hint()}") from None
    return onnx


class _GraphBuilder:
    """Collects nodes and initializers with unique tensor names."""

    def __init__(self, onnx: Any) -> None:
        self.onnx = onnx
        self.helper = onnx.helper
        self.nodes: list[Any] = []
        self.initializers: list[Any] = []
        self._count = 0

    def const(self, name: str, value: Any) -> str:
        arr = np.ascontiguousarray(np.asarray(value, dtype=np.float32))
        self.initializers.append(self.onnx.numpy_helper.from_array(arr, name=name))
        return name

    def const_int(self, name: str, value: Any) -> str:
        """An int64 initializer (indices, shapes)."""
        arr = np.ascontiguousarray(np.asarray(value, dtype=np.int64))
        self.initializers.append(self.onnx.numpy_helper.from_array(arr, name=name))
        return name

    def op(self, op_type: str, inputs: list[str], hint: str, **attrs: Any) -> str:
        self._count += 1
        out = f"{hint}_{self._count}"
        node = self.helper.make_node(op_type, inputs, [out], name=f"{op_type}_{self._count}", **attrs)
        self.nodes.append(node)
        return out


def emit_activation(g: _GraphBuilder, x: str, act: Any, tag: str) -> str:
    """Append the ops computing activation ``act`` on tensor ``x``; return the output tensor name."""
    name = activation_name(act)
    if name in ("linear", "identity", "none"):
        return x
    if name == "sigmoid":
        return g.op("Sigmoid", [x], tag)
    if name == "tanh":
        return g.op("Tanh", [x], tag)
    if name == "relu":
        return g.op("Relu", [x], tag)
    if name == "leaky_relu":
        return g.op("LeakyRelu", [x], tag, alpha=activation_param(act, "alpha", 0.01))
    if name == "elu":
        return g.op("Elu", [x], tag, alpha=activation_param(act, "alpha", 1.0))
    if name == "softplus":
        return g.op("Softplus", [x], tag)
    if name == "softmax":
        return g.op("Softmax", [x], tag, axis=-1)
    if name in ("swish", "silu"):
        s = g.op("Sigmoid", [x], tag + "_sigmoid")
        return g.op("Mul", [x, s], tag)
    if name == "gelu":
        half = g.const(f"{tag}_half", 0.5)
        one = g.const(f"{tag}_one", 1.0)
        if isinstance(act, str) or gelu_uses_tanh(act):
            c = g.const(f"{tag}_c", 0.044715)
            k = g.const(f"{tag}_k", np.sqrt(2.0 / np.pi))
            x2 = g.op("Mul", [x, x], tag + "_x2")
            x3 = g.op("Mul", [x2, x], tag + "_x3")
            inner = g.op("Add", [x, g.op("Mul", [x3, c], tag + "_cx3")], tag + "_inner")
            t = g.op("Tanh", [g.op("Mul", [inner, k], tag + "_scaled")], tag + "_tanh")
        else:
            r2 = g.const(f"{tag}_sqrt2", np.sqrt(2.0))
            t = g.op("Erf", [g.op("Div", [x, r2], tag + "_xs")], tag + "_erf")
        gate = g.op("Mul", [g.op("Add", [t, one], tag + "_1p"), half], tag + "_gate")
        return g.op("Mul", [x, gate], tag)
    if name == "step":
        zero = g.const(f"{tag}_zero", 0.0)
        cmp = "GreaterOrEqual" if not isinstance(act, str) and step_at_zero(act) >= 0.5 else "Greater"
        b = g.op(cmp, [x, zero], tag + "_cmp")
        return g.op("Cast", [b], tag, to=g.onnx.TensorProto.FLOAT)
    raise ExportError(f"activation {name!r} has no ONNX translation; supported: {', '.join(ACTIVATION_OPS)}")


def normalization_inv_std(variance: np.ndarray) -> np.ndarray:
    """1 / sqrt(variance) in float64, variance 0 treated as 1 (as the engine's Normalization)."""
    v = np.asarray(variance, dtype=np.float64)
    return 1.0 / np.sqrt(np.where(v > 0, v, 1.0))


def target_transform(preprocessing: Mapping[str, Any] | None) -> tuple[np.ndarray, np.ndarray] | None:
    """(scale, offset) turning scaled regression outputs into the target's units, or None.

    Used only when the dataset scaled its targets (``preprocessing["target_mean"]`` and
    ``["target_variance"]``); predictions become ``y * sqrt(target_variance) + target_mean``.
    """
    if not preprocessing or "target_mean" not in preprocessing or "target_variance" not in preprocessing:
        return None
    mean = np.asarray(preprocessing["target_mean"], dtype=np.float64)
    var = np.asarray(preprocessing["target_variance"], dtype=np.float64)
    return np.sqrt(var), mean


def is_classification(model: Any, preprocessing: Mapping[str, Any] | None) -> bool:
    """Classification when the dataset says so, else when the last activation is softmax/sigmoid."""
    task = (preprocessing or {}).get("task")
    if task in ("binary", "multiclass"):
        return True
    if task == "regression":
        return False
    for layer in reversed(model.layers):
        act = getattr(layer, "activation", None)
        if act is not None or type(layer).__name__ in ("Dense", "Activation"):
            return activation_name(act) in ("softmax", "sigmoid")
    return False


def emit_network(g: _GraphBuilder, model: Any, x: str) -> str:
    """Append the ops of every layer of ``model`` on tensor ``x`` (batch, features); return the output."""
    for i, layer in enumerate(model.layers):
        kind = type(layer).__name__
        names = layer_weight_names(layer)
        w = dict(zip(names, layer.get_weights(), strict=True))
        tag = f"layer{i}"
        if kind == "Normalization":
            mean = g.const(f"{tag}.mean", w["mean"])
            inv_std = g.const(f"{tag}.inv_std", normalization_inv_std(w["variance"]))
            x = g.op("Mul", [g.op("Sub", [x, mean], tag + "_centered"), inv_std], tag + "_scaled")
            if getattr(layer, "features", None) is not None:
                x = emit_features(g, x, layer.features, tag)
        elif kind == "Dense":
            kernel = g.const(f"{tag}.kernel", w["kernel"])
            if "bias" in w:
                bias = g.const(f"{tag}.bias", w["bias"])
                x = g.op("Gemm", [x, kernel, bias], tag + "_dense")
            else:
                x = g.op("MatMul", [x, kernel], tag + "_dense")
            x = emit_activation(g, x, getattr(layer, "activation", None), tag + "_act")
        elif kind == "PReLU":
            x = g.op("PRelu", [x, g.const(f"{tag}.alpha", w["alpha"])], tag + "_prelu")
        elif kind == "Activation":
            x = emit_activation(g, x, getattr(layer, "activation", None), tag + "_act")
        elif kind == "Dropout" or kind == "InputLayer":
            continue
        else:
            raise ExportError(f"layer {i} ({kind}) has no ONNX translation")
    return x


def emit_features(g: _GraphBuilder, x: str, specs: list[list[Any]], tag: str) -> str:
    """The input layer's features (``core.features`` specs) of scaled columns ``x``: one ``Gather`` per
    column used, ``Mul`` for squares and products, ``Sin``, joined by ``Concat`` on axis 1."""
    columns: dict[int, str] = {}

    def column(i: int) -> str:
        if i not in columns:
            columns[i] = g.op("Gather", [x, g.const_int(f"{tag}.column{i}", [i])], f"{tag}_x{i}", axis=1)
        return columns[i]

    outs = []
    for k, spec in enumerate(specs):
        op, a = spec[0], column(spec[1])
        if op == "identity":
            outs.append(a)
        elif op == "sin":
            outs.append(g.op("Sin", [a], f"{tag}_f{k}_sin"))
        else:
            b = a if op == "square" else column(spec[2])
            outs.append(g.op("Mul", [a, b], f"{tag}_f{k}_{op}"))
    return g.op("Concat", outs, tag + "_features", axis=1)


def emit_target_units(g: _GraphBuilder, x: str, preprocessing: Mapping[str, Any] | None) -> str:
    """Undo a fitted target scaling on regression outputs ``x`` (nothing when the targets were not scaled)."""
    tt = target_transform(preprocessing)
    if tt is None:
        return x
    x = g.op("Mul", [x, g.const("target.scale", tt[0])], "unscaled")
    return g.op("Add", [x, g.const("target.mean", tt[1])], "unscaled")


def name_output(g: _GraphBuilder, x: str, name: str) -> None:
    """Make tensor ``x`` the graph output ``name`` (renaming the last node's output when it made ``x``)."""
    if g.nodes and g.nodes[-1].output[0] == x:
        g.nodes[-1].output[0] = name
    else:
        g.nodes.append(g.helper.make_node("Identity", [x], [name], name=f"output_{name}"))


def finish_model(g: _GraphBuilder, inputs: list[Any], outputs: list[Any], model: Any,
                 preprocessing: Mapping[str, Any] | None, opset: int, doc: str,
                 extra_opsets: Mapping[str, int] | None = None, **meta: str) -> Any:
    """The checked ``ModelProto`` of the collected graph, with ffstudio's metadata (plus ``meta``)."""
    onnx = g.onnx
    helper = g.helper
    graph = helper.make_graph(g.nodes, "ffstudio_network", inputs, outputs, initializer=g.initializers)
    opsets = [helper.make_opsetid("", opset)]
    opsets += [helper.make_opsetid(domain, v) for domain, v in (extra_opsets or {}).items()]
    proto = helper.make_model(graph, opset_imports=opsets, producer_name="Feedforward Studio",
                              producer_version="0.1")
    proto.ir_version = IR_VERSION
    pre = dict(preprocessing or {})
    props = {
        "ffstudio.architecture": json.dumps(architecture(model)),
        "ffstudio.preprocessing": json.dumps(pre, default=float),
        "feature_names": json.dumps(pre.get("feature_names", [])),
        "class_names": json.dumps(pre.get("class_names", [])),
        "target_names": json.dumps(pre.get("target_names", [])),
        **meta,
    }
    helper.set_model_props(proto, props)
    proto.doc_string = doc
    try:
        onnx.checker.check_model(proto, full_check=True)
    except Exception as exc:  # onnx.checker.ValidationError and shape-inference errors
        raise ExportError(f"the ONNX graph failed onnx.checker: {exc}") from None
    return proto


def new_graph(model: Any, opset: int) -> _GraphBuilder:
    """An empty graph builder after checking that ``model`` is built and ``opset`` is supported."""
    onnx = _onnx()
    require_built(model)
    if opset < 13:
        raise ExportError(f"ONNX opset must be at least 13, got {opset}")
    return _GraphBuilder(onnx)


def build_onnx(model: Any, preprocessing: Mapping[str, Any] | None = None, opset: int = OPSET) -> Any:
    """Return the ``onnx.ModelProto`` for ``model`` (checked by ``onnx.checker``)."""
    g = new_graph(model, opset)
    onnx = g.onnx
    x = emit_network(g, model, "input")
    classification = is_classification(model, preprocessing)
    if not classification:
        x = emit_target_units(g, x, preprocessing)
    out_name = "probabilities" if classification else "predictions"
    name_output(g, x, out_name)
    n_in = input_features(model)
    n_out = int(getattr(model, "output_dim", 0) or 0) or None
    helper = g.helper
    return finish_model(
        g, [helper.make_tensor_value_info("input", onnx.TensorProto.FLOAT, ["batch", n_in])],
        [helper.make_tensor_value_info(out_name, onnx.TensorProto.FLOAT, ["batch", n_out])],
        model, preprocessing, opset,
        f"Feedforward Studio network. Input 'input': (batch, {n_in}) raw features; output '{out_name}'.")


def input_features(model: Any) -> int:
    """Number of input features of a built model."""
    dim = getattr(model, "input_dim", None)
    if dim:
        return int(dim)
    for layer in model.layers:
        weights = layer.get_weights()
        if weights:
            return int(np.shape(weights[0])[0])
    raise ExportError("cannot tell the network's number of inputs")


def export_onnx(model: Any, path: str | os.PathLike[str], preprocessing: Mapping[str, Any] | None = None,
                opset: int = OPSET) -> str:
    """Write ``model`` as ONNX to ``path`` atomically; return the absolute path written."""
    proto = build_onnx(model, preprocessing, opset)
    data = proto.SerializeToString()
    return atomic_write(path, lambda fh: fh.write(data), "ONNX file")


def run_onnx(path_or_proto: Any, x: np.ndarray) -> np.ndarray:
    """Run an exported model with onnxruntime on ``x`` (n, features) -> (n, outputs) float32."""
    try:
        import onnxruntime as ort
    except ImportError:
        raise ExportError(f"running ONNX models needs onnxruntime: {extra_hint()}") from None
    src = path_or_proto if isinstance(path_or_proto, str | os.PathLike) else path_or_proto.SerializeToString()
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    opts.log_severity_level = 3
    sess = ort.InferenceSession(os.fspath(src) if isinstance(src, os.PathLike) else src, opts,
                                providers=["CPUExecutionProvider"])
    return sess.run(None, {"input": np.asarray(x, dtype=np.float32)})[0]
