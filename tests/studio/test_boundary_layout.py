"""Decision-boundary dock: nothing in its toolbars is clipped, with 2 or many features."""

from __future__ import annotations

import numpy as np

from studio.plots.boundary import BoundaryView

PENGUIN_FEATURES = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g",
                    "island=Biscoe", "island=Dream", "island=Torgersen", "sex=female", "sex=male"]


def _data(features: list[str]):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, len(features))).astype(np.float32)
    y = rng.integers(0, 3, 40)
    return x, y, x[:10], y[:10]


def test_boundary_toolbar_is_not_clipped(qtbot):
    view = BoundaryView()
    qtbot.addWidget(view)
    view.resize(370, 420)  # the dock's default width beside the inspector
    view.show()
    qtbot.waitExposed(view)
    cases = ((PENGUIN_FEATURES, ["Adelie", "Chinstrap", "Gentoo"]), (["x1", "x2"], ["a", "b"]))
    for features, classes in cases:
        x, y, xt, yt = _data(features)
        view.set_data(x, y, xt, yt, "multiclass", features, classes)
        qtbot.wait(10)
        for box in (view.test_box, view.disc_box):
            assert box.width() >= box.sizeHint().width(), box.text()  # "Test points" not cut to "Test point"
        if len(features) > 2:
            assert view.x_combo.isVisible() and view.y_combo.isVisible()
            fm = view.x_combo.fontMetrics()
            # the combo's text area holds "bill_length_mm" (plus arrow and frame)
            assert view.x_combo.width() >= fm.horizontalAdvance("bill_length_mm") + 20
            assert view.y_combo.width() >= fm.horizontalAdvance("bill_depth_mm") + 20
            assert not view.add_box.isVisible()
        else:
            assert not view.x_combo.isVisible() and view.add_box.isVisible()
            assert view.add_box.width() >= view.add_box.sizeHint().width()
