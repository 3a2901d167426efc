"""PReLU: leaky ReLU with one learnable slope ``alpha`` per unit for negative inputs."""

from __future__ import annotations

from typing import Any

import numpy as np

from core import initializers as _initializers
from core.layers.base import Layer, add_reduce, explain_dz


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
        add_reduce(tmp, axis=0, out=self._dalpha)
        if self._skip_dx:
            return None
        # dx = g * (alpha + (1 - alpha) * (x > 0))
        np.greater(x, 0.0, out=tmp, casting="unsafe")
        tmp *= 1.0 - self.alpha
        tmp += self.alpha
        g *= tmp
        return g

    def explain_forward(self, x: np.ndarray) -> dict[str, Any]:
        alpha = self._weights64()[0]
        return {"alpha": alpha, "activation": "prelu", "a": np.maximum(x, 0.0) + alpha * np.minimum(x, 0.0)}

    def explain_backward(self, t: Any) -> dict[str, Any]:
        # z = x: dL/dz is dL/da, and the slope is applied on the way to dx
        return {"dz": explain_dz(t), "dalpha": t.da * np.minimum(t.z, 0.0),
                "dx": t.da * np.where(t.z > 0, 1.0, t.alpha)}

    @staticmethod
    def explain_lines(t: Any, j: int, backward: bool, max_terms: int) -> list[str]:
        from core.explain_text import dz_lines, num

        return [f"a = prelu({num(t.z[j])}, alpha={num(t.alpha[j])}) = {num(t.a[j])}",
                *dz_lines(t, j, backward)]

    def _expected_shapes(self) -> list[tuple[int, ...]]:
        return super()._expected_shapes() if self.built else [(self.input_dim or -1,)]

    def get_config(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "alpha_initializer": _initializers.serialize(self.alpha_initializer),
            "input_dim": self._declared_input_dim,
        }
