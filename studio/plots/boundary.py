"""Decision boundary view: model output over an input plane as an image, with the data points on top."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QImage, QPixmap, QTransform
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGraphicsItem,
    QGraphicsPixmapItem,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from core.probes import GridSpec
from studio.plots import colors
from studio.plots.boundary_plane import default_axes, plane_grid, slice_note
from studio.plots.boundary_points import PointLayer, cache_rendering, hide_when_empty
from studio.plots.color_scale import ColorScale
from studio.plots.native_paint import NativePaintPlotWidget
from studio.plots.style import cache_frame, plot_palette, style_plot
from studio.wheel_guard import ComboBox

#: What the plot says before the first model output.
EMPTY_MESSAGE = "Train to see the decision boundary"


class BoundaryView(QWidget):
    """Live decision boundary (≥100×100 grid). Classification: colours by class; regression: heatmap.

    Data comes in with ``set_data(...)``; model outputs over ``grid`` with ``set_output(out)`` where
    ``out`` is (res, res, units). Signals: ``grid_changed(GridSpec)`` when the plane changes,
    ``point_added(object features (f,), int label)`` when the user clicks to add a point,
    ``points_cleared()`` for the Clear button.
    """

    grid_changed = Signal(object)
    point_added = Signal(object, int)
    points_cleared = Signal()
    #: (x, y) in plane units: a left click outside "click to add points" mode (the Explain tab picks a sample)
    plane_clicked = Signal(float, float)

    def __init__(self, parent: QWidget | None = None, resolution: int = 100) -> None:
        super().__init__(parent)
        self.resolution = resolution
        self.task = "binary"
        self.grid: GridSpec | None = None
        self.last_output: np.ndarray | None = None
        self.value_range = (0.0, 1.0)
        #: regression: (min, max) of each target column, in target units; the first is ``value_range``
        self.value_ranges: list[tuple[float, float]] = [self.value_range]
        #: images set (``frames``) and images painted on screen (``painted_frames``) so far
        self.frames = 0
        self.painted_frames = 0
        self._rect_pending = True
        self._image_size = (0, 0)
        self._x_train = self._x_test = None
        self._y_train = self._y_test = None
        self.feature_names: list[str] = []
        self.class_names: list[str] = []

        lay = QVBoxLayout(self)
        lay.setContentsMargins(2, 2, 2, 2)
        bar = QHBoxLayout()
        self.test_box = QCheckBox("Test points")
        self.test_box.setToolTip("Also draw the test split (points with a dark ring in a light rim)")
        self.disc_box = QCheckBox("Discretize")
        self.disc_box.setToolTip(
            "Colour each region by its predicted class only, without probability shading"
        )
        self.x_combo = ComboBox()
        self.y_combo = ComboBox()
        self.x_combo.setToolTip("Feature on the horizontal axis")
        self.y_combo.setToolTip("Feature on the vertical axis")
        self.add_box = QCheckBox("Click to add points of class")
        self.add_box.setToolTip("Click in the plot to add a training point of the chosen class")
        self.class_combo = ComboBox()
        self.class_combo.setToolTip("Class of the points you click in")
        self.clear_btn = QPushButton("Clear added")
        self.clear_btn.setToolTip("Remove the points you added by clicking")
        self.x_label, self.y_label = QLabel("x:"), QLabel("y:")
        for w in (self.test_box, self.disc_box):
            bar.addWidget(w)
        bar.addStretch(1)
        #: the epoch whose output the image shows (the toolbar and the curves show the same one)
        self.shown_epoch: int | None = None
        self.epoch_label = QLabel("")
        self.epoch_label.setToolTip("The epoch after which the network gave this picture")
        widest = self.epoch_label.fontMetrics().horizontalAdvance("epoch 8888888")
        # rewritten every frame: a fixed size keeps the new text from relayouting the dock
        self.epoch_label.setFixedSize(widest + 6, self.epoch_label.sizeHint().height())
        self.epoch_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        bar.addWidget(self.epoch_label)
        lay.addLayout(bar)
        self.option_bar = bar  # others add their buttons at its right end (the Record toggle)
        # second row: the axis pickers (> 2 features) or click-to-add (exactly 2), never both, so
        # neither row has to squeeze the check boxes or the feature names
        bar2 = QHBoxLayout()
        for combo in (self.x_combo, self.y_combo):
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(6)
            combo.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        for w in (self.x_label, self.x_combo, self.y_label, self.y_combo):
            bar2.addWidget(w, 1 if isinstance(w, QComboBox) else 0)
        for w in (self.add_box, self.class_combo, self.clear_btn):
            bar2.addWidget(w)
        bar2.addStretch(0)
        lay.addLayout(bar2)
        self.slice_label = QLabel("")
        self.slice_label.setStyleSheet("color: #666; font-size: 11px;")
        self.slice_label.setWordWrap(True)
        lay.addWidget(self.slice_label)
        self.paused_label = QLabel("")  # the pictures cannot be drawn (the picture process stopped)
        self.paused_label.setStyleSheet("color: #b35900; font-size: 11px;")
        self.paused_label.setWordWrap(True)
        self.paused_label.setVisible(False)
        lay.addWidget(self.paused_label)

        self.plot_widget = NativePaintPlotWidget()
        self._painted_image = 0
        self.plot_widget.on_paint = self._count_painted
        self.plot = self.plot_widget.getPlotItem()
        style_plot(self.plot_widget)
        self.plot.setAspectLocked(False)
        self.plot.showGrid(x=False, y=False)
        self.plot.setMenuEnabled(False)
        # the image is a native pixmap item (drawn by C++ without the GIL), placed by a transform
        self.image = QGraphicsPixmapItem()
        self.image.setZValue(-20)
        self.image.setTransformationMode(Qt.TransformationMode.FastTransformation)
        self.plot.addItem(self.image, ignoreBounds=True)
        self._rgba: np.ndarray | None = None
        self.points = PointLayer(self.plot)
        cache_frame(self.plot)
        pal = plot_palette()  # a legend-like plate keeps the message readable over the data points
        self.empty_text = pg.TextItem(
            EMPTY_MESSAGE, color=pal["foreground"], anchor=(0.5, 0.5), fill=pg.mkBrush(*pal["legend"])
        )
        self.plot.addItem(self.empty_text)
        lay.addWidget(self.plot_widget, 1)
        self.color_scale = ColorScale()
        lay.addWidget(self.color_scale)
        lay.addStretch(0)  # a tall dock keeps the plot square: the spare height goes below the key
        self.setMinimumSize(260, 300)

        for w in (self.x_label, self.x_combo, self.y_label, self.y_combo, self.add_box, self.class_combo,
                  self.clear_btn, self.slice_label, self.color_scale):
            w.setVisible(False)  # until data arrive (set_data shows what the data need)
        self.test_box.toggled.connect(self.points.show_test)
        self.disc_box.toggled.connect(lambda _on: self._render())
        self.x_combo.currentIndexChanged.connect(self._axes_changed)
        self.y_combo.currentIndexChanged.connect(self._axes_changed)
        self.clear_btn.clicked.connect(self._clear_added)
        self.plot.scene().sigMouseClicked.connect(self._clicked)

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._fit_square()

    def _fit_square(self) -> None:
        """With equal axis units the plot is no taller than wide (no empty bands above and below)."""
        locked = bool(self.plot.getViewBox().state["aspectLocked"])
        self.plot_widget.setMaximumHeight(max(self.plot_widget.width(), 200) if locked else 16777215)

    # ---- data ----------------------------------------------------------------------------
    def set_data(
        self,
        x_train: np.ndarray,
        y_train: np.ndarray,
        x_test: np.ndarray,
        y_test: np.ndarray,
        task: str,
        feature_names: list[str],
        class_names: list[str],
    ) -> None:
        """Show a dataset. ``y_*``: class indices (n,) or regression targets (n,) / (n, k) (first used)."""
        self._x_train, self._x_test = np.asarray(x_train), np.asarray(x_test)
        self._y_train = colors.point_labels(y_train, task)
        self._y_test = colors.point_labels(y_test, task)
        self.task = task
        self.feature_names = list(feature_names) or [f"x{i + 1}" for i in range(self._x_train.shape[1])]
        self.class_names = list(class_names)
        if task == "regression":
            self.value_ranges = colors.target_ranges(y_train, y_test)
            self.value_range = self.value_ranges[0]
        defaults = default_axes(self.feature_names)
        for combo, default in ((self.x_combo, defaults[0]), (self.y_combo, defaults[1])):
            combo.blockSignals(True)
            combo.clear()
            combo.addItems(self.feature_names)
            combo.setCurrentIndex(min(default, len(self.feature_names) - 1))
            combo.blockSignals(False)
        many = len(self.feature_names) > 2
        for w in (self.x_combo, self.y_combo, self.x_label, self.y_label):
            w.setVisible(many)
        self.class_combo.clear()
        self.class_combo.addItems(self.class_names)
        can_add = task != "regression" and len(self.feature_names) == 2
        for w in (self.add_box, self.class_combo, self.clear_btn):
            w.setVisible(can_add)
        self.points.clear_added()
        self._show_scale()
        self.clear_output()
        self._axes_changed()

    def set_paused_note(self, note: str | None) -> None:
        """Say above the plot why the picture stopped changing (None: it is live)."""
        if note != (self.paused_label.text() or None):
            self.paused_label.setText(note or "")
            self.paused_label.setVisible(bool(note))

    def _show_scale(self) -> None:
        """The colour key for this task: P(class 1), the class colours or the value range."""
        names = self.class_names
        if self.task == "regression":
            self.color_scale.set_values(*self.value_range)
        elif self.task == "binary" or len(names) <= 2:
            self.color_scale.set_binary(names[1] if len(names) > 1 else "", names[0] if names else "")
        else:
            self.color_scale.set_classes(names)
        self.color_scale.setVisible(True)

    def clear_output(self, message: str = EMPTY_MESSAGE) -> None:
        """No model output to show (e.g. the network does not build): drop the image, say ``message``."""
        self.last_output = None
        self.shown_epoch = None
        self.epoch_label.setText("")
        self._rgba = None
        self.image.setPixmap(QPixmap())
        self.empty_text.setText(message)
        self.empty_text.setVisible(True)

    def clear_data(self, message: str = "No data loaded") -> None:
        """No data set (it failed to load): drop the points, the image and the grid, say ``message``."""
        self.clear_output(message)
        self._x_train = self._x_test = None
        self._y_train = self._y_test = None
        self.grid = None
        self.points.clear()
        self.slice_label.setVisible(False)
        self.color_scale.setVisible(False)
        for w in (self.x_label, self.x_combo, self.y_label, self.y_combo, self.add_box, self.class_combo,
                  self.clear_btn):
            w.setVisible(False)
        self.plot.setRange(xRange=(-1, 1), yRange=(-1, 1), padding=0)
        self.empty_text.setPos(0, 0)

    def axes(self) -> tuple[int, int]:
        """Indices of the features on the x and y axes."""
        return max(self.x_combo.currentIndex(), 0), max(self.y_combo.currentIndex(), 0)

    def _axes_changed(self, *_a) -> None:
        if self._x_train is None:
            return
        ax = self.axes() if self._x_train.shape[1] > 1 else (0, 0)
        spec, square, chosen = plane_grid(
            self._x_train, self._x_test, self.feature_names, ax, self.resolution
        )
        x0, x1, y0, y1 = spec.extent
        self.grid = spec
        self._rect_pending = True
        self.plot.setAspectLocked(square, 1.0)
        self._fit_square()
        self.plot.setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0)
        self.plot.setLabel("bottom", self.feature_names[ax[0]])
        self.plot.setLabel("left", self.feature_names[ax[1]])
        self.empty_text.setPos((x0 + x1) / 2, (y0 + y1) / 2)
        if spec.is_slice:
            self.slice_label.setText(slice_note(self._x_train, self.feature_names, spec, chosen))
        self.slice_label.setVisible(spec.is_slice)
        self.points.draw(self._x_train, self._y_train, self._x_test, self._y_test, spec.axes, self.task,
                         self.value_range)
        self.last_output = None
        self.grid_changed.emit(spec)

    # ---- model output --------------------------------------------------------------------
    def set_output(self, out: np.ndarray, epoch: int | None = None) -> None:
        """Redraw the image from the model output grid ``out`` (res, res, units) float, the output
        after ``epoch`` epochs of training (None: not from a run, e.g. fresh or imported weights)."""
        self.last_output = out
        self.shown_epoch = epoch
        self.epoch_label.setText("" if epoch is None else f"epoch {epoch}")
        self._render()

    def _render(self) -> None:
        if self.last_output is None:
            return
        rgba = np.ascontiguousarray(
            colors.output_rgba(self.last_output, self.task, self.disc_box.isChecked(), self.value_range)
        )
        h, w = rgba.shape[:2]
        if (self._rgba is not None and self._rgba.shape == rgba.shape and np.array_equal(self._rgba, rgba)
                and not self._rect_pending):
            return  # nothing visible changed (a paused or settled run): no new pixmap, no repaint
        # row 0 is the bottom of the plane, as the view's y axis points up; convertToFormat copies
        img = QImage(rgba.data, w, h, 4 * w, QImage.Format.Format_RGBX8888)
        self.image.setPixmap(QPixmap.fromImage(img.convertToFormat(QImage.Format.Format_RGB32)))
        self._rgba = rgba
        if (self._rect_pending or self._image_size != (w, h)) and self.grid is not None:
            x0, x1, y0, y1 = self.grid.extent
            self.image.setTransform(QTransform.fromScale((x1 - x0) / w, (y1 - y0) / h))
            self.image.setPos(x0, y0)
            self._rect_pending = False
            self._image_size = (w, h)
        self.empty_text.setVisible(False)
        self.frames += 1

    def output_neuron_rgba(self, grid: np.ndarray) -> np.ndarray:
        """The output neurons' pictures (units, H, W), every unit of the output, in this view's colours
        -> (units, H, W, 4) uint8: the Output card shows thumbnails of the boundary
        (:func:`colors.output_unit_rgba`)."""
        return colors.output_unit_rgba(grid, self.task, self.value_ranges, self.disc_box.isChecked())

    def _count_painted(self) -> None:
        if self._painted_image != self.frames:
            self._painted_image = self.frames
            self.painted_frames += 1

    def add_overlay(self, item: QGraphicsItem) -> None:
        """Draw ``item`` (e.g. a marker) over the plane, its rendering kept as a pixmap like the data
        points': the image changing under it every frame does not call its Python ``paint``."""
        self.plot.addItem(item)
        cache_rendering(item)
        if isinstance(item, pg.ScatterPlotItem):
            hide_when_empty(item)

    def image_array(self) -> np.ndarray | None:
        """The RGBA image currently shown (res, res, 4) uint8, or None."""
        return self._rgba

    # ---- editing -------------------------------------------------------------------------
    def _clicked(self, ev) -> None:
        if self.grid is None or ev.button() != Qt.LeftButton:
            return
        vb = self.plot.getViewBox()
        pt = vb.mapSceneToView(ev.scenePos())
        if self.add_box.isChecked() and self.add_box.isVisible():
            self.add_point_at(pt.x(), pt.y(), max(self.class_combo.currentIndex(), 0))
        else:
            self.plane_clicked.emit(float(pt.x()), float(pt.y()))
        ev.accept()

    def add_point_at(self, x: float, y: float, label: int) -> None:
        """Add a training point at plane coordinates (x, y) with class ``label`` (same path as a click)."""
        if self.grid is None:
            return
        x0, x1, y0, y1 = self.grid.extent
        if not (x0 <= x <= x1 and y0 <= y <= y1):
            return
        feat = self.grid.base.astype(np.float32).copy()
        feat[self.grid.axes[0]] = x
        feat[self.grid.axes[1]] = y
        self.points.add(feat, int(label), self.grid.axes)
        self.point_added.emit(feat, int(label))

    def _clear_added(self) -> None:
        self.points.clear_added()
        self.points_cleared.emit()

