"""CSV import: real files under tests/data/csv, one per documented good and bad input."""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from core.datasets.csv import load_csv
from core.errors import DataError

DATA = Path(__file__).resolve().parents[1] / "data" / "csv"


def test_good_file_quoted_fields_categoricals_and_stratified_split() -> None:
    ds = load_csv(DATA / "good.csv", test_fraction=0.25, seed=3)
    assert ds.source == "csv" and ds.task == "multiclass" and ds.target_names == ["kind"]
    assert ds.class_names == ["setosa", "versicolor", "virginica"]
    assert ds.feature_names == ["sepal_len", "sepal_wid", "color=blue", "color=green", "color=red",
                                "note=big, bright", "note=plain", 'note=said "hi"']
    assert ds.x_train.dtype == np.float32 and ds.y_train.dtype == np.int64
    assert len(ds.x_train) == 45 and len(ds.x_test) == 15
    assert np.bincount(ds.y_test).tolist() == [5, 5, 5]
    onehot = ds.x_train[:, 2:5]
    np.testing.assert_array_equal(onehot.sum(axis=1), 1.0)
    # scaling fitted on the training split only
    np.testing.assert_allclose(ds.normalization()[0], ds.x_train.mean(axis=0), rtol=1e-5, atol=1e-6)
    assert "60 rows read" in ds.summary and "class balance" in ds.summary
    assert "color (categorical, 3 values)" in ds.summary
    again = load_csv(DATA / "good.csv", test_fraction=0.25, seed=3)
    np.testing.assert_array_equal(again.x_test, ds.x_test)


def test_encode_frame_reproduces_training_encoding() -> None:
    ds = load_csv(DATA / "good.csv", test_fraction=0.2)
    raw = pd.read_csv(DATA / "good.csv")
    x = ds.encode_frame(raw)
    full = np.concatenate([ds.x_train, ds.x_test])
    assert x.shape == full.shape
    # every encoded row is one of the dataset rows (order differs after the split)
    assert {tuple(r) for r in x.round(4)} == {tuple(r) for r in full.round(4)}
    with pytest.raises(DataError, match="'color': unknown category 'purple'"):
        ds.encode_frame(pd.DataFrame({"sepal_len": [5.0], "sepal_wid": [3.0], "color": ["purple"],
                                      "note": ["plain"]}))
    with pytest.raises(DataError, match="'note' is missing"):
        ds.encode_frame(pd.DataFrame({"sepal_len": [5.0], "sepal_wid": [3.0], "color": ["red"]}))
    with pytest.raises(DataError, match="'sepal_len': expected numbers"):
        ds.encode_frame(pd.DataFrame({"sepal_len": ["big"], "sepal_wid": [3.0], "color": ["red"],
                                      "note": ["plain"]}))


@pytest.mark.parametrize(
    "name, delimiter",
    [("semicolon.csv", "semicolon"), ("tab.tsv", "tab"), ("pipe.csv", "pipe"), ("bom.csv", "comma"),
     ("crlf_no_final_newline.csv", "comma")],
)
def test_delimiters_and_bom(name: str, delimiter: str) -> None:
    ds = load_csv(DATA / name, test_fraction=0.25)
    assert ds.feature_names == ["a", "b"] and ds.class_names == ["x", "y"]
    assert f"{delimiter}-separated" in ds.summary
    if name == "bom.csv":
        assert "UTF-8 with BOM" in ds.summary


def test_latin1_fallback() -> None:
    ds = load_csv(DATA / "latin1.csv")
    assert "latin-1" in ds.summary
    assert "ville=Orléans" in ds.feature_names and "ville=Besançon" in ds.feature_names


def test_no_header_detected() -> None:
    ds = load_csv(DATA / "no_header.csv")
    assert ds.feature_names == ["column_1", "column_2"] and ds.target_names == ["column_3"]
    assert len(ds) == 12 and "no header" in ds.summary


def test_missing_values_drop_and_impute() -> None:
    dropped = load_csv(DATA / "missing_values.csv", test_fraction=0.2)
    assert len(dropped) == 15 and "rows dropped: 5" in dropped.summary and "missing in 'a'" in dropped.summary
    imputed = load_csv(DATA / "missing_values.csv", missing="impute", test_fraction=0.2, seed=1)
    assert len(imputed) == 20 and "imputed: a (5)" in imputed.summary
    fill = imputed.preprocessing["columns"][0]["fill"]
    train_a = imputed.x_train[:, 0]
    present = train_a[train_a != np.float32(fill)]
    assert abs(fill - present.mean()) < 1e-4  # mean of the training rows
    x = imputed.encode_frame(pd.DataFrame({"a": [None], "b": [2]}))
    np.testing.assert_allclose(x, [[fill, 2.0]], rtol=1e-6)


def test_task_detection_and_override() -> None:
    assert load_csv(DATA / "regression.csv").task == "regression"
    reg = load_csv(DATA / "regression.csv")
    assert reg.y_train.dtype == np.float32 and reg.y_train.shape == (40, 1) and reg.class_names == []
    num = load_csv(DATA / "numeric_classes.csv")
    assert num.task == "multiclass" and num.class_names == ["0", "1", "2"]
    assert "'f1' looks like an ID" in num.summary
    as_reg = load_csv(DATA / "numeric_classes.csv", task="regression")
    assert as_reg.task == "regression" and as_reg.y_train.shape[1] == 1
    multi = load_csv(DATA / "regression.csv", target=["x2", "y"])
    assert multi.y_train.shape == (40, 2) and multi.feature_names == ["x1"]
    ign = load_csv(DATA / "good.csv", ignore=["note", "color"])
    assert ign.feature_names == ["sepal_len", "sepal_wid"]
    tgt = load_csv(DATA / "good.csv", target="color", ignore=["note"], task="multiclass")
    assert tgt.class_names == ["blue", "green", "red"] and "kind=setosa" in tgt.feature_names


@pytest.mark.parametrize(
    "name, kwargs, pattern",
    [
        ("does_not_exist.csv", {}, r"does_not_exist\.csv: file not found"),
        ("empty.csv", {}, r"empty\.csv: file is empty"),
        ("whitespace.csv", {}, r"whitespace\.csv: file is empty"),
        ("header_only.csv", {}, r"header_only\.csv: has a header line but no data rows"),
        ("ragged_long.csv", {}, r"ragged_long\.csv: line 4 has 4 fields, expected 3"),
        ("ragged_short.csv", {}, r"ragged_short\.csv: line 4 has 2 fields, expected 3"),
        ("binary.csv", {}, r"binary\.csv: not a text file"),
        ("duplicate_columns.csv", {}, r"line 1: duplicate column name 'a' \(columns 1 and 3\)"),
        ("text_in_numeric.csv", {}, r"'height' \(column 1\): expected numbers, got text on line\(s\) 7, 12"),
        ("one_class.csv", {}, r"target column 'target' has only one class \('same'\)"),
        ("all_missing.csv", {}, r"column 'empty' \(column 2\) has no values"),
        ("many_categories.csv", {}, r"column 'user' \(column 1\) has 60 categories; at most 50.*ID column"),
        ("good.csv", {"target": "species"}, r"target column 'species' not found; columns are sepal_len"),
        ("good.csv", {"ignore": ["nope"]}, r"ignored column 'nope' not found"),
        ("target_text_regression.csv", {"task": "regression"}, r"target column 'target' holds text"),
        ("good.csv", {"task": "binary"}, r"task binary needs 2 classes"),
        ("good.csv", {"missing": "zero"}, r"missing must be one of drop, impute"),
    ],
)
def test_bad_inputs_raise_one_clear_data_error(name: str, kwargs: dict, pattern: str) -> None:
    with pytest.raises(DataError, match=pattern) as info:
        load_csv(DATA / name, **kwargs)
    assert "\n" not in str(info.value)


def test_folder_instead_of_file(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="is a folder"):
        load_csv(tmp_path)


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root can read any file")
def test_unreadable_file(tmp_path: Path) -> None:
    p = tmp_path / "locked.csv"
    p.write_text("a,b\n1,2\n")
    p.chmod(0)
    with pytest.raises(DataError, match="cannot read file"):
        load_csv(p)


def test_more_than_a_million_rows_is_refused_quickly(tmp_path: Path) -> None:
    """Documented choice: files above 1,000,000 data rows are refused after a byte scan (no parsing)."""
    p = tmp_path / "huge.csv"
    with open(p, "wb") as fh:
        fh.write(b"a,target\n")
        fh.write(b"1,0\n2,1\n" * 500_001)
    start = time.perf_counter()
    with pytest.raises(DataError, match=r"huge\.csv: more than 1,000,000 rows.*Take a sample"):
        load_csv(p)
    assert time.perf_counter() - start < 10.0


def test_large_file_loads_in_chunks_with_progress(tmp_path: Path) -> None:
    p = tmp_path / "big.csv"
    rng = np.random.default_rng(0)
    x = rng.normal(size=(150_000, 2)).round(3)
    pd.DataFrame({"u": x[:, 0], "v": x[:, 1], "t": (x[:, 0] > 0).astype(int)}).to_csv(p, index=False)
    calls: list[tuple[float, str]] = []
    ds = load_csv(p, progress=lambda f, m: calls.append((f, m)), test_fraction=0.1)
    assert len(ds) == 150_000 and ds.task == "binary"
    fractions = [f for f, _ in calls]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert any("read 100,000 of 150,000 rows" in m for _, m in calls)
    with pytest.raises(DataError, match="limit is 100,000 rows"):
        load_csv(p, max_rows=100_000)


def test_decimal_commas_in_a_semicolon_file() -> None:
    ds = load_csv(DATA / "decimal_comma.csv", test_fraction=0.34)
    x = np.concatenate([ds.x_train, ds.x_test])
    assert sorted(x[:, 0].tolist()) == [1.0, 1.5, 1.75, 2.0, 2.5, 3.25]
    assert "decimal commas read as decimal points" in ds.summary
    new = ds.encode_frame(pd.DataFrame({"laenge": ["2,5"], "breite": ["1,25"]}))
    np.testing.assert_allclose(new, [[2.5, 1.25]])


def test_id_like_text_column_and_too_many_classes(tmp_path: Path) -> None:
    p = tmp_path / "ids.csv"
    p.write_text("name,v,t\n" + "".join(f"n{i},{i % 4},{'ab'[i % 2]}\n" for i in range(20)))
    assert "'name' looks like an ID (every value unique)" in load_csv(p).summary
    q = tmp_path / "classes.csv"
    q.write_text("v,t\n" + "".join(f"{i % 7},c{i}\n" for i in range(300)))
    with pytest.raises(DataError, match="target column 't' has 300 classes"):
        load_csv(q)


def test_features_parsed_to_float32_targets_exact_and_split_rows(tmp_path: Path) -> None:
    """Feature columns are float32 from the parse on (half the memory); a decimal target keeps its exact
    class names; the train/test rows are the file's rows picked by the stratified split."""
    from core.datasets.dataset import stratified_split

    rng = np.random.default_rng(4)
    a, b = rng.normal(size=300).round(6), rng.normal(size=300).round(6)
    t = np.where(a + b > 0, "0.1", "0.2")
    rows = [f"{i},{x},{y},{c}" for i, (x, y, c) in enumerate(zip(a, b, t, strict=True))]
    rows[17] = "17,NA," + rows[17].split(",", 2)[2]  # one gap, imputed
    p = tmp_path / "d.csv"
    p.write_text("id,a,b,t\n" + "\n".join(rows) + "\n")
    ds = load_csv(p, missing="impute", seed=1, task="binary")
    assert ds.class_names == ["0.1", "0.2"] and ds.task == "binary"
    assert "'id' looks like an ID (consecutive unique integers)" in ds.summary
    y = (t == "0.2").astype(np.int64)
    train, test = stratified_split(300, 0.2, 1, labels=y)
    fill = ds.preprocessing["columns"][1]["fill"]
    assert abs(fill - np.delete(a, 17)[np.isin(np.delete(np.arange(300), 17), train)].mean()) < 1e-6
    full = np.stack([np.arange(300), np.where(np.arange(300) == 17, fill, a), b], axis=1).astype(np.float32)
    np.testing.assert_array_equal(ds.x_train, full[train])
    np.testing.assert_array_equal(ds.x_test, full[test])
    np.testing.assert_array_equal(ds.y_train, y[train])
    rows[40] = "40,1e39,0.5,0.1"
    p.write_text("id,a,b,t\n" + "\n".join(rows) + "\n")
    with pytest.raises(DataError, match=r"column 'a': value 1e\+39 on line\(s\) 42 is infinite or beyond"):
        load_csv(p, missing="impute")
