"""The Inspector's Data tab and how a data change reaches the run.

:class:`DataTab` puts a :class:`studio.panels.data_panel.DataPanel` (a view of the workspace, which
loads the data in the background) into the Inspector. A change of the project's data spec ends the
run that trained on the old data; points clicked into the boundary plot join the dataset (a running
session continues on them) and are recorded in the project without a reload.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import QObject
from PySide6.QtWidgets import QFrame, QScrollArea

from studio.panels.data_panel import DataPanel
from studio.workspace import Workspace

DATA_CHANGED = "Run ended: the data changed"


class DataTab(QObject):
    """The Data tab of ``window``; ``controller`` is its
    :class:`studio.training.controller.TrainingController`."""

    def __init__(self, window: Any, workspace: Workspace, controller: Any) -> None:
        super().__init__(window)
        self.window = window
        self.workspace = workspace
        self.controller = controller
        self.panel = DataPanel(workspace)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(self.panel)
        window.add_side_tab(scroll, "Data")
        workspace.document.data_changed.connect(self._data_spec_changed)
        workspace.data_replacing.connect(lambda: controller.end_run(DATA_CHANGED))
        workspace.loading_finished.connect(
            lambda error: window.statusBar().showMessage(f"Data: {error}", 15000) if error else None
        )
        boundary = controller.boundary
        boundary.point_added.connect(self._point_added)
        boundary.points_cleared.connect(self._points_cleared)

    def _data_spec_changed(self) -> None:
        """Undo/redo or the panel changed ``data`` (the workspace reloads it): the run ends."""
        if not self.workspace.dataset_matches_spec():
            self.controller.end_run(DATA_CHANGED)

    def _point_added(self, feat: np.ndarray, label: int) -> None:
        ds = self.workspace.dataset
        if ds is None:
            return
        status = self.window.statusBar()
        try:
            ds.add_point(float(feat[0]), float(feat[1]), int(label))
        except Exception as exc:
            status.showMessage(f"Cannot add point: {exc}", 15000)
            return
        spec = dict(self.workspace.document.data)
        spec["points"] = [list(p) for p in ds.added_points]
        self.workspace.set_data_spec(spec, "Add point")  # the dataset already holds the point
        self.controller.points_added()
        status.showMessage(f"{len(ds.added_points)} point(s) added", 5000)

    def _points_cleared(self) -> None:
        spec = dict(self.workspace.document.data)
        if "points" in spec:
            spec.pop("points")
            self.workspace.document.set_data_spec(spec, "Clear added points")
