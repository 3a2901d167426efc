"""OpenBLAS thread count of this process (no Qt: the picture process uses it too)."""

from __future__ import annotations


def limit_blas_threads(n: int = 1) -> int | None:
    """Ask NumPy's OpenBLAS to use ``n`` threads; returns the previous count (None if not possible).

    The GUI process already runs two busy threads (GUI + training worker) on what is often a 2-core
    machine; OpenBLAS' own spinning worker threads then steal the GUI's core. For the small matrices
    of the networks trained live (e.g. 10,000x8 @ 8x8 for the boundary grid) one BLAS thread is also
    faster: measured 9.4 ms -> 3.3 ms for the spiral net's grid forward pass on this machine.
    """
    import ctypes
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
                    getter.restype = ctypes.c_int
                    before = int(getter())
                    setter(ctypes.c_int(int(n)))
                    return before
    return None
