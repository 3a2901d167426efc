"""Loss functions: value, gradient, and the fused stable paths used with softmax / sigmoid outputs.

Conventions (Keras): ``y_pred`` is the model output AFTER the final activation, shape (n, k).
Values are means: MSE/MAE/Huber/BCE over all n*k elements, (sparse) categorical cross-entropy over the
n rows (summed over classes). Gradients are d(value)/d(y_pred), so they include the 1/n (or 1/(n*k)).

Fused paths (``fused_activation`` names the output activation they pair with): the model passes the
pre-activation logits ``z`` and the probabilities ``p``; ``fused(y, z, p, out)`` writes
d(value)/dz = (p - y_smoothed) / n into ``out`` and returns the value computed stably from ``z``.

``prepare_targets(y, units, dtype)`` validates targets for the loss and the output width and returns
them in the form the loss consumes (float (n, k), or int indices (n,) for the sparse loss).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from core.registry import Registry

__all__ = [
    "Loss",
    "MeanSquaredError",
    "MeanAbsoluteError",
    "Huber",
    "BinaryCrossentropy",
    "CategoricalCrossentropy",
    "SparseCategoricalCrossentropy",
    "LOSS_NAMES",
    "get",
]

_EPS = 1e-7  # probability clipping of the non-fused cross-entropies (Keras' epsilon)


def _check_smoothing(value: Any) -> float:
    v = float(value)
    if not math.isfinite(v) or not 0.0 <= v < 1.0:
        raise ValueError(f"label_smoothing must be in [0, 1). Received: label_smoothing={value!r}")
    return v


class Loss:
    """Base class. ``__call__(y_true, y_pred) -> float`` and ``gradient(y_true, y_pred) -> array``."""

    name = "loss"
    #: Output activation name for which ``fused`` is valid (None: no fused path).
    fused_activation: str | None = None

    # -- public API (allocating, used by tests, evaluate and users) -------------------------------
    def __call__(self, y_true: Any, y_pred: Any) -> float:
        y_pred = self._as_pred(y_pred)
        y = self.prepare_targets(y_true, y_pred.shape[1], y_pred.dtype)
        return float(self.value(y, y_pred))

    def gradient(self, y_true: Any, y_pred: Any) -> np.ndarray:
        """d(loss)/d(y_pred), shape (n, k)."""
        y_pred = self._as_pred(y_pred)
        y = self.prepare_targets(y_true, y_pred.shape[1], y_pred.dtype)
        out = np.empty_like(y_pred)
        self.value_and_grad(y, y_pred, out)
        return out

    @staticmethod
    def _as_pred(y_pred: Any) -> np.ndarray:
        p = np.asarray(y_pred)
        if not np.issubdtype(p.dtype, np.floating):
            p = p.astype(np.float64)
        if p.ndim == 1:
            p = p[:, None]
        if p.ndim != 2:
            raise ValueError(f"Predictions must have shape (n, units). Received shape {p.shape}")
        return p

    # -- engine API (prepared targets, preallocated buffers) ------------------------------------
    def value(self, y: np.ndarray, p: np.ndarray) -> float:
        raise NotImplementedError  # pragma: no cover - abstract

    def value_and_grad(self, y: np.ndarray, p: np.ndarray, out: np.ndarray) -> float:
        """Write d(value)/dp into ``out`` (shape of p) and return the value."""
        raise NotImplementedError  # pragma: no cover - abstract

    def fused(self, y: np.ndarray, z: np.ndarray, p: np.ndarray, out: np.ndarray) -> float:
        """Write d(value)/dz into ``out`` for logits z (p = activation(z)); return the stable value."""
        raise NotImplementedError  # pragma: no cover - abstract

    def fused_value(self, y: np.ndarray, z: np.ndarray) -> float:
        """Stable value from logits z (no gradient)."""
        raise NotImplementedError  # pragma: no cover - abstract

    def prepare_targets(self, y: Any, units: int, dtype: Any) -> np.ndarray:
        """Validate y against the output width; return float (n, units) targets."""
        y = np.asarray(y)
        if y.dtype == object or not (np.issubdtype(y.dtype, np.number) or y.dtype == bool):
            raise ValueError(f"{self.name} expects numeric targets. Received dtype {y.dtype}")
        if y.ndim == 1 and units == 1:
            y = y[:, None]
        if y.ndim != 2 or y.shape[1] != units:
            raise ValueError(
                f"{self.name} expects targets of shape (n, {units}) to match the {units}-unit output layer. "
                f"Received targets of shape {y.shape}"
            )
        y = np.ascontiguousarray(y, dtype=dtype)
        if not np.isfinite(y).all():
            raise ValueError(f"Targets y contain NaN or infinite values (row {_first_bad_row(y)})")
        return y

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items() if k != "name")
        return f"{type(self).__name__}({args})"


def _first_bad_row(a: np.ndarray) -> int:
    bad = ~np.isfinite(a.reshape(a.shape[0], -1)).all(axis=1)
    return int(np.argmax(bad))


_add_reduce = np.add.reduce  # ufunc reductions without the np.sum/np.min wrappers (hot path)
_min_reduce = np.minimum.reduce


def _mean(x: np.ndarray) -> float:
    return float(_add_reduce(x, axis=None)) / x.size


class MeanSquaredError(Loss):
    """mean((p - y)^2) over all elements."""

    name = "mse"

    def value(self, y: np.ndarray, p: np.ndarray) -> float:
        d = p - y
        return float(np.vdot(d, d)) / d.size

    def value_and_grad(self, y: np.ndarray, p: np.ndarray, out: np.ndarray) -> float:
        np.subtract(p, y, out=out)
        v = float(np.vdot(out, out)) / out.size
        out *= 2.0 / out.size
        return v


class MeanAbsoluteError(Loss):
    """mean(|p - y|) over all elements; gradient sign(p - y) / (n*k)."""

    name = "mae"

    def value(self, y: np.ndarray, p: np.ndarray) -> float:
        return _mean(np.abs(p - y))

    def value_and_grad(self, y: np.ndarray, p: np.ndarray, out: np.ndarray) -> float:
        np.subtract(p, y, out=out)
        v = float(np.abs(out).mean(dtype=out.dtype))
        np.sign(out, out=out)
        out *= 1.0 / out.size
        return v


class Huber(Loss):
    """0.5 d^2 for |d| <= delta else delta (|d| - 0.5 delta), d = p - y; mean over all elements."""

    name = "huber"

    def __init__(self, delta: float = 1.0) -> None:
        delta = float(delta)
        if not math.isfinite(delta) or delta <= 0:
            raise ValueError(f"huber delta must be a positive number. Received: delta={delta!r}")
        self.delta = delta

    def value(self, y: np.ndarray, p: np.ndarray) -> float:
        d = np.abs(p - y)
        q = np.minimum(d, self.delta)
        return _mean(0.5 * q * q + self.delta * (d - q))

    def value_and_grad(self, y: np.ndarray, p: np.ndarray, out: np.ndarray) -> float:
        v = self.value(y, p)
        np.subtract(p, y, out=out)
        np.clip(out, -self.delta, self.delta, out=out)
        out *= 1.0 / out.size
        return v

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "delta": self.delta}


class BinaryCrossentropy(Loss):
    """-mean(y log p + (1 - y) log(1 - p)) over all elements; targets in [0, 1], shape (n, k)."""

    name = "binary_crossentropy"
    fused_activation = "sigmoid"

    def __init__(self, label_smoothing: float = 0.0) -> None:
        self.label_smoothing = _check_smoothing(label_smoothing)

    def prepare_targets(self, y: Any, units: int, dtype: Any) -> np.ndarray:
        y = super().prepare_targets(y, units, dtype)
        if y.size and (y.min() < 0 or y.max() > 1):
            raise ValueError(
                f"binary_crossentropy expects targets between 0 and 1. Received values in "
                f"[{y.min():g}, {y.max():g}]"
            )
        if self.label_smoothing:
            y = y * (1.0 - self.label_smoothing) + 0.5 * self.label_smoothing
        return y

    def value(self, y: np.ndarray, p: np.ndarray) -> float:
        p = np.clip(p, _EPS, 1.0 - _EPS)
        return -_mean(y * np.log(p) + (1.0 - y) * np.log1p(-p))

    def value_and_grad(self, y: np.ndarray, p: np.ndarray, out: np.ndarray) -> float:
        v = self.value(y, p)
        pc = np.clip(p, _EPS, 1.0 - _EPS)
        # d/dp = (p - y) / (p (1 - p)); zero where the clip is active (as Keras' clipped graph)
        np.subtract(pc, y, out=out)
        out /= pc * (1.0 - pc)
        out[(p < _EPS) | (p > 1.0 - _EPS)] = 0.0
        out *= 1.0 / out.size
        return v

    def fused_value(self, y: np.ndarray, z: np.ndarray) -> float:
        # max(z, 0) - z*y + log(1 + exp(-|z|))
        t = np.logaddexp(0.0, -np.abs(z))
        t += np.maximum(z, 0.0)
        t -= z * y
        return _mean(t)

    def fused(self, y: np.ndarray, z: np.ndarray, p: np.ndarray, out: np.ndarray) -> float:
        v = self.fused_value(y, z)
        np.subtract(p, y, out=out)
        out *= 1.0 / out.size
        return v

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "label_smoothing": self.label_smoothing}


def _logsumexp_rows(z: np.ndarray) -> np.ndarray:
    m = z.max(axis=1, keepdims=True)
    t = np.subtract(z, m)
    np.exp(t, out=t)
    s = t.sum(axis=1, keepdims=True)
    np.log(s, out=s)
    s += m
    return s  # (n, 1)


class CategoricalCrossentropy(Loss):
    """-mean over rows of sum_k y_k log p_k; one-hot (n, k) targets, optional label smoothing
    (y * (1 - ls) + ls / k)."""

    name = "categorical_crossentropy"
    fused_activation = "softmax"

    def __init__(self, label_smoothing: float = 0.0) -> None:
        self.label_smoothing = _check_smoothing(label_smoothing)

    def prepare_targets(self, y: Any, units: int, dtype: Any) -> np.ndarray:
        y_arr = np.asarray(y)
        if y_arr.ndim == 1 or (y_arr.ndim == 2 and y_arr.shape[1] == 1 and units > 1):
            raise ValueError(
                f"categorical_crossentropy expects one-hot targets of shape (n, {units}). Received "
                f"targets of shape {y_arr.shape}; use sparse_categorical_crossentropy for integer labels"
            )
        y = super().prepare_targets(y_arr, units, dtype)
        if y.size and y.min() < 0:
            raise ValueError(f"categorical_crossentropy targets must be >= 0. Received minimum {y.min():g}")
        if self.label_smoothing:
            y = y * (1.0 - self.label_smoothing) + self.label_smoothing / units
        return y

    def value(self, y: np.ndarray, p: np.ndarray) -> float:
        p = np.clip(p, _EPS, 1.0)
        return -float(np.vdot(y, np.log(p))) / y.shape[0]

    def value_and_grad(self, y: np.ndarray, p: np.ndarray, out: np.ndarray) -> float:
        v = CategoricalCrossentropy.value(self, y, p)  # explicit: the sparse subclass reuses this
        pc = np.clip(p, _EPS, 1.0)
        np.divide(y, pc, out=out)
        np.negative(out, out=out)
        out[p < _EPS] = 0.0
        out *= 1.0 / y.shape[0]
        return v

    def fused_value(self, y: np.ndarray, z: np.ndarray) -> float:
        # sum_k y_k (lse(z) - z_k) = lse(z) * sum_k y_k - y . z
        lse = _logsumexp_rows(z)
        return (float(np.vdot(lse[:, 0], y.sum(axis=1))) - float(np.vdot(y, z))) / y.shape[0]

    def fused(self, y: np.ndarray, z: np.ndarray, p: np.ndarray, out: np.ndarray) -> float:
        v = self.fused_value(y, z)
        np.subtract(p, y, out=out)
        out *= 1.0 / y.shape[0]
        return v

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "label_smoothing": self.label_smoothing}


class SparseCategoricalCrossentropy(Loss):
    """Categorical cross-entropy with integer class targets (n,) in [0, k); optional label smoothing."""

    name = "sparse_categorical_crossentropy"
    fused_activation = "softmax"

    def __init__(self, label_smoothing: float = 0.0) -> None:
        self.label_smoothing = _check_smoothing(label_smoothing)
        self._rows: dict[tuple[int, int], np.ndarray] = {}

    def prepare_targets(self, y: Any, units: int, dtype: Any) -> np.ndarray:
        y = np.asarray(y)
        if y.ndim == 2 and y.shape[1] == 1:
            y = y[:, 0]
        if y.ndim != 1:
            raise ValueError(
                f"sparse_categorical_crossentropy expects integer class labels of shape (n,). Received "
                f"targets of shape {y.shape}; use categorical_crossentropy for one-hot targets"
            )
        if units < 2:
            raise ValueError(
                "sparse_categorical_crossentropy needs one output unit per class (at least 2); the output "
                f"layer has {units} unit. Use 1 sigmoid unit with binary_crossentropy for two classes"
            )
        if y.dtype == bool or not np.issubdtype(y.dtype, np.number):
            raise ValueError(
                f"sparse_categorical_crossentropy expects integer labels. Received dtype {y.dtype}"
            )
        if np.issubdtype(y.dtype, np.floating):
            if not np.isfinite(y).all():
                raise ValueError(
                    f"Targets y contain NaN or infinite values (row {_first_bad_row(y[:, None])})"
                )
            if y.size and not np.array_equal(y, np.round(y)):
                bad = float(y[np.argmax(y != np.round(y))])
                raise ValueError(
                    f"sparse_categorical_crossentropy expects integer class labels. Received label {bad!r}"
                )
        labels = y.astype(np.intp)
        if labels.size and (labels.min() < 0 or labels.max() >= units):
            bad = labels.min() if labels.min() < 0 else labels.max()
            raise ValueError(
                f"sparse_categorical_crossentropy expects class labels in [0, {units}) for the {units}-unit "
                f"output layer. Received label {int(bad)}"
            )
        return np.ascontiguousarray(labels)

    def _smoothed_onehot(self, y: np.ndarray, k: int, dtype: Any) -> np.ndarray:
        t = np.full((y.shape[0], k), self.label_smoothing / k, dtype=dtype)
        t[np.arange(y.shape[0]), y] += 1.0 - self.label_smoothing
        return t

    def value(self, y: np.ndarray, p: np.ndarray) -> float:
        if self.label_smoothing:
            return CategoricalCrossentropy.value(self, self._smoothed_onehot(y, p.shape[1], p.dtype), p)
        py = np.take_along_axis(p, y[:, None], axis=1)
        np.clip(py, _EPS, 1.0, out=py)
        return -_mean(np.log(py, out=py))

    def value_and_grad(self, y: np.ndarray, p: np.ndarray, out: np.ndarray) -> float:
        return CategoricalCrossentropy.value_and_grad(
            self, self._smoothed_onehot(y, p.shape[1], p.dtype), p, out
        )

    def fused_value(self, y: np.ndarray, z: np.ndarray) -> float:
        lse = _logsumexp_rows(z)
        n, k = z.shape
        zy = np.take_along_axis(z, y[:, None], axis=1)
        if not self.label_smoothing:
            lse -= zy
            return _mean(lse)
        ls = self.label_smoothing
        # lse - (1 - ls) z_y - ls/k sum_k z_k
        total = float(lse.sum()) - (1.0 - ls) * float(zy.sum()) - ls / k * float(z.sum())
        return total / n

    def _flat_index(self, n: int, k: int, y: np.ndarray) -> np.ndarray:
        """Indices of the target entries in the flattened (n, k) array: row * k + label."""
        rows = self._rows.get((n, k))
        if rows is None:
            rows = self._rows[(n, k)] = np.arange(0, n * k, k, dtype=np.intp)
        return rows + y

    def fused(self, y: np.ndarray, z: np.ndarray, p: np.ndarray, out: np.ndarray) -> float:
        n, k = p.shape
        idx = self._flat_index(n, k, y)
        ls = self.label_smoothing
        py = p.take(idx)
        if not ls and _min_reduce(py) > 1e-30:
            # -log softmax(z)_y from the forward pass equals lse(z) - z_y to rounding; the logits path
            # below takes over when a probability underflows (or is NaN).
            np.log(py, out=py)
            v = -float(_add_reduce(py)) / n
        else:
            v = self.fused_value(y, z)
        scale = 1.0 / n
        np.multiply(p, scale, out=out)
        if ls:
            out -= ls / k * scale
        flat = out.reshape(-1)
        flat[idx] -= (1.0 - ls) * scale
        return v

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "label_smoothing": self.label_smoothing}


_CLASSES: dict[str, type[Loss]] = {
    "mse": MeanSquaredError,
    "mae": MeanAbsoluteError,
    "huber": Huber,
    "binary_crossentropy": BinaryCrossentropy,
    "categorical_crossentropy": CategoricalCrossentropy,
    "sparse_categorical_crossentropy": SparseCategoricalCrossentropy,
}
LOSS_NAMES: tuple[str, ...] = tuple(_CLASSES)
_ALIASES = {
    "mean_squared_error": "mse",
    "mean_absolute_error": "mae",
    "huber_loss": "huber",
    "bce": "binary_crossentropy",
    "cce": "categorical_crossentropy",
    "sparse_cce": "sparse_categorical_crossentropy",
}


_REGISTRY = Registry("loss", LOSS_NAMES, _ALIASES)


def get(identifier: str | Loss | dict[str, Any], **kwargs: Any) -> Loss:
    """A loss from a name (case-insensitive, plus constructor kwargs), a config dict or an instance."""
    if isinstance(identifier, Loss):
        _REGISTRY.refuse_kwargs(identifier, kwargs)
        return identifier
    if isinstance(identifier, dict):
        name, cfg = _REGISTRY.name_and_config(identifier, kwargs)
        return get(name, **cfg)
    return _REGISTRY.construct(_CLASSES[_REGISTRY.key(identifier)], identifier, kwargs)
