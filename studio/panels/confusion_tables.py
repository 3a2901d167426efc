"""The Evaluation panel's confusion tables: the confusion matrix and the per-class precision/recall/F1,
filled, sized to their contents (every header whole) and laid out in one page that only scrolls
vertically."""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QBoxLayout,
    QFrame,
    QHeaderView,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

#: room between the two tables, side by side or stacked
GAP = 8


def fill_confusion_matrix(table: QTableWidget, cm: np.ndarray, names: list[str], normalize: bool) -> None:
    """Show the (k, k) counts ``cm`` (rows: true class) in ``table``, as counts or row fractions.

    Cells are shaded by their fraction of the row; each column is at least as wide as its header
    ("pred" over the class name).
    """
    k = cm.shape[0]
    rows = cm.sum(axis=1, keepdims=True).astype(np.float64)
    frac = np.divide(cm, rows, out=np.zeros(cm.shape, dtype=np.float64), where=rows > 0)
    table.clear()
    table.setRowCount(k)
    table.setColumnCount(k)
    for j, name in enumerate(names):
        head = QTableWidgetItem(f"pred\n{name}")  # two lines: narrow columns
        head.setToolTip(f"predicted {name}")
        table.setHorizontalHeaderItem(j, head)
    for i, name in enumerate(names):
        head = QTableWidgetItem(f"true {name}")
        head.setData(Qt.ItemDataRole.UserRole, name)  # the class name alone, for a narrow panel
        head.setToolTip(f"true {name}")
        table.setVerticalHeaderItem(i, head)
    for i in range(k):
        for j in range(k):
            it = QTableWidgetItem(f"{frac[i, j]:.2f}" if normalize else str(int(cm[i, j])))
            it.setTextAlignment(Qt.AlignCenter)
            f = frac[i, j]
            base = (8, 119, 189) if i == j else (214, 39, 40)
            it.setBackground(QBrush(QColor(*(int(255 - (255 - b) * f) for b in base))))
            it.setForeground(QBrush(QColor("white" if f > 0.55 else "#1f2430")))
            it.setToolTip(f"true {names[i]}, predicted {names[j]}: {int(cm[i, j])} ({100 * f:.1f}% of row)")
            table.setItem(i, j, it)


def fill_class_scores(table: QTableWidget, prf: Any, names: list[str]) -> None:
    """Show precision, recall, F1 and support per class (``prf`` from ``core.metrics``) and their macro
    average in ``table``."""
    k = len(prf.precision)
    table.clear()
    table.setRowCount(k + 1)
    table.setColumnCount(4)
    table.setHorizontalHeaderLabels(["precision", "recall", "F1", "support"])
    table.setVerticalHeaderLabels(names + ["macro avg"])
    for i in range(k):
        for j, v in enumerate((prf.precision[i], prf.recall[i], prf.f1[i])):
            table.setItem(i, j, _number(f"{v:.3f}"))
        table.setItem(i, 3, _number(str(int(prf.support[i]))))
    for j, v in enumerate((prf.macro_precision, prf.macro_recall, prf.macro_f1)):
        table.setItem(k, j, _number(f"{v:.3f}"))
    table.setItem(k, 3, _number(str(int(prf.support.sum()))))


def _number(text: str) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return item


def report_table() -> QTableWidget:
    """A read-only table for the report: compact rows, no scroll bars of its own (the report sizes it
    to its contents and scrolls as one page)."""
    table = QTableWidget()
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    rows = table.verticalHeader()
    rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    rows.setDefaultSectionSize(table.fontMetrics().height() + 8)
    return table


def natural_width(table: QTableWidget) -> int:
    """The width ``table`` needs to show every column whole (header or widest cell) and its row headers."""
    header = table.horizontalHeader()
    columns = sum(max(header.sectionSizeHint(j), table.sizeHintForColumn(j))
                  for j in range(table.columnCount()))
    return table.verticalHeader().sizeHint().width() + columns + 2 * table.frameWidth()


def natural_height(table: QTableWidget) -> int:
    """The height that shows the header and every row of ``table``."""
    rows = table.verticalHeader().defaultSectionSize() * table.rowCount()
    return table.horizontalHeader().sizeHint().height() + rows + 2 * table.frameWidth()


class ConfusionReport(QScrollArea):
    """The matrix and the per-class table, each as large as its contents, in a page that scrolls only
    vertically.

    Side by side when both fit the width; else stacked (matrix first). When the matrix is too wide with
    rows named "true NAME" it names them by class alone (the tooltip still says "true NAME"). With many
    classes (ten digits) stacked tables spread over the width. Laid out again whenever the page is
    resized (it may be filled while its tab is hidden, at another width).
    """

    def __init__(self, matrix: QTableWidget, scores: QTableWidget) -> None:
        super().__init__()
        self.matrix = matrix
        self.scores = scores
        self.many = False
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setWidgetResizable(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)  # only if nothing fits
        page = QWidget()
        self.box = QBoxLayout(QBoxLayout.Direction.LeftToRight, page)
        self.box.setContentsMargins(0, 0, 0, 0)
        self.box.setSpacing(GAP)
        top_left = Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft
        self.box.addWidget(matrix, 0, top_left)
        self.box.addWidget(scores, 0, top_left)
        self.box.addStretch(1)
        self.setWidget(page)

    @property
    def side_by_side(self) -> bool:
        return self.box.direction() == QBoxLayout.Direction.LeftToRight

    def room(self) -> int:
        """The width the tables may take: the page's, with room kept for its vertical scroll bar (so
        the bar coming and going never changes the layout)."""
        return self.width() - 2 * self.frameWidth() - self.verticalScrollBar().sizeHint().width()

    def share(self, many: bool) -> None:
        """Lay the two tables out for a result with many classes (``many``: they spread when stacked)."""
        self.many = many
        self._layout()

    def _layout(self) -> None:
        filled = bool(self.matrix.columnCount())
        for table in (self.matrix, self.scores):
            table.setVisible(filled)  # no empty grid before the first result
        if not filled:
            return
        room = self.room()
        choice = None
        for side, compact in ((True, False), (True, True), (False, False), (False, True)):
            self._name_rows(compact)
            mw, sw = natural_width(self.matrix), natural_width(self.scores)
            if (mw + GAP + sw if side else max(mw, sw)) <= room:
                choice = side, mw, sw
                break
        if choice is None:  # nothing fits: stacked, compact, and the page scrolls sideways too
            choice = False, mw, sw
        side, mw, sw = choice
        self.box.setDirection(QBoxLayout.Direction.LeftToRight if side else QBoxLayout.Direction.TopToBottom)
        spread = self.many and not side
        for table, width in ((self.matrix, mw), (self.scores, sw)):
            header = table.horizontalHeader()
            header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch if spread
                                        else QHeaderView.ResizeMode.ResizeToContents)
            table.setFixedSize(max(width, room) if spread else width, natural_height(table))
        self.box.activate()  # the tables take their places now, not at the next event

    def _name_rows(self, compact: bool) -> None:
        """Row headers "true NAME", or NAME alone (``compact``)."""
        for i in range(self.matrix.rowCount()):
            head = self.matrix.verticalHeaderItem(i)
            name = head.data(Qt.ItemDataRole.UserRole) if head is not None else None
            if name is not None:
                head.setText(str(name) if compact else f"true {name}")

    def resizeEvent(self, event: Any) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._layout()
