"""When the data fail to load or the network stops building, the old pictures leave the screen."""

from __future__ import annotations

import json

import numpy as np


def _neuron_images(window) -> int:
    return sum(len(item.neuron_images) for item in window.canvas_scene.items_by_id.values())


def _coloured_links(window) -> int:
    return len(window.canvas_scene._kernels)


def test_broken_network_clears_boundary_and_neurons(qtbot, studio_window):
    tc = studio_window.training
    qtbot.waitUntil(lambda: tc.boundary.image_array() is not None, timeout=5000)
    assert tc.train_epochs(1, timeout_s=30)
    tc.flush_views()
    qtbot.waitUntil(lambda: _neuron_images(studio_window) > 0, timeout=5000)
    assert _coloured_links(studio_window) > 0
    # output units 3 on binary data: the network no longer builds
    tc.stop()  # a paused run locks the network
    doc = studio_window.document
    assert doc.set_node_config("output", "units", 3)
    qtbot.waitUntil(lambda: tc.model is None and tc.last_error is not None, timeout=5000)
    assert tc.boundary.image_array() is None and tc.boundary.last_output is None
    assert tc.boundary.empty_text.isVisible() and "Cannot build" in tc.boundary.empty_text.toPlainText()
    assert _neuron_images(studio_window) == 0 and _coloured_links(studio_window) == 0
    # the points of the (still loaded) data stay
    assert len(tc.boundary.points.train.data) > 0
    # undo: the network builds again and the pictures come back
    doc.undo_stack.undo()
    qtbot.waitUntil(lambda: tc.model is not None and tc.boundary.image_array() is not None, timeout=5000)


def test_project_with_unloadable_data_clears_the_old_pictures(qtbot, studio_window, tmp_path):
    tc = studio_window.training
    qtbot.waitUntil(lambda: tc.boundary.image_array() is not None, timeout=5000)
    assert tc.train_epochs(1, timeout_s=30)
    tc.flush_views()
    qtbot.waitUntil(lambda: _neuron_images(studio_window) > 0, timeout=5000)
    (tmp_path / "ragged.csv").write_text("a,b,c\n1,2,3\n4,5,6,7\n")
    project = {
        "format": "ffstudio-project",
        "version": 1,
        "network": {"layers": [{"type": "input"}, {"type": "dense", "units": 3, "activation": "relu"},
                               {"type": "output"}]},
        "data": {"source": "csv", "path": "ragged.csv", "target": "c"},
        "training": {},
    }
    path = tmp_path / "p.json"
    path.write_text(json.dumps(project))
    assert studio_window.load_project_file(str(path))
    qtbot.wait(50)
    assert studio_window.workspace.dataset is None
    b = tc.boundary
    assert b.image_array() is None and b.grid is None
    assert len(b.points.train.data) == 0 and "No data" in b.empty_text.toPlainText()
    assert _neuron_images(studio_window) == 0 and _coloured_links(studio_window) == 0
    assert np.all([not w.isVisible() for w in (b.x_combo, b.add_box)])


def test_blank_canvas_shows_no_error_until_play(qtbot, studio_window):
    tc = studio_window.training
    assert studio_window.new_project(None)
    qtbot.wait(20)
    assert tc.model is None and tc.last_error is None
    assert not studio_window.canvas.message_text()
    tc.play_pause()  # now the user asked for it: say why nothing trains
    assert tc.last_error and "Cannot build the network" in tc.last_error and tc.session is None


def test_removed_link_into_output_stops_the_model(qtbot, studio_window):
    """A disconnected chain has the same layer list: it must still count as a network that does not build."""
    tc = studio_window.training
    qtbot.waitUntil(lambda: tc.model is not None and tc.boundary.image_array() is not None, timeout=5000)
    doc = studio_window.document
    assert doc.delete([], [(doc.graph.predecessor("output"), "output")])
    qtbot.waitUntil(lambda: tc.model is None, timeout=5000)
    assert tc.last_error.startswith("Cannot build the network:") and "output" in tc.last_error
    assert tc.boundary.image_array() is None and _neuron_images(studio_window) == 0
    tc.play_pause()
    assert tc.session is None  # nothing trains
    doc.undo_stack.undo()
    qtbot.waitUntil(lambda: tc.model is not None and tc.last_error is None, timeout=5000)
