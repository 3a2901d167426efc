"""Issue 12.3: a watchable default pace with Max one click away; Reset draws a new seed unless locked."""

from __future__ import annotations

from PySide6.QtWidgets import QToolBar

from studio.training.toolbar import DEFAULT_SPEED, SPEEDS, TrainingControls


def test_default_pace_is_watchable_and_max_is_one_click(qtbot) -> None:
    bar = QToolBar()
    qtbot.addWidget(bar)
    c = TrainingControls(bar)
    assert c.speed_combo.currentText() == DEFAULT_SPEED and c.speed_limit() == 300.0
    seen = []
    c.speed_changed.connect(seen.append)
    c.max_action.trigger()  # one click: full speed
    assert c.speed_limit() is None and c.max_action.isChecked() and seen == [None]
    c.max_action.trigger()  # and back to the pace chosen before
    assert c.speed_limit() == 300.0 and not c.max_action.isChecked()
    c.speed_combo.setCurrentIndex([n for n, _ in SPEEDS].index("30 steps/s"))
    c.max_action.trigger()
    c.max_action.trigger()
    assert c.speed_limit() == 30.0
    c.speed_combo.setCurrentIndex(0)  # choosing Max in the list checks the button
    assert c.max_action.isChecked()


def test_reset_draws_a_new_seed_unless_it_is_locked(studio_window, qtbot) -> None:
    w = studio_window
    tc = w.training
    qtbot.waitUntil(lambda: tc.model is not None, timeout=10000)
    first = w.document.training["seed"]
    tc.reset()
    second = w.document.training["seed"]
    assert second != first and w.network_panel.seed.value() == second  # the panel shows the seed used
    assert w.workspace.project.to_dict()["training"]["seed"] == second  # and the project saves it
    dense = tc.views.kernel_layers[0]
    kernel = tc.model.layers[dense].get_weights()[0].copy()
    w.network_panel.seed_lock.setChecked(True)
    assert "Reset keeps this seed" in w.network_panel.seed_lock.toolTip()
    assert w.workspace.seed_locked  # the lock's one home, read by the training controller
    tc.reset()
    assert w.document.training["seed"] == second
    assert (tc.model.layers[dense].get_weights()[0] == kernel).all()  # locked: the same initial weights


def test_until_stopped_runs_past_the_budget_and_saves_null(studio_window, qtbot) -> None:
    w = studio_window
    tc = w.training
    qtbot.waitUntil(lambda: tc.model is not None, timeout=10000)
    panel = w.network_panel
    panel.epochs.setValue(2)
    panel.until_stopped.setChecked(True)
    assert "epochs" in w.document.training and w.document.training["epochs"] is None
    assert w.workspace.project.to_dict()["training"]["epochs"] is None
    assert not panel.epochs.isEnabled()
    tc.controls.max_action.setChecked(True)
    assert tc.train_epochs(4, timeout_s=120)  # twice the (unused) budget of 2
    assert tc.epoch == 4 and tc.controls.epoch_label.text() == "Epoch 4"  # no "/ N": no budget
    tc.stop()
    panel.until_stopped.setChecked(False)  # back to a budget: the spin box's value
    assert w.document.training["epochs"] == 2 and panel.epochs.isEnabled()
