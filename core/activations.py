"""Activation functions with their exact derivatives.

Every activation is an object with ``name``, ``__call__(x)`` (new array), ``derivative(x)`` (elementwise
f'(x), new array) and ``get_config()``. Layers use two buffer-reusing methods on the training path:

- ``forward(z, out)`` writes f(z) into ``out`` (shape of ``z``) and returns it (``linear`` returns ``z``).
- ``backward(z, a, g, tmp)`` returns ``g * f'(z)`` (for softmax the full Jacobian-vector product),
  written into ``g`` in place; ``a`` is f(z) from the forward pass, ``tmp`` a scratch array like ``z``.

Shapes: ``z``, ``a``, ``g`` are (batch, units). ``softmax`` normalises over the last axis.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from core.registry import Registry

_add_reduce = np.add.reduce  # ufunc reductions without the np.sum/np.max wrappers (hot path)
_max_reduce = np.maximum.reduce

__all__ = [
    "Activation",
    "Linear",
    "Sigmoid",
    "Tanh",
    "ReLU",
    "LeakyReLU",
    "ELU",
    "GELU",
    "Swish",
    "Softplus",
    "Softmax",
    "Step",
    "ACTIVATION_NAMES",
    "get",
    "serialize",
]


class Activation:
    """Base class. Subclasses implement ``forward``, ``backward`` and ``derivative``."""

    name = "activation"
    #: False when the activation has no usable gradient (``step``): models refuse to train with it.
    trainable = True

    def __call__(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x)
        if not np.issubdtype(x.dtype, np.floating):
            x = x.astype(np.float64)
        return self.forward(x, np.empty_like(x))

    def forward(self, z: np.ndarray, out: np.ndarray) -> np.ndarray:
        raise NotImplementedError  # pragma: no cover - abstract

    def backward(self, z: np.ndarray, a: np.ndarray, g: np.ndarray, tmp: np.ndarray) -> np.ndarray:
        np.multiply(g, self.derivative(z), out=g)
        return g

    def derivative(self, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError  # pragma: no cover - abstract

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items() if k != "name")
        return f"{type(self).__name__}({args})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Activation) and self.get_config() == other.get_config()

    def __hash__(self) -> int:
        return hash(self.name)


def _float(x: Any) -> np.ndarray:
    x = np.asarray(x)
    return x if np.issubdtype(x.dtype, np.floating) else x.astype(np.float64)


class Linear(Activation):
    """Identity: f(x) = x."""

    name = "linear"

    def forward(self, z: np.ndarray, out: np.ndarray) -> np.ndarray:
        return z

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return _float(x).copy()

    def backward(self, z: np.ndarray, a: np.ndarray, g: np.ndarray, tmp: np.ndarray) -> np.ndarray:
        return g

    def derivative(self, x: np.ndarray) -> np.ndarray:
        return np.ones_like(_float(x))


class Sigmoid(Activation):
    """Logistic sigmoid 1 / (1 + exp(-x)), computed without overflow as exp(-softplus(-x))."""

    name = "sigmoid"

    def forward(self, z: np.ndarray, out: np.ndarray) -> np.ndarray:
        np.negative(z, out=out)
        np.logaddexp(0.0, out, out=out)
        np.negative(out, out=out)
        return np.exp(out, out=out)

    def backward(self, z: np.ndarray, a: np.ndarray, g: np.ndarray, tmp: np.ndarray) -> np.ndarray:
        np.subtract(1.0, a, out=tmp)
        tmp *= a
        g *= tmp
        return g

    def derivative(self, x: np.ndarray) -> np.ndarray:
        s = self(x)
        return s * (1.0 - s)


class Tanh(Activation):
    """Hyperbolic tangent."""

    name = "tanh"

    def forward(self, z: np.ndarray, out: np.ndarray) -> np.ndarray:
        return np.tanh(z, out=out)

    def backward(self, z: np.ndarray, a: np.ndarray, g: np.ndarray, tmp: np.ndarray) -> np.ndarray:
        np.multiply(a, a, out=tmp)
        np.subtract(1.0, tmp, out=tmp)
        g *= tmp
        return g

    def derivative(self, x: np.ndarray) -> np.ndarray:
        t = np.tanh(_float(x))
        return 1.0 - t * t


class ReLU(Activation):
    """max(x, 0); derivative 1 for x > 0 else 0."""

    name = "relu"

    def forward(self, z: np.ndarray, out: np.ndarray) -> np.ndarray:
        return np.maximum(z, 0.0, out=out)

    def backward(self, z: np.ndarray, a: np.ndarray, g: np.ndarray, tmp: np.ndarray) -> np.ndarray:
        # g * (a > 0) as arithmetic (masked copies are ~10x slower on random masks)
        np.greater(a, 0.0, out=tmp, casting="unsafe")
        g *= tmp
        return g

    def derivative(self, x: np.ndarray) -> np.ndarray:
        x = _float(x)
        return (x > 0).astype(x.dtype)


class LeakyReLU(Activation):
    """x for x > 0 else alpha * x (alpha default 0.01)."""

    name = "leaky_relu"

    def __init__(self, alpha: float = 0.01) -> None:
        alpha = float(alpha)
        if not math.isfinite(alpha) or alpha < 0:
            raise ValueError(f"leaky_relu alpha must be a finite number >= 0. Received: alpha={alpha!r}")
        self.alpha = alpha

    def forward(self, z: np.ndarray, out: np.ndarray) -> np.ndarray:
        np.multiply(z, self.alpha, out=out)
        if self.alpha <= 1.0:
            return np.maximum(z, out, out=out)
        return np.minimum(z, out, out=out)

    def backward(self, z: np.ndarray, a: np.ndarray, g: np.ndarray, tmp: np.ndarray) -> np.ndarray:
        # f'(z) = alpha + (1 - alpha) * (z > 0)
        np.greater(z, 0.0, out=tmp, casting="unsafe")
        tmp *= 1.0 - self.alpha
        tmp += self.alpha
        g *= tmp
        return g

    def derivative(self, x: np.ndarray) -> np.ndarray:
        x = _float(x)
        return np.where(x > 0, 1.0, self.alpha).astype(x.dtype)

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "alpha": self.alpha}


class ELU(Activation):
    """x for x > 0 else alpha * (exp(x) - 1) (alpha default 1.0)."""

    name = "elu"

    def __init__(self, alpha: float = 1.0) -> None:
        alpha = float(alpha)
        if not math.isfinite(alpha) or alpha < 0:
            raise ValueError(f"elu alpha must be a finite number >= 0. Received: alpha={alpha!r}")
        self.alpha = alpha

    def forward(self, z: np.ndarray, out: np.ndarray) -> np.ndarray:
        np.minimum(z, 0.0, out=out)
        np.expm1(out, out=out)
        out *= self.alpha
        out += np.maximum(z, 0.0)
        return out

    def backward(self, z: np.ndarray, a: np.ndarray, g: np.ndarray, tmp: np.ndarray) -> np.ndarray:
        # w = alpha * exp(min(z, 0)) = min(a, 0) + alpha;  f'(z) = w + (z > 0) * (1 - w)
        np.minimum(a, 0.0, out=tmp)
        tmp += self.alpha
        d = np.subtract(1.0, tmp)
        d *= z > 0.0
        tmp += d
        g *= tmp
        return g

    def derivative(self, x: np.ndarray) -> np.ndarray:
        x = _float(x)
        return np.where(x > 0, 1.0, self.alpha * np.exp(np.minimum(x, 0.0))).astype(x.dtype)

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "alpha": self.alpha}


_GELU_C = math.sqrt(2.0 / math.pi)
_GELU_K = 0.044715


class GELU(Activation):
    """Gaussian error linear unit, tanh form: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).

    This is PyTorch's ``gelu(approximate="tanh")`` and Keras' ``gelu(approximate=True)``; NumPy has no
    vectorised erf, and the tanh form differs from the erf form by less than 1e-3.
    """

    name = "gelu"

    def forward(self, z: np.ndarray, out: np.ndarray) -> np.ndarray:
        np.multiply(z, z, out=out)
        out *= _GELU_K
        out += 1.0
        out *= z
        out *= _GELU_C
        np.tanh(out, out=out)
        out += 1.0
        out *= z
        out *= 0.5
        return out

    def derivative(self, x: np.ndarray) -> np.ndarray:
        x = _float(x)
        u = _GELU_C * (x + _GELU_K * x**3)
        t = np.tanh(u)
        du = _GELU_C * (1.0 + 3.0 * _GELU_K * x * x)
        return 0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * du


class Swish(Activation):
    """x * sigmoid(x) (also called SiLU)."""

    name = "swish"

    def __init__(self, name: str = "swish") -> None:
        self.name = name

    def forward(self, z: np.ndarray, out: np.ndarray) -> np.ndarray:
        _SIGMOID.forward(z, out)
        out *= z
        return out

    def derivative(self, x: np.ndarray) -> np.ndarray:
        x = _float(x)
        s = _SIGMOID(x)
        return s * (1.0 + x * (1.0 - s))


class Softplus(Activation):
    """log(1 + exp(x)), computed stably; derivative sigmoid(x)."""

    name = "softplus"

    def forward(self, z: np.ndarray, out: np.ndarray) -> np.ndarray:
        return np.logaddexp(0.0, z, out=out)

    def backward(self, z: np.ndarray, a: np.ndarray, g: np.ndarray, tmp: np.ndarray) -> np.ndarray:
        _SIGMOID.forward(z, tmp)
        g *= tmp
        return g

    def derivative(self, x: np.ndarray) -> np.ndarray:
        return _SIGMOID(x)


class Softmax(Activation):
    """exp(x_i - max x) / sum_j exp(x_j - max x) over the last axis.

    ``derivative(x)`` is the diagonal of the Jacobian, s * (1 - s); ``backward`` applies the full
    Jacobian: s * (g - sum(g * s)). With cross-entropy the model skips both (fused logits - targets).
    """

    name = "softmax"

    def forward(self, z: np.ndarray, out: np.ndarray) -> np.ndarray:
        np.subtract(z, _max_reduce(z, axis=-1, keepdims=True), out=out)
        np.exp(out, out=out)
        out /= _add_reduce(out, axis=-1, keepdims=True)
        return out

    def backward(self, z: np.ndarray, a: np.ndarray, g: np.ndarray, tmp: np.ndarray) -> np.ndarray:
        np.multiply(g, a, out=tmp)
        g -= _add_reduce(tmp, axis=-1, keepdims=True)
        g *= a
        return g

    def derivative(self, x: np.ndarray) -> np.ndarray:
        s = self(x)
        return s * (1.0 - s)


class Step(Activation):
    """Heaviside step: 1 for x >= 0 else 0 (the perceptron). Forward only: it cannot be trained."""

    name = "step"
    trainable = False

    def forward(self, z: np.ndarray, out: np.ndarray) -> np.ndarray:
        np.greater_equal(z, 0.0, out=out, casting="unsafe")
        return out

    def backward(self, z: np.ndarray, a: np.ndarray, g: np.ndarray, tmp: np.ndarray) -> np.ndarray:
        raise ValueError(
            "The 'step' activation has no gradient (it is 0 almost everywhere), so it cannot be trained "
            "by backpropagation. Use it for forward passes only, or choose 'sigmoid' or 'tanh' to train."
        )

    def derivative(self, x: np.ndarray) -> np.ndarray:
        return self.backward(x, x, x, x)


_SIGMOID = Sigmoid()

_CLASSES: dict[str, type[Activation]] = {
    "linear": Linear,
    "sigmoid": Sigmoid,
    "tanh": Tanh,
    "relu": ReLU,
    "leaky_relu": LeakyReLU,
    "elu": ELU,
    "gelu": GELU,
    "swish": Swish,
    "silu": Swish,
    "softplus": Softplus,
    "softmax": Softmax,
    "step": Step,
}
ACTIVATION_NAMES: tuple[str, ...] = tuple(_CLASSES)
_ALIASES = {"none": "linear", "identity": "linear", "leakyrelu": "leaky_relu", "heaviside": "step"}


_REGISTRY = Registry("activation", ACTIVATION_NAMES, _ALIASES)


def get(identifier: str | Activation | dict[str, Any] | None) -> Activation:
    """An activation from a name (case-insensitive), a config dict, an instance, or None (linear)."""
    if identifier is None:
        return Linear()
    if isinstance(identifier, Activation):
        return identifier
    cfg: dict[str, Any] = {}
    if isinstance(identifier, dict):
        identifier, cfg = _REGISTRY.name_and_config(identifier, {})
    key = _REGISTRY.key(identifier)
    if key in ("swish", "silu"):
        return Swish(key)
    return _REGISTRY.construct(_CLASSES[key], identifier, cfg)


def serialize(activation: Activation) -> str | dict[str, Any]:
    """The activation's name, or its config dict when it has arguments (JSON-able)."""
    cfg = activation.get_config()
    return cfg["name"] if len(cfg) == 1 else cfg
