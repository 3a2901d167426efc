"""Whole-model gradient checks (float64): every loss, fused and unfused outputs, regularizers."""

from __future__ import annotations

import numpy as np
import pytest

from core import Sequential, regularizers
from core.layers import Activation, Dense, Dropout, Normalization, PReLU
from tests.core.engine_helpers import assert_close, numeric_grad


def _data(n: int, d: int, loss: str, k: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d))
    if loss == "sparse_categorical_crossentropy":
        y = rng.integers(0, k, size=n)
    elif loss == "categorical_crossentropy":
        y = np.eye(k)[rng.integers(0, k, size=n)]
    elif loss == "binary_crossentropy":
        y = rng.integers(0, 2, size=(n, k)).astype(float)
    else:
        y = rng.normal(size=(n, k))
    return x, y


def _check_model(model: Sequential, x: np.ndarray, y: np.ndarray, rtol: float = 1e-6) -> None:
    model.compute_gradients(x, y)
    analytic = model.flat_grads.copy()
    numeric = numeric_grad(lambda: model.compute_gradients(x, y), model.flat_params)
    assert_close(analytic, numeric, rtol=rtol)


OUTPUTS = [
    ("mse", "linear", 2, False),
    ("mae", "linear", 2, False),
    ("huber", "tanh", 2, False),
    ("binary_crossentropy", "sigmoid", 1, True),
    ("binary_crossentropy", "sigmoid", 3, True),  # multi-label
    ("categorical_crossentropy", "softmax", 3, True),
    ("sparse_categorical_crossentropy", "softmax", 3, True),
    ("categorical_crossentropy", "sigmoid", 3, False),  # activation/loss mismatch: chain rule
    ("mse", "softmax", 3, False),  # full softmax Jacobian
]


@pytest.mark.parametrize(("loss", "out_act", "k", "fused"), OUTPUTS)
def test_model_gradients(loss: str, out_act: str, k: int, fused: bool) -> None:
    x, y = _data(6, 3, loss, k)
    model = Sequential(
        [
            Normalization([0.5, -0.5, 0.0], [2.0, 0.5, 1.0]),
            Dense(4, activation="tanh", input_dim=3),
            PReLU(),
            Dense(k, activation=out_act),
        ],
        dtype="float64",
    )
    model.build(seed=1)
    model.compile("sgd", loss)
    assert model.output_fused() is fused
    if loss == "mae":
        model.layers[-1].bias[:] = 0.37  # stay away from the kink of |p - y|
    _check_model(model, x, y)


@pytest.mark.parametrize(
    ("loss", "act", "k"),
    [("sparse_categorical_crossentropy", "softmax", 3), ("binary_crossentropy", "sigmoid", 1)],
)
def test_trailing_activation_layer_is_fused(loss: str, act: str, k: int) -> None:
    x, y = _data(5, 2, loss, k, seed=3)
    model = Sequential([Dense(3, activation="relu", input_dim=2), Dense(k), Activation(act)], dtype="float64")
    model.build(seed=2)
    model.compile("sgd", loss)
    assert model.output_fused()
    _check_model(model, x, y)
    z = model.layers[-2].forward(model.layers[0].forward(x), False)
    model.compute_gradients(x, y)
    # the gradient reaching the last Dense is (p - y)/n: its bias gradient is the column sum
    p = model.predict(x)
    yy = np.eye(k)[y] if y.ndim == 1 else y
    scale = y.shape[0] if loss.startswith("sparse") else yy.size
    assert np.allclose(model.layers[-2].grads["bias"], (p - yy).sum(axis=0) / scale)
    assert z.shape == (5, k)


def test_label_smoothing_in_model() -> None:
    from core import losses

    x, y = _data(6, 3, "categorical_crossentropy", 3)
    model = Sequential(
        [Dense(4, activation="elu", input_dim=3), Dense(3, activation="softmax")], dtype="float64"
    )
    model.build(seed=4)
    model.compile("sgd", losses.get("categorical_crossentropy", label_smoothing=0.2))
    _check_model(model, x, y)


def test_dropout_in_model_with_fixed_mask() -> None:
    x, y = _data(8, 3, "mse", 2)
    model = Sequential([Dense(5, activation="swish", input_dim=3), Dropout(0.3), Dense(2)], dtype="float64")
    model.build(seed=5)
    model.compile("sgd", "mse")
    drop = model.layers[1]

    def loss() -> float:
        drop.rng = np.random.default_rng(11)
        return model.compute_gradients(x, y)

    loss()
    analytic = model.flat_grads.copy()
    assert_close(analytic, numeric_grad(loss, model.flat_params), rtol=1e-6)


@pytest.mark.parametrize(
    "reg",
    [
        regularizers.l1(0.05),
        regularizers.l2(0.1),
        regularizers.l1_l2(l1=0.02, l2=0.03),
        "l2",
        {"name": "l1", "l1": 0.2},
    ],
)
def test_regularizer_loss_and_gradient(reg) -> None:
    x, y = _data(6, 3, "mse", 2)
    model = Sequential(
        [Dense(4, activation="tanh", input_dim=3, kernel_regularizer=reg), Dense(2, kernel_regularizer=reg)],
        dtype="float64",
    )
    model.build(seed=6)
    model.compile("sgd", "mse")
    _check_model(model, x, y)
    r = regularizers.get(reg)
    expected = sum(r.l1 * np.abs(la.kernel).sum() + r.l2 * (la.kernel**2).sum() for la in model.layers)
    assert model.regularization_loss() == pytest.approx(expected)
    plain = float(np.mean((model.predict(x) - y) ** 2))
    assert model.evaluate(x, y)["loss"] == pytest.approx(plain + expected)


def test_regularizer_objects() -> None:
    w = np.array([[1.0, -2.0], [0.0, 3.0]])
    r = regularizers.l1_l2(l1=0.1, l2=0.01)
    assert r(w) == pytest.approx(0.1 * 6 + 0.01 * 14)
    assert np.allclose(r.gradient(w), 0.1 * np.sign(w) + 0.02 * w)
    assert_close(r.gradient(w + 0.5), numeric_grad(lambda: r(wp), wp := w + 0.5))
    assert regularizers.get(None) is None
    assert regularizers.get("l2").l2 == 0.01
    assert regularizers.get(r.get_config()) == r
    with pytest.raises(ValueError, match=r"Unknown regularizer: 'l3'\. Valid names: l1, l2, l1_l2"):
        regularizers.get("l3")
    with pytest.raises(ValueError, match="l2 must be a finite number >= 0"):
        regularizers.l2(-1.0)
