"""`ffstudio export --format pytorch -o DIR`: a PyTorch training project (model.py, data.py, train.py).

data.py must give the app's rows, encoding, split and scaling (checked without torch); train.py under
`torchrun --nproc_per_node 2` (gloo on CPU) must finish, score within 2 points of `ffstudio train`, and
write weights that ffstudio loads back with the PyTorch model's predictions.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from core.project import build_dataset, load_project
from studio.cli import main
from tests.core.test_evaluate import penguins_project, split_penguins

ROOT = Path(__file__).resolve().parents[2]
TORCHRUN = Path(sys.executable).parent / "torchrun"
needs_torch = pytest.mark.skipif(importlib.util.find_spec("torch") is None,
                                 reason="torch not installed (pip install torch==2.13.0 or `make test`)")


def load_module(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(path.parent))
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(path.parent))
    return module


def env() -> dict[str, str]:
    out = dict(os.environ, PYTHONPATH=str(ROOT), OMP_NUM_THREADS="1")
    out.pop("FFSTUDIO_MNIST_DIR", None)
    return out


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Penguins split 172/172 (test_path), trained by `ffstudio train`, exported to DIR = folder/torch."""
    folder = tmp_path_factory.mktemp("penguins_torch")
    split_penguins(folder, train_rows=172)
    project = penguins_project(folder)
    assert main(["train", str(project), "--out", str(folder / "engine"), "--progress", "none"]) == 0
    assert main(["export", str(folder / "engine" / "project.json"), "--format", "pytorch", "-o",
                 str(folder / "torch")]) == 0
    return folder


def test_export_writes_the_training_project(exported: Path, capsys) -> None:
    names = sorted(p.name for p in (exported / "torch").iterdir())
    assert names == ["data.py", "ffstudio_export.json", "model.py", "model_weights.npz", "train.py"]
    settings = json.loads((exported / "torch" / "ffstudio_export.json").read_text())
    assert settings["data"]["path"] == str(exported / "train.csv")
    assert settings["data"]["test_path"] == str(exported / "test.csv")
    assert settings["targets"] == {"shape": "index"}  # softmax + sparse categorical cross-entropy
    assert set(settings["initializers"].values()) == {"he_uniform", "glorot_uniform", "zeros"}


def test_data_module_gives_the_apps_arrays(exported: Path) -> None:
    data = load_module(exported / "torch" / "data.py", "exported_data")
    splits = data.load()
    ds = build_dataset(load_project(exported / "penguins.json"))
    np.testing.assert_array_equal(splits.x_train, ds.x_train)
    np.testing.assert_array_equal(splits.y_train, ds.y_train)
    np.testing.assert_array_equal(splits.x_test, ds.x_test)
    np.testing.assert_array_equal(splits.y_test, ds.y_test)
    mean, variance = ds.normalization()
    np.testing.assert_allclose(splits.mean, mean, rtol=1e-6)
    np.testing.assert_allclose(splits.variance, variance, rtol=1e-6)


def test_data_module_split_and_drop_policy_match_the_app(tmp_path: Path) -> None:
    """Without a test file: the app's stratified split with its seed, rows with gaps dropped."""
    shutil.copy(ROOT / "assets" / "examples" / "penguins_synthetic.csv", tmp_path / "train.csv")
    doc = json.loads(penguins_project(tmp_path, missing="drop", test_fraction=0.3, seed=5).read_text())
    del doc["data"]["test_path"]
    (tmp_path / "penguins.json").write_text(json.dumps(doc))
    assert main(["train", str(tmp_path / "penguins.json"), "--epochs", "1", "--out", str(tmp_path / "o"),
                 "--progress", "none"]) == 0
    assert main(["export", str(tmp_path / "o" / "project.json"), "--format", "pytorch", "-o",
                 str(tmp_path / "t")]) == 0
    splits = load_module(tmp_path / "t" / "data.py", "exported_data_split").load()
    ds = build_dataset(load_project(tmp_path / "penguins.json"))
    assert len(splits.y_test) == len(ds.y_test) > 90
    np.testing.assert_array_equal(splits.x_train, ds.x_train)
    np.testing.assert_array_equal(splits.y_test, ds.y_test)


def test_mnist_data_module_reads_the_idx_files(tmp_path: Path) -> None:
    doc = json.loads((ROOT / "assets" / "examples" / "mnist_mlp.json").read_text())
    doc["data"] = {"source": "mnist", "subset": "bundled"}
    doc["training"]["epochs"] = 1
    (tmp_path / "mnist.json").write_text(json.dumps(doc))
    project = load_project(tmp_path / "mnist.json")
    ds = build_dataset(project)
    from core.export.pytorch_project import export_pytorch_project
    from core.project import build_model

    export_pytorch_project(build_model(project, ds), project, tmp_path / "t", ds.preprocessing)
    splits = load_module(tmp_path / "t" / "data.py", "exported_mnist").load()
    np.testing.assert_array_equal(splits.x_train, ds.x_train.astype(np.float32))
    np.testing.assert_array_equal(splits.y_test, ds.y_test)
    np.testing.assert_allclose(splits.variance, ds.normalization()[1], rtol=1e-6)


def test_toy_data_is_refused_with_one_line(tmp_path: Path, capsys) -> None:
    doc = json.loads((ROOT / "assets" / "examples" / "xor.json").read_text())
    doc["training"]["epochs"] = 2
    (tmp_path / "xor.json").write_text(json.dumps(doc))
    assert main(["train", str(tmp_path / "xor.json"), "--out", str(tmp_path / "o"),
                 "--progress", "none"]) == 0
    capsys.readouterr()
    assert main(["export", str(tmp_path / "o" / "project.json"), "--format", "pytorch", "-o",
                 str(tmp_path / "t")]) == 2
    assert capsys.readouterr().err.startswith("error: the PyTorch training project reads CSV files or MNIST")
    assert not (tmp_path / "t").exists() or not any((tmp_path / "t").iterdir())


@needs_torch
@pytest.mark.skipif(not TORCHRUN.exists(), reason="torchrun not found beside the Python interpreter")
def test_torchrun_two_processes_trains_and_loads_back(exported: Path, capsys) -> None:
    out = exported / "ddp"
    command = [str(TORCHRUN), "--standalone", "--nproc_per_node", "2", "train.py", "--out", str(out)]
    run = subprocess.run(command, cwd=exported / "torch", env=env(), capture_output=True, text=True,
                         timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    assert "on 2 process(es)" in run.stderr
    torch_results = json.loads(run.stdout.strip().splitlines()[-1])
    engine_results = json.loads((exported / "engine" / "project.json").read_text())["results"]
    assert abs(torch_results["val_accuracy"] - engine_results["val_accuracy"]) <= 0.02
    assert torch_results["val_accuracy"] > 0.9

    # OUT has ffstudio train's layout: predict and evaluate work on it
    project = json.loads((out / "project.json").read_text())
    assert project["weights"] == "weights.npz" and project["results"] == torch_results
    capsys.readouterr()
    assert main(["evaluate", str(out / "project.json"), "--input", str(exported / "test.csv")]) == 0
    scored = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert scored["accuracy"] == pytest.approx(torch_results["val_accuracy"], abs=1e-12)
    assert scored["loss"] == pytest.approx(torch_results["val_loss"], rel=1e-4)

    # the PyTorch model with those weights predicts what ffstudio predicts with them
    from core.predict import load_trained

    model_py = load_module(exported / "torch" / "model.py", "exported_model")
    net = model_py.load_weights(model_py.build_model(), out / "weights.npz")
    x = build_dataset(load_project(out / "project.json")).x_test
    ours = load_trained(out / "project.json").model.predict(x)
    np.testing.assert_allclose(model_py.predict(net, x), ours, atol=1e-5)


@needs_torch
@pytest.mark.parametrize("scaling", ["none", "standard"])
def test_one_process_regression_writes_target_units(tmp_path: Path, capsys, scaling: str) -> None:
    split_penguins(tmp_path)
    project = penguins_project(tmp_path, target="flipper_length_mm", task="regression",
                               target_scaling=scaling)
    epochs = "3" if scaling == "none" else "25"
    assert main(["train", str(project), "--epochs", epochs, "--out", str(tmp_path / "engine"),
                 "--progress", "none"]) == 0
    assert main(["export", str(tmp_path / "engine" / "project.json"), "--format", "pytorch", "-o",
                 str(tmp_path / "torch")]) == 0
    run = subprocess.run([sys.executable, "train.py", "--epochs", epochs, "--out", str(tmp_path / "out")],
                         cwd=tmp_path / "torch", env=env(), capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    results = json.loads(run.stdout.strip().splitlines()[-1])
    assert set(results) == {"epochs", "loss", "val_loss", "mae", "val_mae", "r2", "val_r2"}
    assert results["epochs"] == int(epochs)
    if scaling == "standard":  # flipper lengths ~200 mm: learnt in standardized units, as the engine does
        engine = json.loads((tmp_path / "engine" / "project.json").read_text())["results"]
        assert results["val_r2"] > 0.7 and abs(results["val_r2"] - engine["val_r2"]) < 0.1
        assert results["val_loss"] < 1.0  # the loss is measured on standardized values
    capsys.readouterr()
    assert main(["evaluate", str(tmp_path / "out" / "project.json"), "--input",
                 str(tmp_path / "test.csv")]) == 0
    scored = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert scored["mae"] == pytest.approx(results["val_mae"], rel=1e-4)
    assert scored["r2"] == pytest.approx(results["val_r2"], abs=1e-4)


@needs_torch
def test_one_process_mnist_subset_trains_from_the_idx_files(tmp_path: Path, capsys) -> None:
    doc = json.loads((ROOT / "assets" / "examples" / "mnist_mlp.json").read_text())
    doc["data"] = {"source": "mnist", "subset": "bundled"}
    doc["training"]["epochs"] = 1
    (tmp_path / "mnist.json").write_text(json.dumps(doc))
    assert main(["train", str(tmp_path / "mnist.json"), "--out", str(tmp_path / "engine"),
                 "--progress", "none"]) == 0
    assert main(["export", str(tmp_path / "engine" / "project.json"), "--format", "pytorch", "-o",
                 str(tmp_path / "torch")]) == 0
    run = subprocess.run([sys.executable, "train.py", "--out", str(tmp_path / "out")], cwd=tmp_path / "torch",
                         env=env(), capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    results = json.loads(run.stdout.strip().splitlines()[-1])
    assert results["epochs"] == 1 and results["val_accuracy"] > 0.8  # 6,000 training images, one epoch

    from core.predict import load_trained

    model_py = load_module(tmp_path / "torch" / "model.py", "exported_mnist_model")
    net = model_py.load_weights(model_py.build_model(), tmp_path / "out" / "weights.npz")
    x = build_dataset(load_project(tmp_path / "out" / "project.json")).x_test[:300]
    np.testing.assert_allclose(model_py.predict(net, x), load_trained(tmp_path / "out" / "project.json")
                               .model.predict(x), atol=1e-5)


@needs_torch
def test_early_stopping_on_a_training_metric(tmp_path: Path) -> None:
    split_penguins(tmp_path)
    project = penguins_project(tmp_path)
    doc = json.loads(project.read_text())
    doc["training"]["early_stopping"] = {"monitor": "accuracy", "patience": 2, "min_delta": 0.5}
    project.write_text(json.dumps(doc))
    assert main(["train", str(project), "--epochs", "1", "--out", str(tmp_path / "engine"),
                 "--progress", "none"]) == 0
    assert main(["export", str(tmp_path / "engine" / "project.json"), "--format", "pytorch", "-o",
                 str(tmp_path / "torch")]) == 0
    run = subprocess.run([sys.executable, "train.py", "--epochs", "20"], cwd=tmp_path / "torch", env=env(),
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    # accuracy can never improve by 0.5 after the first epoch: stop after 1 + patience epochs
    assert "epoch 3/20: loss" in run.stderr and " accuracy " in run.stderr
    assert "early stopping after epoch 3: accuracy did not improve" in run.stderr
    assert json.loads(run.stdout.strip().splitlines()[-1])["epochs"] == 3


@needs_torch
def test_input_features_train_in_pytorch(tmp_path: Path, capsys) -> None:
    from tests.core.test_export_onnx_raw import FEATURES

    split_penguins(tmp_path)
    project = penguins_project(tmp_path)
    doc = json.loads(project.read_text())
    doc["network"]["layers"][0] = {"type": "input", "features": FEATURES}
    project.write_text(json.dumps(doc))
    assert main(["train", str(project), "--epochs", "2", "--out", str(tmp_path / "engine"),
                 "--progress", "none"]) == 0
    assert main(["export", str(tmp_path / "engine" / "project.json"), "--format", "pytorch", "-o",
                 str(tmp_path / "torch")]) == 0
    run = subprocess.run([sys.executable, "train.py", "--epochs", "15", "--out", str(tmp_path / "out")],
                         cwd=tmp_path / "torch", env=env(), capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    results = json.loads(run.stdout.strip().splitlines()[-1])
    capsys.readouterr()
    assert main(["evaluate", str(tmp_path / "out" / "project.json"), "--input",
                 str(tmp_path / "test.csv")]) == 0
    scored = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert scored["accuracy"] == pytest.approx(results["val_accuracy"], abs=1e-12)
    assert scored["accuracy"] > 0.9
