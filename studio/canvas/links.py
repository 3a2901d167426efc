"""The links between two layers on the canvas: every neuron-to-neuron line, drawn as one item.

Persistent like the layer cards: the scene updates `LinkItem.set_weights` and the item only repaints.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPainterPathStroker, QPen, QPolygonF
from PySide6.QtWidgets import QGraphicsItem, QGraphicsObject, QStyleOptionGraphicsItem, QWidget

from core.layer_kinds import KINDS
from studio import theme
from studio.canvas.items import LayerItem, format_count


class LinkItem(QGraphicsObject):
    """All neuron-to-neuron lines between two connected layers, drawn as one item.

    ``dense`` links connect every drawn neuron pair (kernel ``(src_units, dst_units)``); ``elementwise``
    links (into layers that keep their input's width: Dropout, Activation, ...) connect neuron i to
    neuron i. Before weights exist the lines are thin grey; `set_weights` colours them by sign (blue > 0,
    orange < 0) and sets width by |w|.
    """

    def __init__(self, src: LayerItem, dst: LayerItem) -> None:
        super().__init__()
        self.src, self.dst = src, dst
        self.weights: np.ndarray | None = None
        self.hovered = False
        self.insert_hint = False
        self.setZValue(0)
        self.setAcceptHoverEvents(True)
        self.setFlags(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable)
        self._rect = QRectF()
        self._shape = QPainterPath()
        # paint() runs on every repaint of the canvas (1 Hz while training, on hover, ...): the lines
        # are cached per geometry and the (pen, lines) buckets per weight update
        self._pairs: list[tuple[int, int, QPointF, QPointF]] | None = None
        self._lines: list[Any] = []
        self._plan: list[tuple[QPen, list[Any]]] | None = None
        self._plan_theme: object = None
        self.refresh_geometry()

    @property
    def key(self) -> tuple[str, str]:
        return (self.src.node_id, self.dst.node_id)

    @property
    def elementwise(self) -> bool:
        return KINDS[self.dst.kind].width == "same"

    def set_weights(self, kernel: np.ndarray | None) -> None:
        """Kernel shaped (src_units, dst_units) or None for grey links; repaints only."""
        self.weights = None if kernel is None else np.asarray(kernel)
        self._plan = None
        self.update()

    def refresh_geometry(self) -> None:
        """Recompute bounds after either card moved or resized."""
        self.prepareGeometryChange()
        self._pairs, self._plan = None, None
        a = self.src.neuron_anchors("out")
        b = self.dst.neuron_anchors("in")
        pts = [p for _, p in a + b]
        if self.src.out_port is not None:
            pts.append(self.src.out_port.scene_center())
        if self.dst.in_port is not None:
            pts.append(self.dst.in_port.scene_center())
        poly = QPolygonF(pts)
        self._rect = poly.boundingRect().adjusted(-6, -6, 6, 6)
        hull = QPainterPath()
        if a and b:
            hull.moveTo(a[0][1])
            hull.lineTo(b[0][1])
            hull.lineTo(b[-1][1])
            hull.lineTo(a[-1][1])
            hull.closeSubpath()
        stroker = QPainterPathStroker()
        stroker.setWidth(16)
        self._shape = stroker.createStroke(hull).united(hull)
        self.update()

    def _tooltip(self) -> str:
        a, b = self.src.node_id, self.dst.node_id
        if self.elementwise:
            return f"{a} → {b}: unit i feeds unit i (no weights).<br><i>Drop a layer here to insert it.</i>"
        shape = f"{format_count(self.src.units)} × {format_count(self.dst.units)}"
        text = f"{a} → {b}: kernel {shape}"
        if self.weights is not None and self.weights.size:
            w = self.weights
            text += f"<br>|w| mean {float(np.mean(np.abs(w))):.3g}, max {float(np.max(np.abs(w))):.3g}"
            text += "<br>blue: w > 0, orange: w < 0; thickness ∝ |w|"
            text += "<br>Click a line to see and edit its weight."
        return text + "<br><i>Drop a layer here to insert it; select and press Delete to disconnect.</i>"

    def boundingRect(self) -> QRectF:  # noqa: N802
        return self._rect

    def shape(self) -> QPainterPath:
        return self._shape

    def pairs(self) -> list[tuple[int, int, QPointF, QPointF]]:
        """(src unit, dst unit, start, end) of every drawn line."""
        if self._pairs is None:
            a = self.src.neuron_anchors("out")
            b = self.dst.neuron_anchors("in")
            if self.elementwise:
                bmap = {u: p for u, p in b}
                self._pairs = [(u, u, p, bmap[u]) for u, p in a if u in bmap]
            else:
                self._pairs = [(i, j, p, q) for i, p in a for j, q in b]
            self._lines = [_line(p, q) for _, _, p, q in self._pairs]
        return self._pairs

    def _weight_plan(self, w: np.ndarray) -> list[tuple[QPen, list[Any]]]:
        """Lines grouped by pen: sign of w gives the colour, |w| / max |w| one of 7 widths and alphas."""
        pairs = self.pairs()
        i = np.fromiter((p[0] for p in pairs), dtype=np.intp, count=len(pairs))
        j = np.fromiter((p[1] for p in pairs), dtype=np.intp, count=len(pairs))
        inside = (i < w.shape[0]) & (j < w.shape[1])
        vals = np.zeros(len(pairs), dtype=np.float64)
        vals[inside] = w[i[inside], j[inside]]
        vmax = float(np.max(np.abs(vals))) if vals.size else 0.0
        vmax = vmax if vmax > 0 and math.isfinite(vmax) else 1.0
        levels = np.clip(np.round(np.abs(vals) / vmax * 6), 0, 6).astype(int)
        th = theme.current()
        plan = []
        for sign_col, mask in ((th.positive, vals >= 0), (th.negative, vals < 0)):
            for lvl in range(7):
                sel = np.nonzero(mask & (levels == lvl))[0]
                if sel.size:
                    col = QColor(sign_col)
                    col.setAlpha(int(70 + 185 * lvl / 6))
                    plan.append((QPen(col, 0.4 + 0.6 * lvl), [self._lines[k] for k in sel]))
        return plan

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        th = theme.current()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.pairs()
        highlight = self.isSelected() or self.insert_hint
        w = self.weights
        if w is None or self.elementwise:
            col = QColor(th.selection if highlight else th.link)
            if not highlight:
                col.setAlpha(200)
            painter.setPen(QPen(col, 1.6 if highlight or self.hovered else 0.9))
            painter.drawLines(self._lines)
            return
        if self._plan is None or self._plan_theme is not th:
            self._plan, self._plan_theme = self._weight_plan(w), th
        for pen, lines in self._plan:
            painter.setPen(pen)
            painter.drawLines(lines)
        if highlight:
            painter.setPen(QPen(QColor(th.selection), 2, Qt.PenStyle.DashLine))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(self._rect.adjusted(4, 4, -4, -4))

    def pair_at(self, pos: QPointF, tolerance: float = 6.0) -> tuple[int, int] | None:
        """(src unit, dst unit) of the drawn line nearest to ``pos`` (scene coords) within ``tolerance``."""
        best, best_d = None, tolerance
        for i, j, p, q in self.pairs():
            dx, dy = q.x() - p.x(), q.y() - p.y()
            length2 = dx * dx + dy * dy
            t = 0.0 if length2 == 0 else ((pos.x() - p.x()) * dx + (pos.y() - p.y()) * dy) / length2
            t = min(max(t, 0.0), 1.0)
            d = math.hypot(p.x() + t * dx - pos.x(), p.y() + t * dy - pos.y())
            if d <= best_d:
                best, best_d = (i, j), d
        return best

    def mousePressEvent(self, event: Any) -> None:  # noqa: N802
        super().mousePressEvent(event)  # selection (Delete disconnects a selected link)
        scene = self.scene()
        left = event.button() == Qt.MouseButton.LeftButton
        if left and scene is not None and hasattr(scene, "link_pressed"):
            scene.link_pressed(self, event.scenePos())

    def hoverEnterEvent(self, event: Any) -> None:  # noqa: N802
        self.hovered = True
        self.setToolTip(self._tooltip())  # computed on hover only: weights change at 30 Hz while training
        self.update()

    def hoverLeaveEvent(self, event: Any) -> None:  # noqa: N802
        self.hovered = False
        self.update()


def _line(p: QPointF, q: QPointF) -> Any:
    from PySide6.QtCore import QLineF

    return QLineF(p, q)
