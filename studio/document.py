"""The open project as the GUI edits it: core's ``Project`` plus the canvas graph and an undo stack.

``document.project`` (a :class:`core.project.Project`) is the one document model: every edit goes through
:meth:`Document.edit`, which snapshots the editable state (graph, training settings, data spec), applies
the change to a copy, pushes a :class:`studio.undo.SnapshotCommand` and writes the result back into the
project (``network``, ``layout``, ``training``, ``data``). Keys the editor does not touch (``name``,
``description``, ``network.dtype``, ``results``, ``gui``, ``weights``) stay in the project as they were,
so Open -> Save without edits gives back the same file. Structural edits are refused while training runs
(:meth:`set_locked`); live-safe training keys (learning rate) still apply.

Signals: ``graph_changed`` (nodes/edges/configs/positions), ``training_changed``, ``data_changed``,
``modified_changed(bool)`` (unsaved edits), ``edit_refused(str)`` (the reason, shown on the canvas),
``lock_changed(bool, str)``.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Callable, Mapping
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoStack

from core.graph import LAYER_SPACING, DataInfo, Graph, GraphError
from core.project import DEFAULT_TRAINING, Project
from studio.undo import SnapshotCommand

DEFAULT_DATA: dict[str, Any] = {
    "source": "toy",
    "name": "circle",
    "samples": 500,
    "noise": 0.0,
    "test_fraction": 0.5,
    "seed": 0,
}
#: training keys that may change while a run is going on (the learning rate; how a run is recorded)
LIVE_KEYS = {("optimizer", "learning_rate"), ("record",), ("record", "every"), ("record", "fps"),
             ("record", "size")}

#: ``set_training(path, NULL)`` stores an explicit null (``None`` removes the key).
NULL: Any = object()


class Document(QObject):
    """One project (``project``) with its canvas graph and a ``QUndoStack``."""

    graph_changed = Signal()
    training_changed = Signal()
    data_changed = Signal()
    modified_changed = Signal(bool)
    edit_refused = Signal(str)
    lock_changed = Signal(bool, str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.project = blank_project()
        self.graph = Graph()
        self.data_info: DataInfo | None = None
        self.lock_reason: str | None = None
        self.undo_stack = QUndoStack(self)
        self.undo_stack.cleanChanged.connect(self._clean_changed)
        #: the editable state as loaded, with the network/layout exactly as the file had them
        self._loaded: tuple[dict[str, Any], list[dict[str, Any]], dict[str, list[float]]] | None = None

    def _clean_changed(self, clean: bool) -> None:
        try:
            self.modified_changed.emit(not clean)
        except RuntimeError:  # the stack is being destroyed together with the document
            pass

    # ------------------------------------------------------------------ the project's parts
    @property
    def training(self) -> dict[str, Any]:
        """The project's ``training`` dict (edit it through :meth:`set_training` / :meth:`edit`)."""
        return self.project.training

    @property
    def data(self) -> dict[str, Any]:
        """The project's ``data`` dict (edit it through :meth:`set_data_spec`)."""
        return self.project.data

    @property
    def path(self) -> str | None:
        """The project file, or None for an unsaved project."""
        return self.project.path

    @property
    def weights(self) -> str | None:
        """The project's weights reference (relative to its folder), or None."""
        return self.project.weights

    def base_dir(self) -> str:
        """Folder that relative paths of the project refer to (the file's folder, else the working dir)."""
        return self.project.base_dir

    # ------------------------------------------------------------------ state
    def state(self) -> dict[str, Any]:
        """A deep snapshot of everything undoable."""
        return {
            "graph": self.graph.to_dict(),
            "training": copy.deepcopy(self.project.training),
            "data": copy.deepcopy(self.project.data),
        }

    def set_state(self, state: Mapping[str, Any]) -> None:
        """Restore a snapshot into the graph and the project; signals for the parts that differ."""
        graph_changed = state["graph"] != self.graph.to_dict()
        training_changed = state["training"] != self.project.training
        data_changed = state["data"] != self.project.data
        self.graph = Graph.from_dict(state["graph"])
        self.project.training = copy.deepcopy(dict(state["training"]))
        self.project.data = copy.deepcopy(dict(state["data"]))
        self._write_back()
        if graph_changed:
            self.graph_changed.emit()
        if training_changed:
            self.training_changed.emit()
        if data_changed:
            self.data_changed.emit()

    def _write_back(self) -> None:
        """The graph into the project's ``network`` and ``layout`` (as loaded when nothing differs)."""
        if self._loaded is not None and self._loaded[0]["graph"] == self.graph.to_dict():
            self.project.network = copy.deepcopy(self._loaded[1])
            self.project.layout = copy.deepcopy(self._loaded[2])
        else:
            self.project.network = self.graph.to_network()
            self.project.layout = self.graph.layout()

    def load(self, project: Project, graph: Graph | None = None) -> None:
        """Replace the whole document (New/Open): clears the undo history and marks it unmodified.

        ``graph`` (a template's hand-placed canvas) defaults to the project's network laid out by its
        ``layout``.
        """
        self.undo_stack.clear()
        self.project = project
        self.graph = graph.copy() if graph else Graph.from_network(project.network, project.layout)
        self._loaded = (self.state(), copy.deepcopy(project.network), copy.deepcopy(project.layout))
        self._write_back()
        self.graph_changed.emit()
        self.training_changed.emit()
        self.data_changed.emit()
        self.undo_stack.setClean()
        self.modified_changed.emit(False)

    @property
    def modified(self) -> bool:
        """True when there are edits since the last save (weights: ``Workspace.weights_unsaved``)."""
        return not self.undo_stack.isClean()

    def mark_saved(self) -> None:
        """The current state is what the project file holds."""
        was_modified = self.modified
        self._loaded = (self.state(), copy.deepcopy(self.project.network), copy.deepcopy(self.project.layout))
        self.undo_stack.setClean()
        if was_modified:
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
        graph, training = self.graph.copy(), copy.deepcopy(self.project.training)
        data = copy.deepcopy(self.project.data)
        try:
            change(graph, training, data)
        except (GraphError, KeyError, TypeError, ValueError) as exc:
            self.edit_refused.emit(str(exc).strip("'\""))
            return False
        after = {"graph": graph.to_dict(), "training": training, "data": data}
        if after == before:
            return True
        self.undo_stack.push(SnapshotCommand(self.set_state, text, before, after, merge_key))
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
                _shift_from(graph, out, LAYER_SPACING)
            elif kind == "input":
                head = main[0] if main else None
                hx, hy = graph.nodes[head].pos if head else (LAYER_SPACING, 0.0)
                x, y = hx - LAYER_SPACING, hy
                graph.add_node(kind, config, (x, y), node_id=new_id)
                if head and graph.connect_problem(new_id, head) is None:
                    graph.connect(new_id, head)
            else:
                tail = main[-1] if main else None
                tx, ty = graph.nodes[tail].pos if tail else (-LAYER_SPACING, 0.0)
                x, y = tx + LAYER_SPACING, ty
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
        """Set ``training[path...] = value`` (``None`` removes it, :data:`NULL` stores a JSON null);
        live keys are allowed while locked."""

        def change(_g: Graph, t: dict, _d: dict) -> None:
            target = t
            for key in path[:-1]:
                target = target.setdefault(key, {})
            if value is None:
                target.pop(path[-1], None)
            elif value is NULL:
                target[path[-1]] = None  # e.g. training.epochs: null, "until stopped"
            else:
                target[path[-1]] = value

        structural = tuple(path) not in LIVE_KEYS
        return self.edit(
            f"Set {'.'.join(path)}", change, structural=structural, merge_key="train:" + ".".join(path)
        )

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


def blank_project(
    data: Mapping[str, Any] | None = None,
    training: Mapping[str, Any] | None = None,
    graph: Graph | None = None,
) -> Project:
    """A project that has no file yet (relative paths refer to the working directory)."""
    graph = graph or Graph()
    return Project(
        network=graph.to_network(),
        data=copy.deepcopy(dict(data or DEFAULT_DATA)),
        training=copy.deepcopy(dict(training or DEFAULT_TRAINING)),
        layout=graph.layout(),
        base_dir=os.getcwd(),
    )


def _shift_from(graph: Graph, node_id: str | None, dx: float) -> None:
    """Move ``node_id`` and everything after it right by ``dx`` (making room for an inserted layer)."""
    while node_id is not None:
        x, y = graph.nodes[node_id].pos
        graph.move_node(node_id, (x + dx, y))
        node_id = graph.successor(node_id)
