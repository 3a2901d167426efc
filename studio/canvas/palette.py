"""The layer palette: a list of layer types that can be dragged onto the canvas or double-clicked."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QByteArray, QMimeData, QModelIndex, QPersistentModelIndex, QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QKeyEvent, QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QListWidget,
    QListWidgetItem,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from core.layer_kinds import KINDS
from studio import theme
from studio.canvas.view import LAYER_MIME

ITEM_W = 150  # two columns in the 320 px left column


def _subtitle(kind: object) -> str:
    return KINDS[kind].subtitle if kind in KINDS else ""


def layer_mime(kind: str) -> QMimeData:
    """The drag payload for a layer kind (the same one the palette creates for mouse drags)."""
    mime = QMimeData()
    mime.setData(LAYER_MIME, QByteArray(kind.encode("utf-8")))
    mime.setText(kind)
    return mime


class PaletteDelegate(QStyledItemDelegate):
    """Icon, bold layer name and a muted one-line subtitle."""

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:  # noqa: N802
        h = option.fontMetrics.height()
        return QSize(ITEM_W, int(h * 2 + 14))

    def paint(
        self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        th = theme.current()
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = QRect(option.rect).adjusted(3, 2, -3, -2)
        hovered = bool(option.state & QStyle.StateFlag.State_MouseOver)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        if hovered or selected:
            bg = QColor(th.selection)
            bg.setAlpha(40 if selected else 22)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(bg)
            painter.drawRoundedRect(rect, 6, 6)
        icon = index.data(Qt.ItemDataRole.DecorationRole)
        size = min(28, rect.height() - 8)
        icon_rect = QRect(rect.left() + 4, rect.center().y() - size // 2, size, size)
        if not option.state & QStyle.StateFlag.State_Enabled:
            painter.setOpacity(0.45)
        if icon is not None:
            icon.paint(painter, icon_rect)
        text_left = icon_rect.right() + 8
        fm_h = option.fontMetrics.height()
        title_rect = QRect(text_left, rect.center().y() - fm_h, rect.right() - text_left, fm_h)
        font = QFont(option.font)
        font.setBold(True)
        painter.setFont(font)
        painter.setPen(QColor(th.text) if option.state & QStyle.StateFlag.State_Enabled else QColor(th.muted))
        painter.drawText(
            title_rect,
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            str(index.data(Qt.ItemDataRole.DisplayRole)),
        )
        small = QFont(option.font)
        small.setPointSizeF(max(6.5, option.font.pointSizeF() * 0.85))
        painter.setFont(small)
        painter.setPen(QColor(th.muted))
        sub_rect = QRect(text_left, rect.center().y() + 1, rect.right() - text_left, fm_h)
        subtitle = painter.fontMetrics().elidedText(
            _subtitle(index.data(Qt.ItemDataRole.UserRole)), Qt.TextElideMode.ElideRight, sub_rect.width()
        )
        painter.drawText(sub_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, subtitle)
        painter.restore()


class LayerPalette(QListWidget):
    """Drag source of layer kinds; ``append_requested(kind)`` on double-click or Enter."""

    append_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setDragEnabled(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.setDefaultDropAction(Qt.DropAction.CopyAction)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setIconSize(QSize(28, 28))
        self.setSpacing(2)
        self.setUniformItemSizes(True)
        self.setWordWrap(True)
        for kind in KINDS.values():
            item = QListWidgetItem(theme.icon(kind.icon), kind.label)
            item.setData(Qt.ItemDataRole.UserRole, kind.key)
            item.setToolTip(
                f"<b>{kind.label}</b><br>{kind.description}<br><i>Drag onto the canvas (onto a link to "
                "insert it there) or double-click to add it at the end of the chain.</i>"
            )
            self.addItem(item)
        # double-click (not itemActivated: single-click activation platforms would add a layer on every drag)
        self.itemDoubleClicked.connect(
            lambda it: self.append_requested.emit(it.data(Qt.ItemDataRole.UserRole))
        )
        self.setMinimumWidth(150)
        # the kinds flow into as many columns as fit (two in the 320 px left column: three short rows)
        self.setFlow(QListWidget.Flow.LeftToRight)
        self.setWrapping(True)
        self.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.setItemDelegate(PaletteDelegate(self))
        self.setMouseTracking(True)
        self.setFrameShape(QListWidget.Shape.NoFrame)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        item = self.currentItem()
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and item is not None and self.isEnabled():
            self.append_requested.emit(item.data(Qt.ItemDataRole.UserRole))
            event.accept()
            return
        super().keyPressEvent(event)

    def kinds(self) -> list[str]:
        """Layer kinds in palette order."""
        return [self.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.count())]

    def mimeTypes(self) -> list[str]:  # noqa: N802
        return [LAYER_MIME]

    def mimeData(self, items: Sequence[QListWidgetItem]) -> QMimeData:  # noqa: N802
        kind = items[0].data(Qt.ItemDataRole.UserRole) if items else ""
        return layer_mime(kind)

    def supportedDragActions(self) -> Qt.DropAction:  # noqa: N802
        return Qt.DropAction.CopyAction
