"""File → Export…, File → Import weights…, File → Predict on CSV… for the workspace's model.

``ExportActions(workspace, parent, menu)`` adds the three entries to a File menu and keeps their
enabled state and tooltips in step with ``workspace.model`` and ``workspace.busy`` (it subscribes to
their signals). Import sets ``workspace.model`` (training then continues from those weights); Export and
Predict copy the model on the GUI thread and work on the copy in the background.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog, QMenu, QMessageBox, QWidget

from core.errors import FFStudioError
from studio.background import Task, run_in_background
from studio.dialog_folder import user_folder
from studio.export_dialog import ExportDialog
from studio.model_copy import snapshot_model
from studio.workspace import Workspace

NO_WEIGHTS_TIP = "There are no trained weights yet: train the network (or import weights) first."


class ExportActions(QObject):
    """The File-menu entries Export…, Import weights…, Predict on CSV… and their enabled state.

    Signals: ``predictions_written(str path)``, ``message(str)`` (a one-line status for the status bar).
    """

    predictions_written = Signal(str)
    message = Signal(str)

    def __init__(self, workspace: Workspace, parent: QWidget, menu: QMenu | None = None,
                 before: QAction | None = None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.parent_widget = parent
        self.export_action = QAction("&Export…", parent)
        self.import_action = QAction("&Import weights…", parent)
        self.predict_action = QAction("&Predict on CSV…", parent)
        self.export_action.triggered.connect(self.open_export_dialog)
        self.import_action.triggered.connect(lambda _c=False: self.import_weights())
        self.predict_action.triggered.connect(lambda _c=False: self.predict_csv())
        self.dialog: ExportDialog | None = None
        self.task: Task | None = None
        if menu is not None:
            menu.setToolTipsVisible(True)
            actions = [self.export_action, self.import_action, self.predict_action]
            if before is not None:
                menu.insertActions(before, actions)
                menu.insertSeparator(before)
            else:
                menu.addActions(actions)
        for signal in (workspace.model_changed, workspace.dataset_changed, workspace.busy_changed):
            signal.connect(lambda _v: self.refresh())
        self.refresh()

    # -- state ---------------------------------------------------------------------------------
    def _directory(self) -> str:
        """Where Export, Import weights and Predict on CSV start: the project's folder, else Documents
        (an unsaved project's folder is the process's working folder: after ``make run`` the checkout)."""
        return self.workspace.base_dir() if self.workspace.path else str(user_folder())

    def _name(self) -> str:
        path = self.workspace.path
        return Path(path).stem if path else "model"

    def _preprocessing(self) -> dict[str, Any]:
        ds = self.workspace.dataset
        return dict(ds.preprocessing or {}) if ds is not None else {}

    def refresh(self) -> None:
        """Enable each action (with a tooltip saying why not) from the workspace's state."""
        ws = self.workspace
        usable = ws.model is not None and ws.busy is None
        for action, ok_tip in ((self.export_action, "Export the trained network (.npz, .safetensors, ONNX, "
                                                    "PyTorch code)"),
                               (self.predict_action, "Apply the trained network to the rows of a CSV file")):
            action.setEnabled(usable)
            action.setToolTip(ok_tip if usable else (ws.busy or NO_WEIGHTS_TIP))
        can_import = (ws.model is not None or ws.dataset is not None) and ws.busy is None
        self.import_action.setEnabled(can_import)
        self.import_action.setToolTip("Load weights from a .npz or .safetensors file into the current network"
                                      if can_import else (ws.busy or "Design a network and load data first."))

    # -- export --------------------------------------------------------------------------------
    def open_export_dialog(self) -> ExportDialog | None:
        ws = self.workspace
        if ws.model is None or ws.busy:
            self.message.emit(ws.busy or NO_WEIGHTS_TIP)
            return None
        self.dialog = ExportDialog(ws.model, self._preprocessing(), ws.document.training, self._directory(),
                                   self._name(), self.parent_widget,
                                   protect=(ws.path, ws.project.weights_path))  # (like export -o)
        self.dialog.exported.connect(lambda paths: self.message.emit("Exported to " + ", ".join(paths)))
        self.dialog.show()
        return self.dialog

    # -- import --------------------------------------------------------------------------------
    def import_weights(self, path: str | None = None) -> bool:
        """Ask for a weights file (unless ``path``) and load it into the current network."""
        from core.export import import_weights

        ws = self.workspace
        if ws.busy:
            self.message.emit(ws.busy)
            return False
        if not path:
            path, _ = QFileDialog.getOpenFileName(self.parent_widget, "Import weights", self._directory(),
                                                  "Weights (*.npz *.safetensors);;All files (*)")
            if not path:
                return False
        try:
            if ws.model is not None:
                model = ws.model
            elif ws.dataset is not None:
                model = ws.build_model()
            else:
                raise FFStudioError("design a network and load its data first")
            import_weights(model, path)
        except FFStudioError as exc:
            QMessageBox.warning(self.parent_widget, "Import weights", str(exc))
            self.message.emit(f"Import failed: {exc}")
            return False
        if model is ws.model:
            ws.mark_weights_unsaved()
            ws.weights_edited.emit()
        else:
            ws.set_model(model)
        self.message.emit(f"Imported weights from {path}")
        return True

    # -- predict -------------------------------------------------------------------------------
    def predict_csv(self, input_path: str | None = None, out_path: str | None = None) -> bool:
        """Ask for an input CSV and an output path, then predict in the background."""
        from core.predict import TrainedNetwork, predict_csv

        ws = self.workspace
        if ws.model is None or ws.busy:
            self.message.emit(ws.busy or NO_WEIGHTS_TIP)
            return False
        if not input_path:
            input_path, _ = QFileDialog.getOpenFileName(
                self.parent_widget, "Predict on CSV", self._directory(),
                "CSV files (*.csv *.txt *.tsv);;All files (*)",
            )
            if not input_path:
                return False
        if not out_path:
            suggestion = os.path.splitext(input_path)[0] + "_predictions.csv"
            out_path, _ = QFileDialog.getSaveFileName(self.parent_widget, "Save predictions", suggestion,
                                                      "CSV files (*.csv)")
            if not out_path:
                return False
        trained = TrainedNetwork(snapshot_model(ws.model), self._preprocessing(), dict(ws.document.training))
        src, dst = input_path, out_path

        def done(result: Any) -> None:
            predicted = result.rows - len(result.skipped_lines)
            what = (f"{result.rows} predictions" if predicted == result.rows
                    else f"{result.rows} rows ({predicted} predicted)")
            note = result.note()  # skipped rows / imputed values, as the CLI prints them
            self.message.emit(f"Wrote {what} to {result.path} (columns matched by {result.matched_by})"
                              + (f". Note: {note}" if note else ""))
            self.predictions_written.emit(result.path)

        def failed(msg: str) -> None:
            QMessageBox.warning(self.parent_widget, "Predict on CSV", msg)
            self.message.emit(f"Prediction failed: {msg}")

        self.task = run_in_background(lambda _progress: predict_csv(trained, src, dst), done, failed,
                                      name="predict", owner=self)
        return True
