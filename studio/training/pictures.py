"""Pictures of the model for each training snapshot, filled in by a thread of their own.

The training worker sends every ``Snapshot`` with copies of the weights but without the pictures
that cost milliseconds: the decision boundary over a 100×100 grid, the neuron heatmaps and the
dead-ReLU fractions. Computed in the worker they took 15–20% of its time; computed in a thread
they still slowed every step by 25–40 % (the GIL changes hands hundreds of times per second). So
they are drawn in the window's picture process (:mod:`studio.training.picture_process`): this thread
only copies the weights into shared memory and waits for the answer with the GIL released.

``SnapshotPictures`` lives in its own QThread. Every worker signal passes through it, so the GUI
receives snapshots, pauses, evaluations and the end of a run in the order the worker sent them.
While the picture process starts (about a second) the pictures are drawn here, from a shadow model
(the worker's config, the snapshot's weights); if the process dies they pause and
``Snapshot.pictures_note`` says so, and training goes on.
"""

from __future__ import annotations

import itertools
import time

import numpy as np
from PySide6.QtCore import QObject, Signal, Slot

from core import probes
from studio.training.picture_process import PictureProcess

_sessions = itertools.count(1)


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

    def __init__(self, model: object, process: PictureProcess | None = None) -> None:
        """``process``: the window's picture process (None: draw every picture in this thread)."""
        super().__init__()
        self._model = model
        self._token = next(_sessions)  # the picture process gets this session's model once
        self._process = process
        if process is not None:
            process.restart_if_stopped()  # a new session tries again after a crash
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
        if self._process is not None and self._process.state == "stopped":
            snap.pictures_note = self._process.note  # paused: the plots keep their last pictures
        self.busy_s += time.perf_counter() - t0
        self.snapshot.emit(snap)

    def _fill(self, snap) -> None:
        grid, rows = snap.grid, snap.probe_rows
        if snap.weights is None or (grid is None and rows is None):
            return
        rows = rows if self._has_relu else None
        process = self._process
        if process is not None and process.ready():
            key = (self._token, None if rows is None else (rows.__array_interface__["data"][0], rows.shape))
            pics = process.draw(self._model, snap.weights, rows, grid, snap.want_neurons, key)
            if pics is not None:
                snap.boundary, snap.neurons, snap.dead_relu = pics.boundary, pics.neurons, pics.dead_relu
                return
        if process is not None and process.state == "stopped":
            return
        self._fill_here(snap, grid, rows)

    def _fill_here(self, snap, grid: probes.GridSpec | None, rows: np.ndarray | None) -> None:
        """Draw the pictures in this thread (the picture process is not ready yet)."""
        if self._shadow is None:
            return
        shadow = self._shadow
        for layer, weights in zip(shadow.layers, snap.weights, strict=True):
            if weights:
                layer.set_weights(weights)
        if rows is not None:
            snap.dead_relu = probes.dead_relu_fraction(shadow, probes.forward_all(shadow, rows))
        if grid is not None:
            n = grid.resolution
            outs = self._grid_forward(shadow, self._grid_points(grid))
            if snap.want_neurons:
                snap.neurons = probes.neuron_grids(outs, grid, probes.neuron_layers(shadow))
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
