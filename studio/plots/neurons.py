"""Neuron activation images for the canvas: (units, H, W) grids -> small QImages, one per neuron.

Hidden neurons: a diverging scale centred at 0 (orange < 0 < blue), :func:`layer_images`. The Output
card's neurons take the decision boundary's colours instead (:func:`rgba_images` of
``BoundaryView.output_neuron_rgba``), so they look like thumbnails of it."""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QImage

from studio.plots import colors


def rgba_to_qimage(rgba: np.ndarray) -> QImage:
    """(H, W, 4) uint8 RGBA (row 0 = bottom of the plane) -> QImage (row 0 = top), owning its pixels."""
    a = np.ascontiguousarray(rgba[::-1])
    h, w = a.shape[:2]
    return QImage(a.data, w, h, 4 * w, QImage.Format_RGBA8888).copy()


def layer_images(grid: np.ndarray, shared_scale: bool = False) -> list[QImage]:
    """One diverging (orange < 0 < blue) image per unit of a (units, H, W) activation grid.

    Each unit is scaled by its own max |activation| unless ``shared_scale`` (then the layer's).
    """
    grid = np.asarray(grid, dtype=np.float32)
    vmax = float(np.max(np.abs(grid))) if shared_scale and grid.size else None
    return [rgba_to_qimage(colors.diverging_rgba(g, vmax)) for g in grid]


def rgba_images(rgba: np.ndarray) -> list[QImage]:
    """One image per unit of (units, H, W, 4) uint8 pictures (e.g. the output neurons in the decision
    boundary's colours, ``BoundaryView.output_neuron_rgba``)."""
    return [rgba_to_qimage(a) for a in rgba]
