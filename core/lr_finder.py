"""Learning-rate range test (Leslie Smith's "LR range test"): which learning rate should I use?

``find_learning_rate(model, x, y)`` trains the model for about 100 mini-batches, raising the learning rate
exponentially from ``start_lr`` (1e-6) to ``end_lr`` (1); after each step it records the loss on a fixed
probe subset of the training data (up to 512 rows, the same rows every step: a batch's own loss is far
noisier). It stops
early once the loss explodes: non-finite, or the smoothed loss above 4× the best smoothed loss so far. The
model's weights and optimizer state are restored afterwards, so the test leaves no trace.

The raw losses are smoothed with an exponential moving average (bias-corrected, ``beta`` 0.9). The
suggestion is the learning rate where the smoothed curve falls most steeply (the most negative slope of
smoothed loss over log10(learning rate)), searched between the start and the curve's minimum: there the
loss drops fastest, while the minimum itself is already near the edge of divergence. When the curve never
falls (e.g. the model starts at its optimum) the suggestion is the minimum's learning rate / 10.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["LRFinderResult", "find_learning_rate", "suggest"]


@dataclass(frozen=True)
class LRFinderResult:
    """The range test's curve: ``learning_rates``, ``losses`` (raw batch losses) and ``smoothed``, all (s,)
    for the s steps run; ``suggested`` learning rate and how it was chosen (``method``: "steepest" or
    "minimum/10"); ``stopped``: "end" (reached ``end_lr``) or "exploded"."""

    learning_rates: np.ndarray
    losses: np.ndarray
    smoothed: np.ndarray
    suggested: float
    method: str
    stopped: str

    def rows(self) -> list[tuple[float, float, float]]:
        """``(learning_rate, loss, smoothed_loss)`` per step (for a CSV)."""
        return [(float(a), float(b), float(c)) for a, b, c in
                zip(self.learning_rates, self.losses, self.smoothed, strict=True)]


def suggest(learning_rates: np.ndarray, smoothed: np.ndarray) -> tuple[float, str]:
    """``(learning rate, method)``: steepest descent of ``smoothed`` over log10(lr) before its minimum,
    or the minimum's learning rate / 10 when the curve never falls."""
    lrs = np.asarray(learning_rates, dtype=np.float64)
    best = int(np.argmin(smoothed))
    if best >= 2:
        slope = np.gradient(smoothed[: best + 1], np.log10(lrs[: best + 1]))
        steepest = int(np.argmin(slope))
        if slope[steepest] < 0:
            return float(lrs[steepest]), "steepest"
    return float(lrs[best] / 10.0), "minimum/10"


def find_learning_rate(model: Any, x: np.ndarray, y: np.ndarray, *, batch_size: int = 32, steps: int = 100,
                       start_lr: float = 1e-6, end_lr: float = 1.0, seed: int | None = 0,
                       explode_factor: float = 4.0, beta: float = 0.9, probe_size: int = 512,
                       should_stop: Any = None) -> LRFinderResult:
    """Run the range test on a compiled, built ``model`` with training data ``x`` (n, f) and targets ``y``
    shaped for its loss; the model's weights and optimizer state are restored afterwards.

    ``should_stop``: optional callable polled every step (a GUI's cancel flag); a cancelled test raises
    ``InterruptedError`` after restoring the weights.
    """
    from core.training import NonFiniteLoss

    if not 0 < start_lr < end_lr:
        raise ValueError(f"the learning-rate range needs 0 < start < end, got {start_lr:g} .. {end_lr:g}")
    if steps < 5:
        raise ValueError(f"the range test needs at least 5 steps, got {steps}")
    xa, ya = model.prepare_xy(x, y)
    xa = np.asarray(xa, dtype=model.dtype)
    optimizer = model.optimizer
    saved_weights = model.flat_params.copy()
    saved_lr = optimizer.learning_rate
    rng = np.random.default_rng(seed)
    lrs = np.geomspace(start_lr, end_lr, steps)
    step = model.make_step()
    n = xa.shape[0]
    order = rng.permutation(n)
    pos = 0
    losses: list[float] = []
    smoothed: list[float] = []
    stopped = "end"
    avg = 0.0
    # the curve is the loss on one fixed probe subset after each step: a batch's own loss is far noisier
    probe = rng.choice(n, size=min(n, probe_size), replace=False)
    xp, yp = xa[probe], ya[probe]

    def probe_loss() -> float:
        return float(model._loss_on(xp, yp)[0])

    optimizer.reset()
    try:
        with np.errstate(over="ignore", invalid="ignore"):
            for i, lr in enumerate(lrs):
                if should_stop is not None and should_stop():
                    raise InterruptedError("learning-rate range test cancelled")
                if pos + batch_size > n:
                    order, pos = rng.permutation(n), 0
                idx = order[pos: pos + batch_size]
                pos += batch_size
                optimizer.learning_rate = float(lr)
                try:
                    step(xa[idx], ya[idx])
                except NonFiniteLoss:
                    stopped = "exploded"
                    break
                loss = probe_loss()
                avg = beta * avg + (1.0 - beta) * loss
                value = avg / (1.0 - beta ** (i + 1))
                losses.append(loss)
                smoothed.append(value)
                if not np.isfinite(value) or (i > 0 and value > explode_factor * min(smoothed)):
                    stopped = "exploded"
                    break
    finally:
        np.copyto(model.flat_params, saved_weights)
        optimizer.reset()
        optimizer.learning_rate = saved_lr
    if len(losses) < 3:
        raise ValueError("the loss exploded within the first steps of the range test, even at learning "
                         f"rate {start_lr:g}; check the data and the network")
    s = len(losses)
    sm = np.asarray(smoothed)
    lr_used = lrs[:s]
    suggested, method = suggest(lr_used, sm)
    return LRFinderResult(learning_rates=lr_used, losses=np.asarray(losses), smoothed=sm, suggested=suggested,
                          method=method, stopped=stopped)
