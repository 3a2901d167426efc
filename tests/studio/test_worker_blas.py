"""The training worker sets the BLAS thread count its tuner chooses, between steps; the spiral keeps one."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from core.project import build_dataset, load_project
from core.run import prepare_run
from studio.training import blas as blas_module
from studio.training import runner
from studio.training.job import TrainingJob
from studio.training.session import TrainingSession
from tests.studio.test_blas_tuner import FakeBlas

ROOT = Path(__file__).resolve().parents[2]


class FakeClock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t

    def sleep(self, s: float) -> None:
        self.t += s


def test_worker_measures_each_step_and_applies_the_choice(monkeypatch) -> None:
    from core.training import iter_training
    from tests.studio.test_worker import _job

    blas = FakeBlas({1: 0.002, 2: 0.0014})
    clock = FakeClock()
    threads_per_step: list[int] = []

    def ticking(model, x, y, **kw):
        """Each training step takes as long as the BLAS count in force makes it (on the fake clock)."""
        for rec in iter_training(model, x, y, **kw):
            if rec.kind == "batch":
                clock.t += blas.step_s[blas.threads]
                threads_per_step.append(blas.threads)
            else:
                clock.t += 0.05  # an epoch's end (validation): not a step, not measured
            yield rec

    monkeypatch.setattr(runner, "time", SimpleNamespace(perf_counter=clock))  # the worker times steps on it
    job = _job(epochs=40, iter_training=ticking)
    job.grid = None
    worker = runner.TrainingWorker(job, clock=clock, sleep=clock.sleep)
    assert not worker.blas.enabled  # the toy model is far too small to try more threads ...
    worker.blas = blas.tuner(window_s=0.04)  # ... so this test gives it a tuner that probes
    ends: list[str] = []
    worker.finished.connect(ends.append)
    worker.run()
    assert ends == ["epochs"]
    tuner = worker.blas
    assert tuner.probes == 1
    # one thread at the start, the probe's trials (one, then two), two kept, one again after the run
    assert blas.calls == [1, 1, 2, 2, 1]
    assert round(tuner.trial_rates[1]) == 500
    assert round(tuner.trial_rates[2]) == 714  # the epoch ends' 50 ms were not counted as step time
    chosen_at = len(threads_per_step) - threads_per_step[::-1].index(1)
    assert chosen_at < len(threads_per_step) / 2
    assert set(threads_per_step[chosen_at:]) == {2}


def test_spiral_session_never_leaves_one_blas_thread(qtbot, monkeypatch) -> None:
    calls: list[int] = []
    monkeypatch.setattr(blas_module, "set_blas_threads", calls.append)
    project = load_project(ROOT / "assets" / "examples" / "spiral.json")
    run = prepare_run(project, build_dataset(project))
    session = TrainingSession(TrainingJob.from_run(run, None, grid=None, neuron_images=False))
    try:
        session.start()
        qtbot.waitUntil(lambda: session.worker.step >= 2000, timeout=60000)
        with qtbot.waitSignal(session.finished, timeout=5000):
            session.worker.stop()
    finally:
        session.shutdown(5000)
    assert not session.worker.blas.enabled and session.worker.blas.threads == 1
    assert calls == [1]  # the session's limit at its start; the worker never changed it
