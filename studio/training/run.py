"""One run of the training side: its worker session, its state and its progress counters.

:class:`RunControl` starts, pauses, steps and stops :class:`~studio.training.session.TrainingSession`
objects and keeps the :class:`~studio.training.state.RunStateMachine` in step with them. Signals of a
session that is no longer the current one, or that trains a model the owner has since replaced,
are dropped here, so a late snapshot, pause or evaluation can never paint over a newer state.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEventLoop, QObject, QTimer, Signal

from core.project import training_spec
from studio.training.job import Evaluation, Snapshot, TrainingJob
from studio.training.picture_process import PictureProcess
from studio.training.session import TrainingSession
from studio.training.state import RunState, RunStateMachine
from studio.training.toolbar import TrainingControls

#: Seconds between updates of the toolbar's rate, time and progress bar while training (the epoch
#: counter changes with every frame).
PROGRESS_INTERVAL_S = 0.2


def _running_note(stepping: bool, epochs: int) -> str:
    if not stepping:
        return "training…"
    return "stepping one epoch…" if epochs == 1 else f"training {epochs} epochs…"


def run_label(document: Any) -> str:
    """Short description of a run's settings, e.g. "adam lr=0.01 · 4-2" (hidden Dense units), from a
    :class:`studio.document.Document`."""
    opt = document.training.get("optimizer", {})
    name = opt.get("name", "?") if isinstance(opt, dict) else str(opt)
    lr = opt.get("learning_rate", "") if isinstance(opt, dict) else ""
    label = f"{name} lr={lr}" if lr != "" else str(name)
    try:
        network = document.graph.to_network()
    except Exception:  # an unfinished graph: the optimizer says enough
        return label
    units = [str(la.get("units")) for la in network if la.get("type") == "dense"]
    return f"{label} · {'-'.join(units)}" if units else f"{label} · no hidden layer"


def epochs_budget(document: Any) -> int | None:
    """The run's epoch budget from the document's training settings (None: until stopped)."""
    e = training_spec(document.training)["epochs"]
    return int(e) if isinstance(e, int) and e > 0 else None


class RunControl(QObject):
    """The run of one window. ``model()`` returns the owner's current model (signals of sessions
    training another model are ignored).

    Signals (GUI thread, current run only): ``snapshot(Snapshot)``, ``evaluated(Evaluation)``,
    ``paused(int epoch)``, ``ended(str reason)`` (the session finished by itself: "epochs",
    "early_stopping", "error", …), ``busy_changed(bool)`` (a training step may run).
    """

    snapshot = Signal(object)
    evaluated = Signal(object)
    paused = Signal(int)
    ended = Signal(str)
    busy_changed = Signal(bool)

    def __init__(self, controls: TrainingControls, model: Callable[[], Any], parent: QObject) -> None:
        super().__init__(parent)
        self.controls = controls
        self._model = model
        self.state = RunStateMachine(self)
        self.session: TrainingSession | None = None
        self.epoch = 0
        self.elapsed_base = 0.0
        self.last_snapshot: Snapshot | None = None
        self.busy = False
        self._progress_args: tuple | None = None
        self._progress_at = 0.0
        #: paints a frame after the snapshot handlers drew it, and tells whether its paint is heavy
        #: (see TrainingSession.paint and heavy_frame)
        self.paint_frame: Callable[[], None] | None = None
        self.heavy_frame: Callable[[], bool] | None = None
        #: the window's picture process (starts with the first pictures, ends in :meth:`close`)
        self.picture_process = PictureProcess()
        controls.speed_changed.connect(self._speed_changed)

    # ---- queries ---------------------------------------------------------------------------
    def alive(self) -> bool:
        """A session exists and its worker thread runs."""
        return self.session is not None and self.session.is_alive()

    def _current(self, s: TrainingSession) -> bool:
        return s is self.session and s.job.model is self._model()

    def _set_busy(self, busy: bool) -> None:
        if busy != self.busy:
            self.busy = busy
            self.busy_changed.emit(busy)

    # ---- commands --------------------------------------------------------------------------
    def start(self, job: TrainingJob, running: bool, step_epochs: int = 1) -> None:
        """A new session for ``job`` (its model must be the owner's current one): running, or
        training ``step_epochs`` epochs and pausing."""
        s = TrainingSession(job, start_running=running, parent=self, elapsed_base=self.elapsed_base,
                            picture_process=self.picture_process)
        s.worker.set_speed_limit(self.controls.speed_limit())
        s.snapshot.connect(lambda snap, s=s: self._on_snapshot(s, snap))
        s.paint, s.heavy_frame = self.paint_frame, self.heavy_frame
        s.evaluated.connect(lambda ev, s=s: self._on_evaluated(s, ev))
        s.failed.connect(lambda msg, s=s: self._on_failed(s, msg))
        s.finished.connect(lambda reason, s=s: self._on_finished(s, reason))
        s.paused.connect(lambda epoch, s=s: self._on_paused(s, epoch))
        self.session = s
        self._set_busy(True)
        if not running:
            s.worker.step_epoch(step_epochs)
        s.start()
        self.state.set(RunState.RUNNING, epoch=self.epoch, note=_running_note(not running, step_epochs),
                       stepping=not running)

    def toggle(self) -> bool:
        """Pause a running session or resume a paused one; False when there is no live session."""
        s = self.session
        if s is None or not s.is_alive():
            return False
        if self.state.state is RunState.RUNNING and s.worker.is_running:
            s.worker.pause()  # still busy until the worker confirms (it finishes the current step)
            self.state.set(RunState.PAUSED, note=f"pausing at epoch {self.epoch}…")
        else:
            s.worker.play()
            self._set_busy(True)
            self.state.set(RunState.RUNNING, note=_running_note(False, 0))
        return True

    def step(self, epochs: int = 1) -> bool:
        """Train ``epochs`` more epochs in the live session, then pause; False without one."""
        s = self.session
        if s is None or not s.is_alive():
            return False
        if s.worker.is_running:
            s.worker.pause()
        s.worker.step_epoch(epochs)
        self._set_busy(True)
        self.state.set(RunState.RUNNING, note=_running_note(True, epochs), stepping=True)
        return True

    def wait_for_pause(self, target_epoch: int, timeout_s: float) -> bool:
        """Run the event loop until the session pauses or ends, at most ``timeout_s``; False on timeout."""
        s = self.session
        if s is None:
            return False
        loop = QEventLoop()
        s.paused.connect(loop.quit)
        s.finished.connect(loop.quit)
        s.failed.connect(loop.quit)
        timer = QTimer()
        timer.setSingleShot(True)
        timer.timeout.connect(loop.quit)
        timer.start(int(timeout_s * 1000))
        if s.is_alive() and s.ended is None and self.epoch < target_epoch:
            loop.exec()
        ok = timer.isActive()
        timer.stop()
        end = QTimer()  # let the last snapshot/evaluation reach the widgets
        end.setSingleShot(True)
        end.timeout.connect(loop.quit)
        end.start(150)
        loop.exec()
        return ok

    def shutdown(self) -> bool:
        """Stop the worker and join its threads (< 1 s); an active run becomes FINISHED ("stopped").

        Returns True when the threads ended."""
        s = self.session
        if s is None:
            return True
        ok = s.shutdown(1000)
        self._absorb_end(s)
        self.session = None
        self._set_busy(False)
        if self.state.status.active:
            self.state.set(RunState.FINISHED, epoch=self.epoch, note=f"stopped at epoch {self.epoch}")
        return ok

    def close(self) -> bool:
        """The window closes: stop the session and end the picture process. True when the threads ended."""
        ok = self.shutdown()
        self.picture_process.close()
        return ok

    def end(self, note: str) -> None:
        """Close the run for good (new data, network or weights): IDLE saying ``note``, counters at 0."""
        existed = self.session is not None or self.state.state is not RunState.IDLE
        self.shutdown()
        if existed:
            self.state.set(RunState.IDLE, epoch=self.epoch, note=note)
        self.epoch = 0
        self.elapsed_base = 0.0
        self.last_snapshot = None
        self._progress_args = None

    def fail(self, message: str) -> None:
        """The run could not start (e.g. the arrays do not fit the network)."""
        self.state.set(RunState.FAILED, epoch=self.epoch, note=message)

    def _absorb_end(self, s: TrainingSession) -> None:
        if self.last_snapshot is not None:
            self.elapsed_base = self.last_snapshot.elapsed_s
        self.epoch = max(self.epoch, s.worker.epoch)

    # ---- session signals (GUI thread) ------------------------------------------------------
    def _on_snapshot(self, s: TrainingSession, snap: Snapshot) -> None:
        if not self._current(s):
            return
        self.last_snapshot = snap
        self.epoch = snap.epoch
        bpe = max(snap.batches_per_epoch, 1)
        frac = snap.batch / bpe if snap.batch < bpe else 0.0
        self._progress_args = (snap.epoch, snap.epochs, snap.steps_per_s, snap.elapsed_s, frac, bpe)
        # one snapshot is one frame: the epoch first, then the views (curves, boundary) draw it, so every
        # part of the window shows the same epoch; the rate, time and bar (a repaint of ~0.5 ms) follow
        # five times a second
        self.controls.show_epoch(snap.epoch, snap.epochs)
        now = time.perf_counter()
        if snap.stopped is not None or now - self._progress_at >= PROGRESS_INTERVAL_S:
            self._progress_at = now
            self.draw_progress()
        self.snapshot.emit(snap)

    def draw_progress(self) -> None:
        """Show the last snapshot's counters in the toolbar."""
        if self._progress_args is not None:
            self.controls.show_progress(*self._progress_args)

    def _speed_changed(self, steps_per_s: float | None) -> None:
        if self.session is not None:
            self.session.worker.set_speed_limit(steps_per_s)

    def _on_evaluated(self, s: TrainingSession, ev: Evaluation) -> None:
        if s.job.model is self._model():  # a stopped run's last evaluation still describes the model
            self.evaluated.emit(ev)

    def _on_paused(self, s: TrainingSession, epoch: int) -> None:
        if not self._current(s) or not self.state.status.active:
            return
        self.epoch = epoch
        self._set_busy(False)
        self.paused.emit(epoch)
        self.state.set(RunState.PAUSED, epoch=epoch, note=f"paused at epoch {epoch}")

    def _on_failed(self, s: TrainingSession, message: str) -> None:
        if self._current(s):
            self.state.set(RunState.FAILED, epoch=self.epoch, note=message)

    def _on_finished(self, s: TrainingSession, reason: str) -> None:
        if s is not self.session:
            return
        s.thread.wait(1000)
        self._absorb_end(s)
        self.session = None
        self._set_busy(False)
        self.ended.emit(reason)
        if reason == "error" or self.state.state is RunState.FAILED:
            return
        if reason == "epochs":
            note = f"finished: {self.epoch} epochs"
        elif reason == "early_stopping":
            note = f"early stopping at epoch {self.epoch}"
        elif reason == "stopped":
            note = f"stopped at epoch {self.epoch}"
        else:
            note = f"stopped: {reason.replace('_', ' ')} at epoch {self.epoch}"
        self.state.set(RunState.FINISHED, epoch=self.epoch, note=note)
