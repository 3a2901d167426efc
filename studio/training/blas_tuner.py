"""How many OpenBLAS threads the training worker uses: chosen by measuring, again and again.

One BLAS thread is right for small networks (the spiral's steps take ~80 us, mostly Python under
the GIL: the GUI thread and the picture process need the other core). For bigger ones all the cores
can be faster, but only while the machine is quiet: measured on a 2-core machine, the MNIST MLP
(784-256-128-10, batch 128) took 627 steps/s with two threads against 433 with one when nothing else
ran, and 14-70 steps/s against 300-480 while other processes kept a core busy (each matrix product
waits for the BLAS thread the system did not schedule). So :class:`BlasTuner` alternates short trial
windows of one thread and of every thread, keeps the faster (a tie goes to every thread), and
measures again: soon after the first probe (:data:`FIRST_REPROBE_S`), then at
doubling gaps up to every :data:`REPROBE_S` seconds of training, or at once when the steps' speed
says the load changed. The first window after a resume
is a warm-up that counts for nothing (a probe goes on after it; before the run's first probe it lasts
:data:`START_WARMUP_S`): the first steps after a pause ran at
a quarter of their speed (the threads waking, the views catching up), and one benchmark run's trial
of two threads, cut by a pause, ended early on 8 such steps and kept one thread.

Plain Python, no clock: the worker reports each step's duration, so tests feed made-up durations.
"""

from __future__ import annotations

from collections.abc import Callable

from studio.training import blas

#: multiply-adds of a step (parameters x batch size) below which the worker never tries more than one
#: BLAS thread. Measured headless on a 2-core machine, two threads against one: 14M (784-128-64-10,
#: batch 128) 1.24x and 30M (the MNIST MLP) 1.06-1.45x the steps per second on a quiet machine; 6.7M
#: (784-64-32-10, batch 128) 0.80x; the spiral (0.04M, ~80 us per step) and the other nets under 1M
#: 0.92-0.96x. Above the threshold the probe decides (e.g. the MNIST MLP at batch 32 is 7.5M).
MIN_WORK = 4_000_000
#: seconds of training steps per trial window (~200 MNIST steps)
WINDOW_S = 0.4
#: seconds of training steps before a run's first probe. The start is a run's busiest time (the data
#: arrive, the first frames and evaluation are drawn, the picture process starts): in the app the first
#: 0.4 s of steps ran at 82 steps/s with two threads, and a probe right after them found two threads
#: slower (295 against 424 steps/s) where a later one found them faster (534 against 499).
START_WARMUP_S = 1.2
#: seconds of training steps between two probes once more threads are kept (their steps slowing down
#: by DRIFT calls a probe at once: the load that makes one thread better shows in their speed)
REPROBE_S = 25.0
#: while one thread is kept, seconds from a probe to the next: this after the first, then doubling up to
#: REPROBE_S. One thread's steps barely speed up when the load goes away (the drift alarm sees it
#: poorly), and a choice made in a busy moment should not last: one benchmark run's first probe found
#: two threads slower (414 against 535 steps/s), kept one for the rest of the 12 s measured, and
#: trained MNIST at 0.69 of a headless that two threads made 44 % faster.
FIRST_REPROBE_S = 4.0
#: one thread replaces more only when it takes at least this many more steps per second. A tie goes to
#: more threads: above MIN_WORK they are 6-45 % faster on a quiet machine and 4-35 times slower under
#: load, so a probe that finds them within a few per cent of one thread saw a quiet machine through
#: noise (0.4 s windows vary by +-15 % here).
MIN_GAIN = 0.05
#: a trial of more threads ends after an eighth of a window when its steps are this much slower than
#: one thread's (under load two threads were 4-35 times slower: no need to suffer a whole window). Not
#: less: in the app the first ~25 steps of two threads ran 1.29x slower than one thread's in two quiet
#: benchmark runs (a frame, the threads waking), the trial ended, and the run kept one thread at ~500
#: steps/s where two gave ~600.
ABORT_SLOWER = 2.0
#: that early look comes after this fraction of the window
EARLY_LOOK = 1 / 8
#: probe at once when the steps of more threads get this much slower than when they were chosen, or
#: those of one thread this much faster (the machine's load changed)
DRIFT = 1.4


class BlasTuner:
    """Chooses the BLAS thread count, one or ``most``, from the steps' measured durations.

    The worker calls :meth:`took_step` after each training step (O(1); a switch costs ~1 us),
    :meth:`resume` when training starts or resumes, :meth:`finish` when the run ends. A probe runs
    two trial windows, one thread then ``most``, and keeps ``most`` unless one thread is clearly faster
    (:data:`MIN_GAIN`). Each probe spends one window at the count that loses on a quiet machine; a drift
    of the machine's speed between the two windows can tip only a close call, and the 4-35 times that
    load costs more threads is no close call.
    Networks with fewer than ``min_work`` multiply-adds per step are never probed: they keep one
    thread.
    """

    def __init__(
        self,
        work_per_step: int,
        most: int | None = None,
        *,
        setter: Callable[[int], None] | None = None,
        getter: Callable[[], int | None] | None = None,
        window_s: float = WINDOW_S,
        start_warmup_s: float = START_WARMUP_S,
        reprobe_s: float = REPROBE_S,
        first_reprobe_s: float = FIRST_REPROBE_S,
        min_work: int = MIN_WORK,
    ) -> None:
        self._set = setter if setter is not None else blas.set_blas_threads
        self._get = getter if getter is not None else blas.blas_threads
        self.most = blas.default_blas_threads() if most is None else max(int(most), 1)
        #: False: one thread, never probed (a small network, or only one core)
        self.enabled = work_per_step >= min_work and self.most > 1
        self.window_s = window_s
        self.start_warmup_s = start_warmup_s
        self.reprobe_s = reprobe_s
        self.first_reprobe_s = min(first_reprobe_s, reprobe_s)
        #: the count in force (the session starts every run at one)
        self.threads = 1
        #: probes finished so far, and the steps per second each count took in the last one
        self.probes = 0
        self.trial_rates: dict[int, float] = {}
        self._plan: list[int] = []  # trial windows left in the current probe (thread counts)
        self._trials: dict[int, list[float]] = {}  # count -> [seconds, steps] of the current probe
        self._ref: float | None = None  # mean step seconds of the chosen count when it was chosen
        self._since = reprobe_s  # the first probe follows the warm-up window
        self._sum = 0.0  # the current window: seconds, steps, and when to look at it
        self._n = 0
        self._due = window_s
        self._warming = False  # the current window follows a resume: it is not counted

    @classmethod
    def for_model(cls, model: object, batch_size: int, **options) -> BlasTuner:
        """The tuner of a model trained in batches of ``batch_size`` (work: parameters x batch size)."""
        try:
            work = int(model.count_params()) * int(batch_size)
        except Exception:  # not a core model (a test's fake): nothing to gain from threads
            work = 0
        return cls(work, **options)

    @property
    def probing(self) -> bool:
        return bool(self._plan)

    def took_step(self, seconds: float) -> None:
        """A training step took ``seconds`` (its own time: not the pauses, snapshots or evaluations)."""
        if not self.enabled:
            return
        self._sum += seconds
        self._n += 1
        if self._sum >= self._due:
            self._window_end()

    def resume(self) -> None:
        """Training (re)starts: put the count back (something may have changed it meanwhile) and warm
        up for one window; a probe goes on where the pause cut it."""
        if self.enabled:
            self._apply(self._plan[0] if self._plan else self.threads)
            self._warming = True
            before_first_probe = self.probes == 0 and not self._plan
            self._sum, self._n = 0.0, 0
            self._due = self.start_warmup_s if before_first_probe else self.window_s

    def finish(self) -> None:
        """The run ended: leave the process at one thread, as the session found it."""
        if self.enabled and self.threads != 1:
            self._apply(1)

    # ---- decisions --------------------------------------------------------------------------
    def _apply(self, n: int) -> None:
        self.threads = n
        self._set(n)

    def _restart_window(self) -> None:
        self._sum, self._n = 0.0, 0
        trying_more = bool(self._plan) and self._plan[0] != 1
        self._due = self.window_s * EARLY_LOOK if trying_more else self.window_s

    def _mean(self, n: int) -> float | None:
        seconds, steps = self._trials.get(n, (0.0, 0))
        return seconds / steps if steps else None

    def _window_end(self) -> None:
        if self._warming:
            self._warming = False
            if not self._plan and self._since >= self._gap():
                self._start_probe()
            self._restart_window()
            return
        seconds, steps = self._sum, self._n
        mean = seconds / steps
        if self._plan and self._plan[0] != 1 and seconds < self.window_s:
            one = self._mean(1)  # early in a trial of more threads: give up if clearly slower
            if one is not None and mean > ABORT_SLOWER * one:
                self._record(seconds, steps)
                self._decide()
            else:
                self._due = self.window_s
            return
        if self._get() != self.threads:  # another BLAS user changed the count: this window is void
            self._apply(self.threads)
            self._restart_window()
            return
        if self._plan:
            self._record(seconds, steps)
            self._plan.pop(0)
            if self._plan:
                self._apply(self._plan[0])
                self._restart_window()
            else:
                self._decide()
            return
        self._since += seconds
        ref = self._ref
        # more threads' steps slowing down (load arrived) or one thread's speeding up (load left)
        drifted = ref is not None and (mean > ref * DRIFT if self.threads > 1 else mean < ref / DRIFT)
        if drifted or self._since >= self._gap():
            self._start_probe()
        self._restart_window()

    def _start_probe(self) -> None:
        self._plan = [1, self.most]
        self._trials = {}
        self._apply(1)

    def _gap(self) -> float:
        """Seconds of steps from the last probe to the next: REPROBE_S with more threads kept, else
        short after the first probe, then doubling."""
        if self.probes == 0 or self.threads > 1:
            return self.reprobe_s  # (the first probe: ``_since`` starts one window short of this)
        return min(self.reprobe_s, self.first_reprobe_s * 2.0 ** (self.probes - 1))

    def _record(self, seconds: float, steps: int) -> None:
        t = self._trials.setdefault(self.threads, [0.0, 0])
        t[0] += seconds
        t[1] += steps

    def _decide(self) -> None:
        self.trial_rates = {n: steps / seconds for n, (seconds, steps) in self._trials.items() if seconds > 0}
        one, more = self.trial_rates.get(1, 0.0), self.trial_rates.get(self.most, 0.0)
        best = 1 if one >= more * (1 + MIN_GAIN) or more <= 0 else self.most
        self._ref = self._mean(best)
        self._plan = []
        self._since = 0.0
        self.probes += 1
        self._apply(best)
        self._restart_window()
