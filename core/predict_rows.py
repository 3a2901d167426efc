"""Rows to predict, read with the training CSV reader and matched to the network's raw columns.

``iter_rows`` streams a file in pieces (``core.datasets.csv_read.iter_table``: the same encodings,
delimiters, missing-value markers, ragged-row and size rules as training), so predicting costs the
same memory for a thousand rows as for a million. Cells stay text, byte for byte, for the output.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator, Mapping
from typing import Any

from core.errors import DataError


def _clean(frame: Any, names: list[str]) -> Any:
    """The raw feature columns stripped, missing-value markers as NaN, named ``names``."""
    from core.datasets.csv_read import missing_as_nan

    out = frame.apply(missing_as_nan)
    out.columns = names
    return out


def _header_is_data(cells: list[str], preprocessing: Mapping[str, Any]) -> bool:
    """True when a detected header row would be a valid data row (all-text data has no numbers to tell)."""
    from core.datasets.csv_read import NA_TOKENS

    for cell, col in zip(cells, preprocessing.get("columns", []), strict=False):
        cell = cell.strip()
        if cell in NA_TOKENS:
            continue
        if col.get("kind", "numeric") == "numeric":
            try:
                float(cell.replace(",", ".") if col.get("decimal") == "," else cell)
            except ValueError:
                return False
        elif cell not in [str(c) for c in col.get("categories", [])]:
            return False
    return True


def iter_rows(path: str | os.PathLike[str], names: list[str], preprocessing: Mapping[str, Any],
              rows: int = 100_000) -> Iterator[tuple[Any, Any, str, list[int]]]:
    """Pieces ``(rows as text, raw feature columns cleaned in training order, "name" | "position",
    file line of each row)`` of the file at ``path``.

    Columns are matched by name when the header holds every name in ``names``, else by position (the
    file must then have exactly ``len(names)`` columns; a detected header that is a valid data row is
    read as data).
    """
    from core.datasets.csv_read import iter_table

    source = os.fspath(path)
    tables = iter_table(source, rows=rows)
    first = next(tables)
    header = first.header
    columns = [str(c).strip() for c in first.frame.columns]
    how = "name" if header and all(n in columns for n in names) else "position"
    if how == "position":
        if len(columns) != len(names):
            raise DataError(f"{source}: the header does not name the feature columns ({', '.join(names)}), "
                            f"and matching by position needs exactly {len(names)} columns, but the file "
                            f"has {len(columns)}")
        if header and _header_is_data(columns, preprocessing):
            tables.close()
            tables = iter_table(source, header=False, rows=rows)
            first = next(tables)
            header = False
    for table in itertools.chain([first], tables):
        frame = table.frame
        frame.columns = columns if header else names
        picked = frame[names] if how == "name" else frame
        yield frame, _clean(picked, names), how, table.lines.tolist()
