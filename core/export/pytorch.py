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

The layers' modules come from ``core.export.pytorch_modules``, the loss / optimizer / schedule /
early-stopping code from ``core.export.pytorch_training``; this module assembles the file.
"""

from __future__ import annotations

import datetime as _dt
import os
import textwrap
from collections.abc import Iterable, Mapping
from typing import Any

from core.errors import ExportError
from core.export.common import require_built
from core.export.onnx import input_features
from core.export.pytorch_modules import HELPERS, translate_layers
from core.export.pytorch_training import (
    CE_LOSSES,
    loss_expr,
    loss_info,
    maximize,
    opt_float,
    optimizer_expr,
    schedule_from_training,
    scheduler_code,
    start_lr,
    stopping_note,
)
from core.files import write_files_atomically


def generate_pytorch_code(model: Any, weights_filename: str = "model_weights.npz",
                          preprocessing: Mapping[str, Any] | None = None,
                          training: Mapping[str, Any] | None = None, code_filename: str = "model.py") -> str:
    """Return the source of ``model.py`` for ``model`` (see module docstring)."""
    from core.project import training_spec

    require_built(model)
    pre = dict(preprocessing or {})
    train_cfg = dict(training or {})
    loss_name, loss_cfg = loss_info(model)
    net = translate_layers(model, loss_name)
    modules, weight_map, regularized, helpers = net.modules, net.weight_map, net.regularized, net.helpers
    arch, last_act, fused = net.arch, net.last_act, net.fused
    loss_code, target_doc, loss_note = loss_expr(loss_name, loss_cfg, fused)
    optimizer = getattr(model, "optimizer", None)
    schedule = schedule_from_training(train_cfg)
    lr0 = None if schedule is None else start_lr(schedule, train_cfg, optimizer)
    opt_expr, opt_note = optimizer_expr(optimizer, lr0)
    sched_lines, sched_note, plateau_monitor = scheduler_code(schedule, lr0)
    stopping = dict(train_cfg.get("early_stopping") or {})
    spec = training_spec(train_cfg)  # the project's defaults (core.project.DEFAULT_TRAINING) where unset
    batch_size, epochs, seed = int(spec["batch_size"]), int(spec["epochs"]), int(spec["seed"] or 0)
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
        notes.append(("Early stopping", stopping_note(stopping)))
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
        w(f"                  'maximize': {maximize(es_monitor, str(stopping.get('mode', 'auto')))}, "
          f"'baseline': {opt_float(stopping.get('baseline'))!r}, "
          f"'restore_best_weights': {bool(stopping.get('restore_best_weights', False))}}}")
    for name in sorted(helpers):
        w("")
        src.extend(HELPERS[name].rstrip("\n").split("\n"))
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
    w(f"    return {loss_code}")
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
    sparse = loss_name == CE_LOSSES[1]
    w(f"        yt = torch.as_tensor(np.asarray(y){'.astype(np.int64)' if sparse else ''})")
    if not sparse:
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


def export_pytorch(model: Any, path: str | os.PathLike[str], preprocessing: Mapping[str, Any] | None = None,
                   training: Mapping[str, Any] | None = None, weights_format: str = "npz",
                   protect: Iterable[str | os.PathLike[str] | None] = ()) -> list[str]:
    """Write ``path`` (model.py) and its weights file beside it (``<stem>_weights.npz``) as one output.

    Returns the absolute paths written [code, weights]. Both destinations are checked (never one
    of ``protect``) before either is written; on failure neither changes.
    """
    if weights_format not in ("npz", "safetensors"):
        raise ExportError(f"weights format must be npz or safetensors, got {weights_format!r}")
    target = os.path.abspath(os.fspath(path))
    stem = os.path.splitext(os.path.basename(target))[0]
    weights_name = f"{stem}_weights.{weights_format}"
    weights_path = os.path.join(os.path.dirname(target), weights_name)
    code = generate_pytorch_code(model, weights_name, preprocessing, training, os.path.basename(target))
    if weights_format == "npz":
        from core.export.npz import weights_npz_bytes

        data = weights_npz_bytes(model, preprocessing)
    else:
        from core.export.safetensors import weights_safetensors_bytes

        data = weights_safetensors_bytes(model, preprocessing)
    # both files or neither: written side by side, renamed into place only when both are complete
    write_files_atomically({target: lambda fh: fh.write(code.encode("utf-8")),
                            weights_path: lambda fh: fh.write(data)}, "PyTorch export", ExportError, protect)
    return [target, weights_path]
