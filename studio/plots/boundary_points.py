"""The data points over the decision boundary: training (filled), test (hollow), added by click (stars)."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QGraphicsItem

from studio.plots import colors


def cache_rendering(item: QGraphicsItem) -> None:
    """Keep ``item``'s rendering as a pixmap: repaints around it blit instead of calling Python paint()."""
    item.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)


def hide_when_empty(scatter: pg.ScatterPlotItem) -> None:
    """Hide ``scatter`` while it has no points: Qt asks a shown item for its bounds (Python) at every
    repaint of the plane, 30 times a second while training, even when it draws nothing."""
    scatter.sigPlotChanged.connect(lambda item: item.setVisible(len(item.data) > 0))
    scatter.setVisible(len(scatter.data) > 0)


def point_labels(y: np.ndarray, task: str) -> np.ndarray:
    """What colours each point (n,): the class index of targets ``y`` (n,) / (n, k) one-hot, or the
    first regression target."""
    y = np.asarray(y)
    if y.ndim == 2:
        y = y[:, 0] if y.shape[1] == 1 else (np.argmax(y, axis=1) if task != "regression" else y[:, 0])
    return y


def point_brushes(y: np.ndarray, task: str, value_range: tuple[float, float]) -> list:
    """One brush per label in ``y`` (n,): the class colour, or the value ramp over ``value_range``."""
    if task == "regression":
        lo, hi = value_range
        rgb = colors.ramp_rgb((y.astype(np.float32) - lo) / (hi - lo))
        return [pg.mkBrush(int(r), int(g), int(b)) for r, g, b in rgb]
    cache = {k: pg.mkBrush(*colors.class_color(int(k))) for k in np.unique(y)}
    return [cache[k] for k in y]


class PointLayer:
    """The three scatters over ``plot``'s plane and the points the user added (features (f,), class)."""

    def __init__(self, plot: pg.PlotItem) -> None:
        self.train = pg.ScatterPlotItem(size=7, pen=pg.mkPen("w", width=1.0))
        self.test = pg.ScatterPlotItem(size=7, symbol="o", brush=None)
        self.added = pg.ScatterPlotItem(size=10, symbol="star", pen=pg.mkPen("k", width=1.0))
        for s in (self.train, self.test, self.added):
            plot.addItem(s)
            cache_rendering(s)  # the points stay still while the image under them changes 30 times a second
        hide_when_empty(self.added)
        self.test.setVisible(False)  # until "Test points" is ticked
        self.added_points: list[tuple[np.ndarray, int]] = []

    def draw(
        self,
        x_train: np.ndarray,
        y_train: np.ndarray,
        x_test: np.ndarray,
        y_test: np.ndarray,
        axes: tuple[int, int],
        task: str,
        value_range: tuple[float, float],
    ) -> None:
        """Draw the data (n, f) on feature ``axes``, coloured by their labels (n,)."""
        a, b = axes
        self.train.setData(x=x_train[:, a], y=x_train[:, b], brush=point_brushes(y_train, task, value_range))
        if x_test.size:
            pens = [pg.mkPen(br.color(), width=1.6) for br in point_brushes(y_test, task, value_range)]
            self.test.setData(x=x_test[:, a], y=x_test[:, b], pen=pens, brush=None)
        else:
            self.test.setData([], [])

    def add(self, features: np.ndarray, label: int, axes: tuple[int, int]) -> None:
        """Add a point (features (f,), class ``label``) and draw the added points on ``axes``."""
        self.added_points.append((features, label))
        a, b = axes
        pts = np.array([p for p, _ in self.added_points])
        labels = np.array([k for _, k in self.added_points])
        self.added.setData(
            x=pts[:, a], y=pts[:, b], brush=[pg.mkBrush(*colors.class_color(int(k))) for k in labels]
        )

    def clear_added(self) -> None:
        """Forget the points the user added."""
        self.added_points.clear()
        self.added.setData([], [])

    def clear(self) -> None:
        """No data: every scatter empty."""
        for scatter in (self.train, self.test, self.added):
            scatter.setData([], [])
        self.added_points.clear()
