"""Canvas edit commands of the main window: append, select, delete, copy/paste, the context menu.

A mixin of :class:`studio.main_window.MainWindow`; every edit goes through ``self.document`` (undoable).
"""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QMenu

from core.layer_kinds import KINDS
from studio import theme

CLIP_FORMAT = "ffstudio-layers"


class CanvasEditsMixin:
    """Needs ``document``, ``canvas``, ``canvas_scene``, ``side_tabs`` and the ``act_*`` actions."""

    document: Any
    canvas: Any
    canvas_scene: Any
    side_tabs: Any

    def append_layer(self, kind: str) -> str | None:
        """Add a layer at the end of the chain (palette double-click)."""
        nid = self.document.append_layer(kind)
        if nid:
            self.select_node(nid)
        return nid

    def select_node(self, node_id: str) -> None:
        """Select a layer on the canvas, show its properties and scroll to it."""
        self.canvas_scene.select_ids([node_id])
        item = self.canvas_scene.items_by_id.get(node_id)
        if item is not None:
            self.canvas.ensureVisible(item, 40, 40)
        self.side_tabs.setCurrentIndex(0)

    def delete_selection(self) -> bool:
        """Delete the selected layers and links (one undo step)."""
        ids = self.canvas_scene.selected_ids()
        links = self.canvas_scene.selected_links()
        return self.document.delete(ids, links) if (ids or links) else False

    def copy_selection(self) -> int:
        """Copy the selected layers (and links among them) to the clipboard; returns how many."""
        ids = self.canvas_scene.selected_ids()
        if not ids:
            return 0
        snap = self.document.graph.subgraph(ids)
        # Plain JSON text (readable when pasted elsewhere). Not a QMimeData: PySide6 keeps ownership of a
        # QMimeData given to the clipboard and both sides delete it at exit (segfault).
        layers = [{"type": n["kind"], **n["config"]} for n in snap["nodes"]]
        QGuiApplication.clipboard().setText(
            json.dumps({"format": CLIP_FORMAT, "layers": layers, "graph": snap})
        )
        return len(ids)

    def paste(self) -> list[str]:
        """Paste layers from the clipboard with fresh ids, offset from the originals; selects them."""
        from core.errors import FFStudioError
        from core.files import loads_json

        try:  # depth-limited: pasted text is untrusted
            doc = loads_json(QGuiApplication.clipboard().text(), "clipboard", FFStudioError)
        except FFStudioError:
            return []
        if (
            not isinstance(doc, dict)
            or doc.get("format") != CLIP_FORMAT
            or not isinstance(doc.get("graph"), dict)
        ):
            return []
        snap = doc["graph"]
        created = self.document.paste(snap, (40.0, 40.0))
        self.canvas_scene.select_ids(created)
        return created

    def context_menu(self) -> QMenu:
        """The canvas right-click menu for the current selection (layers, a link, or the background)."""
        menu = QMenu(self)  # type: ignore[arg-type]
        ids = self.canvas_scene.selected_ids()
        links = self.canvas_scene.selected_links()
        if len(ids) == 1:
            menu.addAction("Properties", lambda: self.select_node(ids[0]))
        if ids:
            menu.addAction(self.act_copy)
            menu.addAction(self.act_delete)
        if len(links) == 1 and not ids:
            src, dst = links[0]
            insert = menu.addMenu("Insert layer here")
            for kind in (k for k in KINDS.values() if k.place == "hidden"):
                pos = self._between(src, dst)
                insert.addAction(
                    theme.icon(kind.icon),
                    kind.label,
                    lambda k=kind.key, p=pos: self.document.insert_layer(k, src, dst, p),
                )
            menu.addAction(theme.icon("delete"), "Disconnect", lambda: self.document.delete([], [(src, dst)]))
        if not ids and not links:
            menu.addAction(self.act_paste)
            menu.addAction(self.act_select_all)
            menu.addSeparator()
            menu.addAction(self.act_fit)
            menu.addAction(self.act_arrange)
        return menu

    def _between(self, src: str, dst: str) -> tuple[float, float]:
        a, b = self.document.graph.nodes[src].pos, self.document.graph.nodes[dst].pos
        return ((a[0] + b[0]) / 2, (a[1] + b[1]) / 2 + 120.0)

    def select_all(self) -> None:
        self.canvas_scene.select_ids(list(self.document.graph.nodes))

    def auto_arrange(self) -> None:
        """Auto-arrange, then fit the view."""
        self.document.auto_arrange()
        self.canvas.fit_to_view()

