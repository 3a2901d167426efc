"""Canvas: palette drag and drop, ports, inserting on links, deleting, weights, model -> view."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from studio.canvas.items import LayerItem, neuron_rows


def palette_mime(window, kind: str):
    palette = window.palette
    item = palette.item(palette.kinds().index(kind))
    return palette.mimeData([item])  # exactly what a mouse drag from the palette carries


def drop(window, kind: str, scene_pos: QPointF) -> None:
    """Send DragEnter, DragMove and Drop to the canvas viewport, as Qt does for a mouse drag."""
    view = window.canvas
    mime = palette_mime(window, kind)
    pos = view.mapFromScene(scene_pos)
    vp = view.viewport()
    enter = QDragEnterEvent(
        pos, Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    )
    QApplication.sendEvent(vp, enter)
    assert enter.isAccepted()
    move = QDragMoveEvent(
        pos, Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    )
    QApplication.sendEvent(vp, move)
    ev = QDropEvent(
        QPointF(pos),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(vp, ev)
    assert ev.isAccepted()


def empty_area(window) -> QPointF:
    rect = window.canvas.mapToScene(window.canvas.viewport().rect()).boundingRect()
    return QPointF(rect.center().x(), rect.bottom() - 60)


def test_default_network_is_drawn(builder_window) -> None:
    scene = builder_window.canvas_scene
    assert set(scene.items_by_id) == {"input", "dense_1", "dense_2", "output"}
    assert len(scene.links) == 3
    item = scene.items_by_id["dense_1"]
    assert (item.units, item.params, item.activation) == (4, 12, "tanh")
    assert scene.items_by_id["output"].activation == "sigmoid"  # auto for the binary circle data


def test_palette_drag_to_canvas_creates_layer_where_dropped(builder_window) -> None:
    where = empty_area(builder_window)
    drop(builder_window, "dense", where)
    doc = builder_window.document
    assert "dense_3" in doc.graph.nodes
    x, y = doc.graph.nodes["dense_3"].pos
    tol = 1.5 / builder_window.canvas.zoom()  # one viewport pixel
    assert abs(x + 75.0 - where.x()) < tol and abs(y - where.y()) < tol
    assert builder_window.canvas_scene.selected_ids() == ["dense_3"]
    assert doc.undo_stack.count() == 1


def test_drop_onto_link_inserts_layer(builder_window) -> None:
    scene = builder_window.canvas_scene
    link = scene.links[("dense_1", "dense_2")]
    pairs = link.pairs()
    mid = (pairs[0][2] + pairs[0][3]) / 2
    drop(builder_window, "dropout", mid)
    g = builder_window.document.graph
    assert g.chain() == ["input", "dense_1", "dropout_1", "dense_2", "output"]
    assert ("dense_1", "dropout_1") in scene.links and ("dense_1", "dense_2") not in scene.links


def test_drag_ignores_foreign_mime(builder_window) -> None:
    from PySide6.QtCore import QMimeData

    mime = QMimeData()
    mime.setText("dense")
    ev = QDragEnterEvent(
        QPoint(10, 10),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(builder_window.canvas.viewport(), ev)
    assert not ev.isAccepted()


def test_double_click_palette_appends_before_output(builder_window) -> None:
    builder_window.palette.append_requested.emit("dense")
    assert builder_window.document.graph.chain() == ["input", "dense_1", "dense_2", "dense_3", "output"]


def test_connect_ports_with_mouse(qtbot, builder_window) -> None:
    doc = builder_window.document
    doc.delete([], [("dense_2", "output")])
    assert ("dense_2", "output") not in doc.graph.edges
    scene, view = builder_window.canvas_scene, builder_window.canvas
    port = scene.items_by_id["dense_2"].out_port
    target = scene.items_by_id["output"]
    start = view.mapFromScene(port.scene_center())
    end = view.mapFromScene(target.mapToScene(target.card_rect().center()))
    vp = view.viewport()
    QTest.mousePress(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    QTest.mouseMove(vp, (start + end) / 2)
    QTest.mouseRelease(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, end)
    assert ("dense_2", "output") in doc.graph.edges
    assert doc.graph.chain() is not None


def test_cycles_and_branches_are_refused_with_a_canvas_message(builder_window) -> None:
    scene = builder_window.canvas_scene
    assert not scene.connect_layers("dense_2", "dense_1")
    assert (
        "cycle" in builder_window.canvas.message_text() or "already" in builder_window.canvas.message_text()
    )
    nid = builder_window.document.add_node("dense", (0.0, 400.0))
    assert not scene.connect_layers("dense_1", nid)
    assert "single chain" in builder_window.canvas.message_text()
    assert (("dense_1", nid)) not in builder_window.document.graph.edges


def test_delete_selection_bridges_chain_and_undo_restores(builder_window) -> None:
    doc = builder_window.document
    before = doc.graph.to_dict()
    builder_window.canvas_scene.select_ids(["dense_2"])
    builder_window.act_delete.trigger()
    assert "dense_2" not in builder_window.canvas_scene.items_by_id
    assert doc.graph.chain() == ["input", "dense_1", "output"]
    doc.undo_stack.undo()
    assert doc.graph.to_dict() == before
    assert "dense_2" in builder_window.canvas_scene.items_by_id


def test_delete_and_backspace_are_canvas_shortcuts(builder_window) -> None:
    keys = {s.toString() for s in builder_window.act_delete.shortcuts()}
    assert {"Del", "Backspace"} <= keys
    assert builder_window.act_delete.shortcutContext() == Qt.ShortcutContext.WidgetWithChildrenShortcut


def test_moving_a_card_with_the_mouse_is_one_undoable_move(qtbot, builder_window) -> None:
    scene, view, doc = builder_window.canvas_scene, builder_window.canvas, builder_window.document
    item = scene.items_by_id["dense_1"]
    old = doc.graph.nodes["dense_1"].pos
    start = view.mapFromScene(item.mapToScene(QPointF(20, item.top() + 20)))
    end = start + QPoint(40, 30)
    vp = view.viewport()
    QTest.mousePress(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    for i in range(1, 5):
        QTest.mouseMove(vp, start + (end - start) * i / 4)
    QTest.mouseRelease(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, end)
    new = doc.graph.nodes["dense_1"].pos
    assert new != old
    assert doc.undo_stack.count() == 1
    doc.undo_stack.undo()
    assert doc.graph.nodes["dense_1"].pos == old
    assert (item.pos().x(), item.pos().y()) == old


def test_model_changes_update_the_view(builder_window) -> None:
    doc, scene = builder_window.document, builder_window.canvas_scene
    doc.set_node_config("dense_1", "units", 256)
    item: LayerItem = scene.items_by_id["dense_1"]
    assert item.units == 256 and item.params == 2 * 256 + 256
    assert item.rows == neuron_rows(256) and None in item.rows and len(item.rows) == 9
    assert scene.items_by_id["dense_2"].params == 256 * 2 + 2
    doc.set_node_config("dense_1", "activation", "relu")
    assert item.activation == "relu"


def test_set_weights_colours_links_and_keeps_items(builder_window) -> None:
    scene = builder_window.canvas_scene
    links_before = dict(scene.links)
    k1 = np.arange(8, dtype=np.float32).reshape(2, 4) - 4
    k2 = np.ones((4, 2), np.float32)
    k3 = -np.ones((2, 1), np.float32)
    scene.set_weights([k1, k2, k3])
    assert scene.links == links_before  # same persistent items
    np.testing.assert_array_equal(scene.links[("input", "dense_1")].weights, k1)
    np.testing.assert_array_equal(scene.links[("dense_2", "output")].weights, k3)
    builder_window.grab()  # paints the coloured links
    scene.set_weights({"dense_1": np.zeros((3, 3))})  # wrong shape -> grey
    assert scene.links[("input", "dense_1")].weights is None
    scene.set_weights(None)
    assert all(link.weights is None for link in scene.links.values())


def test_link_draw_plan_groups_lines_by_sign_and_magnitude(builder_window) -> None:
    """Pens from the weights (colour = sign, width = |w| / max|w|), kept until weights or geometry change."""
    from studio import theme

    scene = builder_window.canvas_scene
    link = scene.links[("input", "dense_1")]
    k1 = np.array([[-4.0, -1.0, 0.0, 2.0], [1.0, 0.5, -0.5, 4.0]], dtype=np.float32)
    scene.set_weights([k1, np.ones((4, 2), np.float32), np.ones((2, 1), np.float32)])
    builder_window.grab()
    plan = link._plan
    assert plan is not None and sum(len(lines) for _, lines in plan) == len(link.pairs()) == 8
    th = theme.current()
    widths = {(pen.color().name(), round(pen.widthF(), 2)): len(lines) for pen, lines in plan}
    pos, neg = QColor(th.positive).name(), QColor(th.negative).name()
    assert widths[(neg, 4.0)] == 1 and widths[(pos, 4.0)] == 1  # |w| = 4: the widest pen, one each
    assert widths[(pos, 0.4)] == 1  # w = 0 (sign >= 0), thinnest
    assert sum(n for (c, _), n in widths.items() if c == neg) == 3
    builder_window.grab()
    assert link._plan is plan  # a repaint reuses it
    scene.set_weights([-k1, np.ones((4, 2), np.float32), np.ones((2, 1), np.float32)])
    assert link._plan is None
    builder_window.grab()
    assert sum(n for pen, lines in link._plan for n in [len(lines)] if pen.color().name() == neg) == 4
    item = scene.items_by_id["dense_1"]
    item.setPos(item.pos() + QPointF(40, 0))
    scene.layer_moved(item)
    assert link._pairs is None  # lines follow the card


def test_neuron_images_are_drawn_inside_neurons(builder_window) -> None:
    from PySide6.QtGui import QColor, QImage

    img = QImage(8, 8, QImage.Format.Format_RGB32)
    img.fill(QColor("red"))
    builder_window.canvas_scene.set_neuron_images("dense_1", [img] * 4)
    assert len(builder_window.canvas_scene.items_by_id["dense_1"].neuron_images) == 4
    builder_window.grab()


def test_zoom_fit_and_auto_arrange(builder_window) -> None:
    view = builder_window.canvas
    view.set_zoom(2.0)
    assert abs(view.zoom() - 2.0) < 1e-6
    view.set_zoom(100.0)
    assert view.zoom() == 4.0
    builder_window.document.move_nodes({"dense_1": (1000.0, 900.0)})
    builder_window.act_arrange.trigger()
    g = builder_window.document.graph
    xs = [g.nodes[n].pos[0] for n in g.chain()]
    assert xs == sorted(xs) and len({g.nodes[n].pos[1] for n in g.nodes}) == 1
    assert view.zoom() <= 1.0


def test_copy_paste_layers(builder_window) -> None:
    scene = builder_window.canvas_scene
    scene.select_ids(["dense_1", "dense_2"])
    assert builder_window.copy_selection() == 2
    created = builder_window.paste()
    assert created == ["dense_3", "dense_4"]
    g = builder_window.document.graph
    assert ("dense_3", "dense_4") in g.edges
    assert g.nodes["dense_3"].config == g.nodes["dense_1"].config
    assert scene.selected_ids() == ["dense_3", "dense_4"]


def test_training_lock_refuses_structure_but_not_learning_rate(builder_window) -> None:
    doc = builder_window.document
    builder_window.set_training_locked(True, "Training is running")
    assert builder_window.canvas.lock_label.isVisible()
    assert doc.add_node("dense", (0.0, 0.0)) is None
    assert "Training is running" in builder_window.canvas.message_text()
    assert not doc.set_node_config("dense_1", "units", 7)
    assert doc.set_training(("optimizer", "learning_rate"), 0.5)
    assert doc.training["optimizer"]["learning_rate"] == 0.5
    builder_window.set_training_locked(False)
    assert not builder_window.canvas.lock_label.isVisible()
    assert doc.add_node("dense", (0.0, 0.0)) is not None


def test_input_and_output_neurons_are_named_after_the_data(builder_window) -> None:
    from core.datasets.toy import make_toy

    builder_window.workspace.set_dataset(make_toy("blobs", samples=60, classes=3))
    scene = builder_window.canvas_scene
    assert scene.items_by_id["input"].labels == ["x1", "x2"]
    assert len(scene.items_by_id["output"].labels) == 3
    builder_window.grab()


def test_link_tooltip_describes_the_kernel(builder_window) -> None:
    link = builder_window.canvas_scene.links[("input", "dense_1")]
    assert "kernel 2 × 4" in link._tooltip()
    link.set_weights(np.full((2, 4), -0.5))
    assert "max 0.5" in link._tooltip()
    nid = builder_window.append_layer("dropout")
    assert "no weights" in builder_window.canvas_scene.links[("dense_2", nid)]._tooltip()


def test_context_menus(builder_window) -> None:
    scene = builder_window.canvas_scene
    scene.select_ids(["dense_1"])
    texts = [a.text() for a in builder_window.context_menu().actions()]
    assert "Properties" in texts and "&Delete" in texts
    scene.clearSelection()
    scene.links[("dense_1", "dense_2")].setSelected(True)
    menu = builder_window.context_menu()
    insert = next(a.menu() for a in menu.actions() if a.menu() is not None)
    next(a for a in insert.actions() if a.text() == "Dropout").trigger()
    assert builder_window.document.graph.chain() == ["input", "dense_1", "dropout_1", "dense_2", "output"]
    scene.clearSelection()
    texts = [a.text() for a in builder_window.context_menu().actions()]
    assert "&Fit to View" in texts and "&Auto-arrange" in texts


def test_zoom_label_follows_zoom(builder_window) -> None:
    builder_window.canvas.set_zoom(1.5)
    assert builder_window.zoom_label.text() == "150 %"


def test_weights_from_a_built_model(builder_window) -> None:
    model = builder_window.workspace.build_model()
    model.build(seed=0)
    scene = builder_window.canvas_scene
    scene.set_weights_from_model(model)
    kernels = [layer.params["kernel"] for layer in model.layers if "kernel" in layer.params]
    assert [k.shape for k in kernels] == [(2, 4), (4, 2), (2, 1)]
    np.testing.assert_array_equal(scene.links[("input", "dense_1")].weights, kernels[0])
    np.testing.assert_array_equal(scene.links[("dense_2", "output")].weights, kernels[2])


def test_switching_to_dark_theme_repaints_everything(builder_window) -> None:
    from PySide6.QtWidgets import QApplication

    from studio import theme

    app = QApplication.instance()
    old_style, old_palette, old_theme = app.style().name(), app.palette(), theme.current()
    try:
        theme.apply(app, dark=True)
        builder_window.apply_theme()
        assert theme.current().dark
        icon_path = theme.ICONS / "undo.svg"
        assert icon_path.exists() and not builder_window.act_undo.icon().isNull()
        img = builder_window.canvas.grab().toImage()
        corner = img.pixelColor(5, img.height() - 5)
        assert corner.lightness() < 80  # dark canvas background
    finally:
        app.setStyle(old_style)
        app.setPalette(old_palette)
        theme._current = old_theme
        builder_window.apply_theme()


def test_palette_double_click_and_enter_append(qtbot, builder_window) -> None:
    palette = builder_window.palette
    item = palette.item(palette.kinds().index("dropout"))
    rect = palette.visualItemRect(item)
    vp, left, none = palette.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    QTest.mouseClick(vp, left, none, rect.center(), 50)  # a real double-click starts with a press
    assert builder_window.document.undo_stack.count() == 0  # one click adds nothing
    QTest.mouseDClick(vp, left, none, rect.center())
    chain = builder_window.document.graph.chain()
    assert chain == ["input", "dense_1", "dense_2", "dropout_1", "output"]
    palette.setCurrentItem(palette.item(palette.kinds().index("dense")))
    QTest.keyClick(palette, Qt.Key.Key_Return)
    assert builder_window.document.graph.chain()[-2] == "dense_3"


def test_keyboard_nudge_and_escape(builder_window) -> None:
    view, scene, doc = builder_window.canvas, builder_window.canvas_scene, builder_window.document
    x, y = doc.graph.nodes["dense_1"].pos
    scene.select_ids(["dense_1"])
    view.setFocus()
    QTest.keyClick(view, Qt.Key.Key_Right)
    QTest.keyClick(view, Qt.Key.Key_Down, Qt.KeyboardModifier.ShiftModifier)
    assert doc.graph.nodes["dense_1"].pos == (x + 10.0, y + 1.0)
    port = scene.items_by_id["dense_1"].out_port
    scene.begin_connection(port, port.scene_center())
    QTest.keyClick(view, Qt.Key.Key_Escape)
    assert not scene.connecting()
    QTest.keyClick(view, Qt.Key.Key_Escape)
    assert scene.selected_ids() == []


def test_paste_ignores_foreign_or_broken_clipboard(builder_window) -> None:
    from PySide6.QtGui import QGuiApplication

    before = builder_window.document.state()
    for text in ("hello", "[1, 2]", '{"format": "ffstudio-layers", "graph": {"nodes": [{"kind": "dense"}]}}'):
        QGuiApplication.clipboard().setText(text)
        assert builder_window.paste() == []
    assert builder_window.document.state() == before


def test_canvas_message_stays_put_when_the_view_scrolls(builder_window) -> None:
    view = builder_window.canvas
    view.show_message("hello", "info")
    before = view._banner.geometry()
    view.horizontalScrollBar().setValue(view.horizontalScrollBar().value() + 300)
    view.verticalScrollBar().setValue(view.verticalScrollBar().value() + 200)
    view.centerOn(QPointF(-1500, -1000))
    assert view._banner.geometry() == before
    vp = view.viewport().geometry()
    assert vp.contains(view._banner.geometry())


def test_hovering_a_neuron_with_a_picture_shows_a_large_preview(qtbot, builder_window) -> None:
    from PySide6.QtGui import QColor, QImage

    scene, view = builder_window.canvas_scene, builder_window.canvas
    img = QImage(20, 20, QImage.Format.Format_RGB32)
    img.fill(QColor("teal"))
    scene.set_neuron_images("dense_1", {2: img})
    item = scene.items_by_id["dense_1"]
    row = item.rows.index(2)
    center = item.neuron_center(row)
    assert item.unit_at(center) == 2 and item.unit_at(QPointF(center.x() + 30, center.y())) is None
    # what LayerItem.hoverMoveEvent reports for that point (synthetic hover events are unreliable offscreen)
    scene.neuron_hover(item, item.unit_at(center), item.mapToScene(center))
    assert view.preview_visible()
    assert "unit 3" in view.preview_caption.text()
    assert view.preview_image.pixmap().width() == 150
    scene.neuron_hover(item, None, item.mapToScene(center))
    assert not view.preview_visible()


def test_placeholder_repaints_whole_view_when_the_first_layer_arrives(builder_window, qtbot) -> None:
    """Issue 12.7: 'Start a network' must not stay painted behind the new cards."""
    view = builder_window.canvas
    builder_window.new_project(None)
    qtbot.wait(20)
    assert view.placeholder_shown()
    repaints = []
    view.viewport().update = lambda *a: repaints.append(a)
    builder_window.append_layer("input")
    assert not view.placeholder_shown()
    qtbot.waitUntil(lambda: () in repaints, timeout=3000)  # a full-viewport update, not a rectangle


def test_layer_tooltip_does_not_cover_the_neuron_preview(builder_window, qtbot) -> None:
    from PySide6.QtCore import QEvent, QPoint
    from PySide6.QtGui import QColor, QHelpEvent, QImage

    view = builder_window.canvas
    img = QImage(8, 8, QImage.Format.Format_RGB32)
    img.fill(QColor("red"))
    builder_window.canvas_scene.set_neuron_images("dense_1", [img] * 4)
    item = builder_window.canvas_scene.items_by_id["dense_1"]
    view._neuron_hovered("dense_1", 0, item.sceneBoundingRect().center())
    assert view.preview_visible()
    event = QHelpEvent(QEvent.Type.ToolTip, QPoint(5, 5), view.viewport().mapToGlobal(QPoint(5, 5)))
    assert view.viewportEvent(event) and not event.isAccepted()
