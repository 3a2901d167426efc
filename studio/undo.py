"""Undo/redo commands: whole-snapshot swaps for every document edit, value swaps for weight edits.

Networks have a handful of layers, so a snapshot (``Document.state()``: graph nodes/edges/positions, training
settings, data spec) is a few hundred bytes. Restoring the exact snapshot makes every undo exact by
construction, whatever the edit was (add, delete, move, connect, insert, property change, paste, arrange).
Consecutive edits of the same property (typing digits into a spin box) merge into one command via
``merge_key``. The commands only know a ``restore`` callable, not the document (no import cycle).
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from typing import Any

from PySide6.QtGui import QUndoCommand


class SnapshotCommand(QUndoCommand):
    """Switches between the ``before`` and ``after`` snapshots through ``restore(snapshot)``."""

    def __init__(
        self,
        restore: Callable[[Any], None],
        text: str,
        before: Any,
        after: Any,
        merge_key: str | None = None,
    ) -> None:
        super().__init__(text)
        self.restore = restore
        self.before = before
        self.after = after
        self.merge_key = merge_key

    def redo(self) -> None:
        self.restore(self.after)

    def undo(self) -> None:
        self.restore(self.before)

    def id(self) -> int:  # noqa: A003 - Qt API name
        if self.merge_key is None:
            return -1
        return zlib.crc32(self.merge_key.encode()) & 0x7FFFFFFF

    def mergeWith(self, other: QUndoCommand) -> bool:  # noqa: N802 - Qt API name
        if (
            not isinstance(other, SnapshotCommand)
            or other.merge_key != self.merge_key
            or self.merge_key is None
        ):
            return False
        self.after = other.after
        return True
