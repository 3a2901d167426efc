"""Gradient health: per-layer gradient and weight norms over time, dead ReLU fraction, warning badge."""

from __future__ import annotations

import html

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from core.probes import gradient_warning
from studio.plots.colors import CLASS_COLORS
from studio.plots.native_paint import NativePaintPlotWidget
from studio.plots.redraw import Throttle
from studio.plots.run_series import GrowBuffer
from studio.plots.style import SpacedAxis, style_plot

_LAYER_COLORS = [tuple(int(c) for c in CLASS_COLORS[i]) for i in (1, 0, 2, 3, 4, 5, 6, 8, 9)]

class GradientHealth(QWidget):
    """Log-scale plot of each trainable layer's gradient norm (solid) and weight norm (dashed).

    ``add(x, names, grad_norms (L,), weight_norms (L,), dead_relu {layer: fraction})`` appends a
    sample at fractional epoch ``x``. A badge warns when gradients vanish or explode.
    """

    def __init__(self, parent: QWidget | None = None, vanish: float = 1e-6, explode: float = 1e3) -> None:
        super().__init__(parent)
        self.vanish, self.explode = vanish, explode
        lay = QVBoxLayout(self)
        lay.setContentsMargins(2, 2, 2, 2)
        top = QHBoxLayout()
        self.badge = QLabel("")
        self.badge.setStyleSheet(
            "QLabel { background: #d62728; color: white; border-radius: 8px; padding: 2px 8px;"
            " font-weight: bold; }"
        )
        self.badge.setVisible(False)
        self.dead_label = QLabel("Dead ReLU units: –")
        self.dead_label.setToolTip(
            "Fraction of ReLU units that output 0 for every probe sample (they stopped "
            "learning: 'dying ReLU')"
        )
        top.addWidget(self.dead_label)
        top.addStretch(1)
        top.addWidget(self.badge)
        lay.addLayout(top)
        # the key sits above the plot: a legend inside it covered the curves
        self.key = QLabel("")
        self.key.setTextFormat(Qt.TextFormat.RichText)
        self.key.setWordWrap(True)
        lay.addWidget(self.key)
        self.pw = NativePaintPlotWidget(axisItems={"left": SpacedAxis("left")})
        self.plot = self.pw.getPlotItem()
        style_plot(self.pw)
        self.plot.setLogMode(y=True)
        self.plot.showGrid(x=False, y=False)  # grids cost ~20 ms per repaint
        self.plot.setLabel("left", "L2 norm")
        self.plot.getAxis("left").enableAutoSIPrefix(False)
        self.plot.setLabel("bottom", "epoch")
        # room above the axis: a whole decade at the top of the view ("10¹") was cut in half
        left, top, right, bottom = self.plot.layout.getContentsMargins()
        self.plot.layout.setContentsMargins(left, max(top, 8.0), right, bottom)
        lay.addWidget(self.pw, 1)
        self.names: list[str] = []
        self.grad_items: list[pg.PlotDataItem] = []
        self.weight_items: list[pg.PlotDataItem] = []
        self.grad_buf: list[GrowBuffer] = []
        self.weight_buf: list[GrowBuffer] = []
        self.warning: str | None = None
        self.dead_relu: dict[str, float] = {}
        self.redraw = Throttle(self._redraw, 0.5, self)

    def clear(self) -> None:
        """Forget all samples and layers."""
        for it in self.grad_items + self.weight_items:
            self.plot.removeItem(it)
        self.grad_items, self.weight_items, self.grad_buf, self.weight_buf, self.names = [], [], [], [], []
        self.key.setText("")
        self.badge.setVisible(False)
        self.warning = None
        self.dead_label.setText("Dead ReLU units: –")

    def _ensure_layers(self, names: list[str]) -> None:
        if names == self.names:
            return
        self.clear()
        self.names = list(names)
        for i in range(len(names)):
            c = _LAYER_COLORS[i % len(_LAYER_COLORS)]
            g = self.plot.plot([], [], pen=pg.mkPen(c, width=2))
            w = self.plot.plot([], [], pen=pg.mkPen(c, width=1.2, style=Qt.DashLine))
            for it in (g, w):
                it.setDownsampling(auto=True, method="peak")
                it.setClipToView(True)
            self.grad_items.append(g)
            self.weight_items.append(w)
            self.grad_buf.append(GrowBuffer(1024))
            self.weight_buf.append(GrowBuffer(1024))
        swatches = "  ".join(
            f"<span style='color: rgb{_LAYER_COLORS[i % len(_LAYER_COLORS)]}'>■</span>&nbsp;{html.escape(n)}"
            for i, n in enumerate(names)
        )
        self.key.setText(f"{swatches}  &nbsp;·&nbsp; solid: gradient ∇, dashed: weights W")

    def add(
        self,
        x: float,
        names: list[str],
        grad_norms: np.ndarray,
        weight_norms: np.ndarray,
        dead_relu: dict[str, float],
    ) -> None:
        """Append one sample and redraw. An empty ``dead_relu`` keeps the last fractions (snapshots
        carry them only a few times per second)."""
        self._ensure_layers(names)
        tiny = 1e-30  # log axis: keep zeros drawable
        for i in range(len(names)):
            self.grad_buf[i].extend(np.array([[x, max(float(grad_norms[i]), tiny)]]))
            self.weight_buf[i].extend(np.array([[x, max(float(weight_norms[i]), tiny)]]))
        if dead_relu:
            self.dead_relu = dict(dead_relu)
        self.warning = gradient_warning(np.asarray(grad_norms), self.vanish, self.explode)
        self.redraw.request()

    def _redraw(self) -> None:
        for i in range(len(self.names)):
            gv, wv = self.grad_buf[i].view(), self.weight_buf[i].view()
            self.grad_items[i].setData(gv[:, 0].copy(), gv[:, 1].copy())
            self.weight_items[i].setData(wv[:, 0].copy(), wv[:, 1].copy())
        dead_relu = self.dead_relu
        if dead_relu:
            parts = [f"{k} {100 * v:.0f}%" for k, v in dead_relu.items()]
            worst = max(dead_relu.values())
            self._set_label(
                "Dead ReLU units: " + ", ".join(parts),
                "color: #d62728; font-weight: bold;" if worst >= 0.5 else "",
            )
        elif self.names:
            self._set_label("Dead ReLU units: no ReLU layers", "")
        badge = "⚠ " + self.warning if self.warning else ""
        if badge != self.badge.text():
            self.badge.setText(badge)
        if self.badge.isVisibleTo(self) != (self.warning is not None):
            self.badge.setVisible(self.warning is not None)

    def _set_label(self, text: str, style: str) -> None:
        # only on change: a style sheet or text change re-polishes and relayouts the dock
        if text != self.dead_label.text():
            self.dead_label.setText(text)
        if style != self.dead_label.styleSheet():
            self.dead_label.setStyleSheet(style)
