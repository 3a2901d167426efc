"""The app's settings (last folder, recent projects, window layout), read with checks like every file.

Qt's ``QSettings`` parses its INI file itself, so ``open_settings`` first checks that file through the
file layer (``core.files.check_regular``: a regular file of at most ``limits.SETTINGS_BYTES``); a FIFO, a
device, a folder or a huge file is left alone and the session runs on default settings in a temporary
file, with one warning line. Values are checked when read (``text``, ``paths``, ``blob``): a value of the
wrong type, too long, or holding a NUL byte gives the default, never an exception.
"""

from __future__ import annotations

import os
import tempfile
from typing import Any

from PySide6.QtCore import QByteArray, QSettings, QStandardPaths

from core import limits
from core.errors import FFStudioError
from core.files import check_regular


def settings_path() -> str:
    """The user's settings file (where ``QSettings("FeedforwardStudio", "Studio")`` keeps it on Linux)."""
    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.GenericConfigLocation)
    return os.path.join(base or os.path.expanduser("~/.config"), "FeedforwardStudio", "Studio.conf")


def open_settings(path: str | None = None) -> tuple[QSettings, str | None]:
    """``(QSettings on path, None)``, or on a temporary file and the one-line reason when ``path``
    (default ``settings_path()``) exists but is not a regular file of at most ``limits.SETTINGS_BYTES``."""
    path = path or settings_path()
    if os.path.lexists(path):
        try:
            check_regular(path, "a settings file", FFStudioError, limits.SETTINGS_BYTES)
        except FFStudioError as exc:
            spare = os.path.join(tempfile.mkdtemp(prefix="ffstudio-settings-"), "Studio.conf")
            return QSettings(spare, QSettings.Format.IniFormat), f"{exc}; using default settings this session"
    return QSettings(path, QSettings.Format.IniFormat), None


def _usable_text(value: Any) -> bool:
    return isinstance(value, str) and len(value) <= limits.SETTINGS_TEXT and "\x00" not in value


def text(settings: QSettings, key: str, default: str) -> str:
    """The text stored under ``key`` (a path: at most ``limits.SETTINGS_TEXT`` characters, no NUL), else
    ``default``."""
    value = settings.value(key, default)
    return value if _usable_text(value) else default


def paths(settings: QSettings, key: str, count: int) -> list[str]:
    """The first ``count`` usable texts of the list under ``key`` (a single text counts as a list)."""
    value = settings.value(key, [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        return []
    return [v for v in value if _usable_text(v) and v][:count]


def blob(settings: QSettings, key: str, limit: int = limits.SETTINGS_BYTES) -> QByteArray | None:
    """The bytes under ``key`` (window geometry / dock state) when they are bytes of at most ``limit``."""
    value = settings.value(key)
    if isinstance(value, (QByteArray, bytes, bytearray)) and len(value) <= limit:
        return QByteArray(bytes(value))
    return None
