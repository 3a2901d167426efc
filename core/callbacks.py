"""Training callbacks (Keras vocabulary) and the History record returned by ``fit``.

Hooks, called by ``core.training.iter_training`` (epoch indices are 0-based, as in Keras):
``set_model(model)``, ``on_train_begin(logs)``, ``on_epoch_begin(epoch, logs)``,
``on_batch_end(batch, logs)`` (only for callbacks that override it), ``on_epoch_end(epoch, logs)``,
``on_train_end(logs)``. A callback stops training by setting ``model.stop_training = True``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

__all__ = ["Callback", "EarlyStopping", "ProgressCallback", "History"]


class Callback:
    """Base class with no-op hooks."""

    def __init__(self) -> None:
        self.model: Any = None

    def set_model(self, model: Any) -> None:
        self.model = model

    def on_train_begin(self, logs: Mapping[str, float] | None = None) -> None:
        """Called once before the first epoch."""

    def on_epoch_begin(self, epoch: int, logs: Mapping[str, float] | None = None) -> None:
        """Called before each epoch (0-based index)."""

    def on_batch_end(self, batch: int, logs: Mapping[str, float] | None = None) -> None:
        """Called after each training step (0-based batch index within the epoch)."""

    def on_epoch_end(self, epoch: int, logs: Mapping[str, float] | None = None) -> None:
        """Called after each epoch with its logs (loss, metrics, val_*)."""

    def on_train_end(self, logs: Mapping[str, float] | None = None) -> None:
        """Called once when training finishes (all epochs done or stopped by a callback)."""


def _maximize(monitor: str, mode: str) -> bool:
    if mode == "auto":
        m = monitor.lower()
        return any(k in m for k in ("acc", "auc", "r2", "precision", "recall", "f1"))
    return mode == "max"


class EarlyStopping(Callback):
    """Stop when ``monitor`` has not improved by more than ``min_delta`` for ``patience`` epochs.

    With ``restore_best_weights`` the model gets the weights of the best epoch back when it stops.
    ``stopped_epoch`` is the 0-based epoch at which training stopped (0 if it did not stop early).
    """

    def __init__(
        self,
        monitor: str = "val_loss",
        patience: int = 0,
        min_delta: float = 0.0,
        restore_best_weights: bool = False,
        mode: str = "auto",
        baseline: float | None = None,
    ) -> None:
        super().__init__()
        if not isinstance(monitor, str) or not monitor:
            raise ValueError(f"monitor must be a log name such as 'val_loss'. Received: monitor={monitor!r}")
        if isinstance(patience, bool) or not isinstance(patience, int) or patience < 0:
            raise ValueError(f"patience must be a non-negative integer. Received: patience={patience!r}")
        if mode not in ("auto", "min", "max"):
            raise ValueError(f"mode must be 'auto', 'min' or 'max'. Received: mode={mode!r}")
        delta = float(min_delta)
        if not math.isfinite(delta):
            raise ValueError(f"min_delta must be a finite number. Received: min_delta={min_delta!r}")
        self.monitor = monitor
        self.patience = patience
        self.min_delta = abs(delta)
        self.restore_best_weights = bool(restore_best_weights)
        self.mode = mode
        self.baseline = baseline
        self.on_train_begin()

    def on_train_begin(self, logs: Mapping[str, float] | None = None) -> None:
        self.wait = 0
        self.stopped_epoch = 0
        self.best: float | None = None
        self.best_epoch = -1
        self.best_weights: list[np.ndarray] | None = None

    def _improved(self, value: float, reference: float) -> bool:
        if _maximize(self.monitor, self.mode):
            return value > reference + self.min_delta
        return value < reference - self.min_delta

    def on_epoch_end(self, epoch: int, logs: Mapping[str, float] | None = None) -> None:
        logs = logs or {}
        if self.monitor not in logs:
            raise ValueError(
                f"EarlyStopping monitors {self.monitor!r}, which is not in the training logs (available: "
                f"{', '.join(logs)}). Pass validation_data for val_* names, or monitor 'loss'"
            )
        value = float(logs[self.monitor])
        if not math.isfinite(value):
            return
        reference = self.best if self.best is not None else self.baseline
        if reference is None or self._improved(value, reference):
            self.best = value
            self.best_epoch = epoch
            self.wait = 0
            if self.restore_best_weights and self.model is not None:
                self.best_weights = self.model.get_weights()
            return
        self.wait += 1
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            if self.model is not None:
                self.model.stop_training = True
                if self.restore_best_weights and self.best_weights is not None:
                    self.model.set_weights(self.best_weights)


class ProgressCallback(Callback):
    """Calls ``fn(epoch, logs)`` after every epoch (``every="epoch"``) or ``fn(batch, logs)`` after every
    step (``every="batch"``); indices are 0-based."""

    def __init__(self, fn: Callable[[int, Mapping[str, float]], Any], every: str = "epoch") -> None:
        super().__init__()
        if not callable(fn):
            raise ValueError(f"ProgressCallback needs a callable. Received: {fn!r}")
        if every not in ("epoch", "batch"):
            raise ValueError(f"every must be 'epoch' or 'batch'. Received: every={every!r}")
        self.fn = fn
        self.every = every
        if every == "batch":
            self.on_batch_end = self._batch  # type: ignore[method-assign]

    def _batch(self, batch: int, logs: Mapping[str, float] | None = None) -> None:
        self.fn(batch, logs or {})

    def on_epoch_end(self, epoch: int, logs: Mapping[str, float] | None = None) -> None:
        if self.every == "epoch":
            self.fn(epoch, logs or {})


class History(Callback):
    """Per-epoch logs: ``history.history`` is ``{"loss": [...], "val_loss": [...], "accuracy": [...], ...}``
    and ``history.epoch`` the 0-based epoch indices."""

    def __init__(self) -> None:
        super().__init__()
        self.history: dict[str, list[float]] = {}
        self.epoch: list[int] = []

    def append(self, epoch: int, logs: Mapping[str, float]) -> None:
        self.epoch.append(epoch)
        for key, value in logs.items():
            self.history.setdefault(key, []).append(float(value))

    def on_epoch_end(self, epoch: int, logs: Mapping[str, float] | None = None) -> None:
        self.append(epoch, logs or {})

    def __repr__(self) -> str:
        return f"History(epochs={len(self.epoch)}, keys={list(self.history)})"
