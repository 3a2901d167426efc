"""Initializers: distributions follow the Glorot/He/LeCun formulas, registry, reproducibility."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from core import initializers
from core.layers import Dense

SHAPE = (400, 300)
FAN_IN, FAN_OUT = SHAPE


@pytest.mark.parametrize(
    ("name", "variance"),
    [
        ("glorot_uniform", 2 / (FAN_IN + FAN_OUT)),
        ("glorot_normal", 2 / (FAN_IN + FAN_OUT)),
        ("he_uniform", 2 / FAN_IN),
        ("he_normal", 2 / FAN_IN),
        ("lecun_uniform", 1 / FAN_IN),
        ("lecun_normal", 1 / FAN_IN),
        ("random_uniform", 0.1**2 / 12),
        ("random_normal", 0.05**2),
    ],
)
def test_variance_matches_formula(name: str, variance: float) -> None:
    w = initializers.get(name)(SHAPE, np.random.default_rng(0), np.float64)
    assert w.shape == SHAPE and w.dtype == np.float64
    assert abs(w.mean()) < 0.05 * math.sqrt(variance) * 10
    assert w.var() == pytest.approx(variance, rel=0.03)
    if name.endswith("uniform"):
        limit = 0.05 if name == "random_uniform" else math.sqrt(3 * variance)
        assert np.abs(w).max() <= limit


def test_constants_and_arguments() -> None:
    rng = np.random.default_rng(0)
    assert np.all(initializers.get("zeros")((3, 2), rng) == 0)
    assert np.all(initializers.get("ones")((3,), rng, np.float32) == 1)
    assert np.all(initializers.get(0.25)((4,), rng) == 0.25)
    w = initializers.get("random_uniform", minval=1.0, maxval=2.0)((100,), rng)
    assert w.min() >= 1.0 and w.max() <= 2.0
    w = initializers.get("random_normal", mean=5.0, stddev=0.0)((3,), rng)
    assert np.all(w == 5.0)


def test_reproducible_and_float32_is_rounded_float64() -> None:
    init = initializers.get("he_normal")
    a = init((5, 4), np.random.default_rng(1), np.float64)
    b = init((5, 4), np.random.default_rng(1), np.float32)
    assert b.dtype == np.float32 and np.array_equal(b, a.astype(np.float32))


def test_registry_errors_and_config() -> None:
    with pytest.raises(
        ValueError, match=r"Unknown initializer: 'xavier'\. Valid names: zeros, ones, constant"
    ):
        initializers.get("xavier")
    with pytest.raises(ValueError, match=r"Invalid arguments for initializer 'he_normal': \['stddev'\]"):
        initializers.get("he_normal", stddev=1.0)
    with pytest.raises(ValueError, match="minval must be <= maxval"):
        initializers.get("random_uniform", minval=1.0, maxval=0.0)
    assert initializers.get("Kaiming_Normal").name == "he_normal"
    init = initializers.get("random_normal", stddev=0.1)
    cfg = json.loads(json.dumps(initializers.serialize(init)))
    assert initializers.get(cfg) == init
    assert initializers.serialize(initializers.get("glorot_uniform")) == "glorot_uniform"


def test_dense_uses_its_initializers() -> None:
    layer = Dense(3, kernel_initializer="ones", bias_initializer={"name": "constant", "value": 0.5})
    layer.build(2, np.random.default_rng(0), np.float64)
    assert np.all(layer.kernel == 1.0) and np.all(layer.bias == 0.5)
