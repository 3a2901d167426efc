"""Network tab learning-rate finder: runs off the GUI thread, plots on a log axis, applies undoably."""

from __future__ import annotations

import numpy as np


def test_range_test_plots_marks_and_applies_undoably(qtbot, builder_window) -> None:
    w = builder_window
    box = w.network_panel.lr_finder
    assert not box.apply_button.isEnabled() and box.plot.isHidden()
    before = w.document.training["optimizer"]["learning_rate"]
    with qtbot.waitSignal(box.finished, timeout=60_000) as blocker:
        assert box.start()
        assert box.running and not box.run_button.isEnabled()  # returned at once: a pool thread runs it
    result = blocker.args[0]
    assert not box.running and box.run_button.isEnabled() and box.plot.isVisibleTo(box)
    assert 1e-6 <= result.suggested <= 1.0
    xs, ys = box.curve.getData()
    # log mode: pyqtgraph holds log10 of the learning rates
    assert np.allclose(xs, np.log10(result.learning_rates)) and np.allclose(ys, result.smoothed)
    assert box.plot.getPlotItem().ctrl.logXCheck.isChecked()
    assert box.marker.isVisible() and box.marker.value() == np.log10(result.suggested)
    lr = float(f"{result.suggested:.3g}")
    assert box.apply_button.isEnabled() and box.apply_button.text() == f"Use {lr:g}"
    assert f"Suggested learning rate {lr:g}" in box.status.text()

    assert box.apply()
    assert w.document.training["optimizer"]["learning_rate"] == lr
    assert w.network_panel.lr.value() == round(lr, 5)
    w.document.undo_stack.undo()
    assert w.document.training["optimizer"]["learning_rate"] == before


def test_range_test_without_data_says_why(qtbot, builder_window) -> None:
    w = builder_window
    box = w.network_panel.lr_finder
    w.workspace.set_dataset(None)
    with qtbot.waitSignal(box.failed, timeout=5_000):
        assert not box.start()
    assert "no data loaded" in box.status.text() and box.run_button.isEnabled()
