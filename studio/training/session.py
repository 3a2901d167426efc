"""One training session on the GUI side: the worker and pictures threads, their signals and lockstep.

:class:`TrainingSession` starts a :class:`~studio.training.runner.TrainingWorker` in one QThread and a
:class:`~studio.training.pictures.SnapshotPictures` in another, relays their signals into the GUI
thread in the order the worker sent them, and paces the worker to the GUI's drawing (lockstep: the
worker waits while a snapshot is handled and repainted). ``shutdown()`` stops and joins both.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QAbstractEventDispatcher, QObject, Qt, QThread, QTimer, Signal, Slot

from studio.training import gui_gc
from studio.training.blas import limit_blas_threads
from studio.training.job import Snapshot, TrainingJob
from studio.training.picture_process import PictureProcess
from studio.training.pictures import SnapshotPictures
from studio.training.runner import TrainingWorker

#: Widgets repaint from a window update request a few ms after the snapshot was handled (Qt's
#: QT_QPA_UPDATE_IDLE_TIME, 5 ms): after a heavy frame the acknowledgement waits this long past idle,
#: so that repaint runs while the worker waits instead of fighting it for the GIL.
HEAVY_FRAME_SETTLE_MS = 8


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
        self._unacked = 0
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
        self._unacked += 1
        if self._dispatcher is not None and snap.grid is not None:
            # Lockstep only for boundary runs: their steps are short and pure Python, so painting
            # and training would fight for the GIL (measured on the spiral without it: stalls p99
            # 111 ms, 24 fps). Steps of bigger networks (MNIST) spend their time in BLAS without
            # the GIL: holding them only costs time (measured: ratio 1.03, stalls p99 36 ms without).
            self.worker.hold()
        try:
            self.snapshot.emit(snap)
        finally:
            heavy = self.heavy_frame
            self._heavy = heavy is not None and bool(heavy())
            # Acknowledge when the GUI thread has nothing left to do (the repaints this snapshot
            # caused included), so the worker does not compete with painting for the GIL.
            if self._dispatcher is None:
                self._acknowledge()
            else:
                self._await_idle = True
                if not self._idle_connected:
                    self._dispatcher.aboutToBlock.connect(self._on_idle)
                    self._idle_connected = True
                self._idle_fallback.start()  # loops that never block (processEvents) still progress

    @Slot(int, int)
    def _on_paused(self, epoch: int, command: int) -> None:
        """Relay a pause unless a later Play or Step superseded it (it came late through the pictures
        thread: the worker is already running again)."""
        if command == self.worker.commands:
            self.paused.emit(epoch)

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
            self._acknowledge()

    @Slot()
    def _on_settled(self) -> None:
        if self._await_idle:
            self._await_idle = False
            self._acknowledge()

    def _acknowledge(self) -> None:
        """Every snapshot received so far is drawn (two can arrive before the GUI is idle)."""
        n, self._unacked = self._unacked, 0
        self.worker.acknowledge(n)

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
