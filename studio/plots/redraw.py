"""Redraw pacing for plots fed at the training rate: a per-frame gate and a throttle."""

from __future__ import annotations

import time

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QWidget


def on_screen(widget: QWidget) -> bool:
    """True when some of ``widget`` shows: shown and not behind another tab (Qt keeps the docks of
    a tabbed area visible but moves those not in front off-screen, where nothing of them shows)."""
    return widget.isVisible() and not widget.visibleRegion().isEmpty()


class FrameGate:
    """One heavy redraw per GUI frame: throttles sharing a gate take turns (``open()`` each frame)."""

    def __init__(self) -> None:
        self.available = True

    def open(self) -> None:
        """A new frame starts: one gated redraw may run."""
        self.available = True


class Throttle:
    """Call ``fn`` at most once per ``interval_s``; extra requests collapse into one delayed call.

    pyqtgraph repaints are Python-heavy and the training thread competes for the GIL, so plots that
    do not need 30 fps (curves, gradient norms) redraw a few times per second.
    """

    def __init__(self, fn, interval_s: float, parent: QObject) -> None:
        self.fn = fn
        self.interval_s = interval_s
        self.fallback_s = 0.6
        #: optional FrameGate shared with other heavy views so they do not all redraw in one frame
        self.gate: FrameGate | None = None
        #: optional widget drawn by ``fn``: requests while it is not on screen (behind another tab)
        #: only mark it stale, and :meth:`shown` draws it when it shows again
        self.widget: QWidget | None = None
        self.stale = False
        #: optional call for :meth:`flush` instead of ``fn`` (e.g. a complete redraw at a pause)
        self.final = None
        self._last = 0.0
        self._timer = QTimer(parent)  # dies with its widget, so no call after deletion
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._fire)

    def request(self) -> None:
        """Run now if the interval has passed; otherwise make sure it runs later.

        While training, requests come with every snapshot, i.e. while the worker waits for the GUI,
        so a due redraw happens then and never competes with training for the GIL. The timer is
        only a fallback for when the requests stop: it fires ``fallback_s`` after the redraw is due,
        so while requests keep coming a frame's request always runs it first (a timer due at the same
        moment ran it between frames half the time, painting Python-drawn views beside the worker).
        """
        if self.widget is not None and not on_screen(self.widget):
            self.stale = True
            self._timer.stop()
            return
        now = time.perf_counter()
        gate = self.gate
        if now - self._last >= self.interval_s and (gate is None or gate.available):
            if gate is not None:
                gate.available = False
            self._timer.stop()
            self._fire()
        elif not self._timer.isActive():
            wait = max(self.interval_s - (now - self._last), 0.0) + self.fallback_s
            self._timer.start(int(wait * 1000) + 1)

    def flush(self) -> None:
        """Run now (cancels a pending delayed call), ``final`` if set."""
        self._timer.stop()
        self._fire(self.final)

    def shown(self, visible: bool = True) -> None:
        """The widget may show again (e.g. its dock's tab was raised): draw it if requests were skipped."""
        if visible and self.stale:
            self.flush()

    def _fire(self, fn=None) -> None:
        self._last = time.perf_counter()
        self.stale = False
        (fn or self.fn)()
