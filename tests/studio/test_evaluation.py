"""Evaluation panel: confusion matrix, per-class P/R/F1, ROC/AUC, MNIST gallery, regression."""

from __future__ import annotations

import numpy as np
import pytest

from studio.panels.evaluation import EvaluationPanel


@pytest.fixture
def panel(qtbot):
    p = EvaluationPanel()
    qtbot.addWidget(p)
    p.show()
    return p


def test_binary_confusion_matrix_and_roc(panel):
    y = np.array([0, 0, 0, 1, 1, 1])
    p = np.array([[0.1], [0.4], [0.8], [0.35], [0.7], [0.9]])
    panel.set_result(y, p, "binary", ["neg", "pos"], epoch=3)
    assert panel.cm.tolist() == [[2, 1], [1, 2]]
    assert panel.cm_table.item(0, 0).text() == "2" and panel.cm_table.item(0, 1).text() == "1"
    panel.norm_box.setChecked(True)
    assert panel.cm_table.item(0, 0).text() == "0.67"
    assert panel.prf.precision.tolist() == pytest.approx([2 / 3, 2 / 3])
    assert panel.prf_table.item(2, 2).text() == "0.667"  # macro F1 row
    assert panel.auc == pytest.approx(6 / 9)  # 6 of 9 (positive, negative) pairs ranked right
    assert "AUC 0.667" in panel.headline.text() and "epoch 3" in panel.headline.text()
    assert panel.tabs.isTabVisible(panel.roc_index)
    assert not panel.tabs.isTabVisible(panel.gallery_index)


def test_multiclass_and_gallery_misclassified_first(panel):
    rng = np.random.default_rng(0)
    n = 30
    y = np.arange(n) % 10
    probs = np.full((n, 10), 0.01)
    probs[np.arange(n), y] = 0.91
    wrong = [4, 17]
    for i in wrong:
        probs[i] = 0.01
        probs[i, (y[i] + 1) % 10] = 0.91
    x = rng.integers(0, 256, size=(n, 784), dtype=np.uint8)
    panel.set_result(y, probs, "multiclass", [str(d) for d in range(10)], x=x)
    assert panel.cm.shape == (10, 10) and panel.cm.trace() == n - 2
    assert not panel.tabs.isTabVisible(panel.roc_index)
    assert panel.tabs.isTabVisible(panel.gallery_index)
    assert panel.gallery.count() == n
    first = [panel.gallery.item(i).toolTip() for i in range(2)]
    assert all("test #4" in t or "test #17" in t for t in first)
    assert "91.0%" in panel.gallery.item(0).toolTip()
    assert "2 of 30" in panel.gallery_label.text()


def test_regression_metrics(panel):
    y = np.array([[1.0], [2.0], [3.0], [4.0]])
    p = np.array([[1.0], [2.0], [3.0], [5.0]])
    panel.set_result(y, p, "regression", [])
    assert "MAE 0.25" in panel.headline.text()
    assert panel.tabs.isTabVisible(panel.reg_index) and not panel.tabs.isTabVisible(0)


def _assert_headers_whole(ev, names: list[str]) -> None:
    """Every column header of the matrix ("pred" over a class name) and every row header is whole, and
    no column lies outside the table's viewport."""
    table = ev.cm_table
    header = table.horizontalHeader()
    margin = 2 * table.style().pixelMetric(table.style().PixelMetric.PM_HeaderMargin, None, header)
    for j, name in enumerate(names):
        assert table.horizontalHeaderItem(j).text().splitlines() == ["pred", name]
        assert header.sectionSize(j) >= header.fontMetrics().horizontalAdvance(name) + margin
        assert header.sectionViewportPosition(j) + header.sectionSize(j) <= table.viewport().width()
    assert [table.horizontalHeaderItem(j).toolTip() for j in range(3)] == [f"predicted {n}" for n in names]
    assert table.horizontalScrollBar().maximum() == 0  # nothing of the matrix scrolled out of sight
    rows = table.verticalHeader()
    for i, name in enumerate(names):
        head = table.verticalHeaderItem(i)
        assert head.text() in (f"true {name}", name) and head.toolTip() == f"true {name}"
        assert rows.width() >= rows.fontMetrics().horizontalAdvance(head.text()) + margin
    # the per-class table keeps the rest of the width, beside the matrix
    assert ev.cm_split.sizes()[1] >= ev.cm_split.width() * (1 - 0.6) - ev.cm_split.handleWidth() - 1


PENGUINS = ["Adelie", "Chinstrap", "Gentoo"]
PENGUIN_LABELS = np.array([0, 0, 1, 1, 2, 2, 2])
PENGUIN_PROBS = np.eye(3)[[0, 1, 1, 1, 2, 2, 0]]


@pytest.mark.parametrize("size", [(1600, 1000), (1280, 800)])
def test_confusion_matrix_headers_are_whole_in_the_window(studio_window, qtbot, size):
    """Found in the app: with penguins' three classes the column header "pred Chinstrap" was cut to
    "hinstra" (the matrix's columns shared 2/5 of the panel). Every column is now as wide as its
    header and the matrix as wide as its columns, at the benchmark's 1600x1000 and at 1280x800."""
    w = studio_window
    w.resize(*size)
    w.size_docks()
    tc = w.training
    tc.eval_dock.show()
    tc.eval_dock.raise_()
    qtbot.wait(50)
    ev = tc.evaluation
    ev.set_result(PENGUIN_LABELS, PENGUIN_PROBS, "multiclass", PENGUINS, epoch=20)
    qtbot.wait(50)
    _assert_headers_whole(ev, PENGUINS)
    assert ev.cm_table.verticalHeaderItem(1).text() == "true Chinstrap"


def test_a_narrow_panel_names_rows_by_class_alone(panel, qtbot):
    """Found under Xvfb: at 1280x800 with the Inspector's Data tab in front the panel is ~450 px wide
    and the matrix's last column was cut; its rows then say "Chinstrap" (tooltip "true Chinstrap")
    so every column still fits, and "true Chinstrap" comes back when the panel widens."""
    panel.resize(450, 300)
    panel.set_result(PENGUIN_LABELS, PENGUIN_PROBS, "multiclass", PENGUINS)
    qtbot.wait(20)
    _assert_headers_whole(panel, PENGUINS)
    assert panel.cm_table.verticalHeaderItem(1).text() == "Chinstrap"
    panel.resize(700, 300)
    qtbot.waitUntil(lambda: panel.cm_table.verticalHeaderItem(1).text() == "true Chinstrap", timeout=2000)
    _assert_headers_whole(panel, PENGUINS)
