"""The picture process: lazy start, pictures equal to the in-process ones, clean shutdown with the
window, and a crash that pauses the pictures (saying so) while the run goes on."""

from __future__ import annotations

import os
import signal
import time

import numpy as np
import pytest

from core import probes
from core.layers import Dense
from core.model import Sequential
from studio.training.picture_process import PictureProcess


def _gone(pid: int) -> bool:
    """True when process ``pid`` no longer exists (or is a zombie nobody waits for)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


def _wait(predicate, timeout_s: float = 60.0) -> bool:
    """Poll ``predicate`` until it holds (the child imports NumPy: seconds on a loaded machine)."""
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()


@pytest.fixture
def relu_model():
    model = Sequential([Dense(6, activation="relu", input_dim=3), Dense(5, activation="tanh"),
                        Dense(3, activation="softmax")])
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    model.build(3, seed=1)
    model.layers[0].bias[:2] = -100.0  # two of six ReLU units never fire: dead fraction 1/3
    return model


def test_draws_the_same_pictures_as_the_engine_and_ends_cleanly(relu_model):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(50, 3)).astype(np.float32)
    grid = probes.make_grid_spec(x, axes=(0, 2), resolution=40)
    pp = PictureProcess()
    assert pp.state == "idle" and pp.pid is None  # nothing runs before the first pictures
    assert _wait(pp.ready), pp.note
    pid = pp.pid
    assert pid is not None and not _gone(pid)
    weights = probes.copy_weights(relu_model)
    pics = pp.draw(relu_model, weights, x[:20], grid, True, key=1)
    expected = probes.forward_all(relu_model, grid.points())[-1].reshape(40, 40, 3)
    np.testing.assert_allclose(pics.boundary, expected, rtol=1e-6, atol=1e-7)
    heat = probes.activation_images(relu_model, grid)
    assert sorted(pics.neurons) == sorted(heat) == [0, 1, 2]
    for i in heat:
        np.testing.assert_allclose(pics.neurons[i], heat[i], rtol=1e-6, atol=1e-7)
    assert pics.dead_relu == pytest.approx({relu_model.layers[0].name: 1 / 3})
    # new weights through the same shared memory: the pictures follow them
    relu_model.layers[2].kernel[...] = 0.0
    relu_model.layers[2].bias[...] = [0.0, 0.0, np.log(2.0)]
    pics = pp.draw(relu_model, probes.copy_weights(relu_model), None, grid, False, key=1)
    np.testing.assert_allclose(pics.boundary[..., 2], 0.5, rtol=1e-6)
    assert pics.neurons is None and pics.dead_relu == {}
    assert pp.drawn == 2
    blocks = [pp._weights.shm.name.lstrip("/"), pp._out.shm.name.lstrip("/")]
    assert all(os.path.exists(f"/dev/shm/{b}") for b in blocks)
    pp.close()
    assert pp.state == "idle" and pp.pid is None
    assert _wait(lambda: _gone(pid), 5.0)
    assert not any(os.path.exists(f"/dev/shm/{b}") for b in blocks)  # both blocks unlinked


def test_a_killed_process_pauses_the_pictures_and_a_restart_resumes_them(relu_model):
    x = np.zeros((4, 3), dtype=np.float32)
    grid = probes.make_grid_spec(np.eye(3, dtype=np.float32), resolution=20)
    pp = PictureProcess()
    try:
        assert _wait(pp.ready), pp.note
        weights = probes.copy_weights(relu_model)
        assert pp.draw(relu_model, weights, x, grid, False, key="a") is not None
        os.kill(pp.pid, signal.SIGKILL)
        assert pp.draw(relu_model, weights, x, grid, False, key="a") is None
        assert pp.state == "stopped"
        assert pp.note.startswith("Pictures paused: the picture process stopped")
        assert "exit code -9" in pp.note and "Training goes on" in pp.note
        pp.restart_if_stopped()
        assert pp.state == "idle" and pp.note is None
        assert _wait(pp.ready), pp.note
        pics = pp.draw(relu_model, weights, x, grid, False, key="a")
        assert pics is not None and pics.boundary.shape == (20, 20, 3)
    finally:
        pp.close()


def test_window_starts_it_lazily_survives_its_crash_and_ends_it_on_close(qtbot, studio_window):
    tc = studio_window.training
    pp = tc.run.picture_process
    assert pp.state == "idle" and pp.pid is None  # opening a window starts no process
    tc.play_pause()
    qtbot.waitUntil(lambda: pp.drawn >= 3, timeout=60000)  # pictures arrive from the child
    pid = pp.pid
    assert tc.boundary.image_array() is not None and not tc.boundary.paused_label.isVisible()
    os.kill(pid, signal.SIGKILL)
    qtbot.waitUntil(lambda: pp.state == "stopped", timeout=10000)
    step = tc.session.worker.step
    qtbot.waitUntil(lambda: tc.boundary.paused_label.isVisible(), timeout=10000)
    assert tc.boundary.paused_label.text().startswith("Pictures paused")
    qtbot.waitUntil(lambda: tc.session.worker.step > step + 30, timeout=20000)  # training goes on
    assert tc.is_training() and tc.last_error is None
    # Stop, then Play: a new session starts a new child and the pictures resume
    tc.stop()
    drawn = pp.drawn
    tc.play_pause()
    qtbot.waitUntil(lambda: pp.drawn > drawn + 2, timeout=60000)
    qtbot.waitUntil(lambda: not tc.boundary.paused_label.isVisible(), timeout=10000)
    new_pid = pp.pid
    assert new_pid is not None and new_pid != pid
    studio_window.close()
    assert pp.pid is None and pp.state == "idle"
    assert _wait(lambda: _gone(new_pid), 5.0)
