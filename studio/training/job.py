"""What a training session is given and what it sends back: the job, snapshots, evaluations, errors.

Plain data (and the helpers that read it) shared by the worker (:mod:`studio.training.runner`), the
pictures thread (:mod:`studio.training.pictures`) and the controller; no Qt.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from core import probes
from core.run import RunSpec


@dataclass
class TrainingJob:
    """Everything one training session needs. Arrays are the worker's; the GUI must not mutate them.

    ``x_train`` (n, f), ``y_train`` shaped for the model's loss; ``x_val``/``y_val`` likewise or None.
    ``grid`` enables the decision boundary (and neuron heatmaps when ``neuron_images``).
    """

    model: object
    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray | None = None
    y_val: np.ndarray | None = None
    y_val_labels: np.ndarray | None = None
    epochs: int | None = 100
    batch_size: int = 32
    seed: int | None = 0
    shuffle: bool = True
    callbacks: Sequence[object] = ()
    start_epoch: int = 0
    grid: probes.GridSpec | None = None
    neuron_images: bool = True
    probe_rows: int = 256
    iter_training: Callable | None = None  # injectable for tests; defaults to core.training.iter_training

    @classmethod
    def from_run(cls, run: RunSpec, epochs: int | None, **options: Any) -> TrainingJob:
        """The job of a ``core.run.RunSpec`` (model, arrays, callbacks, batch size, shuffle, seed).

        ``epochs``: the run's budget (None = until stopped); ``options``: the GUI-side fields
        (``start_epoch``, ``grid``, ``neuron_images``, ...).
        """
        return cls(model=run.model, x_train=run.x_train, y_train=run.y_train, x_val=run.x_val,
                   y_val=run.y_val, y_val_labels=run.y_val_labels, epochs=epochs, batch_size=run.batch_size,
                   shuffle=run.shuffle, seed=run.seed, callbacks=run.callbacks, **options)

    def generator(self, start_epoch: int) -> Iterator:
        """A fresh ``iter_training`` generator resuming at ``start_epoch`` (epochs = the remaining budget)."""
        it = self.iter_training
        if it is None:
            from core.training import iter_training as it
        remaining = None if self.epochs is None else max(int(self.epochs) - start_epoch, 0)
        if remaining == 0:
            return iter(())
        val = (self.x_val, self.y_val) if self.x_val is not None and self.y_val is not None else None
        return it(self.model, self.x_train, self.y_train, epochs=remaining, batch_size=self.batch_size,
                  validation_data=val, shuffle=self.shuffle, seed=self.seed,
                  callbacks=list(self.callbacks) or None, start_epoch=start_epoch)


@dataclass
class Snapshot:
    """What the GUI receives, at most ~30 times per second. Arrays are copies owned by the receiver.

    ``step_losses``: (k, 2) float64 rows (global step, batch loss) since the previous snapshot.
    ``epoch_logs``: [(epoch, {"loss": .., "val_loss": .., ...}), ...] since the previous snapshot.
    ``boundary``: (res, res, units_out) float32 model output over ``grid`` or None.
    ``neurons``: model layer index -> (units, h, w) float32 activations over the grid, or None.
    ``weights``: per model layer, list of weight arrays (kernel (in, units), bias (units,), ...).
    ``grid``, ``want_neurons``, ``probe_rows`` (r, f): what the pictures thread draws ``boundary``,
    ``neurons`` and ``dead_relu`` from (they arrive filled in). ``pictures_note``: why the pictures
    are paused (the picture process stopped), else None.
    """

    epoch: int
    step: int
    batch: int
    batches_per_epoch: int
    epochs: int | None
    elapsed_s: float
    steps_per_s: float
    step_losses: np.ndarray
    epoch_logs: list[tuple[int, dict[str, float]]]
    layer_names: list[str] = field(default_factory=list)
    grad_norms: np.ndarray | None = None
    weight_norms: np.ndarray | None = None
    dead_relu: dict[str, float] = field(default_factory=dict)
    boundary: np.ndarray | None = None
    neurons: dict[int, np.ndarray] | None = None
    weights: list[list[np.ndarray]] | None = None
    stopped: str | None = None
    grid: probes.GridSpec | None = None
    want_neurons: bool = False
    probe_rows: np.ndarray | None = None
    pictures_note: str | None = None


@dataclass
class Evaluation:
    """Model outputs on the validation/test split after a run or pause: ``probs`` (n, units_out);
    ``epoch`` None for a model trained elsewhere (opened with its weights, imported)."""

    epoch: int | None
    x: np.ndarray
    y_true: np.ndarray
    probs: np.ndarray


def evaluation_of(job: TrainingJob, epoch: int) -> Evaluation | None:
    """The model's outputs on ``job``'s validation split (None without one, or when they are not finite)."""
    if job.x_val is None or job.y_val_labels is None or len(job.x_val) == 0:
        return None
    try:
        probs = np.asarray(job.model.predict(job.x_val), dtype=np.float32)
    except Exception:
        return None
    if not np.all(np.isfinite(probs)):
        return None
    return Evaluation(epoch=epoch, x=job.x_val, y_true=job.y_val_labels, probs=probs)


def restore_finite_weights(model: Any, last: list[list[np.ndarray]]) -> None:
    """After an exception, put back ``last`` (weight lists per layer) if the model's are not finite."""
    try:
        current = probes.copy_weights(model)
        if all(np.all(np.isfinite(a)) for ws in current for a in ws):
            return
        for layer, ws in zip(model.layers, last, strict=False):
            if ws:
                layer.set_weights(ws)
    except Exception:  # best effort: the run's own error is reported already; the weights stay as they are
        pass


def describe_error(exc: BaseException) -> str:
    """One clear line for the user."""
    name = type(exc).__name__
    msg = str(exc).strip().splitlines()[0] if str(exc).strip() else name
    if name == "TrainingDiverged":  # the engine's line already says where, why and what to try:
        low = msg.lower()  # pass it through, adding only what it lacks
        if "diverged" not in low:
            msg = f"Training diverged: {msg}"
        if "learning rate" not in low:
            msg = (f"{msg.rstrip('.')}. The network keeps its last finite weights; "
                   "try a lower learning rate or stronger regularization.")
        return msg
    if name == "DataError":
        return f"Data error: {msg}"
    return f"Training failed ({name}): {msg}"
