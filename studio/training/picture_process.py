"""The pictures of a run drawn in a separate process, from weight copies in shared memory.

The decision boundary (a forward pass over the 100×100 grid), the neuron heatmaps and the dead-ReLU
fractions cost milliseconds of NumPy per snapshot. In a thread of the app they also cost the
trainer: every small NumPy call hands the GIL over, and at ~30 pictures per second those hundreds
of hand-overs slowed each training step by 25–40 %. Here they run in a child process with its own
interpreter, so they never take the GIL from the trainer.

Parent side: :class:`PictureProcess`, one per window. It starts lazily (the first request) and ends
with the window (:meth:`PictureProcess.close`), or with the app (the child quits when its socket
closes). The child is ``python -m studio.training.picture_drawer FD`` rather than a
``multiprocessing`` spawn, which would import the parent's main script again in the child. Weights
go in and pictures come out through two ``multiprocessing.shared_memory`` blocks, both created and
unlinked by the parent; the socket carries short JSON messages (``Connection.send_bytes``: no
pickle). If the child dies or stops answering, :meth:`PictureProcess.draw` returns None and
:attr:`PictureProcess.note` says why; training never waits for it for long.

Child side: :mod:`studio.training.picture_drawer`; the messages and shared memory blocks:
:mod:`studio.training.shared_arrays`.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from multiprocessing.connection import Connection

import numpy as np

from core import probes
from studio.training.picture_drawer import NEURON_STEP
from studio.training.shared_arrays import SharedBlock, pack, unpack

#: seconds one picture request may take before the child counts as hung (it is then ended)
REPLY_TIMEOUT_S = 3.0
#: seconds the child may take to start (import NumPy and the engine) before it counts as failed
START_TIMEOUT_S = 30.0
#: what the pictures say while the child is gone
PAUSED_NOTE = ("Pictures paused: the picture process stopped ({why}). Training goes on; "
               "Stop and Play restart them.")


@dataclass
class Pictures:
    """One snapshot's pictures: ``boundary`` (res, res, units_out) float32 or None, ``neurons``
    (layer index -> (units, h, w) float32) or None, ``dead_relu`` (layer name -> fraction)."""

    boundary: np.ndarray | None = None
    neurons: dict[int, np.ndarray] | None = None
    dead_relu: dict[str, float] = field(default_factory=dict)


class PictureProcess:
    """The parent's handle on the picture process of one window.

    :meth:`ready` and :meth:`draw` are called from one thread at a time (the session's pictures
    thread); :meth:`close` from the GUI thread once the sessions are shut down. ``state``: ``"idle"``
    (not started), ``"starting"``, ``"ready"`` or ``"stopped"`` (it died, hung or failed to start:
    :attr:`note` says why; :meth:`restart_if_stopped` makes it idle again).
    """

    def __init__(self, reply_timeout_s: float = REPLY_TIMEOUT_S,
                 start_timeout_s: float = START_TIMEOUT_S) -> None:
        self.reply_timeout_s = reply_timeout_s
        self.start_timeout_s = start_timeout_s
        self.state = "idle"
        self.note: str | None = None
        self._lock = threading.RLock()
        self._proc: subprocess.Popen | None = None
        self._conn: Connection | None = None
        self._started_at = 0.0
        self._model_key: object = None
        self._widths: list[int] = []
        self._neuron_layers: dict[int, int] = {}  # drawn layer -> the layer it shows (probes.neuron_layers)
        self._grid: probes.GridSpec | None = None
        self._weights = SharedBlock()
        self._out = SharedBlock()
        self._out_key: object = None
        self._seq = 0
        #: pictures received from the child (diagnostics and tests)
        self.drawn = 0

    # ---- lifecycle -------------------------------------------------------------------------
    @property
    def pid(self) -> int | None:
        """The child's process id while it exists."""
        return self._proc.pid if self._proc is not None else None

    def alive(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def start(self) -> None:
        """Start the child unless it runs (it says "ready" once NumPy and the engine are imported)."""
        with self._lock:
            if self.state in ("starting", "ready"):
                return
            ours, theirs = socket.socketpair()
            root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
            env = dict(os.environ, OPENBLAS_NUM_THREADS="1")  # the trainer has the other core
            env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
            try:
                self._proc = subprocess.Popen(
                    [sys.executable, "-m", "studio.training.picture_drawer", str(theirs.fileno())],
                    pass_fds=(theirs.fileno(),), env=env, stdin=subprocess.DEVNULL,
                )
            except OSError as exc:
                ours.close()
                self.state, self.note = "stopped", PAUSED_NOTE.format(why=f"it could not start: {exc}")
                return
            finally:
                theirs.close()
            self._conn = Connection(ours.detach())
            self._started_at = time.perf_counter()
            self._model_key = self._grid = self._out_key = None
            self.state, self.note = "starting", None

    def restart_if_stopped(self) -> None:
        """A new session may try again after the child died (the pictures resume)."""
        with self._lock:
            if self.state == "stopped":
                self._end_child()
                self.state, self.note = "idle", None

    def close(self) -> None:
        """End the child and free the shared memory (the window closes, or its project is replaced:
        the next pictures start a new child). Safe to call twice."""
        with self._lock:
            self._end_child()
            self.state, self.note = "idle", None

    def _end_child(self) -> None:
        conn, proc = self._conn, self._proc
        self._conn = self._proc = None
        if conn is not None:
            try:
                conn.send_bytes(pack({"op": "quit"}))
            except (OSError, ValueError):
                pass
        if proc is not None:
            try:
                proc.wait(0.5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(0.5)
        if conn is not None:
            conn.close()
        self._weights.free()
        self._out.free()
        self._model_key = self._grid = self._out_key = None

    def _stopped(self, why: str) -> None:
        """The child is gone or useless: the pictures pause, saying ``why``."""
        proc = self._proc
        code = None
        if proc is not None:
            if proc.poll() is None:
                proc.kill()
            try:
                code = proc.wait(0.5)
            except subprocess.TimeoutExpired:
                pass
        self._end_child()
        detail = why if code is None else f"{why}, exit code {code}"
        self.state, self.note = "stopped", PAUSED_NOTE.format(why=detail)

    # ---- requests (pictures thread) --------------------------------------------------------
    def ready(self) -> bool:
        """True once the child answers picture requests (starts it when idle, never blocks)."""
        with self._lock:
            if self.state == "idle":
                self.start()
            if self.state != "starting":
                return self.state == "ready"
            try:
                if self._conn.poll(0):
                    header, _ = unpack(self._conn.recv_bytes())
                    if header.get("op") == "ready":
                        self.state = "ready"
                        return True
            except (EOFError, OSError):
                self._stopped("it ended while starting")
                return False
            if not self.alive():
                self._stopped("it ended while starting")
            elif time.perf_counter() - self._started_at > self.start_timeout_s:
                self._stopped("it did not start")
            return False

    def draw(self, model: object, weights: list[list[np.ndarray]], probe_rows: np.ndarray | None,
             grid: probes.GridSpec | None, neurons: bool, key: object) -> Pictures | None:
        """The pictures of ``model``'s structure with ``weights``: the boundary and (``neurons``) the
        heatmaps over ``grid``, dead-ReLU fractions over ``probe_rows`` (r, f). ``key`` names the
        model and rows (a new key sends them again). None while the child is not ready or after it
        stopped (then :attr:`note` says why)."""
        with self._lock:
            if not self.ready():
                return None
            try:
                self._send_model(model, weights, probe_rows, key)
                self._send_grid(grid)
                for dst, src in zip(self._weights.views, (a for ws in weights for a in ws), strict=True):
                    np.copyto(dst, src)
                self._seq += 1
                self._conn.send_bytes(pack({"op": "draw", "seq": self._seq, "grid": grid is not None,
                                             "neurons": bool(neurons), "relu": probe_rows is not None}))
                header = self._reply(self._seq)
            except (EOFError, OSError):
                self._stopped("it ended")
                return None
            except TimeoutError:
                self._stopped("it stopped answering")
                return None
            if header is None:
                return None
            return self._read(header, grid is not None, bool(neurons))

    def _reply(self, seq: int) -> dict | None:
        while True:
            if not self._conn.poll(self.reply_timeout_s):
                raise TimeoutError
            header, _ = unpack(self._conn.recv_bytes())
            if header.get("seq") == seq:
                return None if header.get("op") == "error" else header

    def _send_model(self, model: object, weights: list[list[np.ndarray]], probe_rows: np.ndarray | None,
                    key: object) -> None:
        if key == self._model_key:
            return
        from core.model import Sequential

        config, input_dim = model.get_config(), int(model.input_dim)
        shadow = Sequential.from_config(config)  # only to learn each layer's width
        shadow.build(input_dim, seed=0)
        self._widths = [int(o.shape[1]) for o in probes.forward_all(shadow, np.zeros((1, input_dim)))]
        self._neuron_layers = probes.neuron_layers(shadow)
        self._weights.fit([(np.shape(a), np.asarray(a).dtype) for ws in weights for a in ws])
        rows = np.ascontiguousarray(probe_rows) if probe_rows is not None else None
        header = {
            "op": "model", "config": config, "input_dim": input_dim,
            "weights": self._weights.shm.name, "layout": self._weights.layout,
            "counts": [len(ws) for ws in weights],
            "rows": None if rows is None else [list(rows.shape), rows.dtype.str],
        }
        self._conn.send_bytes(pack(header, b"" if rows is None else rows.tobytes()))
        self._model_key, self._out_key = key, None

    def _send_grid(self, grid: probes.GridSpec | None) -> None:
        if grid is None:
            return
        if grid is not self._grid:
            self._conn.send_bytes(pack({
                "op": "grid", "axes": list(grid.axes), "extent": list(grid.extent),
                "base": [float(v) for v in grid.base], "resolution": int(grid.resolution),
            }))
            self._grid = grid
        n = grid.resolution
        side = len(range(0, n, NEURON_STEP))
        out_key = (n, tuple(self._widths))
        if out_key != self._out_key:  # the boundary, then each drawn layer's heatmaps
            specs = [((n, n, self._widths[-1]), np.float32)]
            units = probes.pictured_units(self._neuron_layers, self._widths)  # the drawn neurons only
            specs += [((len(units[i]), side, side), np.float32) for i in self._neuron_layers]
            self._out.fit(specs)
            out = self._out
            self._conn.send_bytes(pack({"op": "out", "name": out.shm.name, "layout": out.layout}))
            self._out_key = out_key

    def _read(self, header: dict, boundary: bool, neurons: bool) -> Pictures:
        pics = Pictures(dead_relu={str(k): float(v) for k, v in header.get("dead_relu", {}).items()})
        views = self._out.views
        if boundary and views:
            pics.boundary = views[0].copy()
            if neurons:
                pics.neurons = {i: v.copy() for i, v in zip(self._neuron_layers, views[1:], strict=True)}
        self.drawn += 1
        return pics


