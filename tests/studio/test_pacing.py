"""Snapshot cadence and weight-copy cadence of the training loop, on a fake clock."""

from __future__ import annotations

from studio.training.pacing import EmitThrottle, PaintPolicy, WeightsCadence


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


def test_light_frames_are_painted_while_the_worker_waits_when_that_is_cheaper() -> None:
    policy = PaintPolicy(cost_s=0.003, probe_every=4)  # (the app's threshold is CONCURRENT_PAINT_COST_S)
    assert policy.hold()  # nothing measured yet: hold and measure
    policy.measured(0.05)  # the first paint repaints the whole window: not counted
    assert policy.held_paint_s is None and policy.hold()
    policy.measured(0.0015)  # a quiet machine: holding costs the worker less than the GIL hand-overs
    assert all(policy.hold() for _ in range(8))
    for _ in range(4):  # busy cores: the held paint takes 12 ms
        policy.measured(0.012)
    holds = [policy.hold() for _ in range(8)]
    assert sum(holds) == 2  # painted beside the worker, but every 4th frame still held, to measure
    for _ in range(10):
        policy.measured(0.001)  # quiet again
    assert all(policy.hold() for _ in range(8))
