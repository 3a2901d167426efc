"""Dense: the fully connected layer (kernel (inputs, units), bias (units,)) with its activation."""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from core import activations as _activations
from core import initializers as _initializers
from core import regularizers as _regularizers
from core.layers.base import Layer, add_reduce, explain_dz, identity_backward


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
        self._act_backward = identity_backward if self._fused else self._activation.backward

    def _set_fused(self, fused: bool) -> None:
        """The model fuses this layer's softmax/sigmoid with the loss: backward receives d/dz."""
        self._fused = fused
        self._act_backward = identity_backward if fused else self._activation.backward

    @property
    def fusable_activation(self) -> _activations.Activation:
        return self._activation

    def logits(self, x: np.ndarray) -> np.ndarray:
        z = x @ self.kernel
        if self.use_bias:
            z += self.bias
        return z

    def _train_logits(self) -> np.ndarray:
        return self._z

    def compute_output_dim(self, input_dim: int | None) -> int:
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
            add_reduce(g, axis=0, out=self._db)
        if self.kernel_regularizer is not None:
            self.kernel_regularizer.add_gradient(self.kernel, self._dW)
        if self._skip_dx:
            return None
        return np.matmul(g, self.kernel.T, out=self._dx)

    @property
    def regularized(self) -> bool:
        return self.kernel_regularizer is not None

    def regularization_loss(self) -> float:
        """Penalty of the kernel regularizer (0.0 without one)."""
        if self.kernel_regularizer is None or self.kernel is None:
            return 0.0
        return self.kernel_regularizer(self.kernel)

    def explain_forward(self, x: np.ndarray) -> dict[str, Any]:
        weights = self._weights64()
        kernel = weights[0]
        bias = weights[1] if self.use_bias else np.zeros(self.units)
        z = x @ kernel + bias
        return {"kernel": kernel, "bias": bias, "z": z, "activation": self.activation.name,
                "a": self.activation(z[None, :])[0]}

    def explain_backward(self, t: Any) -> dict[str, Any]:
        dz = explain_dz(t, self.activation)
        return {"dz": dz, "dkernel": np.outer(t.x, dz), "dbias": dz.copy(), "dx": t.kernel @ dz}

    @staticmethod
    def explain_lines(t: Any, j: int, backward: bool, max_terms: int) -> list[str]:
        from core.explain_text import dense_terms, dz_lines, num

        return [f"z = {dense_terms(t.x, t.kernel[:, j], float(t.bias[j]), max_terms)} = {num(t.z[j])}",
                f"a = {t.activation}({num(t.z[j])}) = {num(t.a[j])}", *dz_lines(t, j, backward)]

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
