"""Pacing and emit policy of the training loop: run time, current pace, speed cap, snapshot cadence, ETA.

Plain Python with an injectable clock (``time.perf_counter`` by default), so the arithmetic is
tested with a fake clock instead of wall-clock sleeps. The worker thread owns these objects; the
GUI thread only sees the figures they put into snapshots.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

Clock = Callable[[], float]

#: ~30 snapshots per second (a little above, so frames keep >= 30 fps)
EMIT_INTERVAL_S = 1.0 / 32.0
#: without a decision boundary (e.g. MNIST, ~1 s per epoch) a frame shows the toolbar counters and the
#: curves only: 5 snapshots (frames) per second follow them closely enough
PLAIN_EMIT_INTERVAL_S = 0.2
#: weight copies (canvas link colours, dead-ReLU fractions) go with a snapshot at most this often when
#: no decision boundary needs them every frame: the canvas shows them once a second, and for MNIST
#: (235k weights) a copy, its finiteness check and its pictures cost ~1 ms each time
WEIGHTS_INTERVAL_S = 1.0
#: the pace (steps/s) shown and used for the ETA is measured over the steps of the last two seconds
RATE_WINDOW_S = 2.0
class RunClock:
    """Wall time while the run is active: training, waiting for the speed cap or for the GUI, but not
    paused. ``base`` carries the time of earlier sessions of the same run."""

    def __init__(self, clock: Clock = time.perf_counter, base: float = 0.0) -> None:
        self._clock = clock
        self._base = float(base)
        self._since: float | None = None

    def resume(self) -> None:
        if self._since is None:
            self._since = self._clock()

    def pause(self) -> None:
        if self._since is not None:
            self._base += self._clock() - self._since
            self._since = None

    @property
    def running(self) -> bool:
        return self._since is not None

    def elapsed(self) -> float:
        """Seconds counted so far."""
        return self._base + (self._clock() - self._since if self._since is not None else 0.0)


class RateMeter:
    """Steps per second over the last ``window`` seconds of steps (the current pace): the steps'
    own times, so a step drawn late behind a snapshot and the quick ones catching up after it average
    out (at 30 steps/s a 0.25 s window held 7 or 8 steps and read 28-32 steps/s)."""

    def __init__(self, clock: Clock = time.perf_counter, window: float = RATE_WINDOW_S) -> None:
        self._clock = clock
        self.window = window
        self._times: deque[float] = deque()

    def restart(self) -> None:
        """Start measuring afresh (after a pause: paused time is not pace)."""
        self._times.clear()

    def add(self, now: float | None = None) -> None:
        """A step ended now (``now``: the clock's time, when the caller has just read it)."""
        if now is None:
            now = self._clock()
        times = self._times
        times.append(now)
        while len(times) > 2 and times[0] < now - self.window:
            times.popleft()

    def rate(self) -> float:
        """Steps per second between the first and the last step in the window (0.0 before two steps)."""
        times = self._times
        span = times[-1] - times[0] if len(times) > 1 else 0.0
        return (len(times) - 1) / span if span > 0 else 0.0


class SpeedLimit:
    """Spaces steps ``1 / steps_per_s`` apart (None: no limit). A new limit starts a new spacing."""

    def __init__(self, clock: Clock = time.perf_counter) -> None:
        self._clock = clock
        self.limit: float | None = None
        self._t0 = clock()
        self._steps = 0

    def set(self, steps_per_s: float | None) -> None:
        self.limit = steps_per_s
        self.restart()

    def restart(self) -> None:
        self._t0, self._steps = self._clock(), 0

    def wait_s(self) -> float:
        """Seconds until the next step is due (0.0: take it now)."""
        if self.limit is None:
            return 0.0
        return max(self._t0 + self._steps / self.limit - self._clock(), 0.0)

    def took_step(self) -> None:
        self._steps += 1


class EmitThrottle:
    """A fixed snapshot cadence (``interval``) whatever building and drawing a snapshot take."""

    def __init__(self, clock: Clock = time.perf_counter, interval: float = EMIT_INTERVAL_S) -> None:
        self._clock = clock
        self.interval = interval
        self._last = 0.0

    def due(self, now: float) -> bool:
        return now - self._last >= self.interval

    def mark(self, now: float) -> None:
        """A snapshot goes out for the step that ended at ``now``. The cadence keeps its phase, so a
        snapshot that went out a little late (a step, a pause for the GUI) does not delay every later
        one: the rate stays 1 / ``interval``. After a gap of two intervals or more it counts from
        ``now`` rather than sending a burst to catch up."""
        late = now - self._last
        self._last = self._last + self.interval if late < 2 * self.interval else now


class WeightsCadence:
    """Whether a snapshot carries weight copies: always with a decision boundary to draw (each frame
    shows the current weights) or when forced (a pause, the end), else every ``interval`` seconds."""

    def __init__(self, clock: Clock = time.perf_counter, interval: float = WEIGHTS_INTERVAL_S) -> None:
        self._clock = clock
        self.interval = interval
        self._last: float | None = None

    def take(self, every_frame: bool, force: bool) -> bool:
        """True when this snapshot gets the weights (and counts as the last one that did)."""
        now = self._clock()
        if every_frame or force or self._last is None or now - self._last >= self.interval:
            self._last = now
            return True
        return False


def eta_s(epoch: int, epoch_fraction: float, epochs: int | None, batches_per_epoch: int,
          steps_per_s: float) -> float | None:
    """Seconds left at the current pace: steps left in the epoch budget / ``steps_per_s``.

    None without a budget, a pace or steps left. At a capped speed the pace is the cap (e.g. 30
    steps/s), so the ETA says how long the rest really takes, not how long it took to compute so far.
    """
    if not epochs or steps_per_s <= 0 or batches_per_epoch <= 0:
        return None
    left = (epochs - epoch - epoch_fraction) * batches_per_epoch
    return left / steps_per_s if left > 0 else None
