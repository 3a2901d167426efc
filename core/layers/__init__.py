"""Layers: Dense, Dropout, Activation, PReLU, Normalization.

Contract: ``build(input_dim, rng, dtype)``, ``output_dim``, ``forward(x, training)``, ``backward(g) -> dx``,
``params`` / ``grads`` dicts with the same keys, ``get_weights()`` / ``set_weights()``, ``get_config()``,
``name``, ``count_params()``; for the Explain pass (``core.explain``) ``explain_forward(x)``,
``explain_backward(trace)`` and ``explain_lines(trace, j, backward, max_terms)`` (one sample, float64).

Shapes: ``x`` (batch, input_dim) -> (batch, output_dim). ``forward(x, training=True)`` keeps one cache per
layer (overwritten each step) in preallocated work buffers; ``backward(g)`` returns d(loss)/dx and may
overwrite ``g`` (the caller no longer needs it). ``forward(x, training=False)`` is inference: it allocates
fresh outputs and touches no cache, so ``predict`` between training steps is safe.

Once a ``Sequential`` model is built, ``params``/``grads`` values are views into the model's single flat
parameter/gradient buffers; ``set_weights`` copies into them so the views stay valid.

Each layer is a module of this package (``core.layers.dense``, ``.dropout``, ``.activation``, ``.prelu``,
``.normalization``; the base class in ``.base``); they are all importable from here.
"""

from __future__ import annotations

from typing import Any

from core.layers.activation import Activation
from core.layers.base import Layer
from core.layers.dense import Dense
from core.layers.dropout import Dropout
from core.layers.normalization import Normalization
from core.layers.prelu import PReLU

__all__ = [
    "Layer",
    "Dense",
    "Dropout",
    "Activation",
    "PReLU",
    "Normalization",
    "LAYER_CLASSES",
    "deserialize",
]

LAYER_CLASSES: dict[str, type[Layer]] = {
    cls.__name__: cls for cls in (Dense, Dropout, Activation, PReLU, Normalization)
}


def deserialize(config: dict[str, Any]) -> Layer:
    """A layer from ``{"class_name": ..., "config": {...}}``."""
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"Layer config must be a dict with 'class_name' and 'config'. Received: {config!r}")
    name = config["class_name"]
    cls = LAYER_CLASSES.get(name)
    if cls is None:
        raise ValueError(f"Unknown layer class: {name!r}. Valid names: {', '.join(LAYER_CLASSES)}")
    return cls.from_config(dict(config.get("config", {})))
