"""Plot colours that follow the Studio theme (light or dark), for every pyqtgraph widget we create."""

from __future__ import annotations

from typing import Any

import pyqtgraph as pg


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
