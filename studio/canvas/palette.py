"""The layer palette: a list of layer types that can be dragged onto the canvas or double-clicked."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QByteArray, QMimeData, QSize, Qt, Signal
from PySide6.QtWidgets import QAbstractItemView, QListWidget, QListWidgetItem, QWidget

from core.graph import KIND_LABELS
from studio import theme
from studio.canvas.view import LAYER_MIME

PALETTE_ENTRIES: tuple[tuple[str, str], ...] = (
    ("input", "Feeds the data's features into the network (one per network)."),
    ("dense", "Fully connected hidden layer: every unit sees every input, then an activation."),
    ("dropout", "Randomly zeroes a fraction of activations while training, to regularize."),
    ("activation", "Applies a non-linearity elementwise, without weights."),
    ("prelu", "Leaky ReLU with a learnable slope per unit for negative inputs."),
    ("output", "The prediction layer; units and activation follow the data unless set."),
)


def layer_mime(kind: str) -> QMimeData:
    """The drag payload for a layer kind (the same one the palette creates for mouse drags)."""
    mime = QMimeData()
    mime.setData(LAYER_MIME, QByteArray(kind.encode("utf-8")))
    mime.setText(kind)
    return mime


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
        for kind, desc in PALETTE_ENTRIES:
            item = QListWidgetItem(theme.icon(f"layer-{kind}"), KIND_LABELS[kind])
            item.setData(Qt.ItemDataRole.UserRole, kind)
            item.setToolTip(
                f"<b>{KIND_LABELS[kind]}</b><br>{desc}<br><i>Drag onto the canvas (onto a link to "
                "insert it there) or double-click to add it at the end of the chain.</i>"
            )
            item.setSizeHint(QSize(120, 40))
            self.addItem(item)
        self.itemActivated.connect(lambda it: self.append_requested.emit(it.data(Qt.ItemDataRole.UserRole)))
        self.setMinimumWidth(140)

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
