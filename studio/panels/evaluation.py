"""Evaluation panel: confusion matrix, per-class precision/recall/F1, ROC + AUC, MNIST digit gallery."""

from __future__ import annotations

import copy
import os
from collections.abc import Callable
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QIcon, QImage, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSizePolicy,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from core import metrics
from studio.dialog_folder import user_folder
from studio.panels.confusion_tables import (
    ConfusionReport,
    fill_class_scores,
    fill_confusion_matrix,
    report_table,
)
from studio.plots.style import style_plot

GALLERY_SIZE = 96


def digit_image(row: np.ndarray, side: int = 28, scale: int = 2, wrong: bool = False) -> QPixmap:
    """A (side*side,) pixel row (uint8 or float) as a scaled grey pixmap; a red frame when ``wrong``."""
    a = np.asarray(row, dtype=np.float32).reshape(side, side)
    hi = float(a.max()) if a.size else 1.0
    g = (255 - np.clip(a / (hi if hi > 0 else 1.0) * 255, 0, 255)).astype(np.uint8)
    if wrong:
        rgb = np.repeat(g[:, :, None], 3, axis=2)
        rgb[0, :] = rgb[-1, :] = rgb[:, 0] = rgb[:, -1] = (214, 39, 40)
        img = QImage(np.ascontiguousarray(rgb).data, side, side, side * 3, QImage.Format_RGB888).copy()
    else:
        g = np.ascontiguousarray(g)
        img = QImage(g.data, side, side, side, QImage.Format_Grayscale8).copy()
    return QPixmap.fromImage(img).scaled(
        side * scale, side * scale, Qt.KeepAspectRatio, Qt.FastTransformation
    )


#: What the panel scores a test file with: ``(trained model, dataset)`` or None before training.
ModelSource = Callable[[], "tuple[Any, Any] | None"]


def workspace_model_source(workspace: Any) -> ModelSource:
    """The ``ModelSource`` of a :class:`studio.workspace.Workspace`: the trained model as the GUI may read
    it now (while training runs, a copy of the worker's latest weights) and the dataset."""
    return lambda: (workspace.readable_model(), workspace.dataset)


class EvaluationPanel(QWidget):
    """Shows how the model does on the test split; call ``set_result(...)`` after training or pausing.

    "Score a test file…" reads a labelled CSV with the data set's encoding and scores a copy of the
    model from ``source()`` on it in a pool thread (``core.evaluate``); ``test_file_scored(Evaluation)``
    or ``test_file_failed(message)`` follows.
    """

    test_file_scored = Signal(object)
    test_file_failed = Signal(str)
    #: a gallery digit was clicked: its pixels (784,), its label and its row in the evaluated split
    digit_clicked = Signal(object, int, int)

    def __init__(self, parent: QWidget | None = None, source: ModelSource | None = None) -> None:
        super().__init__(parent)
        self.source = source
        self.cm: np.ndarray | None = None
        self.prf = None
        self.auc: float | None = None
        self.class_names: list[str] = []
        self._test_file_folder = ""  # where "Score a test file…" last found one
        lay = QVBoxLayout(self)
        lay.setContentsMargins(2, 2, 2, 2)
        self.headline = QLabel("Train the network to evaluate it on the test split")
        self.headline.setStyleSheet("font-weight: bold;")
        self.headline.setWordWrap(True)
        self.test_button = QPushButton("Score a test file…")
        self.test_button.setToolTip("Score the trained network on your own labelled CSV file (the same "
                                    "columns as the training file, target included)")
        self.test_button.clicked.connect(self._choose_test_file)
        top = QHBoxLayout()
        top.addWidget(self.headline, 1)
        top.addWidget(self.test_button)
        lay.addLayout(top)
        #: the run's state (from the training side): when the figures above were taken. Always shown at
        #: a fixed height, so a new note never re-lays the panel (its plots resize only with the dock)
        self.note = QLabel("")
        self.note.setStyleSheet("color: #6b7280;")
        self.note.setFixedHeight(self.note.fontMetrics().height() + 2)
        self.note.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        lay.addWidget(self.note)
        self.tabs = QTabWidget()
        lay.addWidget(self.tabs, 1)

        cm_page = QWidget()
        v = QVBoxLayout(cm_page)
        v.setContentsMargins(2, 2, 2, 2)
        # beside the tabs, not above the tables: at 1280x800 the panel has ~250 px of height
        self.norm_box = QCheckBox("Normalize rows")
        self.norm_box.setToolTip("Show each row as fractions of the true class: the diagonal is the recall "
                                 "per true class")
        self.norm_box.toggled.connect(lambda _on: self._fill_cm())
        self.tabs.setCornerWidget(self.norm_box, Qt.Corner.TopRightCorner)
        self.tabs.currentChanged.connect(lambda i: self.norm_box.setVisible(i == 0))
        self.cm_table = report_table()
        self.cm_table.setToolTip("Rows: true class; columns: predicted class")
        self.prf_table = report_table()
        self.cm_report = ConfusionReport(self.cm_table, self.prf_table)
        v.addWidget(self.cm_report, 1)
        self.tabs.addTab(cm_page, "Confusion matrix")

        self.roc_widget = pg.PlotWidget()
        self.roc_plot = self.roc_widget.getPlotItem()
        style_plot(self.roc_widget)
        self.roc_plot.setLabel("bottom", "false positive rate")
        self.roc_plot.setLabel("left", "true positive rate")
        self.roc_plot.showGrid(x=True, y=True, alpha=0.25)
        self.roc_plot.setRange(xRange=(0, 1), yRange=(0, 1), padding=0.02)
        self.roc_plot.plot([0, 1], [0, 1], pen=pg.mkPen((160, 160, 160), style=Qt.DashLine))
        self.roc_curve = self.roc_plot.plot([], [], pen=pg.mkPen((8, 119, 189), width=2.5))
        self.roc_label = pg.TextItem("", color=(120, 120, 120), anchor=(1, 1))
        self.roc_label.setPos(0.98, 0.04)
        self.roc_plot.addItem(self.roc_label)
        self.roc_index = self.tabs.addTab(self.roc_widget, "ROC")

        self.reg_widget = pg.PlotWidget()
        self.reg_plot = self.reg_widget.getPlotItem()
        style_plot(self.reg_widget)
        self.reg_plot.setLabel("bottom", "true value")
        self.reg_plot.setLabel("left", "predicted value")
        self.reg_plot.showGrid(x=True, y=True, alpha=0.25)
        self.reg_diag = self.reg_plot.plot([], [], pen=pg.mkPen((160, 160, 160), style=Qt.DashLine))
        self.reg_scatter = pg.ScatterPlotItem(size=5, brush=pg.mkBrush(8, 119, 189, 150), pen=None)
        self.reg_plot.addItem(self.reg_scatter)
        self.reg_index = self.tabs.addTab(self.reg_widget, "Predicted vs true")

        gal = QWidget()
        gv = QVBoxLayout(gal)
        gv.setContentsMargins(2, 2, 2, 2)
        self.gallery_label = QLabel("Test digits, misclassified first (red frame). Hover for probabilities.")
        # wrapped: a hidden page still counts in the tabs' minimum width, and this long line kept the
        # bottom column 600 px wide after MNIST (the boundary lost its width)
        self.gallery_label.setWordWrap(True)
        gv.addWidget(self.gallery_label)
        self.gallery = QListWidget()
        self.gallery.setViewMode(QListView.IconMode)
        self.gallery.setIconSize(QSize(56, 56))
        self.gallery.setGridSize(QSize(74, 84))
        self.gallery.setResizeMode(QListView.Adjust)
        self.gallery.setMovement(QListView.Static)
        self.gallery.setUniformItemSizes(True)
        self.gallery.setToolTip("Click a digit to follow it through the network (Explain tab)")
        self.gallery.itemClicked.connect(self._digit_clicked)
        self._gallery_rows: tuple[np.ndarray, np.ndarray] | None = None
        gv.addWidget(self.gallery, 1)
        self.gallery_index = self.tabs.addTab(gal, "Digits")
        self._set_visible_tabs("binary", False)

    def set_task(self, task: str, images: bool) -> None:
        """A new data set: show only the tabs its task has (no ROC for multiclass, Digits only for
        images), before any result arrives."""
        self._set_visible_tabs(task, images)

    def _set_visible_tabs(self, task: str, images: bool) -> None:
        self.tabs.setTabVisible(0, task != "regression")
        self.tabs.setTabVisible(self.roc_index, task == "binary")
        self.tabs.setTabVisible(self.reg_index, task == "regression")
        self.tabs.setTabVisible(self.gallery_index, images)

    def set_note(self, text: str) -> None:
        """The line under the headline saying what state the run is in."""
        self.note.setText(text)
        self.note.setToolTip(text)

    def clear(self) -> None:
        """Forget the last result."""
        self.cm = None
        self.prf = None
        self.auc = None
        for table in (self.cm_table, self.prf_table):  # no empty numbered grid left from the last result
            table.clear()
            table.setRowCount(0)
            table.setColumnCount(0)
        self.cm_report.share(False)
        self.gallery.clear()
        self.roc_curve.setData([], [])
        self.roc_label.setText("")
        self.headline.setText("Train the network to evaluate it on the test split")

    # ------------------------------------------------------------------ your own test file
    def _choose_test_file(self) -> None:
        start = self._test_file_folder or str(user_folder())
        path, _ = QFileDialog.getOpenFileName(self, "Score a test file", start,
                                              "CSV files (*.csv *.txt *.tsv);;All files (*)")
        if path:
            self._test_file_folder = os.path.dirname(os.path.abspath(path))
            self.score_test_file(path)

    def score_test_file(self, path: str) -> bool:
        """Score a copy of the trained model on the labelled CSV ``path`` off the GUI thread.

        Returns False (and says why in the headline) when there is no trained model to score.
        """
        from core.datasets.labelled import read_labelled
        from core.evaluate import evaluate_rows
        from core.predict import TrainedNetwork
        from studio.background import run_in_background
        from studio.model_copy import snapshot_model

        found = self.source() if self.source is not None else None
        if not found or found[0] is None or found[1] is None:
            self.headline.setText("Train the network (or import weights) before scoring a test file")
            return False
        model, dataset = snapshot_model(found[0]), found[1]  # its weights, not the optimizer's state
        trained = TrainedNetwork(model, copy.deepcopy(dataset.preprocessing))
        self.test_button.setEnabled(False)
        self.headline.setText(f"Scoring {os.path.basename(path)}…")

        def work(_progress: Any) -> Any:
            return evaluate_rows(trained, read_labelled(path, trained.preprocessing), path)

        self._test_task = run_in_background(
            work, self._test_file_done, self._test_file_error, name="score", owner=self
        )
        return True

    def _test_file_done(self, ev: Any) -> None:
        self.test_button.setEnabled(True)
        self.set_result(ev.y_true, ev.outputs, ev.task, ev.class_names,
                        label=f"Test file {os.path.basename(ev.source)}")
        notes = []
        if ev.dropped_lines:
            notes.append(f"{len(ev.dropped_lines)} rows left out for missing values")
        if ev.imputed:
            notes.append(f"{ev.imputed} missing values filled")
        self.set_note("; ".join(notes))
        self.test_file_scored.emit(ev)

    def _test_file_error(self, message: str) -> None:
        self.test_button.setEnabled(True)
        self.headline.setText(f"Test file not scored: {message}")
        self.test_file_failed.emit(message)

    # ------------------------------------------------------------------ results
    def set_result(
        self,
        y_true: np.ndarray,
        probs: np.ndarray,
        task: str,
        class_names: list[str],
        x: np.ndarray | None = None,
        epoch: int | None = None,
        label: str = "Test",
    ) -> None:
        """Evaluate predictions ``probs`` (n, units) against ``y_true`` (n,) labels or (n, k) targets.

        ``label`` starts the headline ("Test" for the test split, "Test file NAME" for a scored file).
        """
        probs = np.asarray(probs, dtype=np.float64)
        y_true = np.asarray(y_true)
        images = x is not None and x.ndim == 2 and x.shape[1] == 784 and task != "regression"
        self._set_visible_tabs(task, images)
        when = f"{label} after epoch {epoch}" if epoch is not None else label
        if task == "regression":
            t = y_true.reshape(len(y_true), -1)[:, 0].astype(np.float64)
            p = probs.reshape(len(probs), -1)[:, 0]
            r2 = metrics.r2_score(t, p)
            self.headline.setText(
                f"{when}: MAE {metrics.mae(t, p):.4g}   RMSE {metrics.rmse(t, p):.4g}   "
                f"R² {r2:.4f}   ({len(t)} rows)"
            )
            self.reg_scatter.setData(t, p)
            lo, hi = float(min(t.min(), p.min())), float(max(t.max(), p.max()))
            self.reg_diag.setData([lo, hi], [lo, hi])
            self.tabs.setCurrentIndex(self.reg_index)
            return
        labels = (
            y_true.reshape(-1).astype(np.int64)
            if y_true.ndim == 1 or y_true.shape[1] == 1
            else np.argmax(y_true, axis=1)
        )
        k = max(len(class_names), probs.shape[1] if probs.shape[1] > 1 else 2, int(labels.max()) + 1)
        pred = np.argmax(probs, axis=1) if probs.shape[1] > 1 else (probs[:, 0] > 0.5).astype(np.int64)
        self.class_names = list(class_names) or [str(i) for i in range(k)]
        self.cm = metrics.confusion_matrix(labels, pred, k)
        self.prf = metrics.precision_recall_f1(labels, pred, k)
        acc = float(np.mean(pred == labels)) if len(labels) else 0.0
        text = (
            f"{when}: accuracy {100 * acc:.2f}%   macro F1 {self.prf.macro_f1:.3f}   ({len(labels)} rows)"
        )
        self.auc = None
        if task == "binary":
            score = probs[:, 0] if probs.shape[1] == 1 else probs[:, 1]
            try:
                fpr, tpr, _ = metrics.roc_curve(labels, score)
                self.auc = metrics.auc(fpr, tpr)
                self.roc_curve.setData(fpr, tpr)
                self.roc_label.setText(f"AUC = {self.auc:.3f}")
                text += f"   AUC {self.auc:.3f}"
            except ValueError as exc:
                self.roc_curve.setData([], [])
                self.roc_label.setText(str(exc))
        self.headline.setText(text)
        self._fill_cm()
        self._fill_prf()
        if images:
            self._fill_gallery(x, labels, pred, probs)

    def _names(self, k: int) -> list[str]:
        return self.class_names[:k] + [str(i) for i in range(len(self.class_names), k)]

    def _fill_cm(self) -> None:
        if self.cm is None:
            return
        k = self.cm.shape[0]
        fill_confusion_matrix(self.cm_table, self.cm, self._names(k), self.norm_box.isChecked())
        self.cm_report.share(many=k > 4)

    def _fill_prf(self) -> None:
        k = len(self.prf.precision)
        fill_class_scores(self.prf_table, self.prf, self._names(k))
        self.cm_report.share(many=k > 4)

    def _digit_clicked(self, item: QListWidgetItem) -> None:
        i = item.data(Qt.ItemDataRole.UserRole)
        if self._gallery_rows is not None and i is not None:
            x, labels = self._gallery_rows
            self.digit_clicked.emit(x[int(i)], int(labels[int(i)]), int(i))

    def _fill_gallery(self, x: np.ndarray, labels: np.ndarray, pred: np.ndarray, probs: np.ndarray) -> None:
        self.gallery.clear()
        self._gallery_rows = (x, labels)
        wrong = np.flatnonzero(pred != labels)
        right = np.flatnonzero(pred == labels)
        order = np.concatenate([wrong, right])[:GALLERY_SIZE]
        k = probs.shape[1]
        names = self._names(k)
        for i in order:
            bad = bool(pred[i] != labels[i])
            it = QListWidgetItem(
                QIcon(digit_image(x[i], wrong=bad)),
                f"{names[pred[i]]}" + (f" ({names[labels[i]]})" if bad else ""),
            )
            top = np.argsort(-probs[i])[:5]
            tip = "\n".join(f"{names[j]}: {100 * probs[i, j]:.1f}%" for j in top)
            it.setToolTip(f"test #{int(i)}  true {names[labels[i]]}, predicted {names[pred[i]]}\n{tip}")
            it.setData(Qt.ItemDataRole.UserRole, int(i))
            if bad:
                it.setForeground(QBrush(QColor(214, 39, 40)))
            self.gallery.addItem(it)
        self.gallery_label.setText(
            f"{len(wrong)} of {len(labels)} test digits misclassified (shown first, red). "
            "Hover a digit for the model's probabilities."
        )
