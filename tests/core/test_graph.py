"""core.graph: the pure model behind the canvas (no Qt)."""

from __future__ import annotations

import pytest

from core.graph import DataInfo, Graph, GraphError, canonical_ids

BINARY = DataInfo(num_features=2, output_units=1, task="binary", num_classes=2)
MULTI = DataInfo(num_features=4, output_units=3, task="multiclass", num_classes=3)
REGR = DataInfo(num_features=3, output_units=1, task="regression")


def chain(*specs: dict) -> Graph:
    return Graph.from_network([{"type": "input"}, *specs, {"type": "output", "activation": "auto"}])


def messages(
    graph: Graph, data: DataInfo | None = None, loss: str = "auto"
) -> list[tuple[str | None, str, str]]:
    return [(p.node_id, p.severity, p.message) for p in graph.validate(data, loss)]


def test_from_network_assigns_canonical_ids_and_chains_them() -> None:
    g = chain(
        {"type": "dense", "units": 4, "activation": "tanh"},
        {"type": "dropout", "rate": 0.1},
        {"type": "dense", "units": 2, "activation": "tanh"},
    )
    assert list(g.nodes) == ["input", "dense_1", "dropout_1", "dense_2", "output"]
    assert g.edges == [
        ("input", "dense_1"),
        ("dense_1", "dropout_1"),
        ("dropout_1", "dense_2"),
        ("dense_2", "output"),
    ]
    assert g.chain() == list(g.nodes)
    assert canonical_ids(["input", "dense", "dense", "output"]) == ["input", "dense_1", "dense_2", "output"]


def test_network_and_layout_round_trip() -> None:
    layers = [
        {"type": "input"},
        {"type": "dense", "units": 8, "activation": "relu", "use_bias": False},
        {"type": "dropout", "rate": 0.25},
        {"type": "output", "activation": "softmax", "units": 3},
    ]
    g = Graph.from_network(layers)
    g.move_node("dense_1", (100.5, -20.0))
    again = Graph.from_network(g.to_network(), g.layout())
    assert again.to_network() == layers
    assert again.nodes["dense_1"].pos == (100.5, -20.0)
    assert again == g


def test_units_and_parameter_counts_follow_data() -> None:
    g = chain(
        {"type": "dense", "units": 4, "activation": "tanh"},
        {"type": "dense", "units": 2, "activation": "tanh"},
    )
    assert g.units(BINARY) == {"input": 2, "dense_1": 4, "dense_2": 2, "output": 1}
    assert g.param_counts(BINARY) == {"input": 0, "dense_1": 12, "dense_2": 10, "output": 3}
    assert g.total_params(BINARY) == 25
    assert g.total_params(None) is None  # input width unknown without data
    g.set_config("dense_1", "use_bias", False)
    assert g.param_counts(BINARY)["dense_1"] == 8


def test_prelu_dropout_activation_keep_width() -> None:
    g = chain(
        {"type": "dense", "units": 5},
        {"type": "prelu"},
        {"type": "dropout", "rate": 0.5},
        {"type": "activation", "activation": "relu"},
    )
    units = g.units(MULTI)
    assert units["prelu_1"] == units["dropout_1"] == units["activation_1"] == 5
    assert g.param_counts(MULTI)["prelu_1"] == 5
    assert g.param_counts(MULTI)["output"] == 5 * 3 + 3
    rows = g.layer_table(MULTI)
    assert [r.shape for r in rows] == [
        "(None, 4)",
        "(None, 5)",
        "(None, 5)",
        "(None, 5)",
        "(None, 5)",
        "(None, 3)",
    ]
    assert rows[-1].activation == "softmax"


def test_valid_default_network_has_no_problems() -> None:
    g = chain({"type": "dense", "units": 4, "activation": "tanh"})
    assert g.validate(BINARY) == []


@pytest.mark.parametrize(
    "src,dst,reason",
    [
        ("dense_1", "dense_1", "itself"),
        ("output", "dense_1", "end of the network"),
        ("dense_1", "input", "start of the network"),
        ("dense_1", "output", "already connected"),
        ("input", "output", "already feeds"),
    ],
)
def test_connect_refuses_non_feedforward_edges(src: str, dst: str, reason: str) -> None:
    g = chain({"type": "dense", "units": 4})
    assert reason in (g.connect_problem(src, dst) or "")
    with pytest.raises(GraphError):
        g.connect(src, dst)


def test_connect_refuses_cycles_and_fan_in() -> None:
    g = Graph()
    a = g.add_node("dense").id
    b = g.add_node("dense").id
    c = g.add_node("dense").id
    g.connect(a, b)
    g.connect(b, c)
    assert "cycle" in g.connect_problem(c, a)
    d = g.add_node("dense").id
    assert "already fed" in g.connect_problem(d, b)


def test_insert_on_edge_and_bridged_delete() -> None:
    g = chain({"type": "dense", "units": 4})
    nid = g.add_node("dropout").id
    g.insert_on_edge(nid, "dense_1", "output")
    assert g.chain() == ["input", "dense_1", "dropout_1", "output"]
    g.remove_node("dropout_1", bridge=True)
    assert g.chain() == ["input", "dense_1", "output"]
    with pytest.raises(GraphError):
        g.insert_on_edge(g.add_node("output").id, "input", "dense_1")


def test_validation_reports_structure_problems_with_node_ids() -> None:
    assert "empty" in messages(Graph())[0][2]
    g = Graph()
    g.add_node("dense", {"units": 4})
    found = messages(g, BINARY)
    assert (None, "error", "The network has no Input layer.") in found
    assert (None, "error", "The network has no Output layer.") in found

    g = chain({"type": "dense", "units": 4})
    g.add_node("input")
    g.add_node("dense", {"units": 3})
    found = messages(g, BINARY)
    assert ("input_1", "error", "Only one Input layer is allowed.") in found
    assert any(nid == "dense_2" and "not connected" in msg for nid, _s, msg in found)

    g = chain({"type": "dense", "units": 4})
    g.disconnect("dense_1", "output")
    found = messages(g, BINARY)
    assert any(nid == "dense_1" and "connect it to the Output" in msg for nid, _s, msg in found)
    assert any(nid == "output" and "not connected" in msg for nid, _s, msg in found)


def test_validation_checks_configs() -> None:
    g = chain(
        {"type": "dense", "units": 0},
        {"type": "dropout", "rate": 1.5},
        {"type": "dense", "units": 3, "activation": "nope"},
    )
    found = messages(g, BINARY)
    assert any(n == "dense_1" and "positive integer" in m for n, _s, m in found)
    assert any(n == "dropout_1" and "[0, 1)" in m for n, _s, m in found)
    assert any(n == "dense_2" and "dense_2.activation: Unknown activation: 'nope'" in m for n, _s, m in found)
    g = chain({"type": "dense", "units": 3, "kernel_regularizer": {"name": "l1_l2", "l1": -1.0}})
    found = messages(g, BINARY)
    assert any("dense_1.kernel_regularizer: l1 must be a finite number >= 0" in m for _n, _s, m in found)


def test_output_units_must_match_data() -> None:
    g = Graph.from_network([{"type": "input"}, {"type": "output", "units": 2, "activation": "softmax"}])
    found = messages(g, MULTI)
    assert ("output", "error", "Output has 2 units but the data needs 3 classes.") in found
    g = Graph.from_network([{"type": "input", "units": 5}, {"type": "output"}])
    assert any(n == "input" and "4 features" in m for n, _s, m in messages(g, MULTI))


def test_loss_and_activation_compatibility() -> None:
    g = Graph.from_network([{"type": "input"}, {"type": "output", "activation": "sigmoid"}])
    assert any(
        s == "warning" and "binary cross-entropy fits better" in m for _n, s, m in messages(g, BINARY, "mse")
    )
    assert messages(g, BINARY, "binary_crossentropy") == []
    assert any(
        s == "error" and "binary task" in m for _n, s, m in messages(g, BINARY, "categorical_crossentropy")
    )
    g = Graph.from_network([{"type": "input"}, {"type": "output", "activation": "softmax"}])
    assert messages(g, MULTI, "sparse_categorical_crossentropy") == []
    # binary + softmax trains as 2 softmax units with sparse categorical cross-entropy (core.project)
    assert messages(g, BINARY) == []
    assert g.units(BINARY)["output"] == 2
    g1 = Graph.from_network([{"type": "input"}, {"type": "output", "activation": "softmax", "units": 1}])
    assert any(s == "error" and "2 units" in m for _n, s, m in messages(g1, BINARY))
    assert any("classification loss" in m for _n, _s, m in messages(g, REGR, "categorical_crossentropy"))
    g = Graph.from_network([{"type": "input"}, {"type": "output", "activation": "linear"}])
    assert any("softmax outputs" in m for _n, _s, m in messages(g, MULTI, "categorical_crossentropy"))


def test_linear_layers_collapse_warning() -> None:
    g = chain({"type": "dense", "units": 4, "activation": "linear"})
    assert any(n == "dense_1" and "collapse" in m for n, _s, m in messages(g, BINARY))


def test_to_dict_from_dict_exact_and_paste_fresh_ids() -> None:
    g = chain({"type": "dense", "units": 4}, {"type": "dense", "units": 2})
    snap = g.to_dict()
    assert Graph.from_dict(snap).to_dict() == snap
    sub = g.subgraph(["dense_1", "dense_2"])
    created = g.paste(sub, (10.0, 10.0))
    assert created == ["dense_3", "dense_4"]
    assert ("dense_3", "dense_4") in g.edges
    assert (
        g.nodes["dense_3"].config == {"units": 4, "activation": "relu"}
        or g.nodes["dense_3"].config["units"] == 4
    )


def test_saving_order_of_a_broken_graph_keeps_every_layer() -> None:
    g = chain({"type": "dense", "units": 4})
    g.disconnect("dense_1", "output")
    extra = g.add_node("dropout", pos=(900.0, 0.0))
    kinds = [layer["type"] for layer in g.to_network()]
    assert sorted(kinds) == sorted(["input", "dense", "output", "dropout"])
    assert kinds[0] == "input"
    assert extra.id in g.nodes


def test_auto_arrange_places_chain_left_to_right() -> None:
    g = chain({"type": "dense", "units": 4}, {"type": "dense", "units": 2})
    for nid in g.nodes:
        g.move_node(nid, (0.0, 0.0))
    g.auto_arrange(spacing=100.0)
    assert [g.nodes[n].pos for n in g.chain()] == [(0.0, 0.0), (100.0, 0.0), (200.0, 0.0), (300.0, 0.0)]


def test_auto_loss_and_output_units_agree_with_core_project() -> None:
    """The panel's "auto" and the validation use core.project's rules (what training does)."""
    from core import graph, project

    for task in ("binary", "multiclass", "regression"):
        for act in ("auto", "sigmoid", "softmax", "linear", "tanh"):
            resolved_act = graph.resolve_output_activation(act, task)
            assert resolved_act == project.resolve_output_activation(act, task)
            for loss in ("auto", "mse", "binary_crossentropy"):
                expected = project.resolve_loss(loss, task, resolved_act)
                assert graph.resolve_loss(loss, task, resolved_act) == expected
            data = {"binary": BINARY, "multiclass": MULTI, "regression": REGR}[task]
            assert graph.output_units(data, resolved_act) == project.output_units(task, resolved_act,
                                                                                  data.output_units)
    assert graph.resolve_loss("auto", "binary", "softmax") == "sparse_categorical_crossentropy"
    assert graph.resolve_output_activation("auto", None) == "auto"


def test_validation_accepts_exactly_what_build_model_accepts() -> None:
    """For every output activation x loss on binary toy data: no graph error <=> build_model works."""
    from core.datasets.toy import make_toy
    from core.errors import ProjectError
    from core.project import Project, build_model

    ds = make_toy("xor", samples=40)
    info = DataInfo.from_dataset(ds)
    for act in ("auto", "sigmoid", "softmax", "linear"):
        for loss in ("auto", "mse", "binary_crossentropy", "categorical_crossentropy",
                     "sparse_categorical_crossentropy"):
            g = Graph.from_network([{"type": "input"}, {"type": "dense", "units": 3, "activation": "tanh"},
                                    {"type": "output", "activation": act}])
            errors = [m for _n, s, m in messages(g, info, loss) if s == "error"]
            project = Project(network=g.to_network(), data={"source": "toy", "name": "xor"},
                              training={"loss": loss, "optimizer": "adam"})
            try:
                model = build_model(project, ds)
                built = True
                assert model.output_dim == g.units(info)["output"]
            except ProjectError:
                built = False
            assert built == (not errors), (act, loss, errors)
