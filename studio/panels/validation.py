"""Analysis panel (like Deep Network Designer's Analyze), always live: problems list and the layer table.

Clicking a problem emits ``node_requested(node_id)`` (the main window selects that layer).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core.graph import KIND_LABELS, Problem
from studio import theme
from studio.workspace import Workspace


class ValidationPanel(QWidget):
    """Problems (errors first) and the per-layer output shape / parameter table with a total."""

    node_requested = Signal(str)

    def __init__(self, workspace: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document = workspace.document
        self.problems: list[Problem] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 10, 10, 10)
        self.status = QLabel()
        self.status.setObjectName("statusBadge")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        self.list = QListWidget()
        self.list.setWordWrap(True)
        self.list.setResizeMode(QListView.ResizeMode.Adjust)
        self.list.setUniformItemSizes(False)
        self.list.setSpacing(2)
        self.list.setToolTip(
            "Everything that stops training (errors) or looks like a mistake (warnings). "
            "Click one to select its layer."
        )
        self.list.itemClicked.connect(self._clicked)
        self.list.setMaximumHeight(220)
        self.list.setMinimumHeight(48)
        layout.addWidget(self.list, 1)  # list and table share the height (both keep ~5 rows at 900 px)
        title = QLabel("<b>Layers</b>")
        layout.addWidget(title)
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels(["Layer", "Activation", "Output shape", "Params"])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setToolTip("Each layer's output shape and trainable parameter count (weights + biases).")
        self.table.setAlternatingRowColors(True)
        th = self.table.horizontalHeader()
        th.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        th.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        th.setStretchLastSection(False)
        self.table.verticalHeader().setDefaultSectionSize(24)
        self.table.cellClicked.connect(self._row_clicked)
        self.table.setMinimumHeight(72)
        layout.addWidget(self.table, 1)
        document.graph_changed.connect(self.refresh)
        document.training_changed.connect(self.refresh)
        workspace.dataset_changed.connect(lambda _ds: self.refresh())
        self.refresh()

    def refresh(self) -> None:
        """Re-validate and refill both views."""
        doc = self.document
        th = theme.current()
        self.problems = sorted(
            doc.graph.validate(doc.data_info, str(doc.training.get("loss", "auto"))),
            key=lambda p: p.severity != "error",
        )
        self.list.clear()
        for p in self.problems:
            where = p.node_id or "network"
            item = QListWidgetItem(
                theme.icon("error" if p.severity == "error" else "warning"),
                p.message if where in p.message else f"{where}: {p.message}",
            )
            item.setData(Qt.ItemDataRole.UserRole, p.node_id)
            item.setToolTip(p.message)
            self.list.addItem(item)
        errors = sum(p.severity == "error" for p in self.problems)
        warnings = len(self.problems) - errors
        total = doc.graph.total_params(doc.data_info)
        if errors:
            col, text = (
                th.error,
                f"✖  {errors} error{'s' * (errors != 1)}"
                + (f", {warnings} warning{'s' * (warnings != 1)}" if warnings else "")
                + " — fix to train",
            )
        elif warnings:
            col, text = th.warning, f"⚠  Ready to train, {warnings} warning{'s' * (warnings != 1)}"
        else:
            col, text = th.ok, "✔  Ready to train"
        self.status.setText(text)
        self.status.setStyleSheet(
            f"QLabel#statusBadge {{ color: {col}; font-weight: 600; padding: 4px 2px; }}"
        )
        self.list.setVisible(bool(self.problems))

        rows = doc.graph.layer_table(doc.data_info)
        self.table.setRowCount(len(rows) + 1)
        for r, row in enumerate(rows):
            cells = [
                row.name,
                row.activation or "—",
                row.shape,
                "?" if row.params is None else f"{row.params:,}",
            ]
            for c, text in enumerate(cells):
                it = QTableWidgetItem(text)
                it.setData(Qt.ItemDataRole.UserRole, row.node_id)
                it.setToolTip(f"{KIND_LABELS.get(row.kind, row.kind)} layer {row.name}")
                if c == 3:
                    it.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(r, c, it)
        bold = QFont(self.table.font())
        bold.setBold(True)
        for c, text in enumerate(["Total", "", "", "?" if total is None else f"{total:,}"]):
            it = QTableWidgetItem(text)
            it.setFont(bold)
            if c == 3:
                it.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.table.setItem(len(rows), c, it)

    def summary(self) -> tuple[int, int]:
        """(errors, warnings) of the last refresh."""
        errors = sum(p.severity == "error" for p in self.problems)
        return errors, len(self.problems) - errors

    def problem_rows(self) -> list[tuple[str, str]]:
        """(layer id or "network", message) of every listed problem, in display order."""
        return [(p.node_id or "network", p.message) for p in self.problems]

    def _clicked(self, item: QListWidgetItem) -> None:
        nid = item.data(Qt.ItemDataRole.UserRole)
        if nid:
            self.node_requested.emit(str(nid))

    def _row_clicked(self, row: int, _col: int) -> None:
        it = self.table.item(row, 0)
        nid = it.data(Qt.ItemDataRole.UserRole) if it else None
        if nid:
            self.node_requested.emit(str(nid))
