"""Data panel: choose the data source (toy thumbnails, CSV with preview, MNIST), split and batch size.

The panel is a view of the workspace: it shows the project's ``data`` spec and batch size, and the
progress of every dataset load (``Workspace.loading_*``). Load/Regenerate hands the spec to
``Workspace.load_data``, which loads off the GUI thread; the CSV preview runs through
``studio.background`` too.
"""

from __future__ import annotations

import html
import os
from typing import Any

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QSlider,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from core import limits
from core.project import training_spec
from studio.background import Task, run_in_background
from studio.panels.data_sources import THUMB, carry_over, toy_thumbnail
from studio.wheel_guard import ComboBox, DoubleSpinBox, SpinBox
from studio.workspace import Workspace

PREVIEW_ROWS = 50


class DataPanel(QWidget):
    """Source picker + options for ``workspace``'s project; ``preview_ready(table)`` after a CSV preview."""

    preview_ready = Signal(object)
    #: a row of the CSV preview was clicked: its index in ``preview_frame`` (the Explain tab explains it)
    preview_row_clicked = Signal(int)

    def __init__(
        self, workspace: Workspace, parent: QWidget | None = None, mnist_dir: str | None = None
    ) -> None:
        super().__init__(parent)
        self.workspace = workspace
        #: the project's data dict last shown (set_spec): keys without a control here are carried over
        self._shown_spec: dict[str, Any] = {}
        self._preview_task: Task | None = None
        #: the rows the preview shows (a DataFrame of the file's raw columns) and that file's absolute path
        self.preview_frame: Any = None
        self.preview_path: str | None = None
        self._showing = False  # set_spec fills the controls: no edits follow from that

        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        self.tabs = QTabWidget()
        lay.addWidget(self.tabs, 0)  # tab pages take their natural height; the shared controls follow
        self.tabs.addTab(self._build_toy_tab(), "Toy 2D")
        self.tabs.addTab(self._build_csv_tab(), "CSV file")
        self.tabs.addTab(self._build_mnist_tab(mnist_dir), "MNIST")

        common = QFormLayout()
        self.test_spin = DoubleSpinBox()
        self.test_spin.setRange(0.0, 0.99)  # the project file allows [0, 1)
        self.test_spin.setSingleStep(0.05)
        self.test_spin.setDecimals(2)
        self.test_spin.setValue(0.5)
        self.test_spin.setToolTip("Fraction of the rows held out as the test (validation) split")
        self.batch_spin = SpinBox()
        self.batch_spin.setRange(1, limits.BATCH_SIZE)  # what a project file may hold
        self.batch_spin.setValue(16)
        self.batch_spin.setToolTip("Rows per gradient step")
        self.batch_spin.valueChanged.connect(self._batch_size_changed)
        common.addRow("Test fraction", self.test_spin)
        common.addRow("Batch size", self.batch_spin)
        lay.addLayout(common)
        row = QHBoxLayout()
        self.load_btn = QPushButton("Regenerate")
        self.load_btn.setToolTip("Build the data set with these settings (runs in the background)")
        self.load_btn.clicked.connect(self.load_current)
        self.progress = QProgressBar()
        self.progress.setRange(0, 100)
        self.progress.setTextVisible(True)
        self.progress.setVisible(False)
        row.addWidget(self.load_btn)
        row.addWidget(self.progress, 1)
        lay.addLayout(row)
        self.summary = QPlainTextEdit()
        self.summary.setReadOnly(True)
        self.summary.setMaximumHeight(110)
        self.summary.setPlaceholderText("Loading summary appears here")
        lay.addWidget(self.summary)
        lay.addStretch(1)
        self.tabs.currentChanged.connect(self._tab_changed)
        self._fit_tab_height(0)
        doc = workspace.document
        doc.data_changed.connect(lambda: self.set_spec(doc.data))
        doc.training_changed.connect(self._show_batch_size)
        workspace.project_replaced.connect(lambda: self.set_spec(doc.data))
        workspace.dataset_changed.connect(self._dataset_changed)
        workspace.loading_started.connect(self._loading_started)
        workspace.loading_progress.connect(self._show_progress)
        workspace.loading_finished.connect(self._loading_finished)
        self.set_spec(doc.data)
        self._show_batch_size()

    # ---- tabs ----------------------------------------------------------------------------
    def _build_toy_tab(self) -> QWidget:
        from core.datasets.toy import TOY_NAMES

        w = QWidget()
        v = QVBoxLayout(w)
        grid = QGridLayout()
        grid.setSpacing(4)
        self.toy_group = QButtonGroup(w)
        self.toy_group.setExclusive(True)
        self.toy_buttons: dict[str, QToolButton] = {}
        for i, name in enumerate(TOY_NAMES):
            b = QToolButton()
            b.setCheckable(True)
            b.setIcon(QIcon(toy_thumbnail(name)))
            b.setIconSize(QSize(THUMB, THUMB))
            b.setText(name)
            b.setToolButtonStyle(Qt.ToolButtonTextUnderIcon)
            b.setToolTip(f"Use the '{name}' toy data set")
            b.setObjectName(f"toy_{name}")
            b.clicked.connect(lambda _c=False, n=name: self.select_toy(n))
            self.toy_group.addButton(b)
            self.toy_buttons[name] = b
            grid.addWidget(b, i // 3, i % 3)  # 3 x 3: fits the 320 px Inspector
        v.addLayout(grid)
        form = QFormLayout()
        self.samples_spin = SpinBox()
        self.samples_spin.setRange(0, limits.TOY_SAMPLES)  # 0: only the points drawn by hand
        self.samples_spin.setValue(500)
        self.samples_spin.setToolTip("Number of generated points (train + test)")
        self.noise_slider = QSlider(Qt.Horizontal)
        self.noise_slider.setRange(0, 100)
        self.noise_slider.setValue(10)
        self.noise_slider.setToolTip("Noise added to the points, 0 to 100%")
        self.noise_label = QLabel("10%")
        self.noise_slider.valueChanged.connect(lambda v: self.noise_label.setText(f"{v}%"))
        nrow = QHBoxLayout()
        nrow.addWidget(self.noise_slider, 1)
        nrow.addWidget(self.noise_label)
        self.classes_spin = SpinBox()
        self.classes_spin.setRange(3, 6)
        self.classes_spin.setValue(3)
        self.classes_spin.setToolTip("Number of blobs (classes) for the 'blobs' set")
        self.seed_spin = SpinBox()
        self.seed_spin.setRange(0, 2**31 - 1)
        self.seed_spin.setValue(1)
        self.seed_spin.setToolTip("Random seed: the same seed gives the same points")
        form.addRow("Samples", self.samples_spin)
        form.addRow("Noise", nrow)
        form.addRow("Classes (blobs)", self.classes_spin)
        form.addRow("Seed", self.seed_spin)
        v.addLayout(form)
        v.addStretch(1)
        self.toy_name = "spiral"
        self.toy_buttons["spiral"].setChecked(True)
        return w

    def _build_csv_tab(self) -> QWidget:
        w = QWidget()
        v = QVBoxLayout(w)
        row = QHBoxLayout()
        self.csv_path = QLineEdit()
        self.csv_path.setPlaceholderText("path/to/data.csv")
        self.csv_browse = QPushButton("Browse…")
        self.csv_browse.setToolTip("Pick a CSV file; a preview appears below")
        self.csv_browse.clicked.connect(self._browse_csv)
        self.csv_path.returnPressed.connect(lambda: self.preview_csv(self.csv_path.text()))
        row.addWidget(self.csv_path, 1)
        row.addWidget(self.csv_browse)
        v.addLayout(row)
        self.preview = QTableWidget()
        self.preview.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.preview.setMinimumHeight(120)
        self.preview.setToolTip("Click a row to follow it through the network (Explain tab)")
        self.preview.cellClicked.connect(lambda row, _col: self.preview_row_clicked.emit(row))
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
        v.addLayout(form)
        return w

    def _build_mnist_tab(self, mnist_dir: str | None) -> QWidget:
        w = QWidget()
        form = QFormLayout(w)
        row = QHBoxLayout()
        self.mnist_path = QLineEdit(mnist_dir or os.environ.get("FFSTUDIO_MNIST_DIR", ""))
        self.mnist_path.setPlaceholderText("folder with the IDX .gz files (empty: cache, download or subset)")
        self.mnist_browse = QPushButton("Browse…")
        self.mnist_browse.clicked.connect(self._browse_mnist)
        row.addWidget(self.mnist_path, 1)
        row.addWidget(self.mnist_browse)
        self.mnist_subset = SpinBox()
        self.mnist_subset.setRange(0, 60000)
        self.mnist_subset.setSingleStep(1000)
        self.mnist_subset.setSpecialValueText("all")
        self.mnist_subset.setToolTip("Use only this many training images (0 = all)")
        self.mnist_source = QLabel("Source: folder above, then the cache, then a download (SHA-256 checked)")
        self.mnist_source.setWordWrap(True)
        form.addRow("Folder", row)
        form.addRow("Training images", self.mnist_subset)
        form.addRow(self.mnist_source)
        return w

    # ---- actions -------------------------------------------------------------------------
    def select_toy(self, name: str, load: bool = True) -> None:
        """Choose toy set ``name`` (what clicking its thumbnail does) and load it."""
        self.toy_name = name
        self.toy_buttons[name].setChecked(True)
        self.tabs.setCurrentIndex(0)
        if load:
            self.load_current()

    def _fit_tab_height(self, idx: int) -> None:
        """Size the tab widget to the current page, so shared controls sit right below it."""
        for i in range(self.tabs.count()):
            page = self.tabs.widget(i)
            policy = QSizePolicy.Policy.Preferred if i == idx else QSizePolicy.Policy.Ignored
            page.setSizePolicy(policy, policy)
        self.tabs.updateGeometry()

    def _tab_changed(self, idx: int) -> None:
        self._fit_tab_height(idx)
        self.test_spin.setEnabled(idx != 2)  # MNIST comes with its own 10,000-image test set
        self.load_btn.setText(("Regenerate", "Load CSV", "Load MNIST")[idx])
        if idx == 2 and self.batch_spin.value() < 64 and not self._showing:
            self.batch_spin.setValue(128)

    def _browse_csv(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Open CSV file", "", "CSV files (*.csv *.tsv *.txt);;All (*)"
        )
        if path:
            self.csv_path.setText(path)
            self.preview_csv(path)

    def _browse_mnist(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "MNIST folder")
        if path:
            self.mnist_path.setText(path)

    def preview_csv(self, path: str) -> Task:
        """Read ``path`` in the background, fill the preview and column pickers; returns the job id."""
        from core.datasets.csv_read import read_table

        path = path.strip()
        self.csv_path.setText(path)
        if path and not os.path.isabs(path):
            path = os.path.join(self.workspace.base_dir(), path)
        if self._preview_task is not None:
            self._preview_task.cancel()
        self._loading_started("CSV preview")
        task = run_in_background(
            lambda progress: read_table(path, progress=progress),
            lambda table: self._preview_done(task, table, path=path),
            lambda message: self._preview_done(task, None, message),
            self._show_progress,
            name="csv-preview",
            owner=self,
        )
        self._preview_task = task
        return task

    def _preview_done(self, task: Task, table: Any, error: str = "", path: str | None = None) -> None:
        if task is not self._preview_task:
            return
        self._preview_task = None
        self._loading_finished(error)
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
        shown = self._shown_spec
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
        self.summary.setPlainText(
            f"{len(df)} rows × {len(cols)} columns, {table.delimiter_name}-separated, "
            f"{table.encoding}{'' if table.header else ', no header line'}. "
            "Choose the target and press Load CSV."
        )

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

    def current_spec(self) -> dict[str, Any]:
        """The project ``data`` dict for the current tab and settings.

        Settings the panel has no control for (``scaling``, ``missing``, ``header``, ``download``, the
        CSV split seed, added toy points) are kept from the project's data while they still apply
        (same source; same CSV file or toy set).
        """
        return carry_over(self._controlled_spec(), self._shown_spec)

    def _controlled_spec(self) -> dict[str, Any]:
        tf = round(float(self.test_spin.value()), 4)
        idx = self.tabs.currentIndex()
        if idx == 0:
            spec: dict[str, Any] = {
                "source": "toy",
                "name": self.toy_name,
                "samples": self.samples_spin.value(),
                "noise": self.noise_slider.value() / 100.0,
                "test_fraction": tf,
                "seed": self.seed_spin.value(),
            }
            if self.toy_name == "blobs":
                spec["classes"] = self.classes_spin.value()
            return spec
        if idx == 1:
            spec = {"source": "csv", "path": self.csv_path.text().strip(), "test_fraction": tf}
            if self.target_combo.currentText():
                spec["target"] = self.target_combo.currentText()
            ign = self.ignored_columns()
            if ign:
                spec["ignore"] = ign
            if self.task_combo.currentText() != "auto":
                spec["task"] = self.task_combo.currentText()
            return spec
        spec = {"source": "mnist"}
        if self.mnist_path.text().strip():
            spec["path"] = self.mnist_path.text().strip()
        if self.mnist_subset.value():
            spec["subset"] = self.mnist_subset.value()
        return spec

    def load_current(self) -> None:
        """Make the data the panel describes the project's data; it loads in the background."""
        self.workspace.load_data(self.current_spec())

    def _batch_size_changed(self, value: int) -> None:
        doc = self.workspace.document
        if doc.training.get("batch_size") != value and not self.workspace.busy:
            doc.set_training(("batch_size",), int(value))

    def _show_batch_size(self) -> None:
        value = training_spec(self.workspace.document.training)["batch_size"]
        if isinstance(value, int) and value != self.batch_spin.value():
            self.batch_spin.blockSignals(True)
            self.batch_spin.setValue(value)
            self.batch_spin.blockSignals(False)

    def set_spec(self, spec: dict[str, Any]) -> None:
        """Show a project's ``data`` dict in the controls (does not load)."""
        self._shown_spec = dict(spec)
        self._showing = True
        try:
            self._show_spec(spec)
        finally:
            self._showing = False

    def _show_spec(self, spec: dict[str, Any]) -> None:
        src = spec.get("source", "toy")
        if "test_fraction" in spec:
            self.test_spin.setValue(float(spec["test_fraction"]))
        if src == "toy":
            self.tabs.setCurrentIndex(0)
            name = spec.get("name", "spiral")
            if name in self.toy_buttons:
                self.toy_name = name
                self.toy_buttons[name].setChecked(True)
            self.samples_spin.setValue(int(spec.get("samples", 500)))
            self.noise_slider.setValue(int(round(100 * float(spec.get("noise", 0.0)))))
            self.seed_spin.setValue(int(spec.get("seed", 0) or 0))
            self.classes_spin.setValue(int(spec.get("classes", 3)))
        elif src == "csv":
            self.tabs.setCurrentIndex(1)
            self.task_combo.setCurrentText(str(spec.get("task", "auto")))
            if spec.get("path"):
                self.preview_csv(str(spec["path"]))  # fills the column pickers with the project's choices
            else:
                self.csv_path.setText("")
        else:
            self.tabs.setCurrentIndex(2)
            self.mnist_path.setText(str(spec.get("path", "")))
            self.mnist_subset.setValue(int(spec.get("subset", 0) or 0))

    # ---- loading progress (the workspace's loads and the CSV preview) ----------------------
    def _loading_started(self, _what: str) -> None:
        self.progress.setValue(0)
        self.progress.setFormat("%p%")
        self.progress.setVisible(True)
        self.load_btn.setEnabled(False)

    def _show_progress(self, frac: float, msg: str) -> None:
        self.progress.setValue(int(round(100 * frac)))
        if msg:
            self.progress.setFormat(f"{msg} %p%")

    def _loading_finished(self, error: str) -> None:
        self.progress.setVisible(False)
        self.load_btn.setEnabled(True)
        if error:
            self.summary.setPlainText("Error: " + error)

    def _dataset_changed(self, ds: Any) -> None:
        if ds is None:
            return
        self.summary.setPlainText(
            ds.summary or f"{ds.name}: {len(ds.x_train)} train / {len(ds.x_test)} test rows"
        )
        if ds.source == "mnist":
            self.mnist_source.setText("Loaded: " + (ds.summary.splitlines()[0] if ds.summary else ds.name))
