"""End-to-end learning: the thesis' XOR network and a two-class spiral."""

from __future__ import annotations

import numpy as np
import pytest

from core import Sequential
from core.layers import Dense
from core.optimizers import SGD, Adam


def spiral(n: int, seed: int, noise: float = 0.02) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaved 1.5-turn spirals in [-1, 1]^2: x float32 (n, 2), y int (n,)."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 2
    t = rng.uniform(0.25, 1.0, size=n) * 3 * np.pi
    r = t / (3 * np.pi)
    angle = t + np.pi * y
    x = np.stack([r * np.cos(angle), r * np.sin(angle)], axis=1) + rng.normal(scale=noise, size=(n, 2))
    return x.astype(np.float32), y


@pytest.mark.parametrize(("seed", "dtype"), [(0, "float64"), (1, "float64"), (2, "float32")])
def test_xor_2_3_1_tanh_sgd(seed: int, dtype: str) -> None:
    x = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    y = np.array([[0], [1], [1], [0]], dtype=float)
    model = Sequential([Dense(3, activation="tanh", input_dim=2), Dense(1, activation="tanh")], dtype=dtype)
    model.build(seed=seed)
    model.compile(SGD(learning_rate=0.1), "mse")
    hist = model.fit(x, y, epochs=2500, batch_size=4, seed=0)  # full-batch gradient descent
    assert hist.history["loss"][-1] < 1e-3
    assert model.evaluate(x, y)["loss"] < 1e-3
    assert np.array_equal(np.round(model.predict(x)), y)


def test_two_class_spiral() -> None:
    x, y = spiral(600, seed=0)
    x_test, y_test = spiral(600, seed=1)
    model = Sequential(
        [
            Dense(64, activation="relu", input_dim=2),
            Dense(64, activation="relu"),
            Dense(2, activation="softmax"),
        ]
    )
    model.build(seed=0)
    model.compile(Adam(learning_rate=0.01), "sparse_categorical_crossentropy", metrics=["accuracy"])
    hist = model.fit(x, y, epochs=30, batch_size=32, validation_data=(x_test, y_test), seed=0)
    assert hist.history["accuracy"][-1] > 0.95
    assert hist.history["val_accuracy"][-1] > 0.95
    assert np.mean(model.predict(x_test).argmax(axis=1) == y_test) > 0.95


def test_binary_sigmoid_output_on_spiral() -> None:
    x, y = spiral(400, seed=2)
    model = Sequential(
        [
            Dense(32, activation="tanh", input_dim=2),
            Dense(32, activation="tanh"),
            Dense(1, activation="sigmoid"),
        ]
    )
    model.build(seed=1)
    model.compile(Adam(learning_rate=0.03), "binary_crossentropy", metrics=["accuracy"])
    hist = model.fit(x, y[:, None].astype(np.float32), epochs=150, batch_size=32, seed=0)
    assert hist.history["accuracy"][-1] > 0.95
