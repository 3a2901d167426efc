"""The one helper for background work (loading data, exporting, predicting): progress, cancel, result.

``run_in_background(fn, on_done, on_failed, on_progress)`` runs ``fn(progress)`` in a worker thread and
returns a :class:`Task`. ``fn`` reports with ``progress(fraction, text)`` (the core loaders' ``(done,
total)`` and ``(fraction, text)`` forms are both accepted); once :meth:`Task.cancel` was called, the next
``progress`` call raises :class:`Cancelled` and the task ends without calling back. The callbacks run on
the GUI thread (the task's signals are queued there). Progress reaches the GUI at most every
``PROGRESS_INTERVAL_S``, so a chatty loader cannot flood the event loop. With an ``owner`` (the widget
or object that asked), the task is cancelled when the owner is destroyed and never calls back into it.
"""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, Signal

#: seconds between two progress signals of one task (the last one, 100 %, always goes through)
PROGRESS_INTERVAL_S = 0.05
Progress = Callable[..., None]


class Cancelled(Exception):
    """Raised inside the worker by ``progress()`` after :meth:`Task.cancel`."""


class Task(QObject):
    """One background job. Signals: ``progress(float, str)``, ``done(object)``, ``failed(str)``."""

    progress = Signal(float, str)
    done = Signal(object)
    failed = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._cancel = threading.Event()
        self._last_progress = 0.0
        self.thread: threading.Thread | None = None
        self.finished = False

    def cancel(self) -> None:
        """Ask the job to stop at its next progress report; its callbacks will not run."""
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def report(self, *args: Any) -> None:
        """The ``progress`` callable handed to the job (worker thread)."""
        if self._cancel.is_set():
            raise Cancelled
        frac, text = _fraction_and_text(args)
        now = time.monotonic()
        if frac < 1.0 and now - self._last_progress < PROGRESS_INTERVAL_S:
            return
        self._last_progress = now
        self.progress.emit(frac, text)

    def is_running(self) -> bool:
        return self.thread is not None and self.thread.is_alive()


#: tasks whose thread still runs (keeps their QObject alive until they report)
_RUNNING: set[Task] = set()


def run_in_background(
    fn: Callable[[Progress], Any],
    on_done: Callable[[Any], None],
    on_failed: Callable[[str], None] | None = None,
    on_progress: Callable[[float, str], None] | None = None,
    name: str = "work",
    owner: QObject | None = None,
) -> Task:
    """Start ``fn(progress)`` in a daemon thread; ``on_done(result)`` / ``on_failed(one line)`` on the GUI
    thread (call this from the GUI thread). User errors (``FFStudioError``) keep their message; anything
    unexpected is prefixed with its type."""
    # Qt objects left in reference cycles are freed now, on the GUI thread: left to the cyclic collector,
    # the worker's allocations could free them on its thread, where a QObject's destructor can deadlock
    # with the GUI thread (seen: Predict on CSV hung with a QMenu's deletion waiting on a worker)
    gc.collect()
    task = Task()
    _RUNNING.add(task)

    def finish(callback: Callable[[Any], None] | None, value: Any) -> None:
        task.finished = True
        _RUNNING.discard(task)
        if owner is not None and not shiboken6.isValid(owner):
            task.cancel()
        if callback is not None and not task.cancelled:
            callback(value)

    if owner is not None:
        owner.destroyed.connect(task.cancel)

    task.done.connect(lambda result: finish(on_done, result))
    task.failed.connect(lambda message: finish(on_failed, message))
    if on_progress is not None:
        task.progress.connect(
            lambda frac, text: None if task.cancelled or (owner is not None and not shiboken6.isValid(owner))
            else on_progress(frac, text)
        )

    def target() -> None:
        try:
            result = fn(task.report)
        except Cancelled:
            task.failed.emit("cancelled")
        except Exception as exc:  # noqa: BLE001 - every failure reaches the user as one line
            task.failed.emit(one_line(exc))
        else:
            task.done.emit(result)

    task.thread = threading.Thread(target=target, name=f"ffstudio-{name}", daemon=True)
    task.thread.start()
    return task


def one_line(exc: BaseException) -> str:
    """The first line of an error; unexpected error types are named."""
    from core.errors import FFStudioError

    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text if isinstance(exc, FFStudioError) else f"{type(exc).__name__}: {text}"


def _fraction_and_text(args: tuple[Any, ...]) -> tuple[float, str]:
    nums = [a for a in args if isinstance(a, int | float) and not isinstance(a, bool)]
    texts = [a for a in args if isinstance(a, str)]
    frac = 0.0
    if len(nums) >= 2 and nums[1]:
        frac = float(nums[0]) / float(nums[1])
    elif nums:
        frac = float(nums[0])
    return max(0.0, min(frac, 1.0)), (texts[0] if texts else "")
