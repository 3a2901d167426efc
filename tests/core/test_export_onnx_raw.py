"""`ffstudio export --format onnx --raw-inputs`: onnxruntime on the raw penguins columns (missing values
included) gives `ffstudio predict`'s probabilities within 1e-5 and the same labels."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from studio.cli import main
from tests.core.test_evaluate import penguins_project, split_penguins

onnx = pytest.importorskip("onnx", reason="onnx not installed (pip install 'ffstudio[export]')")
ort = pytest.importorskip("onnxruntime", reason="onnxruntime not installed (pip install 'ffstudio[export]')")

from core.export.onnx_raw import raw_feeds  # noqa: E402
from core.predict import load_trained  # noqa: E402


def trained_penguins(folder: Path, **data: object) -> Path:
    split_penguins(folder)
    project = penguins_project(folder, **data)
    assert main(["train", str(project), "--out", str(folder / "out"), "--progress", "none"]) == 0
    return folder / "out" / "project.json"


def export_and_compare(project: Path, folder: Path, capsys) -> tuple[dict, pd.DataFrame, list]:
    """Export with --raw-inputs, run it and `predict` on test.csv; return (outputs, predictions, inputs)."""
    model_path = folder / "raw.onnx"
    assert main(["export", str(project), "--format", "onnx", "--raw-inputs", "-o", str(model_path)]) == 0
    assert main(["predict", str(project), "--input", str(folder / "test.csv"), "--out",
                 str(folder / "p.csv")]) == 0
    capsys.readouterr()
    trained = load_trained(project)
    test = pd.read_csv(folder / "test.csv")
    session = ort.InferenceSession(str(model_path), providers=["CPUExecutionProvider"])
    names = [o.name for o in session.get_outputs()]
    outputs = dict(zip(names, session.run(None, raw_feeds(test, trained.preprocessing)), strict=True))
    kinds = {c["name"]: c["kind"] for c in trained.preprocessing["columns"]}
    assert {i.name: i.type for i in session.get_inputs()} == {
        name: "tensor(string)" if kind == "categorical" else "tensor(float)" for name, kind in kinds.items()}
    proto = onnx.load(str(model_path))
    assert {o.domain or "ai.onnx" for o in proto.opset_import} == {"ai.onnx", "ai.onnx.ml"}
    assert {n.domain or "ai.onnx" for n in proto.graph.node} <= {"ai.onnx", "ai.onnx.ml"}
    return outputs, pd.read_csv(folder / "p.csv"), [i.name for i in session.get_inputs()]


def test_multiclass_with_imputed_missing_values_matches_predict(tmp_path: Path, capsys) -> None:
    project = trained_penguins(tmp_path)
    outputs, pred, inputs = export_and_compare(project, tmp_path, capsys)
    assert inputs == ["island", "bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g", "sex"]
    test = pd.read_csv(tmp_path / "test.csv")
    assert test[inputs].isna().any(axis=1).sum() >= 2  # rows with a missing number and a missing category
    want = pred[["prob_Adelie", "prob_Chinstrap", "prob_Gentoo"]].to_numpy()
    assert outputs["probabilities"].shape == want.shape
    assert np.max(np.abs(outputs["probabilities"] - want)) <= 1e-5
    assert list(outputs["label"]) == list(pred["predicted"])


def test_missing_category_token_and_empty_text_are_the_same_gap(tmp_path: Path, capsys) -> None:
    project = trained_penguins(tmp_path)
    model_path = tmp_path / "raw.onnx"
    assert main(["export", str(project), "--format", "onnx", "--raw-inputs", "-o", str(model_path)]) == 0
    trained = load_trained(project)
    row = pd.read_csv(tmp_path / "test.csv").iloc[:1]
    session = ort.InferenceSession(str(model_path), providers=["CPUExecutionProvider"])
    feeds = raw_feeds(row, trained.preprocessing)
    runs = []
    for text in ("", "NA", "?", trained.preprocessing["columns"][-1]["fill"]):
        feeds["sex"] = np.array([[text]], dtype=object)
        runs.append(session.run(None, feeds)[0])
    for other in runs[1:]:
        np.testing.assert_array_equal(runs[0], other)


def test_binary_sigmoid_gives_both_class_probabilities(tmp_path: Path, capsys) -> None:
    project = trained_penguins(tmp_path, target="sex", missing="impute")
    outputs, pred, _ = export_and_compare(project, tmp_path, capsys)
    assert outputs["probabilities"].shape[1] == 2
    known = pred["predicted"].notna().to_numpy()
    want = pred[["prob_female", "prob_male"]].to_numpy()
    assert np.max(np.abs(outputs["probabilities"][known] - want[known])) <= 1e-5
    assert list(outputs["label"][known]) == list(pred["predicted"][known])


@pytest.mark.parametrize("scaling", ["none", "standard"])
def test_regression_in_target_units(tmp_path: Path, capsys, scaling: str) -> None:
    project = trained_penguins(tmp_path, target="flipper_length_mm", task="regression",
                               target_scaling=scaling)
    outputs, pred, _ = export_and_compare(project, tmp_path, capsys)
    want = pred["pred_flipper_length_mm"].to_numpy()
    np.testing.assert_allclose(outputs["predictions"][:, 0], want, rtol=1e-5, atol=1e-5)


def test_drop_policy_leaves_rows_with_gaps_without_prediction(tmp_path: Path, capsys) -> None:
    project = trained_penguins(tmp_path, missing="drop")
    outputs, pred, _ = export_and_compare(project, tmp_path, capsys)
    skipped = pred["predicted"].isna().to_numpy()
    assert 2 <= skipped.sum() < len(pred)
    assert np.isnan(outputs["probabilities"][skipped]).all()
    assert list(outputs["label"][skipped]) == [""] * int(skipped.sum())
    want = pred[["prob_Adelie", "prob_Chinstrap", "prob_Gentoo"]].to_numpy()[~skipped]
    assert np.max(np.abs(outputs["probabilities"][~skipped] - want)) <= 1e-5
    assert list(outputs["label"][~skipped]) == list(pred["predicted"][~skipped])


def test_raw_inputs_is_for_onnx_only_and_default_stays_encoded(tmp_path: Path, capsys) -> None:
    project = trained_penguins(tmp_path)
    assert main(["export", str(project), "--format", "npz", "--raw-inputs", "-o",
                 str(tmp_path / "w.npz")]) == 2
    err = capsys.readouterr().err
    assert err == "error: --raw-inputs applies to --format onnx only, not npz\n"
    assert main(["export", str(project), "--format", "onnx", "-o", str(tmp_path / "enc.onnx")]) == 0
    session = ort.InferenceSession(str(tmp_path / "enc.onnx"), providers=["CPUExecutionProvider"])
    trained = load_trained(project)
    assert [(i.name, i.shape[1]) for i in session.get_inputs()] == [("input", len(trained.preprocessing[
        "feature_names"]))]
    meta = json.loads(onnx.load(str(tmp_path / "enc.onnx")).metadata_props[1].value)
    assert meta["columns"] == trained.preprocessing["columns"]


@pytest.mark.parametrize("column, ok", [("one", True), ("label", False)])
def test_column_names_never_collide_with_graph_names(tmp_path: Path, capsys, column: str, ok: bool) -> None:
    """A feature column may be called like an internal constant ("one"); one called like an output cannot."""
    split_penguins(tmp_path)
    for name in ("train.csv", "test.csv"):
        path = tmp_path / name
        path.write_text(path.read_text().replace("bill_depth_mm", column, 1))
    project = penguins_project(tmp_path, target="sex")  # binary: the graph uses its constant "one"
    assert main(["train", str(project), "--epochs", "2", "--out", str(tmp_path / "out"),
                 "--progress", "none"]) == 0
    capsys.readouterr()
    code = main(["export", str(tmp_path / "out" / "project.json"), "--format", "onnx", "--raw-inputs", "-o",
                 str(tmp_path / "raw.onnx")])
    err = capsys.readouterr().err
    if ok:
        assert code == 0, err
        session = ort.InferenceSession(str(tmp_path / "raw.onnx"), providers=["CPUExecutionProvider"])
        assert column in [i.name for i in session.get_inputs()]
    else:
        assert code == 2
        assert err.startswith("error: column 'label' has the name of a graph output")
        assert not (tmp_path / "raw.onnx").exists()


FEATURES = ["bill_length_mm", "flipper_length_mm", "bill_length_mm^2", "bill_length_mm*bill_depth_mm",
            "sin(body_mass_g)", "island=Dream"]


def test_input_features_are_computed_in_the_graph(tmp_path: Path, capsys) -> None:
    """An input layer listing features (x^2, x*y, sin) on the raw columns: the graph computes them too."""
    split_penguins(tmp_path)
    project = penguins_project(tmp_path)
    doc = json.loads(project.read_text())
    doc["network"]["layers"][0] = {"type": "input", "features": FEATURES}
    project.write_text(json.dumps(doc))
    assert main(["train", str(project), "--out", str(tmp_path / "out"), "--progress", "none"]) == 0
    outputs, pred, _ = export_and_compare(tmp_path / "out" / "project.json", tmp_path, capsys)
    want = pred[["prob_Adelie", "prob_Chinstrap", "prob_Gentoo"]].to_numpy()
    assert np.max(np.abs(outputs["probabilities"] - want)) <= 1e-5
    assert list(outputs["label"]) == list(pred["predicted"])
