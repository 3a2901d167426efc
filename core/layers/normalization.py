"""Normalization: fixed feature scaling (x - mean) / sqrt(variance), fitted on the training data."""

from __future__ import annotations

from typing import Any

import numpy as np

from core import features as _features
from core.layers.base import Layer, explain_dz


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
    features and exports contain the scaling. ``features``: optional ``core.features`` specs computed from
    the scaled columns (Playground's x1², x1·x2, sin(x1), ...); the output is then (n, len(features)).
    """

    prefix = "normalization"

    def __init__(
        self, mean: Any = 0.0, variance: Any = 1.0, input_dim: int | None = None, name: str | None = None,
        features: Any = None,
    ) -> None:
        super().__init__(name=name, input_dim=input_dim)
        #: optional feature specs (``core.features``) computed from the scaled columns; None: the columns
        self.features = None if features is None else _features.check_specs(features)
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

    def compute_output_dim(self, input_dim: int | None) -> int | None:
        return input_dim if self.features is None else len(self.features)

    @classmethod
    def fixed_for(cls, fan_in: int | None) -> int:
        return 2 * fan_in if fan_in else 0  # a mean and a variance per input

    def build(self, input_dim: int, rng: np.random.Generator | None = None, dtype: Any = np.float32) -> None:
        if self.features is not None:
            _features.check_specs(self.features, input_dim)
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
                if self.features is not None:
                    self._feat = np.empty((n, len(self.features)), dtype=self.dtype)
                self._n = n
            out = self._out
        else:
            out = np.empty(x.shape, dtype=self.dtype)
        if not self._centered:
            np.multiply(x, self._inv_std, out=out)
        else:
            np.subtract(x, self.mean, out=out)
            out *= self._inv_std
        if self.features is None:
            return out
        return _features.apply(out, self.features, self._feat if training else None)

    def backward(self, g: np.ndarray) -> np.ndarray | None:
        if self._skip_dx:
            return None
        if self.features is not None:
            raise ValueError("an input layer with features must be the network's first layer")
        g *= self._inv_std
        return g

    def explain_forward(self, x: np.ndarray) -> dict[str, Any]:
        from core.target_scaling import is_inverse_layer

        mean, var = self._weights64()
        if is_inverse_layer(self):  # z * std + mean stored as a Normalization: mean -m/s, variance 1/s²
            std = np.sqrt(1.0 / var)
            shift = -mean * std
            return {"std": std, "mean": shift, "a": x * std + shift, "activation": "unscale",
                    "heading": "undoes the target scaling: back to target units"}
        std = np.sqrt(np.where(var > 0, var, 1.0))
        z = (x - mean) / std
        fields = {"mean": mean, "std": std, "z": z, "a": z, "activation": "scale",
                  "heading": "scales the inputs"}
        if self.features is not None:
            fields |= {"features": self.features, "a": _features.apply(z[None, :], self.features)[0]}
        return fields

    def explain_backward(self, t: Any) -> dict[str, Any]:
        dz = explain_dz(t)
        if t.activation == "unscale":
            return {"dz": dz, "dx": dz * t.std}
        return {"dz": dz, "dx": dz / t.std if t.features is None else None}

    @staticmethod
    def explain_lines(t: Any, j: int, backward: bool, max_terms: int) -> list[str]:
        """A feature made from the scaled columns, the target scaling undone, or one column scaled; no
        gradient line (nothing before the input layer learns)."""
        from core.explain_text import num, paren, scaling_line

        if t.features is not None:
            op, i = t.features[j][0], t.features[j][1]
            s = t.z
            formula = {"identity": num(s[i]), "square": f"{paren(s[i])}²", "sin": f"sin({num(s[i])})"}.get(
                op, f"{paren(s[i])}·{paren(s[t.features[j][-1]])}")
            return [f"{formula} = {num(t.a[j])}"]
        if t.activation == "unscale":
            terms = f"{paren(t.z[j])}·{num(t.std[j])} + {paren(t.mean[j])}"
            return [f"a = z·std + mean = {terms} = {num(t.a[j])}"]
        return [scaling_line(t, j)]

    def get_config(self) -> dict[str, Any]:
        def js(a: np.ndarray) -> Any:
            return float(a) if a.ndim == 0 else [float(v) for v in a]

        mean, var = self.get_weights()
        config = {
            "name": self.name,
            "mean": js(mean),
            "variance": js(var),
            "input_dim": self._declared_input_dim,
        }
        if self.features is not None:
            config["features"] = [list(spec) for spec in self.features]
        return config
