"""Weight penalties for kernels: L1, L2 and both (elastic net), Keras definitions.

``penalty(w) = l1 * sum(|w|) + l2 * sum(w**2)`` is added to the training loss;
``add_gradient(w, g)`` adds ``l1 * sign(w) + 2 * l2 * w`` to the kernel gradient ``g`` in place.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from core.registry import Registry

__all__ = ["Regularizer", "L1", "L2", "L1L2", "l1", "l2", "l1_l2", "REGULARIZER_NAMES", "get", "serialize"]


def _factor(name: str, value: Any) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number >= 0. Received: {name}={value!r}") from None
    if not math.isfinite(v) or v < 0:
        raise ValueError(f"{name} must be a finite number >= 0. Received: {name}={value!r}")
    return v


class Regularizer:
    """l1 * sum|w| + l2 * sum w^2."""

    name = "l1_l2"

    def __init__(self, l1: float = 0.0, l2: float = 0.0) -> None:
        self.l1 = _factor("l1", l1)
        self.l2 = _factor("l2", l2)
        self._scratch: np.ndarray | None = None

    def __call__(self, w: np.ndarray) -> float:
        total = 0.0
        if self.l1:
            total += self.l1 * float(np.abs(w).sum())
        if self.l2:
            total += self.l2 * float(np.vdot(w, w))
        return total

    def gradient(self, w: np.ndarray) -> np.ndarray:
        g = np.zeros_like(w)
        self.add_gradient(w, g)
        return g

    def add_gradient(self, w: np.ndarray, g: np.ndarray) -> None:
        s = self._scratch
        if s is None or s.shape != w.shape or s.dtype != w.dtype:
            s = self._scratch = np.empty_like(w)
        if self.l1:
            np.sign(w, out=s)
            s *= self.l1
            g += s
        if self.l2:
            np.multiply(w, 2.0 * self.l2, out=s)
            g += s

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "l1": self.l1, "l2": self.l2}

    def __repr__(self) -> str:
        return f"{type(self).__name__}(l1={self.l1!r}, l2={self.l2!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Regularizer) and self.get_config() == other.get_config()

    def __hash__(self) -> int:
        return hash((self.l1, self.l2))


class L1(Regularizer):
    """l1 * sum(|w|) (default 0.01)."""

    name = "l1"

    def __init__(self, l1: float = 0.01) -> None:
        super().__init__(l1=l1)

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "l1": self.l1}


class L2(Regularizer):
    """l2 * sum(w^2) (default 0.01); gradient 2 * l2 * w."""

    name = "l2"

    def __init__(self, l2: float = 0.01) -> None:
        super().__init__(l2=l2)

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "l2": self.l2}


class L1L2(Regularizer):
    """Elastic net: l1 * sum|w| + l2 * sum w^2 (defaults 0.01 each when built by name)."""

    name = "l1_l2"

    def __init__(self, l1: float = 0.01, l2: float = 0.01) -> None:
        super().__init__(l1=l1, l2=l2)


l1 = L1
l2 = L2
l1_l2 = L1L2

_CLASSES: dict[str, type[Regularizer]] = {"l1": L1, "l2": L2, "l1_l2": L1L2}
REGULARIZER_NAMES: tuple[str, ...] = tuple(_CLASSES)
_ALIASES = {"l1l2": "l1_l2", "elastic_net": "l1_l2", "elasticnet": "l1_l2"}


_REGISTRY = Registry("regularizer", REGULARIZER_NAMES, _ALIASES)


def get(identifier: str | Regularizer | dict[str, Any] | None, **kwargs: Any) -> Regularizer | None:
    """A regularizer from a name (plus factors), a config dict, an instance, or None (no penalty)."""
    if identifier is None or (isinstance(identifier, str) and identifier.strip().lower() in ("none", "")):
        return None
    if isinstance(identifier, Regularizer):
        return identifier
    if isinstance(identifier, dict):
        name, cfg = _REGISTRY.name_and_config(identifier, kwargs)
        return get(name, **cfg)
    return _REGISTRY.construct(_CLASSES[_REGISTRY.key(identifier)], identifier, kwargs)


def serialize(reg: Regularizer | None) -> dict[str, Any] | None:
    """JSON-able config (or None)."""
    return None if reg is None else reg.get_config()
