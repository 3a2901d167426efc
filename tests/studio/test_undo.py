"""Undo/redo round trips restore the exact graph after every kind of edit."""

from __future__ import annotations

from studio.document import Document


def test_every_edit_kind_undoes_and_redoes_exactly(builder_window) -> None:
    doc = builder_window.document
    states = [doc.state()]

    def step(ok) -> None:
        assert ok is not None and ok is not False
        states.append(doc.state())

    step(doc.add_node("dense", (100.0, 400.0)))  # add
    step(doc.move_nodes({"dense_3": (140.0, 420.0)}))  # move
    step(doc.delete([], [("dense_2", "output")]))  # delete link
    step(doc.connect_nodes("dense_2", "dense_3"))  # connect
    step(doc.connect_nodes("dense_3", "output"))
    step(doc.insert_layer("dropout", "dense_1", "dense_2", (50.0, 0.0)))  # insert
    step(doc.set_node_config("dense_1", "units", 6))  # property
    step(doc.set_node_config("dropout_1", "rate", 0.3))
    step(doc.set_training(("batch_size",), 64))  # network setting
    step(doc.delete(["dense_2"]))  # delete layer (bridged)
    step(doc.paste(doc.graph.subgraph(["dense_1"])))  # paste
    step(doc.auto_arrange())
    assert doc.undo_stack.count() == len(states) - 1
    for i in range(len(states) - 1, 0, -1):
        assert doc.state() == states[i]
        doc.undo_stack.undo()
    assert doc.state() == states[0]
    for i in range(1, len(states)):
        doc.undo_stack.redo()
        assert doc.state() == states[i]


def test_canvas_follows_undo(builder_window) -> None:
    doc, scene = builder_window.document, builder_window.canvas_scene
    doc.append_layer("dense")
    assert "dense_3" in scene.items_by_id and ("dense_3", "output") in scene.links
    doc.undo_stack.undo()
    assert "dense_3" not in scene.items_by_id and ("dense_2", "output") in scene.links
    doc.undo_stack.redo()
    assert "dense_3" in scene.items_by_id


def test_typing_into_one_property_merges_into_one_command(qtbot) -> None:
    doc = Document()
    doc.add_node("dense", (0.0, 0.0))
    for units in (1, 12, 128):
        doc.set_node_config("dense_1", "units", units)
    assert doc.undo_stack.count() == 2
    doc.undo_stack.undo()
    assert doc.graph.nodes["dense_1"].config["units"] == 8


def test_refused_edit_pushes_nothing(qtbot) -> None:
    doc = Document()
    a = doc.add_node("dense", (0.0, 0.0))
    b = doc.add_node("dense", (0.0, 0.0))
    doc.connect_nodes(a, b)
    with qtbot.waitSignal(doc.edit_refused, timeout=1000) as blocker:
        assert not doc.connect_nodes(b, a)
    assert "cycle" in blocker.args[0]
    assert doc.undo_stack.count() == 3


def test_modified_flag_and_title_asterisk(builder_window) -> None:
    doc = builder_window.document
    assert not doc.modified and not builder_window.isWindowModified()
    doc.set_node_config("dense_1", "units", 5)
    assert doc.modified and builder_window.isWindowModified()
    assert builder_window.windowTitle().startswith("Untitled[*]")
    doc.undo_stack.undo()
    assert not builder_window.isWindowModified()


def test_undo_redo_shortcuts(builder_window) -> None:
    undo = {s.toString() for s in builder_window.act_undo.shortcuts()}
    redo = {s.toString() for s in builder_window.act_redo.shortcuts()}
    assert "Ctrl+Z" in undo and "Ctrl+Shift+Z" in redo
    assert builder_window.act_save.shortcut().toString() == "Ctrl+S"
    assert builder_window.act_open.shortcut().toString() == "Ctrl+O"
