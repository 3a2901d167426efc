"""Previous runs on the loss and metric plots: faded curves, each run its own line style, and the
Runs menu that shows, hides or clears them."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu

from studio.plots.run_series import RunSeries

MAX_PREVIOUS_RUNS = 3
#: Line styles of the faded previous runs (oldest first), so runs differ by more than their opacity.
RUN_STYLES = (Qt.DotLine, Qt.DashDotLine, Qt.DashLine)

#: Where one series of a run is drawn: (plot, series key or None, colour, legend name or None).
Target = tuple[pg.PlotItem, str | None, tuple[int, int, int], str | None]


def add_faded_run(run: RunSeries, index: int, count: int,
                  targets: Sequence[Target]) -> list[tuple[pg.PlotItem, pg.PlotDataItem]]:
    """Draw the ``index``-th of ``count`` previous runs (oldest first) behind the current curves;
    returns the (plot, item) pairs added."""
    alpha = 90 + 30 * index
    style = RUN_STYLES[(index - count) % len(RUN_STYLES)]  # the newest run is always dashed
    added = []
    for plot, key, color, name in targets:
        data = run.series(key) if key else None
        if data is None:
            continue
        it = pg.PlotDataItem(
            data[:, 0].copy(),
            data[:, 1].copy(),
            pen=pg.mkPen((*color, alpha), width=1.5, style=style),
            name=name,
        )
        it.setZValue(-10)
        plot.addItem(it)
        added.append((plot, it))
    return added


def fill_runs_menu(menu: QMenu, runs: Sequence[RunSeries], comparable: Callable[[RunSeries], bool],
                   set_visible: Callable[[RunSeries, bool], None],
                   clear: Callable[[], None]) -> tuple[list[QAction], QAction]:
    """One checkable entry per run (newest first; a run on other data or metric disabled), then
    "Clear runs"; returns the run entries and the clear entry."""
    menu.clear()
    actions = []
    for run in reversed(runs):
        ok = comparable(run)
        act = menu.addAction(run.label if ok else f"{run.label} — other data or metric, hidden")
        act.setCheckable(True)
        act.setChecked(run.visible and ok)
        act.setEnabled(ok)
        act.toggled.connect(lambda on, r=run: set_visible(r, on))
        actions.append(act)
    menu.addSeparator()
    clear_action = menu.addAction("Clear runs")
    clear_action.setToolTip("Forget the faded curves of previous runs")
    clear_action.triggered.connect(clear)
    return actions, clear_action
