"""Losses: values, gradients vs central differences, fused logits paths, label smoothing, targets."""

from __future__ import annotations

import numpy as np
import pytest

from core import activations, losses
from tests.core.engine_helpers import assert_close, numeric_grad

RNG = np.random.default_rng(0)


def _probs(n: int, k: int) -> np.ndarray:
    return activations.get("softmax")(RNG.normal(size=(n, k)))


def _targets(name: str, n: int, k: int, rng: np.random.Generator) -> np.ndarray:
    if name == "sparse_categorical_crossentropy":
        return rng.integers(0, k, size=n)
    if name == "categorical_crossentropy":
        return np.eye(k)[rng.integers(0, k, size=n)]
    if name == "binary_crossentropy":
        return rng.integers(0, 2, size=(n, k)).astype(float)
    return rng.normal(size=(n, k))


def _preds(name: str, n: int, k: int, rng: np.random.Generator) -> np.ndarray:
    if name in ("sparse_categorical_crossentropy", "categorical_crossentropy"):
        return activations.get("softmax")(rng.normal(size=(n, k)))
    if name == "binary_crossentropy":
        return activations.get("sigmoid")(rng.normal(size=(n, k)))
    return rng.normal(size=(n, k))


CASES = [(name, {}) for name in losses.LOSS_NAMES] + [
    ("categorical_crossentropy", {"label_smoothing": 0.1}),
    ("sparse_categorical_crossentropy", {"label_smoothing": 0.2}),
    ("binary_crossentropy", {"label_smoothing": 0.1}),
    ("huber", {"delta": 0.5}),
]


@pytest.mark.parametrize(("name", "kwargs"), CASES)
def test_gradient_matches_central_difference(name: str, kwargs: dict) -> None:
    rng = np.random.default_rng(1)
    loss = losses.get(name, **kwargs)
    y = _targets(name, 5, 3, rng)
    p = _preds(name, 5, 3, rng)
    analytic = loss.gradient(y, p)
    numeric = numeric_grad(lambda: loss(y, p), p)
    assert_close(analytic, numeric, rtol=1e-6)


FUSED = [
    ("categorical_crossentropy", {}, "softmax"),
    ("categorical_crossentropy", {"label_smoothing": 0.1}, "softmax"),
    ("sparse_categorical_crossentropy", {}, "softmax"),
    ("sparse_categorical_crossentropy", {"label_smoothing": 0.1}, "softmax"),
    ("binary_crossentropy", {}, "sigmoid"),
    ("binary_crossentropy", {"label_smoothing": 0.2}, "sigmoid"),
]


@pytest.mark.parametrize(("name", "kwargs", "act_name"), FUSED)
def test_fused_gradient_is_d_loss_d_logits(name: str, kwargs: dict, act_name: str) -> None:
    rng = np.random.default_rng(2)
    loss = losses.get(name, **kwargs)
    assert loss.fused_activation == act_name
    act = activations.get(act_name)
    k = 3
    y_raw = _targets(name, 6, k, rng)
    y = loss.prepare_targets(y_raw, k, np.float64)
    z = rng.normal(size=(6, k))
    out = np.empty_like(z)
    value = loss.fused(y, z, act(z), out)
    # the fused value equals the plain loss of the probabilities, and its gradient is d/dz of it
    assert value == pytest.approx(loss(y_raw, act(z)), rel=1e-9)
    numeric = numeric_grad(lambda: loss.fused_value(y, z), z)
    assert_close(out, numeric, rtol=1e-6)
    # logits - targets, scaled by 1/batch (1/elements for BCE)
    dense_y = y if y.ndim == 2 else np.eye(k)[y] * (1 - loss.label_smoothing) + loss.label_smoothing / k
    scale = z.size if name == "binary_crossentropy" else z.shape[0]
    assert_close(out, (act(z) - dense_y) / scale, rtol=1e-12)


def test_fused_values_are_stable_for_huge_logits() -> None:
    z = np.array([[1000.0, -1000.0, 0.0]], dtype=np.float32)
    cce = losses.get("sparse_categorical_crossentropy")
    y = cce.prepare_targets([1], 3, np.float32)
    assert cce.fused_value(y, z) == pytest.approx(2000.0)
    bce = losses.get("binary_crossentropy")
    zb = np.array([[500.0], [-500.0]], dtype=np.float32)
    yb = bce.prepare_targets([[0.0], [0.0]], 1, np.float32)
    assert bce.fused_value(yb, zb) == pytest.approx(250.0)


def test_known_values() -> None:
    y = np.array([[1.0, 2.0], [3.0, 4.0]])
    p = np.array([[1.5, 2.0], [2.0, 6.0]])
    assert losses.get("mse")(y, p) == pytest.approx((0.25 + 0 + 1 + 4) / 4)  # mean over all elements
    assert losses.get("mae")(y, p) == pytest.approx((0.5 + 0 + 1 + 2) / 4)
    huber = (0.5 * 0.25 + 0 + 0.5 * 1 + (2 - 0.5)) / 4
    assert losses.get("huber")(y, p) == pytest.approx(huber)
    probs = np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]])
    expected = -(np.log(0.7) + np.log(0.8)) / 2
    assert losses.get("sparse_categorical_crossentropy")([0, 2], probs) == pytest.approx(expected)
    assert losses.get("categorical_crossentropy")(np.eye(3)[[0, 2]], probs) == pytest.approx(expected)
    bce = -(np.log(0.9) + np.log(0.8)) / 2
    assert losses.get("binary_crossentropy")([[1.0], [0.0]], [[0.9], [0.2]]) == pytest.approx(bce)


def test_label_smoothing_targets() -> None:
    cce = losses.get("categorical_crossentropy", label_smoothing=0.3)
    y = cce.prepare_targets(np.eye(3)[[0]], 3, np.float64)
    assert np.allclose(y, [[0.8, 0.1, 0.1]])
    bce = losses.get("binary_crossentropy", label_smoothing=0.2)
    assert np.allclose(bce.prepare_targets([[1.0], [0.0]], 1, np.float64), [[0.9], [0.1]])
    with pytest.raises(ValueError, match=r"label_smoothing must be in \[0, 1\)"):
        losses.get("categorical_crossentropy", label_smoothing=1.5)


def test_prepare_targets_checks_shapes_and_values() -> None:
    with pytest.raises(
        ValueError, match=r"one-hot targets of shape \(n, 3\).*sparse_categorical_crossentropy"
    ):
        losses.get("categorical_crossentropy").prepare_targets(np.array([0, 1, 2]), 3, np.float32)
    with pytest.raises(ValueError, match=r"class labels in \[0, 3\).*Received label 3"):
        losses.get("sparse_categorical_crossentropy").prepare_targets(np.array([0, 3]), 3, np.float32)
    with pytest.raises(ValueError, match=r"integer class labels\. Received label 0\.5"):
        losses.get("sparse_categorical_crossentropy").prepare_targets(np.array([0.5, 1.0]), 3, np.float32)
    with pytest.raises(ValueError, match="at least 2"):
        losses.get("sparse_categorical_crossentropy").prepare_targets(np.array([0, 1]), 1, np.float32)
    with pytest.raises(ValueError, match="between 0 and 1"):
        losses.get("binary_crossentropy").prepare_targets(np.array([[0.0], [2.0]]), 1, np.float32)
    with pytest.raises(ValueError, match=r"targets of shape \(n, 2\).*Received targets of shape \(4, 3\)"):
        losses.get("mse").prepare_targets(np.zeros((4, 3)), 2, np.float32)
    with pytest.raises(ValueError, match="NaN or infinite"):
        losses.get("mse").prepare_targets(np.array([[1.0], [np.nan]]), 1, np.float32)
    y = losses.get("mse").prepare_targets(np.arange(3), 1, np.float32)
    assert y.shape == (3, 1) and y.dtype == np.float32
    y = losses.get("sparse_categorical_crossentropy").prepare_targets(np.array([[1.0], [0.0]]), 2, np.float32)
    assert y.tolist() == [1, 0]


def test_registry() -> None:
    assert losses.get("mean_squared_error").name == "mse"
    assert losses.get({"name": "huber", "delta": 2.0}).delta == 2.0
    assert losses.get(losses.get("mae").get_config()).name == "mae"
    with pytest.raises(ValueError, match=r"Unknown loss: 'hinge'\. Valid names: mse, mae, huber"):
        losses.get("hinge")
    with pytest.raises(ValueError, match="delta must be a positive number"):
        losses.get("huber", delta=0)
