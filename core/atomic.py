"""Atomic writes now live in ``core.files`` (the one file layer); this name is kept for old imports."""

from core.files import atomic_write, default_mode, write_atomically

__all__ = ["atomic_write", "default_mode", "write_atomically"]
