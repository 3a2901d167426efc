"""The Evaluation panel's confusion tables: the confusion matrix and the per-class precision/recall/F1,
filled and given widths so that every header is whole."""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QHeaderView, QSplitter, QTableWidget, QTableWidgetItem

#: at most this share of the width goes to the matrix when it sits beside the per-class table
MATRIX_SHARE = 0.6


def fill_confusion_matrix(table: QTableWidget, cm: np.ndarray, names: list[str], normalize: bool,
                          spread: bool) -> None:
    """Show the (k, k) counts ``cm`` (rows: true class) in ``table``, as counts or row fractions.

    Cells are shaded by their fraction of the row. ``spread``: the table spans the panel and its columns
    share the width; otherwise each column is as wide as its header ("pred" over the class name).
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
    _size_columns(table, spread, stretch_last=False)


def fill_class_scores(table: QTableWidget, prf: Any, names: list[str], spread: bool) -> None:
    """Show precision, recall, F1 and support per class (``prf`` from ``core.metrics``) and their macro
    average in ``table``; ``spread`` as in :func:`fill_confusion_matrix`."""
    k = len(prf.precision)
    table.clear()
    table.setRowCount(k + 1)
    table.setColumnCount(4)
    table.setHorizontalHeaderLabels(["precision", "recall", "F1", "support"])
    table.setVerticalHeaderLabels(names + ["macro avg"])
    for i in range(k):
        for j, v in enumerate((prf.precision[i], prf.recall[i], prf.f1[i])):
            table.setItem(i, j, QTableWidgetItem(f"{v:.3f}"))
        table.setItem(i, 3, QTableWidgetItem(str(int(prf.support[i]))))
    for j, v in enumerate((prf.macro_precision, prf.macro_recall, prf.macro_f1)):
        table.setItem(k, j, QTableWidgetItem(f"{v:.3f}"))
    table.setItem(k, 3, QTableWidgetItem(str(int(prf.support.sum()))))
    _size_columns(table, spread, stretch_last=True)


def _size_columns(table: QTableWidget, spread: bool, stretch_last: bool) -> None:
    header = table.horizontalHeader()
    if spread:
        header.setSectionResizeMode(QHeaderView.Stretch)
        return
    header.setSectionResizeMode(QHeaderView.ResizeToContents)  # every header whole
    header.setStretchLastSection(stretch_last)
    header.resizeSections(QHeaderView.ResizeToContents)


def content_width(table: QTableWidget, height: int) -> int:
    """The width ``table`` needs to show every column whole when it is ``height`` px tall (a vertical
    scroll bar included when its rows do not fit)."""
    frame = 2 * table.frameWidth()
    header = table.horizontalHeader()
    columns = header.length()
    width = table.verticalHeader().sizeHint().width() + columns + frame
    rows = table.verticalHeader().length() + header.sizeHint().height() + frame
    if rows > height:
        width += table.verticalScrollBar().sizeHint().width()
    return width


class ConfusionSplit(QSplitter):
    """The matrix and the per-class table side by side (a few classes) or stacked (many classes).

    A few classes: the matrix is as wide as its columns need (at most :data:`MATRIX_SHARE` of the
    width) and the per-class table takes the rest; this is shared again whenever the split is resized
    (it may be filled while its tab is hidden, at another width). Many classes (ten digits): the matrix
    is above, across the whole width, so its counts are not cut.
    """

    def __init__(self, matrix: QTableWidget, scores: QTableWidget) -> None:
        super().__init__(Qt.Horizontal)
        self.matrix = matrix
        self.addWidget(matrix)
        self.addWidget(scores)

    def share(self, many: bool) -> None:
        """Lay the two tables out for a result with many classes (``many``) or a few."""
        self.setOrientation(Qt.Vertical if many else Qt.Horizontal)
        if many:
            total = max(self.height() - self.handleWidth(), 2)
            first = total // 2
        else:
            total = max(self.width() - self.handleWidth(), 2)
            room = int(MATRIX_SHARE * total)
            self._name_rows(compact=False)
            if content_width(self.matrix, self.height()) > room:
                self._name_rows(compact=True)  # "Chinstrap" instead of "true Chinstrap"
            first = min(content_width(self.matrix, self.height()), room)
        self.setSizes([first, total - first])

    def _name_rows(self, compact: bool) -> None:
        """Row headers "true NAME", or NAME alone (``compact``; the tooltip still says "true NAME")."""
        for i in range(self.matrix.rowCount()):
            head = self.matrix.verticalHeaderItem(i)
            name = head.data(Qt.ItemDataRole.UserRole) if head is not None else None
            if name is not None:
                head.setText(str(name) if compact else f"true {name}")

    def resizeEvent(self, event: Any) -> None:  # noqa: N802
        super().resizeEvent(event)
        if self.orientation() == Qt.Horizontal and self.matrix.columnCount():
            self.share(False)
