"""The epoch axis shared by the loss and metric plots: the run's budget, grown ahead, or fitted to data."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg


class EpochAxis:
    """Extent of ``plot``'s x axis (the metric plot is linked to it), set only when it changes:
    redrawing the axes is costly.

    Fitted to the data after a run ends; the epoch budget while one runs with a budget; otherwise
    grown in x1.5 steps.
    """

    def __init__(self, plot: pg.PlotItem) -> None:
        self.plot = plot
        self.span = 0.0  # current extent (0: none set yet)
        self.budget: int | None = None  # epoch budget of the current run, if known
        self.fit = False  # True after fit_to_data() until training continues

    def reset(self) -> None:
        """A new run: no extent, no budget, not fitted."""
        self.span = 0.0
        self.budget = None
        self.fit = False

    def show_budget(self, epochs: int | None, started: bool, x_max: float) -> None:
        """The next run's epoch budget: before any data the axis already spans 0..epochs."""
        self.budget = int(epochs) if epochs else None
        if self.budget and not started and x_max <= self.budget:
            self._set(float(self.budget))

    def update(self, x_max: float) -> None:
        """Follow the data whose last epoch is ``x_max`` (nothing before any data)."""
        if x_max <= 0:
            return
        if self.fit:
            span = max(1.0, x_max)
        elif self.budget is not None and x_max <= self.budget:
            span = float(self.budget)
        elif x_max > self.span or x_max < self.span / 4 or self.span == self.budget:
            span = max(5.0, float(np.ceil(x_max * 1.5)))
        else:
            return
        if span != self.span:
            self._set(span)

    def _set(self, span: float) -> None:
        self.span = span
        self.plot.setXRange(0, span, padding=0.02)
