"""Value labels of the loss and metric axes: a short plot still shows a scale (two labels or more)."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtGui import QImage, QPainter

from studio.plots.style import LABEL_SPACING_PX, MIN_LABEL_SPACING_PX, SpacedAxis


def _drawn_labels(axis) -> list[tuple[str, float, float]]:
    """(text, top, bottom) of each label the axis paints now, from pyqtgraph's own draw specs."""
    image = QImage(8, 8, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    try:
        specs = axis.generateDrawSpecs(painter)
    finally:
        painter.end()
    return [(text, rect.top(), rect.bottom()) for rect, _flags, text in specs[2]]


@pytest.mark.parametrize("accuracy", [(0.50, 0.97), (0.93, 0.99), (0.10, 0.35)])
def test_short_metric_plot_labels_two_values_or_more(qtbot, studio_window, accuracy) -> None:
    """At 1280x800 the metric plot is ~50 px tall: spiral-like accuracy from 0.50 to 0.97 was labelled
    '0.8' alone (pyqtgraph's 0.6/0.8/1.0 thinned to the multiples of 0.4)."""
    studio_window.resize(1280, 800)
    c = studio_window.training.curves
    c.new_run()
    qtbot.waitUntil(lambda: c.metric_plot.getViewBox().width() > 100)
    n = 60
    low, high = accuracy
    acc = low + (high - low) * np.linspace(0, 1, n) ** 2
    logs = [(e + 1, {"loss": 1.0 / (e + 1), "val_loss": 1.1 / (e + 1), "accuracy": float(acc[e]),
                     "val_accuracy": float(acc[e]) * 0.98}) for e in range(n)]
    c.add_snapshot(np.column_stack([np.arange(1, n + 1), 1.0 / np.arange(1, n + 1)]), logs, 1, epochs=n)
    c.redraw.final()
    qtbot.wait(50)
    axis = c.metric_plot.getAxis("left")
    assert axis.height() < 3 * LABEL_SPACING_PX  # a short plot indeed
    labels = _drawn_labels(axis)
    values = [float(text) for text, _top, _bottom in labels]
    lo, hi = axis.range
    assert len(values) >= 2 and all(lo <= v <= hi for v in values), (labels, axis.range)
    tops_down = sorted(labels, key=lambda label: label[1])
    assert all(a[2] <= b[1] for a, b in zip(tops_down, tops_down[1:], strict=False))  # none overlaps
    for plot in (c.loss_plot, c.metric_plot):  # the loss axis too
        assert len(_drawn_labels(plot.getAxis("left"))) >= 2


@pytest.mark.parametrize("size", [30.0, 48.0, 52.0, 80.0, 160.0])
def test_linear_labels_are_two_or_more_and_never_crowded(size: float) -> None:
    """Two labels or more from 4 * MIN_LABEL_SPACING_PX = 48 px on (nice steps are at most 2x apart)."""
    axis = SpacedAxis("left")
    rng = np.random.default_rng(0)
    for lo, span in zip(rng.uniform(-3, 3, 300), 10.0 ** rng.uniform(-4, 2, 300), strict=True):
        ((step, values),) = axis.tickValues(lo, lo + span, size)
        gap_px = step * size / span
        assert len(values) >= (2 if size >= 4 * MIN_LABEL_SPACING_PX else 1), (lo, span, step, values)
        assert gap_px >= MIN_LABEL_SPACING_PX or len(values) == 1
        assert all(lo - 1e-9 * span <= v <= lo + span * (1 + 1e-9) for v in values)
        assert np.allclose(np.diff(values), step)
        mantissa = step / 10.0 ** np.floor(np.log10(step))
        assert np.isclose(mantissa, [1, 2, 4, 5]).any()  # a nice step: labels read 0.2, 0.4, ...
        if gap_px < LABEL_SPACING_PX:  # closer than wanted only when no nice step that far apart labels two
            exp = np.floor(np.log10(LABEL_SPACING_PX * span / size))
            wide = [m * 10.0**e for e in (exp, exp + 1) for m in (1, 2, 4, 5)
                    if m * 10.0**e * size / span >= LABEL_SPACING_PX]
            assert all(np.floor((lo + span) / w) - np.ceil(lo / w) < 1 for w in wide)
