"""Feedforward Studio engine: pure NumPy, no Qt.

``from core import Sequential`` plus the submodules ``layers``, ``activations``, ``losses``,
``initializers``, ``regularizers``, ``optimizers``, ``schedules``, ``metrics``, ``callbacks``, ``training``.
"""

from core import (
    activations,
    callbacks,
    initializers,
    layers,
    losses,
    metrics,
    optimizers,
    regularizers,
    schedules,
    training,
)
from core.callbacks import History
from core.errors import TrainingDiverged
from core.model import Sequential

__all__ = [
    "Sequential",
    "History",
    "TrainingDiverged",
    "activations",
    "callbacks",
    "initializers",
    "layers",
    "losses",
    "metrics",
    "optimizers",
    "regularizers",
    "schedules",
    "training",
]
