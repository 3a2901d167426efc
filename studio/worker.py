"""Training in a worker thread: a QObject moved to a QThread pulls from ``core.training.iter_training``.

The worker thread runs one long loop (it has no event loop to deliver queued slots), so the GUI
controls it through ``threading.Event`` flags and plain attributes that the loop reads between
steps. What it sends back is throttled to about 30 snapshots per second and consists of copies:
the GUI thread never touches the model while training runs. The snapshot's pictures (decision
boundary, neuron heatmaps, dead-ReLU fractions) are drawn from those copies in a third thread
(``studio.snapshot_pictures``), so training does not pay for them.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from PySide6.QtCore import QAbstractEventDispatcher, QObject, Qt, QThread, QTimer, Signal, Slot

from core import probes
from core.run import RunSpec
from studio import gui_gc
from studio.snapshot_pictures import SnapshotPictures

EMIT_INTERVAL_S = 1.0 / 32.0  # ~30 updates per second (a little above, so frames keep >= 30 fps)
#: While the GUI thread handles and draws a snapshot the worker waits (GIL released), at most this long.
LOCKSTEP_TIMEOUT_S = 0.08
#: Widgets repaint from a window update request a few ms after the snapshot was handled (Qt's
#: QT_QPA_UPDATE_IDLE_TIME, 5 ms): after a heavy frame the acknowledgement waits this long past idle,
#: so that repaint runs while the worker waits instead of fighting it for the GIL.
HEAVY_FRAME_SETTLE_MS = 8


def limit_blas_threads(n: int = 1) -> int | None:
    """Ask NumPy's OpenBLAS to use ``n`` threads; returns the previous count (None if not possible).

    The GUI process already runs two busy threads (GUI + training worker) on what is often a 2-core
    machine; OpenBLAS' own spinning worker threads then steal the GUI's core. For the small matrices
    of the networks trained live (e.g. 10,000x8 @ 8x8 for the boundary grid) one BLAS thread is also
    faster: measured 9.4 ms -> 3.3 ms for the spiral net's grid forward pass on this machine.
    """
    import ctypes
    import glob
    import os

    libdir = os.path.join(os.path.dirname(np.__file__), os.pardir, "numpy.libs")
    for path in glob.glob(os.path.join(libdir, "*openblas*")):
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for prefix in ("scipy_openblas", "openblas"):
            for suffix in ("64_", ""):
                setter = getattr(lib, f"{prefix}_set_num_threads{suffix}", None)
                getter = getattr(lib, f"{prefix}_get_num_threads{suffix}", None)
                if setter is not None and getter is not None:
                    getter.restype = ctypes.c_int
                    before = int(getter())
                    setter(ctypes.c_int(int(n)))
                    return before
    return None


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
    shuffle: bool = True
    seed: int | None = 0
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


@dataclass
class Snapshot:
    """What the GUI receives, at most ~30 times per second. Arrays are copies owned by the receiver.

    ``step_losses``: (k, 2) float64 rows (global step, batch loss) since the previous snapshot.
    ``epoch_logs``: [(epoch, {"loss": .., "val_loss": .., ...}), ...] since the previous snapshot.
    ``boundary``: (res, res, units_out) float32 model output over ``grid`` or None.
    ``neurons``: model layer index -> (units, h, w) float32 activations over the grid, or None.
    ``weights``: per model layer, list of weight arrays (kernel (in, units), bias (units,), ...).
    ``grid``, ``want_neurons``, ``probe_rows`` (r, f): what the pictures thread draws ``boundary``,
    ``neurons`` and ``dead_relu`` from (they arrive filled in).
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


@dataclass
class Evaluation:
    """Model outputs on the validation/test split after a run or pause: ``probs`` (n, units_out)."""

    epoch: int
    x: np.ndarray
    y_true: np.ndarray
    probs: np.ndarray


class TrainingWorker(QObject):
    """Drives one training generator. Call control methods from any thread; connect ``thread.started`` to run.

    Signals: ``snapshot(Snapshot)``, ``paused(int epoch)``, ``evaluated(Evaluation)``,
    ``failed(str message)`` (the model keeps its last good weights), ``finished(str reason)``.
    """

    snapshot = Signal(object)
    paused = Signal(int)
    evaluated = Signal(object)
    failed = Signal(str)
    finished = Signal(str)

    def __init__(self, job: TrainingJob, start_running: bool = True) -> None:
        super().__init__()
        self.job = job
        self._stop = threading.Event()
        self._running = threading.Event()
        self._wake = threading.Event()
        self._ack = threading.Event()  # the last snapshot was drawn: the next may be sent
        self._ack.set()
        self._go = threading.Event()  # cleared while the GUI draws a snapshot (lockstep)
        self._go.set()
        self._step_epochs = 0
        self._lock = threading.Lock()
        self._pending_lr: float | None = None
        self._speed: float | None = None  # steps per second at most (None: as fast as possible)
        self._speed_set = False
        self._pending_data: tuple[np.ndarray, np.ndarray] | None = None
        self._grid = job.grid
        self.emit_interval = EMIT_INTERVAL_S
        self.lockstep_s = LOCKSTEP_TIMEOUT_S
        #: neuron images go with every n-th snapshot (the canvas shows them a few times per second)
        self.neuron_every = 6
        #: seconds spent pulling steps, building snapshots and waiting for the GUI (diagnostics)
        self.stats = {"train_s": 0.0, "emit_s": 0.0, "wait_s": 0.0}
        self._emits = 0
        self._resumed = False
        self.epoch = job.start_epoch
        self.step = 0
        if start_running:
            self._resumed = True
            self._running.set()

    # ---- control (any thread) -------------------------------------------------------------
    def play(self) -> None:
        """Run continuously."""
        with self._lock:
            self._step_epochs = 0
        self._resumed = True  # a pause that comes before the next step still reports ``paused``
        self._running.set()
        self._wake.set()

    def pause(self) -> None:
        """Pause after the current step."""
        self._running.clear()
        self._wake.set()

    def step_epoch(self, epochs: int = 1) -> None:
        """Run until the end of the next ``epochs`` epochs (default one), then pause."""
        with self._lock:
            self._step_epochs += max(int(epochs), 1)
        self._wake.set()

    def stop(self) -> None:
        """End the loop after the current step; ``finished("stopped")`` follows."""
        self._stop.set()
        self._wake.set()
        self._ack.set()
        self._go.set()

    def set_learning_rate(self, lr: float) -> None:
        """Change the optimizer's learning rate before the next step."""
        self._pending_lr = float(lr)

    def set_speed_limit(self, steps_per_s: float | None) -> None:
        """Take at most ``steps_per_s`` steps per second from now on (None: as fast as possible)."""
        if steps_per_s is not None and not steps_per_s > 0:
            raise ValueError(f"steps_per_s must be a positive number or None. Received: {steps_per_s!r}")
        self._speed = None if steps_per_s is None else float(steps_per_s)
        self._speed_set = True

    def set_grid(self, grid: probes.GridSpec | None) -> None:
        """Change the boundary plane (axes, extent) for the next snapshots."""
        self._grid = grid
        self._wake.set()

    def replace_training_data(self, x: np.ndarray, y: np.ndarray) -> None:
        """Continue training on new arrays (e.g. after a point was added) from the current epoch."""
        self._pending_data = (np.asarray(x), np.asarray(y))

    def hold(self) -> None:
        """The GUI starts drawing a snapshot: wait before the next step (at most ``lockstep_s``)."""
        if self.lockstep_s > 0:
            self._go.clear()

    def acknowledge(self) -> None:
        """The GUI has drawn the last snapshot: go on, and the next one may be sent (no queue build-up)."""
        self._ack.set()
        self._go.set()

    @property
    def is_running(self) -> bool:
        """True while not paused (and not stopped)."""
        return self._running.is_set() and not self._stop.is_set()

    # ---- worker thread ---------------------------------------------------------------------
    def _make_generator(self, start_epoch: int):
        """A fresh ``iter_training`` generator resuming at ``start_epoch`` (epochs = the remaining budget)."""
        job = self.job
        it = job.iter_training
        if it is None:
            from core.training import iter_training as it
        remaining = None if job.epochs is None else max(int(job.epochs) - start_epoch, 0)
        if remaining == 0:
            return iter(())
        val = (job.x_val, job.y_val) if job.x_val is not None and job.y_val is not None else None
        return it(
            job.model,
            job.x_train,
            job.y_train,
            epochs=remaining,
            batch_size=job.batch_size,
            validation_data=val,
            shuffle=job.shuffle,
            seed=job.seed,
            callbacks=list(job.callbacks) or None,
            start_epoch=start_epoch,
        )

    def run(self) -> None:
        """The training loop; returns when stopped, finished or failed.

        numpy's overflow/invalid warnings are silenced in this thread (errstate is thread-local): a
        diverging run is reported once, as TrainingDiverged, not as RuntimeWarnings on stderr.
        """
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            self._run()

    def _run(self) -> None:  # noqa: C901 - one loop, kept together on purpose
        job = self.job
        model = job.model
        reason = "stopped"
        try:
            gen = self._make_generator(self.epoch)
        except Exception as exc:  # bad job (shapes, data): report, never crash the thread
            self.failed.emit(_describe(exc))
            self.finished.emit("error")
            return
        self._last_weights = probes.copy_weights(model)
        step_losses: list[tuple[int, float]] = []
        epoch_logs: list[tuple[int, dict[str, float]]] = []
        last_emit = 0.0
        elapsed = 0.0
        rate_t0, rate_steps, steps_per_s = time.perf_counter(), 0, 0.0
        pace_t0, pace_steps = rate_t0, 0  # for a chosen speed (set_speed_limit)

        def rate_now() -> float:
            """Steps/s of the last full 0.25 s window, or of the current one if none has ended yet."""
            if steps_per_s or not rate_steps:
                return steps_per_s
            return rate_steps / max(time.perf_counter() - rate_t0, 1e-9)
        rec = None
        dirty = False
        was_running = False
        while not self._stop.is_set():
            with self._lock:
                stepping = self._step_epochs > 0
            active = self._running.is_set() or stepping
            if not active:
                if self._resumed and not was_running and not self._running.is_set():
                    self._resumed = False  # played and paused again before any step was taken
                    self.paused.emit(self.epoch)
                if was_running:
                    was_running = False
                    if dirty or step_losses or epoch_logs:
                        self._emit(rec, elapsed, rate_now(), step_losses, epoch_logs, force=True)
                        step_losses, epoch_logs, dirty = [], [], False
                    self._evaluate()
                    self.paused.emit(self.epoch)
                self._wake.wait(0.05)
                self._wake.clear()
                if self._grid is not None and rec is not None and self._ack.is_set() and self._grid_dirty():
                    self._emit(rec, elapsed, 0.0, [], [], force=True)
                continue
            if not was_running:
                was_running = True
                self._resumed = False
                rate_t0, rate_steps = time.perf_counter(), 0
                pace_t0, pace_steps = rate_t0, 0
            limit = self._speed
            if limit is not None:
                # a chosen speed: steps are spaced 1/limit apart (sleeping releases the GIL); short
                # sleeps keep pause/stop prompt
                now = time.perf_counter()
                if self._speed_set:
                    self._speed_set = False
                    pace_t0, pace_steps = now, 0
                due = pace_t0 + pace_steps / limit
                if now < due:
                    time.sleep(min(due - now, 0.05))
                    continue
            if self._pending_lr is not None:
                opt = getattr(model, "optimizer", None)
                if opt is not None:
                    opt.learning_rate = self._pending_lr
                self._pending_lr = None
            if self._pending_data is not None:
                gen.close()
                job.x_train, job.y_train = self._pending_data
                self._pending_data = None
                gen = self._make_generator(self.epoch)
            if not self._go.is_set():
                # Lockstep: the GUI thread draws a snapshot; do not fight it for the GIL (each
                # pyqtgraph paint makes hundreds of Python callbacks, each of which a busy worker
                # would delay by up to the interpreter's switch interval).
                t_wait = time.perf_counter()
                self._go.wait(self.lockstep_s)
                self._go.set()
                self.stats["wait_s"] += time.perf_counter() - t_wait
            t0 = time.perf_counter()
            try:
                rec = next(gen)
                self.stats["train_s"] += time.perf_counter() - t0
            except StopIteration:
                reason = "epochs"
                break
            except Exception as exc:
                self._restore_if_broken()
                if step_losses or epoch_logs:
                    self._emit(rec, elapsed, steps_per_s, step_losses, epoch_logs, force=True)
                self.failed.emit(_describe(exc))
                self._evaluate()
                self.finished.emit("error")
                return
            now = time.perf_counter()
            elapsed += now - t0
            dirty = True
            if rec.kind == "batch":
                self.step = rec.step
                rate_steps += 1
                pace_steps += 1
                step_losses.append((rec.step, float(rec.loss)))
            else:
                self.epoch = rec.epoch
                epoch_logs.append((rec.epoch, {k: float(v) for k, v in rec.logs.items()}))
                if stepping:
                    with self._lock:
                        self._step_epochs = max(self._step_epochs - 1, 0)
                        done_stepping = self._step_epochs == 0
                    if done_stepping and not self._running.is_set():
                        self._emit(rec, elapsed, rate_now(), step_losses, epoch_logs, force=True)
                        step_losses, epoch_logs, dirty = [], [], False
                if rec.stopped:
                    reason = rec.stopped
                    break
            if now - rate_t0 >= 0.25:
                steps_per_s = rate_steps / (now - rate_t0)
                rate_t0, rate_steps = now, 0
            if now - last_emit >= self.emit_interval and self._ack.is_set():
                # a fixed cadence (~30 Hz) whatever the emit and drawing take
                last_emit = now if now - last_emit < 2 * self.emit_interval else time.perf_counter()
                t_emit = time.perf_counter()
                self._emit(rec, elapsed, steps_per_s, step_losses, epoch_logs)
                self.stats["emit_s"] += time.perf_counter() - t_emit
                step_losses, epoch_logs, dirty = [], [], False
        gen.close()
        if rec is not None and (dirty or step_losses or epoch_logs):
            self._emit(rec, elapsed, rate_now(), step_losses, epoch_logs, force=True, stopped=reason)
        self._evaluate()
        self.finished.emit(reason)

    _grid_seen: object = None

    def _grid_dirty(self) -> bool:
        return self._grid is not self._grid_seen

    def _emit(self, rec, elapsed, steps_per_s, step_losses, epoch_logs, force=False, stopped=None) -> None:
        """Build and send one Snapshot (copies only). Without ``force`` it skips if the GUI is behind."""
        if rec is None:
            return
        self._ack.clear()
        model = self.job.model
        names, g, w = probes.layer_norms(model)
        snap = Snapshot(
            epoch=self.epoch,
            step=self.step,
            batch=rec.batch,
            batches_per_epoch=rec.batches_per_epoch,
            epochs=self.job.epochs,
            elapsed_s=elapsed,
            steps_per_s=steps_per_s,
            step_losses=np.asarray(step_losses, dtype=np.float64).reshape(-1, 2),
            epoch_logs=list(epoch_logs),
            layer_names=names,
            grad_norms=g,
            weight_norms=w,
            stopped=stopped,
        )
        weights = probes.copy_weights(model)
        if all(np.all(np.isfinite(a)) for ws in weights for a in ws):
            self._last_weights = weights
        snap.weights = weights
        snap.probe_rows = self.job.x_train[: self.job.probe_rows]  # never mutated: no copy needed
        grid = self._grid
        self._grid_seen = grid
        if grid is not None:
            self._emits += 1
            snap.grid = grid
            snap.want_neurons = self.job.neuron_images and (force or self._emits % self.neuron_every == 1)
        self.snapshot.emit(snap)

    def _evaluate(self) -> None:
        """Predict the validation split and emit an Evaluation (used by the evaluation panel)."""
        job = self.job
        if job.x_val is None or job.y_val_labels is None or len(job.x_val) == 0:
            return
        try:
            probs = np.asarray(job.model.predict(job.x_val), dtype=np.float32)
        except Exception:
            return
        if not np.all(np.isfinite(probs)):
            return
        self.evaluated.emit(Evaluation(epoch=self.epoch, x=job.x_val, y_true=job.y_val_labels, probs=probs))

    def _restore_if_broken(self) -> None:
        """After an exception, put back the last finite weights if the current ones are not finite."""
        model = self.job.model
        try:
            current = probes.copy_weights(model)
            if all(np.all(np.isfinite(a)) for ws in current for a in ws):
                return
            for layer, ws in zip(model.layers, self._last_weights, strict=False):
                if ws:
                    layer.set_weights(ws)
        except Exception:
            pass


def _describe(exc: BaseException) -> str:
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


class TrainingSession(QObject):
    """Owns one worker, its pictures object and their QThreads (GUI thread side). ``shutdown()`` stops
    and joins both in < 1 s.

    The worker's signals pass through the pictures thread (which draws each snapshot's pictures) and
    are received here (queued into the GUI thread, because this object lives there) and re-emitted,
    so anything connected to the session runs in the GUI thread, even plain functions. While the
    ``snapshot`` handlers and the repaints they cause run, the worker waits; then it may send the
    next snapshot.
    """

    snapshot = Signal(object)
    paused = Signal(int)
    evaluated = Signal(object)
    failed = Signal(str)
    finished = Signal(str)

    def __init__(
        self,
        job: TrainingJob,
        start_running: bool = True,
        parent: QObject | None = None,
        lockstep: bool = True,
    ) -> None:
        super().__init__(parent)
        limit_blas_threads(1)
        self.thread = QThread()
        self.thread.setObjectName("ffs-training")
        self.worker = TrainingWorker(job, start_running=start_running)
        self.worker.moveToThread(self.thread)
        self.thread.started.connect(self.worker.run)
        self.worker.finished.connect(self.thread.quit)
        self.pictures_thread = QThread()
        self.pictures_thread.setObjectName("ffs-pictures")
        self.pictures = SnapshotPictures(job.model)
        self.pictures.moveToThread(self.pictures_thread)
        w, p = self.worker, self.pictures
        w.snapshot.connect(p.fill, Qt.QueuedConnection)
        for name in ("paused", "evaluated", "failed", "finished"):  # same queue: order is kept
            getattr(w, name).connect(getattr(p, name), Qt.QueuedConnection)
        p.finished.connect(self.pictures_thread.quit)
        p.snapshot.connect(self._on_snapshot, Qt.QueuedConnection)
        p.paused.connect(self.paused, Qt.QueuedConnection)
        p.evaluated.connect(self.evaluated, Qt.QueuedConnection)
        p.failed.connect(self.failed, Qt.QueuedConnection)
        p.finished.connect(self.finished, Qt.QueuedConnection)
        self.job = job
        self.snapshots = 0
        self.ended: str | None = None
        self._gc_held = False
        self.finished.connect(self._on_finished)
        self._await_idle = False
        self._dispatcher = QAbstractEventDispatcher.instance(QThread.currentThread()) if lockstep else None
        self._idle_connected = False  # aboutToBlock is connected only while a snapshot awaits drawing
        self._idle_fallback = QTimer(self)
        self._idle_fallback.setSingleShot(True)
        self._idle_fallback.setInterval(50)
        self._idle_fallback.timeout.connect(self._on_idle)
        #: optional predicate asked after each snapshot was handled: True when the frame it causes
        #: repaints Python-painted views (curves, canvas, ...), which should run while the worker waits
        self.heavy_frame: Callable[[], bool] | None = None
        self._heavy = False
        self._settle = QTimer(self)
        self._settle.setSingleShot(True)
        self._settle.setInterval(HEAVY_FRAME_SETTLE_MS)
        self._settle.timeout.connect(self._on_settled)

    @Slot(object)
    def _on_snapshot(self, snap: Snapshot) -> None:
        self.snapshots += 1
        if self._dispatcher is not None:
            self.worker.hold()
        try:
            self.snapshot.emit(snap)
        finally:
            heavy = self.heavy_frame
            self._heavy = heavy is not None and bool(heavy())
            # Acknowledge when the GUI thread has nothing left to do (the repaints this snapshot
            # caused included), so the worker does not compete with painting for the GIL.
            if self._dispatcher is None:
                self.worker.acknowledge()
            else:
                self._await_idle = True
                if not self._idle_connected:
                    self._dispatcher.aboutToBlock.connect(self._on_idle)
                    self._idle_connected = True
                self._idle_fallback.start()  # loops that never block (processEvents) still progress

    @Slot()
    def _on_idle(self) -> None:
        if self._idle_connected and self._dispatcher is not None:
            self._dispatcher.aboutToBlock.disconnect(self._on_idle)
            self._idle_connected = False
        self._idle_fallback.stop()
        if self._await_idle:
            if self._heavy:  # its repaint is still to come (update request timer): let it run first
                self._heavy = False
                self._settle.start()
                return
            self._await_idle = False
            self.worker.acknowledge()

    @Slot()
    def _on_settled(self) -> None:
        if self._await_idle:
            self._await_idle = False
            self.worker.acknowledge()

    @Slot(str)
    def _on_finished(self, reason: str) -> None:
        self.ended = reason
        self._release_dispatcher()
        # "finished" is the worker's last act: both threads end within moments (no collection there)
        self.thread.wait(500)
        self.pictures_thread.wait(500)
        self._release_gc()

    def _release_gc(self) -> None:
        if self._gc_held:
            self._gc_held = False
            gui_gc.release()

    def _release_dispatcher(self) -> None:
        if self._dispatcher is not None and self._idle_connected:
            try:
                self._dispatcher.aboutToBlock.disconnect(self._on_idle)
            except (RuntimeError, TypeError):
                pass
        self._idle_connected = False
        self._dispatcher = None

    def start(self) -> None:
        """Start the threads (the loop begins running or paused, as constructed)."""
        if not self._gc_held:  # no cycle collection in the training threads (see studio.gui_gc)
            self._gc_held = True
            gui_gc.acquire()
        self.pictures_thread.start()
        self.thread.start()

    def is_alive(self) -> bool:
        """True while the worker thread runs."""
        return self.thread.isRunning()

    def shutdown(self, timeout_ms: int = 1000) -> bool:
        """Stop the worker and join both threads; returns True when they ended within ``timeout_ms``."""
        self.worker.stop()
        self._release_dispatcher()
        deadline = time.perf_counter() + timeout_ms / 1000
        ok = True
        for thread in (self.thread, self.pictures_thread):
            if thread.isRunning():
                thread.quit()
                left = max(int((deadline - time.perf_counter()) * 1000), 1)
                ok = bool(thread.wait(left)) and ok
        self._release_gc()
        return ok
