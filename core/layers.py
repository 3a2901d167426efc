"""Layers: Dense, Dropout, Activation, PReLU, Normalization.

Contract: ``build(input_dim, rng, dtype)``, ``output_dim``, ``forward(x, training)``, ``backward(g) -> dx``,
``params`` / ``grads`` dicts with the same keys, ``get_weights()`` / ``set_weights()``, ``get_config()``,
``name``, ``count_params()``.

Shapes: ``x`` (batch, input_dim) -> (batch, output_dim). ``forward(x, training=True)`` keeps one cache per
layer (overwritten each step) in preallocated work buffers; ``backward(g)`` returns d(loss)/dx and may
overwrite ``g`` (the caller no longer needs it). ``forward(x, training=False)`` is inference: it allocates
fresh outputs and touches no cache, so ``predict`` between training steps is safe.

Once a ``Sequential`` model is built, ``params``/``grads`` values are views into the model's single flat
parameter/gradient buffers; ``set_weights`` copies into them so the views stay valid.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np

from core import activations as _activations
from core import initializers as _initializers
from core import regularizers as _regularizers

_add_reduce = np.add.reduce  # column sums without the np.sum Python wrapper (hot path)

__all__ = [
    "Layer",
    "Dense",
    "Dropout",
    "Activation",
    "PReLU",
    "Normalization",
    "LAYER_CLASSES",
    "deserialize",
]


def _check_dim(value: Any, what: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value <= 0:
        raise ValueError(f"{what} must be a positive integer. Received: {what.split()[-1]}={value!r}")
    return int(value)


class Layer:
    """Base layer: naming, weights in/out, config, per-batch-size work buffers."""

    prefix = "layer"

    def __init__(self, name: str | None = None, input_dim: int | None = None) -> None:
        if name is not None and (not isinstance(name, str) or not name.strip()):
            raise ValueError(f"Layer name must be a non-empty string. Received: name={name!r}")
        self.name = name
        self.input_dim = _check_dim(input_dim, f"{type(self).__name__} input_dim")
        self._declared_input_dim = self.input_dim  # what the user asked for (kept in the config)
        self.output_dim: int | None = None
        self.built = False
        self.dtype = np.dtype(np.float32)
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}
        self._skip_dx = False  # set by the model on the first trainable layer
        self._n = -1
        self._bufs: dict[int, tuple[np.ndarray, ...]] = {}

    # -- building ---------------------------------------------------------------------------------
    def compute_output_dim(self, input_dim: int) -> int:
        return input_dim

    def _init_params(self, input_dim: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
        return {}

    def build(self, input_dim: int, rng: np.random.Generator | None = None, dtype: Any = np.float32) -> None:
        """Create parameters for ``input_dim`` inputs (standalone arrays until a model binds them)."""
        input_dim = _check_dim(input_dim, f"{type(self).__name__} input_dim")
        if self._declared_input_dim is not None and self._declared_input_dim != input_dim:
            raise ValueError(
                f"Layer '{self.name}' was declared with input_dim={self._declared_input_dim} but receives "
                f"{input_dim} features"
            )
        rng = rng if rng is not None else np.random.default_rng()
        self.dtype = np.dtype(dtype)
        self.input_dim = input_dim
        self.output_dim = self.compute_output_dim(input_dim)
        values = {
            k: np.ascontiguousarray(v, dtype=self.dtype) for k, v in self._init_params(input_dim, rng).items()
        }
        self._bufs = {}
        self._n = -1
        self._bind(values, {k: np.zeros_like(v) for k, v in values.items()})
        self.built = True

    def _bind(self, params: dict[str, np.ndarray], grads: dict[str, np.ndarray]) -> None:
        """Install parameter/gradient arrays (the model passes views into its flat buffers)."""
        self.params = params
        self.grads = grads
        self._on_bind()

    def _on_bind(self) -> None:
        """Refresh hot-path attributes after ``params``/``grads`` changed."""

    def _work(self, n: int, count: int, width: int) -> tuple[np.ndarray, ...]:
        """``count`` reusable (n, width) work buffers for batch size n."""
        bufs = self._bufs.get(n)
        if bufs is None:
            bufs = tuple(np.empty((n, width), dtype=self.dtype) for _ in range(count))
            self._bufs[n] = bufs
        return bufs

    # -- computation --------------------------------------------------------------------------------
    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        raise NotImplementedError  # pragma: no cover - abstract

    def backward(self, g: np.ndarray) -> np.ndarray | None:
        raise NotImplementedError  # pragma: no cover - abstract

    # -- weights ----------------------------------------------------------------------------------------
    @property
    def trainable(self) -> bool:
        """True when the layer has trainable parameters."""
        return bool(self.params)

    def weight_names(self) -> list[str]:
        return list(self.params)

    def get_weights(self) -> list[np.ndarray]:
        return [np.array(v, copy=True) for v in self.params.values()]

    def _expected_shapes(self) -> list[tuple[int, ...]]:
        return [v.shape for v in self.params.values()]

    def set_weights(self, weights: list[np.ndarray]) -> None:
        """Copy ``weights`` (same order/shapes as ``get_weights()``) into the layer's arrays."""
        if not self.built:
            raise ValueError(
                f"Layer '{self.name}' is not built yet; build the model first (model.build(input_dim))"
            )
        arrays = self._check_weights(weights)
        for target, value in zip(self.params.values(), arrays, strict=True):
            np.copyto(target, value, casting="same_kind")

    def _check_weights(self, weights: Any) -> list[np.ndarray]:
        expected = self._expected_shapes()
        if not isinstance(weights, (list, tuple)):
            raise ValueError(
                f"set_weights for layer '{self.name}' expects a list of {len(expected)} arrays. "
                f"Received {type(weights).__name__}"
            )
        arrays = [np.asarray(w) for w in weights]
        shapes = [a.shape for a in arrays]
        if shapes != expected:
            raise ValueError(
                f"set_weights for layer '{self.name}' expected {len(expected)} arrays with shapes "
                f"{expected}. Received {len(arrays)} arrays with shapes {shapes}"
            )
        for key, a in zip(self.weight_names(), arrays, strict=True):
            if not np.issubdtype(a.dtype, np.number) or a.dtype == np.bool_:
                raise ValueError(
                    f"Weight '{key}' of layer '{self.name}' must be numeric. Received dtype {a.dtype}"
                )
            if not np.isfinite(a).all():
                raise ValueError(f"Weight '{key}' of layer '{self.name}' contains NaN or infinite values")
        return arrays

    def count_params(self) -> int:
        """Number of trainable parameters."""
        return int(sum(v.size for v in self.params.values()))

    def count_non_trainable(self) -> int:
        """Number of fixed (non-trainable) weights, e.g. Normalization's mean and variance."""
        return 0

    @classmethod
    def params_for(cls, fan_in: int | None, units: int | None, config: Any) -> int | None:
        """Trainable parameters of an unbuilt layer with ``fan_in`` inputs and ``units`` outputs (config
        as in the project file); None while a needed width is unknown. Layers without weights: 0."""
        return 0

    # -- config -------------------------------------------------------------------------------------------
    def get_config(self) -> dict[str, Any]:
        cfg: dict[str, Any] = {"name": self.name}
        return cfg

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Layer:
        try:
            return cls(**config)
        except TypeError as exc:
            raise ValueError(f"Invalid {cls.__name__} config {config!r}: {exc}") from None

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name!r} {self.input_dim}->{self.output_dim}>"


def _identity_backward(z: np.ndarray, a: np.ndarray, g: np.ndarray, tmp: np.ndarray) -> np.ndarray:
    return g


class Dense(Layer):
    """Fully connected layer: a = activation(x @ kernel + bias); kernel (inputs, units), bias (units,)."""

    prefix = "dense"

    @classmethod
    def params_for(cls, fan_in: int | None, units: int | None, config: Any) -> int | None:
        if fan_in is None or units is None:
            return None
        return fan_in * units + (units if config.get("use_bias", True) else 0)

    def __init__(
        self,
        units: int,
        activation: str | _activations.Activation | None = None,
        use_bias: bool = True,
        kernel_initializer: Any = "glorot_uniform",
        bias_initializer: Any = "zeros",
        kernel_regularizer: Any = None,
        input_dim: int | None = None,
        name: str | None = None,
    ) -> None:
        if isinstance(units, bool) or not isinstance(units, numbers.Integral) or units <= 0:
            raise ValueError(f"Dense units must be a positive integer. Received: units={units!r}")
        super().__init__(name=name, input_dim=input_dim)
        self.units = int(units)
        if not isinstance(use_bias, (bool, np.bool_)):
            raise ValueError(f"use_bias must be True or False. Received: use_bias={use_bias!r}")
        self.use_bias = bool(use_bias)
        self.kernel_initializer = _initializers.get(kernel_initializer)
        self.bias_initializer = _initializers.get(bias_initializer)
        self.kernel_regularizer = _regularizers.get(kernel_regularizer)
        self._fused = False
        self.activation = activation  # property: resolves the name
        self.kernel: np.ndarray | None = None
        self.bias: np.ndarray | None = None

    @property
    def activation(self) -> _activations.Activation:
        """The activation object (``.name`` is its registry name)."""
        return self._activation

    @activation.setter
    def activation(self, value: Any) -> None:
        self._activation = _activations.get(value)
        self._act_forward = self._activation.forward
        self._act_backward = _identity_backward if self._fused else self._activation.backward

    def _set_fused(self, fused: bool) -> None:
        """The model fuses this layer's softmax/sigmoid with the loss: backward receives d/dz."""
        self._fused = fused
        self._act_backward = _identity_backward if fused else self._activation.backward

    def compute_output_dim(self, input_dim: int) -> int:
        return self.units

    def _init_params(self, input_dim: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
        p = {"kernel": self.kernel_initializer((input_dim, self.units), rng, np.float64)}
        if self.use_bias:
            p["bias"] = self.bias_initializer((self.units,), rng, np.float64)
        return p

    def _on_bind(self) -> None:
        self.kernel = self.params["kernel"]
        self.bias = self.params.get("bias")
        self._dW = self.grads["kernel"]
        self._db = self.grads.get("bias")

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        if not training:
            z = x @ self.kernel
            if self.use_bias:
                z += self.bias
            return self._act_forward(z, np.empty_like(z))
        n = x.shape[0]
        if n != self._n:
            bufs = self._bufs.get(n)
            if bufs is None:  # z, activation output, scratch (n, units); input gradient (n, inputs)
                units = (n, self.units)
                bufs = tuple(np.empty(units, dtype=self.dtype) for _ in range(3))
                bufs += (np.empty((n, self.input_dim), dtype=self.dtype),)
                self._bufs[n] = bufs
            self._z, self._a, self._tmp, self._dx = bufs
            self._n = n
        z = self._z
        np.matmul(x, self.kernel, out=z)
        if self.use_bias:
            z += self.bias
        self._x = x
        a = self._act_forward(z, self._a)
        self._out = a
        return a

    def backward(self, g: np.ndarray) -> np.ndarray | None:
        g = self._act_backward(self._z, self._out, g, self._tmp)
        np.matmul(self._x.T, g, out=self._dW)
        if self.use_bias:
            _add_reduce(g, axis=0, out=self._db)
        if self.kernel_regularizer is not None:
            self.kernel_regularizer.add_gradient(self.kernel, self._dW)
        if self._skip_dx:
            return None
        return np.matmul(g, self.kernel.T, out=self._dx)

    def regularization_loss(self) -> float:
        """Penalty of the kernel regularizer (0.0 without one)."""
        if self.kernel_regularizer is None or self.kernel is None:
            return 0.0
        return self.kernel_regularizer(self.kernel)

    def _expected_shapes(self) -> list[tuple[int, ...]]:
        if self.built:
            return super()._expected_shapes()
        return [(self.input_dim or -1, self.units)] + ([(self.units,)] if self.use_bias else [])

    def get_config(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "units": self.units,
            "activation": _activations.serialize(self._activation),
            "use_bias": self.use_bias,
            "kernel_initializer": _initializers.serialize(self.kernel_initializer),
            "bias_initializer": _initializers.serialize(self.bias_initializer),
            "kernel_regularizer": _regularizers.serialize(self.kernel_regularizer),
            "input_dim": self._declared_input_dim,
        }


def _check_rate(rate: Any) -> float:
    if isinstance(rate, bool) or not isinstance(rate, numbers.Real):
        raise ValueError(f"Dropout rate must be a number in [0, 1). Received: rate={rate!r}")
    r = float(rate)
    if not (math.isfinite(r) and 0.0 <= r < 1.0):
        raise ValueError(f"Dropout rate must be in [0, 1). Received: rate={rate!r}")
    return r


class Dropout(Layer):
    """Inverted dropout: in training, zero each input with probability ``rate`` and scale the rest by
    1 / (1 - rate); identity at inference."""

    prefix = "dropout"

    def __init__(
        self, rate: float, name: str | None = None, seed: int | None = None, input_dim: int | None = None
    ):
        super().__init__(name=name, input_dim=input_dim)
        self.rate = _check_rate(rate)
        self.seed = seed
        self.rng = np.random.default_rng(seed)

    def build(self, input_dim: int, rng: np.random.Generator | None = None, dtype: Any = np.float32) -> None:
        if self.seed is None and rng is not None:
            self.rng = np.random.default_rng(rng.integers(2**63))
        super().build(input_dim, rng, dtype)

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        if not training:
            return x
        if self.rate == 0.0:
            self._mask = None
            return x
        n = x.shape[0]
        if n != self._n:
            self._mask, self._out = self._work(n, 2, x.shape[1])
            self._n = n
        mask = self._mask
        self.rng.random(dtype=mask.dtype, out=mask)
        np.greater_equal(mask, self.rate, out=mask, casting="unsafe")
        mask *= 1.0 / (1.0 - self.rate)
        return np.multiply(x, mask, out=self._out)

    def backward(self, g: np.ndarray) -> np.ndarray | None:
        if self._skip_dx:
            return None
        if self._mask is not None:
            g *= self._mask
        return g

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "rate": self.rate, "seed": self.seed}


class Activation(Layer):
    """Applies an activation function as its own layer (the thesis' layer-per-activation style)."""

    prefix = "activation"

    def __init__(
        self, activation: str | _activations.Activation, name: str | None = None, input_dim: int | None = None
    ) -> None:
        super().__init__(name=name, input_dim=input_dim)
        self._fused = False
        self.activation = activation

    @property
    def activation(self) -> _activations.Activation:
        return self._activation

    @activation.setter
    def activation(self, value: Any) -> None:
        if value is None:
            raise ValueError(
                "Activation layer needs an activation name. Valid names: "
                f"{', '.join(_activations.ACTIVATION_NAMES)}"
            )
        self._activation = _activations.get(value)
        self._act_backward = _identity_backward if self._fused else self._activation.backward

    def _set_fused(self, fused: bool) -> None:
        self._fused = fused
        self._act_backward = _identity_backward if fused else self._activation.backward

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        if not training:
            return self._activation.forward(x, np.empty_like(x))
        n = x.shape[0]
        if n != self._n:
            self._a, self._tmp = self._work(n, 2, x.shape[1])
            self._n = n
        self._x = x
        a = self._activation.forward(x, self._a)
        self._out = a
        return a

    def backward(self, g: np.ndarray) -> np.ndarray | None:
        g = self._act_backward(self._x, self._out, g, self._tmp)
        return None if self._skip_dx else g

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "activation": _activations.serialize(self._activation)}


class PReLU(Layer):
    """Parametric ReLU: x for x > 0 else alpha * x, with one learnable ``alpha`` per unit."""

    prefix = "prelu"

    @classmethod
    def params_for(cls, fan_in: int | None, units: int | None, config: Any) -> int | None:
        return units

    def __init__(
        self, alpha_initializer: Any = 0.25, name: str | None = None, input_dim: int | None = None
    ) -> None:
        super().__init__(name=name, input_dim=input_dim)
        self.alpha_initializer = _initializers.get(alpha_initializer)
        self.alpha: np.ndarray | None = None

    def _init_params(self, input_dim: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
        return {"alpha": self.alpha_initializer((input_dim,), rng, np.float64)}

    def _on_bind(self) -> None:
        self.alpha = self.params["alpha"]
        self._dalpha = self.grads["alpha"]

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        # max(x, 0) + alpha * min(x, 0), without masked copies
        if not training:
            out = np.minimum(x, 0.0)
            out *= self.alpha
            out += np.maximum(x, 0.0)
            return out
        n = x.shape[0]
        if n != self._n:
            self._out, self._tmp = self._work(n, 2, x.shape[1])
            self._n = n
        self._x = x
        tmp = np.minimum(x, 0.0, out=self._tmp)
        tmp *= self.alpha
        out = np.maximum(x, 0.0, out=self._out)
        out += tmp
        return out

    def backward(self, g: np.ndarray) -> np.ndarray | None:
        x, tmp = self._x, self._tmp
        np.minimum(x, 0.0, out=tmp)
        tmp *= g
        _add_reduce(tmp, axis=0, out=self._dalpha)
        if self._skip_dx:
            return None
        # dx = g * (alpha + (1 - alpha) * (x > 0))
        np.greater(x, 0.0, out=tmp, casting="unsafe")
        tmp *= 1.0 - self.alpha
        tmp += self.alpha
        g *= tmp
        return g

    def _expected_shapes(self) -> list[tuple[int, ...]]:
        return super()._expected_shapes() if self.built else [(self.input_dim or -1,)]

    def get_config(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "alpha_initializer": _initializers.serialize(self.alpha_initializer),
            "input_dim": self._declared_input_dim,
        }


def _stat(value: Any, what: str) -> np.ndarray:
    try:
        a = np.array(0.0 if value is None else value, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(
            f"Normalization {what} must be a number or a 1-D array of numbers. Received {value!r}"
        ) from None
    if a.ndim == 2 and 1 in a.shape:
        a = a.reshape(-1)
    if a.ndim > 1:
        raise ValueError(f"Normalization {what} must be a number or a 1-D array. Received shape {a.shape}")
    if not np.isfinite(a).all():
        raise ValueError(f"Normalization {what} contains NaN or infinite values")
    return a


class Normalization(Layer):
    """Fixed feature scaling (x - mean) / sqrt(variance); variance 0 is treated as 1.

    Not trainable. ``mean`` and ``variance`` are numbers or per-feature arrays (f,); they are stored as
    the layer's weights (``get_weights() -> [mean, variance]``) and in its config, so a model takes raw
    features and exports contain the scaling.
    """

    prefix = "normalization"

    def __init__(
        self, mean: Any = 0.0, variance: Any = 1.0, input_dim: int | None = None, name: str | None = None
    ) -> None:
        super().__init__(name=name, input_dim=input_dim)
        m = _stat(mean, "mean")
        v = _stat(variance, "variance")
        if (v < 0).any():
            raise ValueError(f"Normalization variance must be >= 0. Received minimum {v.min():g}")
        sizes = {a.size for a in (m, v) if a.ndim == 1}
        if len(sizes) > 1:
            raise ValueError(f"Normalization mean and variance sizes differ: {m.size} and {v.size}")
        if sizes:
            size = sizes.pop()
            if self.input_dim is not None and self.input_dim != size:
                raise ValueError(f"Normalization has {size} means/variances but input_dim={self.input_dim}")
            self.input_dim = self._declared_input_dim = size
        self._mean_init, self._var_init = m, v
        self.mean: np.ndarray | None = None
        self.variance: np.ndarray | None = None

    def build(self, input_dim: int, rng: np.random.Generator | None = None, dtype: Any = np.float32) -> None:
        super().build(input_dim, rng, dtype)
        self.mean = np.empty(input_dim, dtype=self.dtype)
        self.variance = np.empty(input_dim, dtype=self.dtype)
        self._inv_std = np.empty(input_dim, dtype=self.dtype)
        self._assign(
            np.broadcast_to(self._mean_init, (input_dim,)), np.broadcast_to(self._var_init, (input_dim,))
        )

    def _assign(self, mean: np.ndarray, variance: np.ndarray) -> None:
        np.copyto(self.mean, mean, casting="unsafe")
        np.copyto(self.variance, variance, casting="unsafe")
        v = np.asarray(variance, dtype=np.float64)
        np.copyto(self._inv_std, 1.0 / np.sqrt(np.where(v > 0, v, 1.0)), casting="unsafe")
        # x * inv_std is one pass instead of two (pixels scaled by 1/255 have mean 0 here)
        self._centered = bool(np.any(self.mean != 0))
        self._mean_init = np.asarray(mean, dtype=np.float64).copy()
        self._var_init = v.copy()

    def weight_names(self) -> list[str]:
        return ["mean", "variance"]

    def get_weights(self) -> list[np.ndarray]:
        if not self.built:
            return [self._mean_init.copy(), self._var_init.copy()]
        return [self.mean.copy(), self.variance.copy()]

    def _expected_shapes(self) -> list[tuple[int, ...]]:
        d = self.input_dim or -1
        return [(d,), (d,)]

    def set_weights(self, weights: list[np.ndarray]) -> None:
        if not self.built:
            raise ValueError(f"Layer '{self.name}' is not built yet; build the model first")
        mean, variance = self._check_weights(weights)
        if (variance < 0).any():
            raise ValueError(f"Normalization variance must be >= 0. Received minimum {variance.min():g}")
        self._assign(mean, variance)

    def count_non_trainable(self) -> int:
        return 2 * (self.input_dim or 0)

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        if training:
            n = x.shape[0]
            if n != self._n:
                (self._out,) = self._work(n, 1, x.shape[1])
                self._n = n
            out = self._out
        else:
            out = np.empty(x.shape, dtype=self.dtype)
        if not self._centered:
            return np.multiply(x, self._inv_std, out=out)
        np.subtract(x, self.mean, out=out)
        out *= self._inv_std
        return out

    def backward(self, g: np.ndarray) -> np.ndarray | None:
        if self._skip_dx:
            return None
        g *= self._inv_std
        return g

    def get_config(self) -> dict[str, Any]:
        def js(a: np.ndarray) -> Any:
            return float(a) if a.ndim == 0 else [float(v) for v in a]

        mean, var = self.get_weights()
        return {
            "name": self.name,
            "mean": js(mean),
            "variance": js(var),
            "input_dim": self._declared_input_dim,
        }


LAYER_CLASSES: dict[str, type[Layer]] = {
    cls.__name__: cls for cls in (Dense, Dropout, Activation, PReLU, Normalization)
}


def deserialize(config: dict[str, Any]) -> Layer:
    """A layer from ``{"class_name": ..., "config": {...}}``."""
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"Layer config must be a dict with 'class_name' and 'config'. Received: {config!r}")
    name = config["class_name"]
    cls = LAYER_CLASSES.get(name)
    if cls is None:
        raise ValueError(f"Unknown layer class: {name!r}. Valid names: {', '.join(LAYER_CLASSES)}")
    return cls.from_config(dict(config.get("config", {})))
