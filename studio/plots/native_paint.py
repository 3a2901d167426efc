"""pyqtgraph views whose repaint runs in C++ with the GIL released.

pyqtgraph's ``GraphicsView.paintEvent`` is Python, so every repaint of a plot (image scaling, curve
rasterizing, cached items) ran inside a Python frame, holding the GIL: the training thread stood
still for the whole paint. These views use Qt's C++ ``paintEvent`` and run pyqtgraph's per-paint
preparation from an event filter instead, so a repaint that Qt starts from its event loop calls
Python only for the few pyqtgraph items it draws (their bounds), and trains on meanwhile.
"""

from __future__ import annotations

from collections.abc import Callable

import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QGraphicsView


class _PaintPrep(QObject):
    """Event filter on a view's viewport: pyqtgraph's ``prepareForPaint`` before each paint."""

    def __init__(self, view: NativePaint) -> None:
        super().__init__(view)
        self._view = view
        self._scene = view.scene()

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.Paint:
            self._scene.prepareForPaint()
            if self._view.on_paint is not None:
                self._view.on_paint()
        return False


class NativePaint:
    """Mixin for a ``pg.GraphicsView`` subclass (listed first): Qt's C++ ``paintEvent``."""

    paintEvent = QGraphicsView.paintEvent  # noqa: N815 - Qt's name
    #: called before each paint of the viewport (e.g. to count the frames really shown)
    on_paint: Callable[[], None] | None = None

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._paint_prep = _PaintPrep(self)
        self.viewport().installEventFilter(self._paint_prep)


class NativePaintPlotWidget(NativePaint, pg.PlotWidget):
    """A ``pg.PlotWidget`` painted by C++."""


class NativePaintLayoutWidget(NativePaint, pg.GraphicsLayoutWidget):
    """A ``pg.GraphicsLayoutWidget`` painted by C++."""
