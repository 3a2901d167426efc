"""Training worker thread: progress signals, pause, step, stop/join, errors (real engine, toy data)."""

from __future__ import annotations

import time

import numpy as np
import pytest

from core.datasets.toy import make_toy
from core.errors import TrainingDiverged
from core.probes import make_grid_spec
from studio.training.job import Snapshot, TrainingJob
from studio.training.session import TrainingSession
from tests.studio.conftest import wait_loaded


def _model(seed: int = 0, lr: float = 0.05):
    from core import Sequential
    from core.layers import Dense, Normalization

    ds = make_toy("circle", samples=200, noise=0.0, seed=3)
    mean, var = ds.normalization()
    layers = [Normalization(mean, var), Dense(8, activation="tanh"), Dense(1, activation="sigmoid")]
    model = Sequential(layers)
    model.compile(optimizer={"name": "adam", "learning_rate": lr}, loss="binary_crossentropy",
                  metrics=["accuracy"])
    model.build(input_dim=2, seed=seed)
    return model, ds


def _job(epochs: int | None = 40, **kw) -> TrainingJob:
    model, ds = _model()
    y_tr, y_te = ds.targets("binary_crossentropy")
    return TrainingJob(model=model, x_train=ds.x_train, y_train=y_tr, x_val=ds.x_test, y_val=y_te,
                       y_val_labels=ds.y_test, epochs=epochs, batch_size=16, seed=0,
                       grid=make_grid_spec(ds.x_train, resolution=100), **kw)


@pytest.fixture
def session_factory(qtbot):
    made: list[TrainingSession] = []

    def make(job: TrainingJob, running: bool = True) -> TrainingSession:
        s = TrainingSession(job, start_running=running)
        made.append(s)
        return s

    yield make
    for s in made:
        s.shutdown(2000)


def test_play_emits_progress_and_loss_falls(qtbot, session_factory):
    s = session_factory(_job(epochs=40))
    snaps: list[Snapshot] = []
    s.snapshot.connect(snaps.append)
    with qtbot.waitSignal(s.finished, timeout=30000) as blocker:
        s.start()
    assert blocker.args == ["epochs"]
    qtbot.wait(50)
    assert len(snaps) >= 2
    logs = [lg for sn in snaps for lg in sn.epoch_logs]
    assert [e for e, _ in logs] == list(range(1, 41))  # every epoch arrives exactly once
    assert logs[-1][1]["loss"] < 0.7 * logs[0][1]["loss"]
    last = snaps[-1]
    assert last.boundary is not None and last.boundary.shape == (100, 100, 1)
    assert last.steps_per_s > 0  # even when the whole run is shorter than the 0.25 s rate window
    assert last.grad_norms is not None and last.grad_norms.shape == (2,)
    assert np.all(last.weight_norms > 0)
    # copies: changing the snapshot does not touch the model
    kernel = last.weights[1][0]
    kernel[...] = 123.0
    assert not np.any(s.job.model.layers[1].get_weights()[0] == 123.0)
    steps = np.concatenate([sn.step_losses for sn in snaps])
    assert steps.shape[1] == 2 and int(steps[-1, 0]) == 40 * last.batches_per_epoch


def test_emits_are_throttled(qtbot, session_factory):
    s = session_factory(_job(epochs=None))
    snaps: list[Snapshot] = []
    s.snapshot.connect(snaps.append)
    s.start()
    qtbot.wait(1000)
    s.worker.pause()
    steps = s.worker.step
    assert steps > 100  # many steps ...
    assert 2 <= len(snaps) <= 45  # ... but about 30 snapshots per second at most


def test_pause_stops_updates_and_play_resumes(qtbot, session_factory):
    s = session_factory(_job(epochs=None))
    s.start()
    qtbot.wait(300)
    with qtbot.waitSignal(s.paused, timeout=5000):
        s.worker.pause()
    step = s.worker.step
    count = s.snapshots
    qtbot.wait(400)
    assert s.worker.step == step
    assert s.snapshots == count
    with qtbot.waitSignal(s.snapshot, timeout=5000):
        s.worker.play()
    qtbot.wait(100)
    assert s.worker.step > step


def test_step_advances_exactly_one_epoch(qtbot, session_factory):
    job = _job(epochs=None)
    s = session_factory(job, running=False)
    epochs_seen: list[int] = []
    s.snapshot.connect(lambda sn: epochs_seen.extend(e for e, _ in sn.epoch_logs))
    s.worker.step_epoch()
    with qtbot.waitSignal(s.paused, timeout=10000) as blocker:
        s.start()
    assert blocker.args == [1]
    bpe = -(-len(job.x_train) // job.batch_size)
    assert s.worker.epoch == 1 and s.worker.step == bpe
    with qtbot.waitSignal(s.paused, timeout=10000) as blocker:
        s.worker.step_epoch()
    assert blocker.args == [2]
    assert s.worker.step == 2 * bpe
    qtbot.wait(50)
    assert epochs_seen == [1, 2]


def test_stop_joins_thread_quickly(qtbot, session_factory):
    s = session_factory(_job(epochs=None))
    s.start()
    qtbot.wait(300)
    t0 = time.perf_counter()
    assert s.shutdown(1000)
    assert time.perf_counter() - t0 < 1.0
    assert not s.thread.isRunning()


def test_learning_rate_changes_live(qtbot, session_factory):
    s = session_factory(_job(epochs=None))
    s.start()
    qtbot.wait(200)
    s.worker.set_learning_rate(0.001)
    qtbot.waitUntil(lambda: s.job.model.optimizer.learning_rate == pytest.approx(0.001), timeout=3000)


def test_exception_reports_message_and_keeps_last_good_weights(qtbot, session_factory):
    from core.training import iter_training

    def exploding(model, x, y, **kw):
        for i, rec in enumerate(iter_training(model, x, y, **kw)):
            yield rec
            if i == 30:
                for layer in model.layers:
                    for p in layer.params.values():
                        p[...] = np.nan
                raise TrainingDiverged("the loss became nan")

    job = _job(epochs=None, iter_training=exploding)
    s = session_factory(job)
    with qtbot.waitSignal(s.failed, timeout=10000) as blocker:
        s.start()
    assert "diverged" in blocker.args[0].lower() and "lower learning rate" in blocker.args[0]
    qtbot.waitUntil(lambda: not s.thread.isRunning(), timeout=2000)
    for layer in job.model.layers:
        for w in layer.get_weights():
            assert np.all(np.isfinite(w))


def test_window_play_pause_step_stop(qtbot, studio_window):
    tc = studio_window.training
    assert studio_window.workspace.dataset is not None and tc.model is not None
    snaps: list[Snapshot] = []
    tc.play_pause()
    session = tc.session
    assert session is not None
    session.snapshot.connect(snaps.append)
    # a run that ends or is replaced fails below with what happened instead of a bare timeout
    qtbot.waitUntil(lambda: len(snaps) >= 3 or tc.session is not session or session.ended is not None,
                    timeout=10000)
    assert len(snaps) >= 3, (
        f"{len(snaps)} snapshots; session replaced={tc.session is not session}, ended={session.ended!r}, "
        f"worker step={session.worker.step}, relayed={session.snapshots}, error={tc.last_error!r}"
    )
    assert tc.is_training() and studio_window.document.lock_reason, (
        f"session replaced={tc.session is not session}, ended={session.ended!r}, "
        f"epoch={session.worker.epoch}, running={session.worker.is_running}, error={tc.last_error!r}"
    )
    with qtbot.waitSignal(tc.session.paused, timeout=5000):  # the pause's own signal, not the step's
        tc.play_pause()  # pause
    assert not tc.session.worker.is_running
    epoch = tc.session.worker.epoch
    with qtbot.waitSignal(tc.session.paused, timeout=10000):
        tc.step_epoch()
    assert tc.session.worker.epoch in (epoch + 1, epoch + 2)  # finishes the epoch it was in
    session = tc.session
    t0 = time.perf_counter()
    tc.stop()
    assert time.perf_counter() - t0 < 1.0
    assert tc.session is None and not session.thread.isRunning()
    assert not studio_window.document.lock_reason
    assert tc.epoch >= 1


def test_closing_window_joins_thread(qtbot, studio_window):
    tc = studio_window.training
    tc.play_pause()
    session = tc.session
    qtbot.waitUntil(lambda: session.snapshots >= 2, timeout=10000)
    t0 = time.perf_counter()
    studio_window.close()
    assert time.perf_counter() - t0 < 1.5
    assert not session.thread.isRunning()
    assert tc.session is None


def test_worker_error_shows_message_and_window_stays_usable(qtbot, studio_window, monkeypatch):
    tc = studio_window.training
    real_make_job = tc._make_job

    def failing_job():
        job = real_make_job()

        def broken(model, x, y, **kw):
            raise TrainingDiverged("the loss became inf at epoch 1")
            yield  # pragma: no cover

        job.iter_training = broken
        return job

    monkeypatch.setattr(tc, "_make_job", failing_job)
    tc.play_pause()
    qtbot.waitUntil(lambda: tc.last_error is not None, timeout=5000)
    assert "diverged" in tc.last_error.lower()
    assert "diverged" in tc.controls.status_label.text().lower()
    qtbot.waitUntil(lambda: tc.session is None, timeout=3000)
    assert not studio_window.document.lock_reason
    # still usable: edits work and training runs again once the cause is gone
    assert studio_window.append_layer("dense") is not None
    monkeypatch.setattr(tc, "_make_job", real_make_job)
    assert tc.train_epochs(1, timeout_s=20)
    assert tc.epoch == 1


def test_space_toggles_play_pause(qtbot, studio_window):
    from PySide6.QtCore import Qt

    tc = studio_window.training
    studio_window.activateWindow()
    studio_window.canvas.setFocus()
    qtbot.keyClick(studio_window.canvas, Qt.Key_Space)
    qtbot.waitUntil(lambda: tc.session is not None and tc.is_training(), timeout=5000)
    assert tc.controls.play_action.text() == "Pause"
    qtbot.keyClick(studio_window.canvas, Qt.Key_Space)
    qtbot.waitUntil(lambda: not tc.is_training(), timeout=5000)
    assert tc.controls.play_action.text() == "Play"
    tc.stop()


def test_opening_another_project_stops_training(qtbot, studio_window):
    tc = studio_window.training
    tc.play_pause()
    session = tc.session
    qtbot.waitUntil(lambda: session.snapshots >= 1, timeout=10000)
    t0 = time.perf_counter()
    assert studio_window.new_project("xor")
    assert time.perf_counter() - t0 < 2.0
    assert not session.thread.isRunning() and tc.session is None
    wait_loaded(qtbot, studio_window)
    assert tc.epoch == 0 and tc.model is not None  # fresh weights for the new project
    assert not studio_window.document.lock_reason


def test_learning_rate_edit_applies_to_running_session(qtbot, studio_window):
    tc = studio_window.training
    tc.play_pause()
    session = tc.session
    qtbot.waitUntil(lambda: session.snapshots >= 1, timeout=10000)
    assert studio_window.document.set_training(("optimizer", "learning_rate"), 0.0005)
    qtbot.waitUntil(lambda: tc.model.optimizer.learning_rate == pytest.approx(0.0005), timeout=3000)
    assert tc.session is session  # same run, no restart
    tc.stop()


def test_pause_right_after_play_still_reports_paused(qtbot, session_factory):
    s = session_factory(_job(epochs=None), running=False)
    s.start()
    qtbot.wait(50)
    with qtbot.waitSignal(s.paused, timeout=3000):
        s.worker.play()
        s.worker.pause()
    assert not s.worker.is_running


def test_cycle_collection_runs_only_in_the_gui_thread_while_training(qtbot, session_factory):
    """Automatic gc is off while a session runs (a collection in the worker could destroy Qt objects
    there); the GUI thread collects on a timer; the previous setting comes back at the end."""
    import gc
    import threading

    from studio.training import gui_gc

    assert gc.isenabled() and not gui_gc.active()
    collected_in: list[str] = []  # threads that collected while a session held gc off

    def on_gc(phase: str, info: dict) -> None:
        if phase == "start" and gui_gc.active():
            collected_in.append(threading.current_thread().name)

    gc.callbacks.append(on_gc)
    try:
        s = session_factory(_job(epochs=None))
        s.start()
        assert not gc.isenabled() and gui_gc.active()
        qtbot.waitUntil(lambda: s.snapshots >= 3, timeout=10000)
        for _ in range(2000):  # garbage cycles, more than a generation-0 threshold
            a: list = []
            a.append(a)
            del a
        qtbot.wait(3 * gui_gc.INTERVAL_MS)  # the GUI thread's timer collects them
        with qtbot.waitSignal(s.finished, timeout=5000):
            s.worker.stop()
        qtbot.waitUntil(lambda: gc.isenabled(), timeout=2000)
    finally:
        gc.callbacks.remove(on_gc)
    assert not gui_gc.active()
    assert collected_in and set(collected_in) == {threading.main_thread().name}
    gui_gc.acquire()
    gui_gc.acquire()
    gui_gc.release()
    assert not gc.isenabled()  # counted: one user is left
    gui_gc.release()
    assert gc.isenabled()


def test_speed_limit_spaces_the_steps_and_can_change_while_running(qtbot, session_factory):
    s = session_factory(_job(epochs=None))
    with pytest.raises(ValueError, match="positive"):
        s.worker.set_speed_limit(0)
    s.worker.set_speed_limit(50.0)
    s.start()
    qtbot.wait(300)
    step0, t0 = s.worker.step, time.perf_counter()
    qtbot.wait(1000)
    slow = (s.worker.step - step0) / (time.perf_counter() - t0)
    assert 35 <= slow <= 60, slow  # 50 steps/s
    s.worker.set_speed_limit(None)
    qtbot.wait(200)
    step0, t0 = s.worker.step, time.perf_counter()
    qtbot.wait(500)
    assert (s.worker.step - step0) / (time.perf_counter() - t0) > 4 * slow  # as fast as it goes
    t_stop = time.perf_counter()
    s.worker.set_speed_limit(1.0)  # one step a second: stop must still be prompt
    qtbot.wait(100)
    assert s.shutdown(1000) and time.perf_counter() - t_stop < 0.5


def test_toolbar_speed_box_slows_the_running_session(qtbot, studio_window):
    from studio.training.toolbar import SPEEDS

    tc = studio_window.training
    combo = tc.controls.speed_combo
    assert [combo.itemText(i) for i in range(combo.count())] == [label for label, _ in SPEEDS]
    combo.setCurrentIndex(0)  # the fixture chose 300 steps/s
    assert tc.controls.speed_limit() is None
    studio_window.document.training["epochs"] = 10**6
    tc.play_pause()
    qtbot.waitUntil(lambda: tc.session is not None and tc.session.snapshots >= 2, timeout=10000)
    combo.setCurrentIndex([label for label, _ in SPEEDS].index("30 steps/s"))
    assert tc.session.worker._speed == 30.0
    qtbot.wait(300)
    step0, t0 = tc.session.worker.step, time.perf_counter()
    qtbot.wait(1000)
    rate = (tc.session.worker.step - step0) / (time.perf_counter() - t0)
    assert 20 <= rate <= 36, rate
    tc.stop()
    combo.setCurrentIndex(0)
