"""The training worker's BLAS thread count: chosen from the steps' durations (made-up durations here)."""

from __future__ import annotations

import pytest

from studio.training.blas_tuner import ABORT_SLOWER, EARLY_LOOK, MIN_WORK, START_WARMUP_S, BlasTuner


class FakeBlas:
    """A process-wide BLAS thread count; ``step_s`` says how long a step takes at each count."""

    def __init__(self, step_s: dict[int, float]) -> None:
        self.threads = 1
        self.step_s = dict(step_s)
        self.calls: list[int] = []
        self.seconds_at: dict[int, float] = {}  # step time spent at each count

    def set(self, n: int) -> None:
        self.calls.append(n)
        self.threads = n

    def get(self) -> int:
        return self.threads

    def tuner(self, work: int = 10 * MIN_WORK, **kw) -> BlasTuner:
        """A tuner of two threads at most; the run's first warm-up is one window unless ``kw`` says."""
        kw.setdefault("start_warmup_s", kw.get("window_s", 0.4))
        return BlasTuner(work, most=2, setter=self.set, getter=self.get, **kw)

    def train(self, tuner: BlasTuner, seconds: float) -> None:
        """Steps for ``seconds`` of step time, each as long as the count in force makes it."""
        done = 0.0
        while done < seconds:
            s = self.step_s[self.threads]
            self.seconds_at[self.threads] = self.seconds_at.get(self.threads, 0.0) + s
            tuner.took_step(s)
            done += s


def test_small_network_keeps_one_thread_and_is_never_probed() -> None:
    blas = FakeBlas({1: 0.00008, 2: 0.00001})  # even if two threads were faster
    tuner = blas.tuner(work=MIN_WORK - 1)
    tuner.resume()
    blas.train(tuner, 120.0)
    tuner.finish()
    assert not tuner.enabled
    assert blas.calls == [] and tuner.threads == 1 and tuner.probes == 0


def test_spiral_sized_model_is_below_the_threshold_and_mnist_above() -> None:
    from core import Sequential
    from core.layers import Dense

    def tuner(widths: list[int], inputs: int, batch: int) -> BlasTuner:
        model = Sequential([Dense(w, activation="relu") for w in widths])
        model.build(input_dim=inputs, seed=0)
        return BlasTuner.for_model(model, batch, most=2)

    assert not tuner([48, 48, 2], 2, 16).enabled  # the spiral preset: 2,640 parameters x 16
    assert tuner([256, 128, 10], 784, 128).enabled  # the MNIST MLP: 235,146 parameters x 128
    assert not BlasTuner.for_model(object(), 128, most=2).enabled  # not a model: nothing to measure
    assert not BlasTuner(10 * MIN_WORK, most=1).enabled  # one core: nothing to choose


def test_probe_keeps_more_threads_when_their_steps_are_faster() -> None:
    blas = FakeBlas({1: 0.002, 2: 0.0014})
    tuner = blas.tuner()
    tuner.resume()
    blas.train(tuner, 0.39)
    assert blas.calls == [1] and not tuner.probing  # the first window is a warm-up at one thread
    blas.train(tuner, 0.02)
    assert tuner.probing
    blas.train(tuner, 0.85)  # two trial windows: one thread, then two
    assert tuner.probes == 1 and tuner.threads == 2 and blas.threads == 2
    assert blas.calls == [1, 1, 2, 2]
    assert tuner.trial_rates[1] == pytest.approx(500, rel=0.01)
    assert tuner.trial_rates[2] == pytest.approx(714, rel=0.01)


@pytest.mark.parametrize(("two", "kept"), [
    (0.0020, 2),  # as fast: a tie goes to more threads (a quiet machine seen through noise)
    (0.00208, 2),  # one thread faster by less than MIN_GAIN (4 %)
    (0.00212, 1),  # one thread faster by 6 %
])
def test_probe_keeps_more_threads_unless_one_is_clearly_faster(two: float, kept: int) -> None:
    blas = FakeBlas({1: 0.002, 2: two})
    tuner = blas.tuner()
    tuner.resume()
    blas.train(tuner, 3.0)
    assert tuner.probes == 1 and tuner.threads == kept and blas.threads == kept


def test_the_first_probe_waits_for_the_busy_start_to_pass() -> None:
    """A run's first steps are its slowest (data, first frames, the picture process): the first
    probe starts after START_WARMUP_S of steps, at one thread; later resumes warm up for one window."""
    blas = FakeBlas({1: 0.002, 2: 0.0014})
    tuner = blas.tuner(start_warmup_s=START_WARMUP_S)
    tuner.resume()
    blas.train(tuner, START_WARMUP_S - 0.01)
    assert not tuner.probing and blas.calls == [1] and tuner.probes == 0
    blas.train(tuner, 0.02)
    assert tuner.probing
    blas.train(tuner, 1.7)
    assert tuner.probes == 1 and tuner.threads == 2
    tuner.resume()  # a pause and Play: one window of warm-up, at the chosen count
    blas.train(tuner, tuner.window_s - 0.01)
    assert tuner._warming and blas.threads == 2
    blas.train(tuner, 0.02)
    assert not tuner._warming


def test_a_much_slower_trial_of_more_threads_ends_early() -> None:
    # a loaded machine: two threads wait for each other's core (measured 30x slower)
    blas = FakeBlas({1: 0.002, 2: 0.06})
    tuner = blas.tuner()
    tuner.resume()
    blas.train(tuner, 0.8 + 0.2)  # warm-up and first one-thread window, then the trial of two
    assert tuner.probes == 1 and tuner.threads == 1
    assert blas.calls == [1, 1, 2, 1]  # the second trial of two and the last of one are skipped
    # the trial of two lasted an eighth of a window (rounded up to whole steps), not two windows
    assert blas.seconds_at[2] <= tuner.window_s * EARLY_LOOK + 0.06
    assert tuner.trial_rates[2] < tuner.trial_rates[1] / ABORT_SLOWER


def test_reprobes_every_reprobe_s_and_follows_the_machine() -> None:
    blas = FakeBlas({1: 0.002, 2: 0.0014})
    tuner = blas.tuner(reprobe_s=10.0, first_reprobe_s=10.0)
    tuner.resume()
    blas.train(tuner, 3.0)
    assert tuner.probes == 1 and tuner.threads == 2
    blas.train(tuner, 7.5)
    assert tuner.probes == 1 and not tuner.probing  # steady machine: no probe before reprobe_s
    # the machine gets a little busier: one thread now wins by a small margin (no drift alarm)
    blas.step_s = {1: 0.0018, 2: 0.0019}
    blas.train(tuner, 4.0)
    assert tuner.probes == 2 and tuner.threads == 1
    blas.train(tuner, 12.0)
    assert tuner.probes == 3 and tuner.threads == 1


def test_chosen_threads_slowing_down_probe_again_at_once() -> None:
    blas = FakeBlas({1: 0.002, 2: 0.0014})
    tuner = blas.tuner()
    tuner.resume()
    blas.train(tuner, 3.0)
    assert tuner.probes == 1 and tuner.threads == 2
    blas.step_s[2] = 0.03  # another process takes a core: two BLAS threads wait for each other
    before = dict(blas.seconds_at)
    blas.train(tuner, 1.5)
    assert tuner.probes == 2 and tuner.threads == 1
    # at most one window of the slow steps, plus an early-ended trial, before it is back at one
    assert blas.seconds_at[2] - before[2] <= (1 + EARLY_LOOK) * tuner.window_s + 2 * 0.03


def test_one_thread_probes_again_when_its_steps_speed_up_not_when_they_slow_down() -> None:
    blas = FakeBlas({1: 0.004, 2: 0.03})  # chosen on a busy machine
    tuner = blas.tuner(first_reprobe_s=25.0)  # (no early second probe: only the drift alarm)
    tuner.resume()
    blas.train(tuner, 3.0)
    assert tuner.probes == 1 and tuner.threads == 1
    blas.step_s[1] = 0.008  # busier still: one thread remains the right count
    blas.train(tuner, 10.0)
    assert tuner.probes == 1 and not tuner.probing
    blas.step_s = {1: 0.002, 2: 0.0012}  # the load went away: measure again at once
    blas.train(tuner, 2.5)
    assert tuner.probes == 2 and tuner.threads == 2


def test_a_count_changed_by_someone_else_is_put_back_and_its_window_not_counted() -> None:
    blas = FakeBlas({1: 0.002, 2: 0.0014})
    tuner = blas.tuner()
    tuner.resume()
    blas.train(tuner, 3.0)
    assert tuner.threads == 2
    blas.threads = 1  # e.g. another part of the process limited the count
    blas.train(tuner, 0.41)
    assert blas.threads == 2 and blas.calls[-1] == 2 and tuner.probes == 1


def test_resume_puts_the_count_back_and_finish_leaves_one_thread() -> None:
    blas = FakeBlas({1: 0.002, 2: 0.0014})
    tuner = blas.tuner()
    tuner.resume()
    blas.train(tuner, 3.0)
    blas.threads = 1  # changed while the run was paused
    tuner.resume()
    assert blas.threads == 2
    tuner.finish()
    assert blas.threads == 1 and tuner.threads == 1


def _probe_times(blas: FakeBlas, tuner: BlasTuner, seconds: float) -> list[float]:
    """Step seconds (from now) at which probes ended, training ``seconds`` in 0.1 s slices."""
    ends: list[float] = []
    done = 0.0
    while done < seconds:
        before = tuner.probes
        blas.train(tuner, 0.1)
        done += 0.1
        if tuner.probes > before:
            ends.append(done)
    return ends


def test_one_thread_is_checked_again_soon_then_at_doubling_gaps() -> None:
    """A choice of one thread made in a busy moment should not last: the next probes come after 4 s,
    8 s, 16 s, then every 25 s of steps (plus the probes' own windows)."""
    blas = FakeBlas({1: 0.002, 2: 0.004})  # a busy machine: two threads are slower
    tuner = blas.tuner(reprobe_s=25.0, first_reprobe_s=4.0)
    tuner.resume()
    ends = _probe_times(blas, tuner, 90.0)
    assert tuner.threads == 1
    gaps = [b - a for a, b in zip(ends, ends[1:], strict=False)]
    slack = 2 * tuner.window_s + 0.45  # a probe's two windows, and a window's rounding
    for gap, wanted in zip(gaps, (4.0, 8.0, 16.0, 25.0, 25.0), strict=False):
        assert wanted <= gap <= wanted + slack


def test_more_threads_are_checked_again_every_reprobe_s_or_when_they_slow_down() -> None:
    blas = FakeBlas({1: 0.002, 2: 0.0014})
    tuner = blas.tuner(reprobe_s=25.0, first_reprobe_s=4.0)
    tuner.resume()
    ends = _probe_times(blas, tuner, 60.0)
    assert tuner.threads == 2
    gaps = [b - a for a, b in zip(ends, ends[1:], strict=False)]
    assert len(gaps) == 2 and all(25.0 <= g <= 25.0 + 2 * tuner.window_s + 0.45 for g in gaps)


def test_a_probe_cut_by_a_pause_goes_on_after_a_warm_up_window() -> None:
    """The first steps after a pause are slow at any count (threads waking, the views catching up):
    they must not end a trial of more threads early, nor count in any trial."""
    blas = FakeBlas({1: 0.002, 2: 0.0014})
    tuner = blas.tuner()
    tuner.resume()
    blas.train(tuner, 0.8 + 0.02)  # warm-up, the one-thread trial, the start of the trial of two
    assert tuner.probing and blas.threads == 2
    tuner.resume()  # a pause and Play
    assert blas.threads == 2 and tuner.probing and tuner.probes == 0  # the trial of two goes on
    blas.step_s = {1: 0.008, 2: 0.02}  # the first window after the resume: every step is slow
    blas.train(tuner, 0.4)
    blas.step_s = {1: 0.002, 2: 0.0014}
    blas.train(tuner, 2.0)
    assert tuner.probes == 1 and tuner.threads == 2
    assert tuner.trial_rates == pytest.approx({1: 1 / 0.002, 2: 1 / 0.0014})
