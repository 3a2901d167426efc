"""The open project as the GUI edits it: graph + training settings + data spec, with undo.

Every change goes through :meth:`Document.edit`, which snapshots the state, applies the change to a copy,
and pushes a :class:`studio.undo.SnapshotCommand` (so every edit is undoable). Structural edits are refused
while training runs (:meth:`set_locked`); live-safe training keys (learning rate) still apply.

Signals: ``graph_changed`` (nodes/edges/configs/positions), ``training_changed``, ``data_changed``,
``modified_changed(bool)``, ``edit_refused(str)`` (the reason, shown on the canvas).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoStack

from core.graph import DataInfo, Graph, GraphError
from core.project import DEFAULT_TRAINING
from studio.undo import SnapshotCommand

DEFAULT_DATA: dict[str, Any] = {
    "source": "toy",
    "name": "circle",
    "samples": 500,
    "noise": 0.0,
    "test_fraction": 0.5,
    "seed": 0,
}
#: training keys that may change while a run is going on
LIVE_KEYS = {("optimizer", "learning_rate")}


class Document(QObject):
    """Graph, training settings and data spec of one project, with a ``QUndoStack``."""

    graph_changed = Signal()
    training_changed = Signal()
    data_changed = Signal()
    modified_changed = Signal(bool)
    edit_refused = Signal(str)
    lock_changed = Signal(bool, str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.graph = Graph()
        self.training: dict[str, Any] = copy.deepcopy(DEFAULT_TRAINING)
        self.data: dict[str, Any] = copy.deepcopy(DEFAULT_DATA)
        self.data_info: DataInfo | None = None
        self.path: str | None = None
        self.weights: str | None = None
        self.extra: dict[str, Any] = {}
        self.lock_reason: str | None = None
        self.undo_stack = QUndoStack(self)
        self.undo_stack.cleanChanged.connect(self._clean_changed)
        # trained, imported or edited weights the saved file does not hold; not an undoable edit
        self._weights_changed = False

    def _clean_changed(self, clean: bool) -> None:
        try:
            self.modified_changed.emit(not clean or self._weights_changed)
        except RuntimeError:  # the stack is being destroyed together with the document
            pass

    # ------------------------------------------------------------------ state
    def state(self) -> dict[str, Any]:
        """A deep snapshot of everything undoable."""
        return {
            "graph": self.graph.to_dict(),
            "training": copy.deepcopy(self.training),
            "data": copy.deepcopy(self.data),
        }

    def set_state(self, state: Mapping[str, Any]) -> None:
        """Restore a snapshot, emitting the signals of the parts that differ."""
        graph_changed = state["graph"] != self.graph.to_dict()
        training_changed = state["training"] != self.training
        data_changed = state["data"] != self.data
        self.graph = Graph.from_dict(state["graph"])
        self.training = copy.deepcopy(dict(state["training"]))
        self.data = copy.deepcopy(dict(state["data"]))
        if graph_changed:
            self.graph_changed.emit()
        if training_changed:
            self.training_changed.emit()
        if data_changed:
            self.data_changed.emit()

    def load(
        self,
        graph: Graph,
        training: Mapping[str, Any] | None = None,
        data: Mapping[str, Any] | None = None,
        *,
        path: str | None = None,
        weights: str | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        """Replace the whole document (new/open); clears undo history and marks it unmodified."""
        self.undo_stack.clear()
        self.path = path
        self.weights = weights
        self.extra = dict(extra or {})
        self.set_state(
            {
                "graph": graph.to_dict(),
                "training": copy.deepcopy(dict(training or DEFAULT_TRAINING)),
                "data": copy.deepcopy(dict(data or DEFAULT_DATA)),
            }
        )
        self.graph_changed.emit()
        self.training_changed.emit()
        self.data_changed.emit()
        self._weights_changed = False
        self.undo_stack.setClean()
        self.modified_changed.emit(False)

    @property
    def modified(self) -> bool:
        """True when there are unsaved edits or weights that changed since the last save."""
        return self._weights_changed or not self.undo_stack.isClean()

    def mark_weights_changed(self) -> None:
        """The network's weights changed (training, import, a link edit): saving would keep them."""
        if not self._weights_changed:
            self._weights_changed = True
            self.modified_changed.emit(True)

    def mark_saved(self, path: str) -> None:
        """Remember ``path`` and mark the current state as saved."""
        self.path = path
        was_modified = self.modified
        self._weights_changed = False
        self.undo_stack.setClean()
        if was_modified and not self.modified:
            self.modified_changed.emit(False)

    # ------------------------------------------------------------------ locking
    def set_locked(self, locked: bool, reason: str = "") -> None:
        """Refuse structural edits (with ``reason`` shown to the user) while ``locked``."""
        self.lock_reason = (reason or "Training is running.") if locked else None
        self.lock_changed.emit(locked, self.lock_reason or "")

    # ------------------------------------------------------------------ generic edit
    def edit(
        self,
        text: str,
        change: Callable[[Graph, dict[str, Any], dict[str, Any]], object],
        *,
        structural: bool = True,
        merge_key: str | None = None,
    ) -> bool:
        """Apply ``change(graph, training, data)`` to copies and push it as one undoable command.

        Returns False (and emits ``edit_refused``) when locked or when the change raises GraphError.
        """
        if structural and self.lock_reason:
            self.edit_refused.emit(f"Locked: {self.lock_reason}")
            return False
        before = self.state()
        graph, training, data = self.graph.copy(), copy.deepcopy(self.training), copy.deepcopy(self.data)
        try:
            change(graph, training, data)
        except (GraphError, KeyError, TypeError, ValueError) as exc:
            self.edit_refused.emit(str(exc).strip("'\""))
            return False
        after = {"graph": graph.to_dict(), "training": training, "data": data}
        if after == before:
            return True
        self.undo_stack.push(SnapshotCommand(self, text, before, after, merge_key))
        return True

    # ------------------------------------------------------------------ convenience edits
    def add_node(
        self, kind: str, pos: tuple[float, float], config: Mapping[str, Any] | None = None
    ) -> str | None:
        """Add a layer at ``pos``; returns its id (None when refused)."""
        new_id = self.graph.new_id(kind)

        def change(g: Graph, _t: dict, _d: dict) -> None:
            g.add_node(kind, config, pos, node_id=new_id)

        return new_id if self.edit(f"Add {kind}", change) else None

    def append_layer(self, kind: str, config: Mapping[str, Any] | None = None) -> str | None:
        """Add a layer "at the end of the chain": before the Output for hidden layers, else after the tail."""
        g = self.graph
        new_id = g.new_id(kind)
        outputs = [n for n, v in g.nodes.items() if v.kind == "output"]
        frags = g.fragments()
        main = frags[0] if frags else []

        def change(graph: Graph, _t: dict, _d: dict) -> None:
            if kind not in ("input", "output") and outputs and graph.predecessor(outputs[0]) is not None:
                out = outputs[0]
                pred = graph.predecessor(out)
                ox, oy = graph.nodes[out].pos
                graph.add_node(kind, config, (ox, oy), node_id=new_id)
                graph.insert_on_edge(new_id, pred, out)  # type: ignore[arg-type]
                _shift_from(graph, out, 215.0)
            elif kind == "input":
                head = main[0] if main else None
                x, y = (graph.nodes[head].pos[0] - 215.0, graph.nodes[head].pos[1]) if head else (0.0, 0.0)
                graph.add_node(kind, config, (x, y), node_id=new_id)
                if head and graph.connect_problem(new_id, head) is None:
                    graph.connect(new_id, head)
            else:
                tail = main[-1] if main else None
                x, y = (graph.nodes[tail].pos[0] + 215.0, graph.nodes[tail].pos[1]) if tail else (0.0, 0.0)
                graph.add_node(kind, config, (x, y), node_id=new_id)
                if tail and graph.connect_problem(tail, new_id) is None:
                    graph.connect(tail, new_id)

        return new_id if self.edit(f"Append {kind}", change) else None

    def insert_layer(self, kind: str, src: str, dst: str, pos: tuple[float, float]) -> str | None:
        """Create a layer on the link ``src -> dst``."""
        new_id = self.graph.new_id(kind)

        def change(g: Graph, _t: dict, _d: dict) -> None:
            g.add_node(kind, None, pos, node_id=new_id)
            g.insert_on_edge(new_id, src, dst)

        return new_id if self.edit(f"Insert {kind}", change) else None

    def delete(self, node_ids: list[str], edges: list[tuple[str, str]] = ()) -> bool:  # type: ignore[assignment]
        """Delete layers (the chain is bridged around a deleted middle layer) and links."""
        if not node_ids and not edges:
            return True

        def change(g: Graph, _t: dict, _d: dict) -> None:
            for s, d in edges:
                if (s, d) in g.edges:
                    g.disconnect(s, d)
            for nid in node_ids:
                if nid in g.nodes:
                    g.remove_node(nid, bridge=True)

        what = f"Delete {len(node_ids)} layer(s)" if node_ids else "Delete link"
        return self.edit(what, change)

    def move_nodes(self, positions: Mapping[str, tuple[float, float]]) -> bool:
        """Move layers (one undo step)."""

        def change(g: Graph, _t: dict, _d: dict) -> None:
            for nid, pos in positions.items():
                g.move_node(nid, pos)

        return self.edit("Move", change, structural=False)

    def connect_nodes(self, src: str, dst: str) -> bool:
        """Connect ``src -> dst`` (refused with a reason for cycles/branches)."""
        return self.edit(f"Connect {src} → {dst}", lambda g, _t, _d: g.connect(src, dst))

    def set_node_config(self, node_id: str, key: str, value: Any) -> bool:
        """Change one property of a layer (merged with the next change of the same property)."""
        return self.edit(
            f"Set {node_id}.{key}",
            lambda g, _t, _d: g.set_config(node_id, key, value),
            merge_key=f"cfg:{node_id}:{key}",
        )

    def set_training(self, path: tuple[str, ...], value: Any) -> bool:
        """Set ``training[path...] = value`` (``None`` removes it); live keys are allowed while locked."""

        def change(_g: Graph, t: dict, _d: dict) -> None:
            target = t
            for key in path[:-1]:
                target = target.setdefault(key, {})
            if value is None:
                target.pop(path[-1], None)
            else:
                target[path[-1]] = value

        structural = tuple(path) not in LIVE_KEYS
        return self.edit(
            f"Set {'.'.join(path)}", change, structural=structural, merge_key="train:" + ".".join(path)
        )

    def replace_training(self, training: Mapping[str, Any], text: str = "Change training settings") -> bool:
        """Replace the training dict in one step."""

        def change(_g: Graph, t: dict, _d: dict) -> None:
            t.clear()
            t.update(copy.deepcopy(dict(training)))

        return self.edit(text, change)

    def set_data_spec(self, data: Mapping[str, Any], text: str = "Change data") -> bool:
        """Replace the project's data spec (used by the data panel)."""

        def change(_g: Graph, _t: dict, d: dict) -> None:
            d.clear()
            d.update(copy.deepcopy(dict(data)))

        return self.edit(text, change)

    def auto_arrange(self) -> bool:
        """Lay the chain out left to right."""
        return self.edit("Auto-arrange", lambda g, _t, _d: g.auto_arrange(), structural=False)

    def paste(self, snapshot: Mapping[str, Any], offset: tuple[float, float] = (40.0, 40.0)) -> list[str]:
        """Paste copied layers with fresh ids; returns the new ids."""
        created: list[str] = []

        def change(g: Graph, _t: dict, _d: dict) -> None:
            created.extend(g.paste(snapshot, offset))

        return created if self.edit("Paste", change) else []


def _shift_from(graph: Graph, node_id: str | None, dx: float) -> None:
    """Move ``node_id`` and everything after it right by ``dx`` (making room for an inserted layer)."""
    while node_id is not None:
        x, y = graph.nodes[node_id].pos
        graph.move_node(node_id, (x + dx, y))
        node_id = graph.successor(node_id)
