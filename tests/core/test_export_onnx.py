"""ONNX export: onnx.checker passes and onnxruntime matches model.predict (max abs diff <= 1e-5)."""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

import numpy as np
import pytest

from core.errors import ExportError
from core.installation import extra_hint
from tests.core.test_export_npz import make_model

onnx = pytest.importorskip("onnx", reason="onnx not installed (pip install 'ffstudio[export]')")
ort = pytest.importorskip("onnxruntime", reason="onnxruntime not installed (pip install 'ffstudio[export]')")

from core.activations import ACTIVATION_NAMES  # noqa: E402
from core.export.onnx import ACTIVATION_OPS, build_onnx, export_onnx, run_onnx  # noqa: E402

X = np.random.default_rng(42).normal(0.5, 3.0, (1000, 4)).astype(np.float32)


def _max_diff(model, pre=None) -> float:
    proto = build_onnx(model, pre)
    got = run_onnx(proto, X)
    want = model.predict(X)
    assert got.shape == want.shape
    return float(np.max(np.abs(got.astype(np.float64) - want)))


@pytest.mark.parametrize("activation", ACTIVATION_NAMES)
def test_every_activation_matches_onnxruntime(activation: str) -> None:
    model = make_model(hidden=(16, 8), activation=activation, out=3, inputs=4, seed=1)
    assert _max_diff(model) <= 1e-5


@pytest.mark.parametrize("activation", ["leaky_relu", "elu"])
def test_activation_arguments_are_kept(activation: str) -> None:
    from core.activations import get
    from core.layers import Dense
    from core.model import Sequential

    act = get({"name": activation, "alpha": 0.3})
    model = Sequential([Dense(6, activation=act, input_dim=4), Dense(2, activation="linear")])
    model.build(4, seed=3)
    assert _max_diff(model) <= 1e-5


def test_activation_layer_prelu_and_no_bias() -> None:
    from core.layers import Activation, Dense, Dropout, Normalization, PReLU
    from core.model import Sequential

    model = Sequential([Normalization([1, 2, 3, 4], [4, 0, 1, 9]), Dense(8, use_bias=False, input_dim=4),
                        PReLU(), Dropout(0.5), Dense(5), Activation("gelu"), Dense(1, activation="sigmoid")])
    model.build(4, seed=0)
    rng = np.random.default_rng(0)
    prelu = model.layers[2]
    prelu.set_weights([rng.uniform(-0.5, 0.5, 8)])
    assert _max_diff(model, {"task": "binary"}) <= 1e-5
    ops = [n.op_type for n in build_onnx(model).graph.node]
    assert ops.count("Gemm") == 2 and "MatMul" in ops and "PRelu" in ops and ops[-1] == "Sigmoid"


def test_graph_structure_names_and_metadata(tmp_path: Path) -> None:
    model = make_model(hidden=(8,), activation="swish", out=3, inputs=4)
    pre = {"task": "multiclass", "feature_names": ["a", "b", "c", "d"], "class_names": ["x", "y", "z"]}
    path = export_onnx(model, tmp_path / "m.onnx", pre)
    proto = onnx.load(path)
    onnx.checker.check_model(proto, full_check=True)
    assert proto.opset_import[0].version >= 13
    assert [i.name for i in proto.graph.input] == ["input"]
    assert [o.name for o in proto.graph.output] == ["probabilities"]
    ops = [n.op_type for n in proto.graph.node]
    assert ops[:2] == ["Sub", "Mul"] and ops.count("Gemm") == 2 and ops[-1] == "Softmax"
    assert "Sigmoid" in ops and "Dropout" not in ops
    meta = {p.key: p.value for p in proto.metadata_props}
    assert json.loads(meta["class_names"]) == ["x", "y", "z"]
    assert json.loads(meta["ffstudio.architecture"])["layers"][1]["class_name"] == "Dense"
    sess = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    probs = sess.run(["probabilities"], {"input": X[:10]})[0]
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-6)


def test_regression_output_named_predictions() -> None:
    model = make_model(hidden=(8,), activation="relu", out=2, out_activation="linear", inputs=4)
    proto = build_onnx(model, {"task": "regression"})
    assert [o.name for o in proto.graph.output] == ["predictions"]
    assert _max_diff(model, {"task": "regression"}) <= 1e-5


def test_scaled_regression_targets_are_unscaled_in_graph() -> None:
    model = make_model(hidden=(8,), activation="tanh", out=1, out_activation="linear", inputs=4)
    pre = {"task": "regression", "target_mean": [10.0], "target_variance": [25.0]}
    got = run_onnx(build_onnx(model, pre), X)
    np.testing.assert_allclose(got, model.predict(X) * 5.0 + 10.0, atol=1e-4)


def test_gelu_and_step_compositions_use_primitives() -> None:
    assert ACTIVATION_OPS["gelu"] == ["Mul", "Add", "Tanh"]
    model = make_model(hidden=(4,), activation="gelu", inputs=4)
    ops = {n.op_type for n in build_onnx(model).graph.node}
    assert "Tanh" in ops and "Gelu" not in ops
    model = make_model(hidden=(4,), activation="step", inputs=4)
    ops = [n.op_type for n in build_onnx(model).graph.node]
    assert "GreaterOrEqual" in ops and "Cast" in ops  # the engine's step(0) is 1


def test_low_opset_refused_and_missing_extra(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    model = make_model(inputs=4)
    with pytest.raises(ExportError, match="at least 13"):
        build_onnx(model, opset=12)
    monkeypatch.setitem(sys.modules, "onnx", None)
    with pytest.raises(ExportError, match=re.escape(extra_hint("export"))):
        export_onnx(model, tmp_path / "m.onnx")
    assert not os.listdir(tmp_path)


def test_unwritable_destination(tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="does not exist"):
        export_onnx(make_model(inputs=4), tmp_path / "missing" / "m.onnx")
