"""Project file: validation (all problems, JSON paths, unknown keys), save/load, build_dataset/build_model."""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path

import numpy as np
import pytest

from core.errors import DataError, ProjectError
from core.project import (
    Project,
    build_dataset,
    build_model,
    dataset_from_spec,
    load_project,
    resolve_loss,
    save_project,
    training_arrays,
    training_callbacks,
)

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "assets" / "examples"
CSV_DIR = ROOT / "tests" / "data" / "csv"

ISSUE_EXAMPLE = {
    "format": "ffstudio-project", "version": 1,
    "network": {"layers": [
        {"type": "input"},
        {"type": "dense", "units": 8, "activation": "tanh"},
        {"type": "dropout", "rate": 0.1},
        {"type": "output", "activation": "softmax"}]},
    "data": {"source": "toy", "name": "spiral", "samples": 500, "noise": 0.1, "test_fraction": 0.5,
             "seed": 1},
    "training": {"loss": "auto", "optimizer": {"name": "adam", "learning_rate": 0.01},
                 "batch_size": 16, "epochs": 200, "seed": 0},
}


def doc(**changes) -> dict:
    d = copy.deepcopy(ISSUE_EXAMPLE)
    d["network"]["layers"][-1]["activation"] = "auto"
    d.update(changes)
    return d


def problems_of(d: dict) -> list[str]:
    with pytest.raises(ProjectError) as info:
        Project.from_dict(d)
    return info.value.problems


def test_issue_example_loads_and_multiclass_softmax_builds() -> None:
    d = copy.deepcopy(ISSUE_EXAMPLE)
    d["data"] = {"source": "toy", "name": "blobs", "classes": 4, "samples": 200}
    p = Project.from_dict(d)
    ds = build_dataset(p)
    model = build_model(p, ds)
    assert [type(la).__name__ for la in model.layers] == ["Normalization", "Dense", "Dropout", "Dense"]
    assert model.layers[-1].units == 4 and model.layers[-1].activation.name == "softmax"
    assert model.loss.name == "sparse_categorical_crossentropy"
    mean, var = model.layers[0].get_weights()
    np.testing.assert_allclose(mean, ds.x_train.mean(axis=0), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(var, ds.x_train.var(axis=0), rtol=1e-4)


def test_issue_example_binary_softmax_gets_two_units_and_trains() -> None:
    p = Project.from_dict(ISSUE_EXAMPLE)
    ds = build_dataset(p)
    model = build_model(p, ds)
    assert model.layers[-1].units == 2 and model.loss.name == "sparse_categorical_crossentropy"
    x, y, xt, yt = training_arrays(p, ds, model)
    assert y.dtype == np.int64 and y.shape == (250,)
    model.fit(x, y, epochs=3, batch_size=16, seed=0)
    assert model.predict(xt).shape == (250, 2)
    p.training["loss"] = "mse"
    mse = build_model(p, ds)
    assert training_arrays(p, ds, mse)[1].shape == (250, 2)  # one-hot for a 2-unit output


def test_all_problems_reported_with_json_paths() -> None:
    d = doc()
    d["network"]["layers"][1]["units"] = -3
    d["network"]["layers"][1]["activation"] = "tanhh"
    d["network"]["layers"][2]["colour"] = "red"
    d["data"]["noise"] = 3
    d["training"]["batch_size"] = 0
    d["training"]["optimizer"] = {"name": "adam", "learning_rate": -1}
    d["extra"] = True
    probs = problems_of(d)
    assert "network.layers[1].units: expected a positive integer, got -3" in probs
    assert any(p.startswith("network.layers[1].activation: Unknown activation: 'tanhh'") for p in probs)
    assert any(p.startswith("network.layers[2].colour: unknown key") for p in probs)
    assert "data.noise: expected a number in [0, 1], got 3" in probs
    assert "training.batch_size: expected a positive integer, got 0" in probs
    assert any(p.startswith("training.optimizer: learning_rate must be") for p in probs)
    assert any(p.startswith("extra: unknown key") for p in probs)
    assert len(probs) == 7


@pytest.mark.parametrize(
    "mutate, expected",
    [
        (lambda d: d.update(format="keras"), 'format: expected "ffstudio-project"'),
        (lambda d: d.update(version=99), "version: this file was written by a newer Feedforward Studio"),
        (lambda d: d.pop("training"), "training: missing (required)"),
        (lambda d: d["network"]["layers"].pop(0),
         "network.layers: expected exactly one input layer, found 0"),
        (lambda d: d["network"]["layers"].reverse(),
         "network.layers[0].type: the output layer must be the last"),
        (lambda d: d["network"]["layers"].insert(1, {"type": "conv2d"}),
         "network.layers[1].type: expected one of"),
        (lambda d: d["network"]["layers"][1].pop("units"), "network.layers[1].units: missing (required)"),
        (lambda d: d["network"]["layers"][1].update(units=True),
         "network.layers[1].units: expected a positive"),
        (lambda d: d["network"]["layers"][1].update(kernel_initializer="nope"),
         "Unknown initializer: 'nope'"),
        (lambda d: d["network"]["layers"][1].update(kernel_regularizer="l3"), "Unknown regularizer: 'l3'"),
        (lambda d: d["network"]["layers"][-1].update(activation="relu"),
         "network.layers[3].activation: expected one"),
        (lambda d: d["data"].update(source="sql"), "data.source: expected one of toy, csv, mnist"),
        (lambda d: d["data"].update(name="donut"), "data.name: expected one of circle"),
        (lambda d: d["data"].update(points=[[1, 2]]), "data.points[0]: expected [x1, x2, label, split]"),
        (lambda d: d["data"].update(points=[[1, 2, 0, "valid"]]),
         "data.points[0][3]: expected one of train, test"),
        (lambda d: d.update(data={"source": "csv"}), "data.path: missing (required)"),
        (lambda d: d.update(data={"source": "csv", "path": "a.csv", "missing": "zero"}),
         "data.missing: expected"),
        (lambda d: d.update(data={"source": "mnist", "subset": 0}), "data.subset: expected \"bundled\""),
        (lambda d: d["training"].update(loss="hinge"), "training.loss: Unknown loss: 'hinge'"),
        (lambda d: d["training"].update(epochs=1.5),
         "training.epochs: expected a positive integer, or null for 'until stopped', got 1.5"),
        (lambda d: d["training"].update(schedule={"name": "warp"}), "training.schedule: Unknown schedule"),
        (lambda d: d["training"].update(early_stopping={"patience": -1}),
         "training.early_stopping: patience"),
        (lambda d: d["training"].update(metrics=["accuracy", "f7"]), "training.metrics[1]:"),
        (lambda d: d.update(layout={"input": [1]}), "layout.input: expected [x, y]"),
        (lambda d: d.update(weights=5), "weights: expected a non-empty string"),
        (lambda d: d.update(results={"loss": "low"}), "results.loss: expected a number or null"),
    ],
)
def test_each_problem(mutate, expected: str) -> None:
    d = doc()
    mutate(d)
    probs = problems_of(d)
    assert any(expected in p for p in probs), probs


def test_a_too_large_patience_does_not_hide_later_training_problems() -> None:
    d = doc()
    d["training"].update(early_stopping={"patience": 10**9}, schedule={"name": "warp"})
    probs = problems_of(d)
    assert any(p.startswith("training.early_stopping.patience: expected") for p in probs), probs
    assert any(p.startswith("training.schedule:") for p in probs), probs


def test_extensions_are_accepted() -> None:
    d = doc(name="My net", description="text", layout={"input": [0, 0], "dense_1": [220.5, 10]},
            results={"loss": 0.5, "val_loss": None}, gui={"panel": "data", "anything": [1, {"x": 2}]})
    d["network"]["dtype"] = "float64"
    d["network"]["layers"][1].update(kernel_initializer={"name": "random_normal", "stddev": 0.1},
                                     kernel_regularizer={"name": "l2", "l2": 0.001}, use_bias=False,
                                     name="hidden")
    d["network"]["layers"].insert(2, {"type": "prelu", "alpha_initializer": 0.1})
    d["network"]["layers"].insert(2, {"type": "activation", "activation": {"name": "leaky_relu"}})
    d["training"].update(schedule={"name": "step_decay", "initial_learning_rate": 0.01},
                         early_stopping={"patience": 3}, shuffle=False, metrics=["accuracy"])
    p = Project.from_dict(d)
    assert p.dtype == "float64" and p.layout["dense_1"] == [220.5, 10.0] and p.gui["panel"] == "data"
    ds = build_dataset(p)
    model = build_model(p, ds)
    assert model.dtype == np.float64 and model.layers[1].name == "hidden" and not model.layers[1].use_bias
    assert [type(c).__name__ for c in training_callbacks(p)] == ["EarlyStopping", "StepDecay"]
    assert Project.from_dict(p.to_dict()).to_dict() == p.to_dict()


def test_save_and_load_round_trip_atomic_and_rebased(tmp_path: Path) -> None:
    src = tmp_path / "a"
    src.mkdir()
    (src / "data.csv").write_text((CSV_DIR / "regression.csv").read_text())
    d = doc(data={"source": "csv", "path": "data.csv", "target": "y"}, weights="w.npz",
            layout={"input": [1, 2]})
    (src / "p.json").write_text(json.dumps(d))
    p = load_project(src / "p.json")
    assert p.resolve(p.data["path"]) == str(src / "data.csv")
    sub = tmp_path / "b" / "c"
    sub.mkdir(parents=True)
    save_project(p, sub / "copy.json")
    saved = json.loads((sub / "copy.json").read_text())
    assert saved["data"]["path"] == "../../a/data.csv" and saved["weights"] == "../../a/w.npz"
    assert saved["layout"] == {"input": [1.0, 2.0]}
    again = load_project(sub / "copy.json")
    assert again.resolve(again.data["path"]) == str(src / "data.csv")
    assert again.weights_path == str(src / "w.npz")
    assert [f.name for f in sub.iterdir()] == ["copy.json"]  # no temporary file left behind
    ds = build_dataset(again)
    assert ds.source == "csv" and ds.task == "regression"
    save_project(again, sub / "copy.json")  # overwrite in place
    assert json.loads((sub / "copy.json").read_text()) == saved


def test_absolute_csv_path_is_saved_relative_to_the_project(tmp_path: Path) -> None:
    data = tmp_path / "data" / "reg.csv"
    data.parent.mkdir()
    data.write_text((CSV_DIR / "regression.csv").read_text())
    mnist = tmp_path / "mnist"
    p = Project.from_dict(doc(data={"source": "csv", "path": str(data), "target": "y"}))
    (tmp_path / "proj").mkdir()
    save_project(p, tmp_path / "proj" / "p.json")
    saved = json.loads((tmp_path / "proj" / "p.json").read_text())
    assert saved["data"]["path"] == "../data/reg.csv" and p.data["path"] == "../data/reg.csv"
    again = load_project(tmp_path / "proj" / "p.json")
    assert again.resolve(again.data["path"]) == str(data)
    assert build_dataset(again).task == "regression"
    # an MNIST folder is a shared location: it stays as the user gave it
    m = Project.from_dict(doc(data={"source": "mnist", "path": str(mnist)}))
    save_project(m, tmp_path / "proj" / "m.json")
    assert json.loads((tmp_path / "proj" / "m.json").read_text())["data"]["path"] == str(mnist)


def test_save_refuses_an_invalid_project(tmp_path: Path) -> None:
    p = Project.from_dict(doc())
    p.training["epochs"] = 0
    with pytest.raises(ProjectError, match=r"training.epochs: expected a positive integer, or null .*got 0"):
        save_project(p, tmp_path / "x.json")
    assert not (tmp_path / "x.json").exists()


@pytest.mark.parametrize(
    "content, pattern",
    [
        (b"", r"invalid JSON at line 1, column 1"),
        (b'{"format": "ffstudio-project",', r"invalid JSON at line 1"),
        (b"\xff\xfe\x00", r"not UTF-8 text"),
        (b'{"version": NaN}', r"NaN is not allowed"),
        (b"[1, 2]", r"\$: expected a JSON object, got a list"),
    ],
)
def test_unreadable_project_files(tmp_path: Path, content: bytes, pattern: str) -> None:
    path = tmp_path / "p.json"
    path.write_bytes(content)
    with pytest.raises(ProjectError, match=pattern) as info:
        load_project(path)
    assert str(path) in str(info.value)


def test_missing_project_file(tmp_path: Path) -> None:
    with pytest.raises(ProjectError, match="file not found"):
        load_project(tmp_path / "nope.json")
    with pytest.raises(ProjectError, match="is a folder"):
        load_project(tmp_path)


def test_data_model_mismatches_are_project_errors() -> None:
    d = doc()
    d["network"]["layers"][0]["units"] = 3
    d["network"]["layers"][-1].update(units=3, activation="softmax")
    d["training"]["loss"] = "binary_crossentropy"
    p = Project.from_dict(d)
    ds = build_dataset(p)
    with pytest.raises(ProjectError) as info:
        build_model(p, ds)
    probs = info.value.problems
    # the same check and words as the canvas (core.data_fit), with the JSON path in front
    assert "network.layers[0].units: Input has 3 units but the data has 2 features (x1, x2)." in probs
    assert "network.layers[3].units: Output has 3 units but the data needs 2 units for a binary task " \
        "with a softmax output." in probs
    assert "training.loss: Binary cross-entropy expects a sigmoid output, not softmax." in probs
    assert len(probs) == 3
    d["network"]["layers"][-1].update(units=2, activation="sigmoid")
    d["network"]["layers"][0].pop("units")
    with pytest.raises(ProjectError, match="Output has 2 units but the data needs 1 unit for a binary task"):
        build_model(Project.from_dict(d), ds)
    reg = Project.from_dict(doc(data={"source": "toy", "name": "plane"}))
    reg.training["loss"] = "binary_crossentropy"
    with pytest.raises(ProjectError, match="is a classification loss; this data is a regression task"):
        build_model(reg, build_dataset(reg))


def test_resolve_loss() -> None:
    assert resolve_loss("auto", "binary", "sigmoid") == "binary_crossentropy"
    assert resolve_loss("auto", "multiclass", "softmax") == "sparse_categorical_crossentropy"
    assert resolve_loss("auto", "regression", "linear") == "mse"
    assert resolve_loss("auto", "binary", "tanh") == "mse"
    assert resolve_loss("huber", "regression", "linear") == "huber"


def test_targets_follow_the_resolved_loss() -> None:
    p = Project.from_dict(doc())
    ds = build_dataset(p)
    model = build_model(p, ds)
    x, y, xt, yt = training_arrays(p, ds, model)
    assert y.shape == (len(ds.y_train), 1) and y.dtype == np.float32
    p.training["loss"] = "mse"
    model = build_model(p, ds)
    assert training_arrays(p, ds, model)[1].shape == (len(ds.y_train), 1)
    reg = Project.from_dict(doc(data={"source": "toy", "name": "gaussians", "samples": 100}))
    rds = build_dataset(reg)
    rm = build_model(reg, rds)
    assert rm.loss.name == "mse" and rm.layers[-1].activation.name == "linear"
    assert training_arrays(reg, rds, rm)[1].dtype == np.float32


def test_toy_points_in_the_project_rebuild_the_edited_data() -> None:
    p = Project.from_dict(doc(data={"source": "toy", "name": "circle", "samples": 20, "seed": 3,
                                    "points": [[5.0, 5.0, 1, "train"], [0.0, 0.0, "outside", "test"]]}))
    ds = build_dataset(p)
    assert ds.added_points == [[5.0, 5.0, 1, "train"], [0.0, 0.0, 0, "test"]]
    np.testing.assert_array_equal(ds.x_train[-1], [5.0, 5.0])


def test_csv_and_mnist_sources(tmp_path: Path, monkeypatch) -> None:
    p = Project.from_dict(doc(data={"source": "csv", "path": "good.csv", "target": "kind", "ignore": ["note"],
                                    "task": "multiclass", "test_fraction": 0.25}), base_dir=CSV_DIR)
    ds = build_dataset(p)
    assert ds.num_classes == 3 and "note=plain" not in ds.feature_names
    model = build_model(p, ds)
    assert model.layers[-1].units == 3
    bad = Project.from_dict(doc(data={"source": "csv", "path": "missing.csv"}), base_dir=tmp_path)
    with pytest.raises(DataError, match="missing.csv: file not found"):
        build_dataset(bad)
    monkeypatch.delenv("FFSTUDIO_MNIST_DIR", raising=False)
    m = Project.from_dict(doc(data={"source": "mnist", "subset": "bundled"}))
    mds = build_dataset(m)
    mm = build_model(m, mds)
    assert mm.layers[-1].units == 10 and mds.x_train.dtype == np.uint8
    np.testing.assert_array_equal(mm.layers[0].get_weights()[1], 255.0**2)


@pytest.mark.parametrize("name", ["spiral.json", "xor.json", "penguins.json", "mnist_mlp.json"])
def test_examples_are_valid_projects(name: str, monkeypatch) -> None:
    p = load_project(EXAMPLES / name)
    assert p.name and p.description
    if p.data["source"] == "mnist":
        monkeypatch.setenv("FFSTUDIO_MNIST_MIRRORS", "http://127.0.0.1:9/")  # never the internet
        p.data["subset"] = "bundled"
    ds = build_dataset(p)
    model = build_model(p, ds)
    assert model.output_dim == ds.output_units
    if name == "mnist_mlp.json":
        assert [la.units for la in model.layers if hasattr(la, "units")] == [256, 128, 10]
        assert p.training["batch_size"] == 128 and p.training["optimizer"]["learning_rate"] == 0.001


def test_project_file_never_executes_code(tmp_path: Path) -> None:
    d = doc()
    d["training"]["optimizer"] = {"name": "__import__('os').system('touch pwned')"}
    path = tmp_path / "p.json"
    path.write_text(json.dumps(d))
    with pytest.raises(ProjectError, match="Unknown optimizer"):
        load_project(path)
    assert not os.path.exists("pwned")


def test_dataset_from_spec_for_the_gui() -> None:
    ds = dataset_from_spec({"source": "csv", "path": "good.csv", "task": "auto", "missing": "impute",
                            "scaling": "minmax"}, CSV_DIR, propose_target=True)  # the GUI proposes a target
    assert ds.scaling == "minmax" and ds.task == "multiclass"
    toy = dataset_from_spec({"source": "toy", "name": "moons", "points": [[0, 0, 1, "train"]]})
    assert toy.added_points == [[0.0, 0.0, 1, "train"]]
    with pytest.raises(ProjectError, match="data.noise: expected a number in"):
        dataset_from_spec({"source": "toy", "name": "moons", "noise": 5})


def test_preprocessing_is_json_for_every_source() -> None:
    for data, base in (({"source": "toy", "name": "blobs", "classes": 4}, "."),
                       ({"source": "csv", "path": "good.csv", "missing": "impute", "target": "kind"},
                        str(CSV_DIR)),
                       ({"source": "mnist", "subset": "bundled"}, ".")):
        ds = dataset_from_spec(data, base)
        back = json.loads(json.dumps(ds.preprocessing, allow_nan=False))
        assert back["mean"] == ds.preprocessing["mean"] and len(back["variance"]) == ds.num_features
        assert back["class_names"] == ds.class_names and back["feature_names"] == ds.feature_names


def test_schedule_starts_from_the_optimizer_rate_unless_given() -> None:
    d = doc()
    d["training"]["optimizer"] = {"name": "sgd", "learning_rate": 0.2}
    d["training"]["schedule"] = {"name": "cosine_decay", "decay_steps": 10}
    (sched,) = training_callbacks(Project.from_dict(d))
    assert sched(0) == pytest.approx(0.2)
    d["training"]["schedule"] = "step_decay"
    assert training_callbacks(Project.from_dict(d))[0](0) == pytest.approx(0.2)
    d["training"]["schedule"] = {"name": "cosine_decay", "initial_learning_rate": 0.05}
    assert training_callbacks(Project.from_dict(d))[0](0) == pytest.approx(0.05)
    d["training"]["schedule"] = {"name": "reduce_lr_on_plateau", "patience": 2}
    assert type(training_callbacks(Project.from_dict(d))[0]).__name__ == "ReduceLROnPlateau"
