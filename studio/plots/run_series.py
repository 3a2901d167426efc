"""One training run's curve data: per-epoch metrics and the smoothed per-step loss, in growable buffers."""

from __future__ import annotations

import numpy as np


class GrowBuffer:
    """Append-only (n, 2) float64 buffer with amortized doubling; ``view`` gives the filled part."""

    def __init__(self, capacity: int = 1024) -> None:
        self._a = np.empty((capacity, 2), dtype=np.float64)
        self.n = 0

    def extend(self, rows: np.ndarray) -> None:
        """Append rows (k, 2)."""
        rows = np.asarray(rows, dtype=np.float64).reshape(-1, 2)
        k = rows.shape[0]
        if self.n + k > self._a.shape[0]:
            cap = max(self._a.shape[0] * 2, self.n + k)
            a = np.empty((cap, 2), dtype=np.float64)
            a[: self.n] = self._a[: self.n]
            self._a = a
        self._a[self.n : self.n + k] = rows
        self.n += k

    def view(self) -> np.ndarray:
        """The filled rows (n, 2) (a view: copy before keeping it)."""
        return self._a[: self.n]

    def clear(self) -> None:
        """Forget all rows."""
        self.n = 0


def smoothing_factor(batches_per_epoch: int) -> float:
    """EMA factor for the per-step loss: about one epoch of memory, at most 0.3 (short epochs)."""
    return min(0.3, 2.0 / (max(int(batches_per_epoch), 1) + 1))


class RunSeries:
    """Curves of one training run: per-epoch logs and the smoothed per-step loss."""

    def __init__(self) -> None:
        self.epochs: dict[str, GrowBuffer] = {}
        self.steps = GrowBuffer(4096)
        self.ema_sum = 0.0  # moving average before bias correction
        self.ema_weight = 0.0  # its accumulated weight: the smoothed value is ema_sum / ema_weight
        self.label = ""  # e.g. "adam lr=0.01 · 4-2" (settings when the run started)
        self.visible = True  # drawn as a faded curve once it is a previous run
        self.data_key = ""  # the data set it trained on: runs on other data are not drawn together

    def add_epochs(self, items: list[tuple[int, dict[str, float]]]) -> None:
        """Append many epochs' logs at once (one buffer extend per key)."""
        cols: dict[str, list[tuple[int, float]]] = {}
        for epoch, logs in items:
            for k, v in logs.items():
                cols.setdefault(k, []).append((epoch, v))
        for k, rows in cols.items():
            buf = self.epochs.get(k)
            if buf is None:
                buf = self.epochs[k] = GrowBuffer(256)
            buf.extend(np.asarray(rows, dtype=np.float64))

    def add_steps(self, step_losses: np.ndarray, batches_per_epoch: int, alpha: float | None = None) -> None:
        """Append per-step losses (k, 2) [global step, loss] as a bias-corrected moving average.

        The smoothing factor follows the epoch length (``2 / (batches_per_epoch + 1)``, at most 0.3),
        so the curve averages over about one epoch and does not lag many epochs behind on small data;
        dividing by the accumulated weight removes the start-up bias towards zero (Adam-style).
        """
        if step_losses.size == 0:
            return
        if alpha is None:
            alpha = smoothing_factor(batches_per_epoch)
        losses = np.asarray(step_losses[:, 1], dtype=np.float64)
        out = np.empty_like(losses)
        m, w = self.ema_sum, self.ema_weight
        b = 1.0 - alpha
        # closed form per block (m_i = b**(i+1) m + alpha sum_j<=i b**(i-j) v_j), blocks short enough
        # that b**-n stays below 1e6; a block with a non-finite loss keeps the plain loop
        block = max(1, min(512, int(13.8 / -np.log(b)))) if 0.0 < b < 1.0 else 1
        for s in range(0, losses.shape[0], block):
            v, o = losses[s : s + block], out[s : s + block]
            if block > 1 and np.all(np.isfinite(v)):
                p = b ** np.arange(1, v.shape[0] + 1)
                np.cumsum(v * (b / p), out=o)
                o *= alpha * p / b
                o += p * m
                wi = p * w + (1.0 - p)  # the weights follow the same recurrence with v_j = 1
                m, w = float(o[-1]), float(wi[-1])
                o /= wi
                continue
            for i, x in enumerate(v):
                if not np.isfinite(x):
                    o[i] = np.nan
                    continue
                m = b * m + alpha * x
                w = b * w + alpha
                o[i] = m / w
        self.ema_sum, self.ema_weight = m, w
        x = step_losses[:, 0] / max(batches_per_epoch, 1)
        self.steps.extend(np.column_stack([x, out]))

    def series(self, key: str) -> np.ndarray | None:
        b = self.epochs.get(key)
        return None if b is None or b.n == 0 else b.view()
