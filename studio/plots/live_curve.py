"""A curve that grows every frame at the cost of its newest points only.

The loss curves are redrawn with every training snapshot (~32 frames per second on toy data), so
that they show the same epoch as the toolbar and the decision boundary. Redrawing a whole pyqtgraph
curve costs milliseconds (thick anti-aliased lines, Python per item), most of it for points that did
not change. :class:`LiveCurve` draws a series as two items with the same pen: the *body* (a pyqtgraph
curve, with the legend entry) holds the points up to the last settle and keeps its rendering as a
pixmap (a repaint blits it); the *head* holds the points since then, a handful per frame, in a plain
``QGraphicsPathItem``, which Qt paints without calling Python. Every ``settle_s`` seconds the head
moves into the body.
"""

from __future__ import annotations

import time

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QPainterPath
from PySide6.QtWidgets import QGraphicsItem, QGraphicsPathItem

#: Points drawn per curve at most: longer series are thinned (every 2**k-th point and the last), so a
#: frame costs the same after 100 epochs or 100,000 steps.
MAX_DRAWN_POINTS = 1000
#: Seconds between moves of the head into the body (each costs one full redraw of the curves, ~8 ms
#: of Python while the worker waits; the head's C++ path grows by a few hundred points at most).
SETTLE_S = 2.0


def stride_for(n: int, max_points: int = MAX_DRAWN_POINTS) -> int:
    """The thinning stride for ``n`` rows: 1 up to ``max_points``, else the power of two that brings
    them under it (a power of two keeps the drawn points in place as the series grows)."""
    return 1 if n <= max_points else 1 << int(np.ceil(np.log2(n / max_points)))


def thinned(data: np.ndarray, start: int = 0, stride: int = 1) -> np.ndarray:
    """A copy of rows ``start, start + stride, ...`` of ``data`` (n, 2), and always the last."""
    rows = data[start::stride]
    if (data.shape[0] - 1 - start) % stride:
        rows = np.concatenate([rows, data[-1:]])
    return np.array(rows, dtype=np.float64)


class LiveCurve:
    """One growing series (n, 2) of ``plot`` drawn by ``item`` (the body, which keeps the legend
    entry) and a head item made here with the same pen."""

    def __init__(self, plot: pg.PlotItem, item: pg.PlotDataItem, settle_s: float = SETTLE_S) -> None:
        self.body = item
        self.head = QGraphicsPathItem()
        self.head.setPen(pg.mkPen(item.opts["pen"]))
        self.head.setZValue(item.zValue())
        plot.addItem(self.head, ignoreBounds=True)
        item.curve.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)  # the child that paints
        self.settle_s = settle_s
        self.reset()

    def reset(self) -> None:
        """The next :meth:`set` redraws the body in full (e.g. the axis went to log scale)."""
        self._body_end = -1  # row of the series where the body ends (its last point), -1: no body
        self._rows = -1  # rows drawn so far (body and head), -1: unknown (draw whatever comes)
        self._stride = 0
        self._settled_at = -np.inf

    def set(self, data: np.ndarray | None, settle: bool = False) -> bool:
        """Draw ``data`` (n, 2), which extends the rows drawn before (else call :meth:`reset` first);
        ``settle``: all of it in the body (a pause, the end of a run). True when the body was redrawn."""
        n = 0 if data is None else data.shape[0]
        if n == self._rows and not settle:
            return False  # nothing new (e.g. no epoch ended since the last frame)
        if n == 0:
            self.body.setData([], [])
            self.head.setPath(QPainterPath())
            self.reset()
            self._rows = 0
            return False
        self._rows = n
        stride = stride_for(n)
        now = time.perf_counter()
        if settle or stride != self._stride or n <= self._body_end or now - self._settled_at >= self.settle_s:
            rows = thinned(data, 0, stride)
            self.body.setData(rows[:, 0], rows[:, 1])
            self.head.setPath(QPainterPath())
            self._body_end, self._stride, self._settled_at = n - 1, stride, now
            return True
        rows = thinned(data, self._body_end, stride)  # starts at the body's last point: no gap
        y = rows[:, 1]
        if self.body.opts["logMode"][1]:  # the body's log axis maps its values; the head's are mapped here
            with np.errstate(divide="ignore", invalid="ignore"):
                y = np.log10(y)
        self.head.setPath(pg.arrayToQPath(rows[:, 0], y, connect="finite"))
        return False

    def head_x(self) -> np.ndarray:
        """The x of the head's points (empty when everything is in the body)."""
        path = self.head.path()
        return np.array([path.elementAt(i).x for i in range(path.elementCount())])
