"""The data of a Feedforward Studio project for PyTorch: the same rows, encoding and split as the app.

Reads ``ffstudio_export.json`` (written by ``ffstudio export --format pytorch -o DIR``) for the source:

- CSV: the file is read with the app's rules (delimiter, encoding and header as detected when the project
  was trained; empty, NA, N/A, NaN, ?, null, None are missing). Rows with a missing target are dropped,
  and with ``missing: "drop"`` rows with a missing feature; the rest are split train/test with the app's
  stratified split and seed (or the test rows come from ``test_path``). Text columns are one-hot encoded
  with the project's categories, missing values get the project's fill values (training mean / most
  frequent category), class names map to the project's class indices.
- MNIST: the four IDX files (raw or .gz) of the project's folder; ``subset: N`` keeps the first N
  training images.

The feature scaling (standard / minmax / none) is fitted on the training split, as the app does; it becomes
the model's first layer (``Normalization``). Needs NumPy only.
"""

from __future__ import annotations

import csv
import gzip
import json
import os
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
SETTINGS = json.loads((HERE / "ffstudio_export.json").read_text(encoding="utf-8"))
NA_TOKENS = {"", "NA", "N/A", "n/a", "NaN", "nan", "?", "null", "NULL", "None"}
VARIANCE_FLOOR = 1e-12


@dataclass
class Splits:
    """x_* float32 (n, features) raw scale; y_* int64 (n,) class indices or float32 (n, targets);
    mean/variance float64 (features,) fitted on the training split."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    mean: np.ndarray
    variance: np.ndarray


def stratified_split(n: int, test_fraction: float, seed: int | None, labels: np.ndarray | None
                     ) -> tuple[np.ndarray, np.ndarray]:
    """Sorted (train, test) row indices: each class split on its own with one generator (the app's rule)."""
    rng = np.random.default_rng(seed)
    groups = [np.arange(n)] if labels is None else [np.flatnonzero(labels == c) for c in np.unique(labels)]
    train, test = [], []
    for rows in groups:
        rows = rng.permutation(rows)
        k = int(round(len(rows) * test_fraction))
        if test_fraction > 0 and len(rows) >= 2:
            k = min(max(k, 1), len(rows) - 1)
        test.append(rows[:k])
        train.append(rows[k:])
    return np.sort(np.concatenate(train)).astype(np.int64), np.sort(np.concatenate(test)).astype(np.int64)


def fit_scaling(x: np.ndarray, scaling: str, value_range: list[float] | None
                ) -> tuple[np.ndarray, np.ndarray]:
    """(mean, variance) so that (x - mean) / sqrt(variance) is the app's standard / minmax / none scaling."""
    f = x.shape[1]
    if scaling == "none" or len(x) == 0:
        return np.zeros(f), np.ones(f)
    if scaling == "standard":
        mean, var = x.astype(np.float64).mean(axis=0), x.astype(np.float64).var(axis=0)
    else:
        lo = np.full(f, value_range[0], float) if value_range else x.min(axis=0).astype(np.float64)
        hi = np.full(f, value_range[1], float) if value_range else x.max(axis=0).astype(np.float64)
        mean, var = lo, (hi - lo) ** 2
    return mean, np.where(var > VARIANCE_FLOOR, var, 1.0)


# ----------------------------------------------------------------------------------------------- CSV
def read_rows(path: str | os.PathLike[str], spec: dict) -> tuple[list[str], list[list[str | None]]]:
    """(column names, rows of stripped strings with None for missing) of a CSV file."""
    file = spec["file"]
    with open(path, encoding=file["encoding"], newline="") as fh:
        records = [r for r in csv.reader(fh, delimiter=file["delimiter"], skipinitialspace=True)
                   if r and not (len(r) == 1 and not r[0].strip())]
    if file["header"]:
        names, records = [c.strip() for c in records[0]], records[1:]
    else:
        names = list(spec["raw_columns"])
    rows = [[None if v.strip() in NA_TOKENS else v.strip() for v in r] for r in records]
    return names, rows


def class_name(value: str) -> str:
    """How the app names a class read from a numeric target column ("1.0" -> "1")."""
    try:
        number = float(value)
    except ValueError:
        return value
    return str(int(number)) if number.is_integer() else repr(number)


def encode(names: list[str], rows: list[list[str | None]], spec: dict, path: str
           ) -> tuple[np.ndarray, np.ndarray]:
    """Features (n, f) float32 and targets of the rows kept by the project's missing-value policy."""
    where = {n: j for j, n in enumerate(names)}
    target = spec["target"]
    targets = [target["column"]] if target["kind"] == "classes" else list(target["columns"])
    columns = spec["columns"]
    for name in [c["name"] for c in columns] + targets:
        if name not in where:
            raise SystemExit(f"error: {path}: column {name!r} not found (columns: {', '.join(names)})")
    keep = []
    for r in rows:
        if any(r[where[t]] is None for t in targets):
            continue
        if spec["missing"] == "drop" and any(r[where[c["name"]]] is None for c in columns):
            continue
        keep.append(r)
    blocks = []
    for col in columns:
        values = [r[where[col["name"]]] for r in keep]
        if col["kind"] == "numeric":
            fill = col.get("fill")
            comma = col.get("decimal") == ","
            blocks.append(np.array([[fill if v is None else float(v.replace(",", ".") if comma else v)]
                                    for v in values], dtype=np.float64).reshape(len(keep), 1))
        else:
            index = {c: i for i, c in enumerate(col["categories"])}
            onehot = np.zeros((len(keep), len(index)))
            for i, v in enumerate(values):
                v = col.get("fill") if v is None else v
                if v not in index:
                    raise SystemExit(f"error: {path}: column {col['name']!r}: category {v!r} is not one of "
                                     f"the project's ({', '.join(index)})")
                onehot[i, index[v]] = 1.0
            blocks.append(onehot)
    x = np.concatenate(blocks, axis=1).astype(np.float32) if blocks else np.zeros((len(keep), 0), np.float32)
    if target["kind"] == "classes":
        index = {c: i for i, c in enumerate(target["classes"])}
        raw = [r[where[targets[0]]] for r in keep]
        unknown = [v for v in raw if v not in index and class_name(v) not in index]
        if unknown:
            raise SystemExit(f"error: {path}: class {unknown[0]!r} is not one of the project's "
                             f"({', '.join(index)})")
        y = np.array([index.get(v, index.get(class_name(v))) for v in raw], dtype=np.int64)
    else:
        y = np.array([[float(r[where[t]]) for t in targets] for r in keep], dtype=np.float32)
    return x, y


def load_csv(spec: dict, train_path: str | None = None, test_path: str | None = None) -> Splits:
    path = train_path or spec["path"]
    x, y = encode(*read_rows(path, spec), spec, path)
    test_file = test_path or spec.get("test_path")
    if test_file:
        x_test, y_test = encode(*read_rows(test_file, spec), spec, test_file)
        x_train, y_train = x, y
    else:
        labels = y if spec["target"]["kind"] == "classes" else None
        train, test = stratified_split(len(y), spec["test_fraction"], spec["seed"], labels)
        x_train, y_train, x_test, y_test = x[train], y[train], x[test], y[test]
    mean, variance = fit_scaling(x_train, spec["scaling"], spec.get("value_range"))
    return Splits(x_train, y_train, x_test, y_test, mean, variance)


# ----------------------------------------------------------------------------------------------- MNIST
def read_idx(path: Path) -> np.ndarray:
    """An IDX file (raw or gzip) as a uint8 array of its declared dimensions."""
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    zero, dtype, dims = struct.unpack(">HBB", raw[:4])
    if zero != 0 or dtype != 0x08:
        raise SystemExit(f"error: {path}: not a uint8 IDX file")
    shape = struct.unpack(f">{dims}I", raw[4:4 + 4 * dims])
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * dims, count=int(np.prod(shape))).reshape(shape)


def idx_file(folder: Path, name: str) -> Path:
    for candidate in (name + ".gz", name, name.replace("-idx", ".idx"), name.replace("-idx", ".idx") + ".gz"):
        if (folder / candidate).is_file():
            return folder / candidate
    raise SystemExit(f"error: {folder}: {name} not found (expected the four MNIST IDX files)")


def load_mnist(spec: dict, folder: str | None = None) -> Splits:
    root = Path(folder or spec["path"])
    x_train = read_idx(idx_file(root, "train-images-idx3-ubyte")).reshape(-1, 784)
    y_train = read_idx(idx_file(root, "train-labels-idx1-ubyte")).astype(np.int64)
    x_test = read_idx(idx_file(root, "t10k-images-idx3-ubyte")).reshape(-1, 784)
    y_test = read_idx(idx_file(root, "t10k-labels-idx1-ubyte")).astype(np.int64)
    if spec.get("subset"):
        x_train, y_train = x_train[: spec["subset"]], y_train[: spec["subset"]]
    mean, variance = fit_scaling(x_train, spec.get("scaling", "minmax"), spec.get("value_range"))
    return Splits(x_train.astype(np.float32), y_train, x_test.astype(np.float32), y_test, mean, variance)


def load(train_path: str | None = None, test_path: str | None = None) -> Splits:
    """The project's data; ``train_path`` / ``test_path`` replace its CSV files (or MNIST folder)."""
    spec = SETTINGS["data"]
    if spec["source"] == "mnist":
        return load_mnist(spec, train_path)
    return load_csv(spec, train_path, test_path)
