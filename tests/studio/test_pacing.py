"""Snapshot cadence and weight-copy cadence of the training loop, on a fake clock."""

from __future__ import annotations

from studio.training.pacing import EmitThrottle, WeightsCadence


class FakeClock:
    def __init__(self, t: float = 100.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


def _emits(throttle: EmitThrottle, clock: FakeClock, step_s: float, seconds: float) -> int:
    """Snapshots sent in ``seconds`` by a loop whose steps take ``step_s``."""
    n = 0
    end = clock.t + seconds
    while clock.t < end:
        clock.t += step_s
        if throttle.due(clock.t):
            throttle.mark(clock.t)
            n += 1
    return n


def test_emit_cadence_keeps_its_rate_when_steps_overshoot_the_interval() -> None:
    clock = FakeClock()
    throttle = EmitThrottle(clock, interval=1 / 32)
    throttle.mark(clock.t)
    # 7 ms steps: each snapshot goes out up to 7 ms after it was due; the rate still holds
    assert _emits(throttle, clock, 0.007, 10.0) in (319, 320, 321)


def test_emit_cadence_restarts_after_a_long_gap_instead_of_bursting() -> None:
    clock = FakeClock()
    throttle = EmitThrottle(clock, interval=0.1)
    throttle.mark(clock.t)
    clock.t += 5.0  # paused for the GUI or the speed cap
    assert throttle.due(clock.t)
    throttle.mark(clock.t)
    assert not throttle.due(clock.t + 0.05)  # the next is one interval later, not 49 at once
    assert throttle.due(clock.t + 0.11)


def test_weights_go_with_every_boundary_frame_else_a_few_times_per_second() -> None:
    clock = FakeClock()
    cadence = WeightsCadence(clock, interval=0.25)
    taken = []
    for _ in range(40):  # 40 snapshots ~31 ms apart, no boundary (e.g. MNIST)
        taken.append(cadence.take(every_frame=False, force=False))
        clock.t += 1 / 32
    assert taken[0] and 4 <= sum(taken) <= 6  # 1.25 s: the first and then every 0.25 s
    assert cadence.take(every_frame=False, force=True)  # a pause or the end: always
    assert all(cadence.take(every_frame=True, force=False) for _ in range(5))  # a boundary: always


def test_a_throttled_redraw_runs_inside_a_frame_while_requests_keep_coming(qtbot) -> None:
    """The fallback timer fires well after the redraw is due: requests every frame run it first."""
    from PySide6.QtCore import QObject

    from studio.plots.redraw import Throttle

    calls: list[int] = []
    owner = QObject()
    throttle = Throttle(lambda: calls.append(1), 1.0, owner)
    throttle.request()  # due at once
    assert calls == [1] and not throttle._timer.isActive()
    throttle.request()  # not due for ~1 s: only the fallback timer is set, after the due time
    assert calls == [1] and throttle._timer.isActive()
    assert throttle._timer.interval() >= 1000 * (throttle.interval_s - 0.05 + throttle.fallback_s)
    throttle._last -= 1.0  # one second later a frame's request comes first and runs it
    throttle.request()
    assert calls == [1, 1] and not throttle._timer.isActive()
