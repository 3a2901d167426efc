"""Layers: gradient checks (float64, central differences), shapes, weights, configs, inference purity."""

from __future__ import annotations

import json

import numpy as np
import pytest

from core import activations
from core.layers import Activation, Dense, Dropout, Layer, Normalization, PReLU, deserialize
from tests.core.engine_helpers import assert_close, numeric_grad

DIFFERENTIABLE = [n for n in activations.ACTIVATION_NAMES if n != "step"]


def _build(layer: Layer, input_dim: int, seed: int = 0) -> Layer:
    layer.build(input_dim, np.random.default_rng(seed), np.float64)
    return layer


def _check_layer(layer: Layer, x: np.ndarray, reseed: int | None = None) -> None:
    """Check d sum(w * forward(x)) / d{x, params} against central differences."""
    rng = np.random.default_rng(42)
    w = None

    def objective() -> float:
        if reseed is not None:
            layer.rng = np.random.default_rng(reseed)
        return float(np.sum(w * layer.forward(x, training=True)))

    if reseed is not None:
        layer.rng = np.random.default_rng(reseed)
    out = layer.forward(x, training=True)
    w = rng.normal(size=out.shape)
    dx = layer.backward(w.copy())
    assert dx.shape == x.shape
    assert_close(dx, numeric_grad(objective, x), rtol=1e-6)
    for key, value in layer.params.items():
        objective()  # refresh the cache so grads are recomputed from the same point
        layer.backward(w.copy())
        assert_close(layer.grads[key], numeric_grad(objective, value), rtol=1e-6)


def _x(n: int = 4, d: int = 3, seed: int = 0) -> np.ndarray:
    x = np.random.default_rng(seed).normal(size=(n, d))
    x[np.abs(x) < 1e-2] = 0.3
    return x


@pytest.mark.parametrize("act", DIFFERENTIABLE)
def test_dense_gradients_for_each_activation(act: str) -> None:
    layer = _build(Dense(4, activation=act), 3)
    layer.bias[:] = np.random.default_rng(3).normal(size=4) * 0.1
    _check_layer(layer, _x())


def test_dense_without_bias_and_with_regularizer_gradients() -> None:
    layer = _build(Dense(2, activation="tanh", use_bias=False, kernel_regularizer="l2"), 3)
    assert list(layer.params) == ["kernel"]
    x = _x()
    rng = np.random.default_rng(5)
    out = layer.forward(x, training=True)
    w = rng.normal(size=out.shape)

    def objective() -> float:
        return float(np.sum(w * layer.forward(x, training=True))) + layer.regularization_loss()

    objective()
    layer.backward(w.copy())
    assert_close(layer.grads["kernel"], numeric_grad(objective, layer.kernel), rtol=1e-6)


def test_prelu_gradients() -> None:
    layer = _build(PReLU(alpha_initializer=0.2), 3)
    layer.alpha[:] = [0.1, 0.25, -0.3]
    _check_layer(layer, _x())


def test_dropout_gradients_with_fixed_mask() -> None:
    layer = _build(Dropout(0.4), 3)
    _check_layer(layer, _x(6, 3), reseed=7)
    layer.rng = np.random.default_rng(7)
    out = layer.forward(np.ones((200, 3)), training=True)
    kept = out != 0
    assert np.allclose(out[kept], 1 / 0.6)  # inverted dropout scaling
    assert 0.45 < kept.mean() < 0.75


def test_dropout_is_identity_at_inference() -> None:
    layer = _build(Dropout(0.5), 3)
    x = _x()
    assert layer.forward(x, training=False) is x


def test_normalization_gradient_and_values() -> None:
    layer = _build(Normalization(mean=[1.0, 2.0, 3.0], variance=[4.0, 0.0, 0.25]), 3)
    x = _x()
    expected = (x - [1.0, 2.0, 3.0]) / np.sqrt([4.0, 1.0, 0.25])  # variance 0 treated as 1
    assert np.allclose(layer.forward(x, training=False), expected)
    assert np.allclose(layer.forward(x, training=True), expected)
    _check_layer(layer, x)
    assert layer.count_params() == 0 and layer.count_non_trainable() == 6
    assert layer.params == {}
    mean, var = layer.get_weights()
    assert mean.tolist() == [1.0, 2.0, 3.0] and var.tolist() == [4.0, 0.0, 0.25]


def test_normalization_scalar_statistics_broadcast() -> None:
    layer = _build(Normalization(mean=0.0, variance=255.0**2), 4)
    x = np.array([[0, 255, 51, 102]], dtype=np.float64)
    assert np.allclose(layer.forward(x), [[0, 1, 0.2, 0.4]])
    assert layer.get_weights()[0].shape == (4,)


def test_normalization_uint8_pixels_scaled_in_one_pass_match_the_formula() -> None:
    """Zero mean takes the x * inv_std path; a later nonzero mean switches back to (x - mean) * inv_std."""
    layer = Normalization(mean=0.0, variance=255.0**2)
    layer.build(3, None, np.float32)
    x = np.array([[0, 128, 255], [7, 0, 64]], dtype=np.uint8)
    expected = (x.astype(np.float32) - np.float32(0)) * np.float32(1 / 255)
    for training in (False, True):
        out = layer.forward(x, training=training)
        assert out.dtype == np.float32 and np.array_equal(out, expected)
    layer.set_weights([np.array([1.0, 0.0, 2.0]), np.full(3, 4.0)])
    for training in (False, True):
        assert np.allclose(layer.forward(x, training=training), (x - [1.0, 0.0, 2.0]) / 2.0)


@pytest.mark.parametrize("act", DIFFERENTIABLE)
def test_activation_layer_gradients(act: str) -> None:
    layer = _build(Activation(act), 3)
    _check_layer(layer, _x())


def test_dense_shapes_and_weights() -> None:
    layer = _build(Dense(5, activation="relu"), 3)
    assert layer.kernel.shape == (3, 5) and layer.bias.shape == (5,)
    assert layer.output_dim == 5 and layer.count_params() == 20
    assert layer.activation.name == "relu"
    k, b = layer.get_weights()
    k[:] = 0  # copies
    assert not np.all(layer.kernel == 0)
    layer.set_weights([np.ones((3, 5)), np.arange(5.0)])
    assert np.all(layer.kernel == 1) and layer.bias.tolist() == [0, 1, 2, 3, 4]
    with pytest.raises(ValueError, match=r"expected 2 arrays with shapes \[\(3, 5\), \(5,\)\]"):
        layer.set_weights([np.ones((5, 3)), np.zeros(5)])


def test_inference_forward_leaves_training_cache_untouched() -> None:
    layer = _build(Dense(4, activation="tanh"), 3)
    x = _x()
    out = layer.forward(x, training=True).copy()
    g = np.random.default_rng(1).normal(size=out.shape)
    layer.backward(g.copy())
    ref = {k: v.copy() for k, v in layer.grads.items()}
    layer.forward(x, training=True)
    layer.forward(_x(7, 3, seed=9), training=False)  # a predict between forward and backward
    layer.backward(g.copy())
    for key in ref:
        assert np.array_equal(layer.grads[key], ref[key])


def test_first_trainable_layer_skips_input_gradient() -> None:
    layer = _build(Dense(2), 3)
    layer._skip_dx = True
    layer.forward(_x(), training=True)
    assert layer.backward(np.ones((4, 2))) is None
    assert np.allclose(layer.grads["kernel"], _x().sum(axis=0)[:, None] * np.ones((1, 2)))


def test_buffers_follow_batch_size() -> None:
    layer = _build(Dense(2, activation="sigmoid"), 3)
    a = layer.forward(_x(4, 3), training=True).copy()
    b = layer.forward(_x(2, 3), training=True)
    assert b.shape == (2, 2)
    assert np.allclose(layer.forward(_x(4, 3), training=True), a)


@pytest.mark.parametrize(
    "layer",
    [
        Dense(
            3, activation=activations.LeakyReLU(0.2), kernel_initializer="he_normal", kernel_regularizer="l1"
        ),
        Dense(2, use_bias=False, input_dim=4, name="out"),
        Dropout(0.25, seed=3),
        Activation("softmax"),
        PReLU(alpha_initializer=0.1),
        Normalization([1.0, 2.0], [3.0, 4.0]),
    ],
)
def test_config_round_trip(layer: Layer) -> None:
    cfg = {"class_name": type(layer).__name__, "config": layer.get_config()}
    clone = deserialize(json.loads(json.dumps(cfg)))
    assert type(clone) is type(layer)
    assert clone.get_config() == layer.get_config()


def test_prelu_and_dense_float32_do_not_upcast() -> None:
    for layer in (Dense(3, activation="gelu"), PReLU(), Normalization(1.0, 2.0), Dropout(0.3)):
        layer.build(3, np.random.default_rng(0), np.float32)
        x = np.ones((2, 3), dtype=np.float32)
        out = layer.forward(x, training=True)
        assert out.dtype == np.float32
        g = layer.backward(np.ones_like(out))
        assert g.dtype == np.float32
        for v in layer.grads.values():
            assert v.dtype == np.float32
