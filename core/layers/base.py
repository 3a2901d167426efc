"""The layer base class: naming, weights in/out, config, per-batch-size work buffers (see ``core.layers``)."""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

add_reduce = np.add.reduce  # column sums without the np.sum Python wrapper (hot path)


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
    def compute_output_dim(self, input_dim: int | None) -> int | None:
        """Output width for ``input_dim`` inputs (None: unknown; a layer setting its own width knows it)."""
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

    # -- an output activation fused with the loss (sigmoid/softmax + cross-entropy) ----------------------
    @property
    def fusable_activation(self) -> Any:
        """The activation a loss may fuse with when this layer is the output (None: it applies none).
        A layer that returns one also gives its pre-activation: :meth:`logits`, :meth:`_train_logits`."""
        return None

    def _set_fused(self, fused: bool) -> None:
        """The model fuses this layer's activation with the loss: backward then receives dL/dz."""

    def logits(self, x: np.ndarray) -> np.ndarray:
        """Inference pre-activation z (batch, units) of ``x``, before :attr:`fusable_activation`."""
        raise TypeError(f"{type(self).__name__} applies no activation a loss could fuse with")

    def _train_logits(self) -> np.ndarray:
        """The pre-activation z of the last training-mode forward."""
        raise TypeError(f"{type(self).__name__} applies no activation a loss could fuse with")

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

    @classmethod
    def fixed_for(cls, fan_in: int | None) -> int:
        """Fixed (non-trainable) weights of an unbuilt layer with ``fan_in`` inputs (0 while unknown)."""
        return 0

    @property
    def regularized(self) -> bool:
        """True when the layer adds a penalty to the loss (:meth:`regularization_loss`)."""
        return False

    def regularization_loss(self) -> float:
        """The layer's penalty added to the loss (0.0 without one)."""
        return 0.0

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

    # -- explain: one sample in float64 with every step named (core.explain, core.explain_text) ----------
    # Each engine class says how its own computation is worked out, so a layer kind is described in one
    # place; a class that does not say fails loudly instead of being written out as some other kind.
    def explain_forward(self, x: np.ndarray) -> dict[str, Any]:
        """This layer on one sample ``x`` (inputs,) float64, as ``core.explain.LayerTrace`` fields: ``z``,
        ``a`` (units,) (both default to ``x``), ``activation`` (the f of a = f(z), default "linear"),
        ``heading`` (what the pass's layer heading says, default the activation) and the weights used."""
        raise _cannot_explain(type(self).__name__, self.name)

    def explain_backward(self, t: Any) -> dict[str, Any]:
        """The gradient fields of trace ``t`` (``t.da`` set, or ``t.dz`` for an output fused with its loss):
        ``dz`` (units,), ``dx`` (inputs,) or None, and the parameters' (``dkernel``, ``dbias``, ...)."""
        raise _cannot_explain(type(self).__name__, self.name)

    @staticmethod
    def explain_lines(t: Any, j: int, backward: bool, max_terms: int) -> list[str]:
        """Neuron ``j`` of trace ``t`` worked out (``a = f(z) = …``), then with ``backward`` its gradient."""
        raise _cannot_explain(t.kind, t.name)

    def _weights64(self) -> list[np.ndarray]:
        return [np.asarray(w, dtype=np.float64) for w in self.get_weights()]


def _cannot_explain(cls: str, name: str | None) -> ValueError:
    return ValueError(f"cannot explain layer '{name}': the layer class {cls} does not say how its "
                      "computation is worked out (it needs explain_forward, explain_backward and "
                      "explain_lines, see core.layers.base)")


def explain_dz(t: Any, activation: Any = None) -> np.ndarray:
    """dL/dz (units,) of trace ``t``: as given (a fused output), else ``t.da`` through ``activation``
    (None: a = z)."""
    if t.dz is not None:
        return t.dz
    if activation is None:
        return t.da
    return activation.backward(t.z[None, :].copy(), t.a[None, :].copy(), t.da[None, :].copy(),
                               np.empty((1, t.z.size)))[0]


def identity_backward(z: np.ndarray, a: np.ndarray, g: np.ndarray, tmp: np.ndarray) -> np.ndarray:
    return g
