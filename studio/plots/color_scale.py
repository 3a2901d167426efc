"""The colour key under the decision boundary: what the heatmap's colours mean.

Binary: a bar from orange (P(class 1) = 0) through white (0.5) to blue (1), titled with the class;
multiclass: one swatch per class with its name, wrapped over as many rows as they need (at most
:data:`MAX_CLASS_ROWS`, then "+N more"); regression: the value ramp between the targets' minimum and maximum.
Painted by QPainter from the same NumPy colour maps the heatmap uses.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPaintEvent, QResizeEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

from studio.plots import colors

BAR_HEIGHT = 12
#: the most rows of class swatches; the classes that do not fit are counted in a "+N more" at the end
MAX_CLASS_ROWS = 4
#: a swatch's width and the gaps after it and after its name
SWATCH_W, SWATCH_GAP, ITEM_GAP = 12, 4, 12


def _fmt(v: float) -> str:
    return f"{v:.3g}"


class ColorScale(QWidget):
    """Colour key of a boundary heatmap; ``set_binary``, ``set_classes`` or ``set_values``.

    ``title`` and ``ticks`` ((fraction 0..1, text) pairs) describe what is drawn, so tests read them.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.kind = "binary"
        self.title = ""
        self.ticks: list[tuple[float, str]] = []
        self.classes: list[str] = []
        self._bar: QImage | None = None
        self._rgb: np.ndarray | None = None
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.set_binary()

    def sizeHint(self) -> QSize:  # noqa: N802
        fm = self.fontMetrics()
        if self.kind == "multiclass":
            rows = len({r.top() for _, _, r in self.swatch_rects()}) or 1
            return QSize(240, fm.height() + 4 + rows * (fm.height() + 2) + 2)
        return QSize(240, 2 * fm.height() + BAR_HEIGHT + 8)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        if self.kind == "multiclass" and self.sizeHint().height() != self.height():
            self.updateGeometry()  # the class swatches wrap onto more or fewer rows at this width

    def swatch_rects(self) -> list[tuple[int, str, QRectF]]:
        """(class index or -1, text, rectangle of swatch and text) of what the multiclass key draws at its
        width: each class's swatch and name, rows wrapped, at most :data:`MAX_CLASS_ROWS`; the classes left
        over are the last item, ``(-1, "+N more", rect)``."""
        fm = self.fontMetrics()
        lh, right = fm.height(), self.width() - 4.0
        items: list[tuple[int, str, QRectF]] = []
        x, row = 4.0, 0
        for k, name in enumerate(self.classes):
            text = fm.elidedText(name, Qt.TextElideMode.ElideRight, int(right - 4 - SWATCH_W - SWATCH_GAP))
            item_w = SWATCH_W + SWATCH_GAP + fm.horizontalAdvance(text) + 2
            if x + item_w > right and x > 4:
                x, row = 4.0, row + 1
            if row == MAX_CLASS_ROWS:
                break
            items.append((k, text, QRectF(x, lh + 4 + row * (lh + 2), item_w, lh)))
            x += item_w + ITEM_GAP
        while len(items) < len(self.classes):  # make room for "+N more" on the last row
            more = f"+{len(self.classes) - len(items)} more"
            more_w = fm.horizontalAdvance(more) + 2
            last = items[-1][2] if items else QRectF(4.0 - ITEM_GAP, lh + 4, 0, lh)
            if last.right() + ITEM_GAP + more_w <= right or len(items) <= 1:
                return [*items, (-1, more, QRectF(last.right() + ITEM_GAP, last.top(), more_w, lh))]
            items.pop()
        return items

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        return QSize(120, self.sizeHint().height())

    def _set_bar(self, t: np.ndarray, rgba: np.ndarray) -> None:
        self._rgb = np.ascontiguousarray(rgba.reshape(1, t.size, 4))
        self._bar = QImage(self._rgb.data, t.size, 1, 4 * t.size, QImage.Format.Format_RGBX8888).copy()

    def set_binary(self, positive: str = "", negative: str = "") -> None:
        """Bar of the probability of class 1 (named ``positive``): 0 orange, 0.5 white, 1 blue;
        the ends say which class each colour means (``negative`` is class 0)."""
        self.kind = "binary"
        t = np.linspace(0.0, 1.0, 256, dtype=np.float32)
        self._set_bar(t, colors.binary_rgba(t[None, :]))
        named = positive not in ("", "1", "class 1")
        self.title = "Probability of class 1" + (f" ({positive})" if named else "")
        low = f"0 ({negative})" if negative not in ("", "0", "class 0") else "0"
        self.ticks = [(0.0, low), (0.5, "0.5"), (1.0, f"1 ({positive})" if named else "1")]
        self.classes = []
        self.updateGeometry()  # back to the bar's height
        self.update()

    def set_classes(self, names: list[str]) -> None:
        """One swatch per class in the class colours the regions are painted with; the title says when
        there are more classes than colours (they repeat)."""
        self.kind = "multiclass"
        palette = len(colors.CLASS_COLORS)
        repeat = f"; colours repeat after {palette} classes" if len(names) > palette else ""
        self.title = f"Predicted class (paler = less sure{repeat})"
        self.classes = list(names)
        self.ticks = []
        self._bar = None
        self.updateGeometry()
        self.update()

    def set_values(self, lo: float, hi: float, name: str = "value") -> None:
        """Value ramp between ``lo`` and ``hi`` (the targets' range over both splits,
        ``colors.target_ranges``)."""
        self.kind = "regression"
        t = np.linspace(0.0, 1.0, 256, dtype=np.float32)
        self._set_bar(t, colors.value_rgba(t[None, :], 0.0, 1.0))
        self.title = f"Predicted {name} (colours span the targets of both splits)"
        self.ticks = [(0.0, _fmt(lo)), (0.5, _fmt((lo + hi) / 2)), (1.0, _fmt(hi))]
        self.classes = []
        self.updateGeometry()  # back to the bar's height
        self.update()

    def paintEvent(self, _event: QPaintEvent) -> None:  # noqa: N802
        p = QPainter(self)
        fg = self.palette().color(self.foregroundRole())
        fm = self.fontMetrics()
        lh = fm.height()
        w = self.width()
        p.setPen(fg)
        if self.kind == "multiclass":
            p.drawText(QRectF(4, 0, w - 8, lh), Qt.AlignmentFlag.AlignLeft, self.title)
            for k, text, r in self.swatch_rects():
                if k >= 0:
                    swatch = QRectF(r.left(), r.top() + 1, SWATCH_W, lh - 2)
                    p.fillRect(swatch, QColor(*colors.class_color(k)))
                    r = r.adjusted(SWATCH_W + SWATCH_GAP, 0, 0, 0)
                p.drawText(r, Qt.AlignmentFlag.AlignLeft, text)
            p.end()
            return
        p.drawText(QRectF(4, 0, w - 8, lh), Qt.AlignmentFlag.AlignLeft, self.title)
        margin = 14.0
        bar = QRectF(margin, lh + 2, w - 2 * margin, BAR_HEIGHT)
        if self._bar is not None:
            p.drawImage(bar, self._bar)
        p.drawRect(bar)
        for frac, text, rect in self.tick_rects():
            x = bar.left() + frac * bar.width()
            p.drawLine(int(x), int(bar.bottom()), int(x), int(bar.bottom() + 3))
            p.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)
        p.end()

    def tick_rects(self) -> list[tuple[float, str, QRectF]]:
        """(fraction, text, label rectangle) of the tick labels drawn: centred under the tick but kept
        inside the widget with a 4 px margin; the end labels (which name the classes) come first and a
        middle label that would touch one is left out."""
        fm = self.fontMetrics()
        w = float(self.width())
        margin = 14.0
        top = fm.height() + 2 + BAR_HEIGHT + 2
        ends = [*self.ticks[:1], *self.ticks[-1:]] if len(self.ticks) > 1 else list(self.ticks)
        half = int((w - 8 - 6) / 2) - 4  # a very narrow key elides the two end labels to half its width each
        ends = [(frac, fm.elidedText(text, Qt.TextElideMode.ElideRight, half)) for frac, text in ends]
        kept: list[tuple[float, str, QRectF]] = []
        for frac, text in [*ends, *self.ticks[1:-1]]:
            x = margin + frac * (w - 2 * margin)
            tw = fm.horizontalAdvance(text) + 4  # +4: painted glyphs can overhang their advance
            rect = QRectF(min(max(x - tw / 2, 4.0), w - 4.0 - tw), top, tw, fm.height())
            if all(not rect.adjusted(-6, 0, 6, 0).intersects(r) for _, _, r in kept):
                kept.append((frac, text, rect))
        return sorted(kept, key=lambda t: t[0])
