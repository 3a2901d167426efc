"""The Inspector's Data tab and how its data reaches the project and the run.

:class:`DataTab` puts a :class:`studio.panels.data_panel.DataPanel` into the Inspector and keeps it,
the project's ``data`` spec and the window's dataset in step: a finished load becomes the project's
data (ending the run that trained on the old data), an undo of the data spec loads it again, points
clicked into the boundary plot join the data (a running session continues on them), the batch size
box edits the project.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
from PySide6.QtCore import QObject
from PySide6.QtWidgets import QFrame, QScrollArea

from core.project import training_spec
from studio.panels.data_panel import DataPanel

DATA_CHANGED = "Run ended: the data changed"


class DataTab(QObject):
    """The Data tab of ``window``; ``controller`` is its
    :class:`studio.training.controller.TrainingController`."""

    def __init__(self, window: Any, controller: Any) -> None:
        super().__init__(window)
        self.window = window
        self.controller = controller
        self._loaded_spec: dict[str, Any] | None = None
        self.panel = DataPanel()
        self.panel.base_dir = window.base_dir
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(self.panel)
        window.add_side_tab(scroll, "Data")
        self.panel.dataset_loaded.connect(self._dataset_loaded)
        self.panel.load_failed.connect(lambda msg: window.statusBar().showMessage(f"Data: {msg}", 15000))
        self.panel.batch_size_changed.connect(self._batch_size_changed)
        window.document.data_changed.connect(self._data_spec_changed)
        boundary = controller.boundary
        boundary.point_added.connect(self._point_added)
        boundary.points_cleared.connect(self._points_cleared)
        self.show_project()

    def show_project(self) -> None:
        """Show the project's data spec and batch size."""
        doc = self.window.document
        self.panel.set_spec(doc.data)
        self.panel.batch_spin.setValue(training_spec(doc.training)["batch_size"])

    def dataset_applied(self) -> None:
        """The window's dataset changed (any way): it is what the project's data spec now describes."""
        self._loaded_spec = copy.deepcopy(self.window.document.data)
        ds = self.window.dataset
        if ds is not None and self.panel.dataset is not ds and ds.summary:
            self.panel.summary.setPlainText(ds.summary)

    def _dataset_loaded(self, ds: Any, spec: dict[str, Any]) -> None:
        """The data panel finished loading: make it the project's data."""
        self.controller.end_run(DATA_CHANGED)
        doc = self.window.document
        self._loaded_spec = copy.deepcopy(spec)
        if spec != doc.data:
            doc.set_data_spec(spec)
        self.window.set_dataset(ds)

    def _data_spec_changed(self) -> None:
        """Undo/redo or another panel changed ``data``: the run ends, the data load in the background."""
        spec = self.window.document.data
        if self._loaded_spec is not None and spec == self._loaded_spec:
            return
        self.controller.end_run(DATA_CHANGED)
        self.panel.set_spec(spec)
        self.panel.load_spec(spec)

    def _batch_size_changed(self, value: int) -> None:
        doc = self.window.document
        if doc.training.get("batch_size") != value and self.controller.session is None:
            doc.set_training(("batch_size",), int(value))

    def _point_added(self, feat: np.ndarray, label: int) -> None:
        ds = self.window.dataset
        if ds is None:
            return
        status = self.window.statusBar()
        try:
            ds.add_point(float(feat[0]), float(feat[1]), int(label))
        except Exception as exc:
            status.showMessage(f"Cannot add point: {exc}", 15000)
            return
        spec = dict(self.window.document.data)
        spec["points"] = [list(p) for p in ds.added_points]
        self._loaded_spec = copy.deepcopy(spec)
        self.window.document.set_data_spec(spec, "Add point")
        self.controller.points_added()
        status.showMessage(f"{len(ds.added_points)} point(s) added", 5000)

    def _points_cleared(self) -> None:
        spec = dict(self.window.document.data)
        if "points" in spec:
            spec.pop("points")
            self.controller.end_run(DATA_CHANGED)
            self.window.document.set_data_spec(spec, "Clear added points")
