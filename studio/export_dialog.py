"""File → Export…, File → Import weights…, File → Predict on CSV… (GUI side of core.export / core.predict).

``ExportDialog`` lets the user pick a format (each with a one-line explanation and the optional
extra it needs), a destination, and runs the export on a ``QThreadPool`` thread so the window
stays responsive; it reports where the files went. The network is copied on the GUI thread when
Export is pressed, so training that continues afterwards cannot tear the exported weights.

``ExportActions`` adds the three menu entries to a File menu. The main window hands it a
``context`` callable returning an :class:`ExportContext` (current model, preprocessing, training
settings, busy reason) and calls nothing else: the actions refresh their enabled state and
tooltips whenever the menu is about to show (and on ``refresh()``).
"""

from __future__ import annotations

import html
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal, Slot
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from core.errors import FFStudioError
from core.export import FORMATS, export_model, extra_note
from core.installation import extra_hint

NO_WEIGHTS_TIP = "There are no trained weights yet: train the network (or import weights) first."
FILE_FILTERS = {
    "npz": "NumPy weights (*.npz)",
    "safetensors": "safetensors weights (*.safetensors)",
    "onnx": "ONNX model (*.onnx)",
    "onnx_raw": "ONNX model (*.onnx)",
    "pytorch": "Python file (*.py)",
}


@dataclass
class ExportContext:
    """What the export actions need from the main window.

    ``model``: the current built ``Sequential`` (None when there is no network yet).
    ``has_weights``: True once the network was trained or weights were imported.
    ``busy``: a reason while the model must not be touched (training running), else None.
    ``build_model``: optional callable building the network from the design (for Import weights
    before any training). ``on_weights_imported(path)``: called on the GUI thread after an import.
    """

    model: Any = None
    preprocessing: Mapping[str, Any] = field(default_factory=dict)
    training: Mapping[str, Any] = field(default_factory=dict)
    has_weights: bool = False
    busy: str | None = None
    directory: str = ""
    name: str = "model"
    build_model: Callable[[], Any] | None = None
    on_weights_imported: Callable[[str], None] | None = None


def snapshot_model(model: Any) -> Any:
    """An independent copy of ``model`` (same config and weights; loss/optimizer referenced for codegen)."""
    from core.model import Sequential

    copy = Sequential.from_config(model.get_config())
    copy.build(model.input_dim, seed=0)
    copy.set_weights(model.get_weights())
    copy.loss = getattr(model, "loss", None)
    copy.optimizer = getattr(model, "optimizer", None)
    return copy


# ------------------------------------------------------------------------------------------ background
class _Signals(QObject):
    done = Signal(object)
    failed = Signal(str)


class _Job(QRunnable):
    """Run ``fn()`` on a pool thread; report its result or a one-line error through signals."""

    def __init__(self, fn: Callable[[], Any]) -> None:
        super().__init__()
        self.fn = fn
        self.signals = _Signals()
        self.setAutoDelete(True)

    def run(self) -> None:
        try:
            result = self.fn()
        except FFStudioError as exc:
            self.signals.failed.emit(str(exc))
        except Exception as exc:  # any unexpected failure still reaches the user as one line
            self.signals.failed.emit(f"{type(exc).__name__}: {exc}")
        else:
            self.signals.done.emit(result)


def run_in_background(fn: Callable[[], Any], on_done: Callable[[Any], None],
                      on_failed: Callable[[str], None], owner: QObject) -> _Job:
    """Start ``fn`` on the global QThreadPool; the callbacks run on the GUI thread.

    The signal object is created here (GUI thread), so its queued signals are delivered to the GUI
    thread; ``owner`` keeps it alive until the job reports.
    """
    job = _Job(fn)
    pending: list[_Signals] = owner.__dict__.setdefault("_export_pending", [])
    pending.append(job.signals)

    def finish(callback: Callable[[Any], None], value: Any) -> None:
        if job.signals in pending:
            pending.remove(job.signals)
        callback(value)

    job.signals.done.connect(lambda result: finish(on_done, result))
    job.signals.failed.connect(lambda message: finish(on_failed, message))
    QThreadPool.globalInstance().start(job)
    return job


# ------------------------------------------------------------------------------------------ dialog
class ExportDialog(QDialog):
    """Choose a format and a destination; export off the GUI thread; say where the files went.

    Signals: ``exported(list[str])`` with the absolute paths written, ``failed(str)``.
    """

    exported = Signal(list)
    failed = Signal(str)

    def __init__(self, model: Any, preprocessing: Mapping[str, Any] | None = None,
                 training: Mapping[str, Any] | None = None, directory: str = "", name: str = "model",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export network")
        self.setMinimumWidth(600)
        self.model = model
        self.preprocessing = dict(preprocessing or {})
        self.training = dict(training or {})
        self.directory = directory or os.getcwd()
        self.name = name or "model"
        self.paths: list[str] = []

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
        return os.path.join(self.directory, stem + FORMATS[key].suffix)

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
        try:
            snapshot = snapshot_model(self.model)
        except (ValueError, TypeError, AttributeError) as exc:
            self._failed(f"cannot copy the network: {exc}")
            return
        self.export_button.setEnabled(False)
        self.status.setText(f"Exporting {FORMATS[key].label}…")
        pre, training = dict(self.preprocessing), dict(self.training)
        run_in_background(lambda: export_model(snapshot, key, path, pre, training),
                          self._done, self._failed, self)

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


# ------------------------------------------------------------------------------------------ menu actions
class ExportActions(QObject):
    """The File-menu entries Export…, Import weights…, Predict on CSV… and their enabled state.

    Signals: ``weights_imported(str path)``, ``predictions_written(str path)``, ``message(str)``
    (a one-line status for the status bar).
    """

    weights_imported = Signal(str)
    predictions_written = Signal(str)
    message = Signal(str)

    def __init__(self, window: QWidget, menu: QMenu | None, context: Callable[[], ExportContext],
                 before: QAction | None = None) -> None:
        super().__init__(window)
        self.window = window
        self.context = context
        self.export_action = QAction("&Export…", window)
        self.import_action = QAction("&Import weights…", window)
        self.predict_action = QAction("&Predict on CSV…", window)
        self.export_action.triggered.connect(self.open_export_dialog)
        self.import_action.triggered.connect(self.import_weights)
        self.predict_action.triggered.connect(self.predict_csv)
        self.dialog: ExportDialog | None = None
        self.imported_model: Any = None
        if menu is not None:
            menu.setToolTipsVisible(True)
            actions = [self.export_action, self.import_action, self.predict_action]
            if before is not None:
                menu.insertActions(before, actions)
                menu.insertSeparator(before)
            else:
                menu.addActions(actions)
            menu.aboutToShow.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        """Enable each action (with a tooltip saying why not) from the current context."""
        ctx = self.context()
        usable = ctx.model is not None and ctx.has_weights and getattr(ctx.model, "built", False)
        for action, ok_tip in ((self.export_action, "Export the trained network (.npz, .safetensors, ONNX, "
                                                    "PyTorch code)"),
                               (self.predict_action, "Apply the trained network to the rows of a CSV file")):
            enabled = usable and ctx.busy is None
            action.setEnabled(bool(enabled))
            action.setToolTip(ok_tip if enabled else (ctx.busy or NO_WEIGHTS_TIP))
        can_import = (ctx.model is not None or ctx.build_model is not None) and ctx.busy is None
        self.import_action.setEnabled(bool(can_import))
        self.import_action.setToolTip("Load weights from a .npz or .safetensors file into the current network"
                                      if can_import else (ctx.busy or "Design a network first."))

    # -- export --------------------------------------------------------------------------------
    def open_export_dialog(self) -> ExportDialog | None:
        ctx = self.context()
        if ctx.model is None or not ctx.has_weights:
            self.message.emit(NO_WEIGHTS_TIP)
            return None
        self.dialog = ExportDialog(ctx.model, ctx.preprocessing, ctx.training, ctx.directory, ctx.name,
                                   self.window)
        self.dialog.exported.connect(lambda paths: self.message.emit("Exported to " + ", ".join(paths)))
        self.dialog.show()
        return self.dialog

    # -- import --------------------------------------------------------------------------------
    def import_weights(self, path: str | None = None) -> bool:
        """Ask for a weights file (unless ``path``) and load it into the current network."""
        from core.export import import_weights

        ctx = self.context()
        if ctx.busy:
            self.message.emit(ctx.busy)
            return False
        if not path:
            path, _ = QFileDialog.getOpenFileName(self.window, "Import weights", ctx.directory,
                                                  "Weights (*.npz *.safetensors);;All files (*)")
            if not path:
                return False
        try:
            model = ctx.model if ctx.model is not None else (ctx.build_model() if ctx.build_model else None)
            if model is None:
                raise FFStudioError("design a network first")
            import_weights(model, path)
            self.imported_model = model
        except FFStudioError as exc:
            QMessageBox.warning(self.window, "Import weights", str(exc))
            self.message.emit(f"Import failed: {exc}")
            return False
        if ctx.on_weights_imported is not None:
            ctx.on_weights_imported(path)
        self.weights_imported.emit(path)
        self.message.emit(f"Imported weights from {path}")
        self.refresh()
        return True

    # -- predict -------------------------------------------------------------------------------
    def predict_csv(self, input_path: str | None = None, out_path: str | None = None) -> bool:
        """Ask for an input CSV and an output path, then predict on a pool thread."""
        from core.predict import TrainedNetwork, predict_csv

        ctx = self.context()
        if ctx.model is None or not ctx.has_weights or ctx.busy:
            self.message.emit(ctx.busy or NO_WEIGHTS_TIP)
            return False
        if not input_path:
            input_path, _ = QFileDialog.getOpenFileName(self.window, "Predict on CSV", ctx.directory,
                                                        "CSV files (*.csv *.txt *.tsv);;All files (*)")
            if not input_path:
                return False
        if not out_path:
            suggestion = os.path.splitext(input_path)[0] + "_predictions.csv"
            out_path, _ = QFileDialog.getSaveFileName(self.window, "Save predictions", suggestion,
                                                      "CSV files (*.csv)")
            if not out_path:
                return False
        trained = TrainedNetwork(snapshot_model(ctx.model), dict(ctx.preprocessing), dict(ctx.training))
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
            QMessageBox.warning(self.window, "Predict on CSV", msg)
            self.message.emit(f"Prediction failed: {msg}")

        run_in_background(lambda: predict_csv(trained, src, dst), done, failed, self)
        return True


# ------------------------------------------------------------------------------------------ main window hook
def _kernels(model: Any) -> list[Any]:
    """(inputs, units) kernels of the Dense layers in order (what the canvas colours links with)."""
    return [layer.get_weights()[0] for layer in model.layers if type(layer).__name__ == "Dense"]


def _base_dir(window: Any) -> str:
    """The folder project-relative paths refer to (the project file's folder, else the working dir)."""
    if callable(getattr(window, "base_dir", None)):
        return str(window.base_dir())
    path = getattr(window.document, "path", None)
    return os.path.dirname(os.path.abspath(path)) if path else os.getcwd()


def install_export_actions(window: Any) -> ExportActions:
    """Add File → Export… / Import weights… / Predict on CSV… to the builder's main window.

    Reads, at the moment they are needed: ``window.trained_model`` (the network with trained or
    imported weights, set by the training side; None before any), ``window.training_busy`` (a
    reason while training runs and the model must not be touched, else None), ``window.dataset``,
    ``window.document`` and ``window.build_model()``. After an import, and after opening a project
    that references a weights file, ``window.trained_model`` is the network holding those weights
    (so training continues from them) and the canvas shows them.
    """
    from pathlib import Path

    if not hasattr(window, "trained_model"):
        window.trained_model = None
    if not hasattr(window, "training_busy"):
        window.training_busy = None

    def adopt(model: Any) -> None:
        window.trained_model = model
        try:
            window.canvas_scene.set_weights(_kernels(model))
        except (AttributeError, TypeError, ValueError):
            pass

    def context() -> ExportContext:
        doc = window.document
        dataset = getattr(window, "dataset", None)
        return ExportContext(
            model=window.trained_model,
            preprocessing=dict(getattr(dataset, "preprocessing", {}) or {}),
            training=dict(getattr(doc, "training", {}) or {}),
            has_weights=window.trained_model is not None,
            busy=window.training_busy,
            directory=_base_dir(window),
            name=Path(doc.path).stem if getattr(doc, "path", None) else "model",
            build_model=window.build_model if dataset is not None else None,
            on_weights_imported=lambda _path: (adopt(actions.imported_model), doc.mark_weights_changed()),
        )

    actions = ExportActions(window, window.file_menu, context, before=getattr(window, "act_quit", None))
    actions.message.connect(lambda text: window.statusBar().showMessage(text, 8000))

    def restore_weights() -> None:
        window.trained_model = None
        weights = getattr(window.document, "weights", None)
        if not weights or getattr(window, "dataset", None) is None:
            return
        from core.export import import_weights

        path = weights if os.path.isabs(weights) else os.path.join(_base_dir(window), weights)
        try:
            model = window.build_model()
            import_weights(model, path)
        except FFStudioError as exc:
            window.statusBar().showMessage(f"Trained weights not loaded: {exc}", 15000)
            return
        adopt(model)
        training = getattr(window, "training", None)
        if training is not None and hasattr(training, "adopt_model"):
            training.adopt_model(model)  # Play continues from the restored weights
        window.statusBar().showMessage(f"Loaded trained weights from {path}", 8000)

    window.project_loaded.connect(restore_weights)
    window.project_closing.connect(lambda: setattr(window, "trained_model", None))
    window.export_actions = actions
    return actions


def save_weights_beside(window: Any, project_path: str) -> str | None:
    """Write ``window.trained_model``'s weights to ``<project stem>.npz`` beside ``project_path``.

    For File → Save: returns the file name to store as the project's ``weights`` (relative to the
    project folder), or None when there are no trained weights (or training is running). Raises
    ExportError when the file cannot be written.
    """
    from pathlib import Path

    from core.export import save_weights_npz

    model = getattr(window, "trained_model", None)
    if model is None or getattr(window, "training_busy", None):
        return None
    dataset = getattr(window, "dataset", None)
    target = Path(project_path).with_suffix(".npz")
    save_weights_npz(snapshot_model(model), target, getattr(dataset, "preprocessing", None))
    return target.name
