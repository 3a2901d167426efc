"""Spin boxes and combo boxes that take the mouse wheel only when they have keyboard focus.

Qt's default lets the wheel both focus and change any spin box or combo box under the pointer, so
scrolling the Inspector past "Samples" changed it from 500 to 511. Every such box in the app is one of
these classes: ``Qt.StrongFocus`` (a wheel does not focus it), and a wheel event that reaches it
without focus is left unaccepted, so Qt passes it on to the scroll area around it.

They are subclasses rather than one application-wide event filter: such a filter is called, in
Python, for every event of every widget, including each repaint of the plots while training
(~16 times per frame), and each call took the GIL from the training thread.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QComboBox, QDoubleSpinBox, QSpinBox


class _WheelWhenFocused:
    """Mixin (listed first) for a spin box or combo box."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802 - Qt override
        if self.hasFocus():
            super().wheelEvent(event)
        else:
            event.ignore()  # not accepted: Qt propagates it to the parent (scrolling)


class SpinBox(_WheelWhenFocused, QSpinBox):
    """A ``QSpinBox`` that ignores the wheel unless focused."""


class DoubleSpinBox(_WheelWhenFocused, QDoubleSpinBox):
    """A ``QDoubleSpinBox`` that ignores the wheel unless focused."""


class ComboBox(_WheelWhenFocused, QComboBox):
    """A ``QComboBox`` that ignores the wheel unless focused."""
