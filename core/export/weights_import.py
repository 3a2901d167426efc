"""Import weights from ``.npz`` or ``.safetensors`` into the current network (all-or-nothing)."""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from core import limits
from core.errors import ExportError
from core.export.common import describe_content
from core.files import open_regular

WEIGHT_SUFFIXES = (".npz", ".safetensors")


def detect_format(path: str | os.PathLike[str]) -> str:
    """``"npz"`` or ``"safetensors"`` from the file's first bytes; else ExportError saying what it is."""
    source = os.fspath(path)
    what = "a weights file (.npz or .safetensors)"
    with open_regular(source, what, ExportError, limits.WEIGHTS_BYTES) as fh:
        head = fh.read(4096)
    if head.startswith(b"PK"):
        return "npz"
    if len(head) >= 9 and head[8:9] == b"{" and int.from_bytes(head[:8], "little") < limits.JSON_HEADER_BYTES:
        return "safetensors"
    raise ExportError(f"{source}: not a weights file ({describe_content(head)}); "
                      "expected .npz or .safetensors")


def read_weights(path: str | os.PathLike[str]) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Read a weights file of either format -> (tensors by name, header dict)."""
    if detect_format(path) == "npz":
        from core.export.npz import read_weights_npz

        return read_weights_npz(path)
    from core.export.safetensors import read_weights_safetensors

    return read_weights_safetensors(path)


def import_weights(model: Any, path: str | os.PathLike[str]) -> dict[str, Any]:
    """Load ``path`` (.npz or .safetensors) into ``model``; nothing changes unless every tensor fits.

    Returns the file's header (``architecture``, ``preprocessing``). Raises ExportError listing
    every mismatch layer by layer.
    """
    from core.export.common import apply_named_weights, apply_trained_state

    tensors, doc = read_weights(path)
    apply_named_weights(model, tensors, os.fspath(path), doc.get("architecture"))
    apply_trained_state(model, doc)
    return doc
