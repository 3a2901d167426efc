"""Where each record of a CSV file starts and how many fields it has, before any cell is parsed.

``scan_file`` makes one pass over the bytes (refuses binary data and over-long lines, picks UTF-8 or
Latin-1, counts lines and delimiters). The file line of every record then comes from those counts
alone when they prove the file regular (``counted_records``), from NumPy over blocks of bytes for a file
without quotes (``records_fast``), or from the stdlib ``csv`` module, which follows quoted fields
across lines (``records``). Each refuses ragged rows and too many columns with the file line.
"""

from __future__ import annotations

import codecs
import csv
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from core import limits
from core.errors import DataError

_CHUNK_BYTES = 4 << 20
#: how errors and summaries name a delimiter
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}

Progress = Callable[[float, str], None]


@dataclass
class Scan:
    """What one pass over the bytes learns: encoding, line count, delimiter count, no quotes / bare CRs."""

    encoding: str
    lines: int  # newlines, plus one for a last line without one
    delimiters: int
    plain: bool  # no quote character and no bare CR line end: every line is one record


def scan_file(path: str, max_rows: int, progress: Progress | None, delimiter: str) -> Scan:
    """One pass over the bytes: refuse binary data, pick utf-8 (BOM ok) or latin-1, count lines."""
    size = os.path.getsize(path)
    decoder = codecs.getincrementaldecoder("utf-8")()
    utf8 = plain = True
    newlines = delimiters = 0
    done = 0
    open_line = 0  # bytes of the line the previous chunk ended in
    last_byte = b"\n"
    sep = ord(delimiter)
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK_BYTES):
            nul = chunk.find(b"\x00")
            if nul >= 0:
                line = newlines + chunk.count(b"\n", 0, nul) + 1
                raise DataError(f"{path}: not a text file (binary data at byte {done + nul}, line {line}); "
                                "expected a CSV text file")
            if done == 0:
                ctrl = sum(chunk[:4096].count(bytes([b])) for b in range(1, 32) if b not in (9, 10, 13, 12))
                if ctrl > 0.05 * min(len(chunk), 4096):
                    raise DataError(f"{path}: not a text file (control bytes at the start); expected CSV")
            arr = np.frombuffer(chunk, dtype=np.uint8)  # (NumPy counts bytes several times faster)
            ends = np.flatnonzero(arr == 10)
            lengths = np.diff(ends, prepend=-1 - open_line) if len(ends) else np.array([open_line + len(arr)])
            if lengths.max() > limits.CSV_LINE_BYTES:
                raise DataError(f"{path}: line {newlines + int(np.argmax(lengths)) + 1:,} is longer than "
                                f"{limits.megabytes(limits.CSV_LINE_BYTES)}; expected CSV rows")
            open_line = len(arr) - 1 - int(ends[-1]) if len(ends) else open_line + len(arr)
            newlines += len(ends)
            delimiters += int(np.count_nonzero(arr == sep))
            if plain and (b'"' in chunk or (b"\r" in chunk and chunk.count(b"\r") != chunk.count(b"\r\n"))):
                plain = False  # (a CR LF split between two chunks lands here too: the careful path)
            if utf8 and not (chunk.isascii() and not decoder.getstate()[0]):  # ASCII: valid, skip decoding
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    utf8 = False
            done += len(chunk)
            last_byte = chunk[-1:]
            if newlines > max_rows + 1:
                raise DataError(f"{path}: more than {max_rows:,} rows (at least {newlines - 1:,} found after "
                                f"{done / 1e6:.0f} MB); the limit is {max_rows:,} rows. Take a sample of the "
                                "file and load that")
            if progress is not None and size:
                progress(0.1 * done / size, "checking file")
    if utf8:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            utf8 = False
    lines = newlines + (0 if last_byte == b"\n" else 1)
    return Scan("utf-8-sig" if utf8 else "latin-1", lines, delimiters, plain)


def _ragged(path: str, line: int, fields: int, width: int, first: int, delimiter: str) -> DataError:
    return DataError(f"{path}: line {line} has {fields} fields, expected {width} like line {first} "
                     f"(ragged rows; delimiter: {DELIMITER_NAMES.get(delimiter)})")


def records(path: str, encoding: str, delimiter: str) -> tuple[Any, list[str], list[list[str]]]:
    """(file line of every non-blank record, the first record, the first 20 records) via the csv module.

    Refuses ragged rows; handles quoted fields spanning lines.
    """
    lines: list[int] = []
    columns: list[str] = []
    first_rows: list[list[str]] = []
    with open(path, encoding=encoding, newline="") as fh:
        reader = csv.reader(fh, delimiter=delimiter, quotechar='"', skipinitialspace=True)
        width = -1
        start = 1
        try:
            for rec in reader:
                line_no = start
                start = reader.line_num + 1
                if not rec or (len(rec) == 1 and not rec[0].strip()):
                    continue
                if width < 0:
                    width = len(rec)
                    columns = rec
                    if width > limits.CSV_COLUMNS:
                        raise _too_wide(path, line_no, width)
                elif len(rec) != width:
                    raise _ragged(path, line_no, len(rec), width, lines[0], delimiter)
                if len(first_rows) < 20:
                    first_rows.append(rec)
                lines.append(line_no)
        except csv.Error as exc:
            raise DataError(f"{path}: line {reader.line_num}: {exc}") from None
    return lines, columns, first_rows


_BLOCK = 4 << 20


def records_fast(path: str, encoding: str, delimiter: str) -> tuple[Any, list[str], list[list[str]]] | None:
    """What ``records`` returns, computed with NumPy on blocks of bytes, for files without quotes
    (then every line is one record and fields are the delimiter count + 1); None for other files."""
    code = ord(delimiter)
    lines: list[np.ndarray] = []
    counts: list[np.ndarray] = []
    done = 0  # complete lines before the current block
    carry = b""
    with open(path, "rb") as fh:
        while True:
            chunk = fh.read(_BLOCK)
            data = carry + chunk
            if not chunk:
                if not data:
                    break
                data += b"\n"
            cut = data.rfind(b"\n") + 1
            block, carry = data[:cut], data[cut:]
            if b'"' in block or (b"\r" in block and block.count(b"\r") != block.count(b"\r\n")):
                return None  # quoted fields or bare CR line ends: the csv module decides
            if block:
                arr = np.frombuffer(block, dtype=np.uint8)
                ends = np.flatnonzero(arr == 10)
                starts = np.concatenate(([0], ends[:-1] + 1))
                fields = np.add.reduceat((arr == code).view(np.uint8), starts, dtype=np.int64) + 1
                blank = np.zeros(len(ends), dtype=bool)
                for k in np.flatnonzero(fields == 1):  # one field: blank when only spaces
                    start = int(ends[k - 1]) + 1 if k else 0
                    blank[k] = not block[start:int(ends[k])].strip()
                lines.append(done + 1 + np.flatnonzero(~blank))
                counts.append(fields[~blank])
                done += len(ends)
            if not chunk:
                break
    line_no = np.concatenate(lines) if lines else np.zeros(0, dtype=np.int64)
    fields = np.concatenate(counts) if counts else np.zeros(0, dtype=np.int64)
    if not len(line_no):
        return line_no, [], []
    bad = np.flatnonzero(fields != fields[0])
    if len(bad):
        k = int(bad[0])
        raise _ragged(path, int(line_no[k]), int(fields[k]), int(fields[0]), int(line_no[0]), delimiter)
    first_rows = _first_records(path, encoding, delimiter)
    return line_no, first_rows[0], first_rows


def _first_records(path: str, encoding: str, delimiter: str) -> list[list[str]]:
    """The fields of the first 20 non-blank lines of a file without quotes."""
    first_rows: list[list[str]] = []
    with open(path, encoding=encoding, newline="") as fh:
        for number, text in enumerate(fh, 1):
            if len(first_rows) == 20:
                break
            if text.count(delimiter) >= limits.CSV_COLUMNS:  # (before the split makes a string of each)
                raise _too_wide(path, number, text.count(delimiter) + 1)
            if text.strip():
                first_rows.append([f.lstrip(" ") for f in text.rstrip("\r\n").split(delimiter)])
    return first_rows


def _too_wide(path: str, line: int, fields: int) -> DataError:
    return DataError(f"{path}: line {line} has {fields:,} fields; a CSV file may have at most "
                     f"{limits.CSV_COLUMNS:,} columns")


def counted_records(path: str, scan: Scan, delimiter: str) -> tuple[Any, list[str], list[list[str]]] | None:
    """What ``records`` returns, from the scan's counts alone, when they prove the file is regular.

    A file without quotes whose first 20 lines have ``width`` fields each, and which holds exactly
    ``(width - 1) * lines`` delimiters, has no blank and no short line unless a line is too long to
    make up for it; the C parser refuses such a line (``Layout.recheck`` then names it). Else None.
    """
    if not scan.plain:
        return None
    first_rows = _first_records(path, scan.encoding, delimiter)
    width = len(first_rows[0]) if first_rows else 0
    if width < 2 or any(len(r) != width for r in first_rows) or scan.delimiters != (width - 1) * scan.lines:
        return None
    return np.arange(1, scan.lines + 1, dtype=np.int64), first_rows[0], first_rows
