"""The y ranges of the loss and metric plots: the curves' extent, kept while it still fits them.

Setting a range redraws the axes (costly at 8 redraws a second), so a plot's range changes only when
the data leave it or use less than 60 % of it; and the extent of a curve is brought up to date with
its new rows only, so a frame does not re-read 100,000 steps.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable

import numpy as np
import pyqtgraph as pg

from studio.plots.run_series import GrowBuffer

#: a range is replaced when the data use less than this share of it
MIN_USE = 0.6
#: padding above and below the data, as a share of their span
PAD = 0.08


class ValueBounds:
    """(min, max) of growing buffers' finite values, remembered per buffer and log flag."""

    def __init__(self) -> None:
        self._seen: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def of(self, buf: GrowBuffer, log: bool) -> tuple[float, float]:
        """(min, max) of ``buf``'s finite (``log``: positive) values; (inf, -inf) when there are none."""
        seen = self._seen.setdefault(buf, {})
        n0, lo, hi = seen.get(log, (0, np.inf, -np.inf))
        if buf.n < n0:  # cleared and refilled
            n0, lo, hi = 0, np.inf, -np.inf
        if buf.n > n0:
            v = buf.view()[n0:, 1]
            v = v[np.isfinite(v) & (v > 0)] if log else v[np.isfinite(v)]
            if v.size:
                lo, hi = min(lo, float(v.min())), max(hi, float(v.max()))
            seen[log] = (buf.n, lo, hi)
        return lo, hi

    def extent(self, bufs: Iterable[GrowBuffer], log: bool) -> tuple[float, float] | None:
        """Smallest and largest value over ``bufs`` (log10 of the positive ones when ``log``), or None."""
        bounds = [self.of(b, log) for b in bufs if b.n]
        lo, hi = min((b[0] for b in bounds), default=np.inf), max((b[1] for b in bounds), default=-np.inf)
        if lo > hi:
            return None
        return (float(np.log10(lo)), float(np.log10(hi))) if log else (lo, hi)


class YRange:
    """One plot's y range with hysteresis."""

    def __init__(self, plot: pg.PlotItem) -> None:
        self.plot = plot
        self.range: tuple[float, float] | None = None

    def reset(self) -> None:
        """The next :meth:`fit` sets the range whatever it was."""
        self.range = None

    def fit(self, lo: float, hi: float) -> None:
        """Show ``lo``..``hi`` (padded) unless the current range holds them and is not too wide."""
        cur = self.range
        span = max(hi - lo, 1e-9)
        if cur is None or lo < cur[0] or hi > cur[1] or span < MIN_USE * (cur[1] - cur[0]):
            self.range = (lo - PAD * span, hi + PAD * span)
            self.plot.setYRange(*self.range, padding=0)
