"""Analysis panel: live problems for invalid graphs, the layer table, clicking selects the layer."""

from __future__ import annotations

from PySide6.QtCore import Qt


def problems(window) -> list[tuple[str, str]]:
    return window.validation.problem_rows()


def test_valid_network_table_and_total(builder_window) -> None:
    panel = builder_window.validation
    assert problems(builder_window) == []
    assert "Ready to train" in panel.status.text()
    table = panel.table
    rows = [[table.item(r, c).text() for c in range(4)] for r in range(table.rowCount())]
    assert rows[0][:3] == ["input", "—", "(None, 2)"]
    assert rows[1] == ["dense_1", "tanh", "(None, 4)", "12"]
    assert rows[3] == ["output", "sigmoid", "(None, 1)", "3"]
    assert rows[-1][0] == "Total" and rows[-1][3] == "25"
    assert "25 parameters" in builder_window.status_label.text()
    assert "network valid" in builder_window.status_label.text()  # training state: toolbar only


def test_each_invalid_graph_is_reported_live(builder_window) -> None:
    doc = builder_window.document
    doc.delete(["input"])
    assert ("network", "The network has no Input layer.") in problems(builder_window)
    assert "error" in builder_window.validation.status.text()
    doc.undo_stack.undo()
    doc.delete([], [("dense_1", "dense_2")])
    found = problems(builder_window)
    assert any(n == "dense_1" and "connect it to the Output" in m for n, m in found)
    assert any(n == "dense_2" and "not connected" in m for n, m in found)
    doc.undo_stack.undo()
    doc.set_node_config("output", "units", 2)
    assert any(n == "output" and "needs 1 unit" in m for n, m in problems(builder_window))
    assert builder_window.canvas_scene.items_by_id["output"].severity == "error"
    doc.undo_stack.undo()
    doc.set_training(("loss",), "categorical_crossentropy")
    assert any(n == "output" and "binary task" in m for n, m in problems(builder_window))
    doc.set_training(("loss",), "mse")
    assert any("binary cross-entropy fits better" in m for _n, m in problems(builder_window))
    assert builder_window.canvas_scene.items_by_id["output"].severity == "warning"


def test_clicking_a_problem_selects_the_layer(qtbot, builder_window) -> None:
    builder_window.document.set_node_config("dense_2", "units", 0)
    lst = builder_window.validation.list
    item = next(
        lst.item(i) for i in range(lst.count()) if lst.item(i).data(Qt.ItemDataRole.UserRole) == "dense_2"
    )
    lst.itemClicked.emit(item)
    assert builder_window.canvas_scene.selected_ids() == ["dense_2"]
    assert builder_window.properties.node_id == "dense_2"


def test_clicking_a_table_row_selects_the_layer(builder_window) -> None:
    builder_window.validation.table.cellClicked.emit(2, 0)
    assert builder_window.canvas_scene.selected_ids() == ["dense_2"]


def test_empty_canvas_explains_what_to_do(builder_window) -> None:
    assert builder_window.new_project(None)
    assert "empty" in problems(builder_window)[0][1]
    assert builder_window.canvas_scene.items_by_id == {}
    builder_window.grab()  # the empty-state hint is painted without errors


def test_data_change_revalidates(builder_window) -> None:
    from core.datasets.toy import make_toy

    builder_window.document.set_node_config("output", "activation", "sigmoid")
    builder_window.workspace.set_dataset(make_toy("blobs", samples=60, classes=3))
    found = problems(builder_window)
    assert any("softmax" in m for _n, m in found)
    assert builder_window.canvas_scene.items_by_id["output"].units == 3
    assert builder_window.canvas_scene.items_by_id["input"].units == 2
