"""PyTorch translation of the training recipe: loss, optimizer, learning-rate schedule, early stopping.

Each function returns source text for ``core.export.pytorch``'s generated ``model.py`` (an expression and a
one-line note), following the engine's rules (PyTorch's update rules, schedules stepped once per epoch).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from core.errors import ExportError

CE_LOSSES = ("categorical_crossentropy", "sparse_categorical_crossentropy")


def loss_info(model: Any) -> tuple[str, dict[str, Any]]:
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


def loss_expr(name: str, cfg: Mapping[str, Any], fused: str) -> tuple[str, str, str]:
    """(constructor expression, target description, one-line explanation)."""
    smoothing = float(cfg.get("label_smoothing", 0.0) or 0.0)
    if fused == "softmax":
        arg = f"label_smoothing={smoothing!r}" if smoothing else ""
        targets = "int64 class indices (n,)" if name == CE_LOSSES[1] else "one-hot float (n, classes)"
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
    if name in CE_LOSSES:
        targets = "int64 class indices (n,)" if name == CE_LOSSES[1] else "one-hot float (n, classes)"
        return ("nn.NLLLoss()" if name == CE_LOSSES[1] else "nn.CrossEntropyLoss()", targets,
                f"{name} without a final softmax in the network")
    return "nn.MSELoss()", "float (n, outputs)", "nn.MSELoss (the network was not compiled with a loss)"


def opt_float(value: Any) -> float | None:
    return None if value is None else float(value)


def maximize(monitor: str, mode: str) -> bool:
    from core.callbacks import _maximize as engine_maximize

    return bool(engine_maximize(monitor, mode))


def stopping_note(cfg: Mapping[str, Any]) -> str:
    monitor = str(cfg.get("monitor", "val_loss"))
    text = (f"stop when {monitor} has not improved by more than {abs(float(cfg.get('min_delta', 0.0))):g} "
            f"for {int(cfg.get('patience', 0))} epoch(s)")
    if cfg.get("restore_best_weights"):
        text += ", then restore the best epoch's weights"
    return text


def schedule_from_training(train_cfg: Mapping[str, Any]) -> Any | None:
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


def start_lr(schedule: Any, train_cfg: Mapping[str, Any], opt: Any) -> float:
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


def scheduler_code(schedule: Any, lr0: float | None) -> tuple[list[str], str, str | None]:
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


def optimizer_expr(opt: Any, lr: float | None = None) -> tuple[str, str]:
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
