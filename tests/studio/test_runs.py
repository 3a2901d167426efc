"""Runs dock: each run of the session is a row with its settings and metrics; overlay, restore, CSV."""

from __future__ import annotations

import csv

from core.runs import COLUMNS, RunRecord, runs_csv, settings_summary
from studio.plots.redraw import on_screen


def test_settings_and_metrics_of_a_record() -> None:
    network = [{"type": "input"}, {"type": "dense", "units": 4, "activation": "tanh",
                                   "kernel_regularizer": {"name": "l2", "l2": 0.001}},
               {"type": "dropout", "rate": 0.2}, {"type": "dense", "units": 2, "activation": "tanh"},
               {"type": "output"}]
    training = {"optimizer": {"name": "sgd", "learning_rate": 0.1}, "batch_size": 8, "seed": 3}
    s = settings_summary(network, training)
    assert s == {"optimizer": "sgd", "learning_rate": 0.1, "batch_size": 8, "hidden_units": "4-2",
                 "activation": "tanh", "regularization": "dense1:l2(l2=0.001), dropout 0.2", "seed": 3}
    rec = RunRecord.start(1, network, training)
    rec.add_logs([(1, {"loss": 0.6, "val_loss": 0.7, "accuracy": 0.6, "val_accuracy": 0.55}),
                  (2, {"loss": 0.4, "val_loss": 0.5, "accuracy": 0.8, "val_accuracy": 0.85}),
                  (3, {"loss": 0.3, "val_loss": 0.6, "accuracy": 0.9, "val_accuracy": 0.8})])
    row = rec.row()
    assert row["epochs"] == 3 and row["metric"] == "val_accuracy"
    assert row["final_metric"] == 0.8 and row["best_metric"] == 0.85
    assert row["final_loss"] == 0.3 and rec.best("val_loss") == 0.5
    lines = list(csv.reader(runs_csv([rec]).splitlines()))
    assert lines[0] == list(COLUMNS) and lines[1][0] == "1"
    assert lines[1][COLUMNS.index("best_metric")] == "0.85"


def test_runs_are_recorded_compared_and_restored(qtbot, studio_window, tmp_path) -> None:
    w = studio_window
    runs, tc, doc = w.runs, w.training, w.document
    lr0 = doc.training["optimizer"]["learning_rate"]
    assert tc.train_epochs(3)
    assert len(runs.records) == 1 and runs.records[0].current and runs.records[0].epochs == 3
    tc.reset()
    qtbot.waitUntil(lambda: not runs.records[0].current, timeout=5000)
    assert doc.set_training(("optimizer", "learning_rate"), 0.5)
    assert tc.train_epochs(2)
    assert [r.number for r in runs.records] == [1, 2]
    first, second = runs.records
    assert first.settings["learning_rate"] == lr0 and second.settings["learning_rate"] == 0.5
    assert second.epochs == 2 and second.duration_s > 0
    table = runs.panel.table
    assert table.rowCount() == 2
    lr_col = list(COLUMNS).index("learning_rate")
    table.sortItems(lr_col)  # sorting keeps numbers numeric
    values = [table.item(i, lr_col).value for i in range(2)]
    assert values == sorted(values)
    table.selectAll()
    items = runs.panel.plot.getPlotItem().listDataItems()
    assert sorted(len(item.getData()[0]) for item in items) == [2, 3]
    # one click restores run 1's settings (undoable); CSV export writes both rows
    tc.stop()
    qtbot.waitUntil(lambda: not doc.lock_reason, timeout=5000)
    assert runs.restore([first])
    assert doc.training["optimizer"]["learning_rate"] == lr0
    doc.undo_stack.undo()
    assert doc.training["optimizer"]["learning_rate"] == 0.5
    path = runs.export_csv(str(tmp_path / "runs.csv"))
    rows = list(csv.reader(open(path)))
    assert len(rows) == 3 and rows[0] == list(COLUMNS)
    assert not runs.restore([])



def test_hidden_runs_table_refreshes_when_shown(qtbot, studio_window) -> None:
    """Behind another tab the table is not rebuilt while a run trains (each rebuild re-reads every
    epoch); it catches up as soon as its tab is raised."""
    w = studio_window
    runs, tc = w.runs, w.training
    w.document.training["epochs"] = 10**6
    w.show()
    qtbot.waitExposed(w)
    tc.curves_dock.raise_()
    qtbot.waitUntil(lambda: not on_screen(runs.panel), timeout=5000)
    tc.play_pause()
    qtbot.waitUntil(lambda: runs.current is not None and runs.current.epochs >= 3, timeout=20000)
    epochs_col = list(COLUMNS).index("epochs")
    table = runs.panel.table
    assert runs._stale and table.item(0, epochs_col).value < runs.current.epochs
    runs.dock.raise_()
    qtbot.waitUntil(lambda: on_screen(runs.panel) and table.item(0, epochs_col).value >= 3, timeout=5000)
    tc.stop()
