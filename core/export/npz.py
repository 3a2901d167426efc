"""NumPy ``.npz`` weights files: one array per weight plus a JSON header; never pickled.

Layout of the zip archive (``np.load(path, allow_pickle=False)`` reads it):

- ``layer{i}.{name}.{weight}`` — one float array per weight, e.g. ``layer1.dense_1.kernel`` with
  shape (inputs, units), ``layer1.dense_1.bias`` (units,), ``layer0.normalization.mean`` and
  ``.variance`` (features,), ``layer3.p_re_lu.alpha`` (units,). ``i`` is the 0-based position in
  ``model.layers``; Dropout and Activation layers have no arrays.
- ``__ffstudio__`` — a 0-d unicode array holding a JSON document
  ``{"format": "ffstudio-weights", "version": 1, "architecture": model.get_config(),
  "preprocessing": Dataset.preprocessing, "tensors": [names...]}``.

Loading refuses archives holding object (pickled) arrays without ever unpickling them, and
reports truncated or corrupt archives as ExportError.
"""

from __future__ import annotations

import io
import json
import os
import zipfile
import zlib
from collections.abc import Mapping
from typing import Any

import numpy as np

from core.errors import ExportError
from core.export.common import (
    apply_named_weights,
    atomic_write,
    header,
    named_weights,
    parse_header,
    read_bytes,
    require_built,
)

HEADER_KEY = "__ffstudio__"


def save_weights_npz(model: Any, path: str | os.PathLike[str],
                     preprocessing: Mapping[str, Any] | None = None) -> str:
    """Write ``model``'s weights, architecture and ``preprocessing`` to ``path`` atomically.

    Returns the absolute path written. Raises ExportError when the model has no weights or the
    destination cannot be written (nothing half-written is left behind).
    """
    require_built(model)
    arrays = named_weights(model)
    doc = header(model, preprocessing)
    arrays[HEADER_KEY] = np.array(json.dumps(doc))
    return atomic_write(path, lambda fh: np.savez(fh, **arrays), "weights file")


def read_weights_npz(path: str | os.PathLike[str]) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Read ``path`` -> (tensors by name, header dict with architecture/preprocessing).

    Never unpickles: an archive holding object arrays is refused with ExportError.
    """
    source = os.fspath(path)
    data = read_bytes(source)
    if not data.startswith(b"PK"):
        raise ExportError(f"{source}: not a .npz weights file (it is not a zip archive)")
    arrays: dict[str, np.ndarray] = {}
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            for info in zf.infolist():
                if not info.filename.endswith(".npy"):
                    raise ExportError(f"{source}: unexpected member {info.filename!r} (expected .npy arrays)")
                key = info.filename[:-4]
                with zf.open(info) as member:
                    arrays[key] = _read_npy(member, source, key)
    except ExportError:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, ValueError, OSError, KeyError) as exc:
        raise ExportError(f"{source}: corrupt or truncated .npz file ({exc})") from None
    if HEADER_KEY not in arrays:
        raise ExportError(f"{source}: not a Feedforward Studio weights file (no {HEADER_KEY} entry)")
    raw = arrays.pop(HEADER_KEY)
    if raw.dtype.kind != "U" or raw.shape != ():
        raise ExportError(f"{source}: the {HEADER_KEY} entry must be a JSON string")
    return arrays, parse_header(str(raw[()]), source)


def _read_npy(member: Any, source: str, key: str) -> np.ndarray:
    """Read one .npy member; check the header first so object arrays are refused unread."""
    version = np.lib.format.read_magic(member)
    if version == (1, 0):
        shape, fortran, dtype = np.lib.format.read_array_header_1_0(member)
    elif version in ((2, 0), (3, 0)):
        shape, fortran, dtype = np.lib.format.read_array_header_2_0(member)
    else:
        raise ExportError(f"{source}: array {key!r} has unsupported .npy version {version}")
    if dtype.hasobject:
        raise ExportError(f"{source}: array {key!r} holds Python objects (pickled data); refusing to "
                          "load it. Weights files must contain plain numeric arrays")
    count = int(np.prod(shape, dtype=np.int64))
    nbytes = count * dtype.itemsize
    buf = member.read(nbytes)
    if len(buf) != nbytes:
        raise ExportError(f"{source}: array {key!r} is truncated ({len(buf)} of {nbytes} bytes)")
    arr = np.frombuffer(buf, dtype=dtype, count=count)
    if fortran:
        return arr.reshape(shape[::-1]).T.copy()
    return arr.reshape(shape).copy()


def load_weights_npz(model: Any, path: str | os.PathLike[str]) -> dict[str, Any]:
    """Load weights from ``path`` into ``model`` (all-or-nothing); return the file's header dict.

    Mismatches are reported layer by layer in one ExportError and leave the model unchanged.
    """
    tensors, doc = read_weights_npz(path)
    apply_named_weights(model, tensors, os.fspath(path), doc.get("architecture"))
    return doc
