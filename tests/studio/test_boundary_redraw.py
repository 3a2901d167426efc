"""The decision boundary draws a new image only when what it shows changed."""

from __future__ import annotations

import numpy as np

from studio.plots.boundary import BoundaryView


def test_same_output_is_not_drawn_again(qtbot) -> None:
    view = BoundaryView(resolution=20)
    qtbot.addWidget(view)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(30, 2)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int64)
    view.set_data(x, y, x, y, "binary", ["a", "b"], ["no", "yes"])
    out = rng.random((20, 20, 1), dtype=np.float32)
    view.set_output(out)
    first = view.image.pixmap().cacheKey()
    assert view.frames == 1
    view.set_output(out.copy())  # e.g. a paused run's snapshot: the same picture
    assert view.frames == 1 and view.image.pixmap().cacheKey() == first
    view.set_output(1.0 - out)
    assert view.frames == 2 and view.image.pixmap().cacheKey() != first
    view.clear_output("gone")
    view.set_output(1.0 - out)  # after a clear the same output is drawn again
    assert view.frames == 3 and not view.empty_text.isVisible()
