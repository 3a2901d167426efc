"""What a model accepts from its callers: the dtype, feature matrices, targets and weight lists.

Each check raises ValueError with one line naming the argument and what was expected.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def check_dtype(dtype: Any) -> np.dtype:
    """The model dtype: float32 or float64, else ValueError."""
    try:
        dt = np.dtype(dtype)
    except TypeError:
        dt = None
    if dt not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise ValueError(f"dtype must be 'float32' or 'float64'. Received: dtype={dtype!r}")
    return dt


def check_features(x: Any, input_dim: int | None, what: str = "x") -> np.ndarray:
    """Validate a feature matrix (n, f): numeric, 2-D, non-empty, finite, f == input_dim (if known)."""
    a = np.asarray(x)
    if a.dtype == object or not (np.issubdtype(a.dtype, np.number) or a.dtype == np.bool_):
        raise ValueError(f"{what} must be numeric. Received dtype {a.dtype}")
    if a.ndim != 2:
        raise ValueError(f"{what} must be a 2-D array (samples, features). Received shape {a.shape}")
    if a.shape[0] == 0:
        raise ValueError(f"{what} has no rows")
    if input_dim is not None and a.shape[1] != input_dim:
        raise ValueError(
            f"{what} has {a.shape[1]} features but the model expects {input_dim} inputs "
            f"(input_dim={input_dim})"
        )
    if np.issubdtype(a.dtype, np.complexfloating):
        raise ValueError(f"{what} must contain real numbers. Received dtype {a.dtype}")
    if np.issubdtype(a.dtype, np.floating):
        finite = np.isfinite(a)
        if not finite.all():
            row = int(np.argmax(~finite.all(axis=1)))
            raise ValueError(f"{what} contains NaN or infinite values (first at row {row})")
    if a.dtype == np.bool_:
        a = a.astype(np.uint8)
    return a


def check_targets(y: Any, rows: int, what: str = "") -> np.ndarray:
    """``y`` as an array with one row per feature row (``rows`` of them)."""
    ya = np.asarray(y)
    if ya.ndim == 0 or ya.shape[0] != rows:
        raise ValueError(
            f"{what}x and {what}y have different numbers of rows: {rows} and "
            f"{ya.shape[0] if ya.ndim else 'a scalar'}"
        )
    return ya


def infer_input_dim(weights: list[Any]) -> int | None:
    """Input width from the first weight array (its first axis is the layer's input width)."""
    if weights and np.ndim(weights[0]) >= 1:
        return int(np.shape(weights[0])[0])
    return None
