"""Where a file dialog starts when nothing nearer is known: the user's Documents folder, else home.

Qt starts a dialog given no folder (or a bare file name) in the process's working folder: after
``make run`` that is the source checkout. Every dialog of the app names a folder: its file's, the
project's, or this one.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QStandardPaths


def is_folder(path: str | Path) -> bool:
    """True when ``path`` is an existing folder (a name too long for the system is none)."""
    try:
        return Path(path).is_dir()
    except OSError:
        return False


def user_folder() -> Path:
    """The user's Documents folder when it exists, else their home folder."""
    documents = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    return Path(documents) if documents and is_folder(documents) else Path.home()
