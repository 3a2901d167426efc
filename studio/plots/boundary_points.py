"""The data points over the decision boundary: training and test points (filled with their label's colour,
edged in two tones: ``colors.point_edges``), points added by click (stars)."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QGraphicsItem

from studio.plots import colors

#: a point's diameter and the width of its ring (its outline), in pixels (its rim: ``colors.RIM_PX``)
POINT_SIZE, RING_PX = 7.0, 1.2


def cache_rendering(item: QGraphicsItem) -> None:
    """Keep ``item``'s rendering as a pixmap: repaints around it blit instead of calling Python paint()."""
    item.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)


def hide_when_empty(scatter: pg.ScatterPlotItem) -> None:
    """Hide ``scatter`` while it has no points: Qt asks a shown item for its bounds (Python) at every
    repaint of the plane, 30 times a second while training, even when it draws nothing."""
    scatter.sigPlotChanged.connect(lambda item: item.setVisible(len(item.data) > 0))
    scatter.setVisible(len(scatter.data) > 0)


def point_brushes(y: np.ndarray, task: str, value_range: tuple[float, float]) -> list:
    """One brush per label in ``y`` (n,): its fill, :func:`colors.point_rgb` (one brush per colour)."""
    rgb = colors.point_rgb(y, task, value_range).astype(np.uint8)
    cache: dict[tuple[int, int, int], object] = {}
    return [cache.setdefault(c, pg.mkBrush(*c)) for c in map(tuple, rgb.tolist())]


def _edged(split: str, plot: pg.PlotItem) -> tuple[pg.ScatterPlotItem, pg.ScatterPlotItem]:
    """The scatter of ``split``'s points, outlined by their ring, over a scatter of their rim (larger discs
    of the rim colour): :func:`colors.point_edges`."""
    ring, rim = colors.point_edges(split)
    under = pg.ScatterPlotItem(size=POINT_SIZE + 2 * colors.RIM_PX, pen=None, brush=pg.mkBrush(*rim))
    points = pg.ScatterPlotItem(size=POINT_SIZE, pen=pg.mkPen(*ring, width=RING_PX))
    for s in (under, points):
        plot.addItem(s)
        cache_rendering(s)  # the points stay still while the image under them changes 30 times a second
    return points, under


class PointLayer:
    """The scatters over ``plot``'s plane (training and test points, each over its rim; added points) and the
    points the user added (features (f,), class)."""

    def __init__(self, plot: pg.PlotItem) -> None:
        self.train, self.train_rim = _edged("train", plot)
        self.test, self.test_rim = _edged("test", plot)
        self.added = pg.ScatterPlotItem(size=10, symbol="star", pen=pg.mkPen("k", width=1.0))
        plot.addItem(self.added)
        cache_rendering(self.added)
        hide_when_empty(self.added)
        self.show_test(False)  # until "Test points" is ticked
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
        for (points, rim), x, y in (((self.train, self.train_rim), x_train, y_train),
                                    ((self.test, self.test_rim), x_test, y_test)):
            xy = {"x": x[:, a], "y": x[:, b]} if x.size else {"x": [], "y": []}
            rim.setData(**xy)
            points.setData(**xy, brush=point_brushes(y, task, value_range) if x.size else [])

    def show_test(self, on: bool) -> None:
        """Draw the test split's points (the "Test points" box) or not."""
        self.test.setVisible(on)
        self.test_rim.setVisible(on)

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
        for scatter in (self.train, self.train_rim, self.test, self.test_rim, self.added):
            scatter.setData([], [])
        self.added_points.clear()
