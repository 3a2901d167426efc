"""A wide layer card draws its first six neurons, "⋮" and its last two; the neuron pictures are those units'
(every unit of the output layer), not a wide hidden layer's first 16."""

from __future__ import annotations

import numpy as np

from core import probes
from core.drawn_neurons import drawn_units
from core.layers import Dense
from core.model import Sequential


def test_a_card_draws_every_unit_up_to_16_and_six_plus_the_last_two_beyond() -> None:
    assert drawn_units(1) == [0]
    assert drawn_units(16) == list(range(16))
    assert drawn_units(17) == [0, 1, 2, 3, 4, 5, 15, 16]
    assert drawn_units(32) == [0, 1, 2, 3, 4, 5, 30, 31]
    assert drawn_units(0) == []


def test_a_32_unit_hidden_layer_pictures_its_drawn_neurons_and_the_output_every_unit() -> None:
    model = Sequential([Dense(32, activation="tanh", input_dim=2), Dense(20, activation="softmax")])
    model.build(2, seed=0)
    grid = probes.make_grid_spec(np.random.default_rng(0).normal(size=(50, 2)), resolution=30)
    assert probes.pictured_units(probes.neuron_layers(model), [32, 20]) == {
        0: [0, 1, 2, 3, 4, 5, 30, 31], 1: list(range(20))}
    pictures = probes.activation_images(model, grid, step=3)
    outs = probes.forward_all(model, grid.points())
    hidden = np.moveaxis(outs[0].reshape(30, 30, 32)[::3, ::3], -1, 0)  # (32, 10, 10)
    assert pictures[0].shape == (8, 10, 10)
    np.testing.assert_array_equal(pictures[0][:6], hidden[:6])
    np.testing.assert_array_equal(pictures[0][6:], hidden[30:])  # neurons 31 and 32 (0-based 30, 31)
    assert pictures[1].shape == (20, 10, 10)
