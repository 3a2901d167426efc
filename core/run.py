"""The run recipe: one function turns a project and its dataset into everything a training run needs.

``prepare_run(project, dataset)`` returns a frozen :class:`RunSpec`: the compiled model, the training and
validation arrays (targets shaped for the model's loss), the callbacks (early stopping, learning-rate
schedule) and the options (epochs, batch size, shuffle, seed) with the defaults of
``core.project.DEFAULT_TRAINING`` filled in. ``ffstudio train`` and the GUI's training worker both start
from it, so a run in the app and a run on the command line with the same seed give the same weights.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from core.datasets.dataset import Dataset
    from core.model import Sequential
    from core.project import Project
    from core.training import Progress

__all__ = ["RunSpec", "prepare_run"]


@dataclass(frozen=True, eq=False)
class RunSpec:
    """Everything one training run needs; build it with :func:`prepare_run`.

    ``x_train`` (n, f) and ``y_train`` shaped for the model's loss; ``x_val``/``y_val`` likewise for the
    test split, or None when the data set has none; ``y_val_labels`` are the test split's targets as the
    data set holds them (class indices or values), for metrics. ``epochs`` is the run's total (None:
    until stopped, ``training.epochs: null``).
    """

    model: Sequential
    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray | None
    y_val: np.ndarray | None
    y_val_labels: np.ndarray | None
    callbacks: tuple[Any, ...]
    epochs: int | None
    batch_size: int
    shuffle: bool
    seed: int | None

    @property
    def validation_data(self) -> tuple[np.ndarray, np.ndarray] | None:
        """``(x_val, y_val)`` for ``iter_training``, or None without a test split."""
        if self.x_val is None or self.y_val is None:
            return None
        return self.x_val, self.y_val

    def iterate(self, start_epoch: int = 0, epochs: int | None = None) -> Iterator[Progress]:
        """The ``iter_training`` generator of this run, resuming at ``start_epoch``.

        ``epochs`` is the total to reach (default ``self.epochs``; None runs until the consumer stops);
        the generator runs the epochs that remain. Raises ValueError for invalid options.
        """
        from core.training import iter_training

        total = self.epochs if epochs is None else epochs
        remaining = None if total is None else max(int(total) - start_epoch, 0)
        return iter_training(self.model, self.x_train, self.y_train, epochs=remaining,
                             batch_size=self.batch_size, validation_data=self.validation_data,
                             shuffle=self.shuffle, seed=self.seed, callbacks=list(self.callbacks) or None,
                             start_epoch=start_epoch)


def prepare_run(project: Project, dataset: Dataset, *, model: Sequential | None = None,
                initial_weights: str | None = None) -> RunSpec:
    """The run of ``project`` on ``dataset`` (options from ``project.training_spec()``).

    ``model``: a compiled model to continue training (the app keeps its model between Pause and Play);
    by default a fresh one is built by ``core.project.build_model`` (weights from ``training.seed``).
    ``initial_weights``: a weights file (.npz or .safetensors, as ``ffstudio export`` writes) loaded into
    the model before the run. Raises ProjectError/DataError/ValueError naming what does not fit.
    """
    from core.project import build_model, training_arrays, training_callbacks

    if model is None:
        model = build_model(project, dataset)
    if initial_weights is not None:
        from core.export.weights_import import import_weights

        import_weights(model, initial_weights)
    spec = project.training_spec()
    x, y, xt, yt = training_arrays(project, dataset, model)
    has_val = xt is not None and len(xt) > 0
    return RunSpec(
        model=model,
        x_train=x,
        y_train=y,
        x_val=xt if has_val else None,
        y_val=yt if has_val else None,
        y_val_labels=dataset.y_test if has_val else None,
        callbacks=tuple(training_callbacks(project)),
        epochs=None if spec["epochs"] is None else int(spec["epochs"]),
        batch_size=int(spec["batch_size"]),
        shuffle=bool(spec["shuffle"]),
        seed=spec["seed"],
    )
