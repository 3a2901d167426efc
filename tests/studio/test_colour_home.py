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
