"""OpenBLAS thread count of this process (no Qt: the picture process uses it too).

NumPy's OpenBLAS is looked up once (``ctypes``); after that reading or setting the count costs a
microsecond, so the training worker can switch it between steps (:mod:`studio.training.blas_tuner`).
"""

from __future__ import annotations

import ctypes
import functools
from typing import NamedTuple


class _OpenBlas(NamedTuple):
    set_threads: ctypes._CFuncPtr
    get_threads: ctypes._CFuncPtr
    #: the count OpenBLAS started with (its default: the usable cores, or ``OPENBLAS_NUM_THREADS``)
    default: int


@functools.cache
def _openblas() -> _OpenBlas | None:
    """NumPy's OpenBLAS thread setter and getter, found once; None when NumPy uses another BLAS."""
    import glob
    import os

    import numpy as np

    libdir = os.path.join(os.path.dirname(np.__file__), os.pardir, "numpy.libs")
    for path in glob.glob(os.path.join(libdir, "*openblas*")):
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for prefix in ("scipy_openblas", "openblas"):
            for suffix in ("64_", ""):
                setter = getattr(lib, f"{prefix}_set_num_threads{suffix}", None)
                getter = getattr(lib, f"{prefix}_get_num_threads{suffix}", None)
                if setter is not None and getter is not None:
                    setter.argtypes, setter.restype = [ctypes.c_int], None
                    getter.argtypes, getter.restype = [], ctypes.c_int
                    return _OpenBlas(setter, getter, max(int(getter()), 1))
    return None


def blas_threads() -> int | None:
    """OpenBLAS' current thread count (None if NumPy's BLAS is not a known OpenBLAS)."""
    lib = _openblas()
    return None if lib is None else int(lib.get_threads())


def set_blas_threads(n: int) -> None:
    """Ask OpenBLAS to use ``n`` threads from its next call on (every thread of this process)."""
    lib = _openblas()
    if lib is not None:
        lib.set_threads(int(n))


def default_blas_threads() -> int:
    """The thread count OpenBLAS had before this module first changed it (1 when unknown)."""
    lib = _openblas()
    return 1 if lib is None else lib.default


def limit_blas_threads(n: int = 1) -> int | None:
    """Ask NumPy's OpenBLAS to use ``n`` threads; returns the previous count (None if not possible).

    The GUI process already runs two busy threads (GUI + training worker) on what is often a 2-core
    machine; OpenBLAS' own spinning worker threads then steal the GUI's core. For the small matrices
    of the networks trained live (e.g. 10,000x8 @ 8x8 for the boundary grid) one BLAS thread is also
    faster: measured 9.4 ms -> 3.3 ms for the spiral net's grid forward pass on this machine.
    """
    before = blas_threads()
    if before is not None:
        set_blas_threads(n)
    return before
