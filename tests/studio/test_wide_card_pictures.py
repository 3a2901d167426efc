"""Every neuron a wide layer card draws (the first six, then the last two after "⋮") gets its picture."""

from __future__ import annotations

from core.drawn_neurons import drawn_units


def test_32_unit_dense_card_pictures_its_last_two_neurons(qtbot, studio_window) -> None:
    w = studio_window
    tc = w.training
    qtbot.waitUntil(lambda: tc.model is not None and tc.boundary.image_array() is not None, timeout=5000)
    assert w.document.set_node_config("dense_1", "units", 32)

    def rebuilt() -> bool:
        return tc.model is not None and any(getattr(la, "units", 0) == 32 for la in tc.model.layers)

    qtbot.waitUntil(rebuilt, timeout=5000)
    tc.views.show_model(tc.model, tc.boundary.grid)
    tc.views.canvas_redraw.flush()
    card = w.canvas_scene.items_by_id["dense_1"]
    drawn = [u for u in card.rows if u is not None]
    assert drawn == drawn_units(32) == [0, 1, 2, 3, 4, 5, 30, 31]
    assert sorted(card.neuron_images) == drawn  # neurons 31 and 32 are not empty
    # and while training, from the picture process's shared memory
    w.canvas_scene.set_neuron_images("dense_1", None)
    assert tc.train_epochs(1, timeout_s=30)
    tc.flush_views()
    qtbot.waitUntil(lambda: len(card.neuron_images) > 0, timeout=5000)
    assert sorted(card.neuron_images) == drawn
