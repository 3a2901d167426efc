"""Work around a reference-count bug of PySide6 6.12 on CPython < 3.12.

Every PySide6 method that returns nothing (``QWidget.update()``, ``QGraphicsItem.setPos()``,
``QLabel.setText()``, ...) drops one reference to ``None`` it never took. CPython 3.12+ makes
``None`` immortal so nothing happens there, but on 3.11 ``None``'s count (a few thousand at start)
reaches zero after a few thousand such calls and the interpreter aborts with
"Fatal Python error: none_dealloc". Measured here: 100 ``QGraphicsObject.update()`` calls lower
``sys.getrefcount(None)`` by exactly 100; emitting ``Signal(bool)`` with ``True`` over-releases
``True`` the same way. We give ``None``, ``True`` and ``False`` a huge reference count once, which
is what 3.12's immortal objects do; it costs nothing and is a no-op on 3.12+.
"""

from __future__ import annotations

import ctypes
import sys

_PIN = 1 << 60


def pin_none() -> None:
    """Make ``None``, ``True`` and ``False`` effectively immortal on CPython < 3.12 (idempotent)."""
    if sys.implementation.name != "cpython" or sys.version_info >= (3, 12):
        return
    for obj in (None, True, False):
        refcnt = ctypes.c_ssize_t.from_address(id(obj))  # ob_refcnt is the first field of PyObject
        if refcnt.value < _PIN:
            refcnt.value += _PIN
