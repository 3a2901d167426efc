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


def test_points_are_labelled_under_the_task_of_the_data_they_come_with(qtbot) -> None:
    """A multi-target regression set shown after a classification set: its points are coloured by
    their first target, not by the argmax a one-hot class matrix would take (they read the old task)."""
    view = BoundaryView(resolution=20)
    qtbot.addWidget(view)
    x = np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 0.5]], dtype=np.float32)
    onehot = np.eye(3, dtype=np.float32)
    view.set_data(x, onehot, x, onehot, "multiclass", ["a", "b"], ["p", "q", "r"])
    assert list(view._y_train) == [0, 1, 2]
    targets = np.array([[5.0, 9.0], [7.0, 1.0], [6.0, 8.0]], dtype=np.float32)  # argmax: 1, 0, 1
    view.set_data(x, targets, x, targets, "regression", ["a", "b"], [])
    assert list(view._y_train) == [5.0, 7.0, 6.0] and list(view._y_test) == [5.0, 7.0, 6.0]
