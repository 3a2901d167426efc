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
import re
import zipfile
import zlib
from collections.abc import Mapping
from typing import Any

import numpy as np

from core import limits
from core.errors import ExportError
from core.export.common import (
    apply_named_weights,
    apply_trained_state,
    atomic_write,
    describe_content,
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
    arrays = _archive_arrays(model, preprocessing)
    return atomic_write(path, lambda fh: np.savez(fh, **arrays), "weights file")


def weights_npz_bytes(model: Any, preprocessing: Mapping[str, Any] | None = None) -> bytes:
    """The ``.npz`` file of ``model``'s weights, architecture and ``preprocessing``, in memory."""
    buf = io.BytesIO()
    np.savez(buf, **_archive_arrays(model, preprocessing))
    return buf.getvalue()


def _archive_arrays(model: Any, preprocessing: Mapping[str, Any] | None) -> dict[str, np.ndarray]:
    require_built(model)
    arrays = named_weights(model)
    arrays[HEADER_KEY] = np.array(json.dumps(header(model, preprocessing)))
    return arrays


def read_weights_npz(path: str | os.PathLike[str]) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Read ``path`` -> (tensors by name, header dict with architecture/preprocessing).

    Never unpickles and never ``eval``s: every member's compression method and ``.npy`` header
    (parsed by a strict grammar) are checked, and the declared shapes are held against
    ``limits.PARAMETERS`` before any array data is decompressed.
    """
    source = os.fspath(path)
    data = read_bytes(source)
    if not data.startswith(b"PK"):
        raise ExportError(f"{source}: not a .npz weights file ({describe_content(data)})")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = _check_members(zf.infolist(), source)
            plans = [(info, _member_header(zf, info, source)) for info in infos]
            _check_total(plans, source)
            arrays = {info.filename[:-4]: _read_member(zf, info, head, source) for info, head in plans}
    except ExportError:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, ValueError, OSError, KeyError,
            NotImplementedError, RuntimeError) as exc:
        raise ExportError(f"{source}: corrupt or truncated .npz file ({_short(exc)})") from None
    if HEADER_KEY not in arrays:
        raise ExportError(f"{source}: not a Feedforward Studio weights file (no {HEADER_KEY} entry)")
    raw = arrays.pop(HEADER_KEY)
    if raw.dtype.kind != "U" or raw.shape != ():
        raise ExportError(f"{source}: the {HEADER_KEY} entry must be a JSON string")
    return arrays, parse_header(str(raw[()]), source)


def _short(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text[:160]


def _names(infos: list[zipfile.ZipInfo], limit: int = 3) -> str:
    shown = ", ".join(repr(i.filename[:60]) for i in infos[:limit])
    return shown + (f" and {len(infos) - limit} more" if len(infos) > limit else "")


def _check_members(infos: list[zipfile.ZipInfo], source: str) -> list[zipfile.ZipInfo]:
    """Refuse too many members, non-.npy members and compression methods other than stored/deflated."""
    if len(infos) > limits.WEIGHT_MEMBERS + 1:
        raise ExportError(f"{source}: holds {len(infos):,} arrays ({_names(infos)}); a weights file has at "
                          f"most {limits.WEIGHT_MEMBERS:,}")
    odd = [i for i in infos if not i.filename.endswith(".npy")]
    if odd:
        raise ExportError(f"{source}: unexpected member(s) {_names(odd)} (expected .npy arrays)")
    methods = [i for i in infos if i.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)]
    if methods:
        raise ExportError(f"{source}: member {methods[0].filename[:60]!r} uses zip compression method "
                          f"{methods[0].compress_type}; expected stored (0) or deflated (8)")
    names = [i.filename for i in infos]
    if len(set(names)) != len(names):
        dup = next(n for n in names if names.count(n) > 1)
        raise ExportError(f"{source}: member {dup[:60]!r} appears more than once")
    return infos


_NPY_ITEM = re.compile(r"\s*'(descr|fortran_order|shape)'\s*:\s*"
                       r"('[^']{1,16}'|True|False|\([0-9,\s]*\))\s*(,|$)")
_Header = tuple[tuple[int, ...], bool, np.dtype]
_MAX_NPY_HEADER = 4096


def _member_header(zf: zipfile.ZipFile, info: zipfile.ZipInfo, source: str) -> _Header:
    """(shape, fortran order, dtype) from a member's ``.npy`` header, read without decompressing the data."""
    key = info.filename[:-4]
    with zf.open(info) as member:
        head = member.read(10)
        if len(head) < 10 or head[:6] != b"\x93NUMPY":
            raise ExportError(f"{source}: array {key!r} is not a .npy array")
        major = head[6]
        if major == 1:
            size = int.from_bytes(head[8:10], "little")
        elif major in (2, 3):
            size = int.from_bytes(head[8:10] + member.read(2), "little")
        else:
            raise ExportError(f"{source}: array {key!r} has unsupported .npy version {major}")
        if size > _MAX_NPY_HEADER:
            raise ExportError(f"{source}: array {key!r} has a {size}-byte .npy header "
                              f"(at most {_MAX_NPY_HEADER})")
        text = member.read(size).decode("utf-8" if major == 3 else "latin-1", "replace")
    return _parse_npy_header(text, source, key)


def _parse_npy_header(text: str, source: str, key: str) -> _Header:
    """Parse ``{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }`` with a strict grammar."""
    body = text.strip()
    bad = ExportError(f"{source}: array {key!r} has a malformed .npy header (expected descr, fortran_order "
                      "and shape)")
    if not (body.startswith("{") and body.endswith("}")):
        raise bad
    body = body[1:-1]
    found: dict[str, str] = {}
    pos = 0
    while body[pos:].strip():
        m = _NPY_ITEM.match(body, pos)
        if m is None or m.group(1) in found:
            raise bad
        found[m.group(1)] = m.group(2)
        pos = m.end()
    if set(found) != {"descr", "fortran_order", "shape"}:
        raise bad
    try:
        dtype = np.dtype(found["descr"][1:-1])
        dims = tuple(int(d) for d in found["shape"][1:-1].replace(" ", "").split(",") if d)
    except (TypeError, ValueError):
        raise bad from None
    if key == HEADER_KEY:
        if dtype.kind != "U" or dims != ():
            raise ExportError(f"{source}: the {HEADER_KEY} entry must be a JSON string")
    elif dtype.kind not in "fiu" or dtype.itemsize > 8:
        raise ExportError(f"{source}: array {key!r} has dtype {dtype}, expected numbers (float or integer); "
                          "weights files hold plain numeric arrays, never Python objects")
    return dims, found["fortran_order"] == "True", dtype


def _count(shape: tuple[int, ...]) -> int:
    n = 1
    for d in shape:
        n *= d
    return n


def _check_total(plans: list[tuple[zipfile.ZipInfo, _Header]], source: str) -> None:
    """Refuse declared shapes larger than ``limits.PARAMETERS`` values before decompressing anything."""
    total = 0
    for info, (shape, _fortran, dtype) in plans:
        key = info.filename[:-4]
        n = _count(shape)
        if key == HEADER_KEY:
            if n * dtype.itemsize > limits.JSON_HEADER_BYTES:
                size = limits.megabytes(n * dtype.itemsize)
                cap = limits.megabytes(limits.JSON_HEADER_BYTES)
                raise ExportError(f"{source}: the {HEADER_KEY} entry declares {size}; at most {cap}")
            continue
        total += n
        if n > limits.PARAMETERS or total > limits.PARAMETERS:
            raise ExportError(f"{source}: array {key!r} declares shape {shape} ({n:,} values, "
                              f"{limits.megabytes(n * dtype.itemsize)}); a network may have at most "
                              f"{limits.PARAMETERS:,} values in all")


def _read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo,
                 head: _Header, source: str) -> np.ndarray:
    """Read one array's data (exactly the declared number of bytes, never more)."""
    shape, fortran, dtype = head
    key = info.filename[:-4]
    count = _count(shape)
    nbytes = count * dtype.itemsize
    with zf.open(info) as member:
        major, _minor = np.lib.format.read_magic(member)
        size = int.from_bytes(member.read(2 if major == 1 else 4), "little")
        member.read(size)
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
    apply_trained_state(model, doc)
    return doc
