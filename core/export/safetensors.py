"""``.safetensors`` weights files (needs the ``[export]`` extra: ``pip install "ffstudio[export]"``).

The tensors carry the same names as in the ``.npz`` format (``layer{i}.{name}.{weight}``, see
``core.export.common``). The string metadata holds ``format`` (``ffstudio-weights``),
``version``, ``architecture`` (JSON of ``model.get_config()``) and ``preprocessing`` (JSON of
the dataset's fitted preprocessing). PyTorch users read it with
``safetensors.torch.load_file(path)``; kernels are (inputs, units), so transpose them for
``nn.Linear.weight``.
"""

from __future__ import annotations

import json
import math
import os
import struct
from collections.abc import Mapping
from typing import Any

import numpy as np

from core import limits
from core.errors import ExportError
from core.export.common import (
    apply_named_weights,
    apply_trained_state,
    atomic_write,
    check_header,
    describe_content,
    header,
    named_weights,
    read_bytes,
    require_built,
)
from core.files import loads_json
from core.installation import extra_hint


def _safetensors_numpy() -> Any:
    try:
        import safetensors.numpy as st_numpy
    except ImportError:
        raise ExportError(f"the .safetensors format needs the safetensors package: {extra_hint()}") from None
    return st_numpy


def save_weights_safetensors(model: Any, path: str | os.PathLike[str],
                             preprocessing: Mapping[str, Any] | None = None) -> str:
    """Write ``model``'s weights with architecture/preprocessing metadata to ``path`` atomically.

    Returns the absolute path written.
    """
    data = weights_safetensors_bytes(model, preprocessing)
    return atomic_write(path, lambda fh: fh.write(data), "weights file")


def weights_safetensors_bytes(model: Any, preprocessing: Mapping[str, Any] | None = None) -> bytes:
    """The ``.safetensors`` file of ``model``'s weights with architecture/preprocessing metadata."""
    st_numpy = _safetensors_numpy()
    require_built(model)
    doc = header(model, preprocessing)
    metadata = {
        "format": doc["format"],
        "version": str(doc["version"]),
        "architecture": json.dumps(doc["architecture"]),
        "preprocessing": json.dumps(doc["preprocessing"]),
        "epochs_trained": str(doc["epochs_trained"]),
        "history": json.dumps(doc["history"]),
    }
    return bytes(st_numpy.save(named_weights(model), metadata=metadata))


def read_weights_safetensors(path: str | os.PathLike[str]) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Read ``path`` -> (tensors by name, header dict with architecture/preprocessing).

    The JSON header is parsed with size and nesting limits and the declared shapes are checked
    against ``limits.PARAMETERS`` before the tensors are read.
    """
    source = os.fspath(path)
    st_numpy = _safetensors_numpy()
    data = read_bytes(source)
    metadata = _read_metadata(data, source)
    try:
        tensors = st_numpy.load(data)
    except Exception as exc:  # safetensors raises its own SafetensorError (not importable by a stable path)
        raise ExportError(f"{source}: corrupt or truncated .safetensors file ({str(exc)[:160]})") from None
    doc: dict[str, Any] = {"format": metadata.get("format"), "tensors": list(tensors)}
    try:
        doc["version"] = int(metadata.get("version", ""))
    except ValueError:
        raise ExportError(f"{source}: the ffstudio metadata \"version\" is not an integer") from None
    doc["architecture"] = loads_json(metadata.get("architecture", "null"), source, ExportError,
                                     "metadata \"architecture\"")
    doc["preprocessing"] = loads_json(metadata.get("preprocessing", "{}"), source, ExportError,
                                      "metadata \"preprocessing\"")
    doc["epochs_trained"] = loads_json(metadata.get("epochs_trained", "0"), source, ExportError,
                                       "metadata \"epochs_trained\"")
    doc["history"] = loads_json(metadata.get("history", "null"), source, ExportError, "metadata \"history\"")
    return tensors, check_header(doc, source)


def _read_metadata(data: bytes, source: str) -> dict[str, str]:
    """Validate the 8-byte length + JSON header (sizes, shapes) and return its ``__metadata__`` dict."""
    if len(data) < 8:
        raise ExportError(f"{source}: not a .safetensors file (only {len(data)} bytes)")
    (n,) = struct.unpack("<Q", data[:8])
    if data[8:9] != b"{":
        raise ExportError(f"{source}: not a .safetensors file ({describe_content(data)})")
    if n > limits.JSON_HEADER_BYTES or 8 + n > len(data):
        raise ExportError(f"{source}: corrupt or truncated .safetensors file (header says {n:,} bytes, "
                          f"file has {len(data) - 8:,})")
    head = loads_json(data[8 : 8 + n], source, ExportError, "safetensors header")
    if not isinstance(head, dict):
        raise ExportError(f"{source}: not a .safetensors file (the header is not a JSON object)")
    meta = head.pop("__metadata__", None) or {}
    if not isinstance(meta, dict) or meta.get("format") != "ffstudio-weights":
        raise ExportError(f"{source}: not a Feedforward Studio weights file (no ffstudio-weights metadata)")
    if len(head) > limits.WEIGHT_MEMBERS:
        raise ExportError(f"{source}: holds {len(head):,} tensors; a weights file has at most "
                          f"{limits.WEIGHT_MEMBERS:,}")
    total = 0
    for name, entry in head.items():
        shape = entry.get("shape") if isinstance(entry, dict) else None
        if not isinstance(shape, list) or not all(isinstance(d, int) and d >= 0 for d in shape):
            raise ExportError(f"{source}: tensor {str(name)[:60]!r} has no valid shape in the header")
        count = math.prod(shape)
        total += count
        if total > limits.PARAMETERS:
            raise ExportError(f"{source}: tensor {str(name)[:60]!r} declares shape {tuple(shape)} ({count:,} "
                              f"values); a network may have at most {limits.PARAMETERS:,} values in all")
    return {str(k): str(v) for k, v in meta.items()}


def load_weights_safetensors(model: Any, path: str | os.PathLike[str]) -> dict[str, Any]:
    """Load weights from ``path`` into ``model`` (all-or-nothing); return the header dict."""
    tensors, doc = read_weights_safetensors(path)
    apply_named_weights(model, tensors, os.fspath(path), doc.get("architecture"))
    apply_trained_state(model, doc)
    return doc
