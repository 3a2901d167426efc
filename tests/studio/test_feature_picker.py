"""Input layer feature tick boxes: Playground's seven for 2-D data, undoable, the canvas follows."""

from __future__ import annotations

from studio.panels.feature_picker import candidates


def test_ticking_features_edits_the_input_layer_and_the_canvas(builder_window) -> None:
    w = builder_window
    w.canvas_scene.select_ids(["input"])
    panel = w.properties
    picker = panel.features
    assert not picker.isHidden() and list(picker.boxes) == ["x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)",
                                                            "sin(x2)"]
    assert [n for n, b in picker.boxes.items() if b.isChecked()] == ["x1", "x2"]  # default: the columns
    assert "features" not in w.document.graph.nodes["input"].config
    picker.boxes["x1^2"].setChecked(True)
    picker.boxes["x2^2"].setChecked(True)
    picker.boxes["x1"].setChecked(False)
    picker.boxes["x2"].setChecked(False)
    assert w.document.graph.nodes["input"].config["features"] == ["x1^2", "x2^2"]
    card = w.canvas_scene.items_by_id["input"]
    assert card.units == 2 and card.labels == ["x1^2", "x2^2"]
    picker.boxes["x1*x2"].setChecked(True)
    assert card.units == 3 and w.document.graph.units(w.document.data_info)["input"] == 3
    assert panel.summary.text().startswith("Output shape (None, 3)")
    # consecutive edits of one property merge into one undo step (as every Properties edit)
    w.document.undo_stack.undo()
    assert "features" not in w.document.graph.nodes["input"].config and card.units == 2
    assert [n for n, b in picker.boxes.items() if b.isChecked()] == ["x1", "x2"]
    w.document.undo_stack.redo()
    assert w.document.graph.nodes["input"].config["features"] == ["x1^2", "x2^2", "x1*x2"]
    # ticking exactly the columns again gives the default (no key)
    for name, box in picker.boxes.items():
        box.setChecked(name in ("x1", "x2"))
    assert "features" not in w.document.graph.nodes["input"].config


def test_candidates_for_other_data() -> None:
    names = candidates(["bill", "mass", "island=Dream"])
    assert names[:3] == ["bill", "mass", "island=Dream"]
    assert {"bill^2", "mass^2", "sin(bill)", "bill*mass"} <= set(names) and "island=Dream^2" not in names
    assert not any("*" in n for n in candidates([f"c{i}" for i in range(8)]))  # products only for <= 5
