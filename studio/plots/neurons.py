"""Neuron activation images for the canvas: (units, H, W) grids -> small QImages, one per neuron."""

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


def network_images(grids: dict[int, np.ndarray]) -> dict[int, list[QImage]]:
    """Images for every drawn layer: ``network_images(snapshot.neurons)[layer_index][unit]``."""
    return {i: layer_images(g) for i, g in grids.items()}
