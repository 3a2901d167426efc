"""Which neurons a canvas layer card draws (no Qt): every unit up to :data:`MAX_NEURONS`; a wider layer its
first :data:`COMPACT_TOP`, a "⋮" row and its last two. The neuron pictures follow the same rule
(``core.probes.pictured_units``), so every drawn neuron has one and no undrawn unit costs one."""

from __future__ import annotations

#: the widest layer a card draws in full
MAX_NEURONS = 16
#: how many of a wider layer's first units its card draws (then "⋮" and the last two)
COMPACT_TOP = 6


def drawn_units(width: int) -> list[int]:
    """Unit indices (ascending) a card draws for a layer of ``width`` units."""
    if width <= MAX_NEURONS:
        return list(range(max(width, 0)))
    return [*range(COMPACT_TOP), width - 2, width - 1]
