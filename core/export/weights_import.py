"""Import weights from ``.npz`` or ``.safetensors`` into the current network (all-or-nothing)."""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from core.errors import ExportError

WEIGHT_SUFFIXES = (".npz", ".safetensors")


def detect_format(path: str | os.PathLike[str]) -> str:
    """Return ``"npz"`` or ``"safetensors"`` from the file's first bytes (falling back to the suffix)."""
    source = os.fspath(path)
    try:
        with open(source, "rb") as fh:
            head = fh.read(8)
    except FileNotFoundError:
        raise ExportError(f"{source}: file not found") from None
    except OSError as exc:
        raise ExportError(f"{source}: cannot read ({exc.strerror or exc})") from None
    if head.startswith(b"PK"):
        return "npz"
    suffix = os.path.splitext(source)[1].lower()
    if suffix == ".npz":
        return "npz"
    if suffix == ".safetensors" or len(head) == 8:
        return "safetensors"
    raise ExportError(f"{source}: not a weights file (expected .npz or .safetensors)")


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
    from core.export.common import apply_named_weights

    tensors, doc = read_weights(path)
    apply_named_weights(model, tensors, os.fspath(path), doc.get("architecture"))
    return doc
