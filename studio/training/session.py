"""One training session on the GUI side: the worker and pictures threads, their signals and lockstep.

:class:`TrainingSession` starts a :class:`~studio.training.runner.TrainingWorker` in one QThread and a
:class:`~studio.training.pictures.SnapshotPictures` in another, relays their signals into the GUI
thread in the order the worker sent them, and paces the worker to the GUI's drawing (lockstep: the
worker waits while the views take in a snapshot; Qt paints the frame afterwards, beside it).
``shutdown()`` stops and joins both.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, QThread, Signal, Slot

from studio.training import gui_gc
from studio.training.blas import limit_blas_threads
from studio.training.job import Snapshot, TrainingJob
from studio.training.picture_process import PictureProcess
from studio.training.pictures import SnapshotPictures
from studio.training.runner import TrainingWorker


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
        elapsed_base: float = 0.0,
        picture_process: PictureProcess | None = None,
    ) -> None:
        """``elapsed_base``: seconds earlier sessions of the same run trained (the run's time goes on);
        ``picture_process``: the window's, where the pictures are drawn (None: in the pictures thread)."""
        super().__init__(parent)
        limit_blas_threads(1)
        self.thread = QThread()
        self.thread.setObjectName("ffs-training")
        self.worker = TrainingWorker(job, start_running=start_running, elapsed_base=elapsed_base)
        self.worker.moveToThread(self.thread)
        self.thread.started.connect(self.worker.run)
        self.worker.finished.connect(self.thread.quit)
        self.pictures_thread = QThread()
        self.pictures_thread.setObjectName("ffs-pictures")
        self.pictures = SnapshotPictures(job.model, picture_process)
        self.pictures.moveToThread(self.pictures_thread)
        w, p = self.worker, self.pictures
        w.snapshot.connect(p.fill, Qt.QueuedConnection)
        for name in ("paused", "evaluated", "failed", "finished"):  # same queue: order is kept
            getattr(w, name).connect(getattr(p, name), Qt.QueuedConnection)
        p.finished.connect(self.pictures_thread.quit)
        p.snapshot.connect(self._on_snapshot, Qt.QueuedConnection)
        p.paused.connect(self._on_paused, Qt.QueuedConnection)
        p.evaluated.connect(self.evaluated, Qt.QueuedConnection)
        p.failed.connect(self.failed, Qt.QueuedConnection)
        p.finished.connect(self.finished, Qt.QueuedConnection)
        self.job = job
        self.snapshots = 0
        self.ended: str | None = None
        self._gc_held = False
        self.finished.connect(self._on_finished)
        self._lockstep = lockstep
        #: paints the frame the snapshot handlers drew, now (called for heavy frames only)
        self.paint: Callable[[], None] | None = None
        #: asked after the handlers: True when the frame repaints a view whose paint is Python (the
        #: canvas, a plot redrawn in full); that paint runs before the worker goes on, as the handlers do
        self.heavy_frame: Callable[[], bool] | None = None

    @Slot(object)
    def _on_snapshot(self, snap: Snapshot) -> None:
        self.snapshots += 1
        if self._lockstep and snap.grid is not None:
            # Lockstep only for boundary runs: their steps are short and pure Python, so the views'
            # updates and the training step would take turns for the GIL hundreds of times per frame.
            # Steps of bigger networks (MNIST) spend their time in BLAS without the GIL: holding them
            # only costs time (measured: ratio 1.03, stalls p99 36 ms without).
            self.worker.hold()
        try:
            # the handlers update every view from this snapshot (Python, holding the GIL): the worker
            # waits exactly as long, instead of taking turns with them
            self.snapshot.emit(snap)
            if self.paint is not None and self.heavy_frame is not None and self.heavy_frame():
                self.paint()
        finally:
            self.worker.acknowledge(1)
        # A light frame (boundary image, curve heads, counters) is painted by Qt's event loop a few ms
        # later: C++ with the GIL released (the plots paint natively), beside the next training steps.

    @Slot(int, int)
    def _on_paused(self, epoch: int, command: int) -> None:
        """Relay a pause unless a later Play or Step superseded it (it came late through the pictures
        thread: the worker is already running again)."""
        if command == self.worker.commands:
            self.paused.emit(epoch)

    @Slot(str)
    def _on_finished(self, reason: str) -> None:
        self.ended = reason
        # "finished" is the worker's last act: both threads end within moments (no collection there)
        self.thread.wait(500)
        self.pictures_thread.wait(500)
        self._release_gc()

    def _release_gc(self) -> None:
        if self._gc_held:
            self._gc_held = False
            gui_gc.release()


    def start(self) -> None:
        """Start the threads (the loop begins running or paused, as constructed)."""
        if not self._gc_held:  # no cycle collection in the training threads (see studio.training.gui_gc)
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
        deadline = time.perf_counter() + timeout_ms / 1000
        ok = True
        for thread in (self.thread, self.pictures_thread):
            if thread.isRunning():
                thread.quit()
                left = max(int((deadline - time.perf_counter()) * 1000), 1)
                ok = bool(thread.wait(left)) and ok
        self._release_gc()
        return ok
