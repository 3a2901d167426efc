"""The Output card's neuron pictures take the decision boundary's colours (one mapping,
``studio.plots.colors.output_rgba`` / ``output_unit_rgba``), so they look like thumbnails of it: a sigmoid's
P(class 1) orange below 0.5 and blue above, class colours for more classes, the value ramp in target units
for regression. Hidden neurons keep the diverging scale centred at 0."""

from __future__ import annotations

import json

import numpy as np

from core.probes import activation_images
from studio.plots import colors
from tests.core.test_target_scaling import _big_offset_csv, _project
from tests.studio.conftest import wait_loaded

ORANGE, BLUE = colors.CLASS_COLORS[0], colors.CLASS_COLORS[1]


def _is(rgb: np.ndarray, colour: np.ndarray) -> bool:
    """``rgb`` is a shade of ``colour`` (nearer it than the other of orange/blue, and not white)."""
    other = BLUE if colour is ORANGE else ORANGE
    rgb = np.asarray(rgb, dtype=np.float32)
    return bool(np.linalg.norm(rgb - colour) < np.linalg.norm(rgb - other) and rgb.min() < 200)


# ---- the mapping itself ---------------------------------------------------------------------------
def test_one_sigmoid_unit_is_the_boundary_picture() -> None:
    p = np.array([[[0.02, 0.3], [0.5, 0.97]]], dtype=np.float32)  # (1 unit, 2, 2)
    unit = colors.output_unit_rgba(p, "binary")
    assert unit.shape == (1, 2, 2, 4) and unit.dtype == np.uint8
    assert np.array_equal(unit[0], colors.output_rgba(np.moveaxis(p, 0, -1), "binary"))
    assert _is(unit[0, 0, 0, :3], ORANGE) and _is(unit[0, 1, 1, :3], BLUE)
    assert unit[0, 1, 0, :3].min() >= 245  # 0.5: white, the boundary's midpoint
    # the hidden scale, centred at 0, never shows a probability in class 0's orange
    assert not any(_is(c, ORANGE) for c in colors.diverging_rgba(p[0])[..., :3].reshape(-1, 3))


def test_two_unit_softmax_neurons_both_show_the_boundary() -> None:
    p1 = np.array([[0.1, 0.9]], dtype=np.float32)
    grid = np.stack([1 - p1, p1])  # P(class 0), P(class 1)
    units = colors.output_unit_rgba(grid, "binary")
    boundary = colors.output_rgba(np.moveaxis(grid, 0, -1), "binary")
    assert np.array_equal(units[0], boundary) and np.array_equal(units[1], boundary)
    assert _is(boundary[0, 0, :3], ORANGE) and _is(boundary[0, 1, :3], BLUE)


def test_multiclass_neuron_k_shows_class_k_in_its_colour() -> None:
    # (1, 3, C): class 0 sure, unsure, class 2 sure
    probs = np.array([[[0.98, 0.01, 0.01], [0.2, 0.3, 0.5], [0.01, 0.01, 0.98]]], dtype=np.float32)
    grid = np.moveaxis(probs, -1, 0)  # (C, 1, 3)
    units = colors.output_unit_rgba(grid, "multiclass")
    boundary = colors.output_rgba(probs, "multiclass")
    # where a class is nearly certain its neuron has the boundary's colour for that region
    assert np.abs(units[0, 0, 0].astype(int) - boundary[0, 0].astype(int)).max() <= 6
    assert np.abs(units[2, 0, 2].astype(int) - boundary[0, 2].astype(int)).max() <= 6
    # and is white where the class is no likelier than a guess (1/3)
    assert tuple(units[0, 0, 2, :3]) == (250, 250, 250) and tuple(units[1, 0, 1, :3]) == (250, 250, 250)


def test_regression_neurons_use_the_value_ramp_of_their_target() -> None:
    grid = np.array([[[900.0, 1100.0]], [[-1.0, 1.0]]], dtype=np.float32)  # two targets, (2, 1, 2)
    units = colors.output_unit_rgba(grid, "regression", [(900.0, 1100.0), (-1.0, 1.0)])
    low, high = colors.ramp_rgb(np.array([0.0, 1.0]))
    for j in range(2):
        assert np.array_equal(units[j, 0, 0, :3], low.astype(np.uint8))
        assert np.array_equal(units[j, 0, 1, :3], high.astype(np.uint8))
    assert np.array_equal(units[0], colors.output_rgba(np.moveaxis(grid, 0, -1), "regression",
                                                       value_range=(900.0, 1100.0)))


# ---- in the app ---------------------------------------------------------------------------------
def _synced_pictures(w) -> tuple[object, object]:
    """Draw the boundary and the canvas pictures from the same weights; (model, grid)."""
    tc = w.training
    model, grid = tc.model, tc.boundary.grid
    tc.views.show_model(model, grid)
    tc.views.canvas_redraw.flush()
    return model, grid


def _card_rgb(card, unit: int) -> np.ndarray:
    """(h, w, 3) of a card's neuron picture, row 0 = bottom of the plane (as the boundary's image)."""
    img = card.neuron_images[unit]
    h, wd = img.height(), img.width()
    return np.array([[img.pixelColor(x, h - 1 - y).getRgb()[:3] for x in range(wd)] for y in range(h)],
                    dtype=np.uint8)


def _boundary_at_neuron_pixels(w, shape: tuple[int, int], step: int = 3) -> np.ndarray:
    """The boundary image's RGB at the grid cells the neuron pictures sample (every ``step``-th)."""
    rgba = w.training.boundary.image_array()
    assert rgba is not None
    return rgba[::step, ::step, :3][:shape[0], :shape[1]]


def test_output_card_is_a_thumbnail_of_the_boundary_binary(qtbot, studio_window) -> None:
    w = studio_window  # circle data, 2-4-2-1, sigmoid output
    assert w.training.train_epochs(40)
    qtbot.wait(100)
    model, grid = _synced_pictures(w)
    scene = w.canvas_scene
    out = _card_rgb(scene.items_by_id["output"], 0)
    expected = _boundary_at_neuron_pixels(w, out.shape[:2])
    assert np.array_equal(out, expected)
    flat = out.reshape(-1, 3)
    # a clear boundary: both classes' colours in the picture (the old 0-centred scale was all blue)
    assert any(_is(c, ORANGE) for c in flat) and any(_is(c, BLUE) for c in flat)
    # hidden neurons keep their diverging scale centred at 0
    grids = activation_images(model, grid)
    hidden = w.training.views.layer_of("dense_1")
    for j in range(4):
        rgba = colors.diverging_rgba(grids[hidden][j])
        assert np.array_equal(_card_rgb(scene.items_by_id["dense_1"], j), rgba[..., :3])


def test_output_card_follows_discretize(qtbot, studio_window) -> None:
    w = studio_window
    assert w.training.train_epochs(40)
    qtbot.wait(100)
    _synced_pictures(w)
    card = w.canvas_scene.items_by_id["output"]
    soft = _card_rgb(card, 0)
    w.training.boundary.disc_box.setChecked(True)  # the boundary and its thumbnail: predicted class only
    hard = _card_rgb(card, 0)
    assert np.array_equal(hard, _boundary_at_neuron_pixels(w, hard.shape[:2]))
    assert len(np.unique(hard.reshape(-1, 3), axis=0)) == 2 < len(np.unique(soft.reshape(-1, 3), axis=0))
    w.training.boundary.disc_box.setChecked(False)
    assert np.array_equal(_card_rgb(card, 0), soft)


def test_discretized_classes_mark_each_neuron_s_predicted_region() -> None:
    probs = np.array([[[0.5, 0.3, 0.2], [0.2, 0.35, 0.45]]], dtype=np.float32)  # (1, 2, C): unsure
    units = colors.output_unit_rgba(np.moveaxis(probs, -1, 0), "multiclass", discretize=True)
    boundary = colors.output_rgba(probs, "multiclass", discretize=True)
    assert np.array_equal(units[0, 0, 0], boundary[0, 0]) and np.array_equal(units[2, 0, 1], boundary[0, 1])
    assert units[1].min() >= 245 and units[0, 0, 1].min() >= 245  # not predicted anywhere / there: white


def test_output_card_is_a_thumbnail_of_the_boundary_in_target_units(qtbot, studio_window, tmp_path) -> None:
    w = studio_window
    _big_offset_csv(tmp_path / "big.csv")  # prices 1000 ± 100
    assert w.load_project_file(str(_project(tmp_path, "standard")))
    wait_loaded(qtbot, w)
    assert w.training.train_epochs(3)
    qtbot.wait(100)
    model, grid = _synced_pictures(w)
    assert model.layers[-1].name == "target_scaling"
    lo, hi = w.training.boundary.value_range
    assert 700 < lo < hi < 1300  # the boundary's colours span the targets, in target units
    out = _card_rgb(w.canvas_scene.items_by_id["output"], 0)
    assert np.array_equal(out, _boundary_at_neuron_pixels(w, out.shape[:2]))
    values = activation_images(model, grid)[w.training.views.output_layer][0]
    assert values.min() > 500  # the picture's values are prices...
    # ...and the picture is not one colour: its ramp runs from the cheap to the dear corner
    cheap = np.unravel_index(np.argmin(values), values.shape)
    dear = np.unravel_index(np.argmax(values), values.shape)
    assert np.abs(out[cheap].astype(int) - out[dear].astype(int)).max() > 60


def test_output_card_multiclass_uses_the_class_colours(qtbot, studio_window, tmp_path) -> None:
    w = studio_window
    doc = json.loads(_project(tmp_path, None).read_text())  # input, dense 16 tanh, output
    doc["data"] = {"source": "toy", "name": "blobs", "samples": 300, "classes": 3, "seed": 0}
    doc["training"]["optimizer"] = {"name": "adam", "learning_rate": 0.05}
    path = tmp_path / "blobs.json"
    path.write_text(json.dumps(doc))
    assert w.load_project_file(str(path))
    wait_loaded(qtbot, w)
    assert w.training.train_epochs(20)
    qtbot.wait(100)
    model, grid = _synced_pictures(w)
    probs = activation_images(model, grid)[w.training.views.output_layer]  # (3, h, w)
    card = w.canvas_scene.items_by_id["output"]
    boundary = _boundary_at_neuron_pixels(w, probs.shape[1:])
    for k in range(3):
        rgb = _card_rgb(card, k)
        assert np.array_equal(rgb, colors.class_rgba(probs[k], k, 3)[..., :3])
        sure = probs[k] > 0.99
        assert sure.any()  # trained: each class has a region it is sure of, coloured as the boundary does
        assert np.abs(rgb[sure].astype(int) - boundary[sure].astype(int)).max() <= 6
