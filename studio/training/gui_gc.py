"""Garbage collection in the GUI thread only, while training threads run.

CPython runs its cycle collector in whichever thread allocates when a threshold is crossed: the
training or pictures thread included. A cycle holding Qt objects (a closed dialog, an old window) is
then destroyed outside the GUI thread, which can deadlock against the GUI thread deleting other Qt
objects (seen in the test suite: the worker's collection waited for Qt's lock while holding the
GIL's turn) or crash. While any training session runs, automatic collection is switched off and the
GUI thread collects on a timer instead, generation by generation as the interpreter would.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QCoreApplication, QTimer

INTERVAL_MS = 250

_users = 0
_was_enabled = True
_timer: QTimer | None = None


def collect_due() -> int:
    """Collect the generations whose allocation counts passed their thresholds; returns the oldest
    generation collected, or -1 when none was due."""
    counts, limits = gc.get_count(), gc.get_threshold()
    gen = -1
    for g in range(3):
        if counts[g] <= limits[g]:
            break
        gen = g
    if gen >= 0:
        gc.collect(gen)
    return gen


def acquire() -> None:
    """A training session starts: collect only in the GUI thread until every session has released."""
    global _users, _was_enabled, _timer
    if _users == 0:
        _was_enabled = gc.isenabled()
        gc.disable()
        app = QCoreApplication.instance()
        if _timer is None or _timer.parent() is not app:
            _timer = QTimer(app)
            _timer.setInterval(INTERVAL_MS)
            _timer.timeout.connect(collect_due)
        _timer.start()
    _users += 1


def release() -> None:
    """A session ended: back to automatic collection once none is left."""
    global _users
    if _users == 0:
        return
    _users -= 1
    if _users == 0:
        if _timer is not None:
            _timer.stop()
        if _was_enabled:
            gc.enable()
        collect_due()


def active() -> bool:
    """True while automatic collection is held off for a running session."""
    return _users > 0
