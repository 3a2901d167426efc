"""Window layout (issue 12.6): the decision boundary is the big plot, every heatmap has a colour key."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QToolBar, QToolButton

from studio.main_window import CANVAS_MIN_WIDTH, INSPECTOR_WIDTH, LAYOUT_VERSION
from studio.plots.boundary import BoundaryView


def test_boundary_is_the_largest_plot_at_1440x900(studio_window, qtbot) -> None:
    w = studio_window
    w.resize(1440, 900)
    w.size_docks()
    tc = w.training
    plot = tc.boundary.plot_widget
    dock = tc.boundary_dock
    # the docks take their sizes in the next layout pass, then the plot squares itself in the one after
    qtbot.waitUntil(lambda: plot.width() >= 450 and abs(plot.width() - plot.height()) <= 8, timeout=3000)
    assert dock.isVisible()
    assert dock.width() * dock.height() >= 1440 * 900 / 4
    assert plot.width() >= 450 and abs(plot.width() - plot.height()) <= 8  # square: equal units
    assert plot.width() * plot.height() > tc.curves.width() * tc.curves.height()
    # the canvas and the Inspector (with every tab visible) still fit beside it
    assert w.canvas.width() >= 520 and w.side_tabs.width() >= INSPECTOR_WIDTH
    bar = w.side_tabs.tabBar()
    assert sum(bar.tabRect(i).width() for i in range(bar.count())) <= w.side_tabs.width()
    assert w.canvas.zoom() >= 0.8  # the cards stay readable (a wide network scrolls)


def test_image_data_puts_evaluation_in_the_big_place(studio_window, qtbot) -> None:
    from PySide6.QtCore import Qt

    w = studio_window
    tc = w.training
    right = Qt.DockWidgetArea.RightDockWidgetArea
    tc.views._place_big_plot(False)
    assert w.dockWidgetArea(tc.eval_dock) == right and not tc.boundary_dock.isVisibleTo(w)
    tc.views._place_big_plot(True)
    assert w.dockWidgetArea(tc.eval_dock) == Qt.DockWidgetArea.BottomDockWidgetArea
    assert tc.boundary_dock.isVisibleTo(w)


def test_columns_are_shared_again_after_image_data_and_back(studio_window, qtbot) -> None:
    """Found under Xvfb: MNIST then a toy template left the boundary 50 px narrower and the Inspector
    squeezed into tab scroll arrows: the hidden Digits page's one-line note held the bottom column at
    600 px."""
    w = studio_window
    w.resize(1440, 900)
    w.size_docks()
    qtbot.wait(50)
    tc = w.training
    before = (w.side_tabs.width(), tc.boundary_dock.width(), w.canvas.width())
    tc.evaluation.set_task("multiclass", True)
    tc.views._place_big_plot(False)
    tc.evaluation.gallery_label.setText("412 of 10000 test digits misclassified (shown first, red). "
                                        "Hover a digit for the model's probabilities.")
    qtbot.wait(50)
    tc.evaluation.set_task("binary", False)
    tc.views._place_big_plot(True)
    qtbot.wait(50)
    assert tc.eval_dock.minimumSizeHint().width() <= CANVAS_MIN_WIDTH
    bar = w.side_tabs.tabBar()
    assert sum(bar.tabRect(i).width() for i in range(bar.count())) <= w.side_tabs.width()
    assert (w.side_tabs.width(), tc.boundary_dock.width(), w.canvas.width()) == before


def test_saved_layouts_of_the_old_arrangement_are_ignored(studio_window) -> None:
    w = studio_window
    old = w.saveState(LAYOUT_VERSION - 1)
    assert LAYOUT_VERSION >= 2 and not w.restoreState(old, LAYOUT_VERSION)


def _view(qtbot, task: str, classes: list[str], y: np.ndarray) -> BoundaryView:
    view = BoundaryView()
    qtbot.addWidget(view)
    x = np.random.default_rng(0).normal(size=(len(y), 2)).astype(np.float32)
    view.set_data(x, y, x[:5], y[:5], task, ["x1", "x2"], classes)
    return view


def test_colour_key_for_each_task(qtbot) -> None:
    binary = _view(qtbot, "binary", ["outside", "inside"], np.array([0, 1] * 10))
    assert binary.color_scale.kind == "binary"
    assert binary.color_scale.title == "Probability of class 1 (inside)"
    assert [t for _, t in binary.color_scale.ticks] == ["0 (outside)", "0.5", "1 (inside)"]
    digits = _view(qtbot, "binary", ["0", "1"], np.array([0, 1] * 10))
    assert digits.color_scale.title == "Probability of class 1"
    assert [t for _, t in digits.color_scale.ticks] == ["0", "0.5", "1"]
    multi = _view(qtbot, "multiclass", ["a", "b", "c"], np.array([0, 1, 2] * 7))
    assert multi.color_scale.kind == "multiclass" and multi.color_scale.classes == ["a", "b", "c"]
    reg = _view(qtbot, "regression", [], np.linspace(-2.0, 6.0, 20))
    assert reg.color_scale.kind == "regression"
    assert [t for _, t in reg.color_scale.ticks] == ["-2", "2", "6"]
    reg.resize(300, 420)
    reg.show()
    qtbot.waitExposed(reg)
    img = reg.color_scale.grab().toImage()
    # the bar's left end is the ramp's dark purple, its right end yellow
    y = img.height() // 2
    left, right = img.pixelColor(20, y), img.pixelColor(img.width() - 20, y)
    assert left.lightness() < 90 and right.lightness() > 120


def test_1280x800_keeps_inspector_tabs_and_the_progress_bar(studio_window, qtbot) -> None:
    w = studio_window
    w.resize(1280, 800)
    w.size_docks()
    qtbot.wait(50)
    bar = w.side_tabs.tabBar()
    assert sum(bar.tabRect(i).width() for i in range(bar.count())) <= w.side_tabs.width()
    assert w.training.controls.progress.isVisible()  # not pushed behind the toolbar's » menu
    w.training.controls.set_running(True)  # "Pause" is wider than "Play"
    qtbot.wait(50)
    assert w.training.controls.progress.isVisible()
    w.training.controls.set_running(False)
    assert w.training.boundary.plot_widget.width() >= 380


def test_evaluation_tabs_follow_the_data_set(studio_window) -> None:
    """Issue 12.7: no 'Digits' tab (or ROC) left over from another data set."""
    ev = studio_window.training.evaluation
    ev.set_task("multiclass", True)
    assert ev.tabs.isTabVisible(ev.gallery_index) and not ev.tabs.isTabVisible(ev.roc_index)
    ev.set_task("binary", False)
    assert not ev.tabs.isTabVisible(ev.gallery_index) and ev.tabs.isTabVisible(ev.roc_index)


def test_a_new_network_leaves_no_empty_grid_in_the_evaluation(studio_window, qtbot) -> None:
    """Found under Xvfb: after a run, a new network showed the last result's tables as empty numbered
    cells under 'Train the network to evaluate it'."""
    w = studio_window
    tc = w.training
    assert tc.train_epochs(2)
    ev = tc.evaluation
    qtbot.waitUntil(lambda: ev.cm_table.rowCount() == 2, timeout=10000)
    tc.reset()
    assert (ev.cm_table.rowCount(), ev.cm_table.columnCount(), ev.prf_table.rowCount()) == (0, 0, 0)
    assert ev.headline.text() == "Train the network to evaluate it on the test split"


def _cards_in_view(w) -> list[str]:
    """Ids of the layers whose whole card lies inside the canvas viewport."""
    view = w.canvas
    inside = []
    for nid, item in w.canvas_scene.items_by_id.items():
        card = view.mapFromScene(item.mapRectToScene(item.card_rect())).boundingRect()
        if view.viewport().rect().contains(card):
            inside.append(nid)
    return inside


@pytest.mark.parametrize("size", [(1280, 800), (1440, 900), (1920, 1080)])
def test_default_network_is_whole_and_readable_at_common_sizes(studio_window, qtbot, size) -> None:
    """Issue 12.7: the default 2-4-2-1 network fits the canvas (every card whole) at 80 % or more."""
    w = studio_window
    w.resize(*size)
    w.size_docks()
    qtbot.wait(50)
    w.canvas.fit_to_view()
    qtbot.wait(20)
    assert w.canvas.zoom() >= 0.8
    assert sorted(_cards_in_view(w)) == sorted(w.document.graph.nodes) and len(w.document.graph.nodes) == 4
    assert not w.canvas.edge_hints.left.isVisible() and not w.canvas.edge_hints.right.isVisible()


def test_wide_network_scrolls_and_says_how_many_layers_are_beyond_the_edge(studio_window, qtbot) -> None:
    """A 6-layer network does not shrink below 80 %: it shows from the input, a button names the rest."""
    w = studio_window
    w.resize(1440, 900)
    w.size_docks()
    for _ in range(2):
        w.append_layer("dense")
    qtbot.wait(20)
    w.canvas.fit_to_view()
    qtbot.wait(20)
    hints = w.canvas.edge_hints
    assert w.canvas.zoom() >= 0.8
    left, right = hints.hidden_layers()
    assert left == [] and "input" in _cards_in_view(w) and right[-1] == "output"
    plural = "s" * (len(right) > 1)
    assert hints.right.isVisible() and hints.right.text() == f"{len(right)} more layer{plural} ▸"
    assert not hints.left.isVisible()
    hints.right.click()  # scrolls until the next hidden layer is whole
    qtbot.wait(20)
    assert right[0] in _cards_in_view(w)
    assert hints.left.isVisible() and hints.left.text().startswith("◂ ")


def test_colour_key_end_labels_stay_inside_the_widget(qtbot) -> None:
    """Issue 12: '1 (inside)' was clipped at the window's right edge; a long middle label gives way."""
    view = _view(qtbot, "binary", ["outside of the ring", "inside the ring"], np.array([0, 1] * 10))
    scale = view.color_scale
    for width in (220, 300, 520):
        scale.resize(width, scale.sizeHint().height())
        rects = scale.tick_rects()
        texts = [t for _, t, _ in rects]
        if width == 220:  # too narrow for both: each end elided, neither dropped
            assert texts[0].startswith("0 (") and texts[-1].startswith("1 (") and texts[-1].endswith("…")
        else:
            assert texts[0] == "0 (outside of the ring)" and texts[-1] == "1 (inside the ring)"
        for _, text, rect in rects:
            assert rect.left() >= 4 and rect.right() <= width - 4, (width, text)
            assert rect.width() >= scale.fontMetrics().horizontalAdvance(text)
        assert all(a.right() < b.left() for (_, _, a), (_, _, b) in zip(rects, rects[1:], strict=False))
    assert [t for _, t, _ in scale.tick_rects()] == ["0 (outside of the ring)", "0.5", "1 (inside the ring)"]


def test_a_run_on_new_data_never_draws_on_the_previous_runs_curves(studio_window, qtbot) -> None:
    """Issue 12.7, found under Xvfb: Stop a circle run, pick the 'plane' (regression) data, Play: the
    circle run's accuracy curve stayed on the plot, on an axis still called 'accuracy', because new data
    ended the run (and dropped its model) before the curves were asked to fade it."""
    from tests.studio.conftest import wait_loaded

    w = studio_window
    tc = w.training
    assert tc.train_epochs(4)
    tc.stop()
    spec = dict(w.document.data, name="plane")
    w.workspace.load_data(spec)
    wait_loaded(qtbot, w)
    assert w.workspace.dataset.task == "regression"
    assert tc.train_epochs(3)
    tc.flush_views()
    c = tc.curves
    assert c.current.data_key == "toy:plane:regression" and "accuracy" not in c.current.epochs
    assert [r.data_key for r in c.runs] == ["toy:circle:binary"] and not c._shown_runs()
    assert c.metric_key == "r2" and c.metric_plot.getAxis("left").labelText == "r2"
    assert c.shown_epoch == 3
    # a new project on the same data: the empty plot's axis is named after no classification run
    w.new_project(None)
    qtbot.wait(50)
    assert c.metric_plot.getAxis("left").labelText in ("r2", "Metric")
    assert c.metric_plot.getAxis("left").labelText != "accuracy"


def test_a_maximized_window_shares_its_columns_again(studio_window, qtbot) -> None:
    """1440x900 -> 1920x1080 (maximized): the boundary column grows with the window (38 %), the canvas
    keeps the default network whole."""
    w = studio_window
    w.resize(1440, 900)
    w.size_docks()
    qtbot.wait(50)
    tc = w.training
    assert abs(tc.boundary_dock.width() - 0.38 * 1440) <= 8
    w.resize(1920, 1080)
    qtbot.waitUntil(lambda: abs(tc.boundary_dock.width() - 0.38 * 1920) <= 8, timeout=3000)
    assert w.canvas.width() >= CANVAS_MIN_WIDTH
    qtbot.waitUntil(lambda: w.canvas.zoom() == 1.0, timeout=3000)  # refitted: 100 % in the wide canvas
    assert sorted(_cards_in_view(w)) == sorted(w.document.graph.nodes)


def _training_toolbar_items(w) -> dict[str, Any]:
    """The training toolbar's widgets by what they show (buttons by their action's name)."""
    bar = w.training_toolbar
    items = {}
    for action in bar.actions():
        widget = bar.widgetForAction(action)
        if widget is not None and not action.isSeparator():
            items[action.text() or widget.objectName() or f"{type(widget).__name__}@{len(items)}"] = widget
    return items


def _extension_shown(bar: QToolBar) -> bool:
    buttons = bar.findChildren(QToolButton)
    return any(b.isVisible() for b in buttons if b.objectName() == "qt_toolbar_ext_button")


def test_training_toolbar_is_whole_at_1280_and_shows_icons_only_when_narrower(studio_window, qtbot) -> None:
    """At 1280 px every item of the training toolbar is shown with its text, inside the window, the
    progress bar wide enough for an ETA over an hour; narrower, the buttons keep only their icons (names in
    the tooltips) before anything goes into the » menu; at the narrowest window only the last items
    (steps/s, time) do, never the progress bar; back at 1280 the names come back."""
    w = studio_window
    c = w.training.controls
    bar = w.training_toolbar
    for width, style in ((1280, Qt.ToolButtonStyle.ToolButtonTextBesideIcon),
                         (1100, Qt.ToolButtonStyle.ToolButtonIconOnly),
                         (1280, Qt.ToolButtonStyle.ToolButtonTextBesideIcon)):
        w.resize(width, 800)
        w.size_docks()
        for running in (False, True):
            c.set_running(running)
            c.show_progress(3, 5000, 100.0, 1.0, batches_per_epoch=80)  # "0%  ETA 1:06:38"
            assert c.progress.format() == ("0%  ETA 1:06:38" if running else "0%")
            qtbot.wait(50)
            assert bar.toolButtonStyle() == style
            assert not _extension_shown(bar)
            for name, widget in _training_toolbar_items(w).items():
                assert widget.isVisible(), name
                assert widget.mapTo(w, widget.rect().topRight()).x() < w.width(), name
            fm = c.progress.fontMetrics()
            assert c.progress.width() >= fm.horizontalAdvance(c.progress.format()) + 4  # its frame
            assert c.epoch_label.width() >= c.epoch_label.fontMetrics().horizontalAdvance("Epoch 5000 / 5000")
            assert c.play_action.text() == ("Pause" if running else "Play")
            assert c.play_action.toolTip().endswith("(Space)")
    c.set_running(False)
    w.resize(1000, 800)  # the narrowest the window goes
    w.size_docks()
    qtbot.wait(50)
    assert bar.toolButtonStyle() == Qt.ToolButtonStyle.ToolButtonIconOnly
    assert c.progress.isVisible() and c.epoch_label.isVisible()
    assert bar.widgetForAction(c.play_action).isVisible()
    hidden = [widget for widget in _training_toolbar_items(w).values() if not widget.isVisible()]
    assert set(hidden) <= {c.rate_label, c.elapsed_label}
