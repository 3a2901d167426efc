"""Generate a readable PyTorch ``model.py`` for a network, plus its weights file.

The generated file defines ``build_model()`` returning the same ``nn.Sequential`` (Normalization
module with the fitted feature scaling, ``nn.Linear`` for Dense, the same activations, Dropout,
``nn.PReLU``), ``load_weights(model, path)`` reading the exported ``.npz`` or ``.safetensors``
(kernels (inputs, units) are transposed to ``nn.Linear.weight``'s (out, in)), ``predict()`` and a
short ``train()`` loop with the same optimizer, loss and hyper-parameters, the learning-rate
schedule of ``training["schedule"]`` as a ``torch.optim.lr_scheduler`` stepped once per epoch (the
engine applies schedules per epoch) and ``training["early_stopping"]`` with the engine's rules.

Fused-loss convention (the engine does the same internally): a final softmax with
(sparse) categorical cross-entropy becomes ``nn.CrossEntropyLoss`` on the logits, a final sigmoid
with binary cross-entropy becomes ``nn.BCEWithLogitsLoss``; the Sequential then ends with the
logits and ``predict()`` applies softmax / sigmoid, so its output equals the app's predictions.
"""

from __future__ import annotations

import datetime as _dt
import os
import textwrap
from collections.abc import Mapping
from typing import Any

from core.errors import ExportError
from core.export.common import (
    activation_name,
    activation_param,
    atomic_write,
    gelu_uses_tanh,
    layer_weight_names,
    require_built,
    step_at_zero,
    tensor_prefix,
)
from core.export.onnx import input_features

_CE = ("categorical_crossentropy", "sparse_categorical_crossentropy")


def _torch_activation(act: Any) -> tuple[str | None, set[str]]:
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


def _loss_info(model: Any) -> tuple[str, dict[str, Any]]:
    loss = getattr(model, "loss", None)
    if loss is None:
        return "", {}
    if isinstance(loss, str):
        return loss, {}
    cfg: dict[str, Any] = {}
    if hasattr(loss, "get_config"):
        try:
            cfg = dict(loss.get_config())
        except Exception:  # a loss without a usable config still exports, with defaults
            cfg = {}
    return str(getattr(loss, "name", cfg.get("name", ""))).lower(), cfg


_HELPERS = {
    "Normalization": '''
class Normalization(nn.Module):
    """(x - mean) / sqrt(variance): the feature scaling fitted on the training data (never trained).

    A variance of 0 counts as 1; 1/sqrt(variance) is computed in float64, as in Feedforward Studio.
    """

    def __init__(self, features: int) -> None:
        super().__init__()
        self.register_buffer("mean", torch.zeros(features))
        self.register_buffer("variance", torch.ones(features))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        v = self.variance.double()
        inv_std = 1.0 / torch.sqrt(torch.where(v > 0, v, torch.ones_like(v)))
        return (x - self.mean) * inv_std.to(x.dtype)
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


def generate_pytorch_code(model: Any, weights_filename: str = "model_weights.npz",
                          preprocessing: Mapping[str, Any] | None = None,
                          training: Mapping[str, Any] | None = None, code_filename: str = "model.py") -> str:
    """Return the source of ``model.py`` for ``model`` (see module docstring)."""
    require_built(model)
    pre = dict(preprocessing or {})
    train_cfg = dict(training or {})
    loss_name, loss_cfg = _loss_info(model)
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
    if last_act == "softmax" and loss_name in _CE:
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
            k = add(f"Normalization({n})", f"layer{i} {layer.name}: fitted feature scaling")
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
                regularized.append((k, _regularizer_expr(reg)))
            arch.append(f"Linear({n_in}, {n_out})")
            act = getattr(layer, "activation", None)
            if i == last_act_idx and fused:
                arch.append(f"[{fused} fused into the loss]")
                continue
            expr, need = _torch_activation(act)
            helpers |= need
            if expr:
                add(expr, f"activation of layer{i}")
                arch.append(expr.split("(")[0].replace("nn.", ""))
        elif kind == "Activation":
            if i == last_act_idx and fused:
                arch.append(f"[{fused} fused into the loss]")
                continue
            expr, need = _torch_activation(getattr(layer, "activation", None))
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

    loss_expr, target_doc, loss_note = _loss_expr(loss_name, loss_cfg, fused)
    optimizer = getattr(model, "optimizer", None)
    schedule = _schedule_from_training(train_cfg)
    lr0 = None if schedule is None else _start_lr(schedule, train_cfg, optimizer)
    opt_expr, opt_note = _optimizer_expr(optimizer, lr0)
    sched_lines, sched_note, plateau_monitor = _scheduler_code(schedule, lr0)
    stopping = dict(train_cfg.get("early_stopping") or {})
    batch_size = int(train_cfg.get("batch_size") or 32)
    epochs = int(train_cfg.get("epochs") or 10)
    seed = int(train_cfg.get("seed") or 0)
    n_in = input_features(model)
    tails = {"softmax": "torch.softmax(out, dim=-1)", "sigmoid": "torch.sigmoid(out)"}
    predict_tail = tails.get(fused, "out")
    stamp = _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    out_kind = "class probabilities" if fused or last_act in ("softmax", "sigmoid") else "predictions"

    src: list[str] = []
    w = src.append
    w(f'"""PyTorch version of a Feedforward Studio network (generated {stamp}).')
    w("")
    notes = [("Architecture", " -> ".join(arch)), ("Loss", loss_note), ("Optimizer", opt_note),
             ("Learning-rate schedule", sched_note)]
    if stopping:
        notes.append(("Early stopping", _stopping_note(stopping)))
    for label, text in notes:
        src.extend(textwrap.wrap(f"{label}: {text}", width=100, subsequent_indent="    ",
                                 break_long_words=False, break_on_hyphens=False))
    w("")
    w(f"Weights: {weights_filename} beside this file (.npz or .safetensors exported by Feedforward Studio).")
    w("Tensor names are layer{i}.{name}.{weight}; Dense kernels are stored (inputs, units) and are")
    w("transposed here to nn.Linear.weight's (out, in).")
    w("")
    w(f"Input: float tensor (batch, {n_in}) of RAW features in the order of FEATURES (the scaling is the")
    w(f"first module). predict() returns {out_kind}.")
    w("")
    w("Usage:")
    w(f"    python {code_filename}  # load the weights, print predictions for 3 zero rows")
    w(f"    python {code_filename} --x X.npy --y Y.npy  # continue training, then save model_trained.pt")
    w('"""')
    w("")
    w("from __future__ import annotations")
    w("")
    w("import argparse")
    w("import copy")
    w("import math")
    w("from pathlib import Path")
    w("")
    w("import numpy as np")
    w("import torch")
    w("from torch import nn")
    w("")
    w("HERE = Path(__file__).resolve().parent")
    w(f"WEIGHTS = HERE / {weights_filename!r}")
    w(f"FEATURES = {list(pre.get('feature_names', []))!r}")
    w(f"CLASSES = {list(pre.get('class_names', []))!r}")
    w(f"TARGETS = {list(pre.get('target_names', []))!r}")
    w(f"BATCH_SIZE = {batch_size}")
    w(f"EPOCHS = {epochs}")
    w(f"SEED = {seed}")
    if plateau_monitor is not None:
        w(f"PLATEAU_MONITOR = {plateau_monitor!r}  # ReduceLROnPlateau is stepped with this log value")
    if stopping:
        es_monitor = str(stopping.get("monitor", "val_loss"))
        w("# early stopping: stop when monitor has not improved by more than min_delta for patience epochs")
        w(f"EARLY_STOPPING = {{'monitor': {es_monitor!r}, 'patience': {int(stopping.get('patience', 0))}, "
          f"'min_delta': {abs(float(stopping.get('min_delta', 0.0)))!r},")
        w(f"                  'maximize': {_maximize(es_monitor, str(stopping.get('mode', 'auto')))}, "
          f"'baseline': {_opt_float(stopping.get('baseline'))!r}, "
          f"'restore_best_weights': {bool(stopping.get('restore_best_weights', False))}}}")
    for name in sorted(helpers):
        w("")
        src.extend(_HELPERS[name].rstrip("\n").split("\n"))
    w("")
    w("")
    w("def build_model() -> nn.Sequential:")
    w('    """The network as an nn.Sequential (index: what it is)."""')
    w("    return nn.Sequential(")
    src.extend(modules)
    w("    )")
    w("")
    w("")
    w("# exported tensor name -> (state_dict key, transpose?)")
    w("WEIGHT_MAP = {")
    for name, key, transpose in weight_map:
        w(f"    {name!r}: ({key!r}, {transpose}),")
    w("}")
    w("")
    w("")
    w("def read_tensors(path: str | Path) -> dict[str, np.ndarray]:")
    w('    """Arrays of an exported .npz (read without pickle) or .safetensors file, by name."""')
    w('    if str(path).endswith(".safetensors"):')
    w("        from safetensors.numpy import load_file")
    w("")
    w("        return load_file(str(path))")
    w("    with np.load(path, allow_pickle=False) as archive:")
    w('        return {key: archive[key] for key in archive.files if key != "__ffstudio__"}')
    w("")
    w("")
    w("def load_weights(model: nn.Sequential, path: str | Path = WEIGHTS) -> nn.Sequential:")
    w('    """Copy the exported weights into ``model`` (kernels transposed to (out, in))."""')
    w("    tensors = read_tensors(path)")
    w("    missing = [name for name in WEIGHT_MAP if name not in tensors]")
    w("    if missing:")
    w('        raise ValueError(f"{path}: missing tensors {missing}")')
    w("    state = {}")
    w("    for name, (key, transpose) in WEIGHT_MAP.items():")
    w("        array = tensors[name].T if transpose else tensors[name]")
    w("        state[key] = torch.tensor(np.ascontiguousarray(array), dtype=torch.float32)")
    w("    model.load_state_dict(state)")
    w("    return model")
    w("")
    w("")
    w("def predict(model: nn.Sequential, x: np.ndarray) -> np.ndarray:")
    w(f'    """Raw features (n, {n_in}) -> {out_kind} (n, outputs), as Feedforward Studio shows them."""')
    w("    model.eval()")
    w("    with torch.no_grad():")
    w("        out = model(torch.as_tensor(np.asarray(x, dtype=np.float32)))")
    w(f"        return {predict_tail}.numpy()")
    w("")
    w("")
    w("def make_loss() -> nn.Module:")
    w(f'    """{loss_note}"""')
    w(f"    return {loss_expr}")
    w("")
    w("")
    w("def make_optimizer(model: nn.Module) -> torch.optim.Optimizer:")
    w(f'    """{opt_note}"""')
    w(f"    return {opt_expr}")
    w("")
    w("")
    w("def make_scheduler(optimizer: torch.optim.Optimizer) -> object:")
    w(f'    """{sched_note}"""')
    src.extend(sched_lines)
    w("")
    w("")
    w("def step_scheduler(scheduler: object, logs: dict[str, float]) -> None:")
    w('    """Step the schedule after an epoch (the new rate holds for the next epoch)."""')
    w("    if scheduler is None:")
    w("        return")
    w("    if isinstance(scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau):")
    w("        value = logs.get(PLATEAU_MONITOR)")
    w("        if value is not None and math.isfinite(value):  # rate unchanged without the value")
    w("            scheduler.step(value)")
    w("    else:")
    w("        scheduler.step()")
    w("")
    w("")
    w("def regularization(model: nn.Sequential) -> torch.Tensor:")
    w('    """Kernel regularization penalty added to the loss (as the engine does)."""')
    if regularized:
        w("    total = torch.zeros(())")
        for k, expr in regularized:
            w(f"    weight = model[{k}].weight")
            w(f"    total = total + {expr}")
        w("    return total")
    else:
        w("    return torch.zeros(())")
    w("")
    w("")
    w("def train(model: nn.Sequential, x: np.ndarray, y: np.ndarray, epochs: int = EPOCHS,")
    w("          batch_size: int = BATCH_SIZE, seed: int = SEED,")
    w("          validation_data: tuple[np.ndarray, np.ndarray] | None = None) -> list[float]:")
    w(f'    """Mini-batch training; ``x`` raw features (n, {n_in}), ``y`` {target_doc}.')
    w("")
    w("    The learning-rate schedule is stepped once per epoch; ``validation_data`` (x, y) adds")
    w('    ``val_loss`` to the epoch logs. Returns the mean loss of each epoch."""')
    w("    torch.manual_seed(seed)")
    w("    loss_fn = make_loss()")
    w("    optimizer = make_optimizer(model)")
    w("    scheduler = make_scheduler(optimizer)")
    w("")
    w("    def tensors(x: np.ndarray, y: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:")
    w("        xt = torch.as_tensor(np.asarray(x, dtype=np.float32))")
    w(f"        yt = torch.as_tensor(np.asarray(y){'.astype(np.int64)' if loss_name == _CE[1] else ''})")
    if loss_name != _CE[1]:
        w("        yt = yt.float()")
        if loss_name in ("binary_crossentropy", "mse", "mae", "huber"):
            w("        yt = yt.reshape(len(yt), -1)")
        bce_smoothing = float(loss_cfg.get("label_smoothing", 0.0) or 0.0)
        if loss_name == "binary_crossentropy" and bce_smoothing:
            w(f"        yt = yt * {1.0 - bce_smoothing!r} + {0.5 * bce_smoothing!r}  # label smoothing")
    w("        return xt, yt")
    w("")
    w("    xt, yt = tensors(x, y)")
    w("    val = tensors(*validation_data) if validation_data is not None else None")
    if stopping:
        w("    es = EARLY_STOPPING")
        w("    best, wait, best_state = None, 0, None")
    w("    history = []")
    w("    for epoch in range(1, epochs + 1):")
    w("        model.train()")
    w("        order = torch.randperm(len(xt))")
    w("        total = 0.0")
    w("        for start in range(0, len(xt), batch_size):")
    w("            idx = order[start : start + batch_size]")
    w("            optimizer.zero_grad()")
    w("            loss = loss_fn(model(xt[idx]), yt[idx]) + regularization(model)")
    w("            loss.backward()")
    w("            optimizer.step()")
    w("            total += loss.item() * len(idx)")
    w("        history.append(total / len(xt))")
    w('        logs = {"loss": history[-1]}')
    w("        if val is not None:")
    w("            model.eval()")
    w("            with torch.no_grad():")
    w('                logs["val_loss"] = (loss_fn(model(val[0]), val[1]) + regularization(model)).item()')
    w('        lr = optimizer.param_groups[0]["lr"]')
    w('        text = " ".join(f"{k} {v:.5f}" for k, v in logs.items())')
    w('        print(f"epoch {epoch}/{epochs}: {text} lr {lr:.3g}")')
    w("        step_scheduler(scheduler, logs)")
    if stopping:
        w('        value = logs.get(es["monitor"]) if es is not None else None')
        w("        if es is not None and value is None:")
        w("            print(f\"early stopping is off: it monitors {es['monitor']}, \"")
        w("                  \"which needs validation_data\")")
        w("            es = None")
        w("        if value is None or not math.isfinite(value):")
        w("            continue")
        w('        reference = best if best is not None else es["baseline"]')
        w('        sign = 1.0 if es["maximize"] else -1.0')
        w('        if reference is None or sign * (value - reference) > es["min_delta"]:')
        w("            best, wait = value, 0")
        w('            if es["restore_best_weights"]:')
        w("                best_state = copy.deepcopy(model.state_dict())")
        w("            continue")
        w("        wait += 1")
        w('        if wait >= es["patience"] and epoch > 1:')
        w("            if best_state is not None:")
        w("                model.load_state_dict(best_state)")
        w("            print(f\"early stopping after epoch {epoch}: {es['monitor']} did not improve\")")
        w("            break")
    w("    return history")
    w("")
    w("")
    w('if __name__ == "__main__":')
    w("    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])")
    w('    parser.add_argument("--weights", default=str(WEIGHTS), help="exported .npz or .safetensors")')
    w('    parser.add_argument("--x", help="features as a .npy file (n, features)")')
    w('    parser.add_argument("--y", help="targets as a .npy file")')
    w('    parser.add_argument("--epochs", type=int, default=EPOCHS)')
    w("    args = parser.parse_args()")
    w("    net = load_weights(build_model(), args.weights)")
    w("    print(net)")
    w("    if args.x and args.y:")
    w("        x, y = np.load(args.x, allow_pickle=False), np.load(args.y, allow_pickle=False)")
    w("        train(net, x, y, args.epochs)")
    w('        torch.save(net.state_dict(), HERE / "model_trained.pt")')
    w("    else:")
    w(f"        print(predict(net, np.zeros((3, {n_in}), dtype=np.float32)))")
    return "\n".join(src) + "\n"


def _regularizer_expr(reg: Any) -> str:
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


def _loss_expr(name: str, cfg: Mapping[str, Any], fused: str) -> tuple[str, str, str]:
    """(constructor expression, target description, one-line explanation)."""
    smoothing = float(cfg.get("label_smoothing", 0.0) or 0.0)
    if fused == "softmax":
        arg = f"label_smoothing={smoothing!r}" if smoothing else ""
        targets = "int64 class indices (n,)" if name == _CE[1] else "one-hot float (n, classes)"
        return (f"nn.CrossEntropyLoss({arg})", targets,
                f"nn.CrossEntropyLoss on logits ({name}; the final softmax is fused into the loss, "
                "predict() applies it)")
    if fused == "sigmoid":
        return ("nn.BCEWithLogitsLoss()", "float 0/1 (n, 1)",
                "nn.BCEWithLogitsLoss on logits (binary_crossentropy; the final sigmoid is fused into the "
                "loss, predict() applies it)")
    if name == "mse":
        return "nn.MSELoss()", "float (n, outputs)", "nn.MSELoss (mean over all elements, as the engine)"
    if name == "mae":
        return "nn.L1Loss()", "float (n, outputs)", "nn.L1Loss (mean absolute error)"
    if name == "huber":
        delta = float(cfg.get("delta", 1.0) or 1.0)
        return f"nn.HuberLoss(delta={delta!r})", "float (n, outputs)", f"nn.HuberLoss(delta={delta:g})"
    if name == "binary_crossentropy":
        return "nn.BCELoss()", "float 0/1 (n, 1)", "nn.BCELoss on the network's outputs (no final sigmoid)"
    if name in _CE:
        targets = "int64 class indices (n,)" if name == _CE[1] else "one-hot float (n, classes)"
        return ("nn.NLLLoss()" if name == _CE[1] else "nn.CrossEntropyLoss()", targets,
                f"{name} without a final softmax in the network")
    return "nn.MSELoss()", "float (n, outputs)", "nn.MSELoss (the network was not compiled with a loss)"


def _opt_float(value: Any) -> float | None:
    return None if value is None else float(value)


def _maximize(monitor: str, mode: str) -> bool:
    from core.callbacks import _maximize as engine_maximize

    return bool(engine_maximize(monitor, mode))


def _stopping_note(cfg: Mapping[str, Any]) -> str:
    monitor = str(cfg.get("monitor", "val_loss"))
    text = (f"stop when {monitor} has not improved by more than {abs(float(cfg.get('min_delta', 0.0))):g} "
            f"for {int(cfg.get('patience', 0))} epoch(s)")
    if cfg.get("restore_best_weights"):
        text += ", then restore the best epoch's weights"
    return text


def _schedule_from_training(train_cfg: Mapping[str, Any]) -> Any | None:
    """The engine schedule object of ``training["schedule"]`` (None without one)."""
    import copy

    from core import schedules

    cfg = train_cfg.get("schedule")
    if cfg is None:
        return None
    try:
        return schedules.get(copy.deepcopy(cfg))
    except ValueError as exc:
        raise ExportError(f"training.schedule: {exc}") from None


def _start_lr(schedule: Any, train_cfg: Mapping[str, Any], opt: Any) -> float:
    """The rate the schedule starts from: its ``initial_learning_rate``, else the project's optimizer rate.

    (After training, the model's optimizer holds the last scheduled rate, not the starting one.)
    """
    import copy

    from core import optimizers

    given = getattr(schedule, "initial_learning_rate", None)
    if given is not None:
        return float(given)
    if train_cfg.get("optimizer") is not None:
        try:
            return float(optimizers.get(copy.deepcopy(train_cfg["optimizer"])).learning_rate)
        except ValueError:
            pass
    return float(getattr(opt, "learning_rate", 0.001))


def _scheduler_code(schedule: Any, lr0: float | None) -> tuple[list[str], str, str | None]:
    """(body lines of make_scheduler, one-line description, ReduceLROnPlateau monitor or None).

    The engine sets the rate of epoch ``e`` (0-based) before that epoch; a torch scheduler stepped after
    each epoch gives every epoch the same rate.
    """
    if schedule is None:
        return ["    return None"], "none (constant learning rate)", None
    name = schedule.name
    ls = "torch.optim.lr_scheduler"
    if name == "step_decay":
        expr = f"{ls}.StepLR(optimizer, step_size={schedule.epochs_drop}, gamma={schedule.drop!r})"
        note = f"step decay, lr0 * {schedule.drop:g} ** (epoch // {schedule.epochs_drop})"
    elif name == "exponential_decay":
        steps = schedule.decay_steps
        if schedule.staircase:
            expr = f"{ls}.StepLR(optimizer, step_size={steps}, gamma={schedule.decay_rate!r})"
            note = f"exponential decay, lr0 * {schedule.decay_rate:g} ** floor(epoch / {steps})"
        else:
            expr = f"{ls}.ExponentialLR(optimizer, gamma={schedule.decay_rate ** (1.0 / steps)!r})"
            note = f"exponential decay, lr0 * {schedule.decay_rate:g} ** (epoch / {steps})"
    elif name == "cosine_decay":
        steps, alpha = schedule.decay_steps, schedule.alpha
        body = ["    def factor(epoch: int) -> float:",
                f"        e = min(epoch, {steps})",
                f"        cosine = 0.5 * (1.0 + math.cos(math.pi * e / {steps}))",
                f"        return max({alpha!r} + {1.0 - alpha!r} * cosine, 1e-12)",
                "",
                "    # LambdaLR, not CosineAnnealingLR (which rises again after T_max): this stays flat",
                f"    return {ls}.LambdaLR(optimizer, factor)"]
        note = (f"cosine decay from lr0 = {lr0:g} to {alpha:g} * lr0 over {steps} epochs, then flat, "
                "stepped once per epoch")
        return body, note, None
    elif name == "reduce_lr_on_plateau":
        mode = "max" if schedule._maximize else "min"
        # the engine (like Keras) reduces once `patience` bad epochs are counted, torch once more than
        # `patience` are: torch's patience is one less
        body = [f"    return {ls}.ReduceLROnPlateau(",
                f"        optimizer, mode={mode!r}, factor={schedule.factor!r}, "
                f"patience={max(schedule.patience - 1, 0)}, threshold={schedule.min_delta!r},",
                f"        threshold_mode='abs', cooldown={schedule.cooldown}, "
                f"min_lr={schedule.min_lr!r}, eps=0.0)"]
        note = (f"reduce on plateau, lr * {schedule.factor:g} when {schedule.monitor} has not improved by "
                f"more than {schedule.min_delta:g} for {schedule.patience} epoch(s) (cooldown "
                f"{schedule.cooldown}, min_lr {schedule.min_lr:g}), stepped once per epoch")
        return body, note, schedule.monitor
    else:
        raise ExportError(f"learning-rate schedule {name!r} has no PyTorch translation")
    return [f"    return {expr}"], f"{note}, lr0 = {lr0:g}, stepped once per epoch", None


def _optimizer_expr(opt: Any, lr: float | None = None) -> tuple[str, str]:
    """(torch.optim constructor expression, one-line description); ``lr`` overrides the rate."""
    if opt is None:
        return ("torch.optim.Adam(model.parameters(), lr=0.001)",
                "Adam(lr=0.001) (the network had no optimizer)")
    cfg = dict(opt.get_config()) if hasattr(opt, "get_config") else {}
    name = str(cfg.get("name", getattr(opt, "name", "adam"))).lower()
    if lr is None:
        lr = float(getattr(opt, "learning_rate", cfg.get("learning_rate", 0.001)))
    if name == "sgd":
        expr = (f"torch.optim.SGD(model.parameters(), lr={lr!r}, "
                f"momentum={float(cfg.get('momentum', 0.0))!r}, nesterov={bool(cfg.get('nesterov', False))})")
    elif name == "adagrad":
        expr = (f"torch.optim.Adagrad(model.parameters(), lr={lr!r}, "
                f"initial_accumulator_value={float(cfg.get('initial_accumulator_value', 0.0))!r}, "
                f"eps={float(cfg.get('epsilon', 1e-10))!r})")
    elif name == "rmsprop":
        expr = (f"torch.optim.RMSprop(model.parameters(), lr={lr!r}, alpha={float(cfg.get('rho', 0.9))!r}, "
                f"eps={float(cfg.get('epsilon', 1e-8))!r}, momentum={float(cfg.get('momentum', 0.0))!r}, "
                f"centered={bool(cfg.get('centered', False))})")
    elif name in ("adam", "adamw"):
        cls = "AdamW" if name == "adamw" else "Adam"
        wd = f", weight_decay={float(cfg.get('weight_decay', 0.0))!r}" if name == "adamw" else ""
        expr = (f"torch.optim.{cls}(model.parameters(), lr={lr!r}, "
                f"betas=({float(cfg.get('beta_1', 0.9))!r}, {float(cfg.get('beta_2', 0.999))!r}), "
                f"eps={float(cfg.get('epsilon', 1e-8))!r}{wd}, amsgrad={bool(cfg.get('amsgrad', False))})")
    else:
        raise ExportError(f"optimizer {name!r} has no PyTorch translation")
    return expr, expr.replace("model.parameters(), ", "").replace("torch.optim.", "") + \
        " (same update rule as the engine)"


def export_pytorch(model: Any, path: str | os.PathLike[str], preprocessing: Mapping[str, Any] | None = None,
                   training: Mapping[str, Any] | None = None, weights_format: str = "npz") -> list[str]:
    """Write ``path`` (model.py) and its weights file beside it (``<stem>_weights.npz``).

    Returns the absolute paths written [code, weights]. When writing the code fails, a weights
    file created by this call is removed again.
    """
    if weights_format not in ("npz", "safetensors"):
        raise ExportError(f"weights format must be npz or safetensors, got {weights_format!r}")
    target = os.path.abspath(os.fspath(path))
    stem = os.path.splitext(os.path.basename(target))[0]
    weights_name = f"{stem}_weights.{weights_format}"
    weights_path = os.path.join(os.path.dirname(target), weights_name)
    code = generate_pytorch_code(model, weights_name, preprocessing, training, os.path.basename(target))
    existed = os.path.exists(weights_path)
    if weights_format == "npz":
        from core.export.npz import save_weights_npz

        save_weights_npz(model, weights_path, preprocessing)
    else:
        from core.export.safetensors import save_weights_safetensors

        save_weights_safetensors(model, weights_path, preprocessing)
    try:
        atomic_write(target, lambda fh: fh.write(code.encode("utf-8")), "PyTorch code")
    except BaseException:
        if not existed:
            try:
                os.unlink(weights_path)
            except OSError:
                pass
        raise
    return [target, weights_path]
