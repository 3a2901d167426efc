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


def _trained(tmp_path: Path, task: str = "multiclass") -> TrainedNetwork:
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
    ds = load_csv(path, test_fraction=0.2, task=task)
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
    out = pd.read_csv(tmp_path / "pred.csv")
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
                            "unknown category 'purple' in row 2"),
        "text.csv": ("length,color,weight\n1,red,2\nabc,red,2\n", "expected numbers, got text in row(s) 2"),
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
