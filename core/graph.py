"""The pure graph model behind the Studio canvas (no Qt).

A :class:`Graph` holds layer nodes (id, kind, config, canvas position) and directed edges between them.
Feedforward networks are a single chain ``input -> ... -> output``; the graph may be temporarily broken while
the user edits it, and :meth:`Graph.validate` says what is wrong, naming the node ids involved.

Serialization matches the project file (``core.project``): :meth:`Graph.to_network` returns the
``network.layers`` list (``[{"type": "input"}, {"type": "dense", "units": 8, "activation": "tanh"}]``) and
:meth:`Graph.layout` the ``layout`` mapping ``node-id -> [x, y]``. :meth:`Graph.from_network` rebuilds the
graph with the same canonical ids (``input``, ``dense_1``, ``dropout_1``, ..., ``output``), so a saved layout
lines up with the layers again after loading.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from core import data_fit
from core.data_fit import DataInfo, as_int, resolve_loss, resolve_output_activation
from core.graph_validation import Problem, validate_graph
from core.layer_kinds import KINDS

__all__ = ["Graph", "GraphError", "Node", "Problem", "LayerRow", "DataInfo", "NODE_KINDS", "KIND_LABELS",
           "LAYER_SPACING", "canonical_ids", "output_units", "resolve_loss", "resolve_output_activation"]

#: Layer kinds a node may have (``core.layer_kinds``), and their labels.
NODE_KINDS: tuple[str, ...] = tuple(KINDS)
KIND_LABELS: dict[str, str] = {key: kind.label for key, kind in KINDS.items()}
#: Horizontal distance between neighbouring layers when they are placed automatically: the canvas's
#: 120-unit cards plus a 40-unit gap for the links, so a 4-layer network fits a ~500 px canvas at 100 %.
LAYER_SPACING = 160.0


class GraphError(ValueError):
    """An edit that would make the graph something other than a feedforward chain."""


@dataclass
class Node:
    """One layer on the canvas: ``kind`` in :data:`NODE_KINDS`, ``config`` as in the project file."""

    id: str
    kind: str
    config: dict[str, Any] = field(default_factory=dict)
    pos: tuple[float, float] = (0.0, 0.0)


@dataclass(frozen=True)
class LayerRow:
    """One row of the analysis table; ``units`` None when unknown (input/output without data)."""

    node_id: str
    name: str
    kind: str
    units: int | None
    activation: str
    params: int | None

    @property
    def shape(self) -> str:
        """Keras-style output shape, e.g. ``(None, 8)``."""
        return f"(None, {self.units if self.units is not None else '?'})"


def output_units(data: DataInfo, activation: str) -> int:
    """Units the Output layer gets for ``data`` with the (resolved) ``activation`` (``core.data_fit``):
    the data's, except 2 for a binary task with a softmax output."""
    return data_fit.output_units(data.task, activation, data.output_units)


def _place(kind: str) -> str:
    return KINDS[kind].place


class Graph:
    """Layer nodes plus directed edges; edits keep it acyclic with fan-in and fan-out of at most one."""

    def __init__(self) -> None:
        self.nodes: dict[str, Node] = {}
        self.edges: list[tuple[str, str]] = []

    # ------------------------------------------------------------------ nodes
    def new_id(self, kind: str) -> str:
        """A fresh id: ``input``/``output`` for the first of those, else ``<kind>_<n>``."""
        if _place(kind) != "hidden" and kind not in self.nodes:
            return kind
        n = 1
        while f"{kind}_{n}" in self.nodes:
            n += 1
        return f"{kind}_{n}"

    def add_node(
        self,
        kind: str,
        config: Mapping[str, Any] | None = None,
        pos: tuple[float, float] = (0.0, 0.0),
        node_id: str | None = None,
    ) -> Node:
        """Add a node of ``kind`` (default config when ``config`` is None) and return it."""
        if kind not in KINDS:
            raise GraphError(f"Unknown layer type {kind!r}; expected one of {', '.join(KINDS)}")
        node_id = node_id or self.new_id(kind)
        if node_id in self.nodes:
            raise GraphError(f"Node id {node_id!r} already exists")
        cfg = copy.deepcopy(dict(KINDS[kind].new_config if config is None else config))
        node = Node(node_id, kind, cfg, (float(pos[0]), float(pos[1])))
        self.nodes[node_id] = node
        return node

    def remove_node(self, node_id: str, *, bridge: bool = False) -> Node:
        """Remove a node and its edges; with ``bridge`` its predecessor is reconnected to its successor."""
        node = self.nodes.pop(node_id)
        pred, succ = self._pred(node_id), self._succ(node_id)
        self.edges = [e for e in self.edges if node_id not in e]
        if bridge and pred is not None and succ is not None:
            self.edges.append((pred, succ))
        return node

    def move_node(self, node_id: str, pos: tuple[float, float]) -> None:
        """Set the canvas position of a node."""
        self.nodes[node_id].pos = (float(pos[0]), float(pos[1]))

    def set_config(self, node_id: str, key: str, value: Any) -> None:
        """Set one config key of a node (``None`` removes the key)."""
        cfg = self.nodes[node_id].config
        if value is None:
            cfg.pop(key, None)
        else:
            cfg[key] = value

    # ------------------------------------------------------------------ edges
    def _pred(self, node_id: str) -> str | None:
        return next((s for s, d in self.edges if d == node_id), None)

    def _succ(self, node_id: str) -> str | None:
        return next((d for s, d in self.edges if s == node_id), None)

    def predecessor(self, node_id: str) -> str | None:
        """The node feeding ``node_id`` or None."""
        return self._pred(node_id)

    def successor(self, node_id: str) -> str | None:
        """The node fed by ``node_id`` or None."""
        return self._succ(node_id)

    def connect_problem(self, src: str, dst: str) -> str | None:
        """Why ``src -> dst`` cannot be connected (one sentence), or None when it can."""
        if src not in self.nodes or dst not in self.nodes:
            return "Both layers must exist."
        if src == dst:
            return "A layer cannot feed itself."
        if _place(self.nodes[src].kind) == "last":
            label = KINDS[self.nodes[src].kind].label
            return f"The {label} layer is the end of the network; nothing can follow it."
        if _place(self.nodes[dst].kind) == "first":
            label = KINDS[self.nodes[dst].kind].label
            return f"The {label} layer is the start of the network; nothing can feed it."
        if (src, dst) in self.edges:
            return "These layers are already connected."
        if self._succ(src) is not None:
            return (
                f"{src} already feeds {self._succ(src)}; feedforward networks here are a single chain "
                "(no branches)."
            )
        if self._pred(dst) is not None:
            return f"{dst} is already fed by {self._pred(dst)}; a layer takes exactly one input."
        node: str | None = src
        while node is not None:  # walking back from src must not reach dst
            if node == dst:
                return "That connection would create a cycle; feedforward networks have none."
            node = self._pred(node)
        return None

    def connect(self, src: str, dst: str) -> None:
        """Add the edge ``src -> dst`` or raise :class:`GraphError` saying why it is refused."""
        problem = self.connect_problem(src, dst)
        if problem:
            raise GraphError(problem)
        self.edges.append((src, dst))

    def disconnect(self, src: str, dst: str) -> None:
        """Remove the edge ``src -> dst`` (KeyError if absent)."""
        try:
            self.edges.remove((src, dst))
        except ValueError:
            raise KeyError(f"No edge {src} -> {dst}") from None

    def insert_on_edge(self, node_id: str, src: str, dst: str) -> None:
        """Put an unconnected node between ``src`` and ``dst`` (replacing that edge)."""
        if (src, dst) not in self.edges:
            raise GraphError(f"No link {src} -> {dst} to insert on.")
        node = self.nodes[node_id]
        if _place(node.kind) != "hidden":
            raise GraphError(f"An {KINDS[node.kind].label} layer cannot be inserted inside the network.")
        if self._pred(node_id) is not None or self._succ(node_id) is not None:
            raise GraphError(f"{node_id} is already connected; disconnect it first.")
        self.edges.remove((src, dst))
        self.edges.extend([(src, node_id), (node_id, dst)])

    # ------------------------------------------------------------------ structure
    def fragments(self) -> list[list[str]]:
        """Connected chains (each ordered from its head), heads sorted by x position then id."""
        heads = [n for n in self.nodes if self._pred(n) is None]
        heads.sort(key=lambda n: (_place(self.nodes[n].kind) != "first", self.nodes[n].pos[0], n))
        seen: set[str] = set()
        out: list[list[str]] = []
        for head in heads:
            chain = []
            node: str | None = head
            while node is not None and node not in seen:
                seen.add(node)
                chain.append(node)
                node = self._succ(node)
            out.append(chain)
        rest = [n for n in self.nodes if n not in seen]  # only possible with a cycle (not via connect())
        if rest:
            out.append(rest)
        return out

    def chain(self) -> list[str] | None:
        """Node ids from input to output when the graph is one valid chain, else None."""
        frags = self.fragments()
        if len(frags) != 1:
            return None
        ids = frags[0]
        if _place(self.nodes[ids[0]].kind) != "first" or _place(self.nodes[ids[-1]].kind) != "last":
            return None
        if any(_place(self.nodes[n].kind) != "hidden" for n in ids[1:-1]):
            return None
        return ids

    def ordered_ids(self) -> list[str]:
        """All node ids, chain fragments concatenated (the order used when saving)."""
        return [n for frag in self.fragments() for n in frag]

    # ------------------------------------------------------------------ shapes and parameters
    def units(self, data: DataInfo | None = None) -> dict[str, int | None]:
        """Output width of every node (None where it cannot be known yet)."""
        out: dict[str, int | None] = {}
        for frag in self.fragments():
            width: int | None = None
            for nid in frag:
                node = self.nodes[nid]
                rule = KINDS[node.kind].width
                if rule == "features":
                    given, chosen = node.config.get("units"), node.config.get("features")
                    width = int(given) if given else (data.num_features if data else None)
                    if isinstance(chosen, list) and chosen:
                        width = len(chosen)
                elif rule == "targets":
                    given = node.config.get("units")
                    act = resolve_output_activation(str(node.config.get("activation", "auto")),
                                                    data.task if data else None)
                    width = int(given) if given else (output_units(data, act) if data else None)
                elif rule == "units":
                    width = as_int(node.config.get("units"))
                # "same": the layer keeps its input's width
                out[nid] = width
        return out

    def param_counts(self, data: DataInfo | None = None) -> dict[str, int | None]:
        """Trainable parameters per node (None when an input width is unknown)."""
        units = self.units(data)
        out: dict[str, int | None] = {}
        for nid, node in self.nodes.items():
            pred = self._pred(nid)
            fan_in = units.get(pred) if pred is not None else None
            u = units.get(nid)
            engine = KINDS[node.kind].engine_class()
            out[nid] = engine.params_for(fan_in, u, node.config)
        return out

    def layer_table(self, data: DataInfo | None = None) -> list[LayerRow]:
        """Rows for the analysis table in saving order: name, kind, units, activation, params."""
        units = self.units(data)
        params = self.param_counts(data)
        rows = []
        for nid in self.ordered_ids():
            node = self.nodes[nid]
            act = node.config.get("activation", "")
            if node.kind == "output":
                act = resolve_output_activation(act or "auto", data.task if data else None)
            rows.append(LayerRow(nid, nid, node.kind, units[nid], act, params[nid]))
        return rows

    def total_params(self, data: DataInfo | None = None) -> int | None:
        """Sum of trainable parameters, None when any count is unknown."""
        counts = list(self.param_counts(data).values())
        return None if any(c is None for c in counts) else int(sum(c for c in counts if c is not None))

    # ------------------------------------------------------------------ validation
    def validate(self, data: DataInfo | None = None, loss: Any = "auto") -> list[Problem]:
        """Everything that prevents training (errors) or looks like a mistake (warnings);
        see ``core.graph_validation``."""
        return validate_graph(self, data, loss)

    # ------------------------------------------------------------------ serialization
    def to_network(self) -> list[dict[str, Any]]:
        """The project file's ``network.layers`` list, in chain order (fragments appended in x order)."""
        nodes = [self.nodes[n] for n in self.ordered_ids()]
        return [{"type": node.kind, **copy.deepcopy(node.config)} for node in nodes]

    def layout(self) -> dict[str, list[float]]:
        """``canonical id -> [x, y]`` for the layers in :meth:`to_network` order (from_network's ids)."""
        ids = canonical_ids([self.nodes[n].kind for n in self.ordered_ids()])
        return {
            cid: [round(self.nodes[n].pos[0], 1), round(self.nodes[n].pos[1], 1)]
            for cid, n in zip(ids, self.ordered_ids(), strict=True)
        }

    @classmethod
    def from_network(
        cls, layers: Sequence[Mapping[str, Any]], layout: Mapping[str, Sequence[float]] | None = None
    ) -> Graph:
        """A chain graph from a ``network.layers`` list; positions from ``layout`` or auto-arranged."""
        graph = cls()
        kinds = [str(layer.get("type", "")) for layer in layers]
        ids = canonical_ids(kinds)
        prev: str | None = None
        for nid, layer in zip(ids, layers, strict=True):
            cfg = {k: copy.deepcopy(v) for k, v in layer.items() if k != "type"}
            graph.add_node(str(layer.get("type")), cfg, node_id=nid)
            if prev is not None and graph.connect_problem(prev, nid) is None:
                graph.connect(prev, nid)
            prev = nid
        graph.auto_arrange()
        if layout:
            for nid, pos in layout.items():
                if nid in graph.nodes and len(pos) == 2:
                    graph.move_node(nid, (float(pos[0]), float(pos[1])))
        return graph

    def to_dict(self) -> dict[str, Any]:
        """A full JSON-able snapshot (ids and edges kept exactly), used for undo and copy/paste."""
        return {
            "nodes": [
                {"id": n.id, "kind": n.kind, "config": copy.deepcopy(n.config), "pos": list(n.pos)}
                for n in self.nodes.values()
            ],
            "edges": [list(e) for e in self.edges],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Graph:
        """Inverse of :meth:`to_dict`."""
        graph = cls()
        for n in data.get("nodes", []):
            graph.add_node(n["kind"], n.get("config", {}), tuple(n.get("pos", (0, 0))), node_id=n["id"])
        graph.edges = [(str(s), str(d)) for s, d in data.get("edges", [])]
        return graph

    def copy(self) -> Graph:
        """A deep copy."""
        return Graph.from_dict(self.to_dict())

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Graph):
            return NotImplemented

        def key(n: dict[str, Any]) -> str:
            return str(n["id"])

        same_nodes = sorted(self.to_dict()["nodes"], key=key) == sorted(other.to_dict()["nodes"], key=key)
        return same_nodes and sorted(self.edges) == sorted(other.edges)

    __hash__ = None  # type: ignore[assignment]

    # ------------------------------------------------------------------ layout
    def auto_arrange(self, spacing: float = LAYER_SPACING, origin: tuple[float, float] = (0.0, 0.0)) -> None:
        """Place fragments left to right along rows (one row per fragment), ``spacing`` apart."""
        y = origin[1]
        for frag in self.fragments():
            for i, nid in enumerate(frag):
                self.move_node(nid, (origin[0] + i * spacing, y))
            y += 420.0

    def paste(self, data: Mapping[str, Any], offset: tuple[float, float] = (40.0, 40.0)) -> list[str]:
        """Add the nodes and internal edges of a :meth:`subgraph` snapshot with fresh ids; returns them."""
        mapping: dict[str, str] = {}
        for n in data.get("nodes", []):
            pos = (n["pos"][0] + offset[0], n["pos"][1] + offset[1])
            node = self.add_node(n["kind"], n.get("config", {}), pos)
            mapping[n["id"]] = node.id
        for s, d in data.get("edges", []):
            if s in mapping and d in mapping and self.connect_problem(mapping[s], mapping[d]) is None:
                self.connect(mapping[s], mapping[d])
        return list(mapping.values())

    def subgraph(self, ids: Iterable[str]) -> dict[str, Any]:
        """Snapshot of the given nodes and the edges among them (for copy)."""
        keep = set(ids)
        snap = self.to_dict()
        snap["nodes"] = [n for n in snap["nodes"] if n["id"] in keep]
        snap["edges"] = [e for e in snap["edges"] if e[0] in keep and e[1] in keep]
        return snap


def canonical_ids(kinds: Sequence[str]) -> list[str]:
    """Ids the way :meth:`Graph.from_network` assigns them: input, dense_1, dense_2, dropout_1, output."""
    graph = Graph()
    out = []
    for kind in kinds:
        nid = graph.new_id(kind)
        graph.nodes[nid] = Node(nid, kind)
        out.append(nid)
    return out
