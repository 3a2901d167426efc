"""Loss and metric curves: per-epoch train/validation, a smoothed per-step loss, faded previous runs."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QGraphicsItem,
    QHBoxLayout,
    QLabel,
    QMenu,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from studio.plots.curve_ranges import ValueBounds, YRange
from studio.plots.epoch_axis import EpochAxis
from studio.plots.legend import add_legend, place_legend
from studio.plots.live_curve import LiveCurve
from studio.plots.native_paint import NativePaintLayoutWidget
from studio.plots.previous_runs import MAX_PREVIOUS_RUNS, add_faded_run, fill_runs_menu
from studio.plots.redraw import Throttle
from studio.plots.run_series import RunSeries
from studio.plots.style import SpacedAxis, cache_frame, plot_palette, style_plot

TRAIN_COLOR = (8, 119, 189)
VAL_COLOR = (245, 147, 34)
STEP_COLOR = (120, 160, 200)
#: Minimum seconds between two redraws of the curves while training (8 per second; a pause or the end
#: of a run redraws them at once, so they then show the epoch the toolbar and the boundary show). Every
#: redraw costs the training thread ~1 ms of handlers plus the plot's Python bounds calls beside it:
#: at the boundary's 32 frames per second the curves took 6-8 % of the spiral's training speed.
REDRAW_INTERVAL_S = 0.125

#: Metric shown in the second plot, in order of preference.
METRIC_KEYS = ("accuracy", "r2", "mae", "rmse")


def _curve(
    plot: pg.PlotItem,
    color,
    width: float = 2.0,
    style=Qt.SolidLine,
    name: str | None = None,
    alpha: int = 255,
) -> pg.PlotDataItem:
    item = plot.plot([], [], pen=pg.mkPen((*color, alpha), width=width, style=style), name=name)
    item.setSkipFiniteCheck(False)  # thinned (LiveCurve): no downsampling or clipping needed
    return item


class LossCurves(QWidget):
    """Two stacked plots: loss (train/val per epoch + smoothed per-step) and the main metric.

    Feed it with ``add_snapshot(step_losses, epoch_logs, batches_per_epoch)``; ``new_run()`` fades the
    current run into the previous-runs set.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runs: list[RunSeries] = []
        self.current = RunSeries()
        self.metric_key: str | None = None
        #: the last epoch the drawn curves reach (0 before any)
        self.shown_epoch = 0
        lay = QVBoxLayout(self)
        lay.setContentsMargins(2, 2, 2, 2)
        bar = QHBoxLayout()
        self.log_box = QCheckBox("Log scale")
        self.log_box.setToolTip("Show the loss on a logarithmic axis")
        self.prev_box = QCheckBox("Previous runs")
        self.prev_box.setChecked(True)
        self.prev_box.setToolTip("Show the last runs as faded curves to compare settings")
        self.runs_btn = QToolButton()
        self.runs_btn.setText("Runs")
        self.runs_btn.setToolTip(
            "Pick which previous runs are drawn (each labelled with its settings), or clear them"
        )
        self.runs_btn.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.runs_menu = QMenu(self.runs_btn)
        self.runs_btn.setMenu(self.runs_menu)
        self.runs_btn.setEnabled(False)
        self.status = QLabel("")
        bar.addWidget(self.log_box)
        bar.addWidget(self.prev_box)
        bar.addWidget(self.runs_btn)
        bar.addStretch(1)
        bar.addWidget(self.status)
        # rewritten at every redraw while training: a fixed size keeps it from relayouting the docks;
        # two lines keep the bottom area narrow enough for the canvas column of a 1100 px window
        fm = self.status.fontMetrics()
        widest = fm.horizontalAdvance("epoch 888888  loss 8.888e-08")
        self.status.setFixedSize(widest + 10, 2 * fm.height() + 2)
        self.status.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        lay.addLayout(bar)
        self.glw = NativePaintLayoutWidget()
        lay.addWidget(self.glw, 1)
        # two short plots: their value labels are thinned so that they never overlap
        self.loss_plot = self.glw.addPlot(row=0, col=0, axisItems={"left": SpacedAxis("left")})
        self.metric_plot = self.glw.addPlot(row=1, col=0, axisItems={"left": SpacedAxis("left")})
        self.metric_plot.setXLink(self.loss_plot)
        for plot in (self.loss_plot, self.metric_plot):
            plot.getAxis("left").setWidth(48)  # equal widths: the linked epoch axes line up point for point
        self.epoch_axis = EpochAxis(self.loss_plot)
        self._run_counter = 0  # numbers the faded runs (#1, #2, ...) since the last Clear
        self._data_key = ""
        self._y_range = {p: YRange(p) for p in (self.loss_plot, self.metric_plot)}
        self._bounds = ValueBounds()
        # legends start where the curves usually are not: loss falls (top right), accuracy rises (bottom
        # right); then they move to the corner the curves leave free (_place_legends)
        self._legend_at = {self.loss_plot: (1, 0), self.metric_plot: (1, 1)}
        for p, title in ((self.loss_plot, "Loss"), (self.metric_plot, "Metric")):
            p.showGrid(x=False, y=False)  # pyqtgraph grids cost ~20 ms per repaint
            p.setLabel("left", title)
            p.getAxis("left").enableAutoSIPrefix(False)
            add_legend(p, self._legend_at[p], labelTextSize="8pt", colCount=3, brush=plot_palette()["legend"])
        self.metric_plot.setLabel("bottom", "epoch")
        style_plot(self.glw, [self.loss_plot, self.metric_plot])
        for plot in (self.loss_plot, self.metric_plot):
            cache_frame(plot)  # redrawn with every training frame
        self.prev_items: list[tuple[pg.PlotItem, pg.PlotDataItem]] = []
        self.step_item = _curve(self.loss_plot, STEP_COLOR, 1.0, name="loss (per step, smoothed)", alpha=170)
        self.loss_item = _curve(self.loss_plot, TRAIN_COLOR, 2.2, name="loss")
        self.val_loss_item = _curve(self.loss_plot, VAL_COLOR, 2.2, name="val_loss")
        self.metric_item = _curve(self.metric_plot, TRAIN_COLOR, 2.2, name="train")
        self.val_metric_item = _curve(self.metric_plot, VAL_COLOR, 2.2, name="validation")
        #: True when the last redraw settled a curve (redrew its body in full)
        self.settled = False
        plots = (self.loss_plot,) * 3 + (self.metric_plot,) * 2
        items = (self.step_item, self.loss_item, self.val_loss_item, self.metric_item, self.val_metric_item)
        #: the current run's curves, redrawn at the cost of their newest points
        self.live = [LiveCurve(p, it) for p, it in zip(plots, items, strict=True)]
        for p in (self.loss_plot, self.metric_plot):
            p.legend.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)  # repainted with the heads
        self.redraw = Throttle(self._update_current, REDRAW_INTERVAL_S, self)
        self.redraw.final = lambda: self._update_current(settle=True)
        self.log_box.toggled.connect(self._set_log)
        self.prev_box.toggled.connect(self._redraw_previous)
        self.run_actions: list = []  # QActions of the Runs menu, newest run first
        self._rebuild_runs_menu()

    # ---- data ----------------------------------------------------------------------------
    def add_snapshot(
        self,
        step_losses: np.ndarray,
        epoch_logs: list[tuple[int, dict[str, float]]],
        batches_per_epoch: int,
        epochs: int | None = None,
    ) -> None:
        """Append one snapshot's per-step losses (k, 2) and epoch logs, then update the items.

        ``epochs``: the run's epoch budget when known; the epoch axis then spans it from the start.
        """
        run = self.current
        if epochs is not None and epochs > 0:
            self.epoch_axis.budget = int(epochs)
        if step_losses is not None and np.asarray(step_losses).size or epoch_logs:
            self.epoch_axis.fit = False  # training goes on: the axis follows the budget (or grows) again
        run.add_steps(np.asarray(step_losses).reshape(-1, 2), batches_per_epoch)
        if epoch_logs:
            run.add_epochs(epoch_logs)
        self.redraw.request()

    def set_run_label(self, label: str) -> None:
        """Describe the current run (settings at its start); kept when it becomes a previous run."""
        self.current.label = label

    def set_data_key(self, key: str) -> None:
        """Name the data set the current and next runs train on (e.g. ``"toy:circle:binary"``).

        Previous runs are drawn only when they are comparable: same data set and same metric.
        """
        self._data_key = key
        if not (self.current.steps.n or self.current.epochs):
            self.current.data_key = key
        self._redraw_previous()

    def comparable(self, run: RunSeries) -> bool:
        """True when ``run`` trained on the current data set with the current metric."""
        if run.data_key != self.current.data_key:
            return False
        mine = self._pick_metric(self.current)
        return mine is None or self._pick_metric(run) == mine

    def new_run(self, label: str = "") -> None:
        """Fade the current run (if it has data) into the previous runs and start an empty one.

        ``label`` names the faded run unless :meth:`set_run_label` already did.
        """
        if self.current.steps.n or self.current.epochs:
            self._run_counter += 1
            text = self.current.label or label or "run"
            self.current.label = f"#{self._run_counter} {text}"
            self.runs.append(self.current)
            self.runs = self.runs[-MAX_PREVIOUS_RUNS:]
        self.current = RunSeries()
        self.current.data_key = self._data_key
        for live in self.live:
            live.reset()
        self.epoch_axis.reset()
        self._reset_y_ranges()
        self.redraw.flush()
        self._redraw_previous()

    def clear_previous(self) -> None:
        """Drop every faded previous run."""
        self.runs.clear()
        self._run_counter = 0
        self._redraw_previous()

    # ---- drawing -------------------------------------------------------------------------
    def _pick_metric(self, run: RunSeries) -> str | None:
        for k in METRIC_KEYS:
            if k in run.epochs:
                return k
        return None

    def _update_current(self, settle: bool = False) -> None:
        """Draw the current run (``settle``: each curve as one item, e.g. at a pause)."""
        run = self.current
        step, loss, val_loss, metric, val_metric = self.live
        settled = [step.set(run.steps.view() if run.steps.n else None, settle),
                   loss.set(run.series("loss"), settle), val_loss.set(run.series("val_loss"), settle)]
        key = self._pick_metric(run)
        if key and key != self.metric_key:
            self.metric_key = key
            self.metric_plot.setLabel("left", key)
            metric.reset()
            val_metric.reset()
        settled += [metric.set(run.series(key) if key else None, settle),
                    val_metric.set(run.series(f"val_{key}") if key else None, settle)]
        self.settled = any(settled)
        self._update_x_span()
        self._update_y_ranges()
        if self.settled:
            self._place_legends()
        last = run.series("loss")
        self.shown_epoch = int(last[-1, 0]) if last is not None else 0
        if last is not None:
            txt = f"epoch {self.shown_epoch}  loss {last[-1, 1]:.4g}"
            val = run.series("val_loss")
            if val is not None:
                txt += f"\nval_loss {val[-1, 1]:.4g}"
            self.status.setText(txt)
        else:
            self.status.setText("")

    def _update_y_ranges(self) -> None:
        """Fit each plot's y range to the current and the shown previous runs (see curve_ranges)."""
        key = self.metric_key
        runs = [self.current] + self._shown_runs()
        for plot, keys in ((self.loss_plot, ["loss", "val_loss"]),
                           (self.metric_plot, [key, f"val_{key}"] if key else [])):
            bufs = [b for run in runs for k in keys if (b := run.epochs.get(k)) is not None]
            if plot is self.loss_plot:
                bufs.append(self.current.steps)
            log = plot is self.loss_plot and self.log_box.isChecked()
            extent = self._bounds.extent(bufs, log)
            if extent is None:
                continue
            lo, hi = extent
            if plot is self.metric_plot and key == "r2":
                lo = max(lo, -1.0)  # R² of an untrained net can be -50: keep the useful range readable
                hi = max(hi, lo + 0.1)
            self._y_range[plot].fit(lo, hi)

    def _reset_y_ranges(self) -> None:
        for r in self._y_range.values():
            r.reset()

    def set_budget(self, epochs: int | None) -> None:
        """The next run's epoch budget: before any data the epoch axis already spans 0..epochs."""
        self.epoch_axis.show_budget(epochs, bool(self.current.steps.n), self._data_x_max())

    def _shown_runs(self) -> list[RunSeries]:
        """Previous runs currently drawn (the master checkbox and each run's own toggle)."""
        if not self.prev_box.isChecked():
            return []
        return [r for r in self.runs if r.visible and self.comparable(r)]

    def _rebuild_runs_menu(self) -> None:
        """One checkable entry per previous run (newest first), then "Clear runs"."""
        actions, self.clear_action = fill_runs_menu(
            self.runs_menu, self.runs, self.comparable, self.set_run_visible, self.clear_previous)
        self.run_actions[:] = actions
        self.runs_btn.setEnabled(bool(self.runs) and self.prev_box.isChecked())

    def set_run_visible(self, run: RunSeries, visible: bool) -> None:
        """Show or hide one previous run's faded curves."""
        if run.visible != visible:
            run.visible = visible
            self._redraw_previous()

    def fit_x_to_data(self) -> None:
        """The run finished (or paused without a budget): the epoch axis ends where the data end."""
        self.epoch_axis.fit = True
        self._update_x_span()

    def _data_x_max(self) -> float:
        run = self.current
        ends = [float(run.steps.view()[-1, 0])] if run.steps.n else []
        loss = run.series("loss")
        if loss is not None:
            ends.append(float(loss[-1, 0]))
        for prev in self._shown_runs():
            loss = prev.series("loss")
            if loss is not None:
                ends.append(float(loss[-1, 0]))
        return max(ends, default=0.0)

    def _update_x_span(self) -> None:
        """Let the epoch axis follow the drawn data (:class:`studio.plots.epoch_axis.EpochAxis`)."""
        self.epoch_axis.update(self._data_x_max())

    def _redraw_previous(self) -> None:
        for plot, it in self.prev_items:
            plot.removeItem(it)
        self.prev_items.clear()
        self._rebuild_runs_menu()
        self._name_metric_axis()
        if not self.prev_box.isChecked():
            self.epoch_axis.span = 0.0
            self._reset_y_ranges()
            self._update_x_span()
            self._update_y_ranges()
            return
        n = len(self.runs)
        shown = self._shown_runs()
        for i, run in enumerate(self.runs):
            if run not in shown:
                continue
            mkey = self._pick_metric(run)
            self.prev_items += add_faded_run(run, i, n, (
                (self.loss_plot, "loss", TRAIN_COLOR, run.label),  # one legend entry per run
                (self.loss_plot, "val_loss", VAL_COLOR, None),
                (self.metric_plot, mkey, TRAIN_COLOR, None),
                (self.metric_plot, f"val_{mkey}" if mkey else None, VAL_COLOR, None),
            ))
        if self.log_box.isChecked():
            self._set_log(True)
        self._update_x_span()
        self._reset_y_ranges()
        self._update_y_ranges()
        self._place_legends()

    def _name_metric_axis(self) -> None:
        """Until the current run logs a metric, name the axis after the previous runs drawn on it, or
        "Metric" (a regression project's empty plot said "accuracy", left from a classification run)."""
        if self._pick_metric(self.current) is not None:
            return
        drawn = self._shown_runs() if self.prev_box.isChecked() else []
        key = next((k for k in map(self._pick_metric, drawn) if k), None)
        if key != self.metric_key:
            self.metric_key = key
            self.metric_plot.setLabel("left", key or "Metric")

    def _set_log(self, on: bool) -> None:
        self.loss_plot.setLogMode(x=False, y=bool(on))
        for live in self.live:
            live.reset()
        self._y_range[self.loss_plot].reset()
        self._update_y_ranges()
        self._place_legends()

    def _place_legends(self) -> None:
        """Move each legend to the corner the drawn curves cross least (:mod:`studio.plots.legend`)."""
        runs = [self.current] + self._shown_runs()
        key = self.metric_key
        log = self.log_box.isChecked()
        for plot, keys in ((self.loss_plot, ("loss", "val_loss")),
                           (self.metric_plot, (key, f"val_{key}") if key else ())):
            curves = [s for run in runs for k in keys if (s := run.series(k)) is not None]
            if plot is self.loss_plot and self.current.steps.n:
                steps = self.current.steps.view()
                curves.append(steps[:: max(1, len(steps) // 2000)])
            if log and plot is self.loss_plot:
                with np.errstate(divide="ignore", invalid="ignore"):
                    curves = [np.column_stack([c[:, 0], np.log10(c[:, 1])]) for c in curves]
            self._legend_at[plot] = place_legend(plot, curves, self._legend_at[plot])
