"""Metrics against numbers computed by hand (no scikit-learn here)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from core import metrics


# ---------------------------------------------------------------------------------------------
# accuracy
# ---------------------------------------------------------------------------------------------
def test_accuracy_multiclass_probabilities_and_labels() -> None:
    probs = np.array([[0.9, 0.05, 0.05], [0.1, 0.8, 0.1], [0.5, 0.4, 0.1], [0.2, 0.2, 0.6]])
    y = np.array([0, 1, 2, 2])
    assert metrics.accuracy(y, probs) == 0.75  # row 2 predicts class 0
    assert metrics.accuracy(y, np.array([0, 1, 0, 2])) == 0.75
    onehot = np.eye(3)[y]
    assert metrics.accuracy(onehot, probs) == 0.75
    assert metrics.accuracy(y.astype(np.float64), probs) == 0.75


def test_accuracy_binary_threshold() -> None:
    y = np.array([[0.0], [1.0], [1.0], [0.0], [1.0]])
    p = np.array([[0.2], [0.7], [0.5], [0.6], [0.51]])
    # default threshold 0.5 (strictly greater, Keras rule): predictions 0,1,0,1,1 -> 3 of 5 right
    assert metrics.accuracy(y, p) == pytest.approx(0.6)
    # threshold 0.65: predictions 0,1,0,0,0 -> right on samples 0, 1, 3
    assert metrics.accuracy(y, p, threshold=0.65) == pytest.approx(0.6)
    assert metrics.accuracy(y.ravel(), p.ravel(), threshold=0.4) == pytest.approx(0.8)


def test_accuracy_length_mismatch_and_empty() -> None:
    with pytest.raises(ValueError, match="different lengths: 3 and 2"):
        metrics.accuracy([0, 1, 1], [0, 1])
    with pytest.raises(ValueError, match="at least one sample"):
        metrics.accuracy(np.zeros(0, dtype=int), np.zeros(0, dtype=int))


# ---------------------------------------------------------------------------------------------
# confusion matrix and per-class scores
# ---------------------------------------------------------------------------------------------
Y_TRUE = np.array([0, 0, 0, 1, 1, 2, 2, 2, 2, 2])
Y_PRED = np.array([0, 1, 0, 1, 2, 2, 2, 0, 2, 1])


def test_confusion_matrix_counts() -> None:
    cm = metrics.confusion_matrix(Y_TRUE, Y_PRED)
    expected = np.array(
        [
            [2, 1, 0],  # true 0: two right, one called 1
            [0, 1, 1],  # true 1
            [1, 1, 3],  # true 2
        ]
    )
    assert cm.dtype == np.int64
    np.testing.assert_array_equal(cm, expected)
    assert metrics.confusion_matrix(Y_TRUE, Y_PRED, num_classes=4).shape == (4, 4)
    with pytest.raises(ValueError, match="Found class label 2 but num_classes=2"):
        metrics.confusion_matrix(Y_TRUE, Y_PRED, num_classes=2)


def test_confusion_matrix_from_probabilities_and_binary_scores() -> None:
    probs = np.eye(3)[Y_PRED] * 0.8 + 0.1
    np.testing.assert_array_equal(
        metrics.confusion_matrix(Y_TRUE, probs), metrics.confusion_matrix(Y_TRUE, Y_PRED)
    )
    cm = metrics.confusion_matrix(np.array([[1.0], [0.0], [1.0]]), np.array([[0.9], [0.8], [0.1]]))
    np.testing.assert_array_equal(cm, [[0, 1], [1, 1]])


def test_precision_recall_f1_per_class_and_macro() -> None:
    r = metrics.precision_recall_f1(Y_TRUE, Y_PRED)
    # precision = diag / column sums: 2/3, 1/3, 3/4 ; recall = diag / row sums: 2/3, 1/2, 3/5
    np.testing.assert_allclose(r.precision, [2 / 3, 1 / 3, 3 / 4])
    np.testing.assert_allclose(r.recall, [2 / 3, 1 / 2, 3 / 5])
    f1 = [2 / 3, 2 * (1 / 3) * (1 / 2) / (1 / 3 + 1 / 2), 2 * 0.75 * 0.6 / 1.35]
    np.testing.assert_allclose(r.f1, f1)
    np.testing.assert_array_equal(r.support, [3, 2, 5])
    assert r.macro_precision == pytest.approx((2 / 3 + 1 / 3 + 3 / 4) / 3)
    assert r.macro_recall == pytest.approx((2 / 3 + 1 / 2 + 3 / 5) / 3)
    assert r.macro_f1 == pytest.approx(sum(f1) / 3)


def test_precision_zero_division_gives_zero() -> None:
    # class 2 never predicted and never present
    r = metrics.precision_recall_f1([0, 1, 1], [0, 1, 0], num_classes=3)
    np.testing.assert_allclose(r.precision, [0.5, 1.0, 0.0])
    np.testing.assert_allclose(r.recall, [1.0, 0.5, 0.0])
    assert r.f1[2] == 0.0


def test_specificity_and_balanced_accuracy() -> None:
    spec = metrics.specificity(Y_TRUE, Y_PRED)
    # class 0: TN = 10 - 3 (true 0) - 1 (FP) = 6 -> 6/7 ; class 1: FP = 2, negatives 8 -> 6/8 ;
    # class 2: FP = 1, negatives 5 -> 4/5
    np.testing.assert_allclose(spec, [6 / 7, 6 / 8, 4 / 5])
    assert metrics.balanced_accuracy(Y_TRUE, Y_PRED) == pytest.approx((2 / 3 + 1 / 2 + 3 / 5) / 3)
    # a class absent from y_true is left out of the mean
    assert metrics.balanced_accuracy([0, 0, 1], [0, 2, 1], num_classes=3) == pytest.approx(0.75)


# ---------------------------------------------------------------------------------------------
# ROC and AUC
# ---------------------------------------------------------------------------------------------
def test_roc_curve_without_ties() -> None:
    y = np.array([0, 0, 1, 1])
    s = np.array([0.1, 0.4, 0.35, 0.8])
    fpr, tpr, thr = metrics.roc_curve(y, s)
    np.testing.assert_allclose(fpr, [0, 0, 0.5, 0.5, 1])
    np.testing.assert_allclose(tpr, [0, 0.5, 0.5, 1, 1])
    assert thr[0] == np.inf
    np.testing.assert_allclose(thr[1:], [0.8, 0.4, 0.35, 0.1])
    # 3 of the 4 (positive, negative) pairs are ordered correctly
    assert metrics.auc(fpr, tpr) == pytest.approx(0.75)
    assert metrics.roc_auc(y, s) == pytest.approx(0.75)


def test_roc_curve_with_ties_counts_half() -> None:
    y = np.array([1, 0, 1, 0, 1])
    s = np.array([0.9, 0.5, 0.5, 0.5, 0.2])
    fpr, tpr, thr = metrics.roc_curve(y, s)
    np.testing.assert_allclose(thr[1:], [0.9, 0.5, 0.2])
    np.testing.assert_allclose(tpr, [0, 1 / 3, 2 / 3, 1])
    np.testing.assert_allclose(fpr, [0, 0, 1, 1])
    # pairs (pos, neg): 0.9 beats both (2), 0.5 ties both (2 x 0.5), 0.2 loses both -> 3/6
    assert metrics.roc_auc(y, s) == pytest.approx(0.5)
    # the order of tied samples does not matter
    perm = np.array([0, 3, 2, 1, 4])
    assert metrics.roc_auc(y[perm], s[perm]) == pytest.approx(0.5)


def test_roc_curve_accepts_columns_and_two_column_softmax() -> None:
    y = np.array([[0.0], [1.0], [1.0]])
    s = np.array([[0.3], [0.6], [0.9]])
    assert metrics.roc_auc(y, s) == 1.0
    two = np.hstack([1 - s, s])
    assert metrics.roc_auc(y, two) == 1.0


def test_roc_curve_needs_both_classes() -> None:
    with pytest.raises(ValueError, match="only one class"):
        metrics.roc_curve([1, 1, 1], [0.2, 0.3, 0.4])
    with pytest.raises(ValueError, match="binary y_true"):
        metrics.roc_curve([0, 1, 2], [0.2, 0.3, 0.4])


def test_auc_trapezoid_and_monotonic() -> None:
    assert metrics.auc([0, 1, 2], [0, 1, 0]) == pytest.approx(1.0)
    assert metrics.auc([2, 1, 0], [0, 1, 0]) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="monotonic"):
        metrics.auc([0, 2, 1], [0, 1, 0])


# ---------------------------------------------------------------------------------------------
# regression
# ---------------------------------------------------------------------------------------------
def test_regression_metrics_by_hand() -> None:
    y = np.array([3.0, -0.5, 2.0, 7.0])
    p = np.array([2.5, 0.0, 2.0, 8.0])
    # errors 0.5, -0.5, 0, -1
    assert metrics.mae(y, p) == pytest.approx(2.0 / 4)
    assert metrics.mse(y, p) == pytest.approx(1.5 / 4)
    assert metrics.rmse(y, p) == pytest.approx(math.sqrt(0.375))
    # mean 2.875; SS_tot = 0.015625 + 11.390625 + 0.765625 + 17.015625 = 29.1875; SS_res = 1.5
    assert metrics.r2_score(y, p) == pytest.approx(1 - 1.5 / 29.1875)


def test_r2_multi_output_and_constant_target() -> None:
    y = np.array([[1.0, 5.0], [2.0, 5.0], [3.0, 5.0]])
    p = np.array([[1.0, 5.0], [2.0, 5.0], [4.0, 5.0]])
    # column 0: 1 - 1/2 = 0.5; column 1 constant and exact -> 1.0
    assert metrics.r2_score(y, p) == pytest.approx(0.75)
    assert metrics.r2_score([2.0, 2.0], [2.0, 3.0]) == 0.0
    with pytest.raises(ValueError, match=r"shapes differ: \(3, 2\) and \(3,\)"):
        metrics.r2_score(y, p[:, 0])


# ---------------------------------------------------------------------------------------------
# registry
# ---------------------------------------------------------------------------------------------
def test_get_returns_named_callables() -> None:
    acc = metrics.get("accuracy")
    assert acc.__name__ == "accuracy"
    assert acc(np.array([0, 1]), np.array([[0.9, 0.1], [0.3, 0.7]])) == 1.0
    assert metrics.get("acc").__name__ == "accuracy"
    assert metrics.get("r2")(np.array([[1.0], [2.0]]), np.array([[1.0], [2.0]])) == 1.0
    assert metrics.get("RMSE")(np.array([0.0, 0.0]), np.array([3.0, 4.0])) == pytest.approx(math.sqrt(12.5))
    assert metrics.get("mae").__name__ == "mae"
    assert set(metrics.METRIC_NAMES) >= {"accuracy", "mae", "rmse", "r2"}
    with pytest.raises(ValueError, match=r"Unknown metric: 'f2'\. Valid names: accuracy, mae"):
        metrics.get("f2")
