"""One home for target ranges and class colours (``studio.plots.colors``): a recording colours regression
as the live decision boundary does, data points stay readable over the picture under them, and a
discretized Output card marks each class where it is the argmax over every class."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from core.datasets.dataset import Dataset
from core.datasets.toy import make_toy
from studio.plots import colors
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


def test_picture_process_draws_every_output_unit_and_the_drawn_hidden_ones(qtbot, many_classes) -> None:
    from core import probes
    from studio.training.picture_process import PictureProcess

    model, grid = many_classes
    pp = PictureProcess()
    try:
        qtbot.waitUntil(pp.ready, timeout=60000)
        pics = pp.draw(model, probes.copy_weights(model), None, grid, True, key=1)
    finally:
        pp.close()
    assert pics.neurons[0].shape[0] == 8 and pics.neurons[1].shape[0] == CLASSES  # the 8 drawn of 24
    expected = probes.activation_images(model, grid)
    for i in (0, 1):
        np.testing.assert_allclose(pics.neurons[i], expected[i], rtol=1e-6, atol=1e-7)


# ---- data points readable over the picture -----------------------------------------------------------
def _luminance(rgb) -> float:
    """WCAG relative luminance of an RGB 0..255 colour."""
    c = np.asarray(rgb, dtype=np.float64)[:3] / 255.0
    c = np.where(c <= 0.03928, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    return float(c @ [0.2126, 0.7152, 0.0722])


def _contrast(a, b) -> float:
    """WCAG contrast ratio of two colours (1..21; 3 is the minimum for graphics)."""
    lo, hi = sorted((_luminance(a), _luminance(b)))
    return (hi + 0.05) / (lo + 0.05)


def _edges(layer, split: str) -> list[tuple[np.ndarray, list[np.ndarray]]]:
    """(fill, edge colours) of every point of ``split``: its fill (None: hollow) and the colours around it,
    its outline and the rim under it (if the layer draws one)."""
    main = getattr(layer, split)
    rim = getattr(layer, f"{split}_rim", None)
    rims = rim.points() if rim is not None else [None] * len(main.points())
    out = []
    for spot, under in zip(main.points(), rims, strict=True):
        brush = spot.brush()
        fill = None if brush.style() == 0 else np.array(brush.color().getRgb()[:3])
        edge = [np.array(spot.pen().color().getRgb()[:3])]
        if under is not None:
            assert under.size() > spot.size()  # a rim shows around the outline
            edge.append(np.array(under.brush().color().getRgb()[:3]))
        out.append((fill, edge))
    return out


@pytest.mark.parametrize("name", ["plane", "circle", "blobs"])
def test_points_stand_out_from_any_picture_colour_under_them(qtbot, name: str) -> None:
    ds = make_toy(name, samples=200, seed=0)
    view = BoundaryView()
    qtbot.addWidget(view)
    view.set_data(ds.x_train, ds.y_train, ds.x_test, ds.y_test, ds.task, ds.feature_names, ds.class_names)
    # every colour the picture can have under a point: the whole ramp, the class regions at any certainty
    t = np.linspace(0.0, 1.0, 33)
    picture = [*colors.ramp_rgb(t), *colors.binary_rgba(t[None])[0, :, :3]]
    picture += [colors.class_rgba(np.array([p]), k, 3)[0, :3] for k in range(3) for p in t]
    for split in ("train", "test"):
        points = _edges(view.points, split)
        assert len(points) > 50
        for fill, edge in points:
            assert fill is not None  # a hollow marker in the picture's colour vanishes where the model fits
            for under in [fill, *picture]:
                assert max(_contrast(e, under) for e in edge) >= 3.0, (split, fill, edge, under)
    # training and test points are told apart by their edges (white ring for training, as Playground)
    train_edge = _edges(view.points, "train")[0][1]
    test_edge = _edges(view.points, "test")[0][1]
    assert _luminance(train_edge[0]) > 0.9 and _luminance(test_edge[0]) < 0.05


def test_recorded_points_have_the_view_s_two_tone_edge(qtbot) -> None:
    ds = _wide_test_targets(1)
    renderer, grid = renderer_for(ds, (800, 420))  # the default frame size
    lo, hi = renderer.value_range
    res = grid.resolution
    x0, x1, y0, y1 = grid.extent
    centre = np.array([[(x0 + x1) / 2, (y0 + y1) / 2]])
    r = renderer.boundary_rect()
    cx, cy = int(round(r.center().x())), int(round(r.center().y()))
    for value in (lo, hi):  # the darkest and the lightest end of the ramp, a fitted point on each
        one = replace(renderer, points=centre, labels=np.array([value]))
        out = np.full((res, res, 1), value, dtype=np.float32)
        frame = image_rgb(one.render(FrameData(out, grid.extent, [], [], 1, 1)))
        background = frame[cy, cx + 20]
        line = frame[cy, cx - 12:cx + 13]
        assert max(_contrast(px, background) for px in line) >= 3.0, value  # the point reads as a point
        # a dark rim and a light ring (1 px, antialiased: lighter than any ramp colour but yellow's end)
        assert min(map(_luminance, line)) < 0.05 and max(map(_luminance, line)) > 0.25
