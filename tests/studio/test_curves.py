"""Loss/metric curves: smoothed per-step loss, R² for regression, labelled toggleable runs, x span."""

from __future__ import annotations

import numpy as np

from studio.plots.curves import LossCurves, smoothing_factor


def test_smoothed_step_loss_is_bias_corrected_and_follows_short_epochs(qtbot):
    c = LossCurves()
    qtbot.addWidget(c)
    assert smoothing_factor(4) == 0.3 and abs(smoothing_factor(99) - 0.02) < 1e-12
    # 4 batches per epoch, constant loss 2.0 then a drop to 1.0 from epoch 2 on
    steps = np.array([[i + 1, 2.0 if i < 4 else 1.0] for i in range(12)])
    c.add_snapshot(steps, [], 4)
    c.redraw.flush()
    x, y = c.step_item.getData()
    assert np.allclose(x, np.arange(1, 13) / 4)
    assert np.allclose(y[:4], 2.0)  # no start-up bias: a constant loss stays constant
    assert y[-1] < 1.1  # two epochs after the drop the curve has caught up (fixed 0.02 gave ~1.8)
    # a non-finite step leaves a gap and does not poison the average
    c.add_snapshot(np.array([[13, np.inf], [14, 1.0]]), [], 4)
    c.redraw.flush()
    y = c.step_item.getData()[1]
    assert np.isnan(y[-2]) and abs(y[-1] - 1.0) < 0.1
