"""Learning-rate finder box of the Network tab: run the range test off the GUI thread, plot, apply.

"Find learning rate" runs ``core.lr_finder.find_learning_rate`` on a fresh model of the current project
(the initial weights drawn from training.seed; the app's own model is never touched) in a pool thread.
The smoothed loss is plotted against the learning rate on a log axis with the suggestion marked;
"Use 0.00123" applies it as one undoable edit of ``training.optimizer.learning_rate``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGroupBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from studio.document import Document
from studio.plots.style import style_plot

#: ``() -> (core Project, Dataset)`` of the current state, or raises with a one-line reason
Source = Callable[[], tuple[Any, Any]]


def rounded(lr: float) -> float:
    """The learning rate as the spin box and project file keep it: 3 significant digits."""
    return float(f"{lr:.3g}")


class LRFinderBox(QGroupBox):
    """The range-test button, its curve and the Apply button. ``finished(result)`` after each test,
    ``failed(message)`` when it could not run."""

    finished = Signal(object)
    failed = Signal(str)

    def __init__(self, document: Document, parent: QWidget | None = None) -> None:
        super().__init__("Learning-rate finder", parent)
        self.document = document
        self.source: Source | None = None
        self.result: Any = None
        self.running = False
        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        self.run_button = QPushButton("Find learning rate")
        self.run_button.setToolTip(
            "Range test: from the initial weights, train about 100 mini-batches while the learning rate "
            "grows from 1e-6 to 1, and suggest the rate where the loss falls fastest. Your weights are not "
            "changed."
        )
        self.apply_button = QPushButton("Use suggestion")
        self.apply_button.setEnabled(False)
        self.apply_button.setToolTip("Set the optimizer's learning rate to the suggestion (undoable).")
        row.addWidget(self.run_button)
        row.addWidget(self.apply_button)
        layout.addLayout(row)
        self.status = QLabel("Loss against learning rate, from the initial weights.")
        self.status.setObjectName("muted")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        self.plot = pg.PlotWidget()
        self.plot.setFixedHeight(180)
        self.plot.setLogMode(x=True, y=False)
        self.plot.setLabel("bottom", "learning rate")
        self.plot.setLabel("left", "smoothed loss")
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.hideButtons()
        self.plot.getAxis("left").enableAutoSIPrefix(False)
        style_plot(self.plot)
        self.curve = self.plot.plot([], [], pen=pg.mkPen((8, 119, 189), width=2))
        self.marker = pg.InfiniteLine(angle=90, pen=pg.mkPen((220, 80, 60), width=1.5, style=Qt.DashLine))
        self.marker.setVisible(False)
        self.plot.addItem(self.marker)
        self.dot = pg.ScatterPlotItem(size=9, brush=pg.mkBrush(220, 80, 60))
        self.plot.addItem(self.dot)
        self.plot.setVisible(False)
        layout.addWidget(self.plot)
        self.run_button.clicked.connect(self.start)
        self.apply_button.clicked.connect(self.apply)

    def start(self) -> bool:
        """Start the range test in a pool thread; False (with a message) when it cannot start."""
        if self.running:
            return False
        if self.source is None:
            self._failed("No project to test.")
            return False
        try:
            project, dataset = self.source()
        except Exception as exc:  # the current network/data cannot be built: say why in one line
            self._failed(str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
            return False
        from studio.background import run_in_background

        self.running = True
        self.run_button.setEnabled(False)
        self.apply_button.setEnabled(False)
        self.status.setText("Running the range test…")
        self._task = run_in_background(
            lambda _progress: _range_test(project, dataset), self._done, self._failed,
            name="lr-find", owner=self,
        )
        return True

    def _done(self, result: Any) -> None:
        self.running = False
        self.run_button.setEnabled(True)
        self.result = result
        lrs, smoothed = np.asarray(result.learning_rates), np.asarray(result.smoothed)
        self.curve.setData(lrs, smoothed)
        x = math.log10(result.suggested)
        self.marker.setPos(x)
        self.marker.setVisible(True)
        at = float(np.interp(x, np.log10(lrs), smoothed))
        self.dot.setData([x], [at])
        # the explosion at the end would squash the interesting part: show the start down to the minimum
        low, start = float(smoothed.min()), float(smoothed[0])
        high = min(float(smoothed.max()), start + max(start - low, 1e-3 * abs(start) + 1e-9))
        self.plot.setYRange(low - 0.1 * (high - low), high, padding=0)
        self.plot.setXRange(math.log10(lrs[0]), math.log10(lrs[-1]), padding=0.02)
        self.plot.setVisible(True)
        lr = rounded(result.suggested)
        how = "steepest descent of the loss" if result.method == "steepest" else "lowest loss / 10"
        end = ", stopped when the loss exploded" if result.stopped == "exploded" else ""
        self.status.setText(f"Suggested learning rate {lr:g} ({how}; {len(result.losses)} steps{end}).")
        self.apply_button.setText(f"Use {lr:g}")
        self.apply_button.setEnabled(True)
        self.finished.emit(result)

    def _failed(self, message: str) -> None:
        self.running = False
        self.run_button.setEnabled(True)
        self.status.setText(f"Cannot run the range test: {message}")
        self.failed.emit(message)

    def apply(self) -> bool:
        """Set training.optimizer.learning_rate to the suggestion (one undoable edit)."""
        if self.result is None:
            return False
        return self.document.set_training(("optimizer", "learning_rate"), rounded(self.result.suggested))


def _range_test(project: Any, dataset: Any) -> Any:
    """The range test on a fresh model of ``project`` (pool thread; touches no GUI object)."""
    from core.lr_finder import find_learning_rate
    from core.run import prepare_run

    run = prepare_run(project, dataset)
    return find_learning_rate(run.model, run.x_train, run.y_train, batch_size=run.batch_size, seed=run.seed)


def workspace_source(workspace: Any) -> Source:
    """The ``Source`` of a :class:`studio.workspace.Workspace`: its project and loaded dataset."""

    def source() -> tuple[Any, Any]:
        if workspace.dataset is None:
            raise ValueError("no data loaded: pick a data set in the Data tab")
        return workspace.project.copy(), workspace.dataset

    return source
