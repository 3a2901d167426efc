"""Dropout: inverted dropout (zeroes a fraction ``rate`` of activations while training)."""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np

from core.layers.base import Layer, explain_dz


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

    def explain_forward(self, x: np.ndarray) -> dict[str, Any]:
        return {}  # the identity: explain shows inference

    def explain_backward(self, t: Any) -> dict[str, Any]:
        dz = explain_dz(t)
        return {"dz": dz, "dx": dz}

    @staticmethod
    def explain_lines(t: Any, j: int, backward: bool, max_terms: int) -> list[str]:
        from core.explain_text import dz_lines, num

        return [f"a = {num(t.a[j])} (passed through)", *dz_lines(t, j, backward)]

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "rate": self.rate, "seed": self.seed}
