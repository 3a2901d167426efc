"""Validation of the canvas graph: what prevents training (errors) and what looks like a mistake (warnings).

``validate_graph(graph, data, loss)`` (also ``Graph.validate``) checks the structure (one Input, one
Output, everything on one chain), each layer's options (``core.layer_kinds``, the same checks as the
project file) and, with data, whether the network fits it (``core.data_fit``, the same check as
``build_model``). Each :class:`Problem` names the node (and the option) it concerns.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from core import data_fit
from core.layer_kinds import KINDS, config_problems

if TYPE_CHECKING:
    from core.data_fit import DataInfo
    from core.graph import Graph, Node

__all__ = ["Problem", "validate_graph"]


@dataclass(frozen=True)
class Problem:
    """A validation finding; ``severity`` is "error" (training impossible) or "warning".

    ``key``: the layer option concerned ("units", "activation", ..., or "loss" for ``training.loss``),
    None for problems of the structure.
    """

    node_id: str | None
    severity: str
    message: str
    key: str | None = None


def validate_graph(graph: Graph, data: DataInfo | None = None, loss: Any = "auto") -> list[Problem]:
    """Everything that prevents training (errors) or looks like a mistake (warnings)."""
    probs: list[Problem] = []
    inputs = [n for n, v in graph.nodes.items() if KINDS[v.kind].place == "first"]
    outputs = [n for n, v in graph.nodes.items() if KINDS[v.kind].place == "last"]
    if not graph.nodes:
        return [
            Problem(
                None,
                "error",
                "The network is empty: drag an Input, a Dense and an Output layer from the palette.",
            )
        ]
    if not inputs:
        probs.append(Problem(None, "error", "The network has no Input layer."))
    for extra in inputs[1:]:
        probs.append(Problem(extra, "error", "Only one Input layer is allowed."))
    if not outputs:
        probs.append(Problem(None, "error", "The network has no Output layer."))
    for extra in outputs[1:]:
        probs.append(Problem(extra, "error", "Only one Output layer is allowed."))
    for node in graph.nodes.values():
        probs.extend(_config_problems(node))
    # connectivity: everything must sit on the input's chain
    if inputs:
        reach: list[str] = []
        node_id: str | None = inputs[0]
        while node_id is not None and node_id not in reach:
            reach.append(node_id)
            node_id = graph.successor(node_id)
        for nid in graph.nodes:
            if nid not in reach and nid not in inputs[1:] and nid not in outputs[1:]:
                probs.append(_err(nid, f"{nid} is not connected to the Input's chain."))
        if len(outputs) == 1 and outputs[0] not in reach:
            last = reach[-1]
            probs.append(Problem(last, "error", f"The chain stops at {last}; connect it to the Output."))
    probs.extend(_data_problems(graph, data, loss))
    probs.extend(_linear_stack_warnings(graph))
    return probs


def _data_problems(graph: Graph, data: DataInfo | None, loss: Any) -> list[Problem]:
    """``core.data_fit.fit_problems`` attached to the Input / Output node."""
    outputs = [n for n, v in graph.nodes.items() if KINDS[v.kind].place == "last"]
    inputs = [n for n, v in graph.nodes.items() if KINDS[v.kind].place == "first"]
    if data is None or len(outputs) != 1:
        return []
    first = graph.nodes[inputs[0]].config if len(inputs) == 1 else None
    ids = {"input": inputs[0] if inputs else None, "output": outputs[0]}
    return [Problem(ids[p.layer], p.severity, p.message, p.key)
            for p in data_fit.fit_problems(first, graph.nodes[outputs[0]].config, data, loss)]


def _linear_stack_warnings(graph: Graph) -> list[Problem]:
    """A linear Dense feeding a Dense/Output directly: the two collapse into one linear map."""
    probs: list[Problem] = []
    chain = graph.chain()
    if not chain:
        return probs
    for a, b in zip(chain, chain[1:], strict=False):
        na, nb = graph.nodes[a], graph.nodes[b]
        if (
            na.kind == "dense"
            and na.config.get("activation", "linear") == "linear"
            and nb.kind in ("dense", "output")
        ):
            probs.append(
                Problem(
                    a,
                    "warning",
                    f"{a} is linear and feeds {b} directly: two linear layers "
                    "collapse into one; add a non-linear activation.",
                )
            )
    return probs


def _config_problems(node: Node) -> list[Problem]:
    """The layer kind's option problems (``core.layer_kinds``), plus advice on odd activation choices."""
    cfg, nid = node.config, node.id
    probs = [Problem(nid, "error", f"{nid}.{key}: {message}", key)
             for key, message in config_problems(node.kind, cfg)]
    act = cfg.get("activation")
    if node.kind == "dense" and act == "softmax":
        probs.append(Problem(nid, "warning", f"{nid}: softmax in a hidden layer couples the units; it is "
                             "meant for the output.", "activation"))
    elif node.kind in ("dense", "activation") and act == "step":
        probs.append(Problem(nid, "warning", f"{nid}: the step function has zero gradient; gradient descent "
                             "cannot learn through it.", "activation"))
    return probs


def _err(node_id: str | None, message: str) -> Problem:
    return Problem(node_id, "error", message)
