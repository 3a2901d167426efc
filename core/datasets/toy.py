"""2D toy data sets in the spirit of TensorFlow Playground; features ``x1``, ``x2`` in about [-6, 6].

Classification: circle, xor, gauss, spiral, moons, checkerboard, blobs (k = 3..6).
Regression: plane, gaussians (a sum of Gaussian bumps). ``noise`` is a fraction in [0, 1].
The same arguments (and seed) always give the same points.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from core import limits
from core.datasets.dataset import Dataset, stratified_split
from core.errors import DataError

RADIUS = 5.0
CLASSIFICATION_TOYS = ("circle", "xor", "gauss", "spiral", "moons", "checkerboard", "blobs")
REGRESSION_TOYS = ("plane", "gaussians")
TOY_NAMES = CLASSIFICATION_TOYS + REGRESSION_TOYS
MAX_SAMPLES = limits.TOY_SAMPLES

_Gen = Callable[[np.random.Generator, int, float, int], tuple[np.ndarray, np.ndarray]]


def _circle(rng: np.random.Generator, n: int, noise: float, _k: int) -> tuple[np.ndarray, np.ndarray]:
    """Class 1 inside radius 2.5, class 0 on a ring between 3.5 and 5."""
    n_in = n // 2
    r = np.concatenate([rng.uniform(0.0, 0.5 * RADIUS, n_in), rng.uniform(0.7 * RADIUS, RADIUS, n - n_in)])
    ang = rng.uniform(0.0, 2 * np.pi, n)
    x = np.stack([r * np.cos(ang), r * np.sin(ang)], axis=1)
    y = np.concatenate([np.ones(n_in), np.zeros(n - n_in)]).astype(np.int64)
    x += rng.uniform(-RADIUS, RADIUS, x.shape) * noise
    return x, y


def _xor(rng: np.random.Generator, n: int, noise: float, _k: int) -> tuple[np.ndarray, np.ndarray]:
    """Uniform points away from the axes; class 1 where x1 * x2 > 0 (before noise)."""
    pad = 0.3
    x = rng.uniform(-RADIUS, RADIUS, (n, 2))
    x += np.where(x >= 0, pad, -pad)
    y = (x[:, 0] * x[:, 1] > 0).astype(np.int64)
    x += rng.uniform(-RADIUS, RADIUS, x.shape) * noise
    return x, y


def _gauss(rng: np.random.Generator, n: int, noise: float, _k: int) -> tuple[np.ndarray, np.ndarray]:
    """Two Gaussian blobs at (2, 2) (class 1) and (-2, -2) (class 0); spread grows with noise."""
    std = np.sqrt(0.5 + 3.5 * noise)
    n1 = n // 2
    y = np.concatenate([np.ones(n1), np.zeros(n - n1)]).astype(np.int64)
    centers = np.where(y[:, None] == 1, 2.0, -2.0)
    return centers + rng.normal(0.0, std, (n, 2)), y


def _spiral(rng: np.random.Generator, n: int, noise: float, _k: int) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaved spiral arms (class 1 and class 0), radius up to 5."""
    n1 = n // 2
    parts, labels = [], []
    for cls, m, delta in ((1, n1, 0.0), (0, n - n1, np.pi)):
        t = np.arange(m) / max(m, 1)
        r = t * RADIUS
        ang = 1.75 * t * 2 * np.pi + delta
        pts = np.stack([r * np.sin(ang), r * np.cos(ang)], axis=1)
        pts += rng.uniform(-1.0, 1.0, pts.shape) * noise * RADIUS * 0.2
        parts.append(pts)
        labels.append(np.full(m, cls, dtype=np.int64))
    return np.concatenate(parts), np.concatenate(labels)


def _moons(rng: np.random.Generator, n: int, noise: float, _k: int) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half moons, scaled to about [-5, 5]."""
    n0 = n // 2
    t0 = rng.uniform(0.0, np.pi, n0)
    t1 = rng.uniform(0.0, np.pi, n - n0)
    upper = np.stack([np.cos(t0), np.sin(t0)], axis=1)
    lower = np.stack([1.0 - np.cos(t1), 0.5 - np.sin(t1)], axis=1)
    x = (np.concatenate([upper, lower]) - [0.5, 0.25]) * 3.2
    x += rng.normal(0.0, 1.0, x.shape) * noise * 1.5
    y = np.concatenate([np.zeros(n0), np.ones(n - n0)]).astype(np.int64)
    return x, y


def _checkerboard(rng: np.random.Generator, n: int, noise: float, _k: int) -> tuple[np.ndarray, np.ndarray]:
    """Uniform points on a 4 x 4 board of 3 x 3 squares over [-6, 6]; alternate squares alternate class."""
    x = rng.uniform(-6.0, 6.0, (n, 2))
    y = ((np.floor(x[:, 0] / 3.0) + np.floor(x[:, 1] / 3.0)) % 2).astype(np.int64)
    x += rng.normal(0.0, 1.0, x.shape) * noise * 1.5
    return x, y


def _blobs(rng: np.random.Generator, n: int, noise: float, k: int) -> tuple[np.ndarray, np.ndarray]:
    """``k`` Gaussian blobs with centers evenly spaced on a circle of radius 3.5."""
    y = np.arange(n, dtype=np.int64) % k
    ang = 2 * np.pi * np.arange(k) / k + np.pi / 2
    centers = 3.5 * np.stack([np.cos(ang), np.sin(ang)], axis=1)
    std = 0.6 + 1.6 * noise
    return centers[y] + rng.normal(0.0, std, (n, 2)), y


def _plane(rng: np.random.Generator, n: int, noise: float, _k: int) -> tuple[np.ndarray, np.ndarray]:
    """Target ``(x1 + x2) / 10`` (range [-1, 1]) plus noise."""
    x = rng.uniform(-RADIUS, RADIUS, (n, 2))
    y = (x[:, 0] + x[:, 1]) / (2 * RADIUS) + rng.uniform(-1.0, 1.0, n) * noise
    return x, y.reshape(-1, 1)


_BUMPS = ((-4.0, 2.5, 1.0), (0.0, 2.5, -1.0), (4.0, 2.5, 1.0), (-4.0, -2.5, -1.0), (0.0, -2.5, 1.0),
          (4.0, -2.5, -1.0))


def _gaussians_target(x: np.ndarray) -> np.ndarray:
    y = np.zeros(len(x))
    for cx, cy, sign in _BUMPS:
        y += sign * np.exp(-((x[:, 0] - cx) ** 2 + (x[:, 1] - cy) ** 2) / 2.0)
    return y


def _gaussians(rng: np.random.Generator, n: int, noise: float, _k: int) -> tuple[np.ndarray, np.ndarray]:
    """Sum of six signed Gaussian bumps (range about [-1, 1]) plus noise."""
    x = rng.uniform(-6.0, 6.0, (n, 2))
    y = _gaussians_target(x) + rng.uniform(-1.0, 1.0, n) * noise
    return x, y.reshape(-1, 1)


_GENERATORS: dict[str, _Gen] = {
    "circle": _circle, "xor": _xor, "gauss": _gauss, "spiral": _spiral, "moons": _moons,
    "checkerboard": _checkerboard, "blobs": _blobs, "plane": _plane, "gaussians": _gaussians,
}

_CLASS_NAMES = {
    "circle": ["outside", "inside"], "xor": ["0", "1"], "gauss": ["0", "1"], "spiral": ["0", "1"],
    "moons": ["0", "1"], "checkerboard": ["0", "1"],
}


def toy_class_names(name: str, classes: int = 3) -> list[str]:
    """Class names of a toy set ([] for regression)."""
    if name in REGRESSION_TOYS:
        return []
    if name == "blobs":
        return [str(i) for i in range(classes)]
    return list(_CLASS_NAMES[name])


def make_toy(
    name: str,
    samples: int = 500,
    noise: float = 0.0,
    test_fraction: float = 0.5,
    seed: int | None = 0,
    classes: int = 3,
    points: Sequence[Sequence[Any]] = (),
    scaling: str = "standard",
) -> Dataset:
    """Generate a 2D toy Dataset.

    ``name`` is one of ``TOY_NAMES``; ``samples`` in 0..100000 (0 with ``points`` = hand-drawn
    data); ``noise`` in [0, 1]; ``classes`` (blobs only) in 3..6. ``points`` are extra rows
    ``[x1, x2, label, split]`` (split "train" or "test"; label a class index/name or target
    value) appended after generation, as recorded by ``Dataset.add_point``.
    x: (n, 2) float32; y: (n,) int64 or (n, 1) float32 for plane/gaussians.
    """
    if name not in _GENERATORS:
        raise DataError(f"unknown toy data set {name!r}; choose one of {', '.join(TOY_NAMES)}")
    if isinstance(samples, bool) or not isinstance(samples, int | np.integer) \
            or not 0 <= samples <= MAX_SAMPLES:
        raise DataError(f"samples must be an integer in 0..{MAX_SAMPLES}, got {samples!r}")
    if not 0.0 <= float(noise) <= 1.0:
        raise DataError(f"noise must be in [0, 1], got {noise!r}")
    if name == "blobs" and (isinstance(classes, bool) or not isinstance(classes, int | np.integer)
                            or not 3 <= classes <= 6):
        raise DataError(f"blobs classes must be an integer in 3..6, got {classes!r}")
    rng = np.random.default_rng(seed)
    x, y = _GENERATORS[name](rng, int(samples), float(noise), int(classes))
    regression = name in REGRESSION_TOYS
    class_names = toy_class_names(name, int(classes))
    if regression:
        task = "regression"
        train, test = stratified_split(len(x), test_fraction, seed)
    else:
        task = "binary" if len(class_names) == 2 else "multiclass"
        train, test = stratified_split(len(x), test_fraction, seed, labels=y)
    x = x.astype(np.float32)
    y = y.astype(np.float32) if regression else y.astype(np.int64)
    ds = Dataset(
        name=name, source="toy", task=task,
        x_train=x[train], y_train=y[train], x_test=x[test], y_test=y[test],
        feature_names=["x1", "x2"], class_names=class_names,
        target_names=["y"] if regression else ["label"], scaling=scaling,
        preprocessing={"toy": {"name": name, "samples": int(samples), "noise": float(noise),
                               "test_fraction": float(test_fraction), "seed": seed, "classes": int(classes)}},
    )
    ds.add_points(points)
    ds.summary = _summary(ds, noise)
    return ds


def _summary(ds: Dataset, noise: float) -> str:
    lines = [f"Toy data '{ds.name}': {len(ds.y_train)} train / {len(ds.y_test)} test points, "
             f"features x1, x2, noise {noise:g}, task {ds.task}"]
    if ds.added_points:
        lines.append(f"{len(ds.added_points)} point(s) added by hand")
    if ds.is_classification and len(ds.y_train):
        counts = np.bincount(ds.y_train, minlength=ds.num_classes)
        lines.append("class balance (train): " + ", ".join(
            f"{c}: {int(k)}" for c, k in zip(ds.class_names, counts, strict=True)))
    return "\n".join(lines)
