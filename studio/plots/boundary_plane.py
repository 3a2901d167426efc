"""The decision boundary's plane: which two features span it, where it lies, what the others are held at."""

from __future__ import annotations

import numpy as np

from core.probes import GridSpec, make_grid_spec, one_hot_groups, slice_base


def default_axes(feature_names: list[str]) -> tuple[int, int]:
    """The first two continuous features (one-hot columns are named "col=value"), else the first ones."""
    cont = [i for i, n in enumerate(feature_names) if "=" not in n]
    picks = (cont + [i for i in range(len(feature_names)) if i not in cont])[:2] or [0]
    return picks[0], picks[1] if len(picks) > 1 else picks[0]


def plane_grid(
    x_train: np.ndarray, x_test: np.ndarray, feature_names: list[str], axes: tuple[int, int], resolution: int
) -> tuple[GridSpec, bool, dict[str, str]]:
    """The grid over ``axes`` spanning the training and test points (n, f) with a margin.

    Returns the grid (the other features at their training median), whether the plane is square
    (comparable ranges: equal units on both axes) and the category each one-hot group is held at.
    """
    both = np.concatenate([x_train, x_test]) if x_test.size else x_train
    spec = make_grid_spec(both.astype(np.float64), axes, resolution)
    base, chosen = slice_base(x_train, feature_names, spec.axes)
    x0, x1, y0, y1 = spec.extent
    # equal units on both axes when they are comparable (toy data: a circle looks round);
    # features in different units (mm against g) keep their own scales
    ratio = (x1 - x0) / max(y1 - y0, 1e-12)
    square = 1 / 3 <= ratio <= 3
    if square:  # the shorter side grows to a square plane: the heatmap fills the square plot
        half = max(x1 - x0, y1 - y0) / 2
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        x0, x1, y0, y1 = cx - half, cx + half, cy - half, cy + half
    spec = GridSpec(axes=spec.axes, extent=(x0, x1, y0, y1), base=base, resolution=spec.resolution)
    return spec, square, chosen


def slice_note(x_train: np.ndarray, feature_names: list[str], spec: GridSpec, chosen: dict[str, str]) -> str:
    """What a sliced plane holds the features off its axes at (training medians, most frequent categories)."""
    grouped = {c for cols in one_hot_groups(x_train, feature_names).values() for c in cols}
    others = [
        f"{feature_names[i]}={spec.base[i]:.3g}"
        for i in range(len(spec.base))
        if i not in spec.axes and i not in grouped
    ]
    others += [f"{g} = {v} (most frequent)" for g, v in chosen.items()]
    shown = ", ".join(others[:6]) + (f", … ({len(others) - 6} more)" if len(others) > 6 else "")
    held = "training median" + (", categories at the most frequent one" if chosen else "")
    return f"Slice: other features held at their {held} ({shown})"
