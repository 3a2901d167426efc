"""The File → Export… dialog (GUI side of ``core.export``).

``ExportDialog`` lets the user pick a format (each with a one-line explanation and the optional
extra it needs), a destination, and runs the export in the background (``studio.background``) so the
window stays responsive; it reports where the files went. The network is copied on the GUI thread when
Export is pressed, so training that continues afterwards cannot tear the exported weights.
The menu entries live in :mod:`studio.export_actions`.
"""

from __future__ import annotations

import html
import os
from collections.abc import Iterable, Mapping
from typing import Any

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from core.errors import ExportError
from core.export import FORMATS, export_model, extra_note
from core.files import check_destination
from core.installation import extra_hint
from studio.background import Task, run_in_background
from studio.model_copy import snapshot_model

FILE_FILTERS = {
    "npz": "NumPy weights (*.npz)",
    "safetensors": "safetensors weights (*.safetensors)",
    "onnx": "ONNX model (*.onnx)",
    "onnx_raw": "ONNX model (*.onnx)",
    "pytorch": "Python file (*.py)",
}


# ------------------------------------------------------------------------------------------ dialog
class ExportDialog(QDialog):
    """Choose a format and a destination; export off the GUI thread; say where the files went.

    Signals: ``exported(list[str])`` with the absolute paths written, ``failed(str)``.
    """

    exported = Signal(list)
    failed = Signal(str)

    def __init__(self, model: Any, preprocessing: Mapping[str, Any] | None = None,
                 training: Mapping[str, Any] | None = None, directory: str = "", name: str = "model",
                 parent: QWidget | None = None, protect: Iterable[str | None] = ()) -> None:
        """``protect``: files an export must never replace (the open project and its weights file)."""
        super().__init__(parent)
        self.protect = [os.path.abspath(p) for p in protect if p]
        self.setWindowTitle("Export network")
        self.setMinimumWidth(600)
        self.model = model
        self.preprocessing = dict(preprocessing or {})
        self.training = dict(training or {})
        self.directory = directory or os.getcwd()
        self.name = name or "model"
        self.paths: list[str] = []
        self.task: Task | None = None

        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Format:"))
        self.group = QButtonGroup(self)
        self.buttons: dict[str, QRadioButton] = {}
        for key, fmt in FORMATS.items():
            button = QRadioButton(fmt.label)
            missing = fmt.missing()
            note = extra_note(fmt)
            desc = QLabel(f"{html.escape(fmt.description)} <i>({html.escape(note)})</i>")
            desc.setWordWrap(True)
            desc.setContentsMargins(24, 0, 0, 6)
            if missing:
                button.setEnabled(False)
                button.setToolTip(f"Not installed: {', '.join(missing)}. Install with: {extra_hint()}")
                desc.setEnabled(False)
            self.group.addButton(button)
            self.buttons[key] = button
            layout.addWidget(button)
            layout.addWidget(desc)
        row = QHBoxLayout()
        row.addWidget(QLabel("Save to:"))
        self.path_edit = QLineEdit()
        row.addWidget(self.path_edit, 1)
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        row.addWidget(browse)
        layout.addLayout(row)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.status)
        self.box = QDialogButtonBox()
        self.export_button = self.box.addButton("Export", QDialogButtonBox.ButtonRole.AcceptRole)
        self.close_button = self.box.addButton(QDialogButtonBox.StandardButton.Close)
        self.export_button.clicked.connect(self.start_export)
        self.close_button.clicked.connect(self.reject)
        layout.addWidget(self.box)

        self.group.buttonToggled.connect(self._format_changed)
        first = next((k for k, b in self.buttons.items() if b.isEnabled()), "npz")
        self.buttons[first].setChecked(True)
        self._format_changed()

    # -- format / path -------------------------------------------------------------------------
    def current_format(self) -> str:
        """Key of the selected format (``npz``, ``safetensors``, ``onnx``, ``onnx_raw``, ``pytorch``)."""
        for key, button in self.buttons.items():
            if button.isChecked():
                return key
        return "npz"

    def set_format(self, key: str) -> None:
        self.buttons[key].setChecked(True)

    def default_path(self, key: str) -> str:
        stem = f"{self.name}_model" if key == "pytorch" else self.name
        path = os.path.join(self.directory, stem + FORMATS[key].suffix)
        if os.path.abspath(path) in self.protect:  # (project.npz is often the project's own weights file)
            path = os.path.join(self.directory, f"{stem}_export{FORMATS[key].suffix}")
        return path

    def _format_changed(self, *_: Any) -> None:
        key = self.current_format()
        current = self.path_edit.text().strip()
        if not current:
            self.path_edit.setText(self.default_path(key))
        else:
            base, ext = os.path.splitext(current)
            if ext.lower() in {f.suffix for f in FORMATS.values()}:
                if key == "pytorch" and not base.endswith("_model"):
                    base += "_model"
                elif key != "pytorch" and base.endswith("_model"):
                    base = base[: -len("_model")]
                self.path_edit.setText(base + FORMATS[key].suffix)
        self.status.setText("")

    def _browse(self) -> None:
        key = self.current_format()
        path, _ = QFileDialog.getSaveFileName(self, "Export to", self.path_edit.text(), FILE_FILTERS[key])
        if path:
            if not os.path.splitext(path)[1]:
                path += FORMATS[key].suffix
            self.path_edit.setText(path)

    # -- running -------------------------------------------------------------------------------
    def start_export(self) -> None:
        """Copy the network now and export the copy on a pool thread."""
        key = self.current_format()
        path = self.path_edit.text().strip()
        if not path:
            self._failed("choose where to save the file")
            return
        try:  # refused before anything runs: the open project's own files, a missing folder
            check_destination(path, f"{FORMATS[key].label} file", ExportError, self.protect)
        except ExportError as exc:
            QMessageBox.warning(self, "Export network", str(exc))
            self._failed(str(exc))
            return
        try:
            snapshot = snapshot_model(self.model)
        except (ValueError, TypeError, AttributeError) as exc:
            self._failed(f"cannot copy the network: {exc}")
            return
        self.export_button.setEnabled(False)
        self.status.setText(f"Exporting {FORMATS[key].label}…")
        pre, training, protect = dict(self.preprocessing), dict(self.training), list(self.protect)
        self.task = run_in_background(
            lambda _progress: export_model(snapshot, key, path, pre, training, protect),
            self._done, self._failed, name="export", owner=self)

    @Slot(object)
    def _done(self, paths: list[str]) -> None:
        self.paths = list(paths)
        self.export_button.setEnabled(True)
        lines = "<br>".join(f"<code>{p}</code>" for p in self.paths)
        self.status.setText(f"Saved to:<br>{lines}")
        self.exported.emit(self.paths)

    @Slot(str)
    def _failed(self, message: str) -> None:
        self.export_button.setEnabled(True)
        self.status.setText(f"<span style='color:#c0392b'>Export failed: {message}</span>")
        self.failed.emit(message)
