"""The Data panel's CSV tab: the file, a preview of its first rows, the target, task and ignored columns.

The preview is read off the GUI thread (``studio.background``); the tab reports its progress through the
same ``loading_*`` signals the workspace's loads use, so the panel shows both in one progress bar.
"""

from __future__ import annotations

import html
import os
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from studio.background import Task, run_in_background
from studio.wheel_guard import ComboBox

PREVIEW_ROWS = 50


class CsvTab(QWidget):
    """Path, preview table and column pickers of a CSV file.

    ``base_dir()`` is the folder relative paths refer to; ``shown_spec()`` the project's ``data`` dict, whose
    target and ignored columns the preview of that same file shows (another file's last column is proposed
    as its target). Signals: ``preview_ready(table)``, ``row_clicked(int row)``, ``summary_changed(str)``
    and ``loading_started(str)``, ``loading_progress(float, str)``, ``loading_finished(str error)``.
    """

    preview_ready = Signal(object)
    row_clicked = Signal(int)
    summary_changed = Signal(str)
    loading_started = Signal(str)
    loading_progress = Signal(float, str)
    loading_finished = Signal(str)

    def __init__(self, base_dir: Callable[[], str], shown_spec: Callable[[], dict[str, Any]],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._base_dir = base_dir
        self._shown_spec = shown_spec
        self._preview_task: Task | None = None
        #: the rows the preview shows (a DataFrame of the file's raw columns) and that file's absolute path
        self.preview_frame: Any = None
        self.preview_path: str | None = None
        v = QVBoxLayout(self)
        self.csv_path = QLineEdit()
        self.csv_path.setPlaceholderText("path/to/data.csv")
        self.csv_path.returnPressed.connect(lambda: self.preview_csv(self.csv_path.text()))
        row, self.csv_browse = self._file_row(self.csv_path, "Pick a CSV file; a preview appears below",
                                              self.preview_csv)
        v.addLayout(row)
        self.preview = QTableWidget()
        self.preview.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.preview.setMinimumHeight(120)
        self.preview.setToolTip("Click a row to follow it through the network (Explain tab)")
        self.preview.cellClicked.connect(lambda row, _col: self.row_clicked.emit(row))
        v.addWidget(self.preview, 2)
        form = QFormLayout()
        self.target_combo = ComboBox()
        self.target_combo.setToolTip("Column to predict (proposed: the last column, until you choose)")
        #: shown while the target is a proposal (the project names none): bold, in the warning colour
        self.target_note = QLabel()
        self.target_note.setWordWrap(True)
        self.target_note.setVisible(False)
        self.task_combo = ComboBox()
        self.task_combo.addItems(["auto", "binary", "multiclass", "regression"])
        self.task_combo.setToolTip(
            "Task; 'auto' decides from the target column (text or few values -> classes)"
        )
        self.ignore_list = QListWidget()
        self.ignore_list.setToolTip("Checked columns are ignored (IDs, leaks, free text)")
        self.ignore_list.setMaximumHeight(90)
        self.target_combo.currentTextChanged.connect(self._target_changed)
        form.addRow("Target", self.target_combo)
        form.addRow("", self.target_note)
        form.addRow("Task", self.task_combo)
        form.addRow("Ignore", self.ignore_list)
        #: optional labelled test file (``data.test_path``): its rows test, every row of the file above trains
        self.test_path = QLineEdit()
        self.test_path.setPlaceholderText("optional")
        self.test_path.setToolTip("A labelled CSV with the same columns to test on; empty: the test "
                                  "fraction below splits the file above")
        test_row, self.test_browse = self._file_row(
            self.test_path, "Pick a labelled CSV to test on (applied by Load CSV)", lambda _path: None
        )
        form.addRow("Test file", test_row)
        v.addLayout(form)

    def _file_row(self, edit: QLineEdit, tip: str,
                  picked: Callable[[str], object]) -> tuple[QHBoxLayout, QPushButton]:
        """``edit`` with a "Browse…" button beside it; a file picked there goes into ``edit``, then to
        ``picked(path)``."""
        button = QPushButton("Browse…")
        button.setToolTip(tip)
        button.clicked.connect(lambda: self._browse(edit, picked))
        row = QHBoxLayout()
        row.addWidget(edit, 1)
        row.addWidget(button)
        return row, button

    def _browse(self, edit: QLineEdit, picked: Callable[[str], object]) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Open CSV file", self._start_folder(edit), "CSV files (*.csv *.tsv *.txt);;All (*)"
        )
        if path:
            edit.setText(path)
            picked(path)

    def _start_folder(self, edit: QLineEdit) -> str:
        """The folder of the file ``edit`` names, else of the training file, else the project's folder."""
        for text in (edit.text().strip(), self.csv_path.text().strip()):
            if text:
                folder = os.path.dirname(os.path.join(self._base_dir(), text))
                if os.path.isdir(folder):
                    return folder
        return self._base_dir()

    # ---- preview ---------------------------------------------------------------------------
    def preview_csv(self, path: str) -> Task:
        """Read ``path`` in the background, fill the preview and column pickers; returns the job id."""
        from core.datasets.csv_read import read_table

        path = path.strip()
        self.csv_path.setText(path)
        if path and not os.path.isabs(path):
            path = os.path.join(self._base_dir(), path)
        if self._preview_task is not None:
            self._preview_task.cancel()
        self.loading_started.emit("CSV preview")
        task = run_in_background(
            lambda progress: read_table(path, progress=progress),
            lambda table: self._preview_done(task, table, path=path),
            lambda message: self._preview_done(task, None, message),
            self.loading_progress.emit,
            name="csv-preview",
            owner=self,
        )
        self._preview_task = task
        return task

    def _preview_done(self, task: Task, table: Any, error: str = "", path: str | None = None) -> None:
        if task is not self._preview_task:
            return
        self._preview_task = None
        self.loading_finished.emit(error)
        if table is not None:
            self.preview_path = os.path.abspath(path) if path else None
            self._fill_preview(table)
            self.preview_ready.emit(table)

    def _fill_preview(self, table: Any) -> None:
        df = table.frame
        cols = [str(c) for c in df.columns]
        n = min(len(df), PREVIEW_ROWS)
        self.preview.clear()
        self.preview.setColumnCount(len(cols))
        self.preview.setRowCount(n)
        self.preview.setHorizontalHeaderLabels(cols)
        self.preview_frame = df.head(n)
        head = self.preview_frame.to_numpy()
        for r in range(n):
            for c in range(len(cols)):
                v = head[r, c]
                self.preview.setItem(r, c, QTableWidgetItem("" if v is None or v != v else str(v)))
        self.preview.resizeColumnsToContents()
        # the project's own choices when this is its file; otherwise the last column, shown as a proposal
        shown = self._shown_spec()
        same_file = shown.get("source") == "csv" and shown.get("path") == self.csv_path.text().strip()
        wanted = shown.get("target") if same_file else None
        wanted = wanted[0] if isinstance(wanted, list) and wanted else wanted
        ignored = set(shown.get("ignore", [])) if same_file else set()
        self.target_combo.blockSignals(True)
        self.target_combo.clear()
        self.target_combo.addItems(cols)
        self.target_combo.setCurrentIndex(cols.index(wanted) if wanted in cols else len(cols) - 1)
        self.target_combo.blockSignals(False)
        self.ignore_list.clear()
        for c in cols:
            it = QListWidgetItem(c)
            it.setFlags(it.flags() | Qt.ItemIsUserCheckable)
            it.setCheckState(Qt.Checked if c in ignored else Qt.Unchecked)
            self.ignore_list.addItem(it)
        self._target_changed(self.target_combo.currentText())
        self._show_target_proposal(None if wanted in cols else cols[-1] if cols else None)
        self.summary_changed.emit(
            f"{len(df)} rows × {len(cols)} columns, {table.delimiter_name}-separated, "
            f"{table.encoding}{'' if table.header else ', no header line'}. "
            "Choose the target and press Load CSV."
        )

    # ---- column pickers --------------------------------------------------------------------
    def _show_target_proposal(self, column: str | None) -> None:
        """Say prominently that ``column`` is only a proposal (None: the target was chosen)."""
        if column is None:
            self.target_note.setVisible(False)
            return
        from studio import theme

        self.target_note.setText(f"Proposed target: <b>{html.escape(column)}</b> (the last column). "
                                 "Check that this is the column to predict, or choose another.")
        self.target_note.setStyleSheet(f"color: {theme.current().warning}; font-weight: bold;")
        self.target_note.setVisible(True)

    def _target_changed(self, name: str) -> None:
        self.target_note.setVisible(False)  # the user chose
        for i in range(self.ignore_list.count()):
            it = self.ignore_list.item(i)
            it.setHidden(it.text() == name)

    def ignored_columns(self) -> list[str]:
        """Names of the checked (ignored) CSV columns."""
        out = []
        for i in range(self.ignore_list.count()):
            it = self.ignore_list.item(i)
            if it.checkState() == Qt.Checked and not it.isHidden():
                out.append(it.text())
        return out

    # ---- spec ------------------------------------------------------------------------------
    def spec(self, test_fraction: float) -> dict[str, Any]:
        """The project ``data`` dict these controls describe."""
        spec: dict[str, Any] = {"source": "csv", "path": self.csv_path.text().strip(),
                                "test_fraction": test_fraction}
        if self.test_path.text().strip():
            spec["test_path"] = self.test_path.text().strip()
        if self.target_combo.currentText():
            spec["target"] = self.target_combo.currentText()
        ign = self.ignored_columns()
        if ign:
            spec["ignore"] = ign
        if self.task_combo.currentText() != "auto":
            spec["task"] = self.task_combo.currentText()
        return spec

    def show_spec(self, spec: dict[str, Any]) -> None:
        """Show a CSV ``data`` dict: its task, and its file's preview with the project's column choices."""
        self.task_combo.setCurrentText(str(spec.get("task", "auto")))
        self.test_path.setText(str(spec.get("test_path") or ""))
        if spec.get("path"):
            self.preview_csv(str(spec["path"]))
        else:
            self.csv_path.setText("")
