"""The Data panel's MNIST tab: the folder of the IDX files, how many training images, where they came from."""

from __future__ import annotations

import os
from typing import Any

from PySide6.QtWidgets import (
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from studio.dialog_folder import is_folder, user_folder
from studio.wheel_guard import SpinBox


class MnistTab(QWidget):
    """Folder (empty: the cache, a download or the bundled subset) and the number of training images."""

    def __init__(self, mnist_dir: str | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        form = QFormLayout(self)
        row = QHBoxLayout()
        self.mnist_path = QLineEdit(mnist_dir or os.environ.get("FFSTUDIO_MNIST_DIR", ""))
        self.mnist_path.setPlaceholderText("folder with the IDX .gz files (empty: cache, download or subset)")
        self.mnist_browse = QPushButton("Browse…")
        self.mnist_browse.clicked.connect(self._browse)
        row.addWidget(self.mnist_path, 1)
        row.addWidget(self.mnist_browse)
        self.mnist_subset = SpinBox()
        self.mnist_subset.setRange(0, 60000)
        self.mnist_subset.setSingleStep(1000)
        self.mnist_subset.setSpecialValueText("all")
        self.mnist_subset.setToolTip("Use only this many training images (0 = all)")
        self.mnist_source = QLabel("Source: folder above, then the cache, then a download (SHA-256 checked)")
        self.mnist_source.setWordWrap(True)
        form.addRow("Folder", row)
        form.addRow("Training images", self.mnist_subset)
        form.addRow(self.mnist_source)

    def _browse(self) -> None:
        current = self.mnist_path.text().strip()
        start = current if current and is_folder(current) else str(user_folder())
        path = QFileDialog.getExistingDirectory(self, "MNIST folder", start)
        if path:
            self.mnist_path.setText(path)

    def spec(self) -> dict[str, Any]:
        """The project ``data`` dict these controls describe."""
        spec: dict[str, Any] = {"source": "mnist"}
        if self.mnist_path.text().strip():
            spec["path"] = self.mnist_path.text().strip()
        if self.mnist_subset.value():
            spec["subset"] = self.mnist_subset.value()
        return spec

    def show_spec(self, spec: dict[str, Any]) -> None:
        """Show an MNIST ``data`` dict in the controls."""
        self.mnist_path.setText(str(spec.get("path", "")))
        self.mnist_subset.setValue(int(spec.get("subset", 0) or 0))
