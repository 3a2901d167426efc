"""The Record toggle: the running training saved as an animated GIF, as a teacher puts it in slides.

While the toggle is on, each run that trains is one *take*: it starts when the run runs (or at once when
one is already going) and ends when the run finishes, fails or is reset, or when the toggle goes off.
A take keeps the decision boundary the GUI already received (the snapshot's output grid: nothing is
recomputed, the run is not slowed) every ``every`` epochs with the loss curves and the epoch counter
so far; at its end the frames are painted by the same composer as ``ffstudio record``
(:func:`studio.recording.write_gif`) and written atomically in a background task (``studio.background``),
with its progress and then the saved path in the status bar.

Frame interval, speed and size are the project's ``training.record`` (``core.record_settings``; the
button's menu edits them, undoably), so ``ffstudio record`` of the saved project records alike. The
GIF goes to the folder chosen in the menu, else the project's folder, else (an unsaved project) the
user's Documents (:mod:`studio.dialog_folder`), named after the project and the time.
"""

from __future__ import annotations

import os
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, QPointF, Qt, Signal
from PySide6.QtGui import QAction, QActionGroup, QColor, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import QFileDialog, QMenu, QToolButton

from core.record_settings import frame_interval, record_settings
from studio import settings
from studio.background import Task, run_in_background
from studio.dialog_folder import user_folder
from studio.recording import FrameData, FrameRenderer, metrics_text, renderer_for, write_gif
from studio.training.run import epochs_budget

#: where the app's settings keep the folder chosen with "Save recordings to…"
SETTINGS_KEY = "record_folder"
#: a take keeps at most this many frames: beyond, every second one is dropped and the interval doubles
MAX_FRAMES = 400
EVERY_CHOICES = (None, 1, 2, 5, 10, 20, 50)
FPS_CHOICES = (5.0, 10.0, 15.0, 25.0)


def record_icon() -> QIcon:
    """A red dot, the recorder's sign."""
    icon = QIcon()
    for size in (16, 24, 32, 48):
        pm = QPixmap(size, size)
        pm.fill(Qt.GlobalColor.transparent)
        p = QPainter(pm)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor(214, 48, 49))
        p.drawEllipse(QPointF(size / 2, size / 2), size * 0.3, size * 0.3)
        p.end()
        icon.addPixmap(pm)
    return icon


@dataclass
class Take:
    """One recording in progress: where it goes, how it is painted, the frames kept so far."""

    path: str
    renderer: FrameRenderer
    grid: Any
    every: int
    fps: float
    budget: int | None
    #: the run's record in the Runs dock (``core.runs.RunRecord``): its logged epochs give the curves
    record: Any = None
    frames: list[FrameData] = field(default_factory=list)
    last_epoch: int = -1
    #: frames missed: their epochs passed between two snapshots (training outran the app's ~30 a second)
    skipped: int = 0

    def due(self, epoch: int) -> bool:
        """True when epoch ``epoch`` gets a frame (the first frame, then every ``every`` epochs)."""
        return self.last_epoch < 0 or epoch >= (self.last_epoch // self.every + 1) * self.every

    def add(self, frame: FrameData) -> None:
        if self.last_epoch >= 0:
            self.skipped += max(0, frame.epoch // self.every - self.last_epoch // self.every - 1)
        self.frames.append(frame)
        self.last_epoch = frame.epoch
        if len(self.frames) > MAX_FRAMES:  # a long run: half the frames, twice the interval
            self.frames = self.frames[::2] if len(self.frames) % 2 else self.frames[:-1:2] + self.frames[-1:]
            self.every *= 2


def same_plane(a: Any, b: Any) -> bool:
    """True when grids ``a`` and ``b`` (``core.probes.GridSpec``) cover the same plane at the same size."""
    return a is b or (tuple(a.axes) == tuple(b.axes) and tuple(a.extent) == tuple(b.extent)
                      and a.resolution == b.resolution)


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "-", text).strip("-")[:40] or "run"


class RecordToggle(QObject):
    """The Record action of a main window (training toolbar and menu) and its takes.

    Signals: ``saved(path)`` after a GIF was written, ``failed(message)`` when it could not be.
    """

    saved = Signal(str)
    failed = Signal(str)

    def __init__(self, window: Any, workspace: Any) -> None:
        super().__init__(window)
        self.window = window
        self.workspace = workspace
        self.training = window.training
        self.runs = window.runs  # the Runs dock's recorder: the one log of the running run's epochs
        #: the folder chosen in the menu, kept in the app's settings (None: see :meth:`output_folder`)
        saved = settings.text(window.settings, SETTINGS_KEY, "")
        self.folder: str | None = saved if saved and os.path.isdir(saved) else None
        #: the next take's file name instead of ``<project>-<time>.gif`` (scripts: ``screenshot --record``)
        self.next_name: str | None = None
        self.take: Take | None = None
        self.task: Task | None = None
        #: thread names the last GIF was painted and written in (a test checks it is not the GUI's)
        self.writer_thread = ""
        #: the last take sent to be written (its frames and their renderer)
        self.last_take: Take | None = None
        self.action = QAction(record_icon(), "Record", self)
        self.action.setCheckable(True)
        self.action.setToolTip("Record the training as an animated GIF (decision boundary, loss curves, "
                               "epoch): each run while this is on becomes one GIF, saved when the run ends "
                               "or Record is turned off")
        self.action.toggled.connect(self._toggled)
        self.menu = QMenu("Record", window)
        self._build_menu()
        self._install(window)
        run = self.training.run
        run.state.state_changed.connect(self._state_changed)
        run.snapshot.connect(self._snapshot)
        self.training.boundary.grid_changed.connect(self._grid_changed)
        # New/Open/close: the take is written; quitting waits for that (the writer is a daemon thread)
        window.project_closing.connect(lambda: self._end_take("the project closed"))
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.wait_written)

    # ---- widgets -----------------------------------------------------------------------------
    def _install(self, window: Any) -> None:
        """A button at the top right of the decision boundary (what it records) and the Training menu.

        Not on the training toolbar: in a 1280-pixel window it has no room left beside the progress bar.
        """
        self.button = QToolButton()
        self.button.setDefaultAction(self.action)
        self.button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.button.setMenu(self.menu)
        self.button.setPopupMode(QToolButton.ToolButtonPopupMode.MenuButtonPopup)
        self.button.setAutoRaise(True)
        self.training.boundary.option_bar.addWidget(self.button)
        window.training_menu.addSeparator()
        window.training_menu.addAction(self.action)
        window.training_menu.addMenu(self.menu).setText("Record settings")

    def _build_menu(self) -> None:
        every_menu = self.menu.addMenu("Frame every")
        fps_menu = self.menu.addMenu("Frames per second")
        self._every_actions: dict[int | None, QAction] = {}
        self._fps_actions: dict[float, QAction] = {}
        for menu, choices, store, key in ((every_menu, EVERY_CHOICES, self._every_actions, "every"),
                                          (fps_menu, FPS_CHOICES, self._fps_actions, "fps")):
            group = QActionGroup(menu)
            for value in choices:
                if key == "every":
                    text = "Auto (about 60 frames per run)" if value is None else \
                        f"{value} epoch{'s' if value != 1 else ''}"
                else:
                    text = f"{value:g} fps"
                act = menu.addAction(text)
                act.setCheckable(True)
                group.addAction(act)
                act.triggered.connect(lambda _c=False, k=key, v=value: self.set_setting(k, v))
                store[value] = act
        self.menu.addSeparator()
        self.menu.addAction("Save recordings to…", self._choose_folder)
        self.menu.aboutToShow.connect(self._check_menu)

    def _check_menu(self) -> None:
        s = record_settings(self.workspace.document.training)
        for value, act in self._every_actions.items():
            act.setChecked(value == s.every)
        for value, act in self._fps_actions.items():
            act.setChecked(value == s.fps)

    def set_setting(self, key: str, value: Any) -> bool:
        """Store ``training.record.<key>`` in the project (an undoable edit; None removes it, and the
        ``record`` object with its last key)."""
        doc = self.workspace.document
        if value is None and set(doc.training.get("record") or {}) <= {key}:
            return doc.set_training(("record",), None)
        return doc.set_training(("record", key), value)

    def _choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self.window, "Save recordings to", self.output_folder())
        if folder:
            self.folder = folder
            self.window.settings.setValue(SETTINGS_KEY, folder)
            self._say(f"Recordings go to {folder}")

    def _say(self, text: str, msec: int = 15000) -> None:
        self.window.statusBar().showMessage(text, msec)

    # ---- where --------------------------------------------------------------------------------
    def output_folder(self) -> str:
        """Where GIFs go and the folder picker starts: the chosen folder, else the project's folder, else
        (an unsaved project, whose folder is only the process's working folder: after ``make run`` the
        source checkout) the user's Documents."""
        if self.folder:
            return self.folder
        doc = self.workspace.document
        return doc.base_dir() if doc.path else str(user_folder())

    def next_path(self) -> str:
        """A new GIF path in :meth:`output_folder`: ``<project>-<date>-<time>.gif`` (never an existing
        file)."""
        if self.next_name:
            name, self.next_name = self.next_name, None
            return os.path.join(self.output_folder(), name)
        doc = self.workspace.document
        stem = os.path.splitext(os.path.basename(doc.path))[0] if doc.path else doc.project.name or "run"
        base = os.path.join(self.output_folder(), f"{_slug(stem)}-{time.strftime('%Y%m%d-%H%M%S')}")
        path, k = base + ".gif", 1
        while os.path.exists(path):
            k += 1
            path = f"{base}-{k}.gif"
        return path

    # ---- takes --------------------------------------------------------------------------------
    @property
    def recording(self) -> bool:
        return self.take is not None

    def _toggled(self, on: bool) -> None:
        if not on:
            self._end_take("Record turned off")
            return
        if self.training.status.active:
            self._begin_take()
        else:
            folder = self.output_folder()
            self._say(f"Record is on: the next run (Play or Step) is saved as a GIF in {folder}")

    def _state_changed(self, status: Any) -> None:
        if status.active:
            if self.action.isChecked() and self.take is None:
                self._begin_take()
        elif self.take is not None:
            self._end_take()

    def _begin_take(self) -> None:
        views, ds = self.training.views, self.workspace.dataset
        grid = views.grid_for(ds)
        if grid is None:
            self._say("Record needs data with an input plane (points or table columns); images have none.")
            self.action.setChecked(False)
            return
        settings = record_settings(self.workspace.document.training)
        boundary = self.training.boundary
        doc = self.workspace.document
        title = doc.project.name or (os.path.basename(doc.path) if doc.path else "")
        renderer, grid = renderer_for(ds, settings.size, title, grid)
        renderer.discretize = boundary.disc_box.isChecked()
        budget = epochs_budget(doc)
        self.take = Take(self.next_path(), renderer, grid, frame_interval(settings.every, budget),
                         settings.fps, budget, self.runs.current)
        if boundary.last_output is not None:
            self._capture(boundary.last_output, self.training.epoch)
        self._say(f"Recording to {self.take.path} (a frame every {self.take.every} epoch"
                  f"{'s' if self.take.every != 1 else ''})")

    def _history(self) -> tuple[list[float], list[float], dict[str, float]]:
        """The run's loss and val_loss per epoch so far and the last epoch's logs (the Runs dock's record)."""
        rec = self.take.record
        if rec is None:
            return [], [], {}
        return rec.series("loss")[1], rec.series("val_loss")[1], dict(rec.logs[-1][1]) if rec.logs else {}

    def _capture(self, output: Any, epoch: int) -> None:
        take = self.take
        loss, val_loss, logs = self._history()
        metrics = metrics_text(logs, self.workspace.dataset.is_classification) if epoch else ""
        total = take.budget or max(epoch, 1)
        take.add(FrameData(output, take.grid.extent, loss, val_loss, epoch, total, metrics))

    def _snapshot(self, snap: Any) -> None:
        take = self.take
        if take is None or snap.boundary is None or (snap.grid is not None and not same_plane(snap.grid,
                                                                                               take.grid)):
            return
        epoch = take.record.epochs if take.record is not None else int(snap.epoch)
        if epoch != take.last_epoch and (take.due(epoch) or snap.stopped):
            self._capture(snap.boundary, epoch)

    def _grid_changed(self, _grid: Any) -> None:
        if self.take is not None:
            self._end_take("the plane changed")

    def _end_take(self, why: str = "") -> None:
        """Write the take's GIF in the background (the final state as its last frame)."""
        take, self.take = self.take, None
        if take is None:
            return
        last = self.training.boundary.last_output
        epoch = take.record.epochs if take.record is not None else self.training.epoch
        grid = self.training.boundary.grid
        if last is not None and epoch > take.last_epoch and grid is not None and same_plane(grid, take.grid):
            self.take = take
            self._capture(last, epoch)
            self.take = None
        if take.budget is None:  # until stopped: one epoch axis for every frame, ending where the run did
            for frame in take.frames:
                frame.epochs = max(take.last_epoch, 1)
        if len(take.frames) < 2:
            self._say("Nothing recorded: no epoch was trained while Record was on."
                      + (f" ({why})" if why else ""))
            return
        self._write(take)

    def wait_written(self, timeout_s: float = 60.0) -> bool:
        """Block until the GIF being written is on disk (the app quits); True when none is left."""
        thread = self.task.thread if self.task is not None else None
        if thread is not None and thread.is_alive():
            thread.join(timeout_s)
            return not thread.is_alive()
        return True

    def _write(self, take: Take) -> None:
        self.last_take = take
        def work(progress: Any) -> str:
            self.writer_thread = threading.current_thread().name
            return write_gif(take.renderer, take.frames, take.path, take.fps, progress)

        def done(path: str) -> None:
            self.action.setToolTip(f"Last recording: {path}")
            note = (f"; {take.skipped} missed: training ran ahead of the app's ~30 updates a second, a "
                    "slower speed records every one" if take.skipped else "")
            self._say(f"Recording saved: {path} ({len(take.frames)} frames{note})", 30000)
            self.saved.emit(path)

        def failed(message: str) -> None:
            self._say(f"Recording not saved: {message}", 30000)
            self.failed.emit(message)

        self._say(f"Writing the recording ({len(take.frames)} frames)…", 0)
        self.task = run_in_background(
            work, done, failed,
            lambda frac, _text: self._say(f"Writing the recording {take.path}: {100 * frac:.0f}%", 0),
            name="record-gif", owner=self.window,
        )
