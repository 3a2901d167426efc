"""Learning-rate schedules applied once per epoch by the training loop.

Interface (what ``core.training`` calls)::

    lr = schedule(epoch, logs=None, current_lr=None)   # -> float
    optimizer.learning_rate = lr

- ``epoch`` is the 0-based index of the epoch about to start (0 for the first epoch).
- ``logs`` are the logs of the epoch that just ended (``{"loss": .., "val_loss": .., ...}``), or ``None``
  before the first epoch. Only ``ReduceLROnPlateau`` reads them.
- ``current_lr`` is the optimizer's learning rate right now. Only ``ReduceLROnPlateau`` uses it, so a rate
  the user changed by hand between epochs is the one that gets reduced.

``schedule.apply(optimizer, epoch, logs)`` does both lines above and returns the new rate.
Fixed schedules are pure functions of ``epoch``; ``ReduceLROnPlateau`` keeps state (best value, wait,
cooldown) that ``reset()`` clears. Every schedule has ``get_config()``; ``schedules.from_config`` and
``schedules.get`` rebuild them (names in ``SCHEDULE_NAMES``).

Formulas (``lr0`` = ``initial_learning_rate``, ``e`` = epoch):

- ``StepDecay``: ``lr0 * drop ** floor(e / epochs_drop)``
- ``ExponentialDecay``: ``lr0 * decay_rate ** (e / decay_steps)`` (``floor`` of the exponent if ``staircase``)
- ``CosineDecay``: ``lr0 * (alpha + (1 - alpha) * 0.5 * (1 + cos(pi * min(e, decay_steps) / decay_steps)))``
- ``ReduceLROnPlateau``: multiply the rate by ``factor`` (not below ``min_lr``) when ``monitor`` has not
  improved by more than ``min_delta`` for ``patience`` epochs (Keras counting); the ``cooldown`` epochs
  right after a reduction are not counted as bad epochs (unlike Keras, where ``cooldown=1`` has no effect).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from core.optimizer_base import Optimizer, check_learning_rate, check_range
from core.registry import Registry

__all__ = [
    "LearningRateSchedule",
    "StepDecay",
    "ExponentialDecay",
    "CosineDecay",
    "ReduceLROnPlateau",
    "SCHEDULE_NAMES",
    "get",
    "from_config",
]


def _check_epoch(epoch: Any) -> int:
    if isinstance(epoch, bool) or not isinstance(epoch, int) or epoch < 0:
        raise ValueError(f"epoch must be a non-negative integer. Received: epoch={epoch!r}")
    return epoch


def _check_positive_int(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive integer. Received: {name}={value!r}")
    return value


class LearningRateSchedule:
    """Base class. Subclasses implement ``__call__(epoch, logs=None, current_lr=None) -> float``."""

    name = "schedule"

    def __call__(
        self, epoch: int, logs: Mapping[str, float] | None = None, current_lr: float | None = None
    ) -> float:
        raise NotImplementedError  # pragma: no cover - abstract

    def apply(self, optimizer: Optimizer, epoch: int, logs: Mapping[str, float] | None = None) -> float:
        """Set ``optimizer.learning_rate`` for ``epoch`` and return it."""
        lr = self(epoch, logs, optimizer.learning_rate)
        optimizer.learning_rate = lr
        return lr

    def reset(self) -> None:
        """Clear any state (called when training starts from scratch)."""

    def get_config(self) -> dict[str, Any]:
        raise NotImplementedError  # pragma: no cover - abstract

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items() if k != "name")
        return f"{type(self).__name__}({args})"


class StepDecay(LearningRateSchedule):
    """Multiply the rate by ``drop`` every ``epochs_drop`` epochs."""

    name = "step_decay"

    def __init__(self, initial_learning_rate: float = 0.01, drop: float = 0.5, epochs_drop: int = 10) -> None:
        self.initial_learning_rate = check_learning_rate(initial_learning_rate)
        self.drop = check_range("drop", drop, 0.0, 1.0, high_inclusive=True)
        if self.drop == 0.0:
            raise ValueError("drop must be in (0, 1]. Received: drop=0.0")
        self.epochs_drop = _check_positive_int("epochs_drop", epochs_drop)

    def __call__(
        self, epoch: int, logs: Mapping[str, float] | None = None, current_lr: float | None = None
    ) -> float:
        e = _check_epoch(epoch)
        return self.initial_learning_rate * self.drop ** (e // self.epochs_drop)

    def get_config(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "initial_learning_rate": self.initial_learning_rate,
            "drop": self.drop,
            "epochs_drop": self.epochs_drop,
        }


class ExponentialDecay(LearningRateSchedule):
    """``lr0 * decay_rate ** (epoch / decay_steps)``; integer exponent when ``staircase``."""

    name = "exponential_decay"

    def __init__(
        self,
        initial_learning_rate: float = 0.01,
        decay_rate: float = 0.96,
        decay_steps: int = 1,
        staircase: bool = False,
    ) -> None:
        self.initial_learning_rate = check_learning_rate(initial_learning_rate)
        self.decay_rate = check_range("decay_rate", decay_rate, 0.0, 1.0, high_inclusive=True)
        if self.decay_rate == 0.0:
            raise ValueError("decay_rate must be in (0, 1]. Received: decay_rate=0.0")
        self.decay_steps = _check_positive_int("decay_steps", decay_steps)
        self.staircase = bool(staircase)

    def __call__(
        self, epoch: int, logs: Mapping[str, float] | None = None, current_lr: float | None = None
    ) -> float:
        e = _check_epoch(epoch)
        p = e / self.decay_steps
        if self.staircase:
            p = math.floor(p)
        return self.initial_learning_rate * self.decay_rate**p

    def get_config(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "initial_learning_rate": self.initial_learning_rate,
            "decay_rate": self.decay_rate,
            "decay_steps": self.decay_steps,
            "staircase": self.staircase,
        }


class CosineDecay(LearningRateSchedule):
    """Half-cosine from ``lr0`` down to ``alpha * lr0`` over ``decay_steps`` epochs, then flat."""

    name = "cosine_decay"

    def __init__(
        self, initial_learning_rate: float = 0.01, decay_steps: int = 10, alpha: float = 0.0
    ) -> None:
        self.initial_learning_rate = check_learning_rate(initial_learning_rate)
        self.decay_steps = _check_positive_int("decay_steps", decay_steps)
        self.alpha = check_range("alpha", alpha, 0.0, 1.0, high_inclusive=True)

    def __call__(
        self, epoch: int, logs: Mapping[str, float] | None = None, current_lr: float | None = None
    ) -> float:
        e = min(_check_epoch(epoch), self.decay_steps)
        cosine = 0.5 * (1.0 + math.cos(math.pi * e / self.decay_steps))
        lr = self.initial_learning_rate * (self.alpha + (1.0 - self.alpha) * cosine)
        # alpha=0 reaches exactly 0 at the end; keep a valid (positive) optimizer rate.
        return max(lr, self.initial_learning_rate * 1e-12)

    def get_config(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "alpha": self.alpha,
        }


class ReduceLROnPlateau(LearningRateSchedule):
    """Reduce the rate by ``factor`` when ``monitor`` stops improving for ``patience`` epochs.

    Called with the logs of each finished epoch. ``mode`` is ``"min"``, ``"max"`` or ``"auto"`` (max for
    names containing ``acc``/``auc``/``r2``, else min). If ``logs`` lack ``monitor`` (e.g. ``val_loss``
    without validation data) the rate is left unchanged. ``num_reductions`` counts reductions so far.
    """

    name = "reduce_lr_on_plateau"

    def __init__(
        self,
        monitor: str = "val_loss",
        factor: float = 0.1,
        patience: int = 10,
        min_delta: float = 1e-4,
        cooldown: int = 0,
        min_lr: float = 0.0,
        mode: str = "auto",
        initial_learning_rate: float | None = None,
    ) -> None:
        if not isinstance(monitor, str) or not monitor:
            raise ValueError(
                f"monitor must be a metric name such as 'val_loss'. Received: monitor={monitor!r}"
            )
        self.monitor = monitor
        self.factor = check_range("factor", factor, 0.0, 1.0)
        if self.factor == 0.0:
            raise ValueError("factor must be in (0, 1). Received: factor=0.0")
        if isinstance(patience, bool) or not isinstance(patience, int) or patience < 0:
            raise ValueError(f"patience must be a non-negative integer. Received: patience={patience!r}")
        self.patience = patience
        self.min_delta = abs(check_range("min_delta", min_delta, -math.inf, math.inf))
        if isinstance(cooldown, bool) or not isinstance(cooldown, int) or cooldown < 0:
            raise ValueError(f"cooldown must be a non-negative integer. Received: cooldown={cooldown!r}")
        self.cooldown = cooldown
        self.min_lr = check_range("min_lr", min_lr, 0.0, math.inf)
        if mode not in ("auto", "min", "max"):
            raise ValueError(f"mode must be 'auto', 'min' or 'max'. Received: mode={mode!r}")
        self.mode = mode
        self.initial_learning_rate = (
            None if initial_learning_rate is None else check_learning_rate(initial_learning_rate)
        )
        self.reset()

    @property
    def _maximize(self) -> bool:
        if self.mode == "auto":
            m = self.monitor.lower()
            return any(key in m for key in ("acc", "auc", "r2", "precision", "recall", "f1"))
        return self.mode == "max"

    def reset(self) -> None:
        self.best: float | None = None
        self.wait = 0
        self.cooldown_counter = 0
        self.num_reductions = 0
        self.learning_rate = self.initial_learning_rate

    def _improved(self, value: float) -> bool:
        if self.best is None:
            return True
        if self._maximize:
            return value > self.best + self.min_delta
        return value < self.best - self.min_delta

    def __call__(
        self, epoch: int, logs: Mapping[str, float] | None = None, current_lr: float | None = None
    ) -> float:
        _check_epoch(epoch)
        lr = current_lr if current_lr is not None else self.learning_rate
        if lr is None:
            raise ValueError(
                "ReduceLROnPlateau needs the current learning rate: pass current_lr or initial_learning_rate"
            )
        lr = check_learning_rate(lr)
        value = None if logs is None else logs.get(self.monitor)
        if value is not None and math.isfinite(float(value)):
            value = float(value)
            in_cooldown = self.cooldown_counter > 0
            if in_cooldown:
                self.cooldown_counter -= 1
                self.wait = 0
            if self._improved(value):
                self.best = value
                self.wait = 0
            elif not in_cooldown:
                self.wait += 1
                if self.wait >= self.patience:
                    new_lr = max(lr * self.factor, self.min_lr)
                    if new_lr < lr and new_lr > 0.0:
                        lr = new_lr
                        self.num_reductions += 1
                    self.cooldown_counter = self.cooldown
                    self.wait = 0
        self.learning_rate = lr
        return lr

    def get_config(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "monitor": self.monitor,
            "factor": self.factor,
            "patience": self.patience,
            "min_delta": self.min_delta,
            "cooldown": self.cooldown,
            "min_lr": self.min_lr,
            "mode": self.mode,
            "initial_learning_rate": self.initial_learning_rate,
        }


_CLASSES: dict[str, type[LearningRateSchedule]] = {
    cls.name: cls for cls in (StepDecay, ExponentialDecay, CosineDecay, ReduceLROnPlateau)
}
SCHEDULE_NAMES: tuple[str, ...] = tuple(_CLASSES)
_ALIASES = {
    "step": "step_decay",
    "stepdecay": "step_decay",
    "exponential": "exponential_decay",
    "exponentialdecay": "exponential_decay",
    "cosine": "cosine_decay",
    "cosinedecay": "cosine_decay",
    "plateau": "reduce_lr_on_plateau",
    "reducelronplateau": "reduce_lr_on_plateau",
}


_REGISTRY = Registry("schedule", SCHEDULE_NAMES, _ALIASES, alias_key=lambda key: key.replace("_", ""))


def get(identifier: str | LearningRateSchedule | dict[str, Any], **kwargs: Any) -> LearningRateSchedule:
    """A schedule from a name in ``SCHEDULE_NAMES`` (plus kwargs), a config dict, or an instance."""
    if isinstance(identifier, LearningRateSchedule):
        _REGISTRY.refuse_kwargs(identifier, kwargs)
        return identifier
    if isinstance(identifier, dict):
        return from_config({**identifier, **kwargs})
    return _REGISTRY.construct(_CLASSES[_REGISTRY.key(identifier)], identifier, kwargs)


def from_config(config: dict[str, Any]) -> LearningRateSchedule:
    """Rebuild a schedule from ``schedule.get_config()`` (or Keras-style ``{"class_name", "config"}``)."""
    if not isinstance(config, dict):
        raise ValueError(f"Schedule config must be a dict. Received: {config!r}")
    if "class_name" in config and "config" in config:
        config = {**config["config"], "name": config["class_name"]}
    if "name" not in config:
        raise ValueError(
            f"Schedule config needs a 'name' ({', '.join(SCHEDULE_NAMES)}). Received: {config!r}"
        )
    kwargs = {k: v for k, v in config.items() if k != "name"}
    return get(str(config["name"]), **kwargs)
