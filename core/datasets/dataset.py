"""The Dataset object shared by toy, CSV and MNIST loaders, plus the stratified split.

Features stay on their raw scale (categoricals one-hot encoded); the scaling is *fitted on the
training split only* and handed to the model as the parameters of a ``Normalization`` layer, so
models (and exported files) take raw numbers and carry their own scaling.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from core.errors import DataError

TASKS = ("binary", "multiclass", "regression")
SCALINGS = ("standard", "minmax", "none")
CLASSIFICATION_LOSSES_SPARSE = ("sparse_categorical_crossentropy",)
_VAR_FLOOR = 1e-12
_PointRow = tuple[np.ndarray, np.ndarray, list[Any]]


def stratified_split(
    n: int, test_fraction: float, seed: int | None = 0, labels: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Return sorted ``(train_idx, test_idx)`` int64 arrays for ``n`` rows.

    With ``labels`` (n,) every class is split on its own so both sides keep the class balance;
    a class with at least 2 rows always keeps at least one row on each side. The same seed gives
    the same split.
    """
    if not 0.0 <= float(test_fraction) < 1.0:
        raise DataError(f"test fraction must be in [0, 1), got {test_fraction}")
    rng = np.random.default_rng(seed)
    if n == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty.copy()
    groups = [np.arange(n)] if labels is None else [np.flatnonzero(labels == c) for c in _classes(labels)]
    is_test = np.zeros(n, dtype=bool)
    for idx in groups:
        idx = rng.permutation(idx)
        k = int(round(len(idx) * float(test_fraction)))
        if test_fraction > 0 and len(idx) >= 2:
            k = min(max(k, 1), len(idx) - 1)
        is_test[idx[:k]] = True
    # (a mask gives both sides in order without sorting them)
    return np.flatnonzero(~is_test).astype(np.int64), np.flatnonzero(is_test).astype(np.int64)


def _classes(labels: np.ndarray) -> np.ndarray:
    """The distinct values of ``labels`` in ascending order (class indices: counted, not sorted)."""
    if labels.dtype.kind in "iu" and len(labels) and 0 <= labels.min() and labels.max() < 1 << 20:
        return np.flatnonzero(np.bincount(labels))
    return np.unique(labels)


def fit_scaling(x: np.ndarray, scaling: str, value_range: tuple[float, float] | None = None
                ) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(mean, variance)`` float64 arrays (f,) so that ``(x - mean) / sqrt(variance)`` scales ``x``.

    ``standard``: per-feature mean and variance. ``minmax``: mean = min, variance = (max - min)**2,
    mapping the training range to [0, 1]; ``value_range`` fixes (min, max) for every feature
    (MNIST: (0, 255)). ``none``: mean 0, variance 1. Constant features get variance 1.
    """
    f = x.shape[1] if x.ndim == 2 else 0
    if scaling == "none" or x.shape[0] == 0:
        return np.zeros(f), np.ones(f)
    if scaling == "standard":
        mean = x.mean(axis=0, dtype=np.float64)
        var = np.zeros(f)
        # float32 data: differences from the float32-rounded mean in float32 (half the memory traffic),
        # squares summed in float64, and the rounding of the mean taken back out exactly
        centre = mean.astype(np.float32) if x.dtype == np.float32 else mean
        for start in range(0, x.shape[0], 65536):  # float64 sums without a float64 copy of x
            d = x[start:start + 65536] - centre
            var += np.square(d, out=d).sum(axis=0, dtype=np.float64)
        var = var / x.shape[0] - np.square(mean - centre)
    elif scaling == "minmax":
        if value_range is not None:
            lo = np.full(f, float(value_range[0]))
            hi = np.full(f, float(value_range[1]))
        else:
            lo = x.min(axis=0).astype(np.float64)
            hi = x.max(axis=0).astype(np.float64)
        mean = lo
        var = (hi - lo) ** 2
    else:
        raise DataError(f"scaling must be one of {', '.join(SCALINGS)}, got {scaling!r}")
    var = np.where(var > _VAR_FLOOR, var, 1.0)
    return mean, var


def shape_targets(y: np.ndarray, task: str, loss: str, units: int) -> np.ndarray:
    """Targets ``y`` as a data set holds them, shaped for ``loss`` and a model with ``units`` outputs.

    Regression: float32 (n, k). sparse_categorical_crossentropy: int64 (n,). categorical_crossentropy
    or several output units: one-hot float32 (n, max(units, 2)). Otherwise (n, 1) float32 0/1.
    """
    loss = str(loss).lower()
    if task == "regression":
        if loss in ("sparse_categorical_crossentropy", "categorical_crossentropy", "binary_crossentropy"):
            raise DataError(f"loss {loss} needs a classification target; the data is a regression task")
        return (y if y.ndim == 2 else y.reshape(-1, 1)).astype(np.float32)
    if loss == "sparse_categorical_crossentropy":
        return y.astype(np.int64)
    if loss == "categorical_crossentropy" or units > 1:
        width = max(int(units), 2)
        out = np.zeros((len(y), width), dtype=np.float32)
        out[np.arange(len(y)), y.astype(np.int64)] = 1.0
        return out
    return y.astype(np.float32).reshape(-1, 1)


@dataclass
class Dataset:
    """Train/test arrays plus everything needed to encode new rows the same way.

    ``x_*``: (n, f) float32 raw-scale features (MNIST: uint8). ``y_*``: classification (n,) int64
    class indices; regression (n, k) float32. ``preprocessing`` is JSON-able and holds the fitted
    ``mean``/``variance`` (training split only), the raw column encodings and the target encoding.
    """

    name: str
    source: str
    task: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    feature_names: list[str]
    class_names: list[str] = field(default_factory=list)
    target_names: list[str] = field(default_factory=list)
    scaling: str = "standard"
    preprocessing: dict[str, Any] = field(default_factory=dict)
    summary: str = ""
    added_points: list[list[Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.task not in TASKS:
            raise DataError(f"task must be one of {', '.join(TASKS)}, got {self.task!r}")
        if self.scaling not in SCALINGS:
            raise DataError(f"scaling must be one of {', '.join(SCALINGS)}, got {self.scaling!r}")
        self.preprocessing = dict(self.preprocessing)
        self.preprocessing.setdefault("columns", [{"name": n, "kind": "numeric"} for n in self.feature_names])
        self.refit()

    # ------------------------------------------------------------------ shape facts
    @property
    def num_features(self) -> int:
        """Number of columns of ``x`` (after one-hot encoding)."""
        return len(self.feature_names)

    @property
    def num_classes(self) -> int:
        """Number of classes (0 for regression)."""
        return 0 if self.task == "regression" else len(self.class_names)

    @property
    def output_units(self) -> int:
        """Units of the output layer: 1 for binary, classes for multiclass, targets for regression."""
        if self.task == "binary":
            return 1
        if self.task == "multiclass":
            return self.num_classes
        return int(self.y_train.shape[1]) if self.y_train.ndim == 2 else 1

    @property
    def is_classification(self) -> bool:
        return self.task != "regression"

    def __len__(self) -> int:
        return int(self.x_train.shape[0] + self.x_test.shape[0])

    # ------------------------------------------------------------------ preprocessing
    def refit(self) -> None:
        """Refit the scaling on the training split (called after construction and after edits)."""
        value_range = self.preprocessing.get("value_range")
        vr = (float(value_range[0]), float(value_range[1])) if value_range is not None else None
        mean, var = fit_scaling(self.x_train, self.scaling, vr)
        self.preprocessing["scaling"] = self.scaling
        self.preprocessing["mean"] = [float(v) for v in mean]
        self.preprocessing["variance"] = [float(v) for v in var]
        self.preprocessing["feature_names"] = list(self.feature_names)
        self.preprocessing["task"] = self.task
        self.preprocessing["class_names"] = list(self.class_names)
        self.preprocessing["target_names"] = list(self.target_names)

    def normalization(self) -> tuple[np.ndarray, np.ndarray]:
        """Return ``(mean, variance)`` float32 arrays (f,) for ``core.layers.Normalization``."""
        return (np.asarray(self.preprocessing["mean"], dtype=np.float32),
                np.asarray(self.preprocessing["variance"], dtype=np.float32))

    def scaled(self, x: np.ndarray) -> np.ndarray:
        """Apply the fitted scaling to ``x`` (n, f) -> float32 (n, f) (what the first layer computes)."""
        mean, var = self.normalization()
        return ((x.astype(np.float32) - mean) / np.sqrt(var)).astype(np.float32)

    # ------------------------------------------------------------------ targets
    def targets(self, loss_name: str, output_units: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Return ``(y_train, y_test)`` shaped for ``loss_name`` and a model with ``output_units`` outputs.

        sparse_categorical_crossentropy: int64 (n,). categorical_crossentropy: one-hot float32 (n, C).
        binary_crossentropy / mse / mae / huber on a classification task: (n, 1) float32 0/1 when
        the output has one unit, one-hot (n, units) otherwise (a binary task with a 2-unit softmax
        output included). Regression: float32 (n, k). ``output_units`` defaults to ``self.output_units``.
        """
        name = str(loss_name).lower()
        units = self.output_units if output_units is None else int(output_units)
        return self._target(self.y_train, name, units), self._target(self.y_test, name, units)

    def _target(self, y: np.ndarray, loss: str, units: int) -> np.ndarray:
        return shape_targets(y, self.task, loss, units)

    def one_hot(self, y: np.ndarray, width: int | None = None) -> np.ndarray:
        """(n,) int class indices -> (n, C) float32 one-hot (C = ``width`` or num_classes, at least 2)."""
        c = max(self.num_classes, 2) if width is None else int(width)
        return shape_targets(y, "multiclass", "categorical_crossentropy", c)

    # ------------------------------------------------------------------ new rows
    def encode_frame(self, df: Any) -> np.ndarray:
        """Encode raw rows (a pandas DataFrame or a 2D array) with the stored column encoding.

        Returns float32 (n, f) on the raw scale, ready for ``model.predict``. Raises DataError
        naming the column when a column is missing, holds text where numbers are expected, or
        holds a category never seen in training.
        """
        from core.datasets.encoding import encode_frame

        return encode_frame(self.preprocessing, df, self.x_train.dtype)

    # ------------------------------------------------------------------ editing (toy data)
    def add_point(self, x1: float, x2: float, label: int | str | float, split: str = "train") -> None:
        """Append one 2D point (the GUI adds points by clicking) and refit the scaling.

        ``label``: class index or class name for classification, the target value for regression.
        The point is recorded in ``added_points`` as ``[x1, x2, label, split]`` so the project
        file can store it (``data.points``).
        """
        self._append_points([self._point_row(x1, x2, label, split)])

    def add_points(self, points: Sequence[Sequence[Any]]) -> None:
        """Append many ``[x1, x2, label]`` / ``[x1, x2, label, split]`` points with one copy and one refit.

        Raises DataError naming the first bad point (``points[7]: ...``); nothing is added then.
        """
        rows = []
        for i, p in enumerate(points):
            if not isinstance(p, list | tuple) or len(p) not in (3, 4):
                raise DataError(f"points[{i}]: expected [x1, x2, label, split], got {str(p)[:60]}")
            try:
                rows.append(self._point_row(p[0], p[1], p[2], p[3] if len(p) == 4 else "train"))
            except (TypeError, ValueError) as exc:
                raise DataError(f"points[{i}]: {exc}") from None
        if rows:
            self._append_points(rows)

    def _point_row(self, x1: Any, x2: Any, label: Any, split: str) -> _PointRow:
        """(xy (1, 2), y (1,) or (1, 1), stored [x1, x2, label, split]) of one point; DataError if bad."""
        if self.num_features != 2:
            raise DataError(f"points can only be added to 2D data; {self.name} has {self.num_features}")
        if split not in ("train", "test"):
            raise DataError(f"split must be 'train' or 'test', got {split!r}")
        xy = np.array([[float(x1), float(x2)]], dtype=self.x_train.dtype)
        if not np.all(np.isfinite(xy)):
            raise DataError(f"point coordinates must be finite, got ({x1}, {x2})")
        if self.task == "regression":
            yv = np.array([[float(label)]], dtype=np.float32)
            stored: int | float = float(label)
        else:
            if isinstance(label, str):
                if label not in self.class_names:
                    raise DataError(f"unknown class {label!r}; classes are {', '.join(self.class_names)}")
                idx = self.class_names.index(label)
            else:
                idx = int(label)
                if idx != label or not 0 <= idx < self.num_classes:
                    raise DataError(f"class index must be 0..{self.num_classes - 1}, got {label!r}")
            yv = np.array([idx], dtype=np.int64)
            stored = idx
        return xy, yv, [float(x1), float(x2), stored, split]

    def _append_points(self, rows: list[_PointRow]) -> None:
        for split in ("train", "test"):
            part = [r for r in rows if r[2][3] == split]
            if not part:
                continue
            xs = np.concatenate([r[0] for r in part])
            ys = np.concatenate([r[1] for r in part])
            if split == "train":
                self.x_train = np.concatenate([self.x_train, xs])
                self.y_train = np.concatenate([self.y_train, ys])
            else:
                self.x_test = np.concatenate([self.x_test, xs])
                self.y_test = np.concatenate([self.y_test, ys])
        self.added_points.extend(r[2] for r in rows)
        self.refit()

    # ------------------------------------------------------------------ export
    def to_frame(self) -> Any:
        """Return a pandas DataFrame of all rows: features, target column(s) and a ``split`` column."""
        import pandas as pd

        parts = []
        for split, x, y in (("train", self.x_train, self.y_train), ("test", self.x_test, self.y_test)):
            df = pd.DataFrame(np.asarray(x), columns=self.feature_names)
            if self.task == "regression":
                yy = y.reshape(len(y), -1)
                for j, name in enumerate(self.target_names or [f"y{j}" for j in range(yy.shape[1])]):
                    df[name] = yy[:, j]
            else:
                tname = self.target_names[0] if self.target_names else "label"
                df[tname] = [self.class_names[int(i)] for i in y]
            df["split"] = split
            parts.append(df)
        return pd.concat(parts, ignore_index=True)

    def save_csv(self, path: str | os.PathLike[str]) -> None:
        """Write all rows as CSV atomically; reload with ``load_csv(path, ignore=["split"])``."""
        from core.files import atomic_write

        atomic_write(path, self.to_frame().to_csv(index=False))
