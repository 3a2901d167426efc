"""Column encoding stored in ``Dataset.preprocessing["columns"]`` and applied to new raw rows.

Each column spec is JSON-able: ``{"name": "bill_mm", "kind": "numeric", "fill": 43.9}`` or
``{"name": "island", "kind": "categorical", "categories": ["Biscoe", "Dream"], "fill": "Biscoe"}``.
A numeric column read with decimal commas carries ``"decimal": ","``.
A categorical column becomes one float column per category, named ``"island=Biscoe"``.
``fill`` (optional) is the imputation value used when a new row has a missing value.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from core.errors import DataError

FLOAT32_MAX = float(np.finfo(np.float32).max)
_ROW_BLOCK = 16384


def feature_names_for(columns: list[dict[str, Any]]) -> list[str]:
    """Feature names produced by the column specs, in order."""
    names: list[str] = []
    for col in columns:
        if col["kind"] == "categorical":
            names.extend(f"{col['name']}={c}" for c in col["categories"])
        else:
            names.append(str(col["name"]))
    return names


def encode_frame(preprocessing: dict[str, Any], df: Any, dtype: Any = np.float32,
                 rows: np.ndarray | None = None) -> np.ndarray:
    """Encode ``df`` (DataFrame with the raw columns, or (n, f) array) -> (n, num_features) array.

    Missing values use the stored ``fill``; without one they are an error naming the column.
    ``rows`` (k,) int: encode only those rows of a DataFrame, in that order -> (k, num_features)
    (a train/test split without copying the table or the matrix; row numbers in errors stay ``df``'s).
    """
    import pandas as pd

    columns: list[dict[str, Any]] = preprocessing.get("columns", [])
    names = feature_names_for(columns)
    out_dtype = np.uint8 if np.dtype(dtype) == np.uint8 else np.float32
    if not isinstance(df, pd.DataFrame):
        arr = np.asarray(df)
        if arr.ndim == 1:
            arr = arr.reshape(1, -1)
        if arr.ndim != 2:
            raise DataError(f"expected rows as a 2D array, got shape {arr.shape}")
        if all(c["kind"] == "numeric" for c in columns) and arr.shape[1] == len(names):
            try:
                values = arr.astype(np.float64)
            except (TypeError, ValueError) as exc:
                raise DataError(f"rows must be numeric: {exc}") from None
            return _finish(values, out_dtype, names)
        raw = [c["name"] for c in columns]
        if arr.shape[1] != len(raw):
            raise DataError(f"expected {len(raw)} columns ({', '.join(map(str, raw))}), got {arr.shape[1]}")
        df = pd.DataFrame(arr, columns=raw)
    n = len(df) if rows is None else len(rows)
    # filled column by column: no float64 copy of the whole matrix (the uint8 path checks the range after)
    out = np.empty((n, len(names)), dtype=np.float32 if out_dtype == np.float32 else np.float64)
    pos = 0
    numbers: list[tuple[int, np.ndarray]] = []  # (column of out, values): copied in row blocks below
    for col in columns:
        name = col["name"]
        if name not in df.columns:
            raise DataError(f"column {name!r} is missing (expected columns: "
                            f"{', '.join(str(c['name']) for c in columns)})")
        series = df[name]
        missing = series.isna().to_numpy()
        if col["kind"] == "numeric":
            if series.dtype.kind == "f":  # parsed as numbers already (NaN = missing): no copy, no text
                values = series.to_numpy()
                bad = np.zeros(0, dtype=bool)
            else:
                if col.get("decimal") == "," and not pd.api.types.is_numeric_dtype(series):
                    series = series.astype("string").str.replace(",", ".", regex=False)
                values = pd.to_numeric(series, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
                bad = np.isnan(values) & ~missing
            if bad.any():
                rows = np.flatnonzero(bad)[:5]
                raise DataError(f"column {name!r}: expected numbers, got text in row(s) "
                                f"{', '.join(str(int(r) + 1) for r in rows)} (e.g. {series.iloc[rows[0]]!r})")
            huge = beyond_float32(values)
            if huge.any():
                rows = np.flatnonzero(huge)[:5]
                cell = series.iloc[rows[0]]
                cell = cell if isinstance(cell, str) else float(cell)  # (1e+39, not np.float64(1e+39))
                raise DataError(f"column {name!r}: value {cell!r} in row(s) "
                                f"{', '.join(str(int(r) + 1) for r in rows)} is infinite or beyond the "
                                f"float32 range (±{FLOAT32_MAX:.3g}); expected a finite number")
            if missing.any():
                if col.get("fill") is None:
                    raise DataError(f"column {name!r}: missing value in row {_first(missing)}")
                values = np.where(missing, float(col["fill"]), values)
            numbers.append((pos, values))
            pos += 1
        else:
            cats = [str(c) for c in col["categories"]]
            text = series.astype("string").to_numpy(dtype=object, na_value=None)
            if missing.any():
                if col.get("fill") is None:
                    raise DataError(f"column {name!r}: missing value in row {_first(missing)}")
                text = np.where(missing, str(col["fill"]), text)
            lookup = {c: i for i, c in enumerate(cats)}
            idx = np.array([lookup.get(str(v).strip(), -1) for v in text], dtype=np.int64)
            if (idx < 0).any():
                r = int(np.flatnonzero(idx < 0)[0])
                raise DataError(f"column {name!r}: unknown category {text[r]!r} in row {r + 1}; "
                                f"known: {', '.join(cats)}")
            block = out[:, pos:pos + len(cats)]
            block[:] = 0.0
            block[np.arange(n), idx if rows is None else idx[rows]] = 1.0
            pos += len(cats)
    for start in range(0, n, _ROW_BLOCK):  # a block of rows stays in cache while its columns are filled
        picked = slice(start, start + _ROW_BLOCK) if rows is None else rows[start:start + _ROW_BLOCK]
        for j, values in numbers:
            out[start:start + _ROW_BLOCK, j] = values[picked]
    return out if out.dtype == out_dtype else _finish(out, out_dtype, names)


def beyond_float32(values: np.ndarray) -> np.ndarray:
    """Mask of ``values`` that are infinite or beyond the float32 range (NaN, a missing value, is not)."""
    if values.dtype == np.float32:
        return np.isinf(values)  # (one pass: a float32 is finite or infinite)
    return np.abs(values) > FLOAT32_MAX


def with_lines(message: str, positions: np.ndarray, lines: list[int] | None) -> str:
    """Rewrite ``row N`` (1-based among ``positions``) in an encoder message as the file's ``line L``."""
    def line_of(k: int) -> str:
        pos = int(positions[k - 1]) if 0 < k <= len(positions) else k - 1
        return str(lines[pos] if lines is not None and pos < len(lines) else pos + 1)

    def fix(match: re.Match[str]) -> str:
        numbers = ", ".join(line_of(int(v)) for v in re.findall(r"\d+", match.group(2)))
        return f"{'line(s)' if match.group(1) == 'row(s)' else 'line'} {numbers}"

    return re.sub(r"\b(row\(s\)|row) (\d+(?:, \d+)*)", fix, message)


def _first(mask: np.ndarray) -> int:
    """1-based index of the first True in ``mask``."""
    return int(np.flatnonzero(mask)[0]) + 1


def _finish(values: np.ndarray, out_dtype: Any, names: list[str]) -> np.ndarray:
    if out_dtype == np.uint8:
        if np.any((values < 0) | (values > 255)) or np.any(values != np.round(values)):
            return values.astype(np.float32)
        return values.astype(np.uint8)
    return values.astype(np.float32)
