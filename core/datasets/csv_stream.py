"""A CSV file in pieces: the parsed cells of some columns plus the exact text of each record.

``iter_records`` takes a ``csv_read.layout`` (the whole file's structure already checked: encoding,
delimiter, header, ragged rows, size), parses the wanted columns with pandas' C parser 100,000 rows at
a time (numbers as numbers, so nothing is parsed as text that need not be) and hands each piece over
with the text of its records as they stand in the file, so ``predict`` copies rows through byte for
byte while its memory stays flat however long the file is.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from core.datasets.csv_read import NA_TOKENS, Layout
from core.errors import DataError


@dataclass
class Piece:
    """Consecutive data records of a file."""

    frame: Any  # pandas DataFrame (rows, wanted columns): numbers parsed, text columns as strings
    lines: np.ndarray  # (rows,) int64: file line where each record starts
    records: list[str]  # (rows,) each record's text as in the file, without its line end
    header: str | None  # the header record's text (every piece carries it), None without a header
    delimiter: str


def _record_texts(path: str, encoding: str, starts: np.ndarray) -> Iterator[str]:
    """The text of each record starting at the 1-based file lines ``starts`` (ascending), without the
    line end; blank lines between records are left out, a quoted field's line breaks kept."""
    marks = iter(starts.tolist())
    following = next(marks, -1)
    parts: list[str] = []
    with open(path, encoding=encoding, newline="") as fh:
        for number, text in enumerate(fh, 1):
            if number == following:
                if parts:
                    yield _joined(parts)
                parts = [text]
                following = next(marks, -1)
            elif parts:
                parts.append(text)
    if parts:
        yield _joined(parts)


def _line_texts(path: str, encoding: str) -> Iterator[str]:
    """Every line of a file whose lines are all records (a counted layout), without line ends."""
    carry = ""
    with open(path, encoding=encoding, newline="") as fh:
        while block := fh.read(1 << 22):
            lines = (carry + block).split("\n")
            carry = lines.pop()
            yield from (line[:-1] if line.endswith("\r") else line for line in lines)
    if carry:
        yield carry[:-1] if carry.endswith("\r") else carry


def _joined(parts: list[str]) -> str:
    while len(parts) > 1 and not parts[-1].strip():
        parts.pop()  # blank lines after a record belong to no record
    return "".join(parts).rstrip("\r\n")


def iter_records(path: str, lay: Layout, columns: Sequence[str], text: Sequence[str],
                 rows: int = 100_000) -> Iterator[Piece]:
    """Pieces of at most ``rows`` records of ``path`` (structure ``lay``) with ``columns`` parsed.

    Columns in ``text`` are read as strings; the others as numbers where every cell of the piece is
    one (else as strings). Missing-value markers (``NA_TOKENS``) are NaN. Raises DataError like
    ``read_table`` for a file the C parser refuses (a ragged row is named by its line).
    """
    import pandas as pd

    starts = lay.lines if not lay.header else np.concatenate([[lay.header_line], lay.lines])
    texts = _line_texts(path, lay.encoding) if lay.counted else _record_texts(path, lay.encoding, starts)
    header = next(texts) if lay.header else None
    done = 0
    width = len(lay.names)
    try:
        with pd.read_csv(path, chunksize=rows, usecols=list(columns), dtype={c: str for c in text},
                         na_values=list(NA_TOKENS), **lay.options()) as reader:
            for chunk in reader:
                records = list(itertools.islice(texts, len(chunk)))
                if len(records) != len(chunk):
                    break
                if lay.counted and any(r.count(lay.delimiter) != width - 1 for r in records):
                    lay.recheck(path)  # (with usecols the parser lets a long row pass: counted here)
                yield Piece(chunk, lay.lines[done:done + len(chunk)], records, header, lay.delimiter)
                done += len(chunk)
    except (ValueError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        lay.recheck(path)
        raise DataError(f"{path}: cannot parse CSV: {str(exc).strip().splitlines()[-1]}") from None
    if done != len(lay.lines):
        lay.recheck(path)
        raise DataError(f"{path}: parsed {done} rows but found {len(lay.lines)} records; check the quoting")
