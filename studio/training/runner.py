"""The generator runner: a QObject that pulls from ``core.training.iter_training`` in a worker thread.

The worker thread runs one long loop (it has no event loop to deliver queued slots), so the GUI
controls it through ``threading.Event`` flags and plain attributes that the loop reads between
steps: play, pause, step N epochs, stop, a new learning rate, a speed cap, a new boundary plane,
new training rows. What it sends back is throttled to about 30 snapshots per second with a
decision boundary and 10 without, at most two awaiting drawing (so the rate falls to what the
picture process and the GUI can keep up with), with weight copies a few times per second when no
boundary needs them (:mod:`studio.training.pacing`). All are copies: the GUI thread never touches the
model while training runs. Pictures are drawn from those copies in the window's picture process
(:mod:`studio.training.pictures`, :mod:`studio.training.picture_process`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QObject, Signal

from core import probes
from studio.training.blas_tuner import BlasTuner
from studio.training.job import (
    Snapshot,
    TrainingJob,
    describe_error,
    evaluation_of,
    restore_finite_weights,
)
from studio.training.pacing import (
    EMIT_INTERVAL_S,
    PLAIN_EMIT_INTERVAL_S,
    EmitThrottle,
    RateMeter,
    RunClock,
    SpeedLimit,
    WeightsCadence,
)

#: While the GUI thread handles and draws a snapshot the worker waits (GIL released), at most this long.
LOCKSTEP_TIMEOUT_S = 0.08
#: the longest single sleep while paced or paused, so pause and stop stay prompt
MAX_NAP_S = 0.05


class TrainingWorker(QObject):
    """Drives one training generator. Call control methods from any thread; connect ``thread.started`` to run.

    Signals: ``snapshot(Snapshot)``, ``paused(int epoch, int command)``, ``evaluated(Evaluation)``,
    ``failed(str message)`` (the model keeps its last good weights), ``finished(str reason)``.
    ``command`` counts the play/step commands the loop had seen when it paused: a pause that a later
    Play or Step superseded carries a smaller number than :attr:`commands` (see ``TrainingSession``).
    ``clock``/``sleep`` are injectable (tests run the loop on a fake clock); snapshots' ``elapsed_s``
    counts the run's wall time without pauses from ``elapsed_base`` (earlier sessions of the run) on.
    """

    snapshot = Signal(object)
    paused = Signal(int, int)
    evaluated = Signal(object)
    failed = Signal(str)
    finished = Signal(str)

    def __init__(
        self,
        job: TrainingJob,
        start_running: bool = True,
        clock: Callable[[], float] = time.perf_counter,
        sleep: Callable[[float], None] = time.sleep,
        elapsed_base: float = 0.0,
    ) -> None:
        super().__init__()
        self.job = job
        self.elapsed_base = elapsed_base
        self._clock = clock
        self._sleep = sleep
        self._stop = threading.Event()
        self._running = threading.Event()
        self._wake = threading.Event()
        self._ack = threading.Event()  # fewer than ``max_in_flight`` snapshots await drawing: send one
        self._ack.set()
        #: snapshots sent but not yet drawn at most: 2 lets the picture process draw the next while
        #: the GUI paints the last (one at a time, its round trip capped the frame rate at ~25 fps)
        self.max_in_flight = 2
        self._in_flight = 0
        self._go = threading.Event()  # cleared while the GUI draws a snapshot (lockstep)
        self._go.set()
        self._step_epochs = 0
        self._commands = 0
        #: bumped by every control call after it changed the state: the loop reads its commands, flags
        #: and pending changes only when this moved (per step that costs ~1 us of a 75 us spiral step)
        self._version = 0
        self._lock = threading.Lock()
        self._pending_lr: float | None = None
        self._speed: float | None = None  # steps per second at most (None: as fast as possible)
        self._speed_set = False
        self._pending_data: tuple[np.ndarray, np.ndarray] | None = None
        self._grid = job.grid
        self._grid_seen: object = None
        self.emit_interval = EMIT_INTERVAL_S
        self.lockstep_s = LOCKSTEP_TIMEOUT_S
        #: neuron images go with every n-th snapshot (the canvas shows them a few times per second)
        self.neuron_every = 6
        #: seconds spent pulling steps, building snapshots and waiting for the GUI (diagnostics)
        self.stats = {"train_s": 0.0, "emit_s": 0.0, "wait_s": 0.0}
        self._emits = 0
        self._weights_cadence = WeightsCadence(clock)
        #: chooses the BLAS thread count from the steps' durations (one for small networks)
        self.blas = BlasTuner.for_model(job.model, job.batch_size)
        self._resumed = False
        self.epoch = job.start_epoch
        self.step = 0
        self._last_weights: list[list[np.ndarray]] = []
        if start_running:
            self._resumed = True
            self._running.set()

    # ---- control (any thread) -------------------------------------------------------------
    def play(self) -> None:
        """Run continuously."""
        with self._lock:
            self._step_epochs = 0
            self._commands += 1
            self._resumed = True  # a pause that comes before the next step still reports ``paused``
            self._running.set()
        self._changed()

    def pause(self) -> None:
        """Pause after the current step."""
        self._running.clear()
        self._changed()

    def step_epoch(self, epochs: int = 1) -> None:
        """Run until the end of the next ``epochs`` epochs (default one), then pause."""
        with self._lock:
            self._step_epochs += max(int(epochs), 1)
            self._commands += 1
        self._changed()

    def stop(self) -> None:
        """End the loop after the current step; ``finished("stopped")`` follows."""
        self._stop.set()
        self._changed()
        self._ack.set()
        self._go.set()

    def set_learning_rate(self, lr: float) -> None:
        """Change the optimizer's learning rate before the next step."""
        self._pending_lr = float(lr)
        self._changed()

    def set_speed_limit(self, steps_per_s: float | None) -> None:
        """Take at most ``steps_per_s`` steps per second from now on (None: as fast as possible)."""
        if steps_per_s is not None and not steps_per_s > 0:
            raise ValueError(f"steps_per_s must be a positive number or None. Received: {steps_per_s!r}")
        self._speed = None if steps_per_s is None else float(steps_per_s)
        self._speed_set = True
        self._changed()

    def set_grid(self, grid: probes.GridSpec | None) -> None:
        """Change the boundary plane (axes, extent) for the next snapshots."""
        self._grid = grid
        self._changed()

    def replace_training_data(self, x: np.ndarray, y: np.ndarray) -> None:
        """Continue training on new arrays (e.g. after a point was added) from the current epoch."""
        self._pending_data = (np.asarray(x), np.asarray(y))
        self._changed()

    def _changed(self) -> None:
        """A control changed the loop's state: it reads the state again before its next step."""
        self._version += 1
        self._wake.set()

    def hold(self) -> None:
        """The GUI starts drawing a snapshot: wait before the next step (at most ``lockstep_s``)."""
        if self.lockstep_s > 0:
            self._go.clear()

    def acknowledge(self, snapshots: int = 1) -> None:
        """The GUI has drawn ``snapshots`` snapshots: go on, and the next may be sent (no queue build-up)."""
        with self._lock:
            self._in_flight = max(self._in_flight - snapshots, 0)
            self._ack.set()
        self._go.set()

    @property
    def commands(self) -> int:
        """Play and Step commands given so far."""
        return self._commands

    @property
    def is_running(self) -> bool:
        """True while not paused (and not stopped)."""
        return self._running.is_set() and not self._stop.is_set()

    # ---- worker thread ---------------------------------------------------------------------
    def run(self) -> None:
        """The training loop; returns when stopped, finished or failed.

        numpy's overflow/invalid warnings are silenced in this thread (errstate is thread-local): a
        diverging run is reported once, as TrainingDiverged, not as RuntimeWarnings on stderr.
        """
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            try:
                self._run()
            finally:
                self.blas.finish()

    def _run(self) -> None:  # noqa: C901 - one loop, kept together on purpose
        job = self.job
        model = job.model
        reason = "stopped"
        try:
            gen = job.generator(self.epoch)
        except Exception as exc:  # bad job (shapes, data): report, never crash the thread
            self.failed.emit(describe_error(exc))
            self.finished.emit("error")
            return
        self._last_weights = probes.copy_weights(model)
        step_losses: list[tuple[int, float]] = []
        epoch_logs: list[tuple[int, dict[str, float]]] = []
        clock = self._clock
        run_clock, rate, pace = RunClock(clock, self.elapsed_base), RateMeter(clock), SpeedLimit(clock)
        throttle = EmitThrottle(clock, self.emit_interval)
        rec = None
        dirty = False
        was_running = False
        seen, stepping, active, pending = -1, False, False, True
        while True:
            if not active or stepping or seen != self._version:
                seen = self._version  # read before the state: a change after it is seen next step
                pending = True
                if self._stop.is_set():
                    break
                with self._lock:  # read together: a pause reported below is the one these commands left
                    stepping = self._step_epochs > 0
                    command = self._commands
                    active = self._running.is_set() or stepping
            if not active:
                if self._resumed and not was_running and not self._running.is_set():
                    self._resumed = False  # played and paused again before any step was taken
                    self.paused.emit(self.epoch, command)
                if was_running:
                    was_running = False
                    run_clock.pause()
                    if dirty or step_losses or epoch_logs:
                        self._emit(rec, run_clock.elapsed(), rate.rate(), step_losses, epoch_logs, force=True)
                        step_losses, epoch_logs, dirty = [], [], False
                    self._evaluate()
                    self.paused.emit(self.epoch, command)
                self._wake.wait(MAX_NAP_S)
                self._wake.clear()
                if self._grid is not None and rec is not None and self._ack.is_set() and self._grid_dirty():
                    self._emit(rec, run_clock.elapsed(), 0.0, [], [], force=True)
                continue
            if not was_running:
                was_running = True
                self._resumed = False
                run_clock.resume()
                rate.restart()
                pace.restart()
                self.blas.resume()
            if pending and self._speed_set:
                self._speed_set = False
                pace.set(self._speed)
            if pace.limit is not None:
                # a chosen speed spaces the steps; the epoch's end record after its last step is no step
                end_next = rec is not None and rec.kind == "batch" and rec.batch >= rec.batches_per_epoch
                due = 0.0 if end_next else pace.wait_s()
                if due > 0:  # sleeping releases the GIL; short naps keep pause/stop prompt
                    self._sleep(min(due, MAX_NAP_S))
                    continue
            if pending:
                pending = False
                throttle.interval = (self.emit_interval if self._grid is not None
                                     else max(self.emit_interval, PLAIN_EMIT_INTERVAL_S))
                if self._pending_lr is not None:
                    opt = getattr(model, "optimizer", None)
                    if opt is not None:
                        opt.learning_rate = self._pending_lr
                    self._pending_lr = None
                if self._pending_data is not None:
                    gen.close()
                    job.x_train, job.y_train = self._pending_data
                    self._pending_data = None
                    gen = job.generator(self.epoch)
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
                took = time.perf_counter() - t0
                self.stats["train_s"] += took
            except StopIteration:
                reason = "epochs"
                break
            except Exception as exc:
                restore_finite_weights(model, self._last_weights)
                if step_losses or epoch_logs:
                    self._emit(rec, run_clock.elapsed(), rate.rate(), step_losses, epoch_logs, force=True)
                self.failed.emit(describe_error(exc))
                self._evaluate()
                self.finished.emit("error")
                return
            dirty = True
            now = clock()
            if rec.kind == "batch":
                self.blas.took_step(took)
                self.step = rec.step
                rate.add(now)
                if pace.limit is not None:
                    pace.took_step()
                step_losses.append((rec.step, float(rec.loss)))
            else:
                self.epoch = rec.epoch
                epoch_logs.append((rec.epoch, {k: float(v) for k, v in rec.logs.items()}))
                if stepping:
                    with self._lock:
                        self._step_epochs = max(self._step_epochs - 1, 0)
                        done_stepping = self._step_epochs == 0
                    if done_stepping and not self._running.is_set():
                        self._emit(rec, run_clock.elapsed(), rate.rate(), step_losses, epoch_logs, force=True)
                        step_losses, epoch_logs, dirty = [], [], False
                if rec.stopped:
                    reason = rec.stopped
                    break
            if throttle.due(now) and self._ack.is_set():
                throttle.mark(now)
                t_emit = time.perf_counter()
                self._emit(rec, run_clock.elapsed(), rate.rate(), step_losses, epoch_logs)
                self.stats["emit_s"] += time.perf_counter() - t_emit
                step_losses, epoch_logs, dirty = [], [], False
        gen.close()
        if rec is not None and (dirty or step_losses or epoch_logs):
            self._emit(rec, run_clock.elapsed(), rate.rate(), step_losses, epoch_logs, force=True,
                       stopped=reason)
        self._evaluate()
        self.finished.emit(reason)

    def _grid_dirty(self) -> bool:
        return self._grid is not self._grid_seen

    def _emit(self, rec, elapsed, steps_per_s, step_losses, epoch_logs, force=False, stopped=None) -> None:
        """Build and send one Snapshot (copies only). Without ``force`` it skips if the GUI is behind."""
        if rec is None:
            return
        with self._lock:
            self._in_flight += 1
            if self._in_flight >= self.max_in_flight:
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
        grid = self._grid
        self._grid_seen = grid
        if self._weights_cadence.take(grid is not None, force or stopped is not None):
            weights = probes.copy_weights(model)
            if all(np.all(np.isfinite(a)) for ws in weights for a in ws):
                self._last_weights = weights
            snap.weights = weights
            snap.probe_rows = self.job.x_train[: self.job.probe_rows]  # never mutated: no copy needed
        if grid is not None:
            self._emits += 1
            snap.grid = grid
            snap.want_neurons = self.job.neuron_images and (force or self._emits % self.neuron_every == 1)
        self.snapshot.emit(snap)

    def _evaluate(self) -> None:
        """Emit the model's outputs on the validation split (used by the evaluation panel)."""
        ev = evaluation_of(self.job, self.epoch)
        if ev is not None:
            self.evaluated.emit(ev)
