"""Plots: boundary image and curves change after training; colour maps, grids, health warnings."""

from __future__ import annotations

import numpy as np

from core import probes
from studio.plots import colors
from studio.plots.boundary import BoundaryView
from studio.plots.curves import LossCurves
from studio.plots.health import GradientHealth


def test_boundary_and_curves_change_after_training(qtbot, studio_window):
    tc = studio_window.training
    qtbot.waitUntil(lambda: tc.boundary.image_array() is not None, timeout=5000)
    before = tc.boundary.image_array().copy()
    assert before.shape[:2] == (100, 100)
    assert tc.curves.loss_item.getData()[0] is None or len(tc.curves.loss_item.getData()[0]) == 0
    assert tc.train_epochs(5, timeout_s=30)
    tc.curves.redraw.flush()
    after = tc.boundary.image_array()
    assert after.shape == before.shape
    assert np.abs(after.astype(int) - before.astype(int)).sum() > 0
    x, y = tc.curves.loss_item.getData()
    assert list(x) == [1, 2, 3, 4, 5] and np.all(np.isfinite(y))
    assert len(tc.curves.val_loss_item.getData()[0]) == 5
    assert len(tc.curves.step_item.getData()[0]) > 5
    tc.health.redraw.flush()
    assert tc.health.names and len(tc.health.grad_items[0].getData()[0]) >= 1
    # the evaluation panel got the test predictions when training paused
    y_test = studio_window.workspace.dataset.y_test
    assert tc.evaluation.cm is not None and tc.evaluation.cm.sum() == len(y_test)
    # Reset fades the run into the previous runs and starts a new one
    tc.reset()
    assert len(tc.curves.runs) == 1 and tc.curves.prev_items
    assert tc.epoch == 0


def test_boundary_view_toggles_slice_and_click(qtbot):
    view = BoundaryView()
    qtbot.addWidget(view)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(60, 4)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int64)
    names = ["a", "b", "c", "d"]
    view.set_data(x[:40], y[:40], x[40:], y[40:], "binary", names, ["no", "yes"])
    assert view.grid.is_slice and view.grid.axes == (0, 1)
    assert "median" in view.slice_label.text() and "c=" in view.slice_label.text()
    with qtbot.waitSignal(view.grid_changed, timeout=1000) as blocker:
        view.y_combo.setCurrentIndex(3)
    assert blocker.args[0].axes == (0, 3)
    out = np.linspace(0, 1, 100 * 100, dtype=np.float32).reshape(100, 100, 1)
    view.set_output(out)
    img = view.image_array().copy()
    view.disc_box.setChecked(True)
    disc = view.image_array()
    assert not np.array_equal(img, disc)
    assert len(np.unique(disc.reshape(-1, 4), axis=0)) == 2  # two flat class colours
    # 2D data: clicking adds a point of the selected class
    x2 = x[:, :2]
    view.set_data(x2[:40], y[:40], x2[40:], y[40:], "binary", ["x1", "x2"], ["no", "yes"])
    view.class_combo.setCurrentIndex(1)
    with qtbot.waitSignal(view.point_added, timeout=1000) as blocker:
        view.add_point_at(0.1, -0.2, view.class_combo.currentIndex())
    feat, label = blocker.args
    assert label == 1 and np.allclose(feat, [0.1, -0.2])


def test_color_maps_and_grid():
    spec = probes.make_grid_spec(np.array([[0, 0], [2, 4]], dtype=np.float32), resolution=120)
    pts = spec.points()
    assert pts.shape == (120 * 120, 2)
    assert pts[:, 0].min() < 0 < 2 < pts[:, 0].max()
    p = np.array([[0.0, 0.5, 1.0]])
    rgba = colors.binary_rgba(p)
    assert rgba.shape == (1, 3, 4) and rgba.dtype == np.uint8
    assert rgba[0, 0, 0] > rgba[0, 0, 2]  # orange for class 0
    assert rgba[0, 2, 2] > rgba[0, 2, 0]  # blue for class 1
    assert np.all(rgba[0, 1, :3] >= 240)  # white at 0.5
    probs = np.array([[[1.0, 0, 0], [1 / 3, 1 / 3, 1 / 3]]])
    mc = colors.multiclass_rgba(probs)
    assert mc[0, 1, :3].min() >= 240  # uncertain -> near white
    assert tuple(mc[0, 0, :3]) != tuple(mc[0, 1, :3])
    heat = colors.value_rgba(np.array([[0.0, 1.0]]), 0.0, 1.0)
    assert heat.shape == (1, 2, 4) and not np.array_equal(heat[0, 0], heat[0, 1])


def test_grid_forward_matches_predict():
    """The pictures' forward pass (reused buffers) agrees with model.predict."""
    from core import Sequential
    from core.layers import Dense, Normalization

    model = Sequential([Normalization([1.0, -1.0], [4.0, 0.25]), Dense(16, activation="tanh"),
                        Dense(8, activation="relu"), Dense(3, activation="softmax")])
    model.build(2, seed=0)
    spec = probes.make_grid_spec(np.array([[-3, -2], [4, 5]], dtype=np.float32), resolution=100)
    outs = probes.GridForward()(model, spec.points())
    assert [o.shape for o in outs] == [(10000, 2), (10000, 16), (10000, 8), (10000, 3)]
    np.testing.assert_allclose(outs[-1], model.predict(spec.points()), atol=1e-6)


def test_gradient_warning_badge(qtbot):
    h = GradientHealth()
    qtbot.addWidget(h)
    h.add(0.5, ["dense_1", "dense_2"], np.array([1e-9, 0.1]), np.array([1.0, 2.0]), {"dense_1": 0.75})
    h.redraw.flush()
    assert h.warning is not None and "Vanishing" in h.warning
    assert not h.badge.isHidden()
    assert "75%" in h.dead_label.text()
    h.add(1.0, ["dense_1", "dense_2"], np.array([1e4, 0.1]), np.array([1.0, 2.0]), {})
    h.redraw.flush()
    assert "Exploding" in h.warning
    h.add(1.5, ["dense_1", "dense_2"], np.array([0.1, 0.2]), np.array([1.0, 2.0]), {})
    h.redraw.flush()
    assert h.warning is None and h.badge.isHidden()
    assert len(h.grad_items[0].getData()[0]) == 3


def test_loss_curves_log_and_previous_runs(qtbot):
    c = LossCurves()
    qtbot.addWidget(c)
    c.add_snapshot(np.array([[1, 1.0], [2, 0.8]]), [(1, {"loss": 0.9, "val_loss": 1.0, "accuracy": 0.5})], 2)
    c.redraw.flush()
    assert c.metric_key == "accuracy"
    c.new_run("adam")
    assert len(c.runs) == 1 and len(c.prev_items) == 3  # loss, val_loss, accuracy faded
    c.prev_box.setChecked(False)
    assert c.prev_items == []
    c.log_box.setChecked(True)
    assert c.loss_plot.getAxis("left").logMode
