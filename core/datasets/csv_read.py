"""Reading a CSV file into a table (numbers parsed, other cells as strings), with clear errors for
unusable files; ``layout`` learns a file's structure without parsing cells (``csv_stream`` streams it).

Parsing is done by pandas (C engine). The stdlib ``csv`` module is used only to sniff the
delimiter on a sample and (``core.datasets.csv_records``) to check that every record has as many fields
as the header (pandas silently pads short rows), which also maps table rows back to file line numbers.
"""

from __future__ import annotations

import codecs
import csv
import os
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

import numpy as np

from core.datasets.csv_records import (
    DELIMITER_NAMES,
    Progress,
    counted_records,
    records,
    records_fast,
    scan_file,
)
from core.errors import DataError
from core.files import open_regular

MAX_ROWS = 1_000_000
NA_TOKENS = ("", "NA", "N/A", "n/a", "NaN", "nan", "?", "null", "NULL", "None")
DELIMITERS = ",;\t|"
_SAMPLE_BYTES = 64 * 1024


@dataclass
class RawTable:
    """The strings of a CSV file: ``frame`` (pandas DataFrame, dtype str, NaN = missing) and facts."""

    frame: object
    lines: np.ndarray  # (rows,) int64: 1-based file line where each row starts
    encoding: str
    delimiter: str
    header: bool

    bom: bool = False

    @property
    def encoding_name(self) -> str:
        """Human-readable encoding: UTF-8, UTF-8 with BOM or latin-1."""
        if self.encoding == "latin-1":
            return "latin-1"
        return "UTF-8 with BOM" if self.bom else "UTF-8"

    @property
    def delimiter_name(self) -> str:
        return DELIMITER_NAMES.get(self.delimiter, repr(self.delimiter))


def _is_number_column(column: Any) -> bool:
    import pandas as pd

    return pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column)


def _narrowed(values: np.ndarray) -> np.ndarray:
    """float64 ``values`` as float32 when every one is within the float32 range (NaN allowed)."""
    if values.dtype != np.float64:
        return values
    with np.errstate(over="ignore"):  # (beyond the range becomes inf: found by the check below)
        narrow = values.astype(np.float32)
    return values if np.isinf(narrow).any() else narrow  # kept exact for the caller's error


def _parse(path: str, total: int, progress: Progress | None, narrow: Collection[str] = (),
           recheck: Callable[[str], None] | None = None, **options: Any) -> Any:
    """``pandas.read_csv(path, **options)`` in chunks of 100,000 rows (progress after each).

    Columns are joined one at a time from their chunks (no second copy of the whole table); a column
    that is numeric in one chunk and text in another comes out as objects (the caller re-reads it).
    Float columns named in ``narrow`` are kept as float32 (half the memory) unless a chunk holds a
    value beyond the float32 range.
    """
    import pandas as pd

    pieces: dict[str, list[np.ndarray]] = {}
    done = 0
    try:
        with pd.read_csv(path, chunksize=100_000, **options) as reader:
            for chunk in reader:
                for name in chunk.columns:
                    values = chunk[name].to_numpy()
                    pieces.setdefault(name, []).append(_narrowed(values) if name in narrow else values)
                done += len(chunk)
                if progress is not None:
                    progress(0.1 + 0.8 * done / total, f"read {done:,} of {total:,} rows")
    except (ValueError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        if recheck is not None:
            recheck(path)
        raise DataError(f"{path}: cannot parse CSV: {str(exc).strip().splitlines()[-1]}") from None
    columns: dict[str, Any] = {}
    for name in list(pieces):
        parts = pieces.pop(name)
        kinds = {p.dtype.kind for p in parts}
        if len(kinds) > 1 and not kinds <= {"i", "u", "f"}:
            parts = [p.astype(object) for p in parts]
        columns[name] = parts[0] if len(parts) == 1 else np.concatenate(parts)
    return pd.DataFrame(columns, copy=False)


def missing_as_nan(column: Any) -> Any:
    """A column of strings stripped, with the missing-value markers (``NA_TOKENS``) as NaN."""
    s = column.str.strip()
    return s.where(~s.isin(NA_TOKENS))


def _sniff(sample: str) -> str:
    """Pick the delimiter among , ; tab | from a text sample."""
    lines = [ln for ln in sample.splitlines() if ln.strip()][:50]
    if len(lines) > 1 and not sample.endswith(("\n", "\r")):
        lines = lines[:-1]  # the sample may cut the last line
    try:
        return csv.Sniffer().sniff("\n".join(lines), delimiters=DELIMITERS).delimiter
    except csv.Error:
        pass
    best, best_score = ",", 0
    for d in DELIMITERS:
        counts = [ln.count(d) for ln in lines]
        if counts and min(counts) > 0:
            score = min(counts) * (2 if len(set(counts)) == 1 else 1)
            if score > best_score:
                best, best_score = d, score
    return best


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _detect_header(rows: list[list[str]]) -> bool:
    """A first row is a header unless it holds a number in a column; all-text data has a header."""
    if not rows:
        return True
    first = [f.strip() for f in rows[0]]
    if any(_is_number(f) for f in first if f not in NA_TOKENS):
        return False
    return True


@dataclass
class Layout:
    """What ``read_table`` learns before parsing cells: column names, data lines, encoding, delimiter."""

    names: list[str]
    lines: np.ndarray
    encoding: str
    delimiter: str
    header: bool
    bom: bool
    #: lines known from counts (``csv_records.counted_records``): a parse error may be a ragged row
    counted: bool = False
    header_line: int = 0  # file line of the header record (0: no header)

    def recheck(self, path: str) -> None:
        """Raise the ragged-row error for a counted file the C parser refused (else return)."""
        if self.counted:
            records_fast(path, self.encoding, self.delimiter)

    def options(self) -> dict[str, Any]:
        """``pandas.read_csv`` options that read the cells of this file."""
        return dict(sep=self.delimiter, header=0 if self.header else None, names=self.names,
                    encoding=self.encoding, keep_default_na=False, skipinitialspace=True,
                    skip_blank_lines=True, quotechar='"', engine="c")

    def table(self, frame: Any, lines: np.ndarray) -> RawTable:
        return RawTable(frame=frame, lines=lines, encoding=self.encoding, delimiter=self.delimiter,
                        header=self.header, bom=self.bom)




def layout(path: str, header: bool | None = None, max_rows: int = MAX_ROWS,
           progress: Progress | None = None) -> Layout:
    """Everything about ``path`` but its cells: encoding, delimiter, header, column names, lines.

    Refuses (DataError) what ``read_table`` refuses, reading the bytes but parsing no cell.
    """
    with open_regular(path, "a CSV file", DataError) as fh:
        try:
            head = fh.read(_SAMPLE_BYTES)
        except OSError as exc:
            raise DataError(f"{path}: cannot read file ({exc.strerror or exc})") from None
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        raise DataError(f"{path}: UTF-16/UTF-32 text is not supported; save the file as UTF-8 CSV")
    if not head.strip(b" \t\r\n\xef\xbb\xbf"):
        raise DataError(f"{path}: file is empty; expected a header line and data rows")
    delimiter = _sniff(head.decode("utf-8-sig", errors="ignore"))
    scan = scan_file(path, max_rows, progress, delimiter)
    encoding = scan.encoding
    if encoding == "latin-1" and _sniff(head.decode(encoding)) != delimiter:
        delimiter = _sniff(head.decode(encoding))
        scan = scan_file(path, max_rows, None, delimiter)
    counted = counted_records(path, scan, delimiter)
    lines, columns, first_rows = counted or records_fast(path, encoding, delimiter) or \
        records(path, encoding, delimiter)
    if header is None:
        header = _detect_header(first_rows)
    if header:
        names = [c.strip() for c in columns]
        for j, n in enumerate(names):
            if not n:
                names[j] = f"column_{j + 1}"
        seen: dict[str, int] = {}
        for j, n in enumerate(names):
            if n in seen:
                raise DataError(f"{path}: line {lines[0]}: duplicate column name {n!r} "
                                f"(columns {seen[n] + 1} and {j + 1}); column names must be unique")
            seen[n] = j
        data_lines = lines[1:]
    else:
        names = [f"column_{j + 1}" for j in range(len(columns))]
        data_lines = lines
    if not len(data_lines):
        raise DataError(f"{path}: has a header line but no data rows")
    if len(data_lines) > max_rows:
        raise DataError(f"{path}: {len(data_lines):,} data rows; the limit is {max_rows:,} rows. "
                        "Take a sample of the file and load that")

    return Layout(names, np.asarray(data_lines, dtype=np.int64), encoding, delimiter, bool(header),
                   head.startswith(codecs.BOM_UTF8), counted is not None, int(lines[0]) if header else 0)


def read_table(
    path: str | os.PathLike[str],
    header: bool | None = None,
    max_rows: int = MAX_ROWS,
    progress: Progress | None = None,
    exact: Callable[[list[str]], Collection[str]] | None = None,
) -> RawTable:
    """Read ``path`` into a RawTable: numeric columns as numbers, others as stripped strings (NaN = missing).

    With ``exact`` (given the column names, it returns the columns whose numbers must stay float64,
    e.g. a target) every other float column is float32, which halves the table. A float column keeps
    float64 where a value is beyond the float32 range, so the caller can quote it in its error.

    Raises DataError for: missing/unreadable file, directory, empty file, binary data, header
    only, ragged rows, duplicate column names, more than ``max_rows`` data rows (refused after a
    cheap byte scan, before parsing, so it never hangs).
    """
    path = os.fspath(path)
    lay = layout(path, header, max_rows, progress)
    total = len(lay.lines)
    options = lay.options()
    narrow = [] if exact is None else sorted(set(lay.names) - set(exact(list(lay.names))))
    # numbers are parsed by the C parser directly (no strings for numeric columns: fast, small);
    # columns holding any text are read again as text and cleaned like before
    frame = _parse(path, total, progress, narrow, lay.recheck, na_values=list(NA_TOKENS), **options)
    text = [c for c in frame.columns if not _is_number_column(frame[c])]
    if text:
        texts = _parse(path, total, None, dtype=str, na_values=list(NA_TOKENS), usecols=text, **options)
        for col in text:
            frame[col] = missing_as_nan(texts[col])
    if len(frame) != total:
        lay.recheck(path)
        raise DataError(f"{path}: parsed {len(frame)} rows but found {total} records; check the quoting")
    return lay.table(frame, lay.lines)
