"""The Sequential model: a chain of layers whose parameters live in one flat buffer.

After ``build`` every trainable parameter is a view into ``model.flat_params`` (one contiguous array of the
model dtype) and every gradient a view into ``model.flat_grads``, so an optimizer updates all weights with
a few in-place ufunc calls: ``optimizer.apply_gradients([flat_params], [flat_grads])``. Each parameter
starts at a 64-byte aligned offset; the padding between them stays zero (``core.flat_buffer``).
``summary()`` and the parameter counts come from ``core.model_summary``.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from core import losses as _losses
from core.callbacks import History
from core.errors import TrainingDiverged
from core.flat_buffer import FlatBuffer, bind_flat
from core.layers import LAYER_CLASSES, Layer, deserialize
from core.model_inputs import check_dtype, check_features, check_targets, infer_input_dim
from core.model_summary import layer_table, summary_text
from core.training import TrainingStep, iter_training
from core.training_history import TrainingHistory

__all__ = ["Sequential"]

class Sequential:
    """A linear stack of layers (Keras vocabulary).

    ``Sequential([Dense(8, activation="tanh", input_dim=2), Dense(1, activation="sigmoid")])``
    """

    def __init__(
        self, layers: Iterable[Layer] | None = None, dtype: Any = "float32", name: str | None = None
    ):
        self.name = name or "sequential"
        self.dtype = check_dtype(dtype)
        self.layers: list[Layer] = []
        self.built = False
        self.optimizer: Any = None
        self.loss: _losses.Loss | None = None
        self.metrics: list[str] = []
        self._metric_fns: list[Callable[[Any, Any], float]] = []
        self.stop_training = False
        self.history: Any = None
        #: epochs these weights were trained for (counted by ``iter_training``, kept in weights files)
        self.epochs_trained = 0
        #: the logs of those epochs, one row each (added by ``iter_training``, kept in weights files)
        self.training_history = TrainingHistory()
        self._flat: FlatBuffer | None = None
        self._input_dim: int | None = None
        #: weights the constructor drew when it built the model (see _pristine); None after any other build
        self._auto_weights: list[np.ndarray] | None = None
        for layer in layers or []:
            self.add(layer)
        if self.layers and self.input_dim is not None:
            # as Keras: a known input size builds the model now, so set_weights/get_weights work at once
            self.build()
            self._auto_weights = self._weight_snapshot()

    # -- structure -------------------------------------------------------------------------------
    @property
    def flat_params(self) -> np.ndarray | None:
        """Every parameter, as one aligned array (``core.flat_buffer``); None before ``build``."""
        return None if self._flat is None else self._flat.params

    @property
    def flat_grads(self) -> np.ndarray | None:
        """Every gradient, in the layout of ``flat_params``; None before ``build``."""
        return None if self._flat is None else self._flat.grads

    @property
    def _views_p(self) -> list[dict[str, np.ndarray]]:
        return [] if self._flat is None else self._flat.views_p

    def add(self, layer: Layer) -> None:
        """Append a layer. The model must be (re)built afterwards; ``fit``/``predict`` do it."""
        if not isinstance(layer, Layer):
            raise ValueError(
                f"Sequential accepts layers ({', '.join(LAYER_CLASSES)}). "
                f"Received: {layer!r}"
            )
        if any(layer is other for other in self.layers):
            raise ValueError(f"Layer '{layer.name}' is already in the model")
        names = {other.name for other in self.layers}
        if layer.name is None:
            k = 1
            while f"{layer.prefix}_{k}" in names:
                k += 1
            layer.name = f"{layer.prefix}_{k}"
        elif layer.name in names:
            raise ValueError(f"Duplicate layer name {layer.name!r}; layer names must be unique")
        self.layers.append(layer)
        self.built = False
        self._auto_weights = None

    @property
    def input_dim(self) -> int | None:
        """Number of input features (declared on a leading layer, or known once built)."""
        if self.built:
            return self._input_dim
        for layer in self.layers:
            if layer._declared_input_dim is not None:
                return layer._declared_input_dim
            if layer.compute_output_dim(None) is not None:
                break  # a layer setting its own width (Dense): later declared dims are not the model's input
        return self._input_dim

    @property
    def output_dim(self) -> int | None:
        """Number of outputs (units of the last Dense layer, or the input width without one)."""
        if self.built:
            return self.layers[-1].output_dim
        dim = self.input_dim
        for layer in self.layers:
            dim = layer.compute_output_dim(dim)
        return dim

    def build(self, input_dim: int | None = None, seed: int | None = None) -> None:
        """Initialize all weights (from ``seed``) for ``input_dim`` features and bind them to flat buffers.

        Rebuilding a model with an unchanged structure re-initializes the weights inside the existing
        buffers, so views held elsewhere stay valid.
        """
        if not self.layers:
            raise ValueError("Cannot build an empty model: add at least one layer")
        if input_dim is None:
            input_dim = self.input_dim
        if input_dim is None:
            raise ValueError(
                "Cannot build the model: the number of inputs is unknown. Pass input_dim to the first layer "
                "or call model.build(input_dim)"
            )
        if isinstance(input_dim, bool) or not isinstance(input_dim, numbers.Integral) or input_dim <= 0:
            raise ValueError(f"input_dim must be a positive integer. Received: input_dim={input_dim!r}")
        rng = np.random.default_rng(seed)
        self._auto_weights = None
        self.epochs_trained = 0  # fresh weights: trained for no epoch yet
        self.training_history.clear()
        dim = int(input_dim)
        for layer in self.layers:
            layer.build(dim, rng, self.dtype)
            dim = layer.output_dim
        if self.optimizer is not None and hasattr(self.optimizer, "reset"):
            self.optimizer.reset()  # fresh weights: moments of the old ones no longer apply
        self._flat = bind_flat(self.layers, self.dtype, self._flat)
        self._input_dim = int(input_dim)
        self.built = True
        first = self.first_trainable_index()
        for i, layer in enumerate(self.layers):
            layer._skip_dx = i == first

    def first_trainable_index(self) -> int:
        """Index of the first layer with trainable parameters (-1 if none)."""
        for i, layer in enumerate(self.layers):
            if layer.trainable:
                return i
        return -1

    def _ensure_built(self, input_dim: int | None = None, seed: int | None = None) -> None:
        """Build if needed; a model only the constructor built is re-initialized from ``seed``.

        That keeps ``fit(..., seed=s)`` reproducible for ``Sequential([Dense(..., input_dim=2), ...])``
        unless the user changed the weights since (``set_weights``) or built it explicitly.
        """
        if not self.built:
            self.build(input_dim if self.input_dim is None else None, seed=seed)
        elif seed is not None and self._pristine():
            self.build(seed=seed)

    def _weight_snapshot(self) -> list[np.ndarray]:
        return [np.array(w, copy=True) for layer in self.layers for w in layer.get_weights()]

    def _pristine(self) -> bool:
        """True while the weights are still the ones the constructor drew."""
        if self._auto_weights is None:
            return False
        now = [w for layer in self.layers for w in layer.get_weights()]
        return len(now) == len(self._auto_weights) and all(
            np.array_equal(a, b) for a, b in zip(now, self._auto_weights, strict=True))

    # -- compile ------------------------------------------------------------------------------------
    def compile(self, optimizer: Any = "rmsprop", loss: Any = None, metrics: list[str] | None = None) -> None:
        """Choose the optimizer (name or object), the loss (name or object) and metric names."""
        from core import metrics as _metrics
        from core import optimizers as _optimizers

        if loss is None:
            raise ValueError(f"compile() needs a loss. Valid names: {', '.join(_losses.LOSS_NAMES)}")
        opt = _optimizers.get(optimizer)
        loss_obj = _losses.get(loss)
        names: list[str] = []
        fns = []
        for m in metrics or []:
            fn = _metrics.get(m)
            if fn.__name__ in names:
                continue
            names.append(fn.__name__)
            fns.append(fn)
        self.optimizer, self.loss, self.metrics, self._metric_fns = opt, loss_obj, names, fns

    # -- weights ------------------------------------------------------------------------------------
    def get_weights(self) -> list[np.ndarray]:
        """All layers' weights in order (copies), each layer's as its ``get_weights()`` lists them
        (Dense [kernel, bias], Normalization [mean, variance], ...)."""
        out: list[np.ndarray] = []
        for layer in self.layers:
            out.extend(layer.get_weights())
        return out

    def set_weights(self, weights: list[np.ndarray]) -> None:
        """Copy ``weights`` (as returned by ``get_weights``) into the model; shapes are validated.

        An unbuilt model is built first, taking the input size from the first weight array.
        """
        if not isinstance(weights, (list, tuple)):
            raise ValueError(f"set_weights expects a list of arrays. Received {type(weights).__name__}")
        weights = list(weights)
        if not self.built:
            self.build(self.input_dim or infer_input_dim(weights))
        counts = [len(layer.weight_names()) for layer in self.layers]
        if sum(counts) != len(weights):
            expected = [tuple(w.shape) for w in self.get_weights()]
            raise ValueError(
                f"set_weights expected {sum(counts)} arrays with shapes {expected}. Received "
                f"{len(weights)} arrays with shapes {[np.shape(w) for w in weights]}"
            )
        chunks = []
        start = 0
        for layer, c in zip(self.layers, counts, strict=True):
            chunks.append(weights[start : start + c])
            layer._check_weights(chunks[-1])  # validate everything before changing anything
            start += c
        for layer, chunk in zip(self.layers, chunks, strict=True):
            if chunk:
                layer.set_weights(chunk)

    def count_params(self) -> int:
        """Number of trainable parameters (of the layers whose sizes are known before building)."""
        return sum(row[2] or 0 for row in layer_table(self))

    # -- inference --------------------------------------------------------------------------------------
    def _prepare_x(self, x: Any, what: str = "x") -> np.ndarray:
        a = check_features(x, self.input_dim, what)
        self._ensure_built(a.shape[1])
        return a

    def _forward_chunks(self, x: np.ndarray, batch_size: int | None, logits: bool = False):
        """Yield (start, outputs[, logits]) for x in chunks, inference mode, model dtype."""
        n = x.shape[0]
        step = n if batch_size is None else batch_size
        step = max(1, min(step, 4096)) if batch_size is None else step
        last = self.layers[-1]
        for s in range(0, n, step):
            a = np.asarray(x[s : s + step], dtype=self.dtype)
            z = None
            for layer in self.layers[:-1]:
                a = layer.forward(a, False)
            if logits and last.fusable_activation is not None:
                z = last.logits(a)
                a = last.fusable_activation.forward(z, np.empty_like(z))
            else:
                a = last.forward(a, False)
            yield s, a, z

    def predict(self, x: Any, batch_size: int | None = None) -> np.ndarray:
        """Outputs after the final activation, shape (n, output_dim), model dtype. Caches nothing."""
        if batch_size is not None and (
            isinstance(batch_size, bool) or not isinstance(batch_size, numbers.Integral) or batch_size <= 0
        ):
            raise ValueError(f"batch_size must be a positive integer. Received: batch_size={batch_size!r}")
        a = self._prepare_x(x)
        out = np.empty((a.shape[0], self.output_dim), dtype=self.dtype)
        for s, y, _ in self._forward_chunks(a, batch_size):
            out[s : s + y.shape[0]] = y
        return out

    def output_fused(self) -> bool:
        """True when the output activation and the loss use the fused logits - targets gradient."""
        if self.loss is None or not self.layers or self.loss.fused_activation is None:
            return False
        act = self.layers[-1].fusable_activation
        return act is not None and act.name == self.loss.fused_activation

    def regularization_loss(self) -> float:
        """Sum of all kernel penalties."""
        return sum(layer.regularization_loss() for layer in self.layers if layer.regularized)

    def _check_compiled(self, what: str) -> None:
        if self.loss is None or self.optimizer is None:
            raise RuntimeError(
                f"The model must be compiled before {what}(): call model.compile(optimizer=..., loss=...)"
            )

    def prepare_xy(self, x: Any, y: Any, what: str = "") -> tuple[np.ndarray, np.ndarray]:
        """Validate (x, y) for this model and loss; return (x, prepared targets)."""
        xa = self._prepare_x(x, f"{what}x")
        ya = check_targets(y, xa.shape[0], what)
        yp = self.loss.prepare_targets(ya, self.output_dim, self.dtype)
        return xa, yp

    def _loss_on(
        self, x: np.ndarray, yp: np.ndarray, batch_size: int | None = None
    ) -> tuple[float, np.ndarray]:
        """Mean loss (plus penalties) and all outputs, inference mode."""
        fused = self.output_fused()
        out = np.empty((x.shape[0], self.output_dim), dtype=self.dtype)
        total = 0.0
        for s, a, z in self._forward_chunks(x, batch_size, logits=fused):
            yb = yp[s : s + a.shape[0]]
            v = self.loss.fused_value(yb, z) if fused else self.loss.value(yb, a)
            total += v * a.shape[0]
            out[s : s + a.shape[0]] = a
        return total / x.shape[0] + self.regularization_loss(), out

    def evaluate(self, x: Any, y: Any, batch_size: int | None = None) -> dict[str, float]:
        """{"loss": ..., <metric>: ...} on (x, y), inference mode (dropout off)."""
        self._check_compiled("evaluate")
        xa, yp = self.prepare_xy(x, y)
        return self._evaluate_prepared(xa, yp, np.asarray(y), batch_size)

    def _evaluate_prepared(
        self,
        xa: np.ndarray,
        yp: np.ndarray,
        y_raw: np.ndarray,
        batch_size: int | None = None,
        prefix: str = "",
    ) -> dict[str, float]:
        loss, out = self._loss_on(xa, yp, batch_size)
        logs = {f"{prefix}loss": float(loss)}
        for name, fn in zip(self.metrics, self._metric_fns, strict=True):
            logs[f"{prefix}{name}"] = float(fn(y_raw, out))
        return logs

    # -- training ---------------------------------------------------------------------------------------
    def check_trainable(self) -> None:
        """Raise ValueError if a layer uses an activation without a gradient (step)."""
        for layer in self.layers:
            act = getattr(layer, "activation", None)
            if act is not None and not act.trainable:
                raise ValueError(
                    f"Layer '{layer.name}' uses the '{act.name}' activation, which has no gradient, so the "
                    "model cannot be trained. Use it for predict() only, or choose 'sigmoid' or 'tanh'"
                )

    def make_step(self) -> Any:
        """A reusable training step bound to the current structure, loss and optimizer."""
        self._check_compiled("fit")
        self.check_trainable()
        if not self.built:
            raise ValueError("The model must be built before training")
        return TrainingStep(self)

    def compute_gradients(self, x: Any, y: Any) -> float:
        """Forward + backward on (x, y) in training mode; fills every ``layer.grads``; returns the loss.
        Does not update weights."""
        step = self.make_step()
        xa, yp = self.prepare_xy(x, y)
        return step.gradients(np.asarray(xa, dtype=self.dtype), yp)

    def train_on_batch(self, x: Any, y: Any) -> float:
        """One optimizer step on (x, y); returns the loss before the step."""
        step = self.make_step()
        xa, yp = self.prepare_xy(x, y)
        loss = step.gradients(np.asarray(xa, dtype=self.dtype), yp)
        if not math.isfinite(loss):
            raise TrainingDiverged(
                f"Training diverged: the loss became {loss}; the weights were not changed. Try a lower "
                f"learning rate (currently {self.optimizer.learning_rate:g})"
            )
        self.optimizer.apply_gradients(step.flat_list, step.grad_list)
        return loss

    def fit(
        self,
        x: Any,
        y: Any,
        epochs: int = 1,
        batch_size: int = 32,
        validation_data: Any = None,
        shuffle: bool = True,
        callbacks: list[Any] | None = None,
        seed: int | None = None,
    ) -> Any:
        """Train for ``epochs`` epochs; returns a History (``history.history`` dict of lists)."""
        history = History()
        for p in iter_training(
            self,
            x,
            y,
            epochs=epochs,
            batch_size=batch_size,
            validation_data=validation_data,
            shuffle=shuffle,
            seed=seed,
            callbacks=callbacks,
        ):
            if p.kind == "epoch":
                history.append(p.epoch - 1, p.logs)
        self.history = history
        return history

    # -- description ------------------------------------------------------------------------------------
    def summary(self) -> str:
        """A text table: layer name (type), output shape, trainable params; totals at the bottom."""
        return summary_text(self)

    def get_config(self) -> dict[str, Any]:
        """JSON-able description: name, dtype, input_dim and the layers."""
        return {
            "name": self.name,
            "dtype": self.dtype.name,
            "input_dim": self.input_dim,
            "layers": [
                {"class_name": type(layer).__name__, "config": layer.get_config()} for layer in self.layers
            ],
        }

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Sequential:
        """Rebuild an (unbuilt, uncompiled) model from ``get_config()`` output."""
        if not isinstance(config, dict) or not isinstance(config.get("layers"), list):
            raise ValueError("Model config must be a dict with a 'layers' list")
        model = cls(
            [deserialize(c) for c in config["layers"]],
            dtype=config.get("dtype", "float32"),
            name=config.get("name"),
        )
        if config.get("input_dim") is not None and model.input_dim is None:
            model._input_dim = int(config["input_dim"])
        return model

    def __repr__(self) -> str:
        return f"<Sequential {self.name!r} {len(self.layers)} layers, {self.dtype.name}, built={self.built}>"
