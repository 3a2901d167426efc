"""Load a user's CSV file as a Dataset: typing, missing values, one-hot encoding, task detection.

Rules (documented in the README): delimiter sniffed among , ; tab |; header detected (a first
row without numbers is a header); UTF-8 with or without BOM, else latin-1; missing values are
empty, NA, N/A, NaN, ?, null, None; target = last column unless named; ``missing="drop"``
(default) drops rows with a missing value in a used column, ``"impute"`` fills numeric columns
with the training mean and categorical ones with the most frequent training value (rows with a
missing target are always dropped). A column is numeric when every value parses as a number;
when most (>= 90 %) but not all do, that is an error naming the lines with text (decimal commas
are accepted in files not separated by commas). Text columns are one-hot encoded (at most 50
categories); a target has at most 256 classes. Task: a text target, or an integer target with at
most 10 distinct values, is classification; otherwise regression. More than 1,000,000 data rows are
refused after a cheap byte scan (see ``csv_read``).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np

from core.datasets.csv_read import MAX_ROWS, Progress, read_table
from core.datasets.dataset import SCALINGS, TASKS, Dataset, stratified_split
from core.datasets.encoding import FLOAT32_MAX, beyond_float32, encode_frame, feature_names_for
from core.errors import DataError

MAX_CATEGORIES = 50
MAX_CLASSES_NUMERIC = 10
MAX_CLASSES = 256
NUMERIC_SHARE = 0.9
MISSING_POLICIES = ("drop", "impute")


def _lines(lines: np.ndarray, mask: np.ndarray, limit: int = 5) -> str:
    hits = lines[np.flatnonzero(mask)]
    text = ", ".join(str(int(v)) for v in hits[:limit])
    return text + (f" and {len(hits) - limit} more" if len(hits) > limit else "")


def _number_name(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else repr(float(v))


def _distinct(values: np.ndarray) -> np.ndarray:
    """``np.unique(values)`` (float64, no NaN) by hashing: a million targets need no sort."""
    import pandas as pd

    return np.sort(pd.unique(values))


def _consecutive_integers(values: np.ndarray) -> bool:
    """True when ``values`` (n > 20, no NaN) are n distinct consecutive integers: an ID column.

    Cheap tests first (a sample, then every value whole) because ``np.unique`` sorts. float32 values
    are exact below 2**24, so IDs above 16.7 million are not told apart (no note: a missed hint only).
    """
    n = len(values)
    if n <= 20:
        return False
    for part in (values[:1000], values):
        if not np.all(part == np.round(part)):  # (NaN fails this too)
            return False
    uniq = np.unique(values)
    return len(uniq) == n and uniq[-1] - uniq[0] == n - 1


def load_csv(
    path: str | os.PathLike[str],
    target: str | Sequence[str] | None = None,
    ignore: Sequence[str] = (),
    missing: str = "drop",
    task: str | None = None,
    scaling: str = "standard",
    test_fraction: float = 0.2,
    seed: int | None = 0,
    progress: Progress | None = None,
    header: bool | None = None,
    max_rows: int = MAX_ROWS,
    test_path: str | os.PathLike[str] | None = None,
) -> Dataset:
    """Load ``path`` as a Dataset (x float32 raw scale, categoricals one-hot).

    ``target``: column name (or list of names for multi-output regression); default the last
    column. ``ignore``: columns to leave out. ``task``: "binary" | "multiclass" | "regression"
    or None / "auto" (detect). ``progress(fraction, message)`` is called while reading.
    ``test_path``: a separate labelled test file; then every row of ``path`` trains (``test_fraction`` is
    not used) and the test rows are encoded with what was fitted on ``path`` (``core.datasets.labelled``).
    Raises DataError naming file, line and column for every unusable input.
    """
    path = os.fspath(path)
    if missing not in MISSING_POLICIES:
        raise DataError(f"missing must be one of {', '.join(MISSING_POLICIES)}, got {missing!r}")
    if task == "auto":
        task = None
    if task is not None and task not in TASKS:
        raise DataError(f"task must be one of {', '.join(TASKS)} or auto, got {task!r}")
    if scaling not in SCALINGS:
        raise DataError(f"scaling must be one of {', '.join(SCALINGS)}, got {scaling!r}")
    if not 0.0 <= float(test_fraction) < 1.0:
        raise DataError(f"test fraction must be in [0, 1), got {test_fraction}")
    def exact(columns: list[str]) -> list[str]:  # target numbers stay float64 (class detection, names)
        return columns[-1:] if target is None else [target] if isinstance(target, str) else list(target)

    table = read_table(path, header=header, max_rows=max_rows, progress=progress, exact=exact)
    df = table.frame
    lines = table.lines
    all_columns = [str(c) for c in df.columns]

    targets = [all_columns[-1]] if target is None else ([target] if isinstance(target, str) else list(target))
    for t in targets:
        if t not in all_columns:
            raise DataError(f"{path}: target column {t!r} not found; columns are {', '.join(all_columns)}")
    for c in ignore:
        if c not in all_columns:
            raise DataError(f"{path}: ignored column {c!r} not found; columns are {', '.join(all_columns)}")
        if c in targets:
            raise DataError(f"{path}: column {c!r} is both the target and ignored")
    features = [c for c in all_columns if c not in targets and c not in ignore]
    if not features:
        raise DataError(f"{path}: no feature columns left (target: {', '.join(targets)}); "
                        "a data set needs at least one input column")
    n_read = len(df)
    notes: list[str] = []

    # All-missing columns.
    for c in features + targets:
        if df[c].isna().all():
            raise DataError(f"{path}: column {c!r} (column {all_columns.index(c) + 1}) has no values "
                            f"(all {n_read} missing); ignore it or fill it in")

    # Column typing.
    numeric: dict[str, Any] = {}
    import pandas as pd

    for c in features + targets:
        s = df[c]
        if s.dtype in (np.float64, np.float32):
            values = s.to_numpy()  # parsed as numbers already: a view, no copy, no text
            present = text = np.zeros(0, dtype=bool)
        else:
            present = s.notna().to_numpy()
            values = pd.to_numeric(s, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
            text = present & np.isnan(values)
        if text.any() and table.delimiter != "," and s.str.contains(",", regex=False).any():
            # decimal commas ("3,14") in semicolon/tab/pipe files
            alt = pd.to_numeric(s.str.replace(",", ".", regex=False), errors="coerce")
            alt_values = alt.to_numpy(dtype=np.float64, na_value=np.nan)
            if not (present & np.isnan(alt_values)).any():
                values, text = alt_values, np.zeros_like(text)
                df[c] = values
                notes.append(f"column {c!r}: decimal commas read as decimal points")
        if not text.any():
            bad = beyond_float32(values)
            if bad.any():
                first = int(np.flatnonzero(bad)[0])
                cell = s.iloc[first]
                cell = cell if isinstance(cell, str) else float(cell)  # (1e+39, not np.float64(1e+39))
                raise DataError(f"{path}: column {c!r}: value {cell!r} on line(s) "
                                f"{_lines(lines, bad)} is infinite or beyond the float32 range "
                                f"(±{FLOAT32_MAX:.3g})")
            if c in targets or values.dtype == np.float32:
                numeric[c] = values  # (targets stay float64: class detection and names need exact values)
            else:  # features end up float32 anyway: halve the table now instead of after encoding
                df[c] = values.astype(np.float32)  # (pandas copies what it is given: keep its copy)
                numeric[c] = df[c].to_numpy()
        elif text.sum() <= (1.0 - NUMERIC_SHARE) * present.sum():
            first = int(np.flatnonzero(text)[0])
            raise DataError(f"{path}: column {c!r} (column {all_columns.index(c) + 1}): expected numbers, "
                            f"got text on line(s) {_lines(lines, text)} (e.g. {s.iloc[first]!r})")

    # Task detection.
    multi_target = len(targets) > 1
    t0 = targets[0]
    if task is None:
        if multi_target:
            task = "regression"
        elif t0 not in numeric:
            task = "binary" if df[t0].nunique() == 2 else "multiclass"
        else:
            v = numeric[t0][~np.isnan(numeric[t0])]
            uniq = _distinct(v)
            if np.all(v == np.round(v)) and len(uniq) <= MAX_CLASSES_NUMERIC:
                task = "binary" if len(uniq) == 2 else "multiclass"
            else:
                task = "regression"
        notes.append(f"task detected: {task} (override with task=...)")
    if task == "regression":
        for t in targets:
            if t not in numeric:
                raise DataError(f"{path}: target column {t!r} holds text; regression needs numbers "
                                "(use a classification task)")
    elif multi_target:
        raise DataError(f"{path}: several target columns need task regression, got {task}")

    # Missing values.
    used = features + targets
    no_gaps = np.zeros(n_read, dtype=bool)
    miss = {c: m if (m := df[c].isna().to_numpy()).any() else no_gaps for c in used}
    target_missing = np.zeros(n_read, dtype=bool)
    for t in targets:
        target_missing |= miss[t]
    drop = target_missing.copy()
    reasons = []
    if target_missing.any():
        reasons.append(f"{int(target_missing.sum())} with a missing target")
    if missing == "drop":
        for c in features:
            if miss[c].any():
                reasons.append(f"{int(miss[c].sum())} missing in {c!r}")
                drop |= miss[c]
    keep = ~drop
    if not keep.any():
        raise DataError(f"{path}: every row has a missing value ({'; '.join(reasons)}); "
                        "use missing='impute' or fill the gaps")
    if not keep.all():  # (copies of the whole table: only when rows go)
        df = df.loc[keep].reset_index(drop=True)
        lines = lines[keep]
        for c in list(numeric):
            numeric[c] = numeric[c][keep]
    n = len(df)

    # Target encoding.
    if task == "regression":
        y = np.stack([numeric[t] for t in targets], axis=1).astype(np.float32)
        class_names: list[str] = []
        target_enc: dict[str, Any] = {"kind": "regression", "columns": targets}
    else:
        if t0 in numeric:
            uniq = _distinct(numeric[t0])
            class_names = [_number_name(u) for u in uniq]
            y = np.searchsorted(uniq, numeric[t0]).astype(np.int64)
        else:
            labels = df[t0].astype(str).to_numpy()
            uniq_s = np.unique(labels)
            class_names = [str(u) for u in uniq_s]
            y = np.searchsorted(uniq_s, labels).astype(np.int64)
        if len(class_names) < 2:
            raise DataError(f"{path}: target column {t0!r} has only one class ({class_names[0]!r}); "
                            "a classifier needs at least 2")
        if len(class_names) > MAX_CLASSES:
            raise DataError(f"{path}: target column {t0!r} has {len(class_names)} classes (at most "
                            f"{MAX_CLASSES}); is it the right target? (numeric target: use task regression)")
        if task == "binary" and len(class_names) != 2:
            raise DataError(f"{path}: task binary needs 2 classes, target {t0!r} has {len(class_names)} "
                            f"({', '.join(class_names[:10])})")
        target_enc = {"kind": "classes", "column": t0, "classes": class_names}

    # Split before fitting anything (imputation and scaling use the training split only).
    train_idx, test_idx = stratified_split(n, 0.0 if test_path is not None else test_fraction, seed,
                                           labels=None if task == "regression" else y)

    columns: list[dict[str, Any]] = []
    for c in features:
        if c in numeric:
            spec: dict[str, Any] = {"name": c, "kind": "numeric"}
            if f"column {c!r}: decimal commas read as decimal points" in notes:
                spec["decimal"] = ","
            if missing == "impute":
                v = numeric[c][train_idx]
                v = v[~np.isnan(v)]
                spec["fill"] = float(v.mean(dtype=np.float64)) if len(v) else 0.0
            if _consecutive_integers(numeric[c]):
                notes.append(f"column {c!r} looks like an ID (consecutive unique integers); "
                             "consider ignoring it")
        else:
            text = df[c].astype(str).where(df[c].notna())
            cats = sorted(str(v) for v in text.dropna().unique())
            if len(cats) > MAX_CATEGORIES:
                idlike = text.dropna().nunique() == text.notna().sum()
                hint = " It looks like an ID column (every value unique)." if idlike else ""
                raise DataError(f"{path}: column {c!r} (column {all_columns.index(c) + 1}) has {len(cats)} "
                                f"categories; at most {MAX_CATEGORIES} can be one-hot encoded.{hint} "
                                "Ignore it or group its values")
            if len(cats) == int(text.notna().sum()) and len(cats) > 10:
                notes.append(f"column {c!r} looks like an ID (every value unique); consider ignoring it")
            spec = {"name": c, "kind": "categorical", "categories": cats}
            if missing == "impute":
                counts = text.iloc[train_idx].value_counts()
                spec["fill"] = str(counts.index[0]) if len(counts) else cats[0]
        columns.append(spec)
    try:
        x = encode_frame({"columns": columns}, df, np.float32, rows=np.concatenate([train_idx, test_idx]))
    except DataError as exc:  # pragma: no cover - typing above guarantees clean columns
        raise DataError(f"{path}: {exc}") from None
    df = numeric = table.frame = None  # the parsed table is no longer needed: free it before the split
    if missing == "impute":
        n_imp = {c: int(miss[c][keep].sum()) for c in features if miss[c][keep].any()}
        if n_imp:
            notes.append("imputed: " + ", ".join(f"{c} ({k})" for c, k in n_imp.items()))

    feature_names = feature_names_for(columns)
    name = os.path.splitext(os.path.basename(path))[0]
    preprocessing = {"columns": columns, "target": target_enc, "ignored": list(ignore),
                     "raw_columns": all_columns, "missing": missing,
                     "file": {"encoding": table.encoding, "delimiter": table.delimiter,
                              "header": table.header}}
    x_train, x_test = x[:len(train_idx)], x[len(train_idx):]  # (encoded in that order: views, no copies)
    y_test = y[test_idx]
    if test_path is not None:
        from core.datasets.labelled import read_labelled

        test = read_labelled(test_path, {**preprocessing, "task": task}, header=header)
        x_test, y_test = test.x, test.y
        notes.append(f"test file '{os.path.basename(os.fspath(test_path))}': {len(test.y)} rows"
                     + (f", {len(test.dropped_lines)} dropped for missing values"
                        if test.dropped_lines else "")
                     + (f", {test.imputed} values imputed" if test.imputed else ""))
    ds = Dataset(
        name=name, source="csv", task=task,
        x_train=x_train, y_train=y[train_idx], x_test=x_test, y_test=y_test,
        feature_names=feature_names, class_names=class_names, target_names=targets, scaling=scaling,
        preprocessing=preprocessing,
    )
    summary = [
        f"CSV '{os.path.basename(path)}': {n_read} rows read ({table.encoding_name}, "
        f"{table.delimiter_name}-separated, {'header' if table.header else 'no header'})",
        f"rows dropped: {n_read - n}" + (f" ({'; '.join(reasons)})" if reasons and n_read != n else ""),
        f"{n} rows used: {len(train_idx)} train / {len(test_idx)} test; task {task}" if test_path is None
        else f"{n} rows used for training, {len(y_test)} test rows from the test file; task {task}",
        "columns: " + ", ".join(
            f"{s['name']} (numeric)" if s["kind"] == "numeric" else f"{s['name']} (categorical, "
            f"{len(s['categories'])} values)" for s in columns),
        f"target: {', '.join(targets)}" + (f" ({len(class_names)} classes)" if class_names else " (numeric)"),
    ]
    if ignore:
        summary.append("ignored: " + ", ".join(ignore))
    if class_names:
        counts = np.bincount(y, minlength=len(class_names))
        summary.append("class balance: " + ", ".join(
            f"{c}: {int(k)} ({100 * k / n:.0f}%)" for c, k in zip(class_names, counts, strict=True)))
    summary.extend(notes)
    ds.summary = "\n".join(summary)
    ds.preprocessing["warnings"] = [s for s in notes if "looks like an ID" in s]
    if progress is not None:
        progress(1.0, "done")
    return ds
