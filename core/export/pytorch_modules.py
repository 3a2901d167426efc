"""PyTorch translation of the engine's layers: the ``nn.Sequential`` modules of ``core.export.pytorch``.

Dense -> ``nn.Linear`` (+ its activation module), Activation -> the activation module, PReLU ->
``nn.PReLU``, Dropout -> ``nn.Dropout``, Normalization -> a small ``Normalization`` module with the fitted
feature scaling. A final softmax/sigmoid that the loss fuses (cross-entropy on logits) is left out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from core.errors import ExportError
from core.export.common import (
    activation_name,
    activation_param,
    gelu_uses_tanh,
    layer_weight_names,
    step_at_zero,
    tensor_prefix,
)
from core.export.pytorch_training import CE_LOSSES


def torch_activation(act: Any) -> tuple[str | None, set[str]]:
    """(expression building the torch module or None for linear, helper classes it needs)."""
    name = activation_name(act)
    if name in ("linear", "identity", "none"):
        return None, set()
    simple = {"sigmoid": "nn.Sigmoid()", "tanh": "nn.Tanh()", "relu": "nn.ReLU()",
              "softplus": "nn.Softplus()", "softmax": "nn.Softmax(dim=-1)",
              "swish": "nn.SiLU()", "silu": "nn.SiLU()"}
    if name in simple:
        return simple[name], set()
    if name == "leaky_relu":
        return f"nn.LeakyReLU(negative_slope={activation_param(act, 'alpha', 0.01)!r})", set()
    if name == "elu":
        return f"nn.ELU(alpha={activation_param(act, 'alpha', 1.0)!r})", set()
    if name == "gelu":
        tanh_form = isinstance(act, str) or gelu_uses_tanh(act)
        return ('nn.GELU(approximate="tanh")' if tanh_form else "nn.GELU()"), set()
    if name == "step":
        inclusive = not isinstance(act, str) and step_at_zero(act) >= 0.5
        return f"Step(inclusive={inclusive})", {"Step"}
    raise ExportError(f"activation {name!r} has no PyTorch translation")


#: source of the helper modules the generated file defines when it needs them
HELPERS = {
    "Normalization": '''
class Normalization(nn.Module):
    """(x - mean) / sqrt(variance): the feature scaling fitted on the training data (never trained).

    A variance of 0 counts as 1; 1/sqrt(variance) is computed in float64, as in Feedforward Studio.
    ``feature_specs`` (optional): the input features made from the scaled columns, each
    ["identity", i], ["square", i], ["product", i, j] or ["sin", i] (TensorFlow Playground's x1^2 etc.).
    """

    def __init__(self, features: int, feature_specs: list | None = None) -> None:
        super().__init__()
        self.register_buffer("mean", torch.zeros(features))
        self.register_buffer("variance", torch.ones(features))
        self.feature_specs = feature_specs

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        v = self.variance.double()
        inv_std = 1.0 / torch.sqrt(torch.where(v > 0, v, torch.ones_like(v)))
        x = (x - self.mean) * inv_std.to(x.dtype)
        if self.feature_specs is None:
            return x
        columns = []
        for op, i, *rest in self.feature_specs:
            a = x[:, i]
            if op == "square":
                a = a * a
            elif op == "product":
                a = a * x[:, rest[0]]
            elif op == "sin":
                a = torch.sin(a)
            columns.append(a)
        return torch.stack(columns, dim=1)
''',
    "Step": '''
class Step(nn.Module):
    """Heaviside step (x > 0, or x >= 0 when inclusive); it has no useful gradient."""

    def __init__(self, inclusive: bool = False) -> None:
        super().__init__()
        self.inclusive = inclusive

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return ((x >= 0) if self.inclusive else (x > 0)).to(x.dtype)
''',
}


def regularizer_expr(reg: Any) -> str:
    cfg: dict[str, Any] = {}
    if isinstance(reg, Mapping):
        cfg = dict(reg)
    elif hasattr(reg, "get_config"):
        cfg = dict(reg.get_config())
    l1 = float(cfg.get("l1", getattr(reg, "l1", 0.0)) or 0.0)
    l2 = float(cfg.get("l2", getattr(reg, "l2", 0.0)) or 0.0)
    terms = []
    if l1:
        terms.append(f"{l1!r} * weight.abs().sum()")
    if l2:
        terms.append(f"{l2!r} * weight.pow(2).sum()")
    return " + ".join(terms) or "0.0"


@dataclass
class TorchNetwork:
    """The model's layers as ``nn.Sequential`` source: ``modules`` (lines inside ``nn.Sequential(...)``),
    ``weight_map`` (exported tensor name, state_dict key, transpose?), ``regularized`` (module index,
    penalty expression), ``helpers`` (helper classes the modules need), ``arch`` (one word per module),
    ``last_act`` (the last activation) and ``fused`` ("softmax"/"sigmoid" when folded into the loss)."""

    modules: list[str] = field(default_factory=list)
    weight_map: list[tuple[str, str, bool]] = field(default_factory=list)
    regularized: list[tuple[int, str]] = field(default_factory=list)
    helpers: set[str] = field(default_factory=set)
    arch: list[str] = field(default_factory=list)
    last_act: str = "linear"
    fused: str = ""


def translate_layers(model: Any, loss_name: str) -> TorchNetwork:
    """Translate each engine layer into its PyTorch module (ExportError for a layer without one)."""
    layers = list(model.layers)
    last_act_idx = None
    for i in range(len(layers) - 1, -1, -1):
        if type(layers[i]).__name__ in ("Dense", "Activation", "PReLU"):
            last_act_idx = i
            break
    last_act = "linear"
    if last_act_idx is not None:
        last_act = activation_name(getattr(layers[last_act_idx], "activation", None))
    fused = ""
    if last_act == "softmax" and loss_name in CE_LOSSES:
        fused = "softmax"
    elif last_act == "sigmoid" and loss_name == "binary_crossentropy":
        fused = "sigmoid"

    modules: list[str] = []   # source lines inside nn.Sequential(...)
    weight_map: list[tuple[str, str, bool]] = []
    regularized: list[tuple[int, str]] = []
    helpers: set[str] = set()
    seq = 0
    arch: list[str] = []

    def add(expr: str, comment: str) -> int:
        nonlocal seq
        modules.append(f"        {expr},  # {seq}: {comment}")
        seq += 1
        return seq - 1

    for i, layer in enumerate(layers):
        kind = type(layer).__name__
        prefix = tensor_prefix(i, layer)
        names = layer_weight_names(layer)
        weights = dict(zip(names, layer.get_weights(), strict=True))
        if kind == "Normalization":
            helpers.add("Normalization")
            n = int(weights["mean"].shape[0])
            specs = getattr(layer, "features", None)
            extra = "" if specs is None else f", feature_specs={[list(s) for s in specs]!r}"
            k = add(f"Normalization({n}{extra})", f"layer{i} {layer.name}: fitted feature scaling"
                    + ("" if specs is None else f", then {len(specs)} features"))
            weight_map.append((f"{prefix}.mean", f"{k}.mean", False))
            weight_map.append((f"{prefix}.variance", f"{k}.variance", False))
            arch.append(f"Normalization({n})")
        elif kind == "Dense":
            n_in, n_out = (int(d) for d in weights["kernel"].shape)
            has_bias = "bias" in weights
            bias_arg = "" if has_bias else ", bias=False"
            k = add(f"nn.Linear({n_in}, {n_out}{bias_arg})", f"layer{i} {layer.name}")
            weight_map.append((f"{prefix}.kernel", f"{k}.weight", True))
            if has_bias:
                weight_map.append((f"{prefix}.bias", f"{k}.bias", False))
            reg = getattr(layer, "kernel_regularizer", None)
            if reg is not None:
                regularized.append((k, regularizer_expr(reg)))
            arch.append(f"Linear({n_in}, {n_out})")
            act = getattr(layer, "activation", None)
            if i == last_act_idx and fused:
                arch.append(f"[{fused} fused into the loss]")
                continue
            expr, need = torch_activation(act)
            helpers |= need
            if expr:
                add(expr, f"activation of layer{i}")
                arch.append(expr.split("(")[0].replace("nn.", ""))
        elif kind == "Activation":
            if i == last_act_idx and fused:
                arch.append(f"[{fused} fused into the loss]")
                continue
            expr, need = torch_activation(getattr(layer, "activation", None))
            helpers |= need
            if expr:
                add(expr, f"layer{i} {layer.name}")
                arch.append(expr.split("(")[0].replace("nn.", ""))
        elif kind == "PReLU":
            n = int(weights["alpha"].shape[0])
            k = add(f"nn.PReLU(num_parameters={n})", f"layer{i} {layer.name} (learnable alpha)")
            weight_map.append((f"{prefix}.alpha", f"{k}.weight", False))
            arch.append("PReLU")
        elif kind == "Dropout":
            rate = float(getattr(layer, "rate", 0.0))
            add(f"nn.Dropout(p={rate!r})", f"layer{i} {layer.name} (identity in eval mode)")
            arch.append(f"Dropout({rate:g})")
        else:
            raise ExportError(f"layer {i} ({kind}) has no PyTorch translation")

    return TorchNetwork(modules, weight_map, regularized, helpers, arch, last_act, fused)
