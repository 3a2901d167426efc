"""Loss/metric curves: smoothed per-step loss, R² for regression, labelled toggleable runs, x span."""

from __future__ import annotations

import numpy as np

from studio.plots.curves import LossCurves
from studio.plots.run_series import smoothing_factor


def test_smoothed_step_loss_is_bias_corrected_and_follows_short_epochs(qtbot):
    c = LossCurves()
    qtbot.addWidget(c)
    assert smoothing_factor(4) == 0.3 and abs(smoothing_factor(99) - 0.02) < 1e-12
    # 4 batches per epoch, constant loss 2.0 then a drop to 1.0 from epoch 2 on
    steps = np.array([[i + 1, 2.0 if i < 4 else 1.0] for i in range(12)])
    c.add_snapshot(steps, [], 4)
    c.redraw.flush()
    x, y = c.step_item.getData()
    assert np.allclose(x, np.arange(1, 13) / 4)
    assert np.allclose(y[:4], 2.0)  # no start-up bias: a constant loss stays constant
    assert y[-1] < 1.1  # two epochs after the drop the curve has caught up (fixed 0.02 gave ~1.8)
    # a non-finite step leaves a gap and does not poison the average
    c.add_snapshot(np.array([[13, np.inf], [14, 1.0]]), [], 4)
    c.redraw.flush()
    y = c.step_item.getData()[1]
    assert np.isnan(y[-2]) and abs(y[-1] - 1.0) < 0.1


def test_regression_run_plots_r2(qtbot, studio_window):
    """Regression projects train with mae and r2 by default; the metric plot shows R²."""
    tc = studio_window.training
    spec = dict(studio_window.document.data, name="plane")
    studio_window.document.set_data_spec(spec)
    ws = studio_window.workspace
    qtbot.waitUntil(lambda: ws.dataset is not None and ws.dataset.task == "regression",
                    timeout=10000)
    assert tc.train_epochs(2, timeout_s=30)
    tc.curves.redraw.flush()
    assert tc.curves.metric_key == "r2"
    x, y = tc.curves.val_metric_item.getData()
    assert list(x) == [1, 2] and np.all(y <= 1.0)
    lo, hi = tc.curves.metric_plot.viewRange()[1]
    assert lo >= -1.2 and hi <= 1.2  # R² axis stays readable even when early values are very negative


def test_r2_axis_ignores_hopeless_early_values(qtbot):
    c = LossCurves()
    qtbot.addWidget(c)
    logs = [(1, {"loss": 9.0, "mae": 3.0, "r2": -50.0, "val_r2": -40.0}),
            (2, {"loss": 1.0, "mae": 1.0, "r2": 0.5})]
    c.add_snapshot(np.array([[1, 9.0], [2, 1.0]]), logs, 1)
    c.redraw.flush()
    assert c.metric_key == "r2"  # preferred over mae
    lo, hi = c.metric_plot.viewRange()[1]
    assert -1.3 <= lo < 0.5 and hi >= 0.5


def test_epoch_axis_spans_the_budget_then_fits_the_data(qtbot):
    c = LossCurves()
    qtbot.addWidget(c)
    steps = np.array([[i + 1, 1.0] for i in range(8)])
    c.add_snapshot(steps, [(1, {"loss": 1.0}), (2, {"loss": 0.9})], 4, epochs=40)
    c.redraw.flush()
    lo, hi = c.loss_plot.viewRange()[0]
    assert 39 < hi - lo < 42  # the budget (40 epochs, 2% padding)
    c.fit_x_to_data()
    lo, hi = c.loss_plot.viewRange()[0]
    assert 1.9 < hi - lo < 2.2  # fitted to the 2 epochs trained
    # training continues: back to the budget
    c.add_snapshot(np.array([[9, 0.8]]), [], 4, epochs=40)
    c.redraw.flush()
    assert c.loss_plot.viewRange()[0][1] > 39
    # without a budget the axis grows ahead of the data, and fits it when the run ends
    c.new_run()
    c.add_snapshot(steps * [1, 1], [(1, {"loss": 1.0}), (2, {"loss": 0.9})], 4)
    c.redraw.flush()
    assert c.loss_plot.viewRange()[0][1] >= 5
    c.fit_x_to_data()
    assert c.loss_plot.viewRange()[0][1] < 2.2


def test_finished_run_fits_the_epoch_axis(qtbot, studio_window):
    tc = studio_window.training
    studio_window.document.set_training(("epochs",), 3)
    qtbot.waitUntil(lambda: tc.model is not None, timeout=5000)
    tc.play_pause()
    qtbot.waitUntil(lambda: tc.session is None and tc.epoch == 3, timeout=30000)
    lo, hi = tc.curves.loss_plot.viewRange()[0]
    assert 2.9 < hi < 3.3  # not 1.5x the last epoch


def _legend_texts(plot) -> list[str]:
    return [label.text for _sample, label in plot.legend.items]


def test_previous_runs_are_labelled_and_toggled_one_by_one(qtbot):
    c = LossCurves()
    qtbot.addWidget(c)
    for lr in ("0.1", "0.01"):
        c.set_run_label(f"adam lr={lr} · 4-2")
        logs = [(1, {"loss": 0.9, "val_loss": 1.0, "accuracy": 0.5})]
        c.add_snapshot(np.array([[1, 1.0], [2, 0.8]]), logs, 2)
        c.new_run()
    assert [r.label for r in c.runs] == ["#1 adam lr=0.1 · 4-2", "#2 adam lr=0.01 · 4-2"]
    assert len(c.prev_items) == 6  # loss, val_loss, accuracy for each run
    legend = _legend_texts(c.loss_plot)
    assert "#1 adam lr=0.1 · 4-2" in legend and "#2 adam lr=0.01 · 4-2" in legend
    actions = c.run_actions
    assert [a.text() for a in actions] == ["#2 adam lr=0.01 · 4-2", "#1 adam lr=0.1 · 4-2"]  # newest first
    assert c.runs_btn.isEnabled() and all(a.isChecked() for a in actions)
    actions[1].setChecked(False)  # hide run #1 only
    assert len(c.prev_items) == 3 and not c.runs[0].visible
    legend = _legend_texts(c.loss_plot)
    assert "#1 adam lr=0.1 · 4-2" not in legend and "#2 adam lr=0.01 · 4-2" in legend
    # the two runs use different line styles
    c.runs[0].visible = True
    c._redraw_previous()
    styles = {it.opts["pen"].style() for _p, it in c.prev_items}
    assert len(styles) == 2
    c.clear_action.trigger()  # Runs ▸ Clear runs
    assert c.runs == [] and c.prev_items == [] and not c.run_actions and not c.runs_btn.isEnabled()


def test_controller_labels_runs_with_optimizer_lr_and_hidden_units(qtbot, studio_window):
    tc = studio_window.training
    qtbot.waitUntil(lambda: tc.model is not None, timeout=5000)
    assert tc.train_epochs(1, timeout_s=30)
    tc.reset()
    assert len(tc.curves.runs) == 1
    label = tc.curves.runs[0].label
    assert label.startswith("#1 ") and "lr=" in label and label.endswith("· 4-2")  # Playground 2-4-2-1


def test_epoch_axis_shows_the_budget_before_training(qtbot, studio_window):
    tc = studio_window.training
    studio_window.document.set_training(("epochs",), 40)
    qtbot.waitUntil(lambda: tc.model is not None, timeout=5000)
    lo, hi = tc.curves.loss_plot.viewRange()[0]
    assert 39 < hi < 42  # 0..40 epochs, not an empty 0..1 axis

def test_runs_on_other_data_or_metric_are_hidden_and_labelled(qtbot):
    """Issue 12.7: an accuracy curve is never drawn on an R² axis; the Runs menu says why."""
    c = LossCurves()
    qtbot.addWidget(c)
    c.set_data_key("toy:circle:binary")
    c.set_run_label("adam lr=0.03 · 4-2")
    c.add_snapshot(np.array([[1, 0.7], [2, 0.6]]), [(1, {"loss": 0.6, "accuracy": 0.8})], 2)
    c.new_run()
    assert len(c.prev_items) == 2  # loss and accuracy of the circle run
    c.set_data_key("csv:penguins:regression")
    assert c.prev_items == [] and c._shown_runs() == []
    (act,) = [a for a in c.run_actions]
    assert not act.isEnabled() and not act.isChecked()
    assert act.text() == "#1 adam lr=0.03 · 4-2 — other data or metric, hidden"
    c.add_snapshot(np.array([[1, 3.0]]), [(1, {"loss": 3.0, "r2": 0.1})], 1)
    c.new_run()
    c.set_data_key("toy:circle:binary")  # back on the circle: run #1 is comparable again, #2 is not
    assert [r.label.split()[0] for r in c._shown_runs()] == ["#1"]
    assert [a.isEnabled() for a in c.run_actions] == [False, True]  # newest (#2, regression) first
