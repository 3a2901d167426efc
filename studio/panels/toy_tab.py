"""The Data panel's Toy 2D tab: the toy sets as clickable thumbnails; samples, noise, classes and seed."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import (
    QButtonGroup,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QSlider,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from core import limits
from studio.panels.data_sources import THUMB, toy_thumbnail
from studio.wheel_guard import SpinBox


class ToyTab(QWidget):
    """Thumbnails of the toy sets and their settings; ``toy_clicked(name)`` when a thumbnail is clicked."""

    toy_clicked = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        from core.datasets.toy import TOY_NAMES

        super().__init__(parent)
        v = QVBoxLayout(self)
        grid = QGridLayout()
        grid.setSpacing(4)
        self.toy_group = QButtonGroup(self)
        self.toy_group.setExclusive(True)
        self.toy_buttons: dict[str, QToolButton] = {}
        for i, name in enumerate(TOY_NAMES):
            b = QToolButton()
            b.setCheckable(True)
            b.setIcon(QIcon(toy_thumbnail(name)))
            b.setIconSize(QSize(THUMB, THUMB))
            b.setText(name)
            b.setToolButtonStyle(Qt.ToolButtonTextUnderIcon)
            b.setToolTip(f"Use the '{name}' toy data set")
            b.setObjectName(f"toy_{name}")
            b.clicked.connect(lambda _c=False, n=name: self.toy_clicked.emit(n))
            self.toy_group.addButton(b)
            self.toy_buttons[name] = b
            grid.addWidget(b, i // 3, i % 3)  # 3 x 3: fits the 320 px Inspector
        v.addLayout(grid)
        form = QFormLayout()
        self.samples_spin = SpinBox()
        self.samples_spin.setRange(0, limits.TOY_SAMPLES)  # 0: only the points drawn by hand
        self.samples_spin.setValue(500)
        self.samples_spin.setToolTip("Number of generated points (train + test)")
        self.noise_slider = QSlider(Qt.Horizontal)
        self.noise_slider.setRange(0, 100)
        self.noise_slider.setValue(10)
        self.noise_slider.setToolTip("Noise added to the points, 0 to 100%")
        self.noise_label = QLabel("10%")
        self.noise_slider.valueChanged.connect(lambda v: self.noise_label.setText(f"{v}%"))
        nrow = QHBoxLayout()
        nrow.addWidget(self.noise_slider, 1)
        nrow.addWidget(self.noise_label)
        self.classes_spin = SpinBox()
        self.classes_spin.setRange(3, 6)
        self.classes_spin.setValue(3)
        self.classes_spin.setToolTip("Number of blobs (classes) for the 'blobs' set")
        self.seed_spin = SpinBox()
        self.seed_spin.setRange(0, 2**31 - 1)
        self.seed_spin.setValue(1)
        self.seed_spin.setToolTip("Random seed: the same seed gives the same points")
        form.addRow("Samples", self.samples_spin)
        form.addRow("Noise", nrow)
        form.addRow("Classes (blobs)", self.classes_spin)
        form.addRow("Seed", self.seed_spin)
        v.addLayout(form)
        v.addStretch(1)
        self.toy_name = "spiral"
        self.toy_buttons["spiral"].setChecked(True)

    def choose(self, name: str) -> None:
        """Make ``name`` the chosen toy set (its thumbnail checked)."""
        self.toy_name = name
        self.toy_buttons[name].setChecked(True)

    def spec(self, test_fraction: float) -> dict[str, Any]:
        """The project ``data`` dict these controls describe."""
        spec: dict[str, Any] = {
            "source": "toy",
            "name": self.toy_name,
            "samples": self.samples_spin.value(),
            "noise": self.noise_slider.value() / 100.0,
            "test_fraction": test_fraction,
            "seed": self.seed_spin.value(),
        }
        if self.toy_name == "blobs":
            spec["classes"] = self.classes_spin.value()
        return spec

    def show_spec(self, spec: dict[str, Any]) -> None:
        """Show a toy ``data`` dict in the controls."""
        name = spec.get("name", "spiral")
        if name in self.toy_buttons:
            self.choose(name)
        self.samples_spin.setValue(int(spec.get("samples", 500)))
        self.noise_slider.setValue(int(round(100 * float(spec.get("noise", 0.0)))))
        self.seed_spin.setValue(int(spec.get("seed", 0) or 0))
        self.classes_spin.setValue(int(spec.get("classes", 3)))
