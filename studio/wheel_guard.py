"""Spin boxes and combo boxes take the mouse wheel only when they have keyboard focus.

Qt's default lets the wheel both focus and change any spin box or combo box under the pointer, so scrolling
the Inspector past "Samples" changed it from 500 to 511. One application-wide event filter fixes every such
widget, present and future: it gives them ``Qt.StrongFocus`` (a wheel no longer focuses them) and drops a
wheel event that reaches one without focus, marked ignored so Qt passes it on to the scroll area around it.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QAbstractSpinBox, QApplication, QComboBox

_GUARDED = (QAbstractSpinBox, QComboBox)
_WHEEL = QEvent.Type.Wheel
_POLISH = QEvent.Type.Polish


class WheelGuard(QObject):
    """Application event filter: wheel events go to a spin box / combo box only when it has focus."""

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        kind = event.type()
        if kind == _WHEEL:
            if isinstance(obj, _GUARDED) and not obj.hasFocus():
                event.ignore()  # not accepted: a real wheel event propagates to the parent (scrolling)
                return True
        elif kind == _POLISH and isinstance(obj, _GUARDED) and obj.focusPolicy() == Qt.FocusPolicy.WheelFocus:
            obj.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        return False


def install(app: QApplication) -> WheelGuard:
    """Install the guard on ``app`` once (later calls return the same filter)."""
    guard = app.findChild(WheelGuard)
    if guard is None:
        guard = WheelGuard(app)
        app.installEventFilter(guard)
        for widget in app.allWidgets():  # those polished before the guard existed
            if isinstance(widget, _GUARDED) and widget.focusPolicy() == Qt.FocusPolicy.WheelFocus:
                widget.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
    return guard
