"""The open project's live state in one place: project document, dataset, model, unsaved weights, busy reason.

Every panel, the canvas, the export/predict actions and the training controller receive the
:class:`Workspace` in their constructor and subscribe to its signals (the napari pattern); nothing else
holds a copy of this state. ``window.workspace.project`` and ``window.workspace.model`` are the stable
names for tests and scripts.

Loading: :meth:`Workspace.replace_project` (New/Open) puts a project in place and loads its data in the
background (``studio.background``; what the job computes: ``studio.data_load``); when the project
references trained weights, the same background job builds the network and reads them, and the
workspace sets ``dataset`` then ``model`` in that order on the GUI thread. A later data change (Data
tab, undo) loads in the background too; a load that a newer one superseded is cancelled and never
delivered. While training runs, :meth:`Workspace.readable_model` hands out a copy following the
worker's weight copies (``studio.model_copy``).
"""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from core.graph import DataInfo, Graph
from core.project import Project, build_model, save_project
from studio.background import Task, run_in_background
from studio.data_load import describe_spec, load_data
from studio.document import Document
from studio.model_copy import ReadableCopy, snapshot_model

#: ``workspace.busy`` while a training run is active
TRAINING_BUSY = "Training is running: pause or stop it first."


class Workspace(QObject):
    """The open project's state. See the module docstring; signals announce every change."""

    project_replaced = Signal()
    dataset_changed = Signal(object)
    model_changed = Signal(object)
    weights_unsaved_changed = Signal(bool)
    busy_changed = Signal(str)
    #: a weight of ``model`` was edited in place (link popup, undo/redo of such an edit)
    weights_edited = Signal()
    #: a dataset load started (its description), progressed (fraction 0..1, text), ended (error or "")
    loading_started = Signal(str)
    loading_progress = Signal(float, str)
    loading_finished = Signal(str)
    #: a loaded dataset is about to replace the project's data (a run on the old data ends now)
    data_replacing = Signal()
    #: one-line news for the status bar ("Loaded trained weights from …")
    message = Signal(str)
    weights_refused = Signal(str)  # the project's weights file could not be used (one line, names the file)
    #: unsaved edits or weights (the title's asterisk)
    modified_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.document = Document(self)
        self.dataset: Any = None
        self.model: Any = None
        self.weights_unsaved = False
        self.busy: str | None = None
        #: the lock beside the seed: Reset keeps the seed (repeats the run) instead of drawing a new one
        self.seed_locked = False
        self._task: Task | None = None
        self._loaded_spec: dict[str, Any] | None = None  # the data spec ``dataset`` was built from
        self._model_key: str | None = None  # the network ``model`` was built for
        #: (dataset, fresh key, model with fresh weights) built by the last data load
        self._prebuilt: tuple[Any, str, Any] | None = None
        #: the latest weight copies of ``model`` the training worker sent (per layer), and the copy of
        #: ``model`` that :meth:`readable_model` hands out while training runs
        self._worker_weights: list[list[Any]] | None = None
        self._readable = ReadableCopy()
        self.document.data_changed.connect(self._data_spec_changed)
        self.document.graph_changed.connect(self._graph_changed)
        self.document.modified_changed.connect(lambda _m: self.modified_changed.emit(self.modified))
        self.weights_edited.connect(self._forget_worker_weights)

    # ------------------------------------------------------------------ state
    @property
    def project(self) -> Project:
        """The current ``core.project.Project`` (edits are written into it as they happen)."""
        return self.document.project

    @property
    def path(self) -> str | None:
        return self.document.path

    @property
    def modified(self) -> bool:
        """Unsaved edits or unsaved weights."""
        return self.document.modified or self.weights_unsaved

    def base_dir(self) -> str:
        """Folder that the project's relative paths refer to."""
        return self.document.base_dir()

    def set_dataset(self, dataset: Any) -> None:
        """Use ``dataset`` (a ``core.datasets.Dataset`` or None); a model built for other data is dropped."""
        if dataset is not self.dataset and self.model is not None:
            self.set_model(None)
        self.dataset = dataset
        self.document.data_info = DataInfo.from_dataset(dataset) if dataset is not None else None
        self.dataset_changed.emit(dataset)

    def set_model(self, model: Any, unsaved: bool = True) -> None:
        """The network holding trained/imported/edited weights (None: no such weights)."""
        changed = model is not self.model
        self.model = model
        if changed:
            self._forget_worker_weights()
            self._readable.drop()
        self._model_key = network_key(self.document.graph) if model is not None else None
        self._set_weights_unsaved(unsaved and model is not None)
        if changed:
            self.model_changed.emit(model)

    def note_worker_weights(self, weights: list[list[Any]] | None) -> None:
        """The training worker sent copies of ``model``'s weights (per layer, as ``layer.get_weights()``
        lists them; None: this snapshot has none). :meth:`readable_model` follows the latest."""
        if weights is not None:
            self._worker_weights = weights

    def _forget_worker_weights(self) -> None:
        """``model`` changed outside a run (replaced, or weights edited/imported in place)."""
        self._worker_weights = None

    def readable_model(self, idle: Any = None) -> Any:
        """The model the GUI thread may read right now.

        While no training step can run (``busy`` is None): ``idle`` when given (the training side passes
        the freshly initialized model it shows), else ``model``. While one can, the worker updates
        ``model``'s weights in place, so reading them would race it: then this is a copy of ``model``
        holding the latest weights the worker sent (:meth:`note_worker_weights`), the same object until
        newer weights arrive (then updated in place, never rebuilt for the same model); None before the
        worker sent any.
        """
        if self.busy is None:
            return idle if idle is not None else self.model
        model, weights = self.model, self._worker_weights
        if model is None or weights is None:
            return None
        return self._readable.of(model, weights)

    def mark_weights_unsaved(self) -> None:
        """The weights of ``model`` changed in place (training steps): saving would keep them."""
        self._set_weights_unsaved(self.model is not None)

    def forget_changes(self) -> None:
        """The user chose to discard unsaved edits and weights (before opening another project)."""
        self.document.undo_stack.setClean()
        self._set_weights_unsaved(False)

    def _set_weights_unsaved(self, unsaved: bool) -> None:
        if unsaved != self.weights_unsaved:
            self.weights_unsaved = unsaved
            self.weights_unsaved_changed.emit(unsaved)
            self.modified_changed.emit(self.modified)

    def set_busy(self, reason: str | None) -> None:
        """Why structural edits and weight access are locked (e.g. training), or None when idle."""
        reason = reason or None
        if reason != self.busy:
            self.busy = reason
            self.busy_changed.emit(reason or "")

    def build_model(self) -> Any:
        """A compiled ``Sequential`` with fresh weights for the current network and dataset (the one the
        data load already built in the background when it still fits: MNIST's takes ~80 ms)."""
        prebuilt, self._prebuilt = self._prebuilt, None
        if prebuilt is not None and prebuilt[0] is self.dataset and prebuilt[1] == self._fresh_key():
            return prebuilt[2]
        return build_model(self.project, self.dataset)

    def _fresh_key(self) -> str:
        return json.dumps([network_key(self.document.graph), self.project.training, self.project.dtype],
                          sort_keys=True, default=str)

    def _graph_changed(self) -> None:
        if self.model is not None and self._model_key != network_key(self.document.graph):
            self.set_model(None)  # the trained weights belong to another network

    # ------------------------------------------------------------------ weights edits
    def set_weight(self, layer: int, i: int, j: int, value: float, text: str = "Edit weight") -> bool:
        """Set ``model.layers[layer]`` kernel[i, j] as one undoable edit (False when busy or out of range)."""
        kernel = self._kernel(layer)
        if self.busy or kernel is None or not (0 <= i < kernel.shape[0] and 0 <= j < kernel.shape[1]):
            return False
        model = self.model

        def restore(v: float) -> None:
            k = self._kernel(layer) if self.model is model else None
            if k is not None:
                k[i, j] = v  # a view into the model's parameter buffer: training continues from it
                self.mark_weights_unsaved()
                self.weights_edited.emit()

        from studio.undo import SnapshotCommand

        self.document.undo_stack.push(SnapshotCommand(restore, text, float(kernel[i, j]), float(value)))
        return True

    def _kernel(self, layer: int) -> Any:
        if self.model is None or not 0 <= layer < len(self.model.layers):
            return None
        return getattr(self.model.layers[layer], "params", {}).get("kernel")

    # ------------------------------------------------------------------ projects
    def replace_project(self, project: Project, graph: Graph | None = None) -> None:
        """New/Open: put ``project`` in place; its data (and referenced weights) load in the background."""
        self._cancel_load()
        self.set_busy(None)
        self.set_model(None, unsaved=False)
        self.dataset = None
        self._loaded_spec = copy.deepcopy(project.data)  # its load starts below, not on data_changed
        self.document.data_info = None
        self.document.load(project, graph)
        self.dataset_changed.emit(None)
        self.project_replaced.emit()
        self.modified_changed.emit(self.modified)
        self._start_load(copy.deepcopy(project.data), restore_weights=project.weights is not None)

    def save(self, path: str) -> None:
        """Write the project atomically to ``path``, with the weights of ``model`` beside it when they are
        not in a file yet. Raises FFStudioError / OSError."""
        from core.export import save_weights_npz

        project = self.project.copy()
        if self.model is not None and (self.weights_unsaved or project.weights is None):
            if self.busy:
                self.message.emit("Weights not saved: training is running (pause it first).")
            else:
                target = Path(path).with_suffix(".npz")
                save_weights_npz(snapshot_model(self.model), target, self.dataset.preprocessing)
                project.weights = os.path.relpath(target.resolve(), project.base_dir).replace(os.sep, "/")
        elif self.model is None and self.dataset is not None and not self.is_loading():
            project.weights = None  # a fresh network: an older weights file no longer applies
        save_project(project, path)  # rewrites relative data/weights paths for the new folder
        doc = self.project
        doc.data, doc.weights, doc.base_dir, doc.path = project.data, project.weights, project.base_dir, path
        self._loaded_spec = copy.deepcopy(project.data) if self.dataset is not None else None
        self.document.mark_saved()
        if not self.busy:
            self._set_weights_unsaved(False)
        self.modified_changed.emit(self.modified)

    # ------------------------------------------------------------------ data
    def load_data(self, spec: Mapping[str, Any], text: str = "Change data") -> None:
        """Load ``spec`` in the background; once it has loaded it becomes the project's data (one
        undoable edit, after ``data_replacing`` let a run on the old data end)."""
        spec = copy.deepcopy(dict(spec))
        self._start_load(spec, apply=text if spec != self.document.data else None)

    def set_data_spec(self, spec: Mapping[str, Any], text: str) -> bool:
        """Record ``spec`` as the project's data when ``dataset`` already matches it (added points)."""
        self._loaded_spec = copy.deepcopy(dict(spec))
        return self.document.set_data_spec(spec, text)

    def is_loading(self) -> bool:
        return self._task is not None

    def dataset_matches_spec(self) -> bool:
        """True when ``dataset`` was built from the project's current data spec."""
        return self.dataset is not None and self._loaded_spec == self.document.data

    def wait_loaded(self, timeout_s: float = 60.0) -> bool:
        """Run the event loop until the current load has finished (scripts, screenshots); False on timeout."""
        from PySide6.QtCore import QEventLoop, QTimer

        if not self.is_loading():
            return True
        loop = QEventLoop()
        timer = QTimer()
        timer.setSingleShot(True)
        timer.timeout.connect(loop.quit)
        timer.start(int(timeout_s * 1000))
        self.loading_finished.connect(loop.quit)
        loop.exec()
        self.loading_finished.disconnect(loop.quit)
        return not self.is_loading()

    def _data_spec_changed(self) -> None:
        spec = self.document.data
        if self._loaded_spec is None or spec != self._loaded_spec:
            self._start_load(copy.deepcopy(spec))

    def _cancel_load(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None

    def _start_load(
        self, spec: dict[str, Any], restore_weights: bool = False, apply: str | None = None
    ) -> None:
        """Build the dataset of ``spec`` (and the model when ``restore_weights``) in the background;
        ``apply``: the undo text under which ``spec`` becomes the project's data once loaded."""
        self._cancel_load()
        project = self.project.copy()
        project.data = copy.deepcopy(spec)
        key, fresh_key = network_key(self.document.graph), self._fresh_key()

        def work(progress: Any) -> tuple[Any, Any, str | None, Any]:
            return load_data(spec, project, restore_weights, progress)

        def done(result: tuple[Any, Any, str | None, Any]) -> None:
            if self._task is not task:
                return
            self._task = None
            dataset, model, error, fresh = result
            self._prebuilt = (dataset, fresh_key, fresh) if fresh is not None else None
            self._loaded_spec = spec
            if apply is not None and spec != self.document.data:
                self.data_replacing.emit()
                if not self.document.set_data_spec(spec, apply):
                    self._loaded_spec = None
                    self.loading_finished.emit("the data cannot change now")
                    return
            self.set_dataset(dataset)
            if model is not None and key == network_key(self.document.graph):
                self.set_model(model, unsaved=False)
                self.message.emit(f"Loaded trained weights from {project.weights_path}")
            elif error:
                self.message.emit(f"Trained weights not loaded: {error}")
                self.weights_refused.emit(error)
            self.loading_finished.emit("")

        def failed(message: str) -> None:
            if self._task is not task:
                return
            self._task = None
            self._loaded_spec = spec
            self.set_dataset(None)
            self.loading_finished.emit(message)

        self.loading_started.emit(describe_spec(spec))
        task = run_in_background(work, done, failed, self.loading_progress.emit, name="data", owner=self)
        self._task = task


def network_key(graph: Graph) -> str:
    """The network as the project file stores it (positions excluded) and whether its layers form one
    chain (a removed link does not change the layer list): equal keys = the same model fits."""
    return json.dumps([graph.to_network(), graph.chain() is not None], sort_keys=True, default=str)

