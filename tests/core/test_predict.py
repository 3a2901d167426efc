"""core.predict: columns matched by name or position, same encoding, output columns, bad input."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from core.errors import DataError, ExportError
from core.predict import TrainedNetwork, predict_csv

TRAIN = """length,color,weight,species
1.0,red,3.2,a
2.0,blue,1.1,b
3.5,green,2.2,c
0.5,red,3.0,a
2.2,blue,1.5,b
3.1,green,2.7,c
1.2,red,3.1,a
2.4,blue,1.0,b
3.3,green,2.0,c
0.9,red,2.9,a
"""


def _trained(tmp_path: Path, task: str = "multiclass", missing: str = "drop") -> TrainedNetwork:
    from core.datasets.csv import load_csv
    from core.layers import Dense, Normalization
    from core.model import Sequential

    text = TRAIN
    if task == "regression":
        text = text.replace("species", "size").replace(",a\n", ",1.5\n").replace(",b\n", ",7.25\n") \
            .replace(",c\n", ",-3\n")
    if task == "binary":
        text = text.replace(",c\n", ",a\n")
    path = tmp_path / "train.csv"
    path.write_text(text)
    ds = load_csv(path, test_fraction=0.2, task=task, missing=missing)
    out, act = {"multiclass": (3, "softmax"), "binary": (1, "sigmoid"), "regression": (1, "linear")}[task]
    model = Sequential([Normalization(*ds.normalization()), Dense(6, activation="tanh"),
                        Dense(out, activation=act)])
    model.build(ds.num_features, seed=1)
    return TrainedNetwork(model, ds.preprocessing)


def _expected(trained: TrainedNetwork, df: pd.DataFrame) -> np.ndarray:
    from core.datasets.encoding import encode_frame

    return trained.model.predict(encode_frame(trained.preprocessing, df[["length", "color", "weight"]]))


def test_by_name_with_reordered_and_extra_columns(tmp_path: Path) -> None:
    trained = _trained(tmp_path)
    new = tmp_path / "new.csv"
    new.write_text("id;weight;color;length\n7;3.0;red;1.1\n8;1.2;blue;2.1\n9;2.5;green;3.0\n")
    result = predict_csv(trained, new, tmp_path / "pred.csv")
    assert result.matched_by == "name" and result.rows == 3
    text = (tmp_path / "pred.csv").read_text().splitlines()
    assert text[0].startswith("id;weight;color;length;prob_a;") and text[1].startswith("7;3.0;red;1.1;")
    out = pd.read_csv(tmp_path / "pred.csv", sep=";")  # the input's rows verbatim: its delimiter too
    assert list(out.columns) == ["id", "weight", "color", "length", "prob_a", "prob_b", "prob_c", "predicted"]
    want = _expected(trained, pd.read_csv(new, sep=";"))
    np.testing.assert_allclose(out[["prob_a", "prob_b", "prob_c"]].to_numpy(), want, atol=1e-6)
    assert list(out["predicted"]) == [["a", "b", "c"][i] for i in want.argmax(axis=1)]
    np.testing.assert_allclose(out[["prob_a", "prob_b", "prob_c"]].sum(axis=1), 1.0, atol=1e-5)


def test_by_position_without_header_and_with_other_names(tmp_path: Path) -> None:
    trained = _trained(tmp_path)
    rows = "1.1,red,3.0\n2.1,blue,1.2\n3.0,green,2.5\n"
    (tmp_path / "nohead.csv").write_text(rows)
    (tmp_path / "other.csv").write_text("L,C,W\n" + rows)
    r1 = predict_csv(trained, tmp_path / "nohead.csv", tmp_path / "p1.csv")
    r2 = predict_csv(trained, tmp_path / "other.csv", tmp_path / "p2.csv")
    assert r1.matched_by == r2.matched_by == "position" and r1.rows == r2.rows == 3
    p1, p2 = pd.read_csv(tmp_path / "p1.csv"), pd.read_csv(tmp_path / "p2.csv")
    assert list(p1.columns[:3]) == ["length", "color", "weight"] and list(p2.columns[:3]) == ["L", "C", "W"]
    want = _expected(trained, pd.read_csv(tmp_path / "nohead.csv", names=["length", "color", "weight"]))
    for p in (p1, p2):
        np.testing.assert_allclose(p[["prob_a", "prob_b", "prob_c"]].to_numpy(), want, atol=1e-6)


def test_binary_and_regression_columns(tmp_path: Path) -> None:
    new = tmp_path / "new.csv"
    new.write_text("length,color,weight\n1.1,red,3.0\n2.1,blue,1.2\n")
    binary = _trained(tmp_path, "binary")
    predict_csv(binary, new, tmp_path / "b.csv")
    out = pd.read_csv(tmp_path / "b.csv")
    p = _expected(binary, pd.read_csv(new))[:, 0]
    np.testing.assert_allclose(out["prob_b"], p, atol=1e-6)
    np.testing.assert_allclose(out["prob_a"], 1 - p, atol=1e-6)
    assert list(out["predicted"]) == ["b" if v >= 0.5 else "a" for v in p]
    reg = _trained(tmp_path, "regression")
    predict_csv(reg, new, tmp_path / "r.csv")
    out = pd.read_csv(tmp_path / "r.csv")
    assert list(out.columns) == ["length", "color", "weight", "pred_size"]
    np.testing.assert_allclose(out["pred_size"], _expected(reg, pd.read_csv(new))[:, 0], atol=1e-6)


def test_bad_inputs(tmp_path: Path) -> None:
    trained = _trained(tmp_path)
    cases = {
        "wrong_count.csv": ("a,b\n1,2\n", "exactly 3 columns, but the file has 2"),
        "unknown_cat.csv": ("length,color,weight\n1,red,2\n1,purple,2\n",
                            "unknown category 'purple' in line 3"),  # file lines, like the CSV importer
        "text.csv": ("length,color,weight\n1,red,2\n\nabc,red,2\n",
                     "expected numbers, got text in line(s) 4"),
        "empty.csv": ("", "empty"),
        "header_only.csv": ("length,color,weight\n", "no data rows"),
    }
    for name, (text, message) in cases.items():
        (tmp_path / name).write_text(text)
        with pytest.raises(DataError) as err:
            predict_csv(trained, tmp_path / name, tmp_path / "out.csv")
        assert message in str(err.value) and name in str(err.value)
    (tmp_path / "binary.csv").write_bytes(b"\x00\x01\x02binary")
    with pytest.raises(DataError, match="binary"):
        predict_csv(trained, tmp_path / "binary.csv", tmp_path / "out.csv")
    with pytest.raises(DataError, match="not found"):
        predict_csv(trained, tmp_path / "missing.csv", tmp_path / "out.csv")
    assert not (tmp_path / "out.csv").exists()


def test_unwritable_output_leaves_nothing(tmp_path: Path) -> None:
    trained = _trained(tmp_path)
    (tmp_path / "new.csv").write_text("length,color,weight\n1.1,red,3.0\n")
    before = sorted(os.listdir(tmp_path))
    with pytest.raises(ExportError, match="does not exist"):
        predict_csv(trained, tmp_path / "new.csv", tmp_path / "nope" / "pred.csv")
    assert sorted(os.listdir(tmp_path)) == before


# ------------------------------------------------------------------ with a saved project (core.project)
def _saved_project(tmp_path: Path, weights: bool = True) -> tuple[Path, object, object]:
    import json

    from core.export import save_weights_npz
    from core.project import build_dataset, build_model, load_project, training_arrays

    doc = {"format": "ffstudio-project", "version": 1,
           "network": {"layers": [{"type": "input"},
                                  {"type": "dense", "units": 6, "activation": "tanh"},
                                  {"type": "dropout", "rate": 0.1},
                                  {"type": "output", "activation": "auto"}]},
           "data": {"source": "toy", "name": "blobs", "classes": 3, "samples": 120, "noise": 0.1,
                    "test_fraction": 0.25, "seed": 1},
           "training": {"loss": "auto", "optimizer": {"name": "adam", "learning_rate": 0.02},
                        "batch_size": 16, "epochs": 3, "seed": 0}}
    path = tmp_path / "proj.json"
    path.write_text(json.dumps(doc))
    project = load_project(path)
    dataset = build_dataset(project)
    model = build_model(project, dataset)
    x, y, *_ = training_arrays(project, dataset, model)
    model.fit(x, y, epochs=3, batch_size=16, seed=0)
    if weights:
        save_weights_npz(model, tmp_path / "proj.npz", dataset.preprocessing)
        doc["weights"] = "proj.npz"
        path.write_text(json.dumps(doc))
    return path, model, dataset


def test_saved_project_restores_predictions_identically(tmp_path: Path) -> None:
    from core.predict import load_trained

    path, model, dataset = _saved_project(tmp_path)
    trained = load_trained(path)
    x = np.concatenate([dataset.x_train, dataset.x_test])
    np.testing.assert_array_equal(trained.model.predict(x), model.predict(x))
    assert trained.model.loss.name == "sparse_categorical_crossentropy"
    assert trained.task == "multiclass" and trained.raw_columns == ["x1", "x2"]


def test_cli_predict_and_export(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from studio.cli import main

    path, model, dataset = _saved_project(tmp_path)
    new = tmp_path / "new.csv"
    pd.DataFrame(dataset.x_test[:7], columns=["x1", "x2"]).to_csv(new, index=False)
    assert main(["predict", str(path), "--input", str(new), "--out", str(tmp_path / "pred.csv")]) == 0
    out = pd.read_csv(tmp_path / "pred.csv")
    probs = out[[c for c in out.columns if c.startswith("prob_")]].to_numpy()
    np.testing.assert_allclose(probs, model.predict(dataset.x_test[:7]), atol=1e-6)
    assert "wrote 7 predictions" in capsys.readouterr().out
    for fmt, name in (("npz", "e.npz"), ("pytorch", "m.py")):
        assert main(["export", str(path), "--format", fmt, "-o", str(tmp_path / name)]) == 0
        assert (tmp_path / name).is_file()
    code = (tmp_path / "m.py").read_text()
    assert "nn.CrossEntropyLoss" in code and "lr=0.02" in code and "BATCH_SIZE = 16" in code


def test_cli_errors_are_one_line_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from studio.cli import main

    path, _, _ = _saved_project(tmp_path, weights=False)
    (tmp_path / "new.csv").write_text("x1,x2\n1,2\n")
    new, out = str(tmp_path / "new.csv"), str(tmp_path / "o.csv")
    assert main(["predict", str(path), "--input", new, "--out", out]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "no trained weights" in err and err.count("\n") == 1
    assert main(["export", str(path), "--format", "onnx", "-o", str(tmp_path / "m.onnx")]) == 2
    assert "no trained weights" in capsys.readouterr().err
    path, _, _ = _saved_project(tmp_path)
    assert main(["export", str(path), "--format", "npz", "-o", str(tmp_path / "nodir" / "w.npz")]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert main(["predict", str(path), "--input", str(tmp_path / "missing.csv"), "--out", "o.csv"]) == 2
    assert "not found" in capsys.readouterr().err
    assert not (tmp_path / "o.csv").exists() and not (tmp_path / "m.onnx").exists()


def test_weights_of_another_network_are_refused_layer_by_layer(tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    """A project pointing at weights trained for another network: predict/export exit 2 with one line."""
    import json

    from core.predict import load_trained
    from studio.cli import main

    path, _, dataset = _saved_project(tmp_path)
    doc = json.loads(path.read_text())
    doc["network"]["layers"][1] = {"type": "dense", "units": 9, "activation": "relu"}
    other = tmp_path / "other.json"
    other.write_text(json.dumps(doc))
    with pytest.raises(ExportError, match="different architecture") as info:
        load_trained(other)
    assert "layer 1: file has Dense 6 tanh, network needs Dense 9 relu" in str(info.value)
    new = tmp_path / "new.csv"
    pd.DataFrame(dataset.x_test[:3], columns=["x1", "x2"]).to_csv(new, index=False)
    assert main(["predict", str(other), "--input", str(new), "--out", str(tmp_path / "p.csv")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and "different architecture" in err
    assert main(["export", str(other), "--format", "onnx", "-o", str(tmp_path / "m.onnx")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and "layer 1: file has Dense 6 tanh" in err
    assert not (tmp_path / "p.csv").exists() and not (tmp_path / "m.onnx").exists()
    # a layer fewer, and an output activation that differs from what "auto" resolves to
    doc["network"]["layers"] = [doc["network"]["layers"][0], doc["network"]["layers"][3]]
    other.write_text(json.dumps(doc))
    with pytest.raises(ExportError, match="the file has 4 layers, the network has 2"):
        load_trained(other)
    # the same network (explicit units/activation matching "auto") still loads
    doc = json.loads(path.read_text())
    doc["network"]["layers"][0]["units"] = 2
    doc["network"]["layers"][3] = {"type": "output", "units": 3, "activation": "softmax"}
    other.write_text(json.dumps(doc))
    assert load_trained(other).model.output_dim == 3


NEW_WITH_GAPS = ("id,length,color,weight\n1,1.1,red,3.0\n2,,blue,1.2\n\n3,3.0,green,2.5\n4,2.0,,1.1\n"
                 "5,0.7,red,2.9\n")  # missing values on lines 3 and 6 (line 4 is blank)


def test_missing_values_with_drop_policy_are_written_without_predictions(tmp_path: Path) -> None:
    trained = _trained(tmp_path)  # load_csv(missing="drop"): no fill values stored
    new = tmp_path / "new.csv"
    new.write_text(NEW_WITH_GAPS)
    result = predict_csv(trained, new, tmp_path / "pred.csv")
    assert result.rows == 5 and result.skipped_lines == [3, 6] and result.imputed == 0
    assert result.note() == ("2 rows with missing values not predicted (lines 3, 6; the project drops such "
                             "rows, so their prediction columns are empty)")
    out = pd.read_csv(tmp_path / "pred.csv")
    assert list(out["id"]) == [1, 2, 3, 4, 5]
    assert out.loc[[1, 3], ["prob_a", "prob_b", "prob_c", "predicted"]].isna().all().all()
    df = pd.read_csv(new).iloc[[0, 2, 4]]
    np.testing.assert_allclose(out.loc[[0, 2, 4], ["prob_a", "prob_b", "prob_c"]].to_numpy(),
                               _expected(trained, df), atol=1e-6)
    assert out["predicted"].notna().sum() == 3
    # every row missing a value: nothing to predict, one clear error
    (tmp_path / "all.csv").write_text("length,color,weight\n,red,1\n2,,1\n")
    with pytest.raises(DataError, match=r"every row has a missing value \(lines 2, 3\)"):
        predict_csv(trained, tmp_path / "all.csv", tmp_path / "none.csv")
    assert not (tmp_path / "none.csv").exists()


def test_missing_values_with_impute_policy_use_the_training_fill(tmp_path: Path) -> None:
    trained = _trained(tmp_path, missing="impute")
    cols = {c["name"]: c for c in trained.preprocessing["columns"]}
    new = tmp_path / "new.csv"
    new.write_text(NEW_WITH_GAPS)
    result = predict_csv(trained, new, tmp_path / "pred.csv")
    assert result.skipped_lines == [] and result.imputed == 2
    assert result.note() == "2 missing values filled with the training mean / most frequent category"
    out = pd.read_csv(tmp_path / "pred.csv")
    filled = pd.read_csv(new)
    filled.loc[1, "length"] = cols["length"]["fill"]
    filled.loc[3, "color"] = cols["color"]["fill"]
    np.testing.assert_allclose(out[["prob_a", "prob_b", "prob_c"]].to_numpy(), _expected(trained, filled),
                               atol=1e-6)


def test_cli_predict_notes_skipped_rows_on_stderr(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from studio.cli import main

    path, model, dataset = _saved_project(tmp_path)
    new = tmp_path / "new.csv"
    new.write_text("x1,x2\n0.5,1.0\n,2.0\n1.5,\n-1,0.25\n")
    assert main(["predict", str(path), "--input", str(new), "--out", str(tmp_path / "pred.csv")]) == 0
    captured = capsys.readouterr()
    assert "wrote 4 rows (2 predicted)" in captured.out
    assert captured.err.count("\n") == 1 and captured.err.startswith("note: 2 rows with missing values")
    assert "lines 3, 4" in captured.err
    out = pd.read_csv(tmp_path / "pred.csv")
    assert out["predicted"].isna().tolist() == [False, True, True, False]
