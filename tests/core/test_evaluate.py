"""Scoring on your own test file: `data.test_path` and `ffstudio evaluate` on the penguins example.

The penguins CSV is split into train/test files; every number the command prints is checked against
core.metrics computed independently from `ffstudio predict`'s output (its probability columns).
"""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from core import metrics
from core.errors import DataError, ProjectError
from core.project import build_dataset, load_project, save_project
from studio.cli import main

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "assets" / "examples"
CLASSES = ["Adelie", "Chinstrap", "Gentoo"]


def split_penguins(folder: Path, train_rows: int = 250) -> tuple[Path, Path]:
    """Write the penguins CSV as train.csv (first ``train_rows`` shuffled rows) and test.csv (the rest)."""
    with open(EXAMPLES / "penguins_synthetic.csv", newline="") as fh:
        header, *rows = list(csv.reader(fh))
    random.Random(0).shuffle(rows)
    paths = folder / "train.csv", folder / "test.csv"
    for path, part in zip(paths, (rows[:train_rows], rows[train_rows:]), strict=True):
        with open(path, "w", newline="") as fh:
            csv.writer(fh).writerows([header, *part])
    return paths


def penguins_project(folder: Path, **data: object) -> Path:
    doc = json.loads((EXAMPLES / "penguins.json").read_text())
    doc["data"].update({"path": "train.csv", "test_path": "test.csv", "missing": "impute", **data})
    doc["training"]["epochs"] = 30
    path = folder / "penguins.json"
    path.write_text(json.dumps(doc))
    return path


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with train.csv, test.csv, penguins.json (test_path set) and out/ from `ffstudio train`."""
    folder = tmp_path_factory.mktemp("penguins")
    split_penguins(folder)
    project = penguins_project(folder)
    assert main(["train", str(project), "--out", str(folder / "out"), "--progress", "none"]) == 0
    return folder


def test_test_path_is_the_validation_split(trained: Path) -> None:
    ds = build_dataset(load_project(trained / "penguins.json"))
    test = pd.read_csv(trained / "test.csv")
    train = pd.read_csv(trained / "train.csv")
    assert len(ds.y_train) == len(train)  # impute: every training row, none held out
    assert len(ds.y_test) == len(test)
    assert [CLASSES[i] for i in ds.y_test] == list(test["species"])
    # the test rows are encoded with the training fill values and categories, scaling fitted on train only
    mean = train["bill_length_mm"].mean()
    bill = ds.feature_names.index("bill_length_mm")
    gaps = test["bill_length_mm"].isna().to_numpy()
    np.testing.assert_allclose(ds.x_test[~gaps, bill], test["bill_length_mm"][~gaps], rtol=1e-6)
    np.testing.assert_allclose(ds.x_test[gaps, bill], mean, rtol=1e-6)
    np.testing.assert_allclose(ds.normalization()[0][bill], ds.x_train[:, bill].mean(), rtol=1e-5)
    assert "test rows from the test file" in ds.summary


def test_evaluate_classification_matches_independent_metrics(trained: Path, capsys) -> None:
    project = trained / "out" / "project.json"
    code, out, err = run(capsys, "evaluate", str(project), "--input", str(trained / "test.csv"))
    assert code == 0, err
    summary = json.loads(out.strip().splitlines()[-1])
    assert set(summary) == {"rows", "accuracy", "macro_f1", "loss"}

    assert run(capsys, "predict", str(project), "--input", str(trained / "test.csv"),
               "--out", str(trained / "pred.csv"))[0] == 0
    pred = pd.read_csv(trained / "pred.csv")
    truth = np.array([CLASSES.index(s) for s in pred["species"]])
    probs = pred[[f"prob_{c}" for c in CLASSES]].to_numpy()
    predicted = np.array([CLASSES.index(s) for s in pred["predicted"]])
    assert summary["rows"] == len(pred) == 94
    assert summary["accuracy"] == pytest.approx(metrics.accuracy(truth, predicted), abs=1e-12)
    assert summary["accuracy"] > 0.9
    prf = metrics.precision_recall_f1(truth, predicted, num_classes=3)
    assert summary["macro_f1"] == pytest.approx(prf.macro_f1, abs=1e-12)
    cross_entropy = -np.mean(np.log(probs[np.arange(len(truth)), truth]))
    assert summary["loss"] == pytest.approx(cross_entropy, rel=1e-4)
    # the project's val_* results are the same test file
    results = json.loads(project.read_text())["results"]
    assert results["val_accuracy"] == pytest.approx(summary["accuracy"], abs=1e-12)

    # readable report: per-class rows and the confusion matrix counts
    cm = metrics.confusion_matrix(truth, predicted, num_classes=3)
    lines = out.splitlines()
    for i, name in enumerate(CLASSES):
        row = next(ln for ln in lines if ln.startswith(name) and len(ln.split()) == 5)
        assert row.split()[1:] == [f"{prf.precision[i]:.4f}", f"{prf.recall[i]:.4f}", f"{prf.f1[i]:.4f}",
                                   str(int(prf.support[i]))]
    start = lines.index("confusion matrix (rows: true class, columns: predicted class)")
    assert lines[start + 1].split() == CLASSES
    for i, name in enumerate(CLASSES):
        assert lines[start + 2 + i].split() == [name, *(str(int(v)) for v in cm[i])]
    assert "3 missing values filled" in out


@pytest.mark.parametrize("scaling", ["none", "standard"])
def test_evaluate_regression_matches_independent_metrics(tmp_path: Path, capsys, scaling: str) -> None:
    split_penguins(tmp_path)
    project = penguins_project(tmp_path, target="body_mass_g", task="regression", missing="drop",
                               target_scaling=scaling)
    assert main(["train", str(project), "--out", str(tmp_path / "out"), "--progress", "none"]) == 0
    trained_project = tmp_path / "out" / "project.json"
    test = tmp_path / "test.csv"
    code, out, err = run(capsys, "evaluate", str(trained_project), "--input", str(test))
    assert code == 0, err
    summary = json.loads(out.strip().splitlines()[-1])
    assert set(summary) == {"rows", "mae", "rmse", "r2"}
    code, _, err = run(capsys, "predict", str(trained_project), "--input", str(test), "--out",
                       str(tmp_path / "p.csv"))
    assert code == 0, err
    pred = pd.read_csv(tmp_path / "p.csv").dropna(subset=["pred_body_mass_g", "body_mass_g"])
    assert summary["rows"] == len(pred)
    truth, guess = pred["body_mass_g"].to_numpy(), pred["pred_body_mass_g"].to_numpy()
    assert summary["mae"] == pytest.approx(metrics.mae(truth, guess), rel=1e-5)
    assert summary["rmse"] == pytest.approx(metrics.rmse(truth, guess), rel=1e-5)
    assert summary["r2"] == pytest.approx(metrics.r2_score(truth, guess), abs=1e-5)
    assert "rows left out for missing values" in out


def test_evaluate_matches_columns_by_position_without_header(trained: Path, capsys) -> None:
    rows = (trained / "test.csv").read_text().splitlines()[1:]
    bare = trained / "bare.csv"
    bare.write_text("\n".join(rows) + "\n")
    code, out, _ = run(capsys, "evaluate", str(trained / "out" / "project.json"), "--input", str(bare))
    named = json.loads(run(capsys, "evaluate", str(trained / "out" / "project.json"), "--input",
                           str(trained / "test.csv"))[1].splitlines()[-1])
    assert code == 0 and "matched by position" in out
    assert json.loads(out.splitlines()[-1]) == named


@pytest.mark.parametrize("edit, expected", [
    (lambda t: t.replace("Gentoo", "Emperor", 1), "line 2: target 'species' holds class 'Emperor'"),
    (lambda t: "\n".join(ln.split(",", 1)[1] for ln in t.splitlines()), "column(s) species not found"),
    (lambda t: t.replace(",Dream,", ",Atlantis,", 1), "unknown category 'Atlantis' in line"),
])
def test_evaluate_bad_test_file_is_one_error_line(trained: Path, capsys, edit, expected) -> None:
    lines = (trained / "test.csv").read_text().splitlines()
    first_gentoo = next(i for i, ln in enumerate(lines) if ln.startswith("Gentoo"))
    lines[1], lines[first_gentoo] = lines[first_gentoo], lines[1]
    dream = next(i for i, ln in enumerate(lines) if ",Dream," in ln)
    bad = trained / "bad.csv"
    bad.write_text(edit("\n".join(lines) + "\n"))
    code, out, err = run(capsys, "evaluate", str(trained / "out" / "project.json"), "--input", str(bad))
    assert code == 2 and out == ""
    assert err.startswith("error: ") and err.count("\n") == 1 and str(bad) in err
    assert expected.replace("in line", f"in line {dream + 1}") in err


def test_test_path_in_project_file(trained: Path, tmp_path: Path) -> None:
    project = load_project(trained / "penguins.json")
    assert project.data["test_path"] == "test.csv"
    (tmp_path / "moved").mkdir()
    save_project(project, tmp_path / "moved" / "p.json")
    moved = json.loads((tmp_path / "moved" / "p.json").read_text())
    assert Path(tmp_path / "moved" / moved["data"]["test_path"]).resolve() == (trained / "test.csv").resolve()
    doc = json.loads((trained / "penguins.json").read_text())
    doc["data"]["test_path"] = 3
    with pytest.raises(ProjectError, match=r"data\.test_path: expected a non-empty string, got 3"):
        load_project_doc(tmp_path / "bad.json", doc)
    doc["data"]["test_path"] = "nowhere.csv"
    with pytest.raises(DataError, match="nowhere.csv: file not found"):
        build_dataset(load_project_doc(trained / "missing_test.json", doc))


def load_project_doc(path: Path, doc: dict):
    path.write_text(json.dumps(doc))
    return load_project(path)


def test_predict_points_to_evaluate_when_the_file_holds_the_target(trained: Path, capsys) -> None:
    project = trained / "out" / "project.json"
    code, _, err = run(capsys, "predict", str(project), "--input", str(trained / "test.csv"),
                       "--out", str(trained / "pred_note.csv"))
    assert code == 0
    assert (f"note: the file holds the target (species); `ffstudio evaluate {project} --input "
            f"{trained / 'test.csv'}` scores the predictions") in err
    features_only = trained / "features.csv"
    pd.read_csv(trained / "test.csv").drop(columns=["species"]).to_csv(features_only, index=False)
    code, _, err = run(capsys, "predict", str(project), "--input", str(features_only),
                       "--out", str(trained / "pred_note.csv"))
    assert code == 0 and "ffstudio evaluate" not in err


def test_evaluate_binary_sigmoid(tmp_path: Path, capsys) -> None:
    split_penguins(tmp_path)
    project = penguins_project(tmp_path, target="sex")
    assert main(["train", str(project), "--out", str(tmp_path / "out"), "--progress", "none"]) == 0
    trained_project = tmp_path / "out" / "project.json"
    code, out, err = run(capsys, "evaluate", str(trained_project), "--input", str(tmp_path / "test.csv"))
    assert code == 0, err
    summary = json.loads(out.strip().splitlines()[-1])
    assert run(capsys, "predict", str(trained_project), "--input", str(tmp_path / "test.csv"), "--out",
               str(tmp_path / "p.csv"))[0] == 0
    pred = pd.read_csv(tmp_path / "p.csv").dropna(subset=["sex"])
    truth = (pred["sex"] == "male").to_numpy().astype(int)
    p_male = pred["prob_male"].to_numpy()
    assert summary["rows"] == len(pred)
    predicted = (p_male >= 0.5).astype(int)
    assert summary["accuracy"] == pytest.approx(metrics.accuracy(truth, predicted), abs=1e-12)
    bce = -np.mean(truth * np.log(p_male) + (1 - truth) * np.log(1 - p_male))
    assert summary["loss"] == pytest.approx(bce, rel=1e-3)
    assert "female" in out and "male" in out
