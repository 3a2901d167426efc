"""Shared helpers for the engine tests: central-difference gradients (float64)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def numeric_grad(f: Callable[[], float], arr: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """d f / d arr by central differences, perturbing ``arr`` in place (restored afterwards)."""
    grad = np.zeros(arr.shape, dtype=np.float64)
    flat = arr.reshape(-1)
    gflat = grad.reshape(-1)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + eps
        fp = f()
        flat[i] = old - eps
        fm = f()
        flat[i] = old
        gflat[i] = (fp - fm) / (2 * eps)
    return grad


def assert_close(analytic: np.ndarray, numeric: np.ndarray, rtol: float = 1e-6, atol: float = 1e-8) -> None:
    """Relative error check that tolerates tiny entries."""
    analytic = np.asarray(analytic, dtype=np.float64)
    numeric = np.asarray(numeric, dtype=np.float64)
    assert analytic.shape == numeric.shape
    scale = max(np.abs(numeric).max(), np.abs(analytic).max(), 1e-3)
    err = np.abs(analytic - numeric).max()
    assert err <= atol + rtol * scale, f"max abs error {err:.3e} (scale {scale:.3e})"
