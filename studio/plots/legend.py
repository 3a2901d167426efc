"""Legends of the loss and metric plots: one line high, in the corner their curves leave free.

A legend drawn over a curve hides it behind its translucent box, and in these plots a half-hidden
current curve looks like a faded previous run. pyqtgraph's legend rows were 20 px samples beside
21 px labels plus margins (39 px for one row: half the height of a plot in a 1600x1000 window), so
:class:`CompactLegend` draws 12 px samples beside labels without document margins (15 px). And
loss usually falls (top right is free), accuracy rises (bottom right), but MAE falls and a
diverging loss rises: :func:`place_legend` moves a legend to the corner whose box its curves cross
least (matplotlib's ``loc="best"``), and keeps it put unless another corner is strictly better.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from pyqtgraph.graphicsItems.LegendItem import ItemSample
from PySide6.QtCore import QRectF

Corner = tuple[int, int]

#: (anchor x, anchor y) of each corner: 0 left/top, 1 right/bottom, in the order ties are decided
CORNERS = ((1, 0), (1, 1), (0, 0), (0, 1))
#: pixels between the legend and the plot's edges
MARGIN = (10, 5)
#: points sampled along each curve across a candidate box
SAMPLES = 24


class FlatSample(ItemSample):
    """pyqtgraph's line sample, 12 px high instead of 20 (it draws its line at y = 11)."""

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt override
        return QRectF(0, 0, 20, 12)

    def paint(self, p, *args) -> None:
        p.translate(0, -5)
        super().paint(p, *args)


class CompactLegend(pg.LegendItem):
    """A ``pg.LegendItem`` whose rows are as high as their 8 pt text (15 px for one row)."""

    def __init__(self, **opts) -> None:
        super().__init__(sampleType=FlatSample, verSpacing=0, **opts)
        self.layout.setContentsMargins(3, 1, 3, 1)

    def addItem(self, item, name: str) -> None:  # noqa: N802 - pyqtgraph's name
        super().addItem(item, name)
        sample, label = self.items[-1]
        sample.setFixedHeight(12)
        sample.setFixedWidth(20)
        label.item.document().setDocumentMargin(0)
        label.updateMin()
        label.setMaximumHeight(label.minimumHeight())
        self.layout.activate()
        self.updateSize()


def add_legend(plot: pg.PlotItem, corner: Corner, **opts) -> CompactLegend:
    """Give ``plot`` a :class:`CompactLegend` at ``corner`` (``opts``: pyqtgraph's legend options)."""
    legend = CompactLegend(**opts)
    legend.setParentItem(plot.getViewBox())
    plot.legend = legend  # where PlotItem.addItem puts named items
    anchor(legend, corner)
    return legend


def anchor(legend: pg.LegendItem, corner: Corner) -> None:
    """Pin ``legend`` to ``corner`` of its view box, MARGIN pixels in."""
    ax, ay = corner
    legend.anchor(itemPos=corner, parentPos=corner,
                  offset=(MARGIN[0] if ax == 0 else -MARGIN[0], MARGIN[1] if ay == 0 else -MARGIN[1]))


def box_in_data(plot: pg.PlotItem, legend: pg.LegendItem, corner: Corner) -> tuple[float, ...]:
    """(x0, x1, y0, y1) in view coordinates (log10 on a log axis) that the legend covers at ``corner``."""
    vb = plot.getViewBox()
    width, height = vb.width(), vb.height()
    rect = legend.boundingRect()
    (vx0, vx1), (vy0, vy1) = vb.viewRange()
    ax, ay = corner
    left = ax * (width - rect.width()) + (MARGIN[0] if ax == 0 else -MARGIN[0])
    top = ay * (height - rect.height()) + (MARGIN[1] if ay == 0 else -MARGIN[1])
    sx, sy = (vx1 - vx0) / max(width, 1.0), (vy1 - vy0) / max(height, 1.0)
    x0, x1 = vx0 + left * sx, vx0 + (left + rect.width()) * sx
    y1, y0 = vy1 - top * sy, vy1 - (top + rect.height()) * sy
    return x0, x1, y0, y1


def crossings(curves: Sequence[np.ndarray], box: tuple[float, ...]) -> int:
    """How many of ``SAMPLES`` points per curve (each (n, 2) x, y in view coordinates, x rising) lie
    inside ``box``: the curves are sampled along x, so a segment crossing the box counts too."""
    x0, x1, y0, y1 = box
    xs = np.linspace(x0, x1, SAMPLES)
    hits = 0
    for data in curves:
        if data is None or len(data) == 0:
            continue
        x, y = data[:, 0], data[:, 1]
        ok = np.isfinite(y)
        if ok.sum() == 0:
            continue
        x, y = x[ok], y[ok]
        inside = xs[(xs >= x[0]) & (xs <= x[-1])]
        if len(x) == 1:
            inside, ys = x[(x >= x0) & (x <= x1)], y[(x >= x0) & (x <= x1)]
        else:
            ys = np.interp(inside, x, y)
        hits += int(np.count_nonzero((ys >= y0) & (ys <= y1)))
    return hits


def place_legend(plot: pg.PlotItem, curves: Sequence[np.ndarray], current: Corner) -> Corner:
    """Anchor ``plot``'s legend at the corner its ``curves`` cross least (``current`` unless another is
    strictly better); returns that corner. Nothing moves before the plot has a size."""
    legend = plot.legend
    if legend is None or plot.getViewBox().width() <= 1 or not curves:
        return current
    counts = {c: crossings(curves, box_in_data(plot, legend, c)) for c in CORNERS}
    current = min(CORNERS, key=lambda c: (counts[c], c != current))  # a tie keeps it where it is
    anchor(legend, current)
    return current
