"""A small popup on the canvas showing (and editing) the weight of one clicked link.

The scene emits ``link_clicked(src_id, dst_id, i, j, scene_pos)`` when a weighted link is clicked; the
training side (which owns the model) opens :class:`LinkWeightEditor` with the current value and writes
edits into the kernel when ``weight_edited`` arrives (only while no training step can run).
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from studio.wheel_guard import DoubleSpinBox


class LinkWeightEditor(QFrame):
    """``from neuron i of layer A → neuron j of layer B`` and ``w = …`` in a spin box.

    Neurons are numbered from 1 as on the canvas. Signal ``weight_edited(src, dst, i, j, value)``
    (0-based unit indices) after the user changes the value (Enter, arrows or leaving the field).
    """

    weight_edited = Signal(str, str, int, int, float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("linkWeightEditor")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        self.key: tuple[str, str, int, int] | None = None
        box = QVBoxLayout(self)
        box.setContentsMargins(10, 8, 8, 8)
        box.setSpacing(4)
        top = QHBoxLayout()
        self.caption = QLabel()
        top.addWidget(self.caption, 1)
        close = QToolButton()
        close.setText("✕")
        close.setAutoRaise(True)
        close.setToolTip("Close (Esc)")
        close.clicked.connect(self.hide)
        top.addWidget(close)
        box.addLayout(top)
        row = QHBoxLayout()
        row.addWidget(QLabel("w ="))
        self.spin = DoubleSpinBox()
        self.spin.setDecimals(4)
        self.spin.setRange(-1e6, 1e6)
        self.spin.setSingleStep(0.05)
        self.spin.setKeyboardTracking(False)  # one edit per Enter / arrow, not per typed digit
        self.spin.setToolTip("The weight of this link; Enter applies it to the network")
        self.spin.valueChanged.connect(self._edited)
        self.spin.setMinimumWidth(120)
        row.addWidget(self.spin)
        row.addStretch(1)
        box.addLayout(row)
        self.note = QLabel()
        self.note.setObjectName("muted")
        self.note.setWordWrap(True)
        box.addWidget(self.note)
        self.hide()

    def open_at(
        self,
        src: str,
        dst: str,
        i: int,
        j: int,
        value: float,
        pos: QPoint,
        editable: bool = True,
        reason: str = "",
    ) -> None:
        """Show the weight of ``src`` unit ``i`` → ``dst`` unit ``j`` near ``pos`` (parent coordinates)."""
        self.key = (src, dst, i, j)
        self.caption.setText(f"from neuron {i + 1} of {src} → neuron {j + 1} of {dst}:")
        self.set_value(value)
        self.set_editable(editable, reason)
        self.adjustSize()
        parent = self.parentWidget()
        x, y = pos.x() + 12, pos.y() + 12
        if parent is not None:
            x = max(4, min(x, parent.width() - self.width() - 4))
            y = max(4, min(y, parent.height() - self.height() - 4))
        self.move(x, y)
        self.show()
        self.raise_()
        if editable:
            self.spin.setFocus()
            self.spin.selectAll()

    def text(self) -> str:
        """``from neuron i of A → neuron j of B: w = 0.1234`` (what the popup shows)."""
        return f"{self.caption.text()} w = {self.spin.value():.4f}"

    def set_value(self, value: float) -> None:
        """Show ``value`` without emitting ``weight_edited``."""
        self.spin.blockSignals(True)
        self.spin.setValue(float(value))
        self.spin.blockSignals(False)

    def set_editable(self, editable: bool, reason: str = "") -> None:
        """Read-only (with ``reason``) while training runs."""
        self.spin.setReadOnly(not editable)
        self.note.setText("" if editable else reason)
        self.note.setVisible(not editable and bool(reason))
        self.adjustSize()

    def keyPressEvent(self, event) -> None:  # noqa: N802
        if event.key() == Qt.Key.Key_Escape:
            self.hide()
            return
        super().keyPressEvent(event)

    def _edited(self, value: float) -> None:
        if self.key is not None and not self.spin.isReadOnly():
            self.weight_edited.emit(*self.key, float(value))
