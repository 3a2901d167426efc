"""Data panel: choose the data source (toy thumbnails, CSV with preview, MNIST), split and batch size.

The panel is a view of the workspace: it shows the project's ``data`` spec and batch size, and the
progress of every dataset load (``Workspace.loading_*``). Load/Regenerate hands the spec to
``Workspace.load_data``, which loads off the GUI thread; the CSV preview runs through
``studio.background`` too. Each source has its tab (:mod:`studio.panels.toy_tab`,
:mod:`studio.panels.csv_tab`, :mod:`studio.panels.mnist_tab`); the panel holds the controls they share
(test fraction, batch size, Load, progress, summary) and turns its tab into the project's ``data``.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from core import limits
from core.project import training_spec
from studio.panels.csv_tab import PREVIEW_ROWS, CsvTab
from studio.panels.data_sources import carry_over
from studio.panels.mnist_tab import MnistTab
from studio.panels.toy_tab import ToyTab
from studio.wheel_guard import DoubleSpinBox, SpinBox
from studio.workspace import Workspace

__all__ = ["PREVIEW_ROWS", "DataPanel"]


class DataPanel(QWidget):
    """Source picker + options for ``workspace``'s project; ``preview_ready(table)`` after a CSV preview.

    The tabs' controls are reachable under their own names too (``panel.toy_buttons``,
    ``panel.target_combo``, ``panel.mnist_subset``, …), as scripts and tests use them.
    """

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
        self._showing = False  # set_spec fills the controls: no edits follow from that

        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        self.tabs = QTabWidget()
        lay.addWidget(self.tabs, 0)  # tab pages take their natural height; the shared controls follow
        self.toy = ToyTab()
        self.csv = CsvTab(workspace.base_dir, lambda: self._shown_spec)
        self.mnist = MnistTab(mnist_dir)
        self.tabs.addTab(self.toy, "Toy 2D")
        self.tabs.addTab(self.csv, "CSV file")
        self.tabs.addTab(self.mnist, "MNIST")
        self._name_tab_controls()

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
        self.tabs.currentChanged.connect(lambda _i: self._show_test_fraction_use())
        self.csv.test_path.textChanged.connect(lambda _t: self._show_test_fraction_use())
        self._fit_tab_height(0)
        self.toy.toy_clicked.connect(self.select_toy)
        csv = self.csv
        csv.preview_ready.connect(self.preview_ready)
        csv.row_clicked.connect(self.preview_row_clicked)
        csv.summary_changed.connect(self.summary.setPlainText)
        csv.loading_started.connect(self._loading_started)
        csv.loading_progress.connect(self._show_progress)
        csv.loading_finished.connect(self._loading_finished)
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

    def _show_test_fraction_use(self) -> None:
        """A CSV with a test file of its own trains on every row: the fraction is then greyed out."""
        own_test = self.tabs.currentWidget() is self.csv and bool(self.csv.test_path.text().strip())
        self.test_spin.setEnabled(not own_test)
        self.test_spin.setToolTip("Not used: the test file of the CSV tab is the test split" if own_test
                                  else "Fraction of the rows held out as the test (validation) split")

    def _name_tab_controls(self) -> None:
        """The tabs' widgets under the panel's names (the same objects)."""
        toy, csv, mnist = self.toy, self.csv, self.mnist
        self.toy_group, self.toy_buttons = toy.toy_group, toy.toy_buttons
        self.samples_spin, self.noise_slider = toy.samples_spin, toy.noise_slider
        self.noise_label, self.classes_spin, self.seed_spin = toy.noise_label, toy.classes_spin, toy.seed_spin
        self.csv_path, self.csv_browse, self.preview = csv.csv_path, csv.csv_browse, csv.preview
        self.target_combo, self.target_note = csv.target_combo, csv.target_note
        self.task_combo, self.ignore_list = csv.task_combo, csv.ignore_list
        self.preview_csv, self.ignored_columns = csv.preview_csv, csv.ignored_columns
        self.mnist_path, self.mnist_browse = mnist.mnist_path, mnist.mnist_browse
        self.mnist_subset, self.mnist_source = mnist.mnist_subset, mnist.mnist_source

    @property
    def toy_name(self) -> str:
        """The chosen toy set."""
        return self.toy.toy_name

    @property
    def preview_frame(self) -> Any:
        """The rows the CSV preview shows (a DataFrame of the file's raw columns), or None."""
        return self.csv.preview_frame

    @property
    def preview_path(self) -> str | None:
        """Absolute path of the file the CSV preview shows, or None."""
        return self.csv.preview_path

    # ---- actions -------------------------------------------------------------------------
    def select_toy(self, name: str, load: bool = True) -> None:
        """Choose toy set ``name`` (what clicking its thumbnail does) and load it."""
        self.toy.choose(name)
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
            return self.toy.spec(tf)
        if idx == 1:
            return self.csv.spec(tf)
        return self.mnist.spec()

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
            self.toy.show_spec(spec)
        elif src == "csv":
            self.tabs.setCurrentIndex(1)
            self.csv.show_spec(spec)  # its preview fills the column pickers with the project's choices
        else:
            self.tabs.setCurrentIndex(2)
            self.mnist.show_spec(spec)

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
