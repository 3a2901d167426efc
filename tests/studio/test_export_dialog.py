"""Export dialog and File-menu actions: format chooser, background export, import, predict."""

from __future__ import annotations

import html
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from PySide6.QtCore import QThread  # noqa: E402
from PySide6.QtWidgets import QApplication, QMainWindow, QMessageBox  # noqa: E402

from core.export import FORMATS, save_weights_npz  # noqa: E402
from core.installation import extra_hint  # noqa: E402
from studio.export_actions import NO_WEIGHTS_TIP, ExportActions  # noqa: E402
from studio.export_dialog import ExportDialog  # noqa: E402
from studio.workspace import Workspace  # noqa: E402

PRE = {"task": "multiclass", "feature_names": ["x1", "x2"], "class_names": ["a", "b", "c"],
       "columns": [{"name": "x1", "kind": "numeric"}, {"name": "x2", "kind": "numeric"}]}


def _model(seed: int = 0, units: int = 3):
    from core.layers import Dense, Normalization
    from core.model import Sequential

    model = Sequential([Normalization(np.array([1, -1], np.float32), np.array([4, 2], np.float32)),
                        Dense(6, activation="tanh"), Dense(units, activation="softmax")])
    model.build(2, seed=seed)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    return model


def test_dialog_lists_formats_with_explanations(qtbot, tmp_path: Path) -> None:
    dialog = ExportDialog(_model(), PRE, {}, str(tmp_path), "spiral")
    qtbot.addWidget(dialog)
    assert set(dialog.buttons) == set(FORMATS)
    assert dialog.current_format() == "npz"
    assert dialog.path_edit.text() == str(tmp_path / "spiral.npz")
    dialog.set_format("onnx")
    assert dialog.path_edit.text() == str(tmp_path / "spiral.onnx")
    dialog.set_format("pytorch")
    assert dialog.path_edit.text() == str(tmp_path / "spiral_model.py")
    texts = [w.text() for w in dialog.findChildren(type(dialog.status))]
    assert any("no pickle" in t for t in texts)


def _note(dialog: ExportDialog, key: str) -> str:
    """The description under format ``key``'s button (the label after it in the dialog's layout)."""
    layout = dialog.layout()
    index = next(i for i in range(layout.count()) if layout.itemAt(i).widget() is dialog.buttons[key])
    return layout.itemAt(index + 1).widget().text()


def test_format_notes_say_whether_the_package_is_installed(qtbot, tmp_path: Path, monkeypatch) -> None:
    """An installed safetensors is "installed" (no install command); a missing one disables the format and
    names the command that installs it for this installation."""
    import importlib.machinery
    import sys
    import types

    present = types.ModuleType("safetensors")
    present.__spec__ = importlib.machinery.ModuleSpec("safetensors", None)
    monkeypatch.setitem(sys.modules, "safetensors", present)  # importable, whatever this machine has
    dialog = ExportDialog(_model(), PRE, {}, str(tmp_path), "net")
    qtbot.addWidget(dialog)
    note = _note(dialog, "safetensors")
    assert dialog.buttons["safetensors"].isEnabled() and "uses safetensors" in note and "installed" in note
    assert "needs" not in note and html.escape(extra_hint("export")) not in note

    monkeypatch.setitem(sys.modules, "safetensors", None)  # what an uninstalled package does to `import`
    dialog = ExportDialog(_model(), PRE, {}, str(tmp_path), "net")
    qtbot.addWidget(dialog)
    note = _note(dialog, "safetensors")
    # the install command for this installation is named (escaped: the label is rich text)
    assert f"needs safetensors, not installed: {html.escape(extra_hint('export'))}" in note
    button = dialog.buttons["safetensors"]
    assert not button.isEnabled() and button.toolTip().startswith("Not installed: safetensors. Install with:")
    assert dialog.buttons["npz"].isEnabled() and dialog.current_format() == "npz"


@pytest.mark.parametrize("fmt", ["npz", "onnx", "onnx_raw", "pytorch"])
def test_export_runs_in_background_and_reports_path(qtbot, tmp_path: Path, fmt: str) -> None:
    if FORMATS[fmt].missing():
        pytest.skip(f"{fmt} needs {FORMATS[fmt].missing()}")
    model = _model()
    dialog = ExportDialog(model, PRE, {"batch_size": 8}, str(tmp_path), "net")
    qtbot.addWidget(dialog)
    dialog.set_format(fmt)
    threads: list[bool] = []
    gui_thread = QApplication.instance().thread()
    dialog.exported.connect(lambda _p: threads.append(QThread.currentThread() == gui_thread))
    with qtbot.waitSignal(dialog.exported, timeout=20000) as blocker:
        dialog.start_export()
    paths = blocker.args[0]
    assert threads == [True]
    assert all(Path(p).is_file() for p in paths)
    assert paths[0] in dialog.status.text()
    if fmt == "onnx_raw":
        import onnxruntime as ort

        session = ort.InferenceSession(paths[0], providers=["CPUExecutionProvider"])
        assert [i.name for i in session.get_inputs()] == ["x1", "x2"]
        x = np.random.default_rng(0).normal(size=(10, 2)).astype(np.float32)
        probs, labels = session.run(None, {"x1": x[:, :1], "x2": x[:, 1:]})
        np.testing.assert_allclose(probs, model.predict(x), atol=1e-5)
        assert list(labels) == [["a", "b", "c"][i] for i in np.argmax(model.predict(x), axis=1)]
    if fmt == "npz":
        other = _model(seed=5)
        from core.export import load_weights_npz

        load_weights_npz(other, paths[0])
        x = np.random.default_rng(0).normal(size=(10, 2)).astype(np.float32)
        np.testing.assert_array_equal(other.predict(x), model.predict(x))


def test_export_failure_is_reported(qtbot, tmp_path: Path, monkeypatch) -> None:
    warnings: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a: warnings.append(a[2]))
    dialog = ExportDialog(_model(), PRE, {}, str(tmp_path), "net")
    qtbot.addWidget(dialog)
    dialog.path_edit.setText(str(tmp_path / "missing_dir" / "w.npz"))
    with qtbot.waitSignal(dialog.failed, timeout=10000) as blocker:
        dialog.start_export()
    assert "does not exist" in blocker.args[0] and warnings == [blocker.args[0]]  # checked before running
    assert "Export failed" in dialog.status.text()
    assert dialog.export_button.isEnabled()


def _workspace(tmp_path: Path, model=None) -> Workspace:
    """A workspace holding a 3-class data set with features x1, x2 (classes a, b, c) and ``model``."""
    from core.project import dataset_from_spec

    rng = np.random.default_rng(0)
    rows = "\n".join(f"{rng.normal():.3f},{rng.normal():.3f},{'abc'[i % 3]}" for i in range(60))
    (tmp_path / "train.csv").write_text("x1,x2,label\n" + rows + "\n")
    ws = Workspace()
    ws.set_dataset(dataset_from_spec({"source": "csv", "path": "train.csv", "target": "label"}, tmp_path))
    if model is not None:
        ws.set_model(model, unsaved=False)
    return ws


def test_menu_actions_follow_the_workspace_model_and_busy_reason(qtbot, tmp_path: Path) -> None:
    window = QMainWindow()
    qtbot.addWidget(window)
    menu = window.menuBar().addMenu("&File")
    ws = Workspace()
    actions = ExportActions(ws, window, menu)
    assert [a.text() for a in menu.actions()] == ["&Export…", "&Import weights…", "&Predict on CSV…"]
    assert not actions.export_action.isEnabled()
    assert actions.export_action.toolTip() == NO_WEIGHTS_TIP
    assert not actions.predict_action.isEnabled() and not actions.import_action.isEnabled()
    ws.set_model(_model())  # the actions observe the workspace: no refresh() call
    assert actions.export_action.isEnabled() and actions.predict_action.isEnabled()
    ws.set_busy("Pause or stop training first.")
    assert not actions.export_action.isEnabled() and not actions.import_action.isEnabled()
    assert actions.export_action.toolTip() == "Pause or stop training first."
    ws.set_busy(None)
    ws.set_model(None)
    assert not actions.export_action.isEnabled()


def test_import_weights_action_all_or_nothing(qtbot, tmp_path: Path, monkeypatch) -> None:
    window = QMainWindow()
    qtbot.addWidget(window)
    trained = _model(seed=1)
    good = save_weights_npz(trained, tmp_path / "good.npz")
    bad = save_weights_npz(_model(seed=2, units=4), tmp_path / "bad.npz")
    target = _model(seed=3)
    ws = _workspace(tmp_path, target)
    actions = ExportActions(ws, window, window.menuBar().addMenu("File"))
    warnings: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a: warnings.append(a[2]))
    before = [w.copy() for w in target.get_weights()]
    assert not actions.import_weights(bad)
    assert "layer 2 kernel: file has (6, 4), network needs (6, 3)" in warnings[0]
    for a, b in zip(before, target.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    assert not ws.weights_unsaved
    with qtbot.waitSignal(ws.weights_edited, timeout=5000):
        assert actions.import_weights(good)
    assert ws.model is target and ws.weights_unsaved
    x = np.random.default_rng(0).normal(size=(10, 2)).astype(np.float32)
    np.testing.assert_array_equal(target.predict(x), trained.predict(x))


def test_predict_action_writes_csv(qtbot, tmp_path: Path) -> None:
    window = QMainWindow()
    qtbot.addWidget(window)
    model = _model()
    actions = ExportActions(_workspace(tmp_path, model), window)
    src = tmp_path / "new.csv"
    src.write_text("x1,x2\n0.5,1\n-2,3\n")
    on_gui: list[bool] = []
    gui_thread = QApplication.instance().thread()
    actions.predictions_written.connect(lambda _p: on_gui.append(QThread.currentThread() == gui_thread))
    with qtbot.waitSignal(actions.predictions_written, timeout=10000) as blocker:
        assert actions.predict_csv(str(src), str(tmp_path / "out.csv"))
    assert on_gui == [True]
    out = pd.read_csv(blocker.args[0])
    assert list(out.columns) == ["x1", "x2", "prob_a", "prob_b", "prob_c", "predicted"]
    np.testing.assert_allclose(out[["prob_a", "prob_b", "prob_c"]].to_numpy(),
                               model.predict(np.array([[0.5, 1], [-2, 3]], np.float32)), atol=1e-6)


def test_predict_action_reports_rows_it_could_not_predict(qtbot, tmp_path: Path) -> None:
    window = QMainWindow()
    qtbot.addWidget(window)
    actions = ExportActions(_workspace(tmp_path, _model()), window)
    src = tmp_path / "gaps.csv"
    src.write_text("x1,x2\n0.5,1\n,3\n-2,3\n")  # line 3 lacks x1
    messages: list[str] = []
    actions.message.connect(messages.append)
    with qtbot.waitSignal(actions.predictions_written, timeout=10000):
        assert actions.predict_csv(str(src), str(tmp_path / "out.csv"))
    assert messages and messages[-1].startswith("Wrote 3 rows (2 predicted) to ")
    assert "1 row with missing values not predicted (line 3" in messages[-1]
    out = pd.read_csv(tmp_path / "out.csv")
    assert out["predicted"].isna().tolist() == [False, True, False]


def test_main_window_menu_and_opening_a_trained_project(qtbot, tmp_path: Path) -> None:
    from PySide6.QtCore import QSettings

    from studio.main_window import MainWindow
    from tests.core.test_predict import _saved_project
    from tests.studio.conftest import wait_loaded

    window = MainWindow(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(window)
    window.ask_save_changes = lambda: "discard"
    texts = [a.text() for a in window.file_menu.actions()]
    assert texts.index("&Export…") < texts.index("&Import weights…") < texts.index("&Predict on CSV…")
    actions = window.export_actions
    assert not actions.export_action.isEnabled() and actions.export_action.toolTip() == NO_WEIGHTS_TIP
    path, model, dataset = _saved_project(tmp_path)
    assert window.load_project_file(str(path))
    wait_loaded(qtbot, window)
    ws = window.workspace
    assert ws.model is not None and not ws.weights_unsaved
    x = np.concatenate([dataset.x_train, dataset.x_test])
    np.testing.assert_array_equal(ws.model.predict(x), model.predict(x))
    assert actions.export_action.isEnabled()
    dialog = actions.open_export_dialog()
    qtbot.addWidget(dialog)
    assert dialog.path_edit.text() == str(tmp_path / "proj_export.npz")  # proj.npz: the project's weights
    ws.set_busy("Pause or stop training first.")
    assert not actions.export_action.isEnabled() and not actions.import_action.isEnabled()
    ws.set_busy(None)


def test_saving_writes_unsaved_weights_beside_the_project(qtbot, tmp_path: Path) -> None:
    from core.export import load_weights_npz
    from core.project import load_project

    ws = _workspace(tmp_path)
    ws.document.append_layer("input")
    ws.document.append_layer("output")
    ws.set_model(ws.build_model())
    assert ws.weights_unsaved
    ws.save(str(tmp_path / "p.json"))
    assert load_project(tmp_path / "p.json").weights == "p.npz" and not ws.weights_unsaved
    other = ws.build_model()
    load_weights_npz(other, tmp_path / "p.npz")
    x = np.random.default_rng(0).normal(size=(10, 2)).astype(np.float32)
    np.testing.assert_array_equal(other.predict(x), ws.model.predict(x))
    ws.set_busy("running")
    ws.mark_weights_unsaved()
    ws.save(str(tmp_path / "q.json"))  # the weights of a running model are not written
    assert not (tmp_path / "q.npz").exists() and ws.weights_unsaved
