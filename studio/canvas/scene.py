"""The network scene: a view of ``Document.graph`` that sends every user edit back to the document.

Items are keyed by node id (`items`) and edge (`links`) and kept between syncs, so live weight updates
(`set_weights`) only change pens. Mouse interactions (drag a card, drag from a port to another card, drop a
palette layer) become `Document` edits, which are undoable; the scene redraws from the graph afterwards.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsPathItem, QGraphicsScene, QGraphicsSceneMouseEvent

from core.graph import Problem, resolve_output_activation
from studio import theme
from studio.canvas.items import LayerItem, PortItem
from studio.canvas.links import LinkItem
from studio.workspace import Workspace

#: the Output card's tooltip (and neuron preview) under data.target_scaling
TARGET_UNITS_NOTE = "values in target units (data.target_scaling)"


class NetworkScene(QGraphicsScene):
    """Layer cards and links for one :class:`Document`."""

    message = Signal(str, str)  # text, severity ("error" | "warning" | "info")
    layer_activated = Signal(str)  # double-clicked layer id
    context_menu_requested = Signal(object)  # QPoint (screen) after selecting the item under the cursor
    #: (node id, unit, scene position) while the mouse is over a neuron; unit -1 when it leaves
    neuron_hovered = Signal(str, int, object)
    selection_ids_changed = Signal(list)
    #: (src id, dst id, src unit, dst unit, scene position): a line of a weighted link was clicked
    link_clicked = Signal(str, str, int, int, object)

    def __init__(self, workspace: Workspace) -> None:
        super().__init__()
        self.workspace = workspace
        self.document = workspace.document
        self.items_by_id: dict[str, LayerItem] = {}
        self.links: dict[tuple[str, str], LinkItem] = {}
        self.problems: list[Problem] = []
        self._kernels: dict[str, np.ndarray] = {}
        self._syncing = False
        self._drag_src: PortItem | None = None
        self._temp: QGraphicsPathItem | None = None
        self._press_positions: dict[str, tuple[float, float]] = {}
        self.setSceneRect(QRectF(-2000, -1500, 6000, 4000))
        self.document.graph_changed.connect(self.sync)
        self.document.training_changed.connect(self.refresh_problems)
        workspace.dataset_changed.connect(lambda _ds: self.sync())
        self.selectionChanged.connect(self._emit_selection)
        self.sync()

    # ------------------------------------------------------------------ model -> view
    def sync(self) -> None:
        """Create, update and remove items so the scene mirrors the document's graph."""
        g = self.document.graph
        info = self.document.data_info
        units = g.units(info)
        params = g.param_counts(info)
        self._syncing = True
        try:
            for nid in list(self.items_by_id):
                item = self.items_by_id[nid]
                if nid not in g.nodes or g.nodes[nid].kind != item.kind:
                    self.removeItem(item)
                    del self.items_by_id[nid]
            for nid, node in g.nodes.items():
                item = self.items_by_id.get(nid)
                if item is None:
                    item = LayerItem(nid, node.kind)
                    self.addItem(item)
                    self.items_by_id[nid] = item
                act = str(node.config.get("activation", ""))
                if node.kind == "output":
                    act = resolve_output_activation(act or "auto", info.task if info else None)
                elif node.kind == "dense":
                    act = act or "linear"
                labels: tuple[str, ...] = ()
                if node.kind == "input" and isinstance(node.config.get("features"), list):
                    labels = tuple(str(f) for f in node.config["features"])  # one neuron per chosen feature
                elif info is not None and node.kind == "input":
                    labels = info.feature_names
                elif info is not None and node.kind == "output":
                    labels = info.output_names
                note = TARGET_UNITS_NOTE if node.kind == "output" and self._target_scaled(info) else ""
                item.set_data(node.config, units.get(nid), params.get(nid), act, labels, note)
                if (item.pos().x(), item.pos().y()) != node.pos:
                    item.setPos(QPointF(*node.pos))
            wanted = set(g.edges)
            for key in list(self.links):
                link = self.links[key]
                stale = (
                    key not in wanted
                    or link.src is not self.items_by_id.get(key[0])
                    or link.dst is not self.items_by_id.get(key[1])
                )
                if stale:
                    self.removeItem(link)
                    del self.links[key]
            for key in g.edges:
                if key not in self.links:
                    link = LinkItem(self.items_by_id[key[0]], self.items_by_id[key[1]])
                    self.addItem(link)
                    self.links[key] = link
            for link in self.links.values():
                link.refresh_geometry()
            self._apply_kernels()
        finally:
            self._syncing = False
        self.refresh_problems()

    def _target_scaled(self, info: Any) -> bool:
        """True when the network learns standardized targets (data.target_scaling on regression data): its
        output's values are shown in target units, the model's output (``core.probes.neuron_layers``)."""
        return (info is not None and info.task == "regression"
                and self.document.data.get("target_scaling") == "standard")

    def refresh_problems(self) -> None:
        """Re-run validation and mark cards with their worst problem."""
        self.problems = self.document.graph.validate(
            self.document.data_info, str(self.document.training.get("loss", "auto"))
        )
        worst: dict[str, Problem] = {}
        for p in self.problems:
            if p.node_id is None:
                continue
            if p.node_id not in worst or (p.severity == "error" and worst[p.node_id].severity != "error"):
                worst[p.node_id] = p
        for nid, item in self.items_by_id.items():
            p = worst.get(nid)
            item.set_problem(p.severity if p else None, p.message if p else "")

    # ------------------------------------------------------------------ weights and neuron pictures
    def set_weights(self, kernels: Sequence[np.ndarray] | Mapping[str, np.ndarray] | None) -> None:
        """Colour links by weights. ``kernels``: one (inputs, units) array per Dense/Output layer in chain
        order (what ``[l.params["kernel"] for l in model.layers if "kernel" in l.params]`` gives), or a dict
        node-id -> kernel, or None for grey links. Only pens change; call it as often as you like."""
        if kernels is None:
            self._kernels = {}
        elif isinstance(kernels, Mapping):
            self._kernels = {k: np.asarray(v) for k, v in kernels.items()}
        else:
            chain = self.document.graph.chain() or self.document.graph.ordered_ids()
            dense_ids = [n for n in chain if self.document.graph.nodes[n].kind in ("dense", "output")]
            self._kernels = {nid: np.asarray(k) for nid, k in zip(dense_ids, kernels, strict=False)}
        self._apply_kernels()

    def set_weights_from_model(self, model: Any) -> None:
        """Colour links from a built ``Sequential`` (its Dense kernels in order; Normalization is skipped)."""
        kernels = [
            layer.params["kernel"] for layer in model.layers if "kernel" in getattr(layer, "params", {})
        ]
        self.set_weights(kernels)

    def _apply_kernels(self) -> None:
        for (_src, dst), link in self.links.items():
            k = self._kernels.get(dst)
            if (
                k is not None
                and k.ndim == 2
                and link.src.units == k.shape[0]
                and link.dst.units == k.shape[1]
            ):
                link.set_weights(k)
            else:
                link.set_weights(None)

    def set_neuron_images(self, node_id: str, images: Mapping[int, QImage] | Sequence[QImage] | None) -> None:
        """Draw small pictures inside the neurons of ``node_id`` (dict unit -> QImage, or a list by unit)."""
        item = self.items_by_id.get(node_id)
        if item is None:
            return
        if images is not None and not isinstance(images, Mapping):
            images = dict(enumerate(images))
        item.set_neuron_images(images)  # type: ignore[arg-type]

    def set_neuron_values(self, node_id: str, values: Mapping[int, str] | None) -> None:
        """Write short numbers beside the neurons of ``node_id`` (dict unit -> text; None clears)."""
        item = self.items_by_id.get(node_id)
        if item is not None:
            item.set_neuron_values(dict(values) if values else None)

    def neuron_hover(self, item: LayerItem, unit: int | None, pos: QPointF) -> None:
        """Called by layer cards while the mouse moves over them; emits ``neuron_hovered`` on changes."""
        key = (item.node_id, -1 if unit is None else unit)
        if key != getattr(self, "_hover_key", None):
            self._hover_key = key
            self.neuron_hovered.emit(key[0], key[1], pos)

    def link_pressed(self, link: LinkItem, pos: QPointF) -> tuple[int, int] | None:
        """A mouse press on ``link`` at ``pos``: emit ``link_clicked`` for the weighted line under it."""
        if link.elementwise or link.weights is None:
            return None
        views = self.views()
        zoom = views[0].transform().m11() if views else 1.0
        pair = link.pair_at(pos, tolerance=6.0 / max(zoom, 0.25))  # about 6 screen pixels
        if pair is not None:
            self.link_clicked.emit(link.src.node_id, link.dst.node_id, pair[0], pair[1], pos)
        return pair

    # ------------------------------------------------------------------ selection
    def _emit_selection(self) -> None:
        try:
            self.selection_ids_changed.emit(self.selected_ids())
        except RuntimeError:  # the C++ scene is being destroyed and clears its items
            pass

    def selected_ids(self) -> list[str]:
        """Ids of selected layers, in graph order."""
        sel = {i.node_id for i in self.selectedItems() if isinstance(i, LayerItem)}
        return [n for n in self.document.graph.nodes if n in sel]

    def selected_links(self) -> list[tuple[str, str]]:
        """Selected links as (src, dst)."""
        return [i.key for i in self.selectedItems() if isinstance(i, LinkItem)]

    def select_ids(self, ids: Sequence[str]) -> None:
        """Select exactly these layers."""
        self.clearSelection()
        for nid in ids:
            if nid in self.items_by_id:
                self.items_by_id[nid].setSelected(True)

    # ------------------------------------------------------------------ drops from the palette
    def link_at(self, pos: QPointF) -> LinkItem | None:
        """The link under ``pos`` (scene coordinates) if no card is there."""
        for item in self.items(pos):
            if isinstance(item, (LayerItem, PortItem)):
                return None
            if isinstance(item, LinkItem):
                return item
        return None

    def drop_layer(self, kind: str, pos: QPointF) -> str | None:
        """Create a ``kind`` layer at ``pos`` (card centred there); on a link it is inserted into it."""
        link = self.link_at(pos)
        top_left = (round(pos.x() - 75.0, 1), round(pos.y(), 1))
        if link is not None:
            src, dst = link.key
            if kind in ("input", "output"):
                self.message.emit(
                    f"An {kind.capitalize()} layer cannot be inserted inside the network.", "error"
                )
                return None
            new_id = self.document.insert_layer(kind, src, dst, top_left)
        else:
            new_id = self.document.add_node(kind, top_left)
        if new_id:
            self.select_ids([new_id])
        return new_id

    def set_insert_hint(self, pos: QPointF | None) -> None:
        """Highlight the link a drop at ``pos`` would insert into."""
        target = self.link_at(pos) if pos is not None else None
        for link in self.links.values():
            want = link is target
            if link.insert_hint != want:
                link.insert_hint = want
                link.update()

    # ------------------------------------------------------------------ moving cards
    def layer_moved(self, item: LayerItem) -> None:
        """Keep the links of a dragged card attached."""
        for (s, d), link in self.links.items():
            if item.node_id in (s, d):
                link.refresh_geometry()

    def contextMenuEvent(self, event: Any) -> None:  # noqa: N802
        target = next(
            (i for i in self.items(event.scenePos()) if isinstance(i, (LayerItem, LinkItem, PortItem))), None
        )
        if isinstance(target, PortItem):
            target = target.layer
        if target is not None and not target.isSelected():
            self.clearSelection()
            target.setSelected(True)
        elif target is None:
            self.clearSelection()
        self.context_menu_requested.emit(event.screenPos())
        event.accept()

    def mousePressEvent(self, event: QGraphicsSceneMouseEvent) -> None:  # noqa: N802
        super().mousePressEvent(event)
        self._press_positions = {nid: (it.pos().x(), it.pos().y()) for nid, it in self.items_by_id.items()}

    def mouseMoveEvent(self, event: QGraphicsSceneMouseEvent) -> None:  # noqa: N802
        if self._drag_src is not None:
            self._update_temp(event.scenePos())
            event.accept()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QGraphicsSceneMouseEvent) -> None:  # noqa: N802
        if self._drag_src is not None:
            self.finish_connection(event.scenePos())
            event.accept()
            return
        super().mouseReleaseEvent(event)
        self.commit_moves()

    def commit_moves(self) -> None:
        """Turn card positions that differ from the graph into one undoable Move."""
        g = self.document.graph
        moved = {
            nid: (round(it.pos().x(), 1), round(it.pos().y(), 1))
            for nid, it in self.items_by_id.items()
            if nid in g.nodes and (round(it.pos().x(), 1), round(it.pos().y(), 1)) != g.nodes[nid].pos
        }
        if moved:
            if not self.document.move_nodes(moved):
                self.sync()

    # ------------------------------------------------------------------ connecting ports
    def begin_connection(self, port: PortItem, pos: QPointF) -> None:
        """Start dragging a connection from ``port``."""
        self._drag_src = port
        self._temp = QGraphicsPathItem()
        self._temp.setPen(QPen(QColor(theme.current().selection), 2, Qt.PenStyle.DashLine))
        self._temp.setZValue(5)
        self.addItem(self._temp)
        self._update_temp(pos)

    def _update_temp(self, pos: QPointF) -> None:
        if self._temp is None or self._drag_src is None:
            return
        a = self._drag_src.scene_center()
        path = QPainterPath(a)
        dx = max(40.0, abs(pos.x() - a.x()) / 2)
        sign = 1 if self._drag_src.role == "out" else -1
        path.cubicTo(QPointF(a.x() + sign * dx, a.y()), QPointF(pos.x() - sign * dx, pos.y()), pos)
        self._temp.setPath(path)

    def connecting(self) -> bool:
        """True while a connection is being dragged from a port."""
        return self._drag_src is not None

    def cancel_connection(self) -> None:
        """Abort the connection drag."""
        self._drag_src = None
        if self._temp is not None:
            self.removeItem(self._temp)
            self._temp = None

    def finish_connection(self, pos: QPointF) -> bool:
        """Connect the dragged port to the layer under ``pos``; False (with a message) when refused."""
        port = self._drag_src
        self._drag_src = None
        if self._temp is not None:
            self.removeItem(self._temp)
            self._temp = None
        if port is None:
            return False
        target = next((i for i in self.items(pos) if isinstance(i, LayerItem)), None)
        if target is None:
            target_port = next((i for i in self.items(pos) if isinstance(i, PortItem)), None)
            target = target_port.layer if target_port else None
        if target is None or target is port.layer:
            return False
        src, dst = (
            (port.layer.node_id, target.node_id)
            if port.role == "out"
            else (target.node_id, port.layer.node_id)
        )
        return self.connect_layers(src, dst)

    def connect_layers(self, src: str, dst: str) -> bool:
        """Connect two layers through the document; refused edits become a canvas message."""
        problem = self.document.graph.connect_problem(src, dst)
        if problem:
            self.message.emit(problem, "error")
            return False
        return self.document.connect_nodes(src, dst)


