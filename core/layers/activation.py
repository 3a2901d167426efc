"""Activation: an activation function as its own layer (no weights)."""

from __future__ import annotations

from typing import Any

import numpy as np

from core import activations as _activations
from core.layers.base import Layer, explain_dz, identity_backward


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
        self._act_backward = identity_backward if self._fused else self._activation.backward

    def _set_fused(self, fused: bool) -> None:
        self._fused = fused
        self._act_backward = identity_backward if fused else self._activation.backward

    @property
    def fusable_activation(self) -> _activations.Activation:
        return self._activation

    def logits(self, x: np.ndarray) -> np.ndarray:
        return x  # the layer's input is its pre-activation

    def _train_logits(self) -> np.ndarray:
        return self._x

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

    def explain_forward(self, x: np.ndarray) -> dict[str, Any]:
        return {"activation": self.activation.name, "a": self.activation(x[None, :])[0]}

    def explain_backward(self, t: Any) -> dict[str, Any]:
        dz = explain_dz(t, self.activation)
        return {"dz": dz, "dx": dz}

    @staticmethod
    def explain_lines(t: Any, j: int, backward: bool, max_terms: int) -> list[str]:
        from core.explain_text import dz_lines, num

        return [f"a = {t.activation}({num(t.z[j])}) = {num(t.a[j])}", *dz_lines(t, j, backward)]

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "activation": _activations.serialize(self._activation)}
