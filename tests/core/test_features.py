"""Feature inputs (Playground's x1^2, x1*x2, sin(x1), ...): parsing, engine, project, exports, explain."""

from __future__ import annotations

import json

import numpy as np
import pytest

from core import features
from core.layers import Dense, Normalization
from core.model import Sequential
from core.project import build_dataset, build_model, load_project

ALL = list(features.PLAYGROUND)


def test_parse_and_syntax() -> None:
    names = ["x1", "x2"]
    assert features.parse_all(ALL, names) == [["identity", 0], ["identity", 1], ["square", 0], ["square", 1],
                                               ["product", 0, 1], ["sin", 0], ["sin", 1]]
    assert [features.label(s, names) for s in features.parse_all(ALL, names)] == ALL
    # any numeric column names work (CSV data): squares, products and sines of named columns
    assert features.parse("bill length^2", ["bill length", "mass"]) == ["square", 0]
    assert features.parse("mass*bill length", ["bill length", "mass"]) == ["product", 1, 0]
    with pytest.raises(ValueError, match="no data column 'x3'"):
        features.parse("sin(x3)", names)
    assert features.syntax_problem(ALL) is None
    assert "listed twice" in features.syntax_problem(["x1", "x1"])
    assert "exactly two columns" in features.syntax_problem(["x1*x2*x1"])
    assert "non-empty list" in features.syntax_problem([])


def test_engine_layer_computes_features_of_the_scaled_columns() -> None:
    specs = features.parse_all(ALL, ["x1", "x2"])
    layer = Normalization(mean=[1.0, -1.0], variance=[4.0, 1.0], features=specs)
    m = Sequential([layer, Dense(1, activation="sigmoid")])
    m.build(2, seed=0)
    assert layer.output_dim == 7 and m.layers[1].kernel.shape == (7, 1)
    x = np.array([[3.0, 0.5], [-1.0, -2.0]], dtype=np.float32)
    s = (x - [1.0, -1.0]) / [2.0, 1.0]
    want = np.stack([s[:, 0], s[:, 1], s[:, 0] ** 2, s[:, 1] ** 2, s[:, 0] * s[:, 1], np.sin(s[:, 0]),
                     np.sin(s[:, 1])], axis=1)
    assert np.allclose(layer.forward(x), want, atol=1e-6)
    assert np.allclose(layer.forward(x, training=True), want, atol=1e-6)
    # the config round-trips (weights files store the architecture)
    again = Sequential.from_config(m.get_config())
    again.build(2)
    assert again.layers[0].features == specs and again.layers[0].output_dim == 7
    with pytest.raises(ValueError, match="invalid feature spec"):
        Normalization(features=[["cube", 0]])


def test_circle_example_needs_no_hidden_layer(tmp_path) -> None:
    from studio.cli import main

    project = load_project("assets/examples/circle_features.json")
    dataset = build_dataset(project)
    model = build_model(project, dataset)
    assert [type(la).__name__ for la in model.layers] == ["Normalization", "Dense"]
    assert model.count_params() == 3
    assert main(["train", "assets/examples/circle_features.json", "--out", str(tmp_path), "--progress",
                 "none"]) == 0


def test_project_problems_name_the_feature() -> None:
    from core.errors import ProjectError

    base = json.load(open("assets/examples/circle_features.json"))
    base["network"]["layers"][0]["features"] = ["x1^2", "x1^2"]
    with pytest.raises(ProjectError, match="listed twice"):
        from core.project import Project

        Project.from_dict(base)
    base["network"]["layers"][0]["features"] = ["x1^2", "sin(x3)"]
    project = Project.from_dict(base)
    with pytest.raises(ProjectError, match="no data column 'x3'"):
        build_model(project, build_dataset(project))


def test_graph_width_and_canvas_labels_follow_the_features() -> None:
    from core.data_fit import DataInfo
    from core.graph import Graph

    project = load_project("assets/examples/spiral_features.json")
    info = DataInfo.from_dataset(build_dataset(project))
    graph = Graph.from_network(project.network)
    units = graph.units(info)
    first = graph.chain()[0]
    assert units[first] == 7
    assert graph.param_counts(info)[graph.chain()[1]] == 7 * 8 + 8


def _features_model():
    project = load_project("assets/examples/spiral_features.json")
    dataset = build_dataset(project)
    model = build_model(project, dataset)
    x = np.random.default_rng(0).normal(0.0, 3.0, (500, 2)).astype(np.float32)
    return model, dataset, x


def test_onnx_export_applies_the_features() -> None:
    pytest.importorskip("onnxruntime")
    from core.export.onnx import build_onnx, run_onnx

    model, dataset, x = _features_model()
    proto = build_onnx(model, dataset.preprocessing)
    ops = {n.op_type for n in proto.graph.node}
    assert {"Gather", "Sin", "Concat"} <= ops
    assert float(np.max(np.abs(run_onnx(proto, x) - model.predict(x)))) <= 1e-5


def test_pytorch_export_applies_the_features(tmp_path) -> None:
    pytest.importorskip("torch")
    from core.export.pytorch import export_pytorch
    from tests.core.test_export_pytorch import _import

    model, _dataset, x = _features_model()
    code, _weights = export_pytorch(model, tmp_path / "model.py")
    gen = _import(code)
    net = gen.load_weights(gen.build_model())
    assert float(np.max(np.abs(gen.predict(net, x) - model.predict(x)))) <= 1e-5


def test_explain_shows_the_features_and_its_gradients_are_exact() -> None:
    from core.explain import explain
    from core.explain_text import format_explanation

    project = load_project("assets/examples/spiral_features.json")
    project.dtype = "float64"
    model = build_model(project, build_dataset(project))
    x, y = [1.5, -0.5], np.array([1.0])
    exp = explain(model, x, y, input_names=["x1", "x2"])
    inp = exp.layers[0]
    assert inp.a.size == 7 and inp.a[2] == pytest.approx(inp.z[0] ** 2) and inp.a[6] == pytest.approx(
        np.sin(inp.z[1]))
    text = format_explanation(exp)
    assert f"x1*x2: {inp.z[0]:.4g}·({inp.z[1]:.4g}) = " in text and "sin(x2): sin(" in text
    # the first Dense layer's weight gradients against central differences
    dense = model.layers[1]
    k = dense.kernel
    eps = 1e-6
    for i, j in ((2, 0), (5, 3), (6, 7)):
        keep = k[i, j]
        k[i, j] = keep + eps
        up = explain(model, x, y).loss
        k[i, j] = keep - eps
        down = explain(model, x, y).loss
        k[i, j] = keep
        assert exp.layers[1].dkernel[i, j] == pytest.approx((up - down) / (2 * eps), abs=1e-8)
