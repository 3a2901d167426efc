"""Class colours: twenty distinct ones (the first ten as they always were), told apart also where the
decision boundary pales them toward white; past twenty the colour key says the colours repeat."""

from __future__ import annotations

import numpy as np

from studio.plots import colors
from studio.plots.color_scale import ColorScale

#: the first ten class colours as screenshots and users know them
FIRST_TEN = [(245, 147, 34), (8, 119, 189), (44, 160, 44), (214, 39, 40), (148, 103, 189), (140, 86, 75),
             (227, 119, 194), (127, 127, 127), (188, 189, 34), (23, 190, 207)]


def _lab(rgb: np.ndarray) -> np.ndarray:
    """sRGB 0..255 (n, 3) -> CIELAB (n, 3), D65 white."""
    c = np.asarray(rgb, dtype=np.float64) / 255.0
    c = np.where(c > 0.04045, ((c + 0.055) / 1.055) ** 2.4, c / 12.92)
    m = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]])
    xyz = c @ m.T / np.array([0.9505, 1.0, 1.089])
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16 / 116)
    return np.stack([116 * f[:, 1] - 16, 500 * (f[:, 0] - f[:, 1]), 200 * (f[:, 1] - f[:, 2])], axis=-1)


def _closest_pair(rgb: np.ndarray) -> float:
    lab = _lab(rgb)
    d = np.linalg.norm(lab[:, None] - lab[None], axis=-1)
    return float(d[~np.eye(len(lab), dtype=bool)].min())


def test_20_classes_get_distinct_colours_and_the_first_ten_are_unchanged() -> None:
    assert [colors.class_color(k) for k in range(10)] == FIRST_TEN
    twenty = np.array([colors.class_color(k) for k in range(20)], dtype=np.float64)
    assert len({tuple(c) for c in twenty}) == 20  # class 10 is no longer class 0's orange
    assert _closest_pair(twenty) > 15  # CIELAB ΔE: clearly different, not merely unequal
    # where a class is certain the boundary paints it MULTICLASS_STRENGTH of the way from white
    certain = colors.multiclass_rgba(np.eye(20, dtype=np.float32)[None])[0, :, :3]
    assert len({tuple(c) for c in certain}) == 20 and _closest_pair(certain) > 15
    white = _lab(colors.WHITE[None])[0]
    assert np.linalg.norm(_lab(certain) - white, axis=-1).min() > 25  # none looks like "unsure" white
    # points and the key use the same colours
    assert np.array_equal(colors.point_rgb(np.arange(20), "multiclass", (0.0, 1.0)), twenty)


def test_the_key_says_when_colours_repeat(qtbot) -> None:
    key = ColorScale()
    qtbot.addWidget(key)
    key.set_classes([f"c{k:02d}" for k in range(20)])
    assert "repeat" not in key.title
    key.set_classes([f"c{k:02d}" for k in range(len(colors.CLASS_COLORS) + 1)])
    assert colors.class_color(len(colors.CLASS_COLORS)) == colors.class_color(0)
    assert f"repeat after {len(colors.CLASS_COLORS)} classes" in key.title


def test_the_key_shows_every_one_of_20_classes_on_wrapped_rows(qtbot) -> None:
    from studio.plots.boundary import BoundaryView

    view = BoundaryView()
    qtbot.addWidget(view)
    x = np.random.default_rng(0).normal(size=(60, 2))
    names = [f"c{k:02d}" for k in range(20)]
    view.set_data(x, np.arange(60) % 20, x[:0], np.zeros(0, int), "multiclass", ["x1", "x2"], names)
    view.resize(480, 640)
    view.show()
    key = view.color_scale
    qtbot.waitUntil(lambda: key.height() == key.sizeHint().height() and key.width() > 300, timeout=3000)
    drawn = key.swatch_rects()
    assert [k for k, _, _ in drawn] == list(range(20)) and [t for _, t, _ in drawn] == names  # none cut off
    rows = sorted({r.top() for _, _, r in drawn})
    assert len(rows) >= 2  # one row of 20 names does not fit 480 px: they wrap (it showed c00..c10)
    for _, _, r in drawn:
        assert r.left() >= 4 and r.right() <= key.width() - 4 and r.bottom() <= key.height()
    assert all(a.right() < b.left() for (_, _, a), (_, _, b) in zip(drawn, drawn[1:], strict=False)
               if a.top() == b.top())


def test_a_key_of_many_classes_ends_in_how_many_are_left(qtbot) -> None:
    from studio.plots.color_scale import MAX_CLASS_ROWS

    key = ColorScale()
    qtbot.addWidget(key)
    key.set_classes([f"class {k}" for k in range(200)])
    key.resize(400, 200)
    drawn = key.swatch_rects()
    assert len({r.top() for _, _, r in drawn}) == MAX_CLASS_ROWS
    k, more, r = drawn[-1]
    assert k == -1 and more == f"+{200 - (len(drawn) - 1)} more" and r.right() <= 396
    assert [k for k, _, _ in drawn[:-1]] == list(range(len(drawn) - 1))
