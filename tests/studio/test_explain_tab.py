"""Explain tab: a boundary click picks a sample; neurons show z→a (or ∂L/∂z); the tab writes the numbers."""

from __future__ import annotations

import numpy as np
import pytest

from core.explain import explain
from core.explain_text import num
from studio.panels.explain import short


def _dataset_target(w, k: int) -> np.ndarray:
    return np.array([float(w.workspace.dataset.y_train[k])])


def test_clicking_a_data_point_explains_it_on_the_canvas(qtbot, studio_window) -> None:
    w = studio_window
    ex, scene, model = w.explain, w.canvas_scene, w.training.model
    assert model is not None and ex.panel.sample.text().startswith("Click a point")
    x = w.workspace.dataset.x_train[3].astype(np.float64)
    # a click a little off the point still picks it (within 3 % of the plane)
    ex.pick_plane_point(float(x[0]) + 0.02, float(x[1]) - 0.02)
    assert ex.panel.sample.text().startswith("Sample: training point #3")
    expected = explain(model, x, _dataset_target(w, 3))
    hidden = expected.layers[1]
    values = scene.items_by_id["dense_1"].neuron_values
    assert values == {j: f"{short(hidden.z[j])}→{short(hidden.a[j])}" for j in range(4)}
    out = expected.output[0]
    output = ex.panel.output.text()
    assert f"= {num(out)}" in output and f"sample: {num(expected.loss)}" in output
    assert scene.items_by_id["input"].neuron_values[0].startswith(short(x[0]))
    marker_x, marker_y = ex.marker.getData()
    assert marker_x[0] == pytest.approx(x[0]) and marker_y[0] == pytest.approx(x[1])

    ex.panel.backward.setChecked(True)
    assert scene.items_by_id["dense_1"].neuron_values[0] == f"∂ {short(hidden.dz[0], 2)}"
    assert scene.items_by_id["output"].neuron_values[0] == f"∂ {short(expected.layers[-1].dz[0], 2)}"
    # the neuron under the mouse gets its computation written out, with the gradients of its links
    card = scene.items_by_id["dense_1"]
    scene.neuron_hover(card, 1, card.mapToScene(card.neuron_center(1)))
    text = ex.panel.text.toPlainText()
    assert f"z = {num(hidden.kernel[0, 1])}·" in text and f"= {num(hidden.z[1])}" in text
    assert f"a = tanh({num(hidden.z[1])}) = {num(hidden.a[1])}" in text
    assert f"= {num(hidden.dkernel[0, 1])}   (w = {num(hidden.kernel[0, 1])})" in text

    ex.clear()
    assert scene.items_by_id["dense_1"].neuron_values == {}


def test_a_click_away_from_points_explains_that_place_without_loss(qtbot, studio_window) -> None:
    w = studio_window
    ex = w.explain
    grid = w.training.boundary.grid
    x0, x1, y0, y1 = grid.extent
    ex.pick_plane_point(x0 + 0.001 * (x1 - x0), y0 + 0.001 * (y1 - y0))  # a corner: no data point near
    assert "no label" in ex.panel.sample.text() and "Loss" not in ex.panel.output.text()
    assert ex.explanation is not None and ex.explanation.loss is None
    ex.panel.backward.setChecked(True)  # nothing to differentiate without a target: z→a stays
    assert "→" in w.canvas_scene.items_by_id["dense_1"].neuron_values[0]


def test_numbers_follow_training(qtbot, studio_window) -> None:
    w = studio_window
    ex, tc = w.explain, w.training
    x = w.workspace.dataset.x_train[0]
    ex.pick_plane_point(float(x[0]), float(x[1]))
    before = dict(w.canvas_scene.items_by_id["dense_1"].neuron_values)
    assert tc.train_epochs(3)
    qtbot.waitUntil(lambda: w.canvas_scene.items_by_id["dense_1"].neuron_values != before, timeout=10_000)
    expected = explain(tc.model, x.astype(np.float64))
    assert w.canvas_scene.items_by_id["dense_1"].neuron_values[0] == \
        f"{short(expected.layers[1].z[0])}→{short(expected.layers[1].a[0])}"


def test_backward_draws_the_gradients_on_the_links(qtbot, studio_window) -> None:
    w = studio_window
    ex, scene, model = w.explain, w.canvas_scene, w.training.model
    x = w.workspace.dataset.x_train[5].astype(np.float64)
    ex.pick_plane_point(float(x[0]), float(x[1]))
    link = scene.links[("input", "dense_1")]
    kernel = model.layers[1].get_weights()[0]
    np.testing.assert_array_equal(link.weights, kernel)  # forward: the links show the weights
    ex.panel.backward.setChecked(True)
    expected = explain(model, x, _dataset_target(w, 5))
    np.testing.assert_allclose(link.weights, expected.layers[1].dkernel)
    into_output = next(k for k in scene.links if k[1] == "output")
    np.testing.assert_allclose(scene.links[into_output].weights, expected.layers[-1].dkernel)
    # training recolours the links with the weights once a second: the gradients come back on top
    w.training.views.set_kernels([la.get_weights() for la in model.layers])
    qtbot.waitUntil(lambda: np.allclose(link.weights, ex.explanation.layers[1].dkernel), timeout=2000)
    ex.panel.backward.setChecked(False)
    np.testing.assert_array_equal(link.weights, model.layers[1].get_weights()[0])
    ex.panel.backward.setChecked(True)
    ex.clear()  # no sample: the weights again
    np.testing.assert_array_equal(link.weights, model.layers[1].get_weights()[0])


def test_loss_under_target_scaling_is_the_engines(qtbot, studio_window, tmp_path) -> None:
    """A regression project with data.target_scaling "standard": the loss the tab shows for a picked point is
    model.evaluate's on that row (measured on standardized values, which the tab says)."""
    from tests.core.test_target_scaling import _big_offset_csv, _project
    from tests.studio.conftest import wait_loaded

    w = studio_window
    _big_offset_csv(tmp_path / "big.csv")
    assert w.load_project_file(str(_project(tmp_path, "standard")))
    wait_loaded(qtbot, w)
    tc, ds = w.training, w.workspace.dataset
    assert tc.train_epochs(2)
    model = tc.model
    assert model.layers[-1].name == "target_scaling"
    y = ds.targets(model.loss.name)[0]
    w.explain.pick_plane_point(float(ds.x_train[4][0]), float(ds.x_train[4][1]))
    assert w.explain.panel.sample.text().startswith("Sample: training point #4")
    engine = model.evaluate(ds.x_train[4:5], y[4:5])["loss"]
    lines = w.explain.panel.output.text().splitlines()
    assert lines[0] == f"Output: {num(model.predict(ds.x_train[4:5])[0, 0])}"
    shown = w.explain.explanation.loss  # float64 here, float32 in the engine: equal to 1e-5, not to 4 digits
    assert shown == pytest.approx(engine, rel=1e-5)
    assert lines[1] == f"Loss (mse) for this sample: {num(shown)}"
    mean, std = float(np.mean(ds.y_train)), float(np.std(ds.y_train))
    target = float(np.ravel(ds.y_train[4])[0])
    assert lines[2].startswith(f"measured on standardized values: target ({num(target)} - {num(mean)}) / "
                               f"{num(std)} = {num((target - mean) / std)}, output ")


def test_hovering_the_output_neuron_titles_it_with_the_card_name(qtbot, studio_window) -> None:
    w = studio_window
    model = w.training.model
    engine = model.layers[-1].name
    assert engine != "output"  # the engine calls it e.g. dense_2; the canvas calls it "output"
    x = w.workspace.dataset.x_train[3].astype(np.float64)
    w.explain.pick_plane_point(float(x[0]), float(x[1]))
    scene = w.canvas_scene
    card = scene.items_by_id["output"]
    scene.neuron_hover(card, 0, card.mapToScene(card.neuron_center(0)))
    first = w.explain.panel.text.toPlainText().splitlines()[0]
    assert first == "output (Dense, sigmoid)"
    hidden = scene.items_by_id["dense_1"]
    scene.neuron_hover(hidden, 1, hidden.mapToScene(hidden.neuron_center(1)))
    assert w.explain.panel.text.toPlainText().splitlines()[0] == "dense_1 (Dense, tanh)"
    # nothing hovered or selected: the whole pass, each layer under its card's name too
    w.explain.focus = None
    w.explain.refresh()
    text = w.explain.panel.text.toPlainText()
    assert "\noutput (Dense, 1 unit, sigmoid)" in text and f"\n{engine} (" not in text
