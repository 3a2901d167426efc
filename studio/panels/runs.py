"""Runs dock: every run of the session in a sortable table, overlaid curves, restore settings, CSV export.

A run starts when training starts from fresh weights (the run state leaves idle) and ends when the model
is reset or replaced (the state returns to idle). Its row holds the settings it started with (optimizer,
learning rate, batch size, hidden units, activation, regularization, seed), its final and best metrics and
its training time (``core.runs``). Selecting rows overlays their validation loss (loss without a test
split) in the plot beside the table; "Restore settings" puts the run's network and training settings back
as one undoable edit; "Export CSV" writes the table.
"""

from __future__ import annotations

from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core.runs import COLUMNS, RunRecord, runs_csv
from studio.dialog_folder import user_folder
from studio.plots.colors import class_color
from studio.plots.redraw import Throttle, on_screen
from studio.plots.style import style_plot
from studio.training.state import RunState

HEADERS = {"run": "#", "optimizer": "Optimizer", "learning_rate": "LR", "batch_size": "Batch",
           "hidden_units": "Hidden", "activation": "Activation", "regularization": "Regularization",
           "seed": "Seed", "epochs": "Epochs", "final_loss": "Loss", "final_val_loss": "Val loss",
           "metric": "Metric", "final_metric": "Final", "best_metric": "Best", "duration_s": "Time (s)"}


class _Item(QTableWidgetItem):
    """A cell that sorts numbers as numbers (empty cells last)."""

    def __init__(self, value: Any) -> None:
        text = "" if value is None else (f"{value:.4g}" if isinstance(value, float) else str(value))
        super().__init__(text)
        self.value = value
        self.setFlags(self.flags() & ~Qt.ItemFlag.ItemIsEditable)

    def __lt__(self, other: QTableWidgetItem) -> bool:
        a, b = self.value, getattr(other, "value", None)
        if isinstance(a, int | float) and isinstance(b, int | float):
            return a < b
        if a is None or b is None:
            return b is None and a is not None
        return str(a) < str(b)


class RunsPanel(QWidget):
    """Table + overlay plot + buttons; :class:`RunsRecorder` fills it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        outer = QHBoxLayout(self)
        left = QVBoxLayout()
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels([HEADERS[c] for c in COLUMNS])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSortingEnabled(True)
        self.table.verticalHeader().setVisible(False)
        left.addWidget(self.table)
        row = QHBoxLayout()
        self.restore_button = QPushButton("Restore settings")
        self.restore_button.setToolTip("Put the selected run's network and training settings back (undo).")
        self.export_button = QPushButton("Export CSV…")
        self.note = QLabel("Every run of this session. Select rows to overlay their curves.")
        self.note.setObjectName("muted")
        row.addWidget(self.restore_button)
        row.addWidget(self.export_button)
        row.addStretch(1)
        left.addLayout(row)
        # the note under the buttons, across the column: beside them it wrapped into a tall narrow strip
        # that left the table three rows in the bottom dock
        left.addWidget(self.note)
        outer.addLayout(left, 3)
        self.plot = pg.PlotWidget()
        self.plot.setLabel("bottom", "epoch")
        self.plot.setLabel("left", "val_loss")
        self.plot.getAxis("left").enableAutoSIPrefix(False)
        self.plot.addLegend(offset=(-10, 10))
        style_plot(self.plot)
        outer.addWidget(self.plot, 2)
        # the dock shares the bottom area with the plots: it must not widen the window's minimum size
        self.table.setMinimumWidth(160)
        self.plot.setMinimumWidth(120)
        self.note.setMinimumWidth(0)
        self.note.setWordWrap(True)


#: seconds between refreshes of the Runs table while a run trains
RUNNING_REFRESH_S = 1.0


class RunsRecorder(QObject):
    """Keeps the :class:`RunRecord` of every run of a window and shows them in a :class:`RunsPanel`."""

    def __init__(self, window: Any, workspace: Any) -> None:
        super().__init__(window)
        self.window = window
        self.workspace = workspace
        self.panel = RunsPanel()
        self.dock = window.add_dock(self.panel, "Runs", name="runsDock")
        self.records: list[RunRecord] = []
        self.current: RunRecord | None = None
        tc = window.training
        tc.run.state.state_changed.connect(self._state_changed)
        tc.run.snapshot.connect(self._snapshot)
        self.panel.table.itemSelectionChanged.connect(self.overlay_selected)
        self.panel.restore_button.clicked.connect(lambda: self.restore(self.selected()[:1]))
        self.panel.export_button.clicked.connect(self._ask_export)
        tc.curves_dock.raise_()
        #: the table follows a running run once a second: refreshed with every snapshot (30 a second, each
        #: re-reading every logged epoch) it held the worker ~3 ms per frame, halving the spiral's speed
        self._live_refresh = Throttle(self.refresh, RUNNING_REFRESH_S, self)
        #: a refresh skipped while the table was hidden (another tab in front): done when it shows
        self._stale = False
        self.dock.visibilityChanged.connect(self._shown)

    # ---- recording ---------------------------------------------------------------------------
    def _state_changed(self, status: Any) -> None:
        if status.state in (RunState.PAUSED, RunState.FINISHED, RunState.FAILED) and self.current is not None:
            self._live_refresh.flush()
        if status.state is RunState.IDLE:
            if self.current is not None:
                self.current.current = False
                self.current = None
                self.refresh()
        elif self.current is None and status.state is RunState.RUNNING:
            doc = self.workspace.document
            self.current = RunRecord.start(len(self.records) + 1, doc.graph.to_network(), doc.training,
                                           doc.graph.to_dict())
            self.records.append(self.current)
            self.refresh()

    def _snapshot(self, snap: Any) -> None:
        rec = self.current
        if rec is None:
            return
        if snap.epoch_logs:
            rec.add_logs(snap.epoch_logs)
        rec.duration_s = float(snap.elapsed_s)
        if not snap.epoch_logs:
            return
        if on_screen(self.panel):
            self._live_refresh.request()
        else:  # behind another tab: each refresh re-reads every epoch (20 ms a second late in a run)
            self._stale = True

    def _shown(self, visible: bool) -> None:
        if visible and self._stale:
            self._stale = False
            self.refresh()

    # ---- table ------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Redraw the table (keeps the sort order and the selection of run numbers)."""
        self._stale = False
        table = self.panel.table
        chosen = {r.number for r in self.selected()}
        table.setSortingEnabled(False)
        table.setRowCount(len(self.records))
        for i, rec in enumerate(self.records):
            values = rec.row()
            for j, key in enumerate(COLUMNS):
                item = _Item(values[key])
                if key == "run" and rec.current:
                    item.setText(f"{rec.number} (now)")
                table.setItem(i, j, item)
        table.setSortingEnabled(True)
        table.resizeColumnsToContents()
        table.blockSignals(True)
        for i in range(table.rowCount()):
            if self._record_at(i).number in chosen:
                table.selectRow(i)
        table.blockSignals(False)
        self.overlay_selected()

    def _record_at(self, row: int) -> RunRecord:
        number = self.panel.table.item(row, 0).value
        return next(r for r in self.records if r.number == number)

    def selected(self) -> list[RunRecord]:
        rows = sorted({i.row() for i in self.panel.table.selectedItems()})
        return [self._record_at(r) for r in rows]

    def overlay_selected(self) -> None:
        """Draw the validation loss (else loss) of the selected runs, one colour per run."""
        plot = self.panel.plot
        plot.clear()
        for rec in self.selected():
            key = "val_loss" if rec.series("val_loss")[0] else "loss"
            xs, ys = rec.series(key)
            label = f"#{rec.number} {rec.settings['optimizer']} lr={rec.settings['learning_rate']}"
            plot.plot(xs, ys, pen=pg.mkPen(class_color(rec.number - 1), width=2), name=label)

    # ---- actions ----------------------------------------------------------------------------
    def restore(self, records: list[RunRecord]) -> bool:
        """Put the network and training settings of ``records[0]`` back (one undoable edit)."""
        if not records or records[0].graph is None:
            return False
        doc = self.workspace.document
        if doc.lock_reason:
            self.panel.note.setText(f"Cannot restore while training: {doc.lock_reason}")
            return False
        rec = records[0]
        from studio.undo import SnapshotCommand

        before = doc.state()
        after = {"graph": rec.graph, "training": rec.training, "data": before["data"]}
        if after != before:
            text = f"Restore the settings of run #{rec.number}"
            doc.undo_stack.push(SnapshotCommand(doc.set_state, text, before, after))
        self.panel.note.setText(f"Settings of run #{rec.number} restored (Edit → Undo to go back).")
        return True

    def export_csv(self, path: str) -> str:
        """Write the table as CSV (atomic); returns the path written."""
        from core.atomic import atomic_write

        return atomic_write(path, runs_csv(self.records))

    def _ask_export(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self.panel, "Export runs", str(user_folder() / "runs.csv"),
                                              "CSV (*.csv)")
        if not path:
            return
        try:
            self.export_csv(path)
        except OSError as exc:
            self.panel.note.setText(f"Cannot write {path}: {exc.strerror or exc}")
            return
        self.panel.note.setText(f"Wrote {len(self.records)} runs to {path}")
