"""Pictures of the model for each training snapshot, computed in a thread of their own.

The training worker sends every ``Snapshot`` with copies of the weights but without the pictures
that cost milliseconds: the decision boundary over a 100×100 grid, the neuron heatmaps and the
dead-ReLU fractions. Computed in the worker they took 15–20% of its time at ~30 snapshots per
second; here they run beside training (NumPy releases the GIL for the grid's matrix products).

``SnapshotPictures`` lives in its own QThread and keeps a shadow model (the worker's config, the
snapshot's weights). Every worker signal passes through it, so the GUI receives snapshots, pauses,
evaluations and the end of a run in the order the worker sent them.
"""

from __future__ import annotations

import time

import numpy as np
from PySide6.QtCore import QObject, Signal, Slot

from core import probes


class SnapshotPictures(QObject):
    """Fills ``boundary``, ``neurons`` and ``dead_relu`` of each snapshot, then re-emits it.

    Signals mirror ``TrainingWorker``'s: ``snapshot(Snapshot)``, ``paused(int, int)``,
    ``evaluated(Evaluation)``, ``failed(str)``, ``finished(str)``.
    """

    snapshot = Signal(object)
    paused = Signal(int, int)
    evaluated = Signal(object)
    failed = Signal(str)
    finished = Signal(str)

    def __init__(self, model: object) -> None:
        super().__init__()
        self._shadow = _shadow_of(model)
        self._has_relu = any(probes.activation_name(la) in probes.RELU_NAMES for la in model.layers)
        self._grid_forward = probes.GridForward()
        self._points_for: probes.GridSpec | None = None
        self._points: np.ndarray | None = None
        #: seconds spent drawing pictures (diagnostics for the GUI benchmark)
        self.busy_s = 0.0

    @Slot(object)
    def fill(self, snap: object) -> None:
        """Compute the snapshot's pictures from its weights and pass it on (never raises)."""
        t0 = time.perf_counter()
        try:
            self._fill(snap)
        except Exception:  # a picture must never end the run; the next snapshot tries again
            pass
        self.busy_s += time.perf_counter() - t0
        self.snapshot.emit(snap)

    def _fill(self, snap) -> None:
        grid, rows = snap.grid, snap.probe_rows
        if snap.weights is None or self._shadow is None or (grid is None and rows is None):
            return
        shadow = self._shadow
        for layer, weights in zip(shadow.layers, snap.weights, strict=True):
            if weights:
                layer.set_weights(weights)
        if rows is not None and self._has_relu:
            snap.dead_relu = probes.dead_relu_fraction(shadow, probes.forward_all(shadow, rows))
        if grid is not None:
            n = grid.resolution
            outs = self._grid_forward(shadow, self._grid_points(grid))
            if snap.want_neurons:
                snap.neurons = probes.neuron_grids(outs, grid, probes.neuron_layer_indices(shadow))
            snap.boundary = np.array(outs[-1].reshape(n, n, -1), dtype=np.float32, copy=True)

    def _grid_points(self, grid: probes.GridSpec) -> np.ndarray:
        """``grid.points()`` (res², f) cached per grid: the plane changes only when the user picks axes."""
        if self._points_for is not grid:
            self._points, self._points_for = grid.points(), grid
        return self._points


def _shadow_of(model: object) -> object | None:
    """An independent copy of ``model``'s structure (built, same dtype), or None if it cannot be made."""
    try:
        from core.model import Sequential

        shadow = Sequential.from_config(model.get_config())
        shadow.build(model.input_dim, seed=0)
        return shadow
    except Exception:
        return None
