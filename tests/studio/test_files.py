"""Files: save -> open round trip, broken files, save-changes prompt, recent files, templates."""

from __future__ import annotations

import json

import pytest

from core.graph import DataInfo
from studio.templates import TEMPLATES
from tests.studio.conftest import wait_loaded


def test_save_then_open_round_trip(builder_window, tmp_path) -> None:
    doc = builder_window.document
    doc.append_layer("dropout")
    doc.set_node_config("dense_1", "units", 6)
    doc.set_training(("batch_size",), 8)
    doc.move_nodes({"dense_2": (333.0, 44.0)})
    path = tmp_path / "net.json"
    assert builder_window.save_to(str(path))
    assert not doc.modified and not builder_window.isWindowModified()
    assert builder_window.windowTitle().startswith("net.json")
    saved = json.loads(path.read_text())
    assert saved["format"] == "ffstudio-project"
    assert saved["network"]["layers"][1] == {"type": "dense", "units": 6, "activation": "tanh"}
    before_graph, before_training, before_data = doc.graph.copy(), dict(doc.training), dict(doc.data)

    builder_window.new_project("xor")
    assert doc.graph.chain() == ["input", "dense_1", "output"]
    assert builder_window.load_project_file(str(path))
    assert doc.graph == before_graph
    assert doc.training == before_training and doc.data == before_data
    assert doc.graph.nodes["dense_2"].pos == (333.0, 44.0)
    assert set(builder_window.canvas_scene.items_by_id) == set(before_graph.nodes)
    assert not doc.modified and doc.undo_stack.count() == 0


def test_save_is_atomic_and_leaves_no_temp_files(builder_window, tmp_path) -> None:
    path = tmp_path / "a.json"
    path.write_text("old")
    assert builder_window.save_to(str(path))
    assert json.loads(path.read_text())["version"] == 1
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "settings.ini") == ["a.json"]


def test_broken_file_shows_problems_and_keeps_the_current_project(builder_window, tmp_path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(
        json.dumps(
            {
                "format": "ffstudio-project",
                "version": 1,
                "network": {"layers": [{"type": "input"}, {"type": "dense", "units": -3}]},
                "data": {"source": "toy", "name": "circle"},
                "training": {"colour": 1},
            }
        )
    )
    doc = builder_window.document
    doc.set_node_config("dense_1", "units", 9)
    before = doc.state()
    assert not builder_window.load_project_file(str(bad))
    assert doc.state() == before and doc.modified
    text = builder_window.canvas.message_text()
    assert "network.layers[1].units" in text and "training" in text
    builder_window._last_error_box.close()
    (tmp_path / "junk.json").write_text("{not json")
    assert not builder_window.load_project_file(str(tmp_path / "junk.json"))
    assert doc.state() == before


def test_save_changes_prompt_on_new_open_close(builder_window, tmp_path) -> None:
    doc = builder_window.document
    doc.set_node_config("dense_1", "units", 9)
    asked: list[str] = []

    def answer(reply: str):
        def ask() -> str:
            asked.append(reply)
            return reply

        return ask

    builder_window.ask_save_changes = answer("cancel")
    assert not builder_window.new_project("xor")
    assert doc.graph.nodes["dense_1"].config["units"] == 9
    builder_window.ask_open_path = lambda: pytest.fail("must not ask for a file after Cancel")
    assert not builder_window.open_project()
    target = tmp_path / "saved.json"
    builder_window.ask_save_changes = answer("save")
    builder_window.ask_save_path = lambda: str(target)
    assert builder_window.new_project("xor")
    assert target.exists() and json.loads(target.read_text())["network"]["layers"][1]["units"] == 9
    doc.set_node_config("dense_1", "units", 2)
    builder_window.ask_save_changes = answer("discard")
    assert builder_window.new_project(None)
    assert doc.graph.nodes == {}
    assert asked == ["cancel", "cancel", "save", "discard"]
    assert not doc.modified


def test_close_asks_when_modified(builder_window) -> None:
    builder_window.document.set_node_config("dense_1", "units", 9)
    builder_window.ask_save_changes = lambda: "cancel"
    assert not builder_window.close()
    assert builder_window.isVisible()
    builder_window.ask_save_changes = lambda: "discard"
    closing = []
    builder_window.project_closing.connect(lambda: closing.append(1))
    assert builder_window.close()
    assert closing == [1]


def test_recent_files(builder_window, tmp_path) -> None:
    for name in ("one.json", "two.json"):
        assert builder_window.save_to(str(tmp_path / name))
    recent = builder_window.recent_files()
    assert recent[:2] == [str((tmp_path / "two.json").resolve()), str((tmp_path / "one.json").resolve())]
    labels = [a.text() for a in builder_window.recent_menu.actions()]
    assert labels[0].endswith("two.json")
    builder_window.document.set_node_config("dense_1", "units", 3)
    builder_window.ask_save_changes = lambda: "discard"
    builder_window.recent_menu.actions()[1].trigger()
    assert builder_window.document.path == str(
        (tmp_path / "one.json").resolve()
    ) or builder_window.document.path.endswith("one.json")


@pytest.mark.parametrize("key", list(TEMPLATES))
def test_templates_are_valid_networks(key: str) -> None:
    from core.project import Project

    tpl = TEMPLATES[key]
    graph = tpl.graph()
    info = {"mnist": DataInfo(784, 10, "multiclass", 10)}.get(key, DataInfo(2, 1, "binary", 2))
    problems = graph.validate(info, tpl.training.get("loss", "auto"))
    assert problems == []  # not even a warning badge on a fresh template
    doc = {
        "format": "ffstudio-project",
        "version": 1,
        "network": {"layers": graph.to_network()},
        "data": tpl.data,
        "training": tpl.training,
        "layout": graph.layout(),
    }
    Project.from_dict(doc, ".")


def test_template_menu_loads_each_toy_template(qtbot, builder_window) -> None:
    ws = builder_window.workspace
    for key, act in builder_window.template_actions.items():
        if key == "mnist":
            continue
        act.trigger()
        assert builder_window.document.graph.to_network() == TEMPLATES[key].layers
        wait_loaded(qtbot, builder_window)
        assert ws.dataset is not None and ws.dataset.name == TEMPLATES[key].data["name"]
        assert [p for p in builder_window.validation.problems if p.severity == "error"] == []


def test_full_window_with_training_side_round_trip(qtbot, studio_window, tmp_path) -> None:
    """The builder flows still work with the training and export sides listening to every signal."""
    w = studio_window
    assert w.side_tabs.count() >= 4  # Properties, Network, Analysis + the data tab
    w.append_layer("dropout")
    path = tmp_path / "full.json"
    assert w.save_to(str(path))
    before = w.document.graph.copy()
    assert w.new_project("spiral")
    wait_loaded(qtbot, w)
    assert w.workspace.dataset is not None and w.workspace.dataset.name == "spiral"
    assert w.load_project_file(str(path))
    assert w.document.graph == before
    assert [p for p in w.validation.problems if p.severity == "error"] == []


def test_missing_recent_file_is_dropped(builder_window, tmp_path) -> None:
    path = tmp_path / "gone.json"
    assert builder_window.save_to(str(path))
    path.unlink()
    builder_window.recent_menu.actions()[0].trigger()
    assert builder_window.recent_files() == []
    assert "no longer exists" in builder_window.canvas.message_text()


def test_window_layout_is_remembered(builder_window, studio_settings) -> None:
    builder_window.inspector_dock.hide()
    builder_window.save_layout()
    from studio.main_window import MainWindow

    other = MainWindow(settings=studio_settings)
    other.ask_save_changes = lambda: "discard"
    assert other.restore_layout()
    assert other.inspector_dock.isHidden()
    other.deleteLater()


def test_new_project_clears_messages_of_the_old_one(builder_window) -> None:
    builder_window.canvas.show_message("old problem", "error")
    assert builder_window.new_project("xor")
    assert builder_window.canvas.message_text() == ""


def test_csv_picked_in_the_data_tab_is_saved_relative_to_the_project(qtbot, studio_window, tmp_path) -> None:
    """The Data tab holds the absolute path a file dialog gives; the saved file stores it relative."""
    import shutil
    from pathlib import Path

    csv = tmp_path / "data" / "penguins.csv"
    csv.parent.mkdir()
    shutil.copy(Path(__file__).resolve().parents[2] / "assets" / "examples" / "penguins_synthetic.csv", csv)
    w = studio_window
    with qtbot.waitSignal(w.workspace.dataset_changed, timeout=20000):
        w.workspace.load_data({"source": "csv", "path": str(csv), "target": "species", "missing": "impute"})
    assert w.document.data["path"] == str(csv)
    (tmp_path / "proj").mkdir()
    assert w.save_to(str(tmp_path / "proj" / "p.json"))
    saved = json.loads((tmp_path / "proj" / "p.json").read_text())
    assert saved["data"]["path"] == "../data/penguins.csv"
    assert w.load_project_file(str(tmp_path / "proj" / "p.json"))
    ws = w.workspace
    qtbot.waitUntil(lambda: ws.dataset is not None and ws.dataset.source == "csv", timeout=20000)
    assert w.workspace.dataset.num_classes == 3
