"""Canvas items: a layer card with its neuron column and ports (links: :mod:`studio.canvas.links`).

Items are persistent: the scene updates their data (`LayerItem.set_data`) and they only repaint. A layer
shows every neuron up to :data:`MAX_NEURONS`; larger layers show the first few, a
"⋮" row and the last two, with the unit count in the header (:mod:`core.drawn_neurons`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QImage,
    QPainter,
    QPainterPath,
    QPen,
)
from PySide6.QtWidgets import QGraphicsItem, QGraphicsObject, QStyleOptionGraphicsItem, QWidget

from core.drawn_neurons import COMPACT_TOP, MAX_NEURONS, drawn_units
from core.graph import KIND_LABELS
from studio import theme

CARD_W = 120.0  # with core.graph.LAYER_SPACING: the default 4-layer network fits a ~500 px canvas
HEADER_H = 62.0
HEADER_PAD = 8.0
ROW_H = 19.0
NEURON_D = 14.0
PAD_B = 12.0
PORT_R = 6.0


def neuron_rows(units: int | None) -> list[int | None]:
    """Unit index shown in each row of the column (None = the "⋮" row); unknown units -> 3 placeholders."""
    if units is None or units < 1:
        return [-1, -1, -1]
    drawn: list[int | None] = list(drawn_units(units))
    return drawn if len(drawn) == units else [*drawn[:COMPACT_TOP], None, *drawn[COMPACT_TOP:]]


def format_count(n: int | None) -> str:
    """``12,345`` style count or ``?``."""
    return "?" if n is None else f"{n:,}"


class PortItem(QGraphicsItem):
    """A connection handle on the left ("in") or right ("out") edge of a layer card."""

    def __init__(self, layer: LayerItem, role: str) -> None:
        super().__init__(layer)
        self.layer = layer
        self.role = role
        self.hovered = False
        self.setAcceptHoverEvents(True)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setToolTip("Drag to another layer to connect" if role == "out" else "Drop a connection here")
        self.setZValue(2)

    def boundingRect(self) -> QRectF:  # noqa: N802
        r = PORT_R + 3
        return QRectF(-r, -r, 2 * r, 2 * r)

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        th = theme.current()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        col = th.color(self.layer.kind)
        painter.setPen(QPen(col, 2))
        painter.setBrush(col if self.hovered else QColor(th.card))
        r = PORT_R + (1.5 if self.hovered else 0)
        painter.drawEllipse(QPointF(0, 0), r, r)

    def hoverEnterEvent(self, event: Any) -> None:  # noqa: N802
        self.hovered = True
        self.update()

    def hoverLeaveEvent(self, event: Any) -> None:  # noqa: N802
        self.hovered = False
        self.update()

    def mousePressEvent(self, event: Any) -> None:  # noqa: N802
        scene = self.scene()
        if event.button() == Qt.MouseButton.LeftButton and hasattr(scene, "begin_connection"):
            scene.begin_connection(self, event.scenePos())
            event.accept()
        else:
            event.ignore()

    def scene_center(self) -> QPointF:
        """The port centre in scene coordinates."""
        return self.mapToScene(QPointF(0, 0))


class LayerItem(QGraphicsObject):
    """A rounded card for one node: coloured header (type, id, units, activation, params) and neurons."""

    def __init__(self, node_id: str, kind: str) -> None:
        super().__init__()
        self.node_id = node_id
        self.kind = kind
        self.config: dict[str, Any] = {}
        self.units: int | None = None
        self.params: int | None = None
        self.activation = ""
        self.severity: str | None = None  # "error" | "warning" | None
        self.problem_text = ""
        self.locked = False
        self.neuron_images: dict[int, QImage] = {}
        #: short per-neuron numbers (the Explain tab's z/a or dL/dz for one sample), keyed by unit index
        self.neuron_values: dict[int, str] = {}
        self.labels: list[str] = []
        #: what the neurons' numbers and pictures are in, when it needs saying (the output in target units)
        self.value_note = ""
        self.rows: list[int | None] = neuron_rows(None)
        self.setFlags(
            QGraphicsItem.GraphicsItemFlag.ItemIsMovable
            | QGraphicsItem.GraphicsItemFlag.ItemIsSelectable
            | QGraphicsItem.GraphicsItemFlag.ItemSendsGeometryChanges
        )
        self.setAcceptHoverEvents(True)
        self.setZValue(1)
        self.in_port = PortItem(self, "in") if kind != "input" else None
        self.out_port = PortItem(self, "out") if kind != "output" else None
        self._place_ports()

    # ------------------------------------------------------------------ data
    def set_data(
        self,
        config: dict[str, Any],
        units: int | None,
        params: int | None,
        activation: str,
        labels: Sequence[str] = (),
        value_note: str = "",
    ) -> None:
        """Update what the card shows; geometry changes when the neuron count does.

        ``labels`` name the units (feature names on the Input, class names on the Output); ``value_note``
        says what the neurons' values are in (the tooltip and the neuron preview show it)."""
        self.value_note = value_note
        self.labels = list(labels) if units is not None and len(labels) == units else []
        rows = neuron_rows(units)
        if rows != self.rows:
            self.prepareGeometryChange()
            self.rows = rows
            self._place_ports()
        self.config, self.units, self.params, self.activation = dict(config), units, params, activation
        self.setToolTip(self._tooltip())
        self.update()

    def set_problem(self, severity: str | None, text: str = "") -> None:
        """Mark the card with an error/warning outline and badge (None clears)."""
        if (severity, text) != (self.severity, self.problem_text):
            self.severity, self.problem_text = severity, text
            self.setToolTip(self._tooltip())
            self.update()

    def set_neuron_images(self, images: dict[int, QImage] | None) -> None:
        """Small per-neuron pictures (e.g. activation heatmaps over the input plane), keyed by unit index."""
        self.neuron_images = dict(images or {})
        self.update()

    def set_neuron_values(self, values: dict[int, str] | None) -> None:
        """Numbers written beside the neurons instead of their unit numbers (None clears)."""
        values = dict(values or {})
        if values != self.neuron_values:
            self.neuron_values = values
            self.update()

    def _tooltip(self) -> str:
        lines = [
            f"<b>{KIND_LABELS.get(self.kind, self.kind)}</b> · {self.node_id}",
            f"units: {format_count(self.units)}",
        ]
        if self.activation:
            lines.append(f"activation: {self.activation}")
        lines.append(f"trainable parameters: {format_count(self.params)}")
        if self.value_note:
            lines.append(self.value_note)
        if self.problem_text:
            lines.append(f"<span style='color:{theme.current().error}'>{self.problem_text}</span>")
        return "<br>".join(lines)

    # ------------------------------------------------------------------ geometry
    # The item origin is the left edge at the middle of the neuron column, so layers placed at the same
    # y line up their neurons (and ports) whatever their size; the card extends ``top()`` above it.
    def card_height(self) -> float:
        return HEADER_H + len(self.rows) * ROW_H + PAD_B

    def top(self) -> float:
        """Local y of the card's top edge (negative)."""
        return -(HEADER_H + len(self.rows) * ROW_H / 2)

    def card_rect(self) -> QRectF:
        """The card in local coordinates."""
        return QRectF(0, self.top(), CARD_W, self.card_height())

    def boundingRect(self) -> QRectF:  # noqa: N802
        return QRectF(-PORT_R - 4, self.top() - 12, CARD_W + 2 * PORT_R + 16, self.card_height() + 20)

    def shape(self) -> QPainterPath:
        path = QPainterPath()
        path.addRoundedRect(self.card_rect(), 10, 10)
        return path

    def _place_ports(self) -> None:
        if self.in_port is not None:
            self.in_port.setPos(0, 0)
        if self.out_port is not None:
            self.out_port.setPos(CARD_W, 0)

    def _card_neuron_center(self, row: int) -> QPointF:
        return QPointF(self._neuron_x(), HEADER_H + row * ROW_H + ROW_H / 2)

    def _neuron_x(self) -> float:
        # named units (features / classes) leave room for their names: input neurons sit right, output left
        if self.labels and self.kind == "input":
            return CARD_W - 22.0
        if self.labels and self.kind == "output":
            return 22.0
        return CARD_W / 2

    def neuron_center(self, row: int) -> QPointF:
        """Local centre of the neuron in ``row``."""
        c = self._card_neuron_center(row)
        return QPointF(c.x(), c.y() + self.top())

    def neuron_anchors(self, side: str) -> list[tuple[int, QPointF]]:
        """(unit index, scene point on the left/right edge of the neuron) for every drawn neuron."""
        dx = -NEURON_D / 2 if side == "in" else NEURON_D / 2
        out = []
        for row, unit in enumerate(self.rows):
            if unit is None:
                continue
            c = self.neuron_center(row)
            out.append((unit, self.mapToScene(QPointF(c.x() + dx, c.y()))))
        return out

    # ------------------------------------------------------------------ painting
    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        th = theme.current()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.translate(0, self.top())
        h = self.card_height()
        rect = QRectF(0, 0, CARD_W, h)
        accent = th.color(self.kind)
        # soft shadow
        for i, alpha in ((4, 10), (2, 18)):
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(0, 0, 0, alpha * (3 if th.dark else 1)))
            painter.drawRoundedRect(rect.translated(0, i), 11, 11)
        # card
        border = QColor(th.card_border)
        width = 1.0
        if self.severity == "error":
            border, width = QColor(th.error), 2.0
        elif self.severity == "warning":
            border, width = QColor(th.warning), 2.0
        if self.isSelected():
            border, width = QColor(th.selection), 2.5
        painter.setPen(QPen(border, width))
        painter.setBrush(QColor(th.card))
        painter.drawRoundedRect(rect, 10, 10)
        # header tint and accent stripe
        header = QPainterPath()
        header.addRoundedRect(QRectF(1, 1, CARD_W - 2, HEADER_H - 1), 9, 9)
        clip = QPainterPath()
        clip.addRect(QRectF(0, 0, CARD_W, HEADER_H))
        tint = QColor(accent)
        tint.setAlpha(40 if th.dark else 26)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(tint)
        painter.drawPath(header.intersected(clip))
        painter.setBrush(accent)
        stripe = QPainterPath()
        stripe.addRoundedRect(QRectF(1, 1, CARD_W - 2, 8), 4, 4)
        painter.drawPath(stripe.intersected(header))
        painter.setPen(QPen(QColor(th.card_border), 1))
        painter.drawLine(QPointF(8, HEADER_H), QPointF(CARD_W - 8, HEADER_H))
        self._paint_header(painter, th, accent)
        self._paint_neurons(painter, th, accent)
        if self.severity:
            self._paint_badge(painter, th)

    def _paint_header(self, painter: QPainter, th: theme.Theme, accent: QColor) -> None:
        text_w = CARD_W - 2 * HEADER_PAD
        left = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        right = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        font = QFont(painter.font())
        font.setPointSizeF(9.5)
        font.setBold(True)
        painter.setFont(font)
        painter.setPen(QColor(th.text))
        kind = KIND_LABELS.get(self.kind, self.kind)
        kind_w = painter.fontMetrics().horizontalAdvance(kind)
        painter.drawText(QRectF(HEADER_PAD, 12, text_w, 18), left, kind)
        font.setBold(False)
        font.setPointSizeF(7.5)
        painter.setFont(font)
        painter.setPen(QColor(th.muted))
        id_w = painter.fontMetrics().horizontalAdvance(self.node_id)
        # a long kind ("Activation") leaves no room for the id beside it: the id moves to the params line
        id_row = 12 if kind_w + 6 + id_w <= text_w else 44
        painter.drawText(QRectF(HEADER_PAD, id_row, text_w, 18 if id_row == 12 else 14), right, self.node_id)
        font.setPointSizeF(8.0)
        painter.setFont(font)
        painter.setPen(QColor(th.text))
        detail = painter.fontMetrics().elidedText(self._detail(), Qt.TextElideMode.ElideRight, int(text_w))
        painter.drawText(QRectF(HEADER_PAD, 30, text_w, 15), left, detail)
        painter.setPen(QColor(th.muted))
        params = f"{format_count(self.params)} params"
        painter.drawText(QRectF(HEADER_PAD, 44, text_w - (id_w + 6 if id_row == 44 else 0), 14), left, params)

    def _detail(self) -> str:
        units = f"{format_count(self.units)} unit{'s' if self.units != 1 else ''}"
        if self.kind == "dropout":
            return f"rate {self.config.get('rate', '?')} · {units}"  # rate first: narrow cards elide the end
        if self.kind in ("dense", "output", "activation") and self.activation:
            return f"{units} · {self.activation}"
        if self.kind == "input":
            return f"{format_count(self.units)} feature{'s' if self.units != 1 else ''}"
        return units

    def _paint_neurons(self, painter: QPainter, th: theme.Theme, accent: QColor) -> None:
        r = NEURON_D / 2
        fill = QColor(th.neuron)
        pen = QPen(QColor(th.neuron_border), 1.2)
        dashed = QPen(QColor(th.neuron_border), 1.2, Qt.PenStyle.DashLine)
        small = QFont(painter.font())
        small.setPointSizeF(7.0)
        for row, unit in enumerate(self.rows):
            c = self._card_neuron_center(row)
            if unit is None:
                painter.setPen(QColor(th.muted))
                painter.setFont(small)
                painter.drawText(
                    QRectF(0, c.y() - ROW_H / 2, CARD_W, ROW_H),
                    Qt.AlignmentFlag.AlignCenter,
                    f"⋮  {format_count(self.units)} units",
                )
                continue
            img = self.neuron_images.get(unit)
            if unit == -1:
                painter.setPen(dashed)
                painter.setBrush(Qt.BrushStyle.NoBrush)
                painter.drawEllipse(c, r, r)
                continue
            if img is not None and not img.isNull():
                clip = QPainterPath()
                clip.addEllipse(c, r + 2, r + 2)
                painter.save()
                painter.setClipPath(clip)
                painter.drawImage(QRectF(c.x() - r - 2, c.y() - r - 2, NEURON_D + 4, NEURON_D + 4), img)
                painter.restore()
                painter.setBrush(Qt.BrushStyle.NoBrush)
                painter.setPen(QPen(accent, 1.2))
                painter.drawEllipse(c, r + 2, r + 2)
            else:
                painter.setPen(pen)
                painter.setBrush(fill)
                painter.drawEllipse(c, r, r)
            if self.kind in ("input", "output") or len(self.rows) <= MAX_NEURONS:
                painter.setPen(QColor(th.muted))
                painter.setFont(small)
                align = Qt.AlignmentFlag.AlignLeft
                if self.labels and self.kind == "input":
                    label = QRectF(8, c.y() - 8, c.x() - r - 14, 16)
                    align = Qt.AlignmentFlag.AlignRight
                else:
                    label = QRectF(c.x() + r + 6, c.y() - 8, CARD_W - c.x() - r - 12, 16)
                name = self.labels[unit] if unit < len(self.labels) else str(unit + 1)
                value = self.neuron_values.get(unit)
                if value is not None:
                    name = f"{name} {value}" if self.labels else value
                    painter.setPen(QColor(th.text))
                name = painter.fontMetrics().elidedText(name, Qt.TextElideMode.ElideRight, int(label.width()))
                painter.drawText(label, align | Qt.AlignmentFlag.AlignVCenter, name)

    def _paint_badge(self, painter: QPainter, th: theme.Theme) -> None:
        col = QColor(th.error if self.severity == "error" else th.warning)
        c = QPointF(CARD_W - 2, 2)
        painter.setPen(QPen(QColor(th.card), 2))
        painter.setBrush(col)
        painter.drawEllipse(c, 9, 9)
        font = QFont(painter.font())
        font.setBold(True)
        font.setPointSizeF(9)
        painter.setFont(font)
        painter.setPen(QColor("#ffffff"))
        painter.drawText(QRectF(c.x() - 9, c.y() - 9, 18, 18), Qt.AlignmentFlag.AlignCenter, "!")

    # ------------------------------------------------------------------ interaction
    def itemChange(self, change: QGraphicsItem.GraphicsItemChange, value: Any) -> Any:  # noqa: N802
        if change == QGraphicsItem.GraphicsItemChange.ItemPositionHasChanged:
            scene = self.scene()
            if scene is not None and hasattr(scene, "layer_moved"):
                scene.layer_moved(self)
        return super().itemChange(change, value)

    def unit_at(self, local: QPointF) -> int | None:
        """The unit whose neuron circle is under ``local`` (item coordinates), or None."""
        for row, unit in enumerate(self.rows):
            if unit is None or unit < 0:
                continue
            c = self.neuron_center(row)
            if (local.x() - c.x()) ** 2 + (local.y() - c.y()) ** 2 <= (NEURON_D / 2 + 3) ** 2:
                return unit
        return None

    def hoverMoveEvent(self, event: Any) -> None:  # noqa: N802
        scene = self.scene()
        unit = self.unit_at(event.pos())
        if scene is not None and hasattr(scene, "neuron_hover"):
            scene.neuron_hover(self, unit, event.scenePos())
        super().hoverMoveEvent(event)

    def hoverLeaveEvent(self, event: Any) -> None:  # noqa: N802
        scene = self.scene()
        if scene is not None and hasattr(scene, "neuron_hover"):
            scene.neuron_hover(self, None, event.scenePos())
        super().hoverLeaveEvent(event)

    def mouseDoubleClickEvent(self, event: Any) -> None:  # noqa: N802
        scene = self.scene()
        if scene is not None and hasattr(scene, "layer_activated"):
            scene.layer_activated.emit(self.node_id)
        super().mouseDoubleClickEvent(event)


def brush(color: str) -> QBrush:
    """A solid brush of a hex colour."""
    return QBrush(QColor(color))
