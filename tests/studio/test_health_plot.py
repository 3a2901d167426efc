"""Gradient health (issue 12.7): layers named as on the canvas, key outside the plot, decade labels apart."""

from __future__ import annotations

import numpy as np

from studio.plots.health import GradientHealth
from studio.plots.style import LABEL_SPACING_PX, SpacedAxis


def test_key_above_the_plot_and_no_legend_inside(qtbot) -> None:
    h = GradientHealth()
    qtbot.addWidget(h)
    h.add(1.0, ["dense_1", "output"], np.array([0.1, 0.01]), np.array([1.0, 2.0]), {"dense_1": 0.25})
    h.redraw.flush()
    assert h.plot.legend is None  # nothing drawn over the curves
    assert "dense_1" in h.key.text() and "output" in h.key.text() and "dashed: weights" in h.key.text()
    assert h.dead_label.text() == "Dead ReLU units: dense_1 25%"


def test_log_axis_labels_whole_decades_never_closer_than_the_spacing() -> None:
    axis = SpacedAxis("left")
    axis.setLogMode(False, True)
    for size in (60.0, 120.0, 400.0):
        ((step, values),) = axis.tickValues(-9.3, 3.2, size)
        assert all(float(v).is_integer() for v in values) and values == sorted(values)
        assert len(values) <= size / LABEL_SPACING_PX + 1
        assert step * size / 12.5 >= LABEL_SPACING_PX  # pixels between two labels


def test_window_names_gradient_layers_as_the_canvas(studio_window) -> None:
    labels = studio_window.training.views.layer_labels
    assert sorted(labels.values()) == ["dense_1", "dense_2", "output"]
    assert set(labels.values()) <= set(studio_window.canvas_scene.items_by_id)


def test_linear_axis_labels_are_thinned_in_a_short_plot() -> None:
    axis = SpacedAxis("left")
    ((spacing, values),) = axis.tickValues(0.0, 1.0, 60.0)  # 60 px: pyqtgraph alone labels 0, 0.2 ... 1
    assert 1 < len(values) <= 60 / LABEL_SPACING_PX + 1
    assert spacing * 60.0 >= LABEL_SPACING_PX
