"""The Record toggle: a run in the app saved as an animated GIF (painted and written off the GUI thread)."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from PIL import Image

from core.project import Project
from core.record_settings import frame_interval, record_problems, record_settings
from studio.dialog_folder import user_folder
from studio.training.state import RunState
from tests.studio.test_record import gif_frames


def test_record_settings_live_in_the_project_and_are_checked() -> None:
    assert record_settings({}) == record_settings({"record": {}})
    s = record_settings({"record": {"every": 5, "fps": 4, "size": [640, 360]}})
    assert (s.every, s.fps, s.size) == (5, 4.0, (640, 360))
    assert frame_interval(None, 300) == 5 and frame_interval(None, None) == 1 and frame_interval(3, 300) == 3
    problems = dict(record_problems({"every": 0, "fps": 60, "size": [100, 100], "speed": 1}))
    assert set(problems) == {"training.record.every", "training.record.fps", "training.record.size",
                             "training.record.speed"}
    doc = {"format": "ffstudio-project", "version": 1, "network": {"layers": [{"type": "input"},
                                                                              {"type": "output"}]},
           "data": {"source": "toy", "name": "xor"}, "training": {"record": {"fps": 0}}}
    with pytest.raises(Exception, match=r"training\.record\.fps"):
        Project.from_dict(doc)


def test_toggling_record_during_a_run_saves_a_gif(qtbot, studio_window, tmp_path) -> None:
    w = studio_window
    rec, tc, doc = w.recorder, w.training, w.document
    assert rec.button.defaultAction() is rec.action and rec.action in w.training_menu.actions()
    assert rec.button.isVisible() and rec.button.menu() is rec.menu
    assert doc.set_training(("epochs",), 40)
    assert rec.set_setting("every", 2) and doc.training["record"] == {"every": 2}
    rec.folder = str(tmp_path)
    rec.action.setChecked(True)  # armed: the take starts with the run
    assert not rec.recording and str(tmp_path) in w.statusBar().currentMessage()
    tc.play_pause()
    assert rec.recording and rec.take.path.startswith(str(tmp_path))
    assert "Recording to" in w.statusBar().currentMessage()
    with qtbot.waitSignal(rec.saved, timeout=60000) as saved:
        pass  # the run ends at its 40 epochs, the take with it; the GIF is written in the background
    path = saved.args[0]
    # the run was not held up: it trained its whole budget while being recorded, and the frames were
    # painted and encoded in the background task's thread, not the GUI thread
    assert tc.status.state is RunState.FINISHED and tc.epoch == 40
    assert rec.writer_thread and rec.writer_thread != threading.main_thread().name
    assert path in w.statusBar().currentMessage()
    frames = gif_frames(path)
    assert len(frames) >= 10
    with Image.open(path) as im:
        assert im.size == (800, 420) and im.is_animated and im.info.get("loop") == 0
    changed = [np.abs(a - b).mean() > 0.05 for a, b in zip(frames, frames[1:], strict=False)]
    assert sum(changed) >= 0.8 * len(changed)
    # the last frame's boundary is what the app shows at the end of the run
    from studio.recording import FrameData, image_rgb

    take_renderer = rec.last_take.renderer
    box = take_renderer.boundary_rect()
    rows = slice(int(box.top()) + 2, int(box.bottom()) - 2)
    cols = slice(int(box.left()) + 2, int(box.right()) - 2)
    final = take_renderer.render(FrameData(tc.boundary.last_output, tc.boundary.grid.extent, [], [], 40, 40))
    assert np.abs(frames[-1][rows, cols] - image_rgb(final).astype(np.int16)[rows, cols]).mean() < 2.0


def test_turning_record_off_mid_run_saves_what_was_recorded(qtbot, studio_window, tmp_path) -> None:
    w = studio_window
    rec, tc = w.recorder, w.training
    rec.folder = str(tmp_path)
    assert rec.set_setting("every", 1)
    assert tc.train_epochs(2)  # paused at epoch 2: Record starts a take at once
    rec.action.setChecked(True)
    assert rec.recording and rec.take.frames[0].epoch == 2
    assert tc.train_epochs(6)
    with qtbot.waitSignal(rec.saved, timeout=30000) as saved:
        rec.action.setChecked(False)
    assert not rec.recording and tc.status.state is RunState.PAUSED  # the run goes on
    frames = gif_frames(saved.args[0])
    assert 5 <= len(frames) <= 7  # epochs 2..8
    assert rec.last_take.frames[-1].epoch == 8


def test_reset_ends_the_take_with_the_last_trained_epoch(qtbot, studio_window, tmp_path) -> None:
    w = studio_window
    rec, tc = w.recorder, w.training
    rec.folder = str(tmp_path)
    assert rec.set_setting("every", 4)
    rec.action.setChecked(True)
    assert tc.train_epochs(10)
    with qtbot.waitSignal(rec.saved, timeout=30000) as saved:
        tc.reset()  # the run is gone (state idle): its take is written, ending at epoch 10
    assert [f.epoch for f in rec.last_take.frames][-1] == 10 and rec.last_take.frames[0].epoch == 0
    assert len(rec.last_take.frames[-1].loss) == 10  # the curves hold every epoch of the run
    assert len(gif_frames(saved.args[0])) == len(rec.last_take.frames)
    assert rec.action.isChecked() and not rec.recording  # still on: the next run is recorded too
    # closing the project writes the take too, and quitting waits until the file is there
    assert tc.train_epochs(4)
    assert rec.recording
    before = set(tmp_path.iterdir())
    w.project_closing.emit()
    assert not rec.recording and rec.wait_written(60)
    assert len(set(tmp_path.iterdir()) - before) == 1


def test_record_needs_an_input_plane(qtbot, studio_window) -> None:
    w = studio_window
    w.training.views.has_plane = lambda _ds: False  # images (MNIST) have no plane
    w.training.play_pause()
    w.recorder.action.setChecked(True)
    assert not w.recorder.recording and not w.recorder.action.isChecked()
    assert "input plane" in w.statusBar().currentMessage()


def test_cli_record_takes_the_projects_record_settings(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    import json

    from studio.cli import main

    doc = json.loads(open("assets/examples/xor.json", encoding="utf-8").read())
    doc["training"]["record"] = {"every": 10, "fps": 5, "size": [400, 300]}
    project = tmp_path / "xor.json"
    project.write_text(json.dumps(doc), encoding="utf-8")
    out = tmp_path / "xor.gif"
    assert main(["record", str(project), "-o", str(out), "--epochs", "20"]) == 0
    with Image.open(out) as im:
        assert im.size == (400, 300) and im.n_frames == 3 and im.info["duration"] == 200  # epochs 0, 10, 20
    args = ["record", str(project), "-o", str(out), "--epochs", "20"]
    assert main([*args, "--every", "5", "--fps", "10"]) == 0
    with Image.open(out) as im:  # the options override the project
        assert im.size == (400, 300) and im.n_frames == 5 and im.info["duration"] == 100
    capsys.readouterr()


def test_screenshot_record_writes_the_gif_beside_the_picture(qtbot, tmp_path, capsys) -> None:
    from studio.cli import main

    out = tmp_path / "rec.png"
    assert main(["screenshot", "assets/examples/xor.json", "-o", str(out), "--train-epochs", "12", "--record",
                 "--size", "1280x800"]) == 0
    capsys.readouterr()
    assert out.is_file()
    frames = gif_frames(tmp_path / "rec.gif")  # at Max speed the 12 epochs may fit in a few snapshots:
    assert len(frames) >= 2 and frames[0].shape == (420, 800, 3)  # at least the start and the end
    assert np.abs(frames[0] - frames[-1]).mean() > 0.5
    assert main(["screenshot", "assets/examples/xor.json", "-o", str(out), "--record"]) == 2
    assert "--train-epochs" in capsys.readouterr().err


def test_a_recording_that_cannot_be_written_says_so_in_one_line(qtbot, studio_window, tmp_path) -> None:
    w = studio_window
    rec, tc = w.recorder, w.training
    rec.folder = str(tmp_path / "gone")  # removed after it was chosen
    assert rec.set_setting("every", 1)
    rec.action.setChecked(True)
    assert tc.train_epochs(3)
    with qtbot.waitSignal(rec.failed, timeout=30000) as failed:
        rec.action.setChecked(False)
    message = failed.args[0]
    assert "cannot write GIF" in message and "does not exist" in message and "\n" not in message
    assert w.statusBar().currentMessage() == f"Recording not saved: {message}"
    assert not list(tmp_path.iterdir())


def test_the_record_menu_edits_the_project_undoably(qtbot, studio_window) -> None:
    w = studio_window
    rec, doc = w.recorder, w.document
    rec._every_actions[5].trigger()
    rec._fps_actions[25.0].trigger()
    assert doc.training["record"] == {"every": 5, "fps": 25.0} and w.workspace.document.modified
    rec.menu.aboutToShow.emit()
    assert rec._every_actions[5].isChecked() and rec._fps_actions[25.0].isChecked()
    assert not rec._every_actions[None].isChecked()
    doc.undo_stack.undo()
    doc.undo_stack.undo()
    assert not doc.training.get("record")
    rec._every_actions[2].trigger()
    rec._every_actions[None].trigger()  # Auto removes the key (and the record object with its last key)
    assert "record" not in doc.training
    w.training.play_pause()  # a running run locks structural edits; the record keys stay editable
    qtbot.waitUntil(lambda: bool(doc.lock_reason), timeout=5000)
    assert rec.set_setting("fps", 5.0) and doc.training["record"]["fps"] == 5.0
    assert rec.set_setting("fps", None) and "record" not in doc.training


def test_the_recordings_folder_is_remembered(qtbot, studio_settings, tmp_path) -> None:
    from tests.studio.conftest import _make_window

    studio_settings.setValue("record_folder", str(tmp_path))
    w = _make_window(qtbot, studio_settings)
    assert w.recorder.output_folder() == str(tmp_path)
    assert w.recorder.next_path().startswith(str(tmp_path / "run-"))
    studio_settings.setValue("record_folder", str(tmp_path / "gone"))  # a folder since removed: the default
    w2 = _make_window(qtbot, studio_settings)
    assert w2.recorder.folder is None and w2.document.path is None
    assert w2.recorder.output_folder() == str(user_folder())  # unsaved: Documents, not the working folder


def test_record_is_off_in_every_new_window(qtbot, studio_settings) -> None:
    """Record writes files: it is off until turned on (the button not pressed), a run while it is off
    records nothing, and turning it on is not carried over into the next window."""
    from tests.studio.conftest import _make_window

    w = _make_window(qtbot, studio_settings)
    rec = w.recorder
    assert not rec.action.isChecked() and not rec.button.isChecked() and not rec.recording
    assert rec.button.text() == "Record" and rec.button.isVisible()
    w.training.step_epoch()  # one epoch, then paused
    qtbot.waitUntil(lambda: w.training.epoch == 1 and w.training.status.state is not RunState.RUNNING,
                    timeout=20000)
    assert not rec.recording and rec.last_take is None
    rec.action.setChecked(True)
    assert rec.button.isChecked()
    w2 = _make_window(qtbot, studio_settings)
    assert not w2.recorder.action.isChecked() and not w2.recorder.button.isChecked()
