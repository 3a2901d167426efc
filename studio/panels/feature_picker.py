"""Tick boxes for the Input layer's feature inputs (TensorFlow Playground's x1², x1·x2, sin(x1), ...).

For 2-D data the choices are Playground's seven; for other data every numeric column, its square and
sine, and (up to five columns) their pairwise products. ``changed(list | None)`` reports the ticked
features, None when they are just the data's columns (the project's default, no ``features`` key).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QGridLayout, QWidget

from core.features import PLAYGROUND

MAX_PRODUCT_COLUMNS = 5


def candidates(names: Sequence[str]) -> list[str]:
    """The features offered for data columns ``names`` (one-hot ``column=value`` columns: only themselves)."""
    names = [str(n) for n in names]
    if names == ["x1", "x2"]:
        return list(PLAYGROUND)
    numeric = [n for n in names if "=" not in n and "*" not in n and "^" not in n]
    out = list(names) + [f"{n}^2" for n in numeric] + [f"sin({n})" for n in numeric]
    if len(numeric) <= MAX_PRODUCT_COLUMNS:
        out += [f"{a}*{b}" for k, a in enumerate(numeric) for b in numeric[k + 1:]]
    return out


class FeaturePicker(QWidget):
    """A grid of tick boxes, one per offered feature."""

    changed = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.boxes: dict[str, QCheckBox] = {}
        self._columns: list[str] = []

    def set_state(self, columns: Sequence[str], chosen: Any) -> None:
        """Offer the features of data ``columns``; tick ``chosen`` (None: the columns themselves)."""
        self._columns = [str(c) for c in columns]
        picked = [str(f) for f in chosen] if isinstance(chosen, list) and chosen else list(self._columns)
        names = candidates(self._columns)
        names += [f for f in picked if f not in names]  # a hand-written feature stays visible
        if list(self.boxes) != names:
            for box in self.boxes.values():
                box.deleteLater()
            self.boxes = {}
            for k, name in enumerate(names):
                box = QCheckBox(name)
                box.toggled.connect(self._toggled)
                self.grid.addWidget(box, k // 2, k % 2)
                self.boxes[name] = box
        for name, box in self.boxes.items():
            box.blockSignals(True)
            box.setChecked(name in picked)
            box.blockSignals(False)

    def chosen(self) -> list[str] | None:
        """The ticked features in the offered order, None when they are exactly the data's columns."""
        ticked = [n for n, box in self.boxes.items() if box.isChecked()]
        return None if not ticked or ticked == self._columns else ticked

    def _toggled(self, _on: bool) -> None:
        self.changed.emit(self.chosen())
