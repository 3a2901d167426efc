"""Feedforward Studio engine: pure NumPy, no Qt.

``from core import Sequential`` plus the submodules ``layers``, ``activations``, ``losses``,
``initializers``, ``regularizers``, ``optimizers``, ``schedules``, ``metrics``, ``callbacks``, ``training``.
"""

from core import activations, callbacks, initializers, layers, losses, regularizers
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
    "regularizers",
]


def __getattr__(name: str):  # lazy submodules that depend on other engineers' files
    import importlib

    if name in ("optimizers", "schedules", "metrics", "training", "model"):
        return importlib.import_module(f"core.{name}")
    raise AttributeError(f"module 'core' has no attribute {name!r}")
