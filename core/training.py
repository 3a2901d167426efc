"""Training as a generator: each pulled item runs one step and describes it.

``iter_training(model, x, y, epochs=..., ...)`` validates everything up front (errors are raised by the
call itself, not by the first ``next``) and returns an iterator of frozen ``Progress`` records: one
``kind="batch"`` record per optimizer step and one ``kind="epoch"`` record after each epoch (with the
epoch's logs: ``loss``, metrics, ``val_loss``, ``val_<metric>``). Stopping = not pulling. It never prints.

Epoch numbering: ``Progress.epoch`` is 1-based and continues from ``start_epoch`` (resuming training);
``epochs`` is the number of epochs this call runs, so ``Progress.epochs == start_epoch + epochs`` is the
number of the last one. ``epochs=None`` runs until the consumer stops pulling (``Progress.epochs`` None).
Learning-rate schedules (``core.schedules`` objects passed in ``callbacks``) are applied before each epoch
with the 0-based global epoch index; callbacks receive 0-based epoch indices as in Keras.

Reproducible: with the same ``seed`` (and the same initial weights) the weights and every logged number
are bit-identical. ``seed`` drives shuffling and dropout masks.

On a NaN/inf loss the generator raises ``TrainingDiverged`` naming the epoch and step; the model keeps
the last weights that gave a finite loss.

``TrainingStep`` (from ``model.make_step()``) is the hot path the generator drives: forward in training
mode, the loss gradient (fused logits - targets for softmax/sigmoid + cross-entropy), backward (no input
gradient for the first trainable layer), one optimizer call on the flat parameter buffer.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from core.callbacks import Callback
from core.errors import TrainingDiverged
from core.layers import Dropout, Normalization

if TYPE_CHECKING:  # core.model imports this module (Sequential.fit drives iter_training)
    from core.model import Sequential

__all__ = ["Progress", "TrainingStep", "iter_training"]


@dataclass(frozen=True, slots=True, eq=False)
class Progress:
    """One training event: a finished step (``kind="batch"``) or a finished epoch (``kind="epoch"``)."""

    kind: str
    epoch: int
    step: int
    batch: int
    batches_per_epoch: int
    epochs: int | None
    loss: float
    logs: Mapping[str, float]
    stopped: str | None = None


class NonFiniteLoss(Exception):
    """Internal: the batch loss was NaN/inf (raised before the update; weights unchanged)."""

    def __init__(self, loss: float) -> None:
        self.loss = loss


class TrainingStep:
    """Hot training step: forward (training mode), fused/non-fused loss gradient, backward, update.

    All per-step work goes through bound methods prepared here; buffers are reused per batch size.
    """

    def __init__(self, model: Sequential) -> None:
        self.model = model
        layers = model.layers
        first = model.first_trainable_index()
        fused = model.output_fused()
        for i, layer in enumerate(layers):
            layer._set_fused(fused and i == len(layers) - 1)
        self.forwards = [layer.forward for layer in layers]
        self.backwards = [layer.backward for layer in reversed(layers[first:])] if first >= 0 else []
        self.last = layers[-1]
        self.fused = fused
        self.loss = model.loss
        self.reg_layers = [la for la in layers if la.regularized]
        self.optimizer = model.optimizer
        self.flat = model.flat_params
        self.flat_list = [model.flat_params]
        self.grad_list = [model.flat_grads]
        self.backup = model.flat_params.copy()
        self._gbufs: dict[int, np.ndarray] = {}
        self.output: np.ndarray | None = None
        if fused:
            z_of = self.last._train_logits
            fused_fn = self.loss.fused

            def loss_grad(y: np.ndarray, a: np.ndarray, g: np.ndarray) -> float:
                return fused_fn(y, z_of(), a, g)

            self.loss_grad = loss_grad
        else:
            self.loss_grad = self.loss.value_and_grad

    def gradients(self, xb: np.ndarray, yb: np.ndarray) -> float:
        """Forward + backward; fills the flat gradient buffer; returns the loss (with penalties)."""
        a = xb
        for f in self.forwards:
            a = f(a, True)
        self.output = a
        n = a.shape[0]
        g = self._gbufs.get(n)
        if g is None:
            g = self._gbufs[n] = np.empty(a.shape, dtype=a.dtype)
        loss = self.loss_grad(yb, a, g)
        for b in self.backwards:
            g = b(g)
        if self.reg_layers:
            for layer in self.reg_layers:
                loss += layer.regularization_loss()
        return loss

    def __call__(self, xb: np.ndarray, yb: np.ndarray) -> float:
        """One step; raises NonFiniteLoss (weights restored to the last finite state) on a NaN/inf loss."""
        loss = self.gradients(xb, yb)
        if loss - loss != 0.0:  # NaN or inf
            np.copyto(self.flat, self.backup)
            raise NonFiniteLoss(loss)
        np.copyto(self.backup, self.flat)
        self.optimizer.apply_gradients(self.flat_list, self.grad_list)
        return loss

    def params_finite(self) -> bool:
        """Check the current weights; restore the last finite ones and return False if any is NaN/inf."""
        if np.isfinite(self.flat).all():
            return True
        np.copyto(self.flat, self.backup)
        return False


def _check_int(name: str, value: Any, minimum: int, allow_none: bool = False) -> int | None:
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        kind = "a positive" if minimum == 1 else "a non-negative"
        raise ValueError(f"{name} must be {kind} integer. Received: {name}={value!r}")
    return int(value)


def _is_schedule(obj: Any) -> bool:
    return hasattr(obj, "apply") and callable(obj) and not isinstance(obj, Callback)


def iter_training(
    model: Sequential,
    x: Any,
    y: Any,
    *,
    epochs: int | None,
    batch_size: int = 32,
    validation_data: Any = None,
    shuffle: bool = True,
    seed: int | None = None,
    callbacks: list[Any] | None = None,
    start_epoch: int = 0,
) -> Iterator[Progress]:
    """Validate inputs and return the training generator (see the module docstring)."""
    if not all(callable(getattr(model, m, None)) for m in ("make_step", "prepare_xy", "_check_compiled")):
        raise ValueError(f"iter_training needs a Sequential model. Received: {model!r}")
    model._check_compiled("fit")
    epochs = _check_int("epochs", epochs, 0, allow_none=True)
    batch_size = _check_int("batch_size", batch_size, 1)
    start_epoch = _check_int("start_epoch", start_epoch, 0)
    if seed is not None:
        _check_int("seed", seed, 0)
    model.check_trainable()
    model._ensure_built(np.shape(x)[1] if np.ndim(x) == 2 else None, seed=seed)
    xa, yp = model.prepare_xy(x, y)
    val = None
    if validation_data is not None:
        if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
            raise ValueError("validation_data must be a tuple (x_val, y_val)")
        xv, yv = model.prepare_xy(validation_data[0], validation_data[1], what="validation ")
        val = (xv, yv, np.asarray(validation_data[1]))
    lr = model.optimizer.learning_rate
    if not (isinstance(lr, (int, float)) and math.isfinite(lr) and lr > 0):
        raise ValueError(f"learning_rate must be a positive finite number. Received: learning_rate={lr!r}")
    cbs: list[Any] = []
    schedules: list[Any] = []
    for cb in callbacks or []:
        if _is_schedule(cb):
            schedules.append(cb)
        elif isinstance(cb, Callback) or hasattr(cb, "on_epoch_end"):
            cbs.append(cb)
        else:
            raise ValueError(f"callbacks must be Callback or schedule objects. Received: {cb!r}")
    return _run(
        model,
        xa,
        yp,
        np.asarray(y),
        epochs,
        batch_size,
        val,
        bool(shuffle),
        seed,
        cbs,
        schedules,
        start_epoch,
    )


def _run(
    model: Sequential,
    x: np.ndarray,
    y: np.ndarray,
    y_raw: np.ndarray,
    epochs: int | None,
    batch_size: int,
    val: tuple[np.ndarray, np.ndarray, np.ndarray] | None,
    shuffle: bool,
    seed: int | None,
    callbacks: list[Any],
    schedules: list[Any],
    start_epoch: int,
) -> Iterator[Progress]:
    dtype = model.dtype
    n = x.shape[0]
    bs = min(batch_size, n)
    nb = -(-n // bs)
    # Features: the model dtype directly, or compact integers (uint8 pixels) cast per batch.
    if x.dtype == dtype:
        x = np.ascontiguousarray(x)
        cast = False
    elif x.dtype.kind in "iub" and x.dtype.itemsize < dtype.itemsize:
        x = np.ascontiguousarray(x)
        cast = True
    else:
        x = np.ascontiguousarray(x, dtype=dtype)
        cast = False
    # A leading Normalization computes (x - mean) * inv_std straight from the integers (one pass less).
    raw_ok = cast and isinstance(model.layers[0], Normalization)
    # Every epoch draws its shuffle order and dropout masks from (seed, epoch), so a run resumed with
    # start_epoch=k continues exactly like an uninterrupted one.
    entropy = np.random.SeedSequence(seed).entropy
    dropouts = [d for d in model.layers if isinstance(d, Dropout) and (seed is not None or d.seed is None)]
    step_fn = model.make_step()
    sizes = {bs, n - (nb - 1) * bs}
    xbufs = {k: np.empty((k, x.shape[1]), dtype=dtype) for k in sizes}
    rawbufs = {k: np.empty((k, x.shape[1]), dtype=x.dtype) for k in sizes} if cast else {}
    ybufs = {k: np.empty((k,) + y.shape[1:], dtype=y.dtype) for k in sizes}
    metric_fns = list(zip(model.metrics, model._metric_fns, strict=True))
    epoch_out = np.empty((n, model.output_dim), dtype=dtype) if metric_fns else None
    batch_cbs = [
        cb
        for cb in callbacks
        if getattr(getattr(cb, "on_batch_end", None), "__func__", None) is not Callback.on_batch_end
        and hasattr(cb, "on_batch_end")
    ]
    model.stop_training = False
    for cb in callbacks:
        if hasattr(cb, "set_model"):
            cb.set_model(model)
        if hasattr(cb, "on_train_begin"):
            cb.on_train_begin()
    if start_epoch == 0:
        for sched in schedules:
            if hasattr(sched, "reset"):
                sched.reset()
    last_epoch = None if epochs is None else start_epoch + epochs
    optimizer = model.optimizer
    step = start_epoch * nb
    prev_logs: dict[str, float] | None = None
    order = np.arange(n)
    epoch = start_epoch
    while last_epoch is None or epoch < last_epoch:
        for sched in schedules:
            sched.apply(optimizer, epoch, prev_logs)
        for cb in callbacks:
            if hasattr(cb, "on_epoch_begin"):
                cb.on_epoch_begin(epoch)
        shuffle_seq, dropout_seq = np.random.SeedSequence([entropy, epoch]).spawn(2)
        for layer, s in zip(dropouts, dropout_seq.spawn(len(dropouts)), strict=True):
            layer.rng = np.random.default_rng(s)
        epoch += 1
        if shuffle:
            order = np.random.default_rng(shuffle_seq).permutation(n)
        total = 0.0
        for b in range(nb):
            lo = b * bs
            idx = order[lo : lo + bs]
            k = idx.shape[0]
            if cast:
                xb = x.take(idx, axis=0, out=rawbufs[k], mode="clip")
                if not raw_ok:
                    np.copyto(xbufs[k], xb, casting="unsafe")
                    xb = xbufs[k]
            elif shuffle:
                xb = x.take(idx, axis=0, out=xbufs[k], mode="clip")
            else:
                xb = x[lo : lo + k]
            yb = y.take(idx, axis=0, out=ybufs[k], mode="clip") if shuffle else y[lo : lo + k]
            step += 1
            try:
                loss = step_fn(xb, yb)
            except NonFiniteLoss as exc:
                raise TrainingDiverged(
                    f"Training diverged at epoch {epoch}, step {step} (batch {b + 1} of {nb}): the loss "
                    f"became {exc.loss}. The model keeps its last finite weights; try a lower learning rate "
                    f"(currently {optimizer.learning_rate:g})"
                ) from None
            total += loss * k
            if epoch_out is not None:
                epoch_out[idx] = step_fn.output
            logs = {"loss": loss}
            for cb in batch_cbs:
                cb.on_batch_end(b, logs)
            yield Progress("batch", epoch, step, b + 1, nb, last_epoch, loss, logs)
        if not step_fn.params_finite():
            raise TrainingDiverged(
                f"Training diverged at epoch {epoch}, step {step}: the weights became NaN or infinite. "
                "The model keeps its last finite weights; try a lower learning rate "
                f"(currently {optimizer.learning_rate:g})"
            )
        model.epochs_trained += 1
        mean_loss = total / n + 0.0
        epoch_logs: dict[str, float] = {"loss": mean_loss}
        for name, fn in metric_fns:
            epoch_logs[name] = float(fn(y_raw, epoch_out))
        if val is not None:
            epoch_logs.update(model._evaluate_prepared(val[0], val[1], val[2], prefix="val_"))
        for cb in callbacks:
            if hasattr(cb, "on_epoch_end"):
                cb.on_epoch_end(epoch - 1, epoch_logs)
        model.training_history.add(model.epochs_trained, epoch_logs)
        prev_logs = epoch_logs
        stopped = None
        if model.stop_training:
            stopped = "early_stopping"
        elif last_epoch is not None and epoch >= last_epoch:
            stopped = "epochs"
        if stopped is not None:
            for cb in callbacks:
                if hasattr(cb, "on_train_end"):
                    cb.on_train_end(epoch_logs)
        yield Progress("epoch", epoch, step, nb, nb, last_epoch, mean_loss, epoch_logs, stopped)
        if stopped is not None:
            return
