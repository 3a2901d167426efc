"""The canvas view: dotted background, wheel zoom, drag-to-pan, palette drops and an in-canvas message bar.

Palette drags carry :data:`LAYER_MIME` with the layer kind as UTF-8 text. `dragEnterEvent`/`dragMoveEvent`/
`dropEvent` are the only drop path (the mouse and the tests use the same one).
"""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtCore import QEvent, QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import (
    QColor,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QFont,
    QPainter,
    QPen,
    QPixmap,
    QWheelEvent,
)
from PySide6.QtWidgets import QFrame, QGraphicsView, QLabel, QToolTip, QVBoxLayout, QWidget

from core.graph import NODE_KINDS
from studio import theme
from studio.canvas.edge_hints import EdgeHints
from studio.canvas.scene import NetworkScene

LAYER_MIME = "application/x-ffstudio-layer"
MIN_ZOOM, MAX_ZOOM = 0.2, 4.0
#: Fit to view never shrinks below this: the card text stays readable, a wide network scrolls instead.
MIN_FIT_ZOOM = 0.8


class NetworkView(QGraphicsView):
    """Shows a :class:`NetworkScene`; accepts layer drops from the palette."""

    zoom_changed = Signal(float)
    edge_hints: EdgeHints | None = None  # set in __init__ (Qt may scroll the view before)

    def __init__(self, scene: NetworkScene, parent: QWidget | None = None) -> None:
        super().__init__(scene, parent)
        self.network_scene = scene
        self.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.SmartViewportUpdate)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setAcceptDrops(True)
        self.setFrameShape(QGraphicsView.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setToolTip("")
        self._banner = QLabel(self)  # child of the view, not the viewport: scrolling moves viewport children
        self._banner.setObjectName("canvasMessage")
        self._banner.setWordWrap(True)
        self._banner.hide()
        self._banner_timer = QTimer(self)
        self._banner_timer.setSingleShot(True)
        self._banner_timer.timeout.connect(self._banner.hide)
        self.lock_label = QLabel(self)
        self.lock_label.setObjectName("canvasLock")
        self.lock_label.hide()
        self.preview = QFrame(self)
        self.preview.setObjectName("neuronPreview")
        box = QVBoxLayout(self.preview)
        box.setContentsMargins(6, 6, 6, 6)
        box.setSpacing(4)
        self.preview_image = QLabel()
        self.preview_caption = QLabel()
        self.preview_caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
        box.addWidget(self.preview_image)
        box.addWidget(self.preview_caption)
        self.preview.hide()
        # a network wider than the view scrolls: buttons say how many layers lie beyond each edge
        self.edge_hints = EdgeHints(self)
        self.zoom_changed.connect(lambda _z: self.update_edge_hints())
        scene.message.connect(self.show_message)
        scene.neuron_hovered.connect(self._neuron_hovered)
        self._was_empty = not scene.items_by_id
        scene.changed.connect(self._repaint_if_emptiness_changed)
        scene.changed.connect(lambda _rects: self.update_edge_hints())

    # ------------------------------------------------------------------ zoom and pan
    def zoom(self) -> float:
        """Current scale factor (1.0 = 100 %)."""
        return self.transform().m11()

    def set_zoom(self, factor: float) -> None:
        """Scale to ``factor`` (clamped to 20 %..400 %)."""
        factor = max(MIN_ZOOM, min(MAX_ZOOM, factor))
        s = factor / self.zoom()
        self.scale(s, s)
        self.zoom_changed.emit(self.zoom())

    def zoom_in(self) -> None:
        self.set_zoom(self.zoom() * 1.25)

    def zoom_out(self) -> None:
        self.set_zoom(self.zoom() / 1.25)

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802
        steps = event.angleDelta().y() / 120.0
        if steps:
            self.set_zoom(self.zoom() * (1.15**steps))
        event.accept()

    def fit_to_view(self) -> None:
        """Show all layers with a margin, zooming between 80 % and 100 %.

        A network wider than the view at 80 % is shown from its input side and scrolls (the text of
        a card at 64 % is too small to read).
        """
        items = list(self.network_scene.items_by_id.values())
        if not items:
            self.resetTransform()
            self.centerOn(QPointF(300, 150))
            self.zoom_changed.emit(1.0)
            return
        rect = QRectF()
        for it in items:
            rect = rect.united(it.sceneBoundingRect())
        rect = rect.adjusted(-14, -30, 14, 30)
        self.fitInView(rect, Qt.AspectRatioMode.KeepAspectRatio)
        if self.zoom() > 1.0:
            self.set_zoom(1.0)
        center = rect.center()
        if self.zoom() < MIN_FIT_ZOOM:
            self.set_zoom(MIN_FIT_ZOOM)
            half_w = self.viewport().width() / MIN_FIT_ZOOM / 2
            half_h = self.viewport().height() / MIN_FIT_ZOOM / 2
            center = QPointF(min(rect.left() + half_w, center.x()), min(rect.top() + half_h, center.y()))
        self.zoom_changed.emit(self.zoom())
        self.centerOn(center)

    def mousePressEvent(self, event: Any) -> None:  # noqa: N802
        # Shift/Ctrl + drag on the background = rubber-band selection; plain drag pans.
        on_item = self.itemAt(event.position().toPoint()) is not None
        mods = event.modifiers()
        if not on_item and mods & (Qt.KeyboardModifier.ShiftModifier | Qt.KeyboardModifier.ControlModifier):
            self.setDragMode(QGraphicsView.DragMode.RubberBandDrag)
        elif on_item:
            self.setDragMode(QGraphicsView.DragMode.NoDrag)
        super().mousePressEvent(event)

    def mouseReleaseEvent(self, event: Any) -> None:  # noqa: N802
        super().mouseReleaseEvent(event)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)

    def keyPressEvent(self, event: Any) -> None:  # noqa: N802
        """Esc cancels a connection drag or clears the selection; arrow keys nudge the selected layers."""
        scene = self.network_scene
        key = event.key()
        if key == Qt.Key.Key_Escape:
            if scene.connecting():
                scene.cancel_connection()
            else:
                scene.clearSelection()
            event.accept()
            return
        steps = {
            Qt.Key.Key_Left: (-1, 0),
            Qt.Key.Key_Right: (1, 0),
            Qt.Key.Key_Up: (0, -1),
            Qt.Key.Key_Down: (0, 1),
        }
        if key in steps and scene.selected_ids():
            dist = 1.0 if event.modifiers() & Qt.KeyboardModifier.ShiftModifier else 10.0
            dx, dy = steps[key]
            g = scene.document.graph
            moved = {
                n: (g.nodes[n].pos[0] + dx * dist, g.nodes[n].pos[1] + dy * dist)
                for n in scene.selected_ids()
            }
            scene.document.move_nodes(moved)
            event.accept()
            return
        super().keyPressEvent(event)

    # ------------------------------------------------------------------ drag and drop
    @staticmethod
    def kind_from_mime(mime: Any) -> str | None:
        """The layer kind a drag carries, or None."""
        if mime is None or not mime.hasFormat(LAYER_MIME):
            return None
        kind = bytes(mime.data(LAYER_MIME).data()).decode("utf-8", "replace").strip()
        return kind if kind in NODE_KINDS else None

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802
        if self.kind_from_mime(event.mimeData()):
            event.setDropAction(Qt.DropAction.CopyAction)
            event.accept()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:  # noqa: N802
        kind = self.kind_from_mime(event.mimeData())
        if kind:
            pos = self.mapToScene(event.position().toPoint())
            self.network_scene.set_insert_hint(pos if kind not in ("input", "output") else None)
            event.setDropAction(Qt.DropAction.CopyAction)
            event.accept()
        else:
            event.ignore()

    def dragLeaveEvent(self, event: Any) -> None:  # noqa: N802
        self.network_scene.set_insert_hint(None)
        event.accept()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802
        kind = self.kind_from_mime(event.mimeData())
        self.network_scene.set_insert_hint(None)
        if not kind:
            event.ignore()
            return
        pos = self.mapToScene(event.position().toPoint())
        self.network_scene.drop_layer(kind, pos)
        event.setDropAction(Qt.DropAction.CopyAction)
        event.accept()

    # ------------------------------------------------------------------ messages and lock banner
    def show_message(self, text: str, severity: str = "info", msec: int = 4000) -> None:
        """A short message at the top of the canvas (refused edits, hints); hides itself after ``msec``
        (0: stays until :meth:`clear_message` or the next message)."""
        th = theme.current()
        col = {"error": th.error, "warning": th.warning}.get(severity, th.selection)
        self._banner.setStyleSheet(
            f"QLabel#canvasMessage {{ background: {th.card}; color: {th.text}; border: 1px solid {col};"
            f" border-left: 5px solid {col}; border-radius: 6px; padding: 8px 12px; }}"
        )
        self._banner.setText(text)
        self._place_overlays()
        self._banner.show()
        self._banner.raise_()
        if msec > 0:
            self._banner_timer.start(msec)
        else:
            self._banner_timer.stop()

    def clear_message(self) -> None:
        """Hide the canvas message now."""
        self._banner_timer.stop()
        self._banner.hide()

    def message_text(self) -> str:
        """The message currently shown ("" when none)."""
        return self._banner.text() if self._banner.isVisible() else ""

    def set_locked(self, locked: bool, reason: str = "") -> None:
        """Show or hide the "structure locked" banner."""
        th = theme.current()
        self.lock_label.setStyleSheet(
            f"QLabel#canvasLock {{ background: {th.warning}; color: #1f2430; border-radius: 11px;"
            " padding: 3px 12px; font-weight: 600; }"
        )
        lock = (theme.ICONS / "lock-dark.svg").as_posix()
        self.lock_label.setText(
            f"<img src='{lock}' width='14' height='14' style='vertical-align: middle'>&nbsp; "
            f"{html.escape(reason or 'Structure locked')}"
        )
        self.lock_label.setVisible(locked)
        self._place_overlays()

    def _place_overlays(self) -> None:
        vp = self.viewport().geometry()
        w = vp.width()
        bw = min(520, max(200, w - 40))
        self._banner.setFixedWidth(bw)
        self._banner.adjustSize()
        self._banner.move(vp.left() + (w - bw) // 2, vp.top() + 14)
        self._banner.raise_()
        self.lock_label.adjustSize()
        self.lock_label.move(
            vp.right() - self.lock_label.width() - 12, vp.bottom() - self.lock_label.height() - 12
        )
        self.lock_label.raise_()
        self.update_edge_hints()

    def viewportEvent(self, event: QEvent) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.ToolTip and self.preview.isVisible():
            QToolTip.hideText()  # the layer's tooltip would cover half the large neuron preview
            event.ignore()
            return True
        handled = super().viewportEvent(event)
        if event.type() in (QEvent.Type.Resize, QEvent.Type.Show):
            self._place_overlays()  # the viewport can change size without the view being resized
        return handled

    def resizeEvent(self, event: Any) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._place_overlays()

    def update_edge_hints(self) -> None:
        """Show or hide the "N more layers" buttons for the current scroll and zoom."""
        if self.edge_hints is not None:
            self.edge_hints.update()

    def scrollContentsBy(self, dx: int, dy: int) -> None:  # noqa: N802
        super().scrollContentsBy(dx, dy)
        self.update_edge_hints()

    # ------------------------------------------------------------------ neuron preview
    def _neuron_hovered(self, node_id: str, unit: int, scene_pos: QPointF) -> None:
        """Large view of a neuron's picture (e.g. its activation over the input plane) while hovered."""
        item = self.network_scene.items_by_id.get(node_id)
        img = item.neuron_images.get(unit) if item is not None and unit >= 0 else None
        if img is None or img.isNull():
            self.preview.hide()
            return
        th = theme.current()
        size = 150
        pix = QPixmap.fromImage(img).scaled(
            size, size, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
        )
        self.preview.setStyleSheet(
            f"QFrame#neuronPreview {{ background: {th.card}; border: 1px solid {th.card_border};"
            f" border-radius: 6px; }} QFrame#neuronPreview QLabel {{ color: {th.text}; border: none; }}"
        )
        self.preview_image.setPixmap(pix)
        names = item.labels if item is not None else []
        name = f" ({names[unit]})" if unit < len(names) else ""
        note = f"<br>{html.escape(item.value_note)}" if item is not None and item.value_note else ""
        self.preview_caption.setText(
            f"<b>{html.escape(node_id)}</b> · unit {unit + 1}{html.escape(name)}{note}")
        self.preview.adjustSize()
        p = self.mapFromScene(scene_pos) + self.viewport().pos()
        x = (
            p.x() + 18
            if p.x() + 18 + self.preview.width() < self.width()
            else p.x() - 18 - self.preview.width()
        )
        y = max(4, min(p.y() - self.preview.height() // 2, self.height() - self.preview.height() - 4))
        self.preview.move(x, y)
        self.preview.show()
        self.preview.raise_()

    def _repaint_if_emptiness_changed(self, _rects: object = None) -> None:
        """The "Start a network" placeholder is painted over the whole viewport: when the first layer
        arrives (or the last goes) repaint all of it, not only the changed rectangles."""
        empty = not self.network_scene.items_by_id
        if empty != self._was_empty:
            self._was_empty = empty
            self.viewport().update()

    def placeholder_shown(self) -> bool:
        """True when the next paint draws the "Start a network" placeholder (no layers)."""
        return not self.network_scene.items_by_id

    def preview_visible(self) -> bool:
        """True while a neuron preview is shown."""
        return self.preview.isVisible()

    # ------------------------------------------------------------------ background
    def drawBackground(self, painter: QPainter, rect: QRectF) -> None:  # noqa: N802
        th = theme.current()
        painter.fillRect(rect, QColor(th.canvas))
        step = 24.0
        if self.zoom() < 0.45:
            step = 96.0
        pen = QPen(QColor(th.grid), 2.0 / max(self.zoom(), 0.3))
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        painter.setPen(pen)
        left = int(rect.left() // step) * step
        top = int(rect.top() // step) * step
        pts = []
        x = left
        while x < rect.right():
            y = top
            while y < rect.bottom():
                pts.append(QPointF(x, y))
                y += step
            x += step
        if len(pts) < 40000:
            painter.drawPoints(pts)

    def drawForeground(self, painter: QPainter, rect: QRectF) -> None:  # noqa: N802
        if self.network_scene.items_by_id:
            return
        th = theme.current()
        painter.save()
        painter.resetTransform()
        vp = QRectF(self.viewport().rect())
        font = QFont(self.font())
        font.setPointSizeF(font.pointSizeF() * 1.5)
        font.setBold(True)
        painter.setFont(font)
        painter.setPen(QColor(th.muted))
        painter.drawText(vp.adjusted(0, -40, 0, -40), Qt.AlignmentFlag.AlignCenter, "Start a network")
        font.setBold(False)
        font.setPointSizeF(font.pointSizeF() / 1.5)
        painter.setFont(font)
        painter.drawText(
            vp.adjusted(40, 20, -40, 20),
            Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
            "Drag Input, Dense and Output layers from the palette onto the canvas,\n"
            "or pick a template from File ▸ New (Ctrl+N).",
        )
        painter.restore()
