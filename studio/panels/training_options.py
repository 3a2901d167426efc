"""What the Network tab offers for training: the optimizers and learning-rate schedules, their labels,
update rules and parameter ranges, and the configuration keys each optimizer accepts."""

from __future__ import annotations

OPTIMIZERS = ("sgd", "adagrad", "rmsprop", "adam", "adamw")
OPTIMIZER_LABELS = {
    "sgd": "SGD / momentum",
    "adagrad": "Adagrad",
    "rmsprop": "RMSprop",
    "adam": "Adam",
    "adamw": "AdamW",
}
UPDATE_RULES = {
    "sgd": "w ← w − η·g",
    "momentum": "v ← μ·v + g;   w ← w − η·v",
    "nesterov": "v ← μ·v + g;   w ← w − η·(g + μ·v)",
    "adagrad": "G ← G + g²;   w ← w − η·g / (√G + ε)",
    "rmsprop": "s ← ρ·s + (1−ρ)·g²;   w ← w − η·g / (√s + ε)",
    "adam": "m ← β₁m + (1−β₁)g;  v ← β₂v + (1−β₂)g²;  w ← w − η·m̂ / (√v̂ + ε)",
    "adamw": "Adam step, then w ← w − η·λ·w (decoupled weight decay)",
}
SCHEDULES = ("none", "step_decay", "exponential_decay", "cosine_decay", "reduce_lr_on_plateau")
SCHEDULE_LABELS = {
    "none": "Constant",
    "step_decay": "Step decay",
    "exponential_decay": "Exponential decay",
    "cosine_decay": "Cosine decay",
    "reduce_lr_on_plateau": "Reduce on plateau",
}
# (key, label, default, min, max, decimals or None for int, tooltip)
SCHEDULE_PARAMS: dict[str, list[tuple[str, str, float, float, float, int | None, str]]] = {
    "step_decay": [
        ("drop", "Drop factor", 0.5, 0.01, 1.0, 3, "Multiply the rate by this every few epochs."),
        ("epochs_drop", "Every (epochs)", 10, 1, 10000, None, "Epochs between two drops."),
    ],
    "exponential_decay": [
        ("decay_rate", "Decay rate", 0.96, 0.01, 1.0, 3, "lr = lr0 · rate^(epoch / steps)."),
        ("decay_steps", "Decay epochs", 1, 1, 10000, None, "Epochs per factor of decay rate."),
    ],
    "cosine_decay": [
        ("decay_steps", "Over (epochs)", 100, 1, 100000, None, "Epochs of the half-cosine."),
        ("alpha", "Final fraction", 0.0, 0.0, 1.0, 3, "Rate at the end, as a fraction of lr0."),
    ],
    "reduce_lr_on_plateau": [
        ("factor", "Factor", 0.1, 0.01, 0.99, 3, "Multiply the rate by this on a plateau."),
        ("patience", "Patience", 10, 1, 10000, None, "Epochs without improvement before."),
    ],
}


def optimizer_keys(name: str) -> set[str]:
    """The configuration keys optimizer ``name`` accepts (from ``core.optimizers``, the one source)."""
    from core import optimizers

    try:
        return set(optimizers.get(name).get_config())
    except (ValueError, KeyError, TypeError):
        return {"name", "learning_rate"}
