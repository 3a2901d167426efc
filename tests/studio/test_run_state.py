"""The run state: its transition table, the pacing arithmetic on a fake clock, stale signals, and
every view agreeing after the data change under a running run."""

from __future__ import annotations

import pytest

from studio.training.pacing import RateMeter, RunClock, SpeedLimit
from studio.training.state import TRANSITIONS, RunState, RunStateMachine, StateError, allowed


class FakeClock:
    """A clock the test moves: ``sleep`` advances it instead of waiting."""

    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.t += seconds


def test_transition_table() -> None:
    assert set(TRANSITIONS) == set(RunState)
    assert allowed(RunState.IDLE, RunState.RUNNING)
    assert allowed(RunState.RUNNING, RunState.PAUSED) and allowed(RunState.PAUSED, RunState.RUNNING)
    assert allowed(RunState.FINISHED, RunState.RUNNING)  # Play continues the trained weights
    assert not allowed(RunState.IDLE, RunState.PAUSED)  # nothing to pause
    assert not allowed(RunState.IDLE, RunState.FINISHED)
    assert not allowed(RunState.FINISHED, RunState.PAUSED)
    assert all(allowed(s, RunState.IDLE) for s in RunState)  # new data / network / Reset


def test_state_machine_announces_changes_and_refuses_bad_transitions(qtbot) -> None:
    m = RunStateMachine()
    seen = []
    m.state_changed.connect(seen.append)
    m.set(RunState.RUNNING, note="training…")
    m.set(RunState.RUNNING, note="training…")  # no change, no signal
    m.set(RunState.PAUSED, epoch=7, note="paused at epoch 7")
    m.set(RunState.FINISHED, note="stopped at epoch 7")
    with pytest.raises(StateError, match="finished to paused"):
        m.set(RunState.PAUSED)
    assert [(s.state, s.epoch, s.note) for s in seen] == [
        (RunState.RUNNING, 0, "training…"),
        (RunState.PAUSED, 7, "paused at epoch 7"),
        (RunState.FINISHED, 7, "stopped at epoch 7"),
    ]
    assert m.status.lock_reason() is None
    assert seen[1].lock_reason() == "Training is paused — press Stop to change the network."


def test_run_clock_counts_wall_time_without_pauses() -> None:
    clock = FakeClock()
    rc = RunClock(clock, base=2.0)  # 2 s from an earlier session of the run
    rc.resume()
    clock.sleep(7.5)
    assert rc.elapsed() == pytest.approx(9.5)
    rc.pause()
    clock.sleep(60.0)  # paused for a minute: not counted
    assert rc.elapsed() == pytest.approx(9.5)
    rc.resume()
    clock.sleep(0.5)
    assert rc.elapsed() == pytest.approx(10.0)


def test_rate_meter_and_speed_limit_on_a_fake_clock() -> None:
    clock = FakeClock()
    pace, rate = SpeedLimit(clock), RateMeter(clock)
    pace.set(30.0)
    steps = 0
    while clock.t < 1000.0 + 7.5:
        wait = pace.wait_s()
        if wait > 0:
            clock.sleep(wait)
            continue
        clock.sleep(0.001)  # the step itself takes 1 ms
        pace.took_step()
        rate.add()
        steps += 1
    assert steps == pytest.approx(225, abs=1)
    assert rate.rate() == pytest.approx(30.0, rel=0.1)


def test_worker_reports_wall_time_and_pace_at_a_capped_speed(qtbot) -> None:
    """Issue 12.4: at 30 steps/s the elapsed time is the wall time (steps / 30), not the ~1 ms per step
    spent computing, and the pace is 30 steps/s. The loop runs on a fake clock in this thread."""
    from core.training import iter_training
    from studio.training.runner import TrainingWorker
    from tests.studio.test_worker import _job

    clock = FakeClock()

    def ticking(model, x, y, **kw):
        for rec in iter_training(model, x, y, **kw):
            clock.t += 0.001
            yield rec

    job = _job(epochs=3, iter_training=ticking)
    job.grid = None
    worker = TrainingWorker(job, clock=clock, sleep=clock.sleep)
    worker.set_speed_limit(30.0)
    snaps, ends, wall = [], [], []
    worker.snapshot.connect(lambda s: (snaps.append(s), wall.append(clock.t - 1000.0), worker.acknowledge()))
    worker.finished.connect(ends.append)
    worker.run()
    assert ends == ["epochs"]
    steps = snaps[-1].step
    assert steps == 3 * snaps[-1].batches_per_epoch
    # every snapshot's elapsed time is the clock's time since the run started ...
    assert [s.elapsed_s for s in snaps] == pytest.approx(wall, abs=1e-9)
    # ... which at 30 steps/s is (steps - 1) / 30 for the spacing, plus 1 ms each for the last step and the
    # last epoch end (an epoch's end is no step: it does not wait for a slot of its own)
    assert snaps[-1].elapsed_s == pytest.approx((steps - 1) / 30 + 0.002, abs=1e-6)
    assert snaps[-1].steps_per_s == pytest.approx(30.0, rel=0.05)
    assert len(snaps) >= 3 and all(a.elapsed_s <= b.elapsed_s for a, b in zip(snaps, snaps[1:], strict=False))


def test_a_pause_superseded_by_step_is_not_relayed(qtbot) -> None:
    """A ``paused`` that reaches the GUI after the user pressed Step (it passes through the pictures
    thread) belongs to the old command and is dropped; the step's own pause comes through."""
    from studio.training.session import TrainingSession
    from tests.studio.test_worker import _job

    s = TrainingSession(_job(epochs=None), start_running=False)
    got: list[int] = []
    s.paused.connect(got.append)
    s.worker.play()
    s.worker.pause()
    command = s.worker.commands
    s.worker.step_epoch()  # Step pressed before the pause was relayed
    s._on_paused(4, command)  # the late pause
    assert got == []
    s._on_paused(5, s.worker.commands)  # the step's pause
    assert got == [5]
    s.shutdown(1000)


def _views_text(w) -> dict[str, str]:
    tc = w.training
    c = tc.controls
    return {"play": c.play_action.text(), "epoch": c.epoch_label.text(), "bar": c.progress.format(),
            "status": c.status_label.text(), "headline": tc.evaluation.headline.text(),
            "note": tc.evaluation.note.text(), "lock": w.document.lock_reason or ""}


def test_changing_the_data_mid_run_ends_the_run_and_every_view_agrees(qtbot, studio_window) -> None:
    w = studio_window
    tc = w.training
    doc = w.document
    assert tc.train_epochs(1)  # an evaluation exists: it must not outlive the run
    assert tc.evaluation.headline.text().startswith("Test after epoch 1:")
    tc.play_pause()
    qtbot.waitUntil(lambda: tc.session is not None and tc.session.snapshots >= 3 and tc.epoch >= 2,
                    timeout=10000)
    tc.flush_views()
    running = _views_text(w)
    assert tc.status.state is RunState.RUNNING
    assert running["play"] == "Pause" and running["status"] == "training…"
    assert running["note"].startswith("Training…") and "ETA" in running["bar"]
    assert running["lock"] == "Training is running — press Stop to change the network."

    session = tc.session
    # the project's data cannot be edited under the run (locked, like the network) ...
    assert not doc.set_data_spec(dict(doc.data, name="xor")) and tc.session is session
    # ... the Data tab changes the data set: the run ends when the new data arrive
    tc.data_panel.select_toy("xor")
    ws = w.workspace
    qtbot.waitUntil(lambda: ws.dataset is not None and ws.dataset.name == "xor", timeout=10000)
    qtbot.wait(500)  # late signals of the old session (snapshots, pause, evaluation) have arrived
    assert not session.thread.isRunning() and tc.session is None
    after = _views_text(w)
    assert tc.status.state is RunState.IDLE and tc.status.note == "Run ended: the data changed"
    assert after == {
        "play": "Play",
        "epoch": "Epoch 0 / 300",
        "bar": "0%",
        "status": "Run ended: the data changed",
        "headline": "Train the network to evaluate it on the test split",
        "note": "Run ended: the data changed",
        "lock": "",
    }
    assert tc.evaluation.cm is None and w.workspace.model is None and w.workspace.busy is None
    assert tc.model is not None and tc.epoch == 0  # fresh weights for the new data, ready for Play
    # Play starts the new run: every view says so
    tc.play_pause()
    qtbot.waitUntil(lambda: tc.session is not None and tc.session.snapshots >= 1, timeout=10000)
    assert _views_text(w)["status"] == "training…" and tc.controls.play_action.text() == "Pause"
    tc.stop()
    qtbot.wait(100)
    stopped = _views_text(w)
    assert stopped["play"] == "Play" and stopped["status"] == f"stopped at epoch {tc.epoch}"
    assert stopped["note"] == stopped["status"] and not stopped["lock"]


def test_a_new_window_says_nothing_about_a_run(qtbot, studio_window) -> None:
    tc = studio_window.training
    assert tc.status.state is RunState.IDLE and tc.status.note == ""
    assert tc.controls.status_label.text() == "" and tc.controls.play_action.text() == "Play"
    assert tc.evaluation.note.text() == "" and not studio_window.document.lock_reason


def test_step_right_after_pause_never_shows_the_stale_pause(qtbot, studio_window) -> None:
    """Pause then Step at once: the pause reported late (through the pictures thread) must not make the
    status say "paused" while the step runs; the only "paused at" is the step's own, one epoch on."""
    import threading

    from PySide6.QtCore import Qt

    tc = studio_window.training
    seen = []
    tc.run.state.state_changed.connect(seen.append)
    tc.play_pause()
    qtbot.waitUntil(lambda: tc.session is not None and tc.session.snapshots >= 2, timeout=10000)
    worker_paused = threading.Event()
    tc.session.worker.paused.connect(lambda *_: worker_paused.set(), Qt.ConnectionType.DirectConnection)
    tc.play_pause()  # Pause ...
    assert worker_paused.wait(5)  # the worker has paused; its signal waits in the queues (no event loop)
    tc.step_epoch()  # ... and Step before the pause was relayed
    assert tc.status.state is RunState.RUNNING and tc.status.stepping
    qtbot.waitUntil(lambda: tc.status.state is RunState.PAUSED and tc.status.note.startswith("paused at"),
                    timeout=10000)
    qtbot.wait(300)  # anything late has arrived by now
    after_step = seen[[s.stepping for s in seen].index(True):]
    assert [s.state for s in after_step] == [RunState.RUNNING, RunState.PAUSED]
    assert after_step[-1].note == f"paused at epoch {tc.session.worker.epoch}"
    assert tc.controls.play_action.text() == "Play" and tc.controls.status_label.text() == after_step[-1].note
    tc.stop()


def test_pace_reads_steady_when_sleeps_wake_up_late() -> None:
    """At 30 steps/s, with each paced sleep waking up 0-15 ms late (a busy machine) and the schedule
    catching up, the pace reads 30 steps/s within 2 % every time (0.25 s windows read 28.5-31.7)."""
    import random

    jitter = random.Random(1)
    clock = FakeClock()
    pace, rate = SpeedLimit(clock), RateMeter(clock)
    pace.set(30.0)
    readings = []
    for step in range(600):
        wait = pace.wait_s()
        if wait > 0:
            clock.sleep(wait + jitter.uniform(0.0, 0.015))
        clock.sleep(0.001)  # the step
        pace.took_step()
        rate.add()
        if step >= 70:  # two seconds in: the window is full
            readings.append(rate.rate())
    assert 29.4 < min(readings) and max(readings) < 30.6, (min(readings), max(readings))


def test_a_new_network_after_a_stopped_run_ends_it_and_reset_says_so(qtbot, studio_window) -> None:
    w = studio_window
    tc = w.training
    assert tc.train_epochs(2)
    tc.stop()
    assert tc.status.state is RunState.FINISHED and tc.status.note == f"stopped at epoch {tc.epoch}"
    assert tc.evaluation.headline.text().startswith("Test after epoch 2:")
    # Play continues the stopped run's weights (finished -> running), Stop ends it again
    tc.play_pause()
    assert tc.status.state is RunState.RUNNING and w.workspace.busy
    tc.stop()
    assert w.document.set_node_config("dense_1", "units", 3)
    for text in (tc.status.note, tc.controls.status_label.text(), tc.evaluation.note.text()):
        assert text == "Run ended: the network changed"
    assert tc.controls.play_action.text() == "Play" and tc.controls.epoch_label.text().startswith("Epoch 0")
    assert tc.evaluation.headline.text() == "Train the network to evaluate it on the test split"
    assert w.workspace.model is None and tc.model is not None and not tc.has_weights  # fresh, not kept
    tc.reset()
    assert tc.controls.status_label.text() == tc.evaluation.note.text() == "weights re-initialized"
