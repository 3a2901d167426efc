"""Data sets for Feedforward Studio: 2D toy sets, CSV files and MNIST, all as ``Dataset`` objects.

``load_csv`` and ``load_mnist`` are imported lazily (pandas is only needed for CSV).
"""

from __future__ import annotations

from typing import Any

from core.datasets.dataset import Dataset, fit_scaling, stratified_split
from core.datasets.toy import TOY_NAMES, make_toy

__all__ = ["Dataset", "TOY_NAMES", "fit_scaling", "load_csv", "load_mnist", "make_toy", "stratified_split"]


def __getattr__(name: str) -> Any:
    if name == "load_csv":
        from core.datasets.csv import load_csv

        return load_csv
    if name == "load_mnist":
        from core.datasets.mnist import load_mnist

        return load_mnist
    raise AttributeError(f"module 'core.datasets' has no attribute {name!r}")
