"""Atomic file writes: write a temporary file in the same folder, then ``os.replace`` it.

Readers see either the old file or the complete new one; a failed write leaves nothing behind.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from typing import BinaryIO


def default_mode() -> int:
    """File mode a plain ``open(..., "w")`` would give (0o666 minus the umask)."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def write_atomically(path: str | os.PathLike[str], write: Callable[[BinaryIO], None]) -> str:
    """Call ``write(fh)`` on a temporary binary file beside ``path``, then rename it into place.

    Raises OSError as the file system reports it; returns the absolute path written.
    """
    target = os.path.abspath(os.fspath(path))
    fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(target)}.", suffix=".tmp",
                               dir=os.path.dirname(target))
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        # mkstemp creates 0600 files; give the result the mode a plain open() would.
        os.chmod(tmp, default_mode())
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return target


def atomic_write(path: str | os.PathLike[str], data: bytes | str, encoding: str = "utf-8") -> str:
    """Write ``data`` (bytes, or text encoded with ``encoding``) to ``path`` atomically."""
    payload = data.encode(encoding) if isinstance(data, str) else data
    return write_atomically(path, lambda fh: fh.write(payload))
