"""The training toolbar's progress bar: its text reads over the filled and the empty part (it was white
over Fusion's light blue fill)."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QColor

from studio import theme


def luminance(c: QColor) -> float:
    """WCAG relative luminance of an sRGB colour."""
    def lin(v: int) -> float:
        s = v / 255
        return s / 12.92 if s <= 0.04045 else ((s + 0.055) / 1.055) ** 2.4

    return 0.2126 * lin(c.red()) + 0.7152 * lin(c.green()) + 0.0722 * lin(c.blue())


def contrast(a: QColor, b: QColor) -> float:
    """WCAG contrast ratio (1 to 21)."""
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


@pytest.mark.parametrize("th", [theme.LIGHT, theme.DARK], ids=["light", "dark"])
def test_progress_text_colour_contrasts_with_both_parts(th) -> None:
    c = theme.progress_colors(th)
    assert contrast(QColor(c.text), QColor(c.fill)) >= 4.5
    assert contrast(QColor(c.text), QColor(c.empty)) >= 4.5
    rules = theme.progress_style(th)
    assert f"color: {c.text};" in rules and f"selection-color: {c.text};" in rules
    assert f"background: {c.fill};" in rules and f"background: {c.empty};" in rules


def _distance(a: QColor, b: QColor) -> int:
    return abs(a.red() - b.red()) + abs(a.green() - b.green()) + abs(a.blue() - b.blue())


def test_progress_text_as_drawn_reads_over_fill_and_empty(studio_window, qtbot) -> None:
    """The drawn bar: its text pixels over the fill and over the empty part, against those parts."""
    w = studio_window
    w.resize(1600, 1000)
    qtbot.wait(50)
    bar = w.training.controls.progress
    bar.setValue(bar.maximum() // 2)
    bar.setFormat("50%  ETA 0:21")  # centred: the text lies over both parts
    qtbot.wait(20)
    assert bar.isVisible() and bar.width() >= 150
    img = bar.grab().toImage()
    width, mid = img.width(), img.height() // 2
    fill, empty = img.pixelColor(int(0.06 * width), mid), img.pixelColor(int(0.94 * width), mid)
    assert contrast(fill, empty) > 1.05  # the fill is seen against the empty part

    def text_pixel(x0: int, x1: int, ground: QColor) -> QColor:
        """The pixel in columns x0..x1 least like ``ground``: the core of a glyph."""
        pixels = [img.pixelColor(x, y) for x in range(x0, x1) for y in range(3, img.height() - 3)]
        return max(pixels, key=lambda p: _distance(p, ground))

    over_fill = text_pixel(int(0.15 * width), width // 2 - 3, fill)
    over_empty = text_pixel(width // 2 + 3, int(0.85 * width), empty)
    assert contrast(over_fill, fill) >= 4.5, (over_fill.name(), fill.name())
    assert contrast(over_empty, empty) >= 4.5, (over_empty.name(), empty.name())
