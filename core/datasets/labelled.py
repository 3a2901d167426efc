"""Reading a labelled CSV file (features and target) with a preprocessing fitted elsewhere.

Used for an explicit test file (``data.test_path``, read with the training file's column encoding)
and by ``ffstudio evaluate`` (read with the encoding stored beside the trained weights). Nothing is
fitted here: categories, fill values and class names all come from ``preprocessing`` (the dict a
CSV ``Dataset`` carries). Columns are matched by name when the header names every feature column
and the target, otherwise by position when the file has exactly the training file's columns.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from core.datasets.csv_read import read_table
from core.errors import DataError


@dataclass(frozen=True)
class LabelledRows:
    """Encoded rows of a labelled file.

    ``x`` (n, f) float32 on the raw scale (one-hot columns included), ``y`` int64 (n,) class indices or
    float32 (n, k) regression values; ``lines`` (n,) the file line of each kept row; ``dropped_lines``
    the lines left out for a missing target (always) or a missing feature (policy "drop");
    ``imputed`` the number of values filled with the training mean / most frequent category.
    """

    x: np.ndarray
    y: np.ndarray
    lines: np.ndarray
    dropped_lines: list[int] = field(default_factory=list)
    imputed: int = 0
    matched_by: str = "name"


def target_columns(preprocessing: dict[str, Any]) -> list[str]:
    """The target column name(s) stored in ``preprocessing["target"]`` (or its ``target_names``)."""
    enc = preprocessing.get("target") or {}
    if enc.get("kind") == "classes" and enc.get("column"):
        return [str(enc["column"])]
    if enc.get("columns"):
        return [str(c) for c in enc["columns"]]
    return [str(c) for c in preprocessing.get("target_names") or []]


def _number_name(text: str) -> str | None:
    """The class name a numeric training target gives ``text`` ("1.0" -> "1"), or None for text."""
    try:
        v = float(text)
    except ValueError:
        return None
    return str(int(v)) if v.is_integer() else repr(v)


def _line_text(lines: np.ndarray, limit: int = 5) -> str:
    text = ", ".join(str(int(v)) for v in lines[:limit])
    return text + (f" and {len(lines) - limit} more" if len(lines) > limit else "")


def _match(frame: Any, preprocessing: dict[str, Any], needed: list[str], path: str) -> tuple[Any, str]:
    """``frame`` with columns named as in training: by header name, else by position."""
    names = [str(c) for c in frame.columns]
    if all(n in names for n in needed):
        return frame, "name"
    raw = [str(c) for c in preprocessing.get("raw_columns") or []]
    if raw and len(names) == len(raw):
        renamed = frame.copy()
        renamed.columns = raw
        if all(n in raw for n in needed):
            return renamed, "position"
    missing = [n for n in needed if n not in names]
    raise DataError(f"{path}: column(s) {', '.join(missing)} not found; the file needs the columns "
                    f"{', '.join(needed)} (by name in a header row"
                    + (f", or exactly the {len(raw)} training columns in order" if raw else "") + ")")


def encode_targets(frame: Any, preprocessing: dict[str, Any], targets: list[str], lines: np.ndarray,
                   path: str) -> np.ndarray:
    """Class indices (n,) int64 or values (n, k) float32 for the target column(s) of ``frame``."""
    import pandas as pd

    enc = preprocessing.get("target") or {}
    if preprocessing.get("task") == "regression" or enc.get("kind") == "regression":
        cols = []
        for t in targets:
            values = pd.to_numeric(frame[t], errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
            bad = np.isnan(values)
            if bad.any():
                example = frame[t].iloc[int(np.flatnonzero(bad)[0])]
                raise DataError(f"{path}: target column {t!r}: expected numbers, got text on line(s) "
                                f"{_line_text(lines[bad])} (e.g. {example!r})")
            cols.append(values)
        return np.stack(cols, axis=1).astype(np.float32)
    classes = [str(c) for c in enc.get("classes") or preprocessing.get("class_names") or []]
    lookup = {c: i for i, c in enumerate(classes)}
    out = np.empty(len(frame), dtype=np.int64)
    for k, value in enumerate(frame[targets[0]].astype(str)):
        i = lookup.get(value)
        if i is None:
            i = lookup.get(_number_name(value) or "")
        if i is None:
            raise DataError(f"{path}: line {int(lines[k])}: target {targets[0]!r} holds class {value!r}, "
                            f"which training never saw; known classes: {', '.join(classes)}")
        out[k] = i
    return out


def read_labelled(path: str | os.PathLike[str], preprocessing: dict[str, Any],
                  header: bool | None = None) -> LabelledRows:
    """Read ``path`` (features and target) and encode it with ``preprocessing``; nothing is refitted.

    Rows with a missing target are dropped; a missing feature is imputed with the stored ``fill``
    (policy "impute") or drops the row (policy "drop"). Raises DataError naming the file, line and
    column for unknown categories or classes, text in numeric columns, missing columns, or no rows left.
    """
    from core.datasets.encoding import encode_frame, with_lines

    source = os.fspath(path)
    table = read_table(source, header=header)
    columns = preprocessing.get("columns") or []
    features = [str(c["name"]) for c in columns]
    targets = target_columns(preprocessing)
    if not targets:
        raise DataError(f"{source}: the trained network does not record its target column, so the file "
                        "cannot be scored")
    frame, how = _match(table.frame, preprocessing, features + targets, source)
    lines = table.lines
    drop = np.zeros(len(frame), dtype=bool)
    for t in targets:
        drop |= frame[t].isna().to_numpy()
    imputed = 0
    for col in columns:
        miss = frame[str(col["name"])].isna().to_numpy()
        if col.get("fill") is None:
            drop |= miss
        else:
            imputed += int((miss & ~drop).sum())
    keep = np.flatnonzero(~drop)
    if len(keep) == 0:
        raise DataError(f"{source}: no rows left to score: every row has a missing target"
                        + (" or a missing value the project drops" if drop.any() else ""))
    rows = frame.iloc[keep].reset_index(drop=True)
    try:
        x = encode_frame(preprocessing, rows[features], np.float32)
    except DataError as exc:
        raise DataError(f"{source}: " + with_lines(str(exc), np.arange(len(keep)), lines[keep].tolist())) \
            from None
    y = encode_targets(rows, preprocessing, targets, lines[keep], source)
    return LabelledRows(x=x, y=y, lines=lines[keep], dropped_lines=[int(v) for v in lines[drop]],
                        imputed=imputed, matched_by=how)


__all__ = ["LabelledRows", "read_labelled", "target_columns"]
