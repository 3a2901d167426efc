"""Plot colours that follow the Studio theme (light or dark), for every pyqtgraph widget we create."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGraphicsItem

#: Fewest pixels between two labels of a vertical axis (closer ones overlap).
LABEL_SPACING_PX = 24


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
    """An axis whose labels never overlap: linear ticks are thinned to one per ``LABEL_SPACING_PX``
    pixels, a log axis is labelled at whole decades only (as many as fit)."""

    def tickValues(self, minVal: float, maxVal: float, size: float):  # noqa: N802, N803
        lo, hi = sorted((minVal, maxVal))
        fit = max(size / LABEL_SPACING_PX, 1.0)
        if self.logMode:
            step = max(1, int(np.ceil(max(hi - lo, 1e-9) / fit)))
            first = int(np.ceil(lo / step)) * step
            return [(float(step), [float(v) for v in range(first, int(np.floor(hi)) + 1, step)])]
        levels = super().tickValues(minVal, maxVal, size)
        if not levels:
            return levels
        spacing, values = levels[0]
        need = len(values) / fit
        keep = next(k for k in (1, 2, 5, 10, 20, 50, 100, 10**9) if k >= need)  # nice steps: 0, 0.4, 0.8
        return [(spacing * keep, [v for v in values if round(v / spacing) % keep == 0])]


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
