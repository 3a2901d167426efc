"""Undo/redo for every edit: one `QUndoCommand` that swaps whole document snapshots.

Networks have a handful of layers, so a snapshot (``Document.state()``: graph nodes/edges/positions, training
settings, data spec) is a few hundred bytes. Restoring the exact snapshot makes every undo exact by
construction, whatever the edit was (add, delete, move, connect, insert, property change, paste, arrange).
Consecutive edits of the same property (typing digits into a spin box) merge into one command via
``merge_key``.
"""

from __future__ import annotations

import zlib
from typing import TYPE_CHECKING, Any

from PySide6.QtGui import QUndoCommand

if TYPE_CHECKING:
    from studio.document import Document


class SnapshotCommand(QUndoCommand):
    """Switches the document between ``before`` and ``after`` snapshots."""

    def __init__(
        self,
        document: Document,
        text: str,
        before: dict[str, Any],
        after: dict[str, Any],
        merge_key: str | None = None,
    ) -> None:
        super().__init__(text)
        self.document = document
        self.before = before
        self.after = after
        self.merge_key = merge_key

    def redo(self) -> None:
        self.document.set_state(self.after)

    def undo(self) -> None:
        self.document.set_state(self.before)

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
