"""Spin boxes and combo boxes ignore the mouse wheel unless focused, so scrolling a panel changes nothing."""

from __future__ import annotations

import ast
from pathlib import Path

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QLineEdit,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from studio.wheel_guard import ComboBox, DoubleSpinBox, SpinBox

STUDIO = Path(__file__).resolve().parents[2] / "studio"


def _wheel(widget: QWidget, notches: int = 1) -> bool:
    """Send a synthesized wheel event (``notches`` steps up) to the middle of ``widget``; True if accepted."""
    centre = QPointF(widget.width() / 2, widget.height() / 2)
    event = QWheelEvent(centre, QPointF(widget.mapToGlobal(centre.toPoint())), QPoint(0, 0),
                        QPoint(0, 120 * notches), Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier,
                        Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(widget, event)
    return event.isAccepted()


def _panel(qtbot):
    area = QScrollArea()
    inner = QWidget()
    lay = QVBoxLayout(inner)
    spin, dspin, combo = SpinBox(), DoubleSpinBox(), ComboBox()
    spin.setRange(0, 1000)
    spin.setValue(500)
    dspin.setValue(0.5)
    combo.addItems(["relu", "tanh", "sigmoid"])
    name = QLineEdit("holds the focus first")
    for w in (name, spin, dspin, combo):
        lay.addWidget(w)
    area.setWidget(inner)
    qtbot.addWidget(area)
    area.show()
    qtbot.waitExposed(area)
    area.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is area, timeout=5000)
    name.setFocus()
    qtbot.waitUntil(name.hasFocus, timeout=5000)
    return area, spin, dspin, combo


def test_unfocused_spin_and_combo_boxes_ignore_the_wheel(qtbot) -> None:
    _area, spin, dspin, combo = _panel(qtbot)
    assert not spin.hasFocus() and not combo.hasFocus()
    for w in (spin, dspin, combo):
        assert w.focusPolicy() == Qt.FocusPolicy.StrongFocus  # a wheel no longer focuses them
        assert _wheel(w, 3) is False  # left unaccepted, for the scroll area around it
    assert spin.value() == 500 and dspin.value() == 0.5 and combo.currentIndex() == 0


def test_focused_spin_and_combo_boxes_take_the_wheel(qtbot) -> None:
    _area, spin, dspin, combo = _panel(qtbot)
    spin.setFocus()
    qtbot.waitUntil(spin.hasFocus, timeout=5000)
    _wheel(spin, 1)
    assert spin.value() == 501
    combo.setFocus()
    qtbot.waitUntil(combo.hasFocus, timeout=5000)
    _wheel(combo, -1)  # wheel down: the next item
    assert combo.currentIndex() == 1
    assert spin.value() == 501  # the spin box lost focus: untouched
    _wheel(spin, 1)
    assert spin.value() == 501


def test_the_main_window_guards_its_spin_and_combo_boxes(qtbot, builder_window) -> None:
    boxes = builder_window.findChildren(QSpinBox) + builder_window.findChildren(QComboBox)
    assert len(boxes) >= 3
    assert all(b.focusPolicy() != Qt.FocusPolicy.WheelFocus for b in boxes)
    box = next(b for b in builder_window.findChildren(QSpinBox) if b.isEnabled()
               and b.value() < b.maximum() and not b.hasFocus())
    before = box.value()
    _wheel(box, 2)
    assert box.value() == before


def test_the_app_builds_no_unguarded_spin_or_combo_box() -> None:
    """Every spin box and combo box the app makes is a guarded one (the guard is not an application-wide
    event filter, which would run Python for every event of every widget, each plot repaint included)."""
    bare = {"QSpinBox", "QDoubleSpinBox", "QComboBox"}
    found = []
    for path in STUDIO.rglob("*.py"):
        if path.name == "wheel_guard.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in bare:
                found.append(f"{path.relative_to(STUDIO)}:{node.lineno} {node.func.id}()")
    assert found == []
