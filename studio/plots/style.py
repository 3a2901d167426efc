"""Plot colours that follow the Studio theme (light or dark), for every pyqtgraph widget we create."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGraphicsItem

#: Pixels wanted between two labels of a vertical axis.
LABEL_SPACING_PX = 24
#: Fewest pixels between two labels (a label is ~11 px tall): a plot too short for two labels
#: ``LABEL_SPACING_PX`` apart labels more closely rather than show a single value and no scale. Nice
#: steps are at most 2x apart, so an axis of 4 * 12 = 48 px or more always gets two labels.
MIN_LABEL_SPACING_PX = 12
#: Mantissas of the "nice" steps between labels (..., 0.2, 0.4, 0.5, 1, 2, 4, 5, ...).
NICE_MANTISSAS = (1.0, 2.0, 4.0, 5.0)


def plot_palette() -> dict[str, Any]:
    """``background``, ``foreground`` (axes and text) and ``legend`` brush for the active theme."""
    try:
        from studio import theme

        th = theme.current()
        dark, bg, fg = th.dark, th.card, th.muted
    except Exception:  # no theme applied (plain widgets in tests)
        dark, bg, fg = False, "#ffffff", "#5b6270"
    legend = (42, 47, 58, 215) if dark else (255, 255, 255, 215)
    return {"dark": dark, "background": bg, "foreground": fg, "legend": legend}


def style_plot(widget: Any, plots: list[Any] | None = None) -> dict[str, Any]:
    """Give a PlotWidget/GraphicsLayoutWidget the theme's background and axis colours; returns the palette."""
    pal = plot_palette()
    widget.setBackground(pal["background"])
    items = plots if plots is not None else [widget.getPlotItem()]
    for item in items:
        for name in ("left", "bottom"):
            axis = item.getAxis(name)
            axis.setPen(pg.mkPen(pal["foreground"]))
            axis.setTextPen(pg.mkPen(pal["foreground"]))
    return pal


class SpacedAxis(pg.AxisItem):
    """An axis whose labels never overlap and read as a scale: linear ticks are a nice step
    (1, 2, 4 or 5 times a power of ten) about ``LABEL_SPACING_PX`` pixels apart, closer (down to
    ``MIN_LABEL_SPACING_PX``) when that leaves fewer than two labels; a log axis is labelled at whole
    decades only (as many as fit)."""

    def tickValues(self, minVal: float, maxVal: float, size: float):  # noqa: N802, N803
        lo, hi = sorted((minVal, maxVal))
        if self.logMode:
            fit = max(size / LABEL_SPACING_PX, 1.0)
            step = max(1, int(np.ceil(max(hi - lo, 1e-9) / fit)))
            first = int(np.ceil(lo / step)) * step
            return [(float(step), [float(v) for v in range(first, int(np.floor(hi)) + 1, step)])]
        if not (hi > lo and size > 0 and np.isfinite(hi - lo)):
            return []
        step = label_step(lo, hi, size)
        return [(step, [k * step for k in _multiples(lo, hi, step)])]


def _nice_steps(at_least: float) -> list[float]:
    """Nice steps >= ``at_least`` over the next two decades, ascending."""
    exp = int(np.floor(np.log10(at_least)))
    steps = (m * 10.0**e for e in range(exp, exp + 3) for m in NICE_MANTISSAS)
    return [s for s in steps if s >= at_least * (1 - 1e-9)]


def _multiples(lo: float, hi: float, step: float) -> range:
    """k for every multiple k * step in ``lo``..``hi`` (rounding error of k tolerated)."""
    return range(int(np.ceil(lo / step - 1e-9)), int(np.floor(hi / step + 1e-9)) + 1)


def label_step(lo: float, hi: float, size: float) -> float:
    """Step between the labels of a linear axis showing ``lo``..``hi`` over ``size`` pixels: the
    smallest nice step ``LABEL_SPACING_PX`` apart that labels two values, else the largest step at
    least ``MIN_LABEL_SPACING_PX`` apart that does, else (no room for two) the roundest one value."""
    per_px = (hi - lo) / size
    steps = _nice_steps(MIN_LABEL_SPACING_PX * per_px)
    counts = [len(_multiples(lo, hi, s)) for s in steps]
    two = [s for s, n in zip(steps, counts, strict=True) if n >= 2]  # a prefix: fewer as the step grows
    wide = (s for s in two if s >= LABEL_SPACING_PX * per_px * (1 - 1e-9))
    return next(wide, (two or [s for s, n in zip(steps, counts, strict=True) if n] or steps)[-1])


def cache_frame(plot: pg.PlotItem) -> None:
    """Keep the axes of ``plot`` as pixmaps and give its view box no paint of its own (without a
    border it draws nothing): a plot redrawn with every training frame then repaints its axes by a
    blit, without calling their Python ``paint`` (as long as the ranges stay)."""
    for name in ("left", "bottom"):
        plot.getAxis(name).setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
    vb = plot.getViewBox()
    if vb.border is None or vb.border.style() == Qt.PenStyle.NoPen:  # pyqtgraph's default: a NoPen border
        vb.setFlag(QGraphicsItem.GraphicsItemFlag.ItemHasNoContents)
    # the plot item and its layout only hold other items: Qt then skips their Python bounds and paint
    plot.setFlag(QGraphicsItem.GraphicsItemFlag.ItemHasNoContents)
    layout = plot.parentItem()
    if layout is not None:
        layout.setFlag(QGraphicsItem.GraphicsItemFlag.ItemHasNoContents)
