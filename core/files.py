"""The one file layer: every reader and writer of the app goes through these functions.

Reading: only regular files are opened (FIFOs, devices and folders are refused before a byte
is read; the file is opened with ``O_NONBLOCK`` so a FIFO swapped in cannot hang the open),
with a size limit per format checked with ``fstat`` before reading, and JSON nesting checked
before ``json.loads`` recurses. Errors are the caller's ``FFStudioError`` subclass with one line
naming the file and what was expected.

Writing: a temporary file beside the target, ``fsync``, then ``os.replace``; readers see the old
file or the complete new one. ``write_files_atomically`` writes several files and renames them
only when every one was written (a multi-file output is swapped as a whole).
"""

from __future__ import annotations

import json
import os
import re
import stat
import tempfile
from collections.abc import Callable, Iterable, Mapping
from typing import Any, BinaryIO

import numpy as np

from core import limits
from core.errors import FFStudioError

ErrorType = type[FFStudioError]
Writer = Callable[[BinaryIO], Any]

_KINDS = ((stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


def _fail(error: ErrorType, path: str, message: str) -> FFStudioError:
    return error(f"{path}: {message}")


def _not_regular(mode: int, what: str) -> str | None:
    """Why a file of ``mode`` cannot be read as ``what`` (None when it is a regular file)."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return f"is a folder, expected {what}"
    kind = next((name for test, name in _KINDS if test(mode)), "not a regular file")
    return f"is {kind}, expected {what} (only regular files are read)"


def check_regular(path: str | os.PathLike[str], what: str, error: ErrorType,
                  limit: int | None = None) -> os.stat_result:
    """``os.stat(path)`` after checking it is a readable regular file of at most ``limit`` bytes."""
    source = os.fspath(path)
    try:
        st = os.stat(source)
    except FileNotFoundError:
        raise _fail(error, source, "file not found") from None
    except OSError as exc:
        raise _fail(error, source, f"cannot read ({exc.strerror or exc})") from None
    _check_stat(st, source, what, error, limit)
    return st


def _check_stat(st: os.stat_result, source: str, what: str, error: ErrorType, limit: int | None) -> None:
    problem = _not_regular(st.st_mode, what)
    if problem:
        raise _fail(error, source, problem)
    if limit is not None and st.st_size > limit:
        raise _fail(error, source, f"is {limits.megabytes(st.st_size)}; {what} may be at most "
                                   f"{limits.megabytes(limit)}")


def open_regular(path: str | os.PathLike[str], what: str, error: ErrorType,
                 limit: int | None = None) -> BinaryIO:
    """Open a regular file for binary reading (see ``check_regular``); the caller closes it."""
    source = os.fspath(path)
    check_regular(source, what, error, limit)  # refuses FIFOs before open() could block on one
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    flags |= getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(source, flags)
    except FileNotFoundError:
        raise _fail(error, source, "file not found") from None
    except OSError as exc:
        raise _fail(error, source, f"cannot read ({exc.strerror or exc})") from None
    try:
        _check_stat(os.fstat(fd), source, what, error, limit)  # the file opened, not a swapped-in one
    except BaseException:
        os.close(fd)
        raise
    return os.fdopen(fd, "rb")


def read_regular(path: str | os.PathLike[str], what: str, error: ErrorType, limit: int) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes (a file growing past it is refused)."""
    source = os.fspath(path)
    with open_regular(source, what, error, limit) as fh:
        try:
            data = fh.read(limit + 1)
        except OSError as exc:
            raise _fail(error, source, f"cannot read ({exc.strerror or exc})") from None
    if len(data) > limit:
        raise _fail(error, source, f"is larger than {limits.megabytes(limit)}, the limit for {what}")
    return data


# ---------------------------------------------------------------------------------------- JSON
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKETS = np.zeros(256, dtype=np.int8)
_BRACKETS[[ord("["), ord("{")]] = 1
_BRACKETS[[ord("]"), ord("}")]] = -1


def json_depth(text: str | bytes) -> int:
    """Deepest nesting of objects/lists in a JSON text, computed without recursion.

    Brackets inside strings do not count. Cost: one regex pass and one vectorized pass.
    """
    raw = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    stripped = _STRING.sub(b'""', raw)
    steps = _BRACKETS[np.frombuffer(stripped, dtype=np.uint8)]
    steps = steps[steps != 0]
    if not len(steps):
        return 0
    return int(np.cumsum(steps, dtype=np.int64).max())


def loads_json(text: str | bytes, source: str, error: ErrorType, what: str = "JSON",
               max_depth: int = limits.JSON_DEPTH) -> Any:
    """``json.loads`` that refuses NaN/Infinity and nesting deeper than ``max_depth``.

    Raises ``error`` with one line naming ``source``; never RecursionError.
    """
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise _fail(error, source, f"{what} is not UTF-8 text (byte {exc.start})") from None
    depth = json_depth(text)
    if depth > max_depth:
        raise _fail(error, source, f"{what} is nested {depth} levels deep; at most {max_depth} are allowed")
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno}, column {exc.colno}"
        message = (f"invalid JSON at {where}: {exc.msg}" if what == "JSON"
                   else f"{what} is not JSON ({where}: {exc.msg})")
        raise _fail(error, source, message) from None
    except ValueError as exc:
        raise _fail(error, source, f"{what} is not JSON ({exc})") from None
    except RecursionError:  # the depth check above makes this unreachable for valid limits
        raise _fail(error, source, f"{what} is nested too deeply") from None


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not allowed (numbers must be finite)")


# ---------------------------------------------------------------------------------------- writing
def default_mode() -> int:
    """File mode a plain ``open(..., "w")`` would give (0o666 minus the umask)."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def _temp_beside(target: str) -> tuple[int, str]:
    return tempfile.mkstemp(prefix=f".{os.path.basename(target)}.", suffix=".tmp",
                            dir=os.path.dirname(target))


def _write_temp(target: str, write: Writer) -> str:
    """Write a complete, fsynced temporary file beside ``target``; return its path."""
    fd, tmp = _temp_beside(target)
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, default_mode())  # mkstemp creates 0600 files
    except BaseException:
        _unlink_quietly(tmp)
        raise
    return tmp


def _unlink_quietly(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def _fsync_dir(directory: str) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_atomically(path: str | os.PathLike[str], write: Writer) -> str:
    """Call ``write(fh)`` on a temporary binary file beside ``path``, then rename it into place.

    Raises OSError as the file system reports it; returns the absolute path written.
    """
    target = os.path.abspath(os.fspath(path))
    tmp = _write_temp(target, write)
    try:
        os.replace(tmp, target)
    except BaseException:
        _unlink_quietly(tmp)
        raise
    _fsync_dir(os.path.dirname(target))
    return target


def atomic_write(path: str | os.PathLike[str], data: bytes | str, encoding: str = "utf-8") -> str:
    """Write ``data`` (bytes, or text encoded with ``encoding``) to ``path`` atomically."""
    payload = data.encode(encoding) if isinstance(data, str) else data
    return write_atomically(path, lambda fh: fh.write(payload))


def check_destination(path: str | os.PathLike[str], what: str, error: ErrorType,
                      protect: Iterable[str | os.PathLike[str] | None] = ()) -> str:
    """The absolute path of a file about to be written, after checking it can be.

    Refused: a folder at ``path``, a missing parent folder, and any of ``protect`` (input files
    that writing would destroy, compared by identity so links and relative paths are caught).
    """
    target = os.path.abspath(os.fspath(path))
    directory = os.path.dirname(target)
    if os.path.isdir(target):
        raise error(f"cannot write {what} {target}: it is a directory (a folder)")
    if not os.path.isdir(directory):
        raise error(f"cannot write {what} {target}: folder {directory} does not exist")
    if os.path.lexists(target) and not os.path.isfile(target):
        raise error(f"cannot write {what} {target}: it exists and is not a regular file")
    for other in protect:
        if other is not None and _same_file(target, os.fspath(other)):
            raise error(f"cannot write {what} {target}: it is {os.fspath(other)}, an input of this "
                        "command, which would be destroyed; choose another output path")
    return target


def _same_file(a: str, b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.abspath(a) == os.path.abspath(b)


def write_files_atomically(writers: Mapping[str, Writer], what: str, error: ErrorType,
                           protect: Iterable[str | os.PathLike[str] | None] = ()) -> list[str]:
    """Write several files as one output: every destination is checked, every file written to a
    temporary beside it, and only then are they renamed into place (nothing changes on failure).

    Returns the absolute paths written; OS errors become ``error`` naming the file.
    """
    protect = list(protect)
    targets = [check_destination(p, what, error, protect) for p in writers]
    temps: list[str] = []
    try:
        for target, write in zip(targets, writers.values(), strict=True):
            try:
                temps.append(_write_temp(target, write))
            except OSError as exc:
                raise error(f"cannot write {what} {target}: {exc.strerror or exc}") from None
        for tmp, target in zip(temps, targets, strict=True):
            os.replace(tmp, target)
    except BaseException:
        for tmp in temps:
            _unlink_quietly(tmp)
        raise
    for directory in {os.path.dirname(t) for t in targets}:
        _fsync_dir(directory)
    return targets


def write_file(path: str | os.PathLike[str], write: Writer, what: str, error: ErrorType,
               protect: Iterable[str | os.PathLike[str] | None] = ()) -> str:
    """One file through ``write_files_atomically``; returns the absolute path written."""
    return write_files_atomically({os.fspath(path): write}, what, error, protect)[0]
