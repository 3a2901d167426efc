"""One home for target ranges and class colours (``studio.plots.colors``): a recording colours regression
as the live decision boundary does, data points stay readable over the picture under them, and a
discretized Output card marks each class where it is the argmax over every class."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from core.datasets.dataset import Dataset
from core.datasets.toy import make_toy
from studio.plots.boundary import BoundaryView
from studio.recording import FrameData, image_rgb, renderer_for


def _wide_test_targets(targets: int) -> Dataset:
    """The plane toy set (``targets`` target columns) whose test split reaches above the training one."""
    ds = make_toy("plane", samples=200, seed=1)
    y_train, y_test = ds.y_train.reshape(len(ds.y_train), 1), ds.y_test.reshape(len(ds.y_test), 1).copy()
    y_test[0, 0] = y_train.max() + 3.0
    if targets > 1:  # a second target on another scale
        y_train, y_test = np.hstack([y_train, 10 * y_train]), np.hstack([y_test, 10 * y_test])
    return Dataset(name="plane", source="toy", task="regression", x_train=ds.x_train, y_train=y_train,
                   x_test=ds.x_test, y_test=y_test, feature_names=["x1", "x2"],
                   target_names=[f"y{j}" for j in range(targets)])


@pytest.mark.parametrize("targets", [1, 2])
def test_recording_colours_regression_on_the_live_view_s_range(qtbot, targets: int) -> None:
    ds = _wide_test_targets(targets)
    view = BoundaryView()
    qtbot.addWidget(view)
    view.set_data(ds.x_train, ds.y_train, ds.x_test, ds.y_test, ds.task, ds.feature_names, [])
    renderer, grid = renderer_for(ds, (480, 300), grid=view.grid)
    both = np.concatenate([ds.y_train[:, 0], ds.y_test[:, 0]])
    assert view.value_range == (float(both.min()), float(both.max()))  # both splits, first target
    assert renderer.value_range == view.value_range
    # the same output is painted in the same colour: the training maximum is not the top of the ramp
    res = grid.resolution
    out = np.full((res, res, targets), float(ds.y_train[:, 0].max()), dtype=np.float32)
    view.set_output(out)
    live = view.image_array()[res // 2, res // 2, :3]
    bare = replace(renderer, points=np.empty((0, 2)), labels=np.empty(0))  # no point over the centre
    frame = image_rgb(bare.render(FrameData(out, grid.extent, [], [], 1, 1)))
    r = bare.boundary_rect()
    assert np.array_equal(frame[int(r.center().y()), int(r.center().x())], live)


# ---- a discretized Output card over many classes ---------------------------------------------------
CLASSES = 20


@pytest.fixture
def many_classes():
    """A 2-24-20 softmax network whose classes 16..19 win large parts of the plane, and its plane."""
    from core.layers import Dense
    from core.model import Sequential
    from core.probes import make_grid_spec

    model = Sequential([Dense(24, activation="tanh", input_dim=2), Dense(CLASSES, activation="softmax")])
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    model.build(2, seed=3)
    model.layers[1].kernel[...] *= 4.0
    model.layers[1].bias[16:] += 1.5  # the classes a 16-unit picture would leave out
    grid = make_grid_spec(np.random.default_rng(0).normal(size=(100, 2)), resolution=60)
    return model, grid


def _predicted(model, grid, step: int = 3) -> np.ndarray:
    """The class predicted (argmax over every output) at the grid cells the neuron pictures sample."""
    res = grid.resolution
    return np.argmax(model.predict(grid.points()).reshape(res, res, -1)[::step, ::step], axis=-1)


def _assert_marks_each_class(view: BoundaryView, output_grid: np.ndarray, predicted: np.ndarray) -> None:
    pictures = view.output_neuron_rgba(output_grid)
    assert pictures.shape[0] == CLASSES
    for k in range(CLASSES):
        marked = (pictures[k, ..., :3] < 245).any(axis=-1)  # not the white of "not this class"
        assert np.array_equal(marked, predicted == k), k


def test_discretized_output_card_marks_where_each_of_20_classes_is_the_argmax(qtbot, many_classes) -> None:
    from core.probes import activation_images

    model, grid = many_classes
    predicted = _predicted(model, grid)
    assert set(np.unique(predicted)) & {16, 17, 18, 19}  # some region belongs to a class past the 16th
    view = BoundaryView()
    qtbot.addWidget(view)
    x = grid.points()[:50]
    view.set_data(x, np.arange(50) % CLASSES, x[:0], np.zeros(0, int), "multiclass", ["x1", "x2"],
                  [f"c{k}" for k in range(CLASSES)])
    view.disc_box.setChecked(True)
    output = activation_images(model, grid)[1]  # the Output card's grid: every class, not the first 16
    assert output.shape == (CLASSES, *predicted.shape)
    _assert_marks_each_class(view, output, predicted)


def test_picture_process_draws_every_output_unit_and_16_of_a_wide_hidden_layer(qtbot, many_classes) -> None:
    from core import probes
    from studio.training.picture_process import PictureProcess

    model, grid = many_classes
    pp = PictureProcess()
    try:
        qtbot.waitUntil(pp.ready, timeout=60000)
        pics = pp.draw(model, probes.copy_weights(model), None, grid, True, key=1)
    finally:
        pp.close()
    assert pics.neurons[0].shape[0] == 16 and pics.neurons[1].shape[0] == CLASSES
    expected = probes.activation_images(model, grid)[1]
    np.testing.assert_allclose(pics.neurons[1], expected, rtol=1e-6, atol=1e-7)
