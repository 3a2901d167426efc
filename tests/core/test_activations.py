"""Activations: values, exact derivatives (vs central differences), backward JVPs, registry."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest

from core import activations
from tests.core.engine_helpers import assert_close

DIFFERENTIABLE = [n for n in activations.ACTIVATION_NAMES if n != "step"]


def _points() -> np.ndarray:
    rng = np.random.default_rng(0)
    x = rng.normal(scale=2.0, size=(6, 5))
    # keep away from the kinks at 0 (relu, leaky_relu, elu) so central differences are exact
    x[np.abs(x) < 1e-3] = 0.5
    return x


@pytest.mark.parametrize("name", [n for n in DIFFERENTIABLE if n != "softmax"])
def test_derivative_matches_central_difference(name: str) -> None:
    act = activations.get(name)
    x = _points()
    eps = 1e-6
    numeric = (act(x + eps) - act(x - eps)) / (2 * eps)
    assert_close(act.derivative(x), numeric, rtol=1e-7)


@pytest.mark.parametrize("name", DIFFERENTIABLE)
def test_backward_is_vector_jacobian_product(name: str) -> None:
    act = activations.get(name)
    x = _points()
    rng = np.random.default_rng(1)
    g = rng.normal(size=x.shape)
    a = act(x)
    analytic = act.backward(x.copy(), a, g.copy(), np.empty_like(x))
    # numeric: d/dx sum(g * f(x))
    numeric = np.zeros_like(x)
    eps = 1e-6
    for idx in np.ndindex(x.shape):
        xp = x.copy()
        xp[idx] += eps
        xm = x.copy()
        xm[idx] -= eps
        numeric[idx] = (np.sum(g * act(xp)) - np.sum(g * act(xm))) / (2 * eps)
    assert_close(analytic, numeric, rtol=1e-7)


def test_known_values() -> None:
    x = np.array([[-2.0, 0.0, 3.0]])
    assert np.allclose(activations.get("sigmoid")(x), 1 / (1 + np.exp(-x)))
    assert np.allclose(activations.get("tanh")(x), np.tanh(x))
    assert np.allclose(activations.get("relu")(x), [[0, 0, 3]])
    assert np.allclose(activations.get("leaky_relu")(x), [[-0.02, 0, 3]])
    assert np.allclose(activations.LeakyReLU(alpha=0.2)(x), [[-0.4, 0, 3]])
    assert np.allclose(activations.get("elu")(x), [[np.exp(-2) - 1, 0, 3]])
    assert np.allclose(activations.get("softplus")(x), np.log1p(np.exp(x)))
    assert np.allclose(activations.get("swish")(x), x / (1 + np.exp(-x)))
    assert np.allclose(activations.get("silu")(x), x / (1 + np.exp(-x)))
    assert np.allclose(activations.get("linear")(x), x)
    assert np.allclose(activations.get("step")(x), [[0, 1, 1]])
    gelu_ref = 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x**3)))
    assert np.allclose(activations.get("gelu")(x), gelu_ref)
    s = activations.get("softmax")(x)
    assert np.allclose(s, np.exp(x) / np.exp(x).sum())
    assert np.isclose(s.sum(), 1.0)


def test_extreme_inputs_are_finite_without_warnings() -> None:
    x = np.array([[-1000.0, -80.0, 0.0, 80.0, 1000.0]], dtype=np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for name in DIFFERENTIABLE:
            y = activations.get(name)(x)
            assert np.isfinite(y).all(), name
            assert y.dtype == np.float32, name
    s = activations.get("sigmoid")(np.array([-1000.0, 1000.0]))
    assert s[0] == 0.0 and s[1] == 1.0
    sm = activations.get("softmax")(np.array([[1000.0, 0.0]]))
    assert np.allclose(sm, [[1.0, 0.0]])


def test_float32_stays_float32() -> None:
    x = np.linspace(-3, 3, 12, dtype=np.float32).reshape(3, 4)
    for name in DIFFERENTIABLE:
        act = activations.get(name)
        out = act.forward(x, np.empty_like(x))
        assert out.dtype == np.float32
        g = np.ones_like(x)
        assert act.backward(x, out, g, np.empty_like(x)).dtype == np.float32


def test_step_has_no_derivative() -> None:
    with pytest.raises(ValueError, match="'step' activation has no gradient"):
        activations.get("step").derivative(np.zeros(3))
    assert activations.get("step").trainable is False


def test_unknown_name_lists_valid_names() -> None:
    with pytest.raises(ValueError, match=r"Unknown activation: 'relu6'\. Valid names: linear, sigmoid, tanh"):
        activations.get("relu6")
    with pytest.raises(ValueError, match="Unknown activation"):
        activations.get(3)


def test_registry_and_config_round_trip() -> None:
    assert activations.get(None).name == "linear"
    assert activations.get("ReLU").name == "relu"
    for name in activations.ACTIVATION_NAMES:
        act = activations.get(name)
        assert act.name == name
        cfg = json.loads(json.dumps(act.get_config()))
        assert activations.get(cfg) == act
    leaky = activations.LeakyReLU(alpha=0.3)
    assert activations.serialize(leaky) == {"name": "leaky_relu", "alpha": 0.3}
    assert activations.get(activations.serialize(leaky)).alpha == 0.3
    assert activations.serialize(activations.get("tanh")) == "tanh"
    with pytest.raises(ValueError, match="alpha must be a finite number >= 0"):
        activations.LeakyReLU(alpha=float("nan"))
