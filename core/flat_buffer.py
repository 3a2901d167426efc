"""One flat buffer for all parameters of a model (and one for their gradients).

``bind_flat(layers, dtype, previous)`` lays every layer's ``params`` out in one contiguous array of the
model dtype, each parameter starting at a 64-byte aligned offset (the padding between them stays zero),
copies the freshly initialized values in and hands each layer views into it (``layer._bind``). The
gradients get a twin buffer with the same layout. An optimizer then updates every weight with a few
in-place ufunc calls on the two flat arrays. Rebinding an unchanged structure reuses the previous arrays,
so views held elsewhere (the GUI's) stay valid.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["ALIGN", "FlatBuffer", "aligned_zeros", "bind_flat"]

ALIGN = 64  # bytes


@dataclass
class FlatBuffer:
    """``params``/``grads`` (size,) arrays; ``layout`` rows (layer index, key, shape, offset);
    ``views_p``/``views_g``: per layer, key -> view into ``params``/``grads``."""

    params: np.ndarray
    grads: np.ndarray
    layout: list[tuple[int, str, tuple[int, ...], int]]
    views_p: list[dict[str, np.ndarray]]
    views_g: list[dict[str, np.ndarray]]


def aligned_zeros(size: int, dtype: np.dtype) -> np.ndarray:
    """Zeroed 1-D array of ``dtype`` whose data starts on a 64-byte boundary."""
    item = dtype.itemsize
    raw = np.zeros(size + ALIGN // item, dtype=dtype)
    shift = (-raw.ctypes.data % ALIGN) // item
    return raw[shift : shift + size]


def bind_flat(layers: Sequence[Any], dtype: np.dtype, previous: FlatBuffer | None) -> FlatBuffer:
    """Bind the built ``layers``' parameters and gradients to flat buffers (see the module docstring).

    ``previous`` is reused (gradients zeroed) when the layout is unchanged.
    """
    layout: list[tuple[int, str, tuple[int, ...], int]] = []
    offset = 0
    step = ALIGN // dtype.itemsize
    for i, layer in enumerate(layers):
        for key, value in layer.params.items():
            layout.append((i, key, value.shape, offset))
            offset += -(-value.size // step) * step
    if (previous is not None and previous.params.dtype == dtype and previous.layout == layout
            and previous.params.size == offset):
        buf = previous  # the same array objects: references held elsewhere (GUI) stay valid
        buf.grads.fill(0)
    else:
        buf = FlatBuffer(aligned_zeros(offset, dtype), aligned_zeros(offset, dtype), layout,
                         [{} for _ in layers], [{} for _ in layers])
        for i, key, shape, off in layout:
            size = math.prod(shape)
            buf.views_p[i][key] = buf.params[off : off + size].reshape(shape)
            buf.views_g[i][key] = buf.grads[off : off + size].reshape(shape)
    for i, layer in enumerate(layers):
        for key, value in layer.params.items():
            np.copyto(buf.views_p[i][key], value)
        layer._bind(buf.views_p[i], buf.views_g[i])
    return buf
