"""The per-epoch logs of every epoch a model's weights were trained for, across runs and files.

``iter_training`` adds one row per epoch (``model.training_history``); weights files keep it in their
header as ``"history"``: ``{"epoch": [1, 2, ...], "loss": [...], "val_loss": [...], ...}``, a value
``null`` where an epoch lacks that key (e.g. trained without validation data), numbers to
:data:`DIGITS` significant digits. So a reopened project's loss curves come back as they were. Long
runs keep at most :data:`MAX_ROWS` rows: beyond that every other older row is dropped (the epoch
column says which remain), so a file's header stays small.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

#: rows kept at most (about 300 kB of JSON with six keys)
MAX_ROWS = 5_000
#: significant digits kept in files (the losses are float32 sums: more digits are noise)
DIGITS = 7


class TrainingHistory:
    """Rows of (epoch, logs): ``epochs`` (1-based, increasing) and ``values`` key -> list aligned with
    it (NaN where a row lacks the key)."""

    def __init__(self) -> None:
        self.epochs: list[int] = []
        self.values: dict[str, list[float]] = {}

    def __len__(self) -> int:
        return len(self.epochs)

    def clear(self) -> None:
        self.epochs.clear()
        self.values.clear()

    def add(self, epoch: int, logs: Mapping[str, float]) -> None:
        """Append epoch ``epoch``'s logs (thinning the older rows past :data:`MAX_ROWS`)."""
        n = len(self.epochs)
        for key in logs:
            if key not in self.values:
                self.values[key] = [math.nan] * n
        for key, column in self.values.items():
            value = logs.get(key)
            column.append(math.nan if value is None else float(value))
        self.epochs.append(int(epoch))
        if len(self.epochs) > MAX_ROWS:
            self._thin()

    def _thin(self) -> None:
        """Drop every other row of the older half (the newest half stays whole)."""
        half = len(self.epochs) // 2
        keep = list(range(0, half, 2)) + list(range(half, len(self.epochs)))
        self.epochs = [self.epochs[i] for i in keep]
        self.values = {k: [col[i] for i in keep] for k, col in self.values.items()}

    def rows(self) -> list[tuple[int, dict[str, float]]]:
        """[(epoch, {key: value}), ...] without the missing values."""
        keys = list(self.values.items())
        return [(e, {k: col[i] for k, col in keys if not math.isnan(col[i])})
                for i, e in enumerate(self.epochs)]

    def copy(self) -> TrainingHistory:
        """An independent copy; safe while the training thread adds rows (a row it is adding is left
        out, a key it just added is padded)."""
        out = TrainingHistory()
        out.epochs = list(self.epochs)
        n = len(out.epochs)
        for key, column in list(self.values.items()):
            column = list(column[:n])
            out.values[key] = [math.nan] * (n - len(column)) + column
        return out

    def to_json(self) -> dict[str, list]:
        """The header's ``"history"`` object (None for missing values; JSON has no NaN)."""
        doc: dict[str, list] = {"epoch": list(self.epochs)}
        for key, column in self.values.items():
            doc[key] = [None if math.isnan(v) or math.isinf(v) else float(f"{v:.{DIGITS}g}") for v in column]
        return doc

    @classmethod
    def from_json(cls, doc: Any, epochs_trained: int) -> TrainingHistory:
        """Read a header's ``"history"``; ValueError names the field that is wrong."""
        if not isinstance(doc, dict):
            raise ValueError("history must be a JSON object of equally long lists")
        epochs = doc.get("epoch")
        if not isinstance(epochs, list) or not all(_is_int(e) and e >= 1 for e in epochs):
            raise ValueError("history.epoch must be a list of epoch numbers (integers >= 1)")
        rising = all(b > a for a, b in zip(epochs, epochs[1:], strict=False))
        if not rising or (epochs and epochs[-1] > epochs_trained):
            raise ValueError(f"history.epoch must increase and end by epochs_trained ({epochs_trained})")
        if len(epochs) > MAX_ROWS:
            raise ValueError(f"history has {len(epochs)} rows; at most {MAX_ROWS} are kept")
        out = cls()
        out.epochs = list(epochs)
        for key, column in doc.items():
            if key == "epoch":
                continue
            if not isinstance(column, list) or len(column) != len(epochs):
                raise ValueError(f"history.{key} must be a list as long as history.epoch ({len(epochs)})")
            if not all(v is None or (_is_number(v) and math.isfinite(v)) for v in column):
                raise ValueError(f"history.{key} must hold finite numbers or null")
            out.values[str(key)] = [math.nan if v is None else float(v) for v in column]
        return out


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
