"""Evaluation metrics for classification and regression (pure NumPy, no scikit-learn).

Conventions:

- ``y_true`` for classification: integer class indices ``(n,)`` or ``(n, 1)``, or one-hot / label-smoothed
  rows ``(n, k)`` (argmax is taken), or binary 0/1 floats ``(n, 1)`` as used with binary cross-entropy.
- ``y_pred`` may be model outputs (probabilities, ``(n, k)`` softmax rows -> argmax; ``(n,)``/``(n, 1)``
  sigmoid scores -> ``score > threshold``, the Keras rule) or already predicted integer labels ``(n,)``.
- Confusion matrices have true classes in rows and predicted classes in columns.
- Divisions by zero in per-class ratios (a class never predicted, never present) give 0.0.

``get(name)`` returns a metric usable in ``model.compile(metrics=[...])``: a callable
``(y_true, y_pred_outputs) -> float``. Names: ``accuracy`` (``acc``), ``mae``, ``mse``, ``rmse``, ``r2``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

__all__ = [
    "accuracy",
    "confusion_matrix",
    "precision_recall_f1",
    "PrecisionRecallF1",
    "specificity",
    "balanced_accuracy",
    "roc_curve",
    "auc",
    "roc_auc",
    "mae",
    "mse",
    "rmse",
    "r2_score",
    "METRIC_NAMES",
    "get",
]


# ----------------------------------------------------------------------------------------------
# label handling
# ----------------------------------------------------------------------------------------------
def _labels_true(y_true: Any) -> np.ndarray:
    """Class indices ``(n,)`` from integer labels, a ``(n, 1)`` column or one-hot rows ``(n, k)``."""
    y = np.asarray(y_true)
    if y.ndim == 2 and y.shape[1] > 1:
        return np.argmax(y, axis=1)
    y = y.reshape(-1) if y.ndim == 2 else y
    if y.ndim != 1:
        raise ValueError(f"y_true must have shape (n,), (n, 1) or (n, k). Received shape {np.shape(y_true)}")
    if y.dtype.kind in "iub":
        return y.astype(np.int64, copy=False)
    if y.dtype.kind == "f":
        if not np.all(np.isfinite(y)) or np.any(y != np.round(y)):
            raise ValueError("y_true must contain integer class indices (or 0/1 for binary tasks)")
        return y.astype(np.int64)
    raise ValueError(f"y_true must be numeric class labels. Received dtype {y.dtype}")


def _labels_pred(y_pred: Any, threshold: float = 0.5) -> np.ndarray:
    """Predicted class indices ``(n,)`` from probabilities ``(n, k)``, scores ``(n,)``/``(n, 1)``, labels."""
    y = np.asarray(y_pred)
    if y.ndim == 2 and y.shape[1] > 1:
        return np.argmax(y, axis=1)
    y = y.reshape(-1) if y.ndim == 2 else y
    if y.ndim != 1:
        raise ValueError(f"y_pred must have shape (n,), (n, 1) or (n, k). Received shape {np.shape(y_pred)}")
    if y.dtype.kind in "iub":
        return y.astype(np.int64, copy=False)
    if y.dtype.kind != "f":
        raise ValueError(f"y_pred must be numeric. Received dtype {y.dtype}")
    # Float column: integer-valued labels beyond {0, 1} are multiclass labels; otherwise binary scores.
    if y.size and np.all(y == np.round(y)) and y.max() > 1:
        return y.astype(np.int64)
    return (y > threshold).astype(np.int64)


def _check_lengths(a: np.ndarray, b: np.ndarray) -> None:
    if a.shape[0] != b.shape[0]:
        raise ValueError(f"y_true and y_pred have different lengths: {a.shape[0]} and {b.shape[0]}")
    if a.shape[0] == 0:
        raise ValueError("Metrics need at least one sample. Received 0 samples")


# ----------------------------------------------------------------------------------------------
# classification
# ----------------------------------------------------------------------------------------------
def accuracy(y_true: Any, y_pred: Any, threshold: float = 0.5) -> float:
    """Fraction of samples whose predicted class equals the true class.

    Binary scores ``(n,)``/``(n, 1)`` are class 1 when ``score > threshold``; rows ``(n, k)`` use argmax.
    """
    t = _labels_true(y_true)
    p = _labels_pred(y_pred, threshold)
    _check_lengths(t, p)
    return float(np.count_nonzero(t == p)) / t.shape[0]


def confusion_matrix(
    y_true: Any, y_pred: Any, num_classes: int | None = None, threshold: float = 0.5
) -> np.ndarray:
    """Counts ``(k, k)`` int64: ``cm[i, j]`` = samples of true class ``i`` predicted as ``j``."""
    t = _labels_true(y_true)
    p = _labels_pred(y_pred, threshold)
    _check_lengths(t, p)
    if t.min() < 0 or p.min() < 0:
        raise ValueError("Class labels must be non-negative integers")
    k_seen = int(max(t.max(), p.max())) + 1
    if num_classes is None:
        k = max(k_seen, 2)
    else:
        k = int(num_classes)
        if k < 1:
            raise ValueError(f"num_classes must be a positive integer. Received: num_classes={num_classes!r}")
        if k_seen > k:
            raise ValueError(f"Found class label {k_seen - 1} but num_classes={k}")
    return np.bincount(t * k + p, minlength=k * k).reshape(k, k).astype(np.int64)


def _safe_div(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    num = num.astype(np.float64)
    den = den.astype(np.float64)
    out = np.zeros_like(num)
    np.divide(num, den, out=out, where=den > 0)
    return out


class PrecisionRecallF1(NamedTuple):
    """Per-class arrays ``(k,)`` and their unweighted (macro) means."""

    precision: np.ndarray
    recall: np.ndarray
    f1: np.ndarray
    support: np.ndarray
    macro_precision: float
    macro_recall: float
    macro_f1: float


def precision_recall_f1(
    y_true: Any, y_pred: Any, num_classes: int | None = None, threshold: float = 0.5
) -> PrecisionRecallF1:
    """Precision TP/(TP+FP), recall TP/(TP+FN), F1 (harmonic mean) per class, and macro averages.

    ``support`` is the number of true samples per class. Macro F1 is the mean of per-class F1 scores.
    """
    cm = confusion_matrix(y_true, y_pred, num_classes, threshold)
    tp = np.diag(cm)
    predicted = cm.sum(axis=0)
    support = cm.sum(axis=1)
    precision = _safe_div(tp, predicted)
    recall = _safe_div(tp, support)
    f1 = _safe_div(2.0 * precision * recall, precision + recall)
    return PrecisionRecallF1(
        precision=precision,
        recall=recall,
        f1=f1,
        support=support,
        macro_precision=float(precision.mean()),
        macro_recall=float(recall.mean()),
        macro_f1=float(f1.mean()),
    )


def specificity(
    y_true: Any, y_pred: Any, num_classes: int | None = None, threshold: float = 0.5
) -> np.ndarray:
    """Per-class specificity TN/(TN+FP) ``(k,)`` (one-vs-rest). For a binary task use element ``[1]``."""
    cm = confusion_matrix(y_true, y_pred, num_classes, threshold)
    total = cm.sum()
    tp = np.diag(cm)
    fp = cm.sum(axis=0) - tp
    fn = cm.sum(axis=1) - tp
    tn = total - tp - fp - fn
    return _safe_div(tn, tn + fp)


def balanced_accuracy(
    y_true: Any, y_pred: Any, num_classes: int | None = None, threshold: float = 0.5
) -> float:
    """Mean recall over the classes that occur in ``y_true``."""
    cm = confusion_matrix(y_true, y_pred, num_classes, threshold)
    support = cm.sum(axis=1)
    present = support > 0
    return float(np.mean(np.diag(cm)[present] / support[present]))


def _binary_scores(y_true: Any, scores: Any) -> tuple[np.ndarray, np.ndarray]:
    t = _labels_true(y_true)
    s = np.asarray(scores, dtype=np.float64)
    if s.ndim == 2 and s.shape[1] == 2:
        s = s[:, 1]  # two-column softmax output: score of the positive class
    elif s.ndim == 2 and s.shape[1] == 1:
        s = s[:, 0]
    if s.ndim != 1:
        raise ValueError(f"scores must have shape (n,), (n, 1) or (n, 2). Received shape {np.shape(scores)}")
    _check_lengths(t, s)
    if np.any((t != 0) & (t != 1)):
        raise ValueError("roc_curve needs binary y_true with labels 0 and 1")
    if not np.all(np.isfinite(s)):
        raise ValueError("scores contain NaN or infinite values")
    return t, s


def roc_curve(y_true: Any, scores: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """ROC curve of a binary classifier: ``(fpr, tpr, thresholds)``, each ``(m + 1,)``.

    ``thresholds`` are the ``m`` distinct scores in decreasing order preceded by ``+inf``; point ``i`` is
    the rate of samples with ``score >= thresholds[i]``. Tied scores form one point, so the curve is
    the same however ties are ordered. Raises ValueError if ``y_true`` has only one class.
    """
    t, s = _binary_scores(y_true, scores)
    pos = int(np.count_nonzero(t))
    neg = t.shape[0] - pos
    if pos == 0 or neg == 0:
        raise ValueError("roc_curve needs both classes in y_true (found only one class)")
    order = np.argsort(-s, kind="stable")
    s_sorted = s[order]
    t_sorted = t[order]
    # last index of each run of equal scores
    last = np.flatnonzero(np.diff(s_sorted) != 0)
    last = np.append(last, s_sorted.shape[0] - 1)
    tps = np.cumsum(t_sorted)[last]
    fps = (last + 1) - tps
    tpr = np.concatenate(([0.0], tps / pos))
    fpr = np.concatenate(([0.0], fps / neg))
    thresholds = np.concatenate(([np.inf], s_sorted[last]))
    return fpr, tpr, thresholds


def auc(x: Any, y: Any) -> float:
    """Area under a curve by the trapezoidal rule; ``x`` must be monotonic (e.g. ``auc(fpr, tpr)``)."""
    xa = np.asarray(x, dtype=np.float64).reshape(-1)
    ya = np.asarray(y, dtype=np.float64).reshape(-1)
    if xa.shape != ya.shape or xa.size < 2:
        raise ValueError(f"auc needs x and y of equal length >= 2. Received {xa.size} and {ya.size}")
    dx = np.diff(xa)
    if np.all(dx >= 0):
        sign = 1.0
    elif np.all(dx <= 0):
        sign = -1.0
    else:
        raise ValueError("auc needs monotonic x values")
    return sign * float(np.sum(dx * (ya[1:] + ya[:-1]) / 2.0))


def roc_auc(y_true: Any, scores: Any) -> float:
    """Area under the ROC curve (ties count one half)."""
    fpr, tpr, _ = roc_curve(y_true, scores)
    return auc(fpr, tpr)


# ----------------------------------------------------------------------------------------------
# regression
# ----------------------------------------------------------------------------------------------
def _regression_pair(y_true: Any, y_pred: Any) -> tuple[np.ndarray, np.ndarray]:
    t = np.asarray(y_true, dtype=np.float64)
    p = np.asarray(y_pred, dtype=np.float64)
    if t.ndim == 1:
        t = t[:, None]
    if p.ndim == 1:
        p = p[:, None]
    if t.shape != p.shape:
        raise ValueError(f"y_true and y_pred shapes differ: {np.shape(y_true)} and {np.shape(y_pred)}")
    if t.shape[0] == 0:
        raise ValueError("Metrics need at least one sample. Received 0 samples")
    return t, p


def mae(y_true: Any, y_pred: Any) -> float:
    """Mean absolute error over all elements."""
    t, p = _regression_pair(y_true, y_pred)
    return float(np.mean(np.abs(t - p)))


def mse(y_true: Any, y_pred: Any) -> float:
    """Mean squared error over all elements."""
    t, p = _regression_pair(y_true, y_pred)
    return float(np.mean((t - p) ** 2))


def rmse(y_true: Any, y_pred: Any) -> float:
    """Root mean squared error over all elements."""
    return float(np.sqrt(mse(y_true, y_pred)))


def r2_score(y_true: Any, y_pred: Any) -> float:
    """Coefficient of determination ``1 - SS_res/SS_tot`` per output column, averaged over columns.

    A column whose true values are constant scores 1.0 if predicted exactly, else 0.0.
    """
    t, p = _regression_pair(y_true, y_pred)
    ss_res = np.sum((t - p) ** 2, axis=0)
    ss_tot = np.sum((t - t.mean(axis=0)) ** 2, axis=0)
    scores = np.where(ss_tot > 0, 1.0 - ss_res / np.where(ss_tot > 0, ss_tot, 1.0), 0.0)
    scores = np.where((ss_tot == 0) & (ss_res == 0), 1.0, scores)
    return float(np.mean(scores))


# ----------------------------------------------------------------------------------------------
# registry for compile(metrics=[...])
# ----------------------------------------------------------------------------------------------
_REGISTRY: dict[str, Callable[[Any, Any], float]] = {
    "accuracy": accuracy,
    "mae": mae,
    "mse": mse,
    "rmse": rmse,
    "r2": r2_score,
}
_ALIASES = {"acc": "accuracy", "r2_score": "r2", "mean_absolute_error": "mae", "mean_squared_error": "mse"}
METRIC_NAMES: tuple[str, ...] = tuple(_REGISTRY)


def get(name: str) -> Callable[[Any, Any], float]:
    """Metric callable ``(y_true, y_pred_outputs) -> float`` for a name in ``METRIC_NAMES``.

    The callable has a ``__name__`` equal to the canonical name (used as the history key).
    """
    if not isinstance(name, str):
        raise ValueError(f"Unknown metric: {name!r}. Valid names: {', '.join(METRIC_NAMES)}")
    key = name.strip().lower()
    key = _ALIASES.get(key, key)
    if key not in _REGISTRY:
        raise ValueError(f"Unknown metric: {name!r}. Valid names: {', '.join(METRIC_NAMES)}")
    fn = _REGISTRY[key]

    def metric(y_true: Any, y_pred: Any) -> float:
        return fn(y_true, y_pred)

    metric.__name__ = key
    metric.__doc__ = fn.__doc__
    return metric
