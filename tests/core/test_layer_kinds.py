"""One definition of layer kinds: the project validator, the canvas validation and build_model agree."""

from __future__ import annotations

import copy
import inspect
import re
from typing import Any

import pytest

from core import layer_kinds
from core.data_fit import DataInfo
from core.errors import ProjectError
from core.explain import explain, label_target
from core.explain_text import format_explanation
from core.features import PLAYGROUND
from core.graph import Graph, canonical_ids
from core.layer_kinds import KINDS, OUTPUT_ACTIVATIONS
from core.layers import LAYER_CLASSES
from core.project import Project, build_dataset, build_model
from core.project_schema import validate_project

DATA = {"source": "toy", "name": "circle", "samples": 60, "seed": 1}  # binary, 2 features (x1, x2)
BASE_LAYERS = [{"type": "input"}, {"type": "dense", "units": 4, "activation": "tanh"},
               {"type": "output", "activation": "auto"}]


@pytest.fixture(scope="module")
def dataset():
    return build_dataset(Project(network=[], data=dict(DATA)))


def _doc(layers: list[dict[str, Any]], loss: Any = "auto") -> dict[str, Any]:
    return {"format": "ffstudio-project", "version": 1, "network": {"layers": layers}, "data": dict(DATA),
            "training": {"loss": loss, "epochs": 1}}


# --------------------------------------------------------------------------- every documented value
def _documented_values(opt: layer_kinds.Option) -> list[Any]:
    """Values the README documents for an option type (names come from the engine registries)."""
    extra = {
        "units": [1, 16], "boolean": [True, False], "rate": [0, 0.0, 0.5, 0.95], "seed": [None, 0, 7],
        "name": ["my_layer"],
        "regularizer": [None, "l1", "l2", "l1_l2", {"name": "l2", "l2": 0.001},
                        {"name": "l1_l2", "l1": 0.01, "l2": 0.02}],
        "alpha": [0.25, 0, {"name": "constant", "value": 0.1}],
        "activation": [{"name": "leaky_relu", "alpha": 0.2}],
        "output_activation": [],
        "initializer": [{"name": "random_normal", "stddev": 0.1}],
        "features": [["x1", "x2"], ["x1^2", "x2^2"], list(PLAYGROUND)],
    }[opt.type]
    return list(opt.choices()) + extra


def _cases() -> list[tuple[str, str, Any]]:
    out = []
    for kind in KINDS.values():
        for opt in kind.options:
            if opt.type == "units" and kind.width in ("features", "targets"):
                continue  # must equal the data's width: covered by the fit parity cases below
            for value in _documented_values(opt):
                out.append((kind.key, opt.key, value))
    return out


def _network_with(kind: str, key: str, value: Any) -> list[dict[str, Any]]:
    layers = copy.deepcopy(BASE_LAYERS)
    layer = {"type": kind, **copy.deepcopy(KINDS[kind].new_config), key: copy.deepcopy(value)}
    if kind == "input":
        layers[0] = layer
    elif kind == "output":
        layers[-1] = layer  # softmax on the binary data: 2 units with sparse categorical cross-entropy
    else:
        layers.insert(2, layer)
    return layers


def test_documented_values_cover_the_readme_examples() -> None:
    cases = _cases()
    assert ("dense", "kernel_initializer", "ones") in cases
    assert ("dense", "kernel_regularizer", "l2") in cases
    assert ("output", "activation", "tanh") in cases
    assert len(cases) > 100


@pytest.mark.parametrize(("kind", "key", "value"), _cases(), ids=lambda v: str(v)[:30])
def test_every_documented_value_is_accepted_everywhere(dataset, kind: str, key: str, value: Any) -> None:
    layers = _network_with(kind, key, value)
    assert validate_project(_doc(layers)) == []
    errors = [p.message for p in Graph.from_network(layers).validate(DataInfo.from_dataset(dataset))
              if p.severity == "error"]
    assert errors == []
    model = build_model(Project.from_dict(_doc(layers)), dataset)
    assert len(model.layers) == len(layers)


# --------------------------------------------------------------------------- the same problems
BROKEN: dict[str, tuple[list[dict[str, Any]], Any]] = {
    "units zero": ([{"type": "input"}, {"type": "dense", "units": 0}, {"type": "output"}], "auto"),
    "units float": ([{"type": "input"}, {"type": "dense", "units": 2.5}, {"type": "output"}], "auto"),
    "units text": ([{"type": "input"}, {"type": "dense", "units": "8"}, {"type": "output"}], "auto"),
    "units missing": ([{"type": "input"}, {"type": "dense"}, {"type": "output"}], "auto"),
    "unknown activation": ([{"type": "input"}, {"type": "dense", "units": 3, "activation": "nope"},
                            {"type": "output"}], "auto"),
    "activation null": ([{"type": "input"}, {"type": "dense", "units": 3, "activation": None},
                         {"type": "output"}], "auto"),
    "bad initializer": ([{"type": "input"}, {"type": "dense", "units": 3, "kernel_initializer": "bogus"},
                         {"type": "output", "bias_initializer": "nah"}], "auto"),
    "bad regularizers": ([{"type": "input"}, {"type": "dense", "units": 3, "kernel_regularizer": "l3"},
                          {"type": "output", "kernel_regularizer": {"name": "l1_l2", "l1": -1.0}}], "auto"),
    "regularizer without name": ([{"type": "input"},
                                  {"type": "dense", "units": 3, "kernel_regularizer": {"l1": 0.1}},
                                  {"type": "output"}], "auto"),
    "use_bias text": ([{"type": "input"}, {"type": "dense", "units": 3, "use_bias": "yes"},
                       {"type": "output"}], "auto"),
    "dropout": ([{"type": "input"}, {"type": "dropout", "rate": 1.5, "seed": -1}, {"type": "dropout"},
                 {"type": "output"}], "auto"),
    "activation layer": ([{"type": "input"}, {"type": "activation"},
                          {"type": "activation", "activation": 3}, {"type": "output"}], "auto"),
    "prelu": ([{"type": "input"}, {"type": "prelu", "alpha_initializer": "bogus"}, {"type": "output"}],
              "auto"),
    "output activation": ([{"type": "input"}, {"type": "output", "activation": "relu"}], "auto"),
    "unknown key and empty name": ([{"type": "input", "colour": "red"},
                                    {"type": "dense", "units": 2, "name": ""}, {"type": "output"}], "auto"),
    "input units": ([{"type": "input", "units": 5}, {"type": "output"}], "auto"),
    "input features": ([{"type": "input", "features": ["x1^2", "sin(x3)"], "units": 3}, {"type": "output"}],
                       "auto"),
    "features twice": ([{"type": "input", "features": ["x1", "x1"]}, {"type": "output"}], "auto"),
    "output units": ([{"type": "input"}, {"type": "output", "units": 3, "activation": "sigmoid"}], "auto"),
    "softmax units": ([{"type": "input"}, {"type": "output", "units": 1, "activation": "softmax"}], "auto"),
    "loss vs activation": ([{"type": "input"}, {"type": "output", "activation": "softmax"}],
                           "binary_crossentropy"),
    "softmax loss": ([{"type": "input"}, {"type": "output", "activation": "sigmoid"}],
                     "categorical_crossentropy"),
    # the project validator refuses a file before the data is read, so each case breaks either the
    # options or the fit with the data
    "several options": ([{"type": "input", "name": 1}, {"type": "dense", "units": -1, "activation": "x"},
                         {"type": "dropout", "rate": 2}, {"type": "output", "use_bias": 0}], "auto"),
    "several fit problems": ([{"type": "input", "units": 3},
                              {"type": "output", "units": 4, "activation": "tanh"}],
                             "sparse_categorical_crossentropy"),
}


def _project_problems(layers: list[dict[str, Any]], loss: Any, dataset) -> set[tuple[str, str, str]]:
    """(node id, key, message) of the project validator, then of build_model's check against the data."""
    ids = canonical_ids([layer["type"] for layer in layers])
    problems = validate_project(_doc(layers, loss))
    if not problems:
        with pytest.raises(ProjectError) as info:
            build_model(Project.from_dict(_doc(layers, loss)), dataset)
        problems = info.value.problems
    out = set()
    for text in problems:
        m = re.fullmatch(r"network\.layers\[(\d+)\]\.(\w+): (.*)", text) or \
            re.fullmatch(r"training\.(loss): (.*)", text)
        assert m, text
        if len(m.groups()) == 3:
            out.add((ids[int(m[1])], m[2], m[3]))
        else:
            out.add((ids[-1], "loss", m[2]))
    return out


def _canvas_problems(layers: list[dict[str, Any]], loss: Any, dataset) -> set[tuple[str, str, str]]:
    found = Graph.from_network(layers).validate(DataInfo.from_dataset(dataset), loss)
    out = set()
    for p in found:
        if p.severity != "error":
            continue
        assert p.key is not None, p
        out.add((p.node_id, p.key, p.message.removeprefix(f"{p.node_id}.{p.key}: ")))
    return out


@pytest.mark.parametrize("case", list(BROKEN))
def test_project_and_canvas_report_the_same_problems(dataset, case: str) -> None:
    layers, loss = BROKEN[case]
    project = _project_problems(layers, loss, dataset)
    canvas = _canvas_problems(layers, loss, dataset)
    assert project, "the case must be broken"
    assert project == canvas


def test_the_table_matches_the_engine_classes() -> None:
    """Every option is an argument of the kind's engine class, with the same default."""
    for kind in KINDS.values():
        cls = kind.engine_class()
        assert LAYER_CLASSES[kind.engine] is cls
        params = inspect.signature(cls.__init__).parameters
        for opt in kind.options:
            if kind.width == "features" and opt.key == "units":
                continue  # the input layer becomes Normalization, sized by the data
            assert opt.key in params, (kind.key, opt.key)
            engine_default = params[opt.key].default
            if opt.default is not None and engine_default is not inspect.Parameter.empty:
                expected = "linear" if engine_default is None and opt.key == "activation" else engine_default
                assert opt.default == expected or kind.width == "targets", (kind.key, opt.key)
        assert kind.label and kind.subtitle and kind.description and kind.place in ("first", "hidden", "last")


def test_output_activations_are_one_list() -> None:
    assert KINDS["output"].option_map["activation"].choices() == OUTPUT_ACTIVATIONS
    problem = KINDS["output"].option_map["activation"].problem("relu")
    assert problem == "expected one of auto, linear, sigmoid, softmax, tanh, got 'relu'"


def test_unknown_kind() -> None:
    with pytest.raises(ValueError, match="expected one of input, dense, dropout, activation, prelu, output"):
        layer_kinds.get("conv2d")
    assert validate_project(_doc([{"type": "input"}, {"type": "conv2d"}, {"type": "output"}])) == [
        "network.layers[1].type: expected one of input, dense, dropout, activation, prelu, output, "
        "got 'conv2d'"]


def test_a_new_kind_needs_only_its_table_entry(monkeypatch, dataset) -> None:
    """A kind added to the table (here: an activation layer fixed to gelu) is known to the project file,
    the canvas (nodes, validation) and build_model without touching them."""
    from core.layer_kinds import LayerKind, Option

    kind = LayerKind("gelu_layer", "GELU", "Activation",
                     (Option("activation", "activation", "gelu", label="Activation",
                             help="the non-linearity"),),
                     {"activation": "gelu"}, "smooth ReLU", "GELU as its own layer.")
    monkeypatch.setitem(KINDS, "gelu_layer", kind)
    layers = [{"type": "input"}, {"type": "dense", "units": 4}, {"type": "gelu_layer"}, {"type": "output"}]
    assert validate_project(_doc(layers)) == []
    graph = Graph.from_network(layers)
    assert graph.nodes["gelu_layer_1"].config == {}
    node = graph.add_node("gelu_layer")
    assert node.config == {"activation": "gelu"}
    graph.remove_node(node.id)
    info = DataInfo.from_dataset(dataset)
    assert [p for p in graph.validate(info) if p.severity == "error"] == []
    assert graph.units(info)["gelu_layer_1"] == 4 and graph.param_counts(info)["gelu_layer_1"] == 0
    model = build_model(Project.from_dict(_doc(layers)), dataset)
    assert type(model.layers[2]).__name__ == "Activation" and model.layers[2].activation.name == "gelu"
    # and the Explain pass writes it out, through its engine class
    target = label_target(dataset.y_test[0], task=dataset.task, units=int(model.output_dim))
    text = format_explanation(explain(model, dataset.x_test[0], target), layer_names={2: "gelu_layer_1"})
    assert "\ngelu_layer_1 (Activation, 4 units, gelu)\n  #1: a = gelu(" in text
    bad = _doc([{"type": "input"}, {"type": "gelu_layer", "activation": "nope"}, {"type": "output"}])
    assert validate_project(bad)[0].startswith("network.layers[1].activation: Unknown activation: 'nope'")
