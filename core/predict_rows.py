"""Rows to predict, read with the training CSV reader and matched to the network's raw columns.

``iter_rows`` streams a file in pieces (``core.datasets.csv_stream.iter_records``: the same encodings,
delimiters, missing-value markers, ragged-row and size rules as training), so predicting costs the
same memory for a thousand rows as for a million. Only the network's columns are parsed (numbers as
numbers); every record's text comes along unparsed, to be copied to the output byte for byte.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from typing import Any

from core.errors import DataError


def _as_text(column: Any) -> Any:
    """A column the parser did not read as numbers, as stripped strings with missing values NaN."""
    from core.datasets.csv_read import missing_as_nan

    if column.dtype == bool:  # ("True"/"False" cells: text to a numeric column)
        column = column.astype(str)
    elif column.dtype == object:
        column = column.map(lambda v: str(v) if isinstance(v, bool) else v)
    return missing_as_nan(column.astype(object))


def _clean(frame: Any, names: list[str], specs: Mapping[str, Mapping[str, Any]]) -> Any:
    """The raw feature columns in training order, named ``names``: numbers as parsed, the rest text."""
    import pandas as pd

    out = {}
    for name, (_, column) in zip(names, frame.items(), strict=True):
        number = specs.get(name, {}).get("kind", "numeric") == "numeric" and column.dtype.kind in "iuf"
        out[name] = column if number else _as_text(column)
    return pd.DataFrame(out, copy=False)


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
              rows: int = 100_000) -> Iterator[tuple[Any, Any, str, list[str]]]:
    """Pieces ``(csv_stream.Piece, raw feature columns cleaned in training order, "name" | "position",
    names of the copied columns)`` of the file at ``path``.

    Columns are matched by name when the header holds every name in ``names``, else by position (the
    file must then have exactly ``len(names)`` columns; a detected header that is a valid data row is
    read as data). The copied columns are named by the file's header, else by ``names``.
    """
    from core.datasets.csv_read import layout
    from core.datasets.csv_stream import iter_records

    source = os.fspath(path)
    lay = layout(source)
    columns = list(lay.names)
    how = "name" if lay.header and all(n in columns for n in names) else "position"
    if how == "position":
        if len(columns) != len(names):
            raise DataError(f"{source}: the header does not name the feature columns ({', '.join(names)}), "
                            f"and matching by position needs exactly {len(names)} columns, but the file "
                            f"has {len(columns)}")
        if lay.header and _header_is_data(columns, preprocessing):
            lay = layout(source, header=False)
    wanted = list(names) if how == "name" else list(lay.names)
    specs = {str(c["name"]): c for c in preprocessing.get("columns", [])}
    text = [f for f, n in zip(wanted, names, strict=True)
            if specs.get(n, {}).get("kind", "numeric") != "numeric" or specs.get(n, {}).get("decimal")]
    copied = list(lay.names) if lay.header else list(names)
    for piece in iter_records(source, lay, wanted, text, rows):
        yield piece, _clean(piece.frame[wanted], names, specs), how, copied
