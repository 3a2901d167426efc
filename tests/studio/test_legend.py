"""The loss and metric legends move to the corner their curves leave free (no curve behind a legend)."""

from __future__ import annotations

import numpy as np
import pytest

from studio.plots.curves import LossCurves
from studio.plots.legend import CORNERS, MARGIN, box_in_data, crossings


@pytest.fixture
def curves(qtbot, studio_window) -> LossCurves:
    """The window's loss and metric plots (short: a legend row covers a good part of the height)."""
    c = studio_window.training.curves
    c.new_run()
    qtbot.waitUntil(lambda: c.loss_plot.getViewBox().width() > 100)
    return c


def _train(c: LossCurves, loss: np.ndarray, metric_key: str, metric: np.ndarray, val: np.ndarray) -> None:
    logs = [(e + 1, {"loss": float(loss[e]), "val_loss": float(loss[e]) * 1.1, metric_key: float(metric[e]),
                     f"val_{metric_key}": float(val[e])}) for e in range(len(loss))]
    c.add_snapshot(np.column_stack([np.arange(1, len(loss) + 1), loss]), logs, 1, epochs=len(loss))
    c.redraw.final()


def _corner_of(c: LossCurves, plot) -> tuple[int, int]:
    """The corner the legend really sits at, from its position in the plot's view box (pixels)."""
    vb, legend = plot.getViewBox(), plot.legend
    pos, rect = legend.pos(), legend.boundingRect()
    right = abs(pos.x() + rect.width() - (vb.width() - MARGIN[0])) < 1.5
    left = abs(pos.x() - MARGIN[0]) < 1.5
    bottom = abs(pos.y() + rect.height() - (vb.height() - MARGIN[1])) < 1.5
    top = abs(pos.y() - MARGIN[1]) < 1.5
    assert (right or left) and (top or bottom), (pos, rect, vb.width(), vb.height())
    return int(right), int(bottom)


def _curves_behind(c: LossCurves, plot, keys: tuple[str, str]) -> int:
    data = [c.current.series(k) for k in keys]
    return crossings(data, box_in_data(plot, plot.legend, _corner_of(c, plot)))


def _crossings_per_corner(c: LossCurves, plot, keys: tuple[str, str]) -> dict:
    data = [c.current.series(k) for k in keys]
    return {k: crossings(data, box_in_data(plot, plot.legend, k)) for k in CORNERS}


@pytest.mark.parametrize(("metric_key", "rising"), [("accuracy", True), ("mae", False)])
def test_metric_legend_leaves_the_curves_free(curves, metric_key: str, rising: bool) -> None:
    """Accuracy rises to the top right, MAE falls to the bottom right: either way no curve is behind."""
    c = curves
    t = np.linspace(0, 1, 30)
    if rising:
        metric = 0.5 + 0.5 * (1 - np.exp(-6 * t))
        val = metric * 0.97
    else:  # MAE falls, and the validation MAE rises again (overfitting) through the bottom right
        metric = 0.3 + 0.7 * np.exp(-8 * t)
        val = metric + 0.3 * t
    _train(c, 2.0 * np.exp(-5 * t) + 0.05, metric_key, metric, val)
    keys = (metric_key, f"val_{metric_key}")
    counts = _crossings_per_corner(c, c.metric_plot, keys)
    assert _curves_behind(c, c.metric_plot, keys) == 0 < max(counts.values())  # some corner was taken
    if rising:
        assert _corner_of(c, c.metric_plot) == (1, 1)  # where it starts: free
    else:
        assert counts[(1, 1)] > 0 and _corner_of(c, c.metric_plot) != (1, 1)  # moved off the curve
    assert _corner_of(c, c.loss_plot) == (1, 0)  # the falling loss leaves the top right free
    assert _curves_behind(c, c.loss_plot, ("loss", "val_loss")) == 0


def test_a_rising_loss_moves_its_legend_to_the_least_crossed_corner_and_a_tie_keeps_it(curves) -> None:
    c = curves
    t = np.linspace(0, 1, 30)
    _train(c, 0.2 + 3.0 * t**2, "accuracy", 0.9 - 0.3 * t, 0.85 - 0.3 * t)  # diverging
    plot, keys = c.loss_plot, ("loss", "val_loss")
    loss_corner = _corner_of(c, plot)
    counts = _crossings_per_corner(c, plot, keys)
    assert loss_corner != (1, 0) and counts[loss_corner] == min(counts.values()) < counts[(1, 0)]
    metric_corner = _corner_of(c, c.metric_plot)
    assert _curves_behind(c, c.metric_plot, ("accuracy", "val_accuracy")) == 0
    c.redraw.final()  # the same curves again: nothing moves
    assert (_corner_of(c, c.loss_plot), _corner_of(c, c.metric_plot)) == (loss_corner, metric_corner)


def test_crossings_count_segments_between_sparse_points() -> None:
    """Two epochs far apart still cross a box between them (sampled along x, not only at the points)."""
    line = np.array([[0.0, 0.0], [10.0, 10.0]])
    assert crossings([line], (4.0, 6.0, 4.0, 6.0)) > 0
    assert crossings([line], (4.0, 6.0, 8.0, 9.0)) == 0
    assert crossings([np.array([[1.0, np.nan], [2.0, np.inf]])], (0.0, 3.0, -1e9, 1e9)) == 0


def test_legend_rows_are_one_text_line_high(curves) -> None:
    """pyqtgraph's default row was 39 px (20 px samples, 21 px labels, margins): half a short plot."""
    c = curves
    for plot in (c.loss_plot, c.metric_plot):
        rect = plot.legend.boundingRect()
        assert 10 <= rect.height() <= 18, rect
    c.new_run()
    c.current.label = "lr 0.1"
    _train(c, np.linspace(1, 0.1, 5), "accuracy", np.linspace(0.5, 0.9, 5), np.linspace(0.5, 0.8, 5))
    c.new_run("lr 0.1")  # a previous run adds a legend entry: a second row
    assert c.loss_plot.legend.boundingRect().height() <= 2 * 18
