"""``probes.neuron_layers``: which output each canvas-drawn layer's neurons show. Under data.target_scaling
the network's output layer shows the model's output (what predict returns, in target units); hidden layers and
models without the trailing layer show their own outputs."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from core import probes
from core.project import Project, build_dataset, build_model
from tests.core.test_target_scaling import _big_offset_csv, _project


def _trained(tmp_path: Path, scaling: str | None):
    _big_offset_csv(tmp_path / "big.csv")
    project = Project.from_dict(json.loads(_project(tmp_path, scaling).read_text()), tmp_path)
    ds = build_dataset(project)
    model = build_model(project, ds)
    model.fit(ds.x_train, ds.y_train, epochs=3, batch_size=16, seed=0)
    return model, ds


def test_under_target_scaling_the_output_layer_shows_the_models_output(tmp_path: Path) -> None:
    model, ds = _trained(tmp_path, "standard")
    names = [type(la).__name__ for la in model.layers]
    assert names == ["Normalization", "Dense", "Dense", "Normalization"]
    assert probes.neuron_layers(model) == {1: 1, 2: 3}
    assert probes.neuron_layer_indices(model) == [1, 2]
    grid = probes.make_grid_spec(ds.x_train, resolution=30)
    heat = probes.activation_images(model, grid, step=3)
    predicted = model.predict(grid.points()).reshape(30, 30)[::3, ::3]
    assert float(predicted.min()) > 500  # target units (prices around 1000), not standardized values
    np.testing.assert_allclose(heat[2][0], predicted, rtol=1e-5)
    hidden = probes.forward_all(model, grid.points())[1].reshape(30, 30, -1)[::3, ::3]
    np.testing.assert_array_equal(heat[1], np.moveaxis(hidden, -1, 0))  # hidden layers: their own outputs
    # the training worker's reused-buffer forward gives the same pictures
    grids = probes.neuron_grids(probes.GridForward()(model, grid.points()), grid, probes.neuron_layers(model))
    np.testing.assert_allclose(grids[2], heat[2], rtol=1e-6)


def test_without_target_scaling_every_layer_shows_its_own_output(tmp_path: Path) -> None:
    model, ds = _trained(tmp_path, None)
    assert probes.neuron_layers(model) == {1: 1, 2: 2}
    grid = probes.make_grid_spec(ds.x_train, resolution=30)
    outs = probes.forward_all(model, grid.points())
    heat = probes.activation_images(model, grid, step=3)
    np.testing.assert_array_equal(heat[2][0], outs[2].reshape(30, 30)[::3, ::3])
    np.testing.assert_allclose(outs[-1], model.predict(grid.points()), rtol=1e-6)


def test_feature_inputs_are_drawn_and_plain_input_scaling_is_not() -> None:
    from core.layers import Dense, Normalization
    from core.model import Sequential

    plain = Sequential([Normalization(mean=[0.0, 0.0], variance=[1.0, 1.0]), Dense(3, activation="tanh"),
                        Dense(1)])
    plain.build(2, seed=0)
    assert probes.neuron_layers(plain) == {1: 1, 2: 2}
    featured = Sequential([Normalization(mean=[0.0, 0.0], variance=[1.0, 1.0], features=[["identity", 0],
                                                                                         ["square", 1]]),
                           Dense(1)])
    featured.build(2, seed=0)
    assert probes.neuron_layers(featured) == {0: 0, 1: 1}
