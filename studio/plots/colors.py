"""Colour mapping for plots (NumPy only): model outputs -> uint8 RGBA images, class colours.

Orange/blue diverging scale for binary outputs (TensorFlow Playground's convention), a qualitative
palette for classes blended by probability, and a perceptual ramp for regression values. How a model
output maps to a colour lives here once: :func:`output_rgba` (the decision boundary, recordings) and
:func:`output_unit_rgba` (the Output card's neuron pictures, one per unit); the regression ramp's ends
for a data set once: :func:`target_ranges`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

#: Class colours (RGB 0..255); class 0 orange and class 1 blue as in the binary diverging scale. Twenty
#: distinct ones; more classes repeat them (the colour key says so). The first ten are the familiar
#: qualitative ten; the next ten are darker or other hues rather than pale partners: the boundary already
#: fades a class toward white (white means unsure), and pale colours faded there look alike and unsure. Any
#: two of the twenty differ by CIELAB ΔE > 15, at full colour and as a certain region paints them.
CLASS_COLORS = np.array(
    [
        (245, 147, 34),  # orange
        (8, 119, 189),  # blue
        (44, 160, 44),  # green
        (214, 39, 40),  # red
        (148, 103, 189),  # purple
        (140, 86, 75),  # brown
        (227, 119, 194),  # pink
        (127, 127, 127),  # grey
        (188, 189, 34),  # olive
        (23, 190, 207),  # cyan
        # rust, navy, dark green, maroon, indigo; gold, magenta, charcoal, dark olive, teal
        (153, 76, 0), (31, 52, 120), (0, 100, 0), (128, 0, 38), (84, 39, 143),
        (255, 215, 0), (158, 1, 122), (60, 60, 60), (110, 110, 0), (0, 110, 120),
    ],
    dtype=np.float32,
)

WHITE = np.array([250, 250, 250], dtype=np.float32)
#: how far a certain class region goes from white toward its class colour
MULTICLASS_STRENGTH = 0.7

# Viridis-like ramp control points for regression heatmaps (t, r, g, b).
_RAMP = np.array(
    [
        (0.00, 68, 1, 84),
        (0.25, 59, 82, 139),
        (0.50, 33, 145, 140),
        (0.75, 94, 201, 98),
        (1.00, 253, 231, 37),
    ],
    dtype=np.float32,
)


#: The two tones of every data point's edge (RGB): a ring round its fill and a rim outside the ring, one light
#: and one dark, so a point reads over any picture colour, also where the model fits it and its fill is the
#: colour under it (a regression ramp runs from dark purple to light yellow: no single outline contrasts
#: with all of it).
LIGHT_EDGE = (255, 255, 255)
DARK_EDGE = (30, 30, 30)
#: the rim's width outside the ring, in pixels
RIM_PX = 1.5


def point_edges(split: str) -> tuple[tuple[int, int, int], tuple[int, int, int]]:
    """(ring, rim) colours of a ``split`` ("train" or "test") point: training points have a white ring in
    a dark rim (TensorFlow Playground's white outline), test points a dark ring in a light rim (its dark
    one)."""
    return (LIGHT_EDGE, DARK_EDGE) if split == "train" else (DARK_EDGE, LIGHT_EDGE)


def class_color(k: int) -> tuple[int, int, int]:
    """RGB of class ``k`` (repeats after ``len(CLASS_COLORS)`` classes)."""
    c = CLASS_COLORS[k % len(CLASS_COLORS)]
    return int(c[0]), int(c[1]), int(c[2])


def _rgba(rgb: np.ndarray, alpha: int = 255) -> np.ndarray:
    out = np.empty(rgb.shape[:-1] + (4,), dtype=np.uint8)
    np.clip(rgb, 0, 255, out=rgb)
    out[..., :3] = rgb
    out[..., 3] = alpha
    return out


def _binary_lut(strength: float) -> np.ndarray:
    """(1024, 4) uint8 colours for P(class 1) quantized to 1024 levels."""
    p = np.linspace(0.0, 1.0, 1024, dtype=np.float32)
    t = (p - 0.5) * 2.0
    a = np.abs(t)[:, None] * strength
    target = np.where((t >= 0)[:, None], CLASS_COLORS[1], CLASS_COLORS[0])
    return _rgba(WHITE * (1.0 - a) + target * a)


_LUTS: dict[float, np.ndarray] = {}


def binary_rgba(p: np.ndarray, discretize: bool = False, strength: float = 0.75) -> np.ndarray:
    """Diverging image of P(class 1) ``p`` (H, W): orange 0, white 0.5, blue 1 -> (H, W, 4) uint8.

    A 1024-entry lookup table keeps this well under a millisecond for a 100x100 grid.
    """
    lut = _LUTS.get(strength)
    if lut is None:
        lut = _LUTS[strength] = _binary_lut(strength)
    p = np.asarray(p, dtype=np.float32)
    if discretize:
        p = (p > 0.5).astype(np.float32)
    idx = np.clip(p * 1023.0 + 0.5, 0, 1023).astype(np.intp)
    return lut[idx]


def _fade(rgb: np.ndarray, conf: np.ndarray, classes: int, strength: float) -> np.ndarray:
    """``rgb`` (..., 3) or (3,) lightened toward white by confidence ``conf`` (..., 1) -> (..., 4) uint8.

    Confidence 1/``classes`` (a guess) is white, 1 is the colour at ``strength``."""
    lo = 1.0 / max(classes, 1)
    a = np.clip((conf - lo) / max(1.0 - lo, 1e-6), 0.0, 1.0) * strength
    return _rgba(WHITE * (1.0 - a) + rgb * a)


def multiclass_rgba(
    probs: np.ndarray, discretize: bool = False, strength: float = MULTICLASS_STRENGTH
) -> np.ndarray:
    """Class colours blended by probability ``probs`` (H, W, C), lightened toward white -> (H, W, 4) uint8.

    Certain regions get the full class colour (times ``strength``), uncertain ones fade to grey-white.
    """
    probs = np.asarray(probs, dtype=np.float32)
    c = probs.shape[-1]
    if discretize:
        probs = np.eye(c, dtype=np.float32)[np.argmax(probs, axis=-1)]
    pal = CLASS_COLORS[np.arange(c) % len(CLASS_COLORS)]
    return _fade(probs @ pal, probs.max(axis=-1, keepdims=True), c, strength)


def class_rgba(p: np.ndarray, k: int, classes: int, strength: float = MULTICLASS_STRENGTH) -> np.ndarray:
    """P(class ``k``) ``p`` (H, W) of ``classes`` in class k's colour, faded toward white as
    :func:`multiclass_rgba` fades uncertain regions (1/``classes`` and less: white) -> (H, W, 4) uint8.
    Where class k is certain both give the same colour."""
    return _fade(CLASS_COLORS[k % len(CLASS_COLORS)], np.asarray(p, dtype=np.float32)[..., None], classes,
                 strength)


def ramp_rgb(t: np.ndarray) -> np.ndarray:
    """Viridis-like colours for ``t`` in [0, 1] (any shape) -> (..., 3) float32 0..255."""
    t = np.clip(np.asarray(t, dtype=np.float32), 0.0, 1.0)
    out = np.empty(t.shape + (3,), dtype=np.float32)
    for ch in range(3):
        out[..., ch] = np.interp(t, _RAMP[:, 0], _RAMP[:, ch + 1])
    return out


def point_labels(y: np.ndarray, task: str) -> np.ndarray:
    """What colours each point (n,): the class index of targets ``y`` (n,) / (n, k) one-hot, or the
    first regression target."""
    y = np.asarray(y)
    if y.ndim == 2:
        y = y[:, 0] if y.shape[1] == 1 else (np.argmax(y, axis=1) if task != "regression" else y[:, 0])
    return y


def point_rgb(labels: np.ndarray, task: str, value_range: tuple[float, float]) -> np.ndarray:
    """Fill colours (n, 3) float32 0..255 of points labelled ``labels`` (n,) (:func:`point_labels`): the
    class colour, or the value ramp over ``value_range`` (the picture's, :func:`target_ranges`)."""
    labels = np.asarray(labels)
    if task == "regression":
        lo, hi = value_range
        return ramp_rgb((labels.astype(np.float32) - lo) / (hi - lo if hi > lo else 1.0))
    return CLASS_COLORS[labels.astype(np.intp) % len(CLASS_COLORS)]


def value_rgba(
    v: np.ndarray, vmin: float, vmax: float, discretize: bool = False, levels: int = 8
) -> np.ndarray:
    """Regression heatmap of values ``v`` (H, W) between ``vmin`` and ``vmax`` -> (H, W, 4) uint8."""
    span = vmax - vmin if vmax > vmin else 1.0
    t = (np.asarray(v, dtype=np.float32) - vmin) / span
    if discretize:
        t = np.floor(np.clip(t, 0, 0.999) * levels) / (levels - 1)
    return _rgba(ramp_rgb(t))


def target_ranges(y_train: np.ndarray, y_test: np.ndarray) -> list[tuple[float, float]]:
    """(min, max) of each regression target column over both splits ((n,) or (n, k) each); a constant
    target gets a span of 1. The value ramp's ends wherever a data set's values are coloured: the decision
    boundary, its Output card thumbnails and recorded frames."""
    ys = [np.asarray(y, dtype=np.float64).reshape(len(y), -1) for y in (y_train, y_test) if np.size(y)]
    if not ys:
        return [(0.0, 1.0)]
    allv = np.concatenate(ys)
    lo, hi = allv.min(axis=0), allv.max(axis=0)
    return [(float(a), float(b) if b > a else float(a) + 1.0) for a, b in zip(lo, hi, strict=True)]


def output_rgba(
    out: np.ndarray, task: str, discretize: bool = False, value_range: tuple[float, float] = (0.0, 1.0)
) -> np.ndarray:
    """Map a model output grid (H, W, units) for ``task`` to an RGBA image (H, W, 4) uint8.

    The decision boundary's colours: the one place that says how a model output maps to a colour (the
    Output card's neuron pictures use :func:`output_unit_rgba`, which maps with the same scales)."""
    out = np.asarray(out)
    if task == "regression":
        return value_rgba(out[..., 0], value_range[0], value_range[1], discretize=discretize)
    if out.shape[-1] == 1:
        return binary_rgba(out[..., 0], discretize=discretize)
    if out.shape[-1] == 2:  # two-unit softmax on a binary task: P(class 1) on the diverging scale
        return binary_rgba(out[..., 1], discretize=discretize)
    return multiclass_rgba(out, discretize=discretize)


def output_unit_rgba(
    grid: np.ndarray, task: str, value_ranges: Sequence[tuple[float, float]] = ((0.0, 1.0),),
    discretize: bool = False,
) -> np.ndarray:
    """The output neurons' pictures (units, H, W) in the decision boundary's colours -> (units, H, W, 4).

    Regression: target j on the boundary's value ramp over ``value_ranges[j]`` (target units); one or two
    units of classification: each neuron shows the boundary itself (P(class 1), orange 0 - white 0.5 -
    blue 1; a two-unit softmax's P(class 0) is 1 - P(class 1)); more classes: neuron k shows P(class k)
    in class k's colour (:func:`class_rgba`). ``grid`` holds every unit of the output
    (``core.probes.pictured_units``). ``discretize`` as the boundary's: neuron k shows where class k is
    predicted, the argmax over all the units.
    """
    grid = np.asarray(grid, dtype=np.float32)
    units = grid.shape[0]
    if task == "regression":
        ranges = list(value_ranges) or [(0.0, 1.0)]
        return np.stack([value_rgba(g, *ranges[min(j, len(ranges) - 1)], discretize=discretize)
                         for j, g in enumerate(grid)])
    if units <= 2:
        picture = output_rgba(np.moveaxis(grid, 0, -1), task, discretize=discretize)
        return np.broadcast_to(picture, (units, *picture.shape))
    if discretize:  # the predicted class's neuron at full colour, the others white
        grid = (np.argmax(grid, axis=0)[None] == np.arange(units)[:, None, None]).astype(np.float32)
    return np.stack([class_rgba(g, k, units) for k, g in enumerate(grid)])


def diverging_rgba(a: np.ndarray, vmax: float | None = None) -> np.ndarray:
    """Neuron activation image (H, W) -> RGBA: orange negative, white zero, blue positive."""
    a = np.asarray(a, dtype=np.float32)
    m = float(np.max(np.abs(a))) if vmax is None else float(vmax)
    m = m if m > 1e-12 else 1.0
    return binary_rgba(0.5 + 0.5 * np.clip(a / m, -1.0, 1.0), strength=0.9)
