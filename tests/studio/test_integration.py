"""Seams between the builder, training and export sides of the main window."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402


def _grid(n: int = 21) -> np.ndarray:
    """(n*n, 2) float32 points over the toy data's range."""
    a = np.linspace(-6.0, 6.0, n, dtype=np.float32)
    xx, yy = np.meshgrid(a, a)
    return np.column_stack([xx.ravel(), yy.ravel()]).astype(np.float32)


def _clearance(link, pt, pair) -> float:
    """Distance from ``pt`` to the nearest drawn line of ``link`` other than ``pair``."""
    best = 1e9
    for a, b, p, q in link.pairs():
        if (a, b) == pair:
            continue
        d = q - p
        t = ((pt.x() - p.x()) * d.x() + (pt.y() - p.y()) * d.y()) / max(d.x() ** 2 + d.y() ** 2, 1e-9)
        t = min(max(t, 0.0), 1.0)
        best = min(best, float(np.hypot(p.x() + t * d.x() - pt.x(), p.y() + t * d.y() - pt.y())))
    return best


def test_training_publishes_trained_model_and_busy_state(qtbot, studio_window) -> None:
    w = studio_window
    tc = w.training
    actions = w.export_actions
    assert w.workspace.model is None and w.workspace.busy is None
    assert not actions.export_action.isEnabled()
    assert tc.train_epochs(2)
    assert w.workspace.model is tc.model and w.workspace.busy is None
    assert actions.export_action.isEnabled() and actions.predict_action.isEnabled()
    # while running: busy, export disabled with the reason as tooltip
    tc.play_pause()
    assert w.workspace.busy
    assert not actions.export_action.isEnabled()
    assert actions.export_action.toolTip() == w.workspace.busy
    with qtbot.waitSignal(tc.session.paused, timeout=10000):
        tc.play_pause()
    assert w.workspace.busy is None and actions.export_action.isEnabled()
    dialog = actions.open_export_dialog()
    assert dialog is not None and dialog.model is tc.model
    dialog.close()
    # moving a card keeps the weights; changing the structure drops them
    node = next(iter(w.document.graph.nodes))
    tc.stop()
    x, y = w.document.graph.nodes[node].pos
    assert w.document.move_nodes({node: (x + 30.0, y)})
    assert w.workspace.model is tc.model
    dense = next(n for n, v in w.document.graph.nodes.items() if v.kind == "dense")
    assert w.document.set_node_config(dense, "units", 5)
    assert w.workspace.model is None and not actions.export_action.isEnabled()
    assert tc.train_epochs(1) and w.workspace.model is tc.model
    tc.reset()
    assert w.workspace.model is None and not actions.export_action.isEnabled()


def test_imported_weights_are_trained_on_and_shown(qtbot, studio_window, tmp_path) -> None:
    from core.export import save_weights_npz

    w = studio_window
    tc = w.training
    assert tc.train_epochs(3)
    path = tmp_path / "trained.npz"
    save_weights_npz(tc.model, path, w.workspace.dataset.preprocessing)
    saved = [a.copy() for a in tc.model.get_weights()]
    x = _grid()
    expected = tc.model.predict(x)
    tc.reset()
    fresh = [a.copy() for a in tc.model.get_weights()]
    assert not np.allclose(tc.model.predict(x), expected)

    assert w.export_actions.import_weights(str(path))
    model = tc.model
    assert w.workspace.model is model and tc.has_weights
    np.testing.assert_array_equal(model.predict(x), expected)
    # the canvas links show the imported kernels
    out_kernel = saved[-2]
    link = next(lk for (s, d), lk in w.canvas_scene.links.items() if d == "output")
    np.testing.assert_array_equal(link.weights, out_kernel)

    # Play continues from the imported weights: the worker trains this very model, not a new one
    assert tc.train_epochs(1)
    assert tc.model is model and tc.session is not None and tc.session.job.model is model
    after = model.get_weights()
    moved = sum(float(np.abs(a - b).sum()) for a, b in zip(after, saved, strict=True))
    from_fresh = sum(float(np.abs(a - b).sum()) for a, b in zip(after, fresh, strict=True))
    assert moved < from_fresh


def test_save_writes_weights_and_reopening_restores_identical_predictions(
    qtbot, studio_window, tmp_path, studio_settings
) -> None:
    import json

    from tests.studio.conftest import _make_window, wait_loaded

    w = studio_window
    tc = w.training
    assert tc.train_epochs(3)
    x = _grid()
    expected = tc.model.predict(x)
    project = tmp_path / "net.json"
    assert w.save_to(str(project))
    assert (tmp_path / "net.npz").is_file()
    assert json.loads(project.read_text())["weights"] == "net.npz"
    assert w.document.weights == "net.npz"

    other = _make_window(qtbot, studio_settings)
    assert other.load_project_file(str(project))
    wait_loaded(qtbot, other)
    assert other.workspace.model is not None and other.workspace.model is other.training.model
    np.testing.assert_array_equal(other.workspace.model.predict(x), expected)
    assert other.export_actions.export_action.isEnabled()
    # issue 12: the toolbar shows the epochs the weights were trained for (the weights file records them)
    assert other.workspace.model.epochs_trained == 3 and other.training.epoch == 3
    assert other.training.controls.epoch_label.text() == "Epoch 3 / 300"
    assert other.training.controls.progress.value() == 10  # 3 of 300 epochs, in 1/1000
    # the loss curves come back from the weights file's history, epoch for epoch
    saved_loss = w.training.curves.current.epochs["loss"].view().copy()
    shown = other.training.curves.current.epochs
    np.testing.assert_array_equal(saved_loss[:, 0], [1, 2, 3])
    np.testing.assert_allclose(shown["loss"].view(), saved_loss)
    np.testing.assert_allclose(shown["val_loss"].view(), w.training.curves.current.epochs["val_loss"].view())
    assert other.training.curves.status.text() == w.training.curves.status.text() == (
        "epoch 3  loss {:.4f}\nval_loss {:.4f}".format(saved_loss[-1, 1], shown["val_loss"].view()[-1, 1]))
    assert other.training.boundary.epoch_label.text() == "epoch 3"  # the picture names its epoch too
    headline = other.training.evaluation.headline
    qtbot.waitUntil(lambda: headline.text().startswith("Test after epoch 3:"), timeout=10000)
    # Play continues from the restored weights and their epoch count
    assert other.training.train_epochs(1)
    assert other.training.session.job.model is other.workspace.model
    assert other.training.epoch == 4 and other.workspace.model.epochs_trained == 4
    assert other.training.controls.epoch_label.text() == "Epoch 4 / 300"
    np.testing.assert_array_equal(other.training.curves.current.epochs["loss"].view()[:, 0], [1, 2, 3, 4])

    # Save As into another folder: the weights file follows the project
    sub = tmp_path / "copy"
    sub.mkdir()
    assert other.save_to(str(sub / "again.json"))
    assert json.loads((sub / "again.json").read_text())["weights"] == "again.npz"
    # a reset network drops the reference (the old file no longer describes it)
    other.training.reset()
    assert other.save_to(str(sub / "again.json"))
    assert "weights" not in json.loads((sub / "again.json").read_text())
    other.close()


def test_clicking_a_link_shows_and_edits_its_weight(qtbot, studio_window) -> None:
    from PySide6.QtCore import Qt

    w = studio_window
    tc = w.training
    assert tc.train_epochs(1)
    tc.stop()
    scene, view = w.canvas_scene, w.canvas
    link = scene.links[("dense_1", "dense_2")]
    _i, _j, p, q = next(t for t in link.pairs() if t[:2] == (2, 1))
    # a point on that line in the gap between the two cards (the cards are drawn above the links),
    # as far from the other lines as possible
    lo = (link.src.mapToScene(link.src.card_rect().topRight()).x() + 4 - p.x()) / (q.x() - p.x())
    hi = (link.dst.mapToScene(link.dst.card_rect().topLeft()).x() - 4 - p.x()) / (q.x() - p.x())

    at = max((p + (q - p) * t for t in np.linspace(lo, hi, 15)),
             key=lambda pt: _clearance(link, pt, (2, 1)))
    view.set_zoom(2.0)
    view.centerOn(at)
    assert link.pair_at(at) == (2, 1)
    kernel = tc.model.layers[tc.views.layer_of("dense_2")].params["kernel"]
    # the real mouse path: a left click on the canvas over that line
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.mapFromScene(at))
    editor = tc.link_editor
    assert editor.isVisible()
    assert editor.text() == f"from neuron 3 of dense_1 → neuron 2 of dense_2: w = {float(kernel[2, 1]):.4f}"
    editor.spin.setValue(0.75)
    assert kernel[2, 1] == np.float32(0.75)
    assert link.weights[2, 1] == np.float32(0.75)  # the pen follows
    assert w.workspace.model is tc.model
    # while training runs the popup shows the weight read-only and edits are refused
    tc.play_pause()
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.mapFromScene(at))
    assert editor.isVisible() and editor.spin.isReadOnly()
    assert not tc.set_link_weight("dense_1", "dense_2", 2, 1, -3.0)
    with qtbot.waitSignal(tc.session.paused, timeout=10000):
        tc.play_pause()
    assert not editor.spin.isReadOnly()
    assert float(kernel[2, 1]) != -3.0
    # the weight changes the predictions (a big weight on a hidden unit)
    x = _grid()
    out = tc.model.predict(x)
    assert tc.set_link_weight("dense_1", "dense_2", 2, 1, 25.0)
    assert not np.allclose(tc.model.predict(x), out)
    # a changed network closes the popup (its link may be gone)
    tc.stop()
    assert w.document.set_node_config("dense_1", "units", 3)
    assert not editor.isVisible()


def test_network_panel_auto_loss_and_optimizer_switch_agree_with_project(builder_window) -> None:
    from core.datasets.toy import make_toy
    from core.project import Project

    w = builder_window
    panel = w.network_panel
    w.workspace.set_dataset(make_toy("xor", samples=60))
    assert w.document.set_node_config("output", "activation", "softmax")
    assert panel.loss_resolved.text().startswith("→ sparse_categorical_crossentropy")
    assert w.canvas_scene.items_by_id["output"].units == 2
    assert not [p for p in w.validation.problems if p.severity == "error"]
    # switching optimizers keeps only keys the new optimizer takes; the project stays valid
    combo = panel.optimizer
    combo.setCurrentIndex(combo.findData("sgd"))
    panel.momentum.setValue(0.9)
    assert w.document.training["optimizer"]["momentum"] == 0.9
    combo.setCurrentIndex(combo.findData("adam"))
    panel.beta_1.setValue(0.8)
    panel.momentum.setValue(0.5)  # a hidden control of another optimizer changes nothing
    assert w.document.training["optimizer"] == {"name": "adam", "learning_rate": panel.lr.value(),
                                                "beta_1": 0.8}
    combo.setCurrentIndex(combo.findData("adamw"))
    assert w.document.training["optimizer"]["beta_1"] == 0.8  # shared setting kept
    for name in ("rmsprop", "adagrad", "sgd"):
        combo.setCurrentIndex(combo.findData(name))
        Project.from_dict(w.workspace.project.to_dict(), w.workspace.base_dir())  # validates: no stray keys


def test_cannot_build_message_clears_when_the_network_is_valid_again(qtbot, studio_window) -> None:
    w = studio_window
    tc = w.training
    assert w.document.set_node_config("output", "units", 3)  # binary data needs 1 unit
    assert tc.model is None
    message = w.canvas.message_text()  # issue 12.7: one readable place, not banner + both status-bar ends
    assert message.startswith("Cannot build the network") and message.endswith("binary task.")
    assert w.statusBar().currentMessage() == ""
    assert "\\n" not in tc.boundary.empty_text.toPlainText()
    assert not w.canvas._banner_timer.isActive()  # unlike a passing hint, the error stays until it is fixed
    assert w.document.undo_stack.canUndo()
    w.document.undo_stack.undo()
    assert tc.model is not None
    assert w.statusBar().currentMessage() == ""
    assert w.canvas.message_text() == ""
    assert not tc.controls.status_label.text().startswith("Cannot build")


def test_inspector_analysis_shows_five_rows_of_each_list_at_1440x900(qtbot, studio_window) -> None:
    w = studio_window
    w.resize(1440, 900)
    qtbot.wait(50)
    w.side_tabs.setCurrentWidget(w.validation)
    for _ in range(6):  # unconnected layers: one problem each
        w.document.add_node("dense", (0.0, 400.0))
    qtbot.wait(20)
    lst, table = w.validation.list, w.validation.table
    assert lst.count() >= 5 and table.rowCount() >= 5
    row = max(lst.sizeHintForRow(i) for i in range(5)) + 2 * lst.spacing()
    assert lst.viewport().height() >= 5 * row - 4, (lst.viewport().height(), row)
    assert table.viewport().height() >= 5 * table.rowHeight(0), table.viewport().height()
    boundary = w.training.boundary_dock
    assert boundary.isVisible() and boundary.height() >= 300


def test_trained_weights_count_as_unsaved_changes(qtbot, studio_window, tmp_path) -> None:
    w = studio_window
    asked: list[str] = []
    w.ask_save_changes = lambda: asked.append("asked") or "cancel"
    assert not w.workspace.modified
    assert w.training.train_epochs(1)
    assert w.workspace.modified and w.workspace.weights_unsaved and w.isWindowModified()
    assert not w.confirm_discard() and asked == ["asked"]  # closing would ask before losing the weights
    assert w.save_to(str(tmp_path / "trained.json"))
    assert not w.workspace.modified and not w.isWindowModified()
    assert w.confirm_discard() and asked == ["asked"]  # nothing left to lose: no second question
