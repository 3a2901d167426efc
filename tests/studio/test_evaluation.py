"""Evaluation panel: confusion matrix, per-class P/R/F1, ROC/AUC, MNIST gallery, regression."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication

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
    # "Normalize rows" sits beside the tabs and only with the matrix in front
    assert panel.tabs.cornerWidget(Qt.Corner.TopRightCorner) is panel.norm_box and panel.norm_box.isVisible()
    panel.tabs.setCurrentIndex(panel.roc_index)
    assert not panel.norm_box.isVisible()
    panel.tabs.setCurrentIndex(0)
    assert panel.norm_box.isVisible()


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


def _assert_table_whole(table, report) -> None:
    """Every column of ``table`` as wide as its header (each line of it) and its cells need, every row
    shown, no scrolling inside the table, and the table inside the report's visible width."""
    header = table.horizontalHeader()
    margin = 2 * table.style().pixelMetric(table.style().PixelMetric.PM_HeaderMargin, None, header)
    for j in range(table.columnCount()):
        lines = table.horizontalHeaderItem(j).text().splitlines()
        assert header.sectionSize(j) >= max(header.fontMetrics().horizontalAdvance(t) for t in lines) + margin
        assert header.sectionSize(j) >= table.sizeHintForColumn(j)
        assert header.sectionViewportPosition(j) + header.sectionSize(j) <= table.viewport().width()
    rows = table.verticalHeader()
    for i in range(table.rowCount()):
        text = table.verticalHeaderItem(i).text()
        assert rows.width() >= rows.fontMetrics().horizontalAdvance(text) + margin
    assert rows.length() <= table.viewport().height()  # every row, none behind a scroll bar
    assert table.horizontalScrollBar().maximum() == 0 and table.verticalScrollBar().maximum() == 0
    assert table.isVisibleTo(report)
    right = table.mapTo(report.viewport(), table.rect().topRight()).x()
    assert right < report.viewport().width()


def _assert_headers_whole(ev, names: list[str]) -> None:
    """Every header of the matrix ("pred" over a class name; rows "true NAME" or NAME) and of the
    per-class table is whole, and neither table needs sideways scrolling (the report page neither)."""
    table = ev.cm_table
    for j, name in enumerate(names):
        assert table.horizontalHeaderItem(j).text().splitlines() == ["pred", name]
    assert [table.horizontalHeaderItem(j).toolTip() for j in range(len(names))] == [f"predicted {n}"
                                                                                  for n in names]
    for i, name in enumerate(names):
        head = table.verticalHeaderItem(i)
        assert head.text() in (f"true {name}", name) and head.toolTip() == f"true {name}"
    scores = ev.prf_table
    heads = [scores.horizontalHeaderItem(j).text() for j in range(4)]
    assert heads == ["precision", "recall", "F1", "support"]
    assert [scores.verticalHeaderItem(i).text() for i in range(len(names) + 1)] == [*names, "macro avg"]
    for t in (table, scores):
        _assert_table_whole(t, ev.cm_report)
    assert ev.cm_report.horizontalScrollBar().maximum() == 0  # no sideways scrolling


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
    """A panel too narrow for "true Iris-versicolor" names the matrix's rows "Iris-versicolor" (tooltip
    "true Iris-versicolor") so every column still fits, and "true Iris-versicolor" comes back when the
    panel widens; wide enough, the per-class table sits beside the matrix, else below it."""
    panel.resize(400, 300)
    panel.set_result(PENGUIN_LABELS, PENGUIN_PROBS, "multiclass", IRIS)
    qtbot.wait(20)
    _assert_headers_whole(panel, IRIS)
    assert panel.cm_table.verticalHeaderItem(1).text() == "Iris-versicolor"
    assert not panel.cm_report.side_by_side
    assert panel.prf_table.geometry().top() >= panel.cm_table.geometry().bottom()
    panel.resize(900, 300)
    qtbot.waitUntil(lambda: panel.cm_table.verticalHeaderItem(1).text() == "true Iris-versicolor",
                    timeout=2000)
    _assert_headers_whole(panel, IRIS)
    assert panel.cm_report.side_by_side
    assert panel.prf_table.geometry().left() > panel.cm_table.geometry().right()


IRIS = ["Iris-setosa", "Iris-versicolor", "Iris-virginica"]
DIGITS = [str(d) for d in range(10)]
DIGIT_LABELS = np.arange(1000) % 10
DIGIT_PROBS = np.eye(10)[(np.arange(1000) * 7) % 10]


@pytest.mark.parametrize("names", [PENGUINS, IRIS, DIGITS], ids=["penguins", "iris", "digits"])
def test_data_tab_in_front_at_1280x800_shows_both_tables_whole(studio_window, qtbot, names):
    """Found under Xvfb: at 1280x800 with the Inspector's Data tab in front the Evaluation is ~450 px
    wide and the per-class table beside the matrix scrolled sideways ("recall" cut to "re"). The two
    tables now stack in a page that scrolls only vertically, each as wide as its columns need; ten
    classes spread over the width."""
    w = studio_window
    w.resize(1280, 800)
    w.size_docks()
    tabs = w.side_tabs
    tabs.setCurrentIndex([tabs.tabText(i) for i in range(tabs.count())].index("Data"))
    tc = w.training
    tc.eval_dock.show()
    tc.eval_dock.raise_()
    qtbot.wait(50)
    ev = tc.evaluation
    if names is DIGITS:
        ev.set_result(DIGIT_LABELS, DIGIT_PROBS, "multiclass", names, epoch=3)
    else:
        ev.set_result(PENGUIN_LABELS, PENGUIN_PROBS, "multiclass", names, epoch=3)
    qtbot.wait(50)
    assert ev.width() <= 560  # the narrow case this test is about
    _assert_headers_whole(ev, names)
    report = ev.cm_report
    assert not report.side_by_side
    assert ev.prf_table.geometry().top() >= ev.cm_table.geometry().bottom()
    if names is DIGITS:  # spread: each table as wide as the page
        assert ev.cm_table.width() == ev.prf_table.width() == report.room()
    # the mouse wheel over a table scrolls the page: the table (no scroll bars of its own) leaves the
    # event to its parents, as Qt passes a real wheel event on (a synthesized one is not passed on)
    bar = report.verticalScrollBar()
    assert bar.maximum() > 0 and bar.value() == 0
    for widget in (ev.cm_table.viewport(), report.viewport()):
        centre = QPointF(widget.rect().center())
        wheel = QWheelEvent(centre, QPointF(widget.mapToGlobal(centre.toPoint())), QPoint(), QPoint(0, -120),
                            Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier,
                            Qt.ScrollPhase.NoScrollPhase, False)
        QApplication.sendEvent(widget, wheel)
        if widget is ev.cm_table.viewport():
            assert not wheel.isAccepted() and bar.value() == 0
    assert bar.value() > 0
