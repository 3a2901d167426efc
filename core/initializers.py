"""Weight initializers: ``init(shape, rng, dtype) -> ndarray``.

Fans: for a kernel of shape (inputs, units) ``fan_in = inputs`` and ``fan_out = units``; for a 1-D shape
both are its length. Random values are drawn in float64 from the given ``np.random.Generator`` and then
cast, so a float32 model starts from the float64 model's weights rounded to float32.

- glorot_uniform: U(-l, l), l = sqrt(6 / (fan_in + fan_out))   glorot_normal: N(0, 2 / (fan_in + fan_out))
- he_uniform:     U(-l, l), l = sqrt(6 / fan_in)               he_normal:     N(0, 2 / fan_in)
- lecun_uniform:  U(-l, l), l = sqrt(3 / fan_in)               lecun_normal:  N(0, 1 / fan_in)
- random_uniform(minval=-0.05, maxval=0.05), random_normal(mean=0.0, stddev=0.05), zeros, ones,
  constant(value)
The normal variants use an untruncated normal distribution (the lecture's definition).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from core.registry import Registry

__all__ = ["Initializer", "INITIALIZER_NAMES", "get", "serialize"]


def _fans(shape: tuple[int, ...]) -> tuple[int, int]:
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    receptive = math.prod(shape[:-2]) if len(shape) > 2 else 1
    return shape[-2] * receptive, shape[-1] * receptive


def _finite(name: str, value: Any) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number. Received: {name}={value!r}") from None
    if not math.isfinite(v):
        raise ValueError(f"{name} must be finite. Received: {name}={value!r}")
    return v


class Initializer:
    """Named initializer with optional arguments; ``__call__(shape, rng, dtype)``."""

    def __init__(self, name: str, **kwargs: Any) -> None:
        self.name = name
        self.kwargs = kwargs

    def __call__(
        self, shape: tuple[int, ...], rng: np.random.Generator, dtype: Any = np.float64
    ) -> np.ndarray:
        shape = tuple(int(s) for s in shape)
        fan_in, fan_out = _fans(shape)
        name, kw = self.name, self.kwargs
        if name == "zeros":
            return np.zeros(shape, dtype=dtype)
        if name == "ones":
            return np.ones(shape, dtype=dtype)
        if name == "constant":
            return np.full(shape, kw.get("value", 0.0), dtype=dtype)
        if name == "random_uniform":
            w = rng.uniform(kw.get("minval", -0.05), kw.get("maxval", 0.05), size=shape)
        elif name == "random_normal":
            w = rng.normal(kw.get("mean", 0.0), kw.get("stddev", 0.05), size=shape)
        else:
            family, dist = name.rsplit("_", 1)
            if family == "glorot":
                var = 2.0 / (fan_in + fan_out)
            elif family == "he":
                var = 2.0 / fan_in
            else:  # lecun
                var = 1.0 / fan_in
            if dist == "uniform":
                limit = math.sqrt(3.0 * var)
                w = rng.uniform(-limit, limit, size=shape)
            else:
                w = rng.normal(0.0, math.sqrt(var), size=shape)
        return np.asarray(w, dtype=dtype)

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, **self.kwargs}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.kwargs.items())
        return f"Initializer({self.name!r}{', ' if args else ''}{args})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Initializer) and self.get_config() == other.get_config()

    def __hash__(self) -> int:
        return hash(self.name)


_ARGS: dict[str, tuple[str, ...]] = {
    "zeros": (),
    "ones": (),
    "constant": ("value",),
    "random_uniform": ("minval", "maxval"),
    "random_normal": ("mean", "stddev"),
    "glorot_uniform": (),
    "glorot_normal": (),
    "he_uniform": (),
    "he_normal": (),
    "lecun_uniform": (),
    "lecun_normal": (),
}
INITIALIZER_NAMES: tuple[str, ...] = tuple(_ARGS)
_ALIASES = {
    "xavier_uniform": "glorot_uniform",
    "xavier_normal": "glorot_normal",
    "kaiming_uniform": "he_uniform",
    "kaiming_normal": "he_normal",
    "zero": "zeros",
    "one": "ones",
}


_REGISTRY = Registry("initializer", INITIALIZER_NAMES, _ALIASES)


def get(identifier: str | Initializer | dict[str, Any] | float, **kwargs: Any) -> Initializer:
    """An initializer from a name (case-insensitive), config dict, instance, or a number (constant)."""
    if isinstance(identifier, Initializer):
        return identifier
    if isinstance(identifier, (int, float, np.integer, np.floating)) and not isinstance(identifier, bool):
        return Initializer("constant", value=_finite("value", identifier))
    if isinstance(identifier, dict):
        name, cfg = _REGISTRY.name_and_config(identifier, kwargs)
        return get(name, **cfg)
    key = _REGISTRY.key(identifier)
    unknown = sorted(set(kwargs) - set(_ARGS[key]))
    if unknown:
        raise ValueError(
            f"Invalid arguments for initializer {identifier!r}: {unknown}; accepted: {list(_ARGS[key])}"
        )
    clean = {k: _finite(k, v) for k, v in kwargs.items()}
    if key == "random_normal" and clean.get("stddev", 0.05) < 0:
        raise ValueError(f"stddev must be >= 0. Received: stddev={clean['stddev']!r}")
    if key == "random_uniform" and clean.get("minval", -0.05) > clean.get("maxval", 0.05):
        raise ValueError(
            f"minval must be <= maxval. Received: minval={clean['minval']!r}, maxval={clean['maxval']!r}"
        )
    return Initializer(key, **clean)


def serialize(init: Initializer) -> str | dict[str, Any]:
    """The initializer's name, or its config dict when it has arguments (JSON-able)."""
    return init.name if not init.kwargs else init.get_config()
