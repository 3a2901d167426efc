"""The optimizer interface: learning rate, per-parameter state slots, ``apply_gradients``, config.

Interface used by the model (and by anyone driving an optimizer by hand)::

    opt = Adam(learning_rate=1e-3)
    opt.apply_gradients([flat_params], [flat_grads])   # updates flat_params in place
    opt.learning_rate = 5e-4                           # may change between steps (GUI, schedules)
    opt.iterations                                     # number of apply_gradients calls so far

Per-parameter state (moments, accumulators) is keyed by the position of the array in the
``params`` list, allocated lazily on the first step with the parameter's shape and dtype, and
reallocated fresh if the array at that position changes shape or dtype (the model was rebuilt).
Each state slot keeps its own step count, used for Adam's bias correction exactly as PyTorch does.
Gradients are only read, never modified (the GUI reads them between steps). Every update is a short
sequence of whole-array ufunc calls writing into preallocated buffers (``out=``), so one step over a
single flat buffer of all parameters costs a handful of memory passes and no temporaries.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np


def check_learning_rate(value: Any) -> float:
    """Return ``value`` as a float, or raise ValueError if it is not a positive finite number."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ValueError(f"learning_rate must be a positive finite number. Received: learning_rate={value!r}")
    lr = float(value)
    if not math.isfinite(lr) or lr <= 0.0:
        raise ValueError(f"learning_rate must be a positive finite number. Received: learning_rate={lr!r}")
    return lr


def check_range(name: str, value: Any, low: float, high: float, *, high_inclusive: bool = False) -> float:
    """Return ``value`` as a float in ``[low, high)`` (or ``[low, high]``), else raise ValueError."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ValueError(f"{name} must be a number. Received: {name}={value!r}")
    v = float(value)
    ok = math.isfinite(v) and low <= v and (v <= high if high_inclusive else v < high)
    if not ok:
        bracket = "]" if high_inclusive else ")"
        raise ValueError(f"{name} must be in [{low:g}, {high:g}{bracket}. Received: {name}={v!r}")
    return v


class Optimizer:
    """Base class: validates the learning rate, counts iterations, owns per-position state.

    Subclasses define ``_slot_names`` (state arrays per parameter) and ``_update(param, grad, slot)``.
    """

    name = "optimizer"
    _slot_names: tuple[str, ...] = ()

    def __init__(self, learning_rate: float) -> None:
        self._learning_rate = check_learning_rate(learning_rate)
        self.iterations = 0
        self._slots: list[dict[str, Any] | None] = []

    @property
    def learning_rate(self) -> float:
        """Current learning rate (float); assignable between steps, validated on assignment."""
        return self._learning_rate

    @learning_rate.setter
    def learning_rate(self, value: float) -> None:
        self._learning_rate = check_learning_rate(value)

    # -- state -------------------------------------------------------------------------------
    def _init_slot(self, param: np.ndarray) -> dict[str, Any]:
        """Fresh state for one parameter array: zeroed slots, a scratch buffer and a step count."""
        slot: dict[str, Any] = {name: np.zeros_like(param) for name in self._slot_names}
        slot["scratch"] = np.empty_like(param)
        slot["step"] = 0
        slot["shape"] = param.shape
        slot["dtype"] = param.dtype
        return slot

    def reset(self) -> None:
        """Forget all per-parameter state and set ``iterations`` back to 0."""
        self._slots = []
        self.iterations = 0

    def state_arrays(self, index: int = 0) -> dict[str, np.ndarray]:
        """Per-parameter state at ``index`` (read-only views; empty before the first step)."""
        if index >= len(self._slots) or self._slots[index] is None:
            return {}
        slot = self._slots[index]
        out = {}
        for name in self._slot_names:
            view = slot[name].view()
            view.flags.writeable = False
            out[name] = view
        return out

    # -- stepping ----------------------------------------------------------------------------
    def apply_gradients(self, params: list[np.ndarray], grads: list[np.ndarray]) -> None:
        """Update every array in ``params`` in place from the matching array in ``grads``."""
        if len(params) != len(grads):
            raise ValueError(
                f"apply_gradients expects as many gradients as parameters. "
                f"Received: {len(params)} parameters and {len(grads)} gradients"
            )
        slots = self._slots
        if len(slots) < len(params):
            slots.extend([None] * (len(params) - len(slots)))
        update = self._update
        for index in range(len(params)):  # plain loop: this runs thousands of times a second
            param = params[index]
            grad = grads[index]
            if param.shape != grad.shape:
                raise ValueError(
                    f"Gradient shape {grad.shape} does not match parameter shape {param.shape} "
                    f"at position {index}"
                )
            slot = slots[index]
            if slot is None or slot["shape"] != param.shape or slot["dtype"] != param.dtype:
                slot = slots[index] = self._init_slot(param)
            slot["step"] += 1
            update(param, grad, slot)
        self.iterations += 1

    def _update(self, param: np.ndarray, grad: np.ndarray, slot: dict[str, Any]) -> None:
        raise NotImplementedError  # pragma: no cover - abstract

    # -- config ------------------------------------------------------------------------------
    def get_config(self) -> dict[str, Any]:
        """JSON-able constructor arguments plus ``name`` (the registry name)."""
        return {"name": self.name, "learning_rate": self.learning_rate}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Optimizer:
        """Build an optimizer of this class from ``get_config()`` output."""
        kwargs = {k: v for k, v in config.items() if k != "name"}
        try:
            return cls(**kwargs)
        except TypeError as exc:
            raise ValueError(f"Invalid {cls.__name__} config {config!r}: {exc}") from None

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items() if k != "name")
        return f"{type(self).__name__}({args})"
