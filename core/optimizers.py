"""Gradient-descent optimizers that update parameter arrays in place.

The interface and the per-parameter state are :class:`core.optimizer_base.Optimizer`'s.

The update rules follow ``torch.optim`` (PyTorch 2.x, non-foreach, ``maximize=False``):

- ``SGD``: ``b = momentum*b + g`` (``b = g`` on the first step); ``g' = g + momentum*b`` if
  ``nesterov`` else ``b``; ``p -= lr*g'``.
- ``Adagrad``: ``s += g*g``; ``p -= lr * g / (sqrt(s) + eps)``. Defaults as PyTorch:
  ``learning_rate=0.01``, ``initial_accumulator_value=0.0``, ``epsilon=1e-10`` (epsilon outside
  the square root; Keras uses 0.1 / 1e-7 inside it).
- ``RMSprop``: ``v = rho*v + (1-rho)*g*g`` (PyTorch's ``alpha`` is ``rho``); with ``centered``
  ``a = rho*a + (1-rho)*g`` and ``v - a*a`` is used instead of ``v``; ``d = sqrt(v) + eps``
  (epsilon outside the square root, as PyTorch); ``p -= lr*g/d``, or with momentum
  ``b = momentum*b + g/d; p -= lr*b``. Defaults: ``learning_rate=0.001, rho=0.9, epsilon=1e-8``.
- ``Adam``: ``m = b1*m + (1-b1)*g``, ``v = b2*v + (1-b2)*g*g`` (``amsgrad`` keeps the running
  maximum of ``v``), ``p -= lr/(1-b1^t) * m / (sqrt(v)/sqrt(1-b2^t) + eps)``.
- ``AdamW``: first ``p *= 1 - lr*weight_decay`` (decoupled decay), then the Adam step.

Internally Adam stores ``m/(1-b1)`` and ``v/(1-b2)`` and folds every scalar into two constants, which
is algebraically identical to the formulas above (agreement with PyTorch is tested to 1e-6 in float64).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from core.optimizer_base import Optimizer, check_range
from core.registry import Registry

__all__ = [
    "Optimizer",
    "SGD",
    "Adagrad",
    "RMSprop",
    "Adam",
    "AdamW",
    "OPTIMIZER_NAMES",
    "get",
    "from_config",
]


class SGD(Optimizer):
    """Stochastic gradient descent with optional (Nesterov) momentum, PyTorch semantics."""

    name = "sgd"

    def __init__(self, learning_rate: float = 0.01, momentum: float = 0.0, nesterov: bool = False) -> None:
        super().__init__(learning_rate)
        self.momentum = check_range("momentum", momentum, 0.0, 1.0)
        if not isinstance(nesterov, (bool, np.bool_)):
            raise ValueError(f"nesterov must be True or False. Received: nesterov={nesterov!r}")
        if nesterov and self.momentum == 0.0:
            raise ValueError("Nesterov momentum requires momentum > 0. Received: momentum=0.0")
        self.nesterov = bool(nesterov)
        self._slot_names = ("momentum_buffer",) if self.momentum > 0.0 else ()

    def _update(self, param: np.ndarray, grad: np.ndarray, slot: dict[str, Any]) -> None:
        s = slot["scratch"]
        lr = self._learning_rate
        mu = self.momentum
        if mu == 0.0:
            np.multiply(grad, lr, out=s)
            np.subtract(param, s, out=param)
            return
        buf = slot["momentum_buffer"]
        buf *= mu  # zero on the first step, so buf == grad afterwards, as in PyTorch
        buf += grad
        if self.nesterov:
            np.multiply(buf, mu, out=s)
            s += grad
            s *= lr
        else:
            np.multiply(buf, lr, out=s)
        np.subtract(param, s, out=param)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "momentum": self.momentum, "nesterov": self.nesterov}


class Adagrad(Optimizer):
    """Adagrad (PyTorch semantics: epsilon added outside the square root)."""

    name = "adagrad"
    _slot_names = ("accumulator",)

    def __init__(
        self, learning_rate: float = 0.01, initial_accumulator_value: float = 0.0, epsilon: float = 1e-10
    ) -> None:
        super().__init__(learning_rate)
        self.initial_accumulator_value = check_range(
            "initial_accumulator_value", initial_accumulator_value, 0.0, math.inf
        )
        self.epsilon = check_range("epsilon", epsilon, 0.0, math.inf)

    def _init_slot(self, param: np.ndarray) -> dict[str, Any]:
        slot = super()._init_slot(param)
        slot["accumulator"].fill(self.initial_accumulator_value)
        return slot

    def _update(self, param: np.ndarray, grad: np.ndarray, slot: dict[str, Any]) -> None:
        s = slot["scratch"]
        acc = slot["accumulator"]
        inv_lr = 1.0 / self._learning_rate
        np.square(grad, out=s)
        acc += s
        np.sqrt(acc, out=s)
        # (sqrt(acc) + eps) / lr in two passes; then p -= g / that
        s *= inv_lr
        s += self.epsilon * inv_lr
        np.divide(grad, s, out=s)
        np.subtract(param, s, out=param)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "initial_accumulator_value": self.initial_accumulator_value,
            "epsilon": self.epsilon,
        }


class RMSprop(Optimizer):
    """RMSprop (PyTorch semantics: ``rho`` is PyTorch's ``alpha``; epsilon outside the sqrt)."""

    name = "rmsprop"

    def __init__(
        self,
        learning_rate: float = 0.001,
        rho: float = 0.9,
        momentum: float = 0.0,
        epsilon: float = 1e-8,
        centered: bool = False,
    ) -> None:
        super().__init__(learning_rate)
        self.rho = check_range("rho", rho, 0.0, 1.0)
        self.momentum = check_range("momentum", momentum, 0.0, 1.0)
        self.epsilon = check_range("epsilon", epsilon, 0.0, math.inf)
        if not isinstance(centered, (bool, np.bool_)):
            raise ValueError(f"centered must be True or False. Received: centered={centered!r}")
        self.centered = bool(centered)
        names = ["square_avg"]
        if self.momentum > 0.0:
            names.append("momentum_buffer")
        if self.centered:
            names.append("grad_avg")
        self._slot_names = tuple(names)

    def _update(self, param: np.ndarray, grad: np.ndarray, slot: dict[str, Any]) -> None:
        s = slot["scratch"]
        rho = self.rho
        sq = slot["square_avg"]
        sq *= rho
        np.square(grad, out=s)
        s *= 1.0 - rho
        sq += s
        if self.centered:
            ga = slot["grad_avg"]
            ga *= rho
            np.multiply(grad, 1.0 - rho, out=s)
            ga += s
            np.square(ga, out=s)
            np.subtract(sq, s, out=s)
            np.sqrt(s, out=s)
        else:
            np.sqrt(sq, out=s)
        s += self.epsilon
        lr = self._learning_rate
        if self.momentum > 0.0:
            buf = slot["momentum_buffer"]
            buf *= self.momentum
            np.divide(grad, s, out=s)
            buf += s
            np.multiply(buf, lr, out=s)
        else:
            s *= 1.0 / lr
            np.divide(grad, s, out=s)
        np.subtract(param, s, out=param)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "rho": self.rho,
            "momentum": self.momentum,
            "epsilon": self.epsilon,
            "centered": self.centered,
        }


class Adam(Optimizer):
    """Adam with PyTorch's bias correction and epsilon placement (``sqrt(v_hat) + eps``)."""

    name = "adam"

    def __init__(
        self,
        learning_rate: float = 0.001,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-8,
        amsgrad: bool = False,
    ) -> None:
        super().__init__(learning_rate)
        self.beta_1 = check_range("beta_1", beta_1, 0.0, 1.0)
        self.beta_2 = check_range("beta_2", beta_2, 0.0, 1.0)
        self.epsilon = check_range("epsilon", epsilon, 0.0, math.inf)
        if not isinstance(amsgrad, (bool, np.bool_)):
            raise ValueError(f"amsgrad must be True or False. Received: amsgrad={amsgrad!r}")
        self.amsgrad = bool(amsgrad)
        # m_s = m / (1 - beta_1) and v_s = v / (1 - beta_2): two fewer passes per step.
        self._slot_names = ("m_scaled", "v_scaled", "v_max") if self.amsgrad else ("m_scaled", "v_scaled")

    def _decay(self, param: np.ndarray) -> None:
        """Hook for decoupled weight decay (AdamW)."""

    def _update(self, param: np.ndarray, grad: np.ndarray, slot: dict[str, Any]) -> None:
        self._decay(param)
        b1, b2, lr = self.beta_1, self.beta_2, self._learning_rate
        t = slot["step"]
        m, v, s = slot["m_scaled"], slot["v_scaled"], slot["scratch"]
        m *= b1
        m += grad  # m_s = b1*m_s + g   <=>   m = b1*m + (1-b1)*g
        v *= b2
        np.square(grad, out=s)
        v += s  # v_s = b2*v_s + g*g
        if self.amsgrad:
            np.maximum(slot["v_max"], v, out=slot["v_max"])
            v = slot["v_max"]
        # p -= c * m_s / (sqrt(v_s) * k + eps), c = lr*(1-b1)/(1-b1^t), k = sqrt((1-b2)/(1-b2^t));
        # divide numerator and denominator by c so the final step is a single divide + subtract.
        c = lr * (1.0 - b1) / (1.0 - b1**t)
        k = math.sqrt((1.0 - b2) / (1.0 - b2**t))
        np.sqrt(v, out=s)
        s *= k / c
        s += self.epsilon / c
        np.divide(m, s, out=s)
        np.subtract(param, s, out=param)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "beta_1": self.beta_1,
            "beta_2": self.beta_2,
            "epsilon": self.epsilon,
            "amsgrad": self.amsgrad,
        }


class AdamW(Adam):
    """Adam with decoupled weight decay: ``p *= 1 - lr*weight_decay`` before the Adam step."""

    name = "adamw"

    def __init__(
        self,
        learning_rate: float = 0.001,
        weight_decay: float = 0.004,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-8,
        amsgrad: bool = False,
    ) -> None:
        super().__init__(learning_rate, beta_1=beta_1, beta_2=beta_2, epsilon=epsilon, amsgrad=amsgrad)
        self.weight_decay = check_range("weight_decay", weight_decay, 0.0, math.inf)

    def _decay(self, param: np.ndarray) -> None:
        if self.weight_decay:
            param *= 1.0 - self._learning_rate * self.weight_decay

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "weight_decay": self.weight_decay}


_CLASSES: dict[str, type[Optimizer]] = {
    "sgd": SGD,
    "adagrad": Adagrad,
    "rmsprop": RMSprop,
    "adam": Adam,
    "adamw": AdamW,
}
# Extra names: course vocabulary for SGD variants (momentum 0.9 unless given).
_ALIASES: dict[str, tuple[str, dict[str, Any]]] = {
    "momentum": ("sgd", {"momentum": 0.9}),
    "nesterov": ("sgd", {"momentum": 0.9, "nesterov": True}),
}
OPTIMIZER_NAMES: tuple[str, ...] = ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw")


def _fold(name: str) -> str:
    return name.replace("-", "").replace("_", "")


_REGISTRY = Registry("optimizer", OPTIMIZER_NAMES, {_fold(n): n for n in OPTIMIZER_NAMES}, alias_key=_fold)


def get(identifier: str | Optimizer | dict[str, Any], **kwargs: Any) -> Optimizer:
    """Return an optimizer from a name (``"adam"``, case-insensitive), a config dict or an instance.

    ``kwargs`` are constructor arguments for a name (e.g. ``get("sgd", learning_rate=0.1)``).
    An instance is returned as is (kwargs are not allowed with an instance).
    """
    if isinstance(identifier, Optimizer):
        _REGISTRY.refuse_kwargs(identifier, kwargs)
        return identifier
    if isinstance(identifier, dict):
        cfg = {**identifier.get("config", identifier), **kwargs}
        if "class_name" in identifier:
            cfg.setdefault("name", identifier["class_name"])
        return from_config(cfg)
    key = _REGISTRY.key(identifier)
    if key in _ALIASES:
        base, defaults = _ALIASES[key]
        return _CLASSES[base](**{**defaults, **kwargs})
    return _REGISTRY.construct(_CLASSES[key], identifier, kwargs)


def from_config(config: dict[str, Any]) -> Optimizer:
    """Rebuild an optimizer from ``opt.get_config()`` (or Keras-style ``{"class_name", "config"}``)."""
    if not isinstance(config, dict):
        raise ValueError(f"Optimizer config must be a dict. Received: {config!r}")
    if "class_name" in config and "config" in config:
        config = {**config["config"], "name": config["class_name"]}
    if "name" not in config:
        raise ValueError(
            f"Optimizer config needs a 'name' ({', '.join(OPTIMIZER_NAMES)}). Received: {config!r}"
        )
    kwargs = {k: v for k, v in config.items() if k != "name"}
    return get(str(config["name"]), **kwargs)
