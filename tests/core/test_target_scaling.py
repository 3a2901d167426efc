"""data.target_scaling "standard" (issue 14.2): the network learns standardized regression targets; predict
and every export give values in target units because the model ends in the fixed inverse layer."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import numpy as np
import pytest

from core import losses
from core.errors import ProjectError
from core.export import export_model
from core.predict import load_trained
from core.project import Project, build_dataset, build_model
from core.target_scaling import LAYER_NAME, StandardizedLoss, is_inverse_layer, target_statistics
from studio.cli import main

ROOT = Path(__file__).resolve().parents[2]


def _big_offset_csv(path: Path) -> Path:
    """Prices around 1000 ± 100: far from zero, the case target scaling is for."""
    rng = np.random.default_rng(0)
    x = rng.uniform(-2, 2, size=(300, 2))
    y = 1000 + 120 * np.sin(x[:, 0]) + 80 * x[:, 1] + rng.normal(0, 5, 300)
    rows = ["a,b,price"] + [f"{r[0]:.5f},{r[1]:.5f},{t:.3f}" for r, t in zip(x, y, strict=True)]
    path.write_text("\n".join(rows) + "\n")
    return path


def _project(tmp_path: Path, scaling: str | None, task_csv: str = "big.csv", target: str = "price") -> Path:
    data = {"source": "csv", "path": task_csv, "target": target}
    if scaling is not None:
        data["target_scaling"] = scaling
    doc = {"format": "ffstudio-project", "version": 1,
           "network": {"layers": [{"type": "input"}, {"type": "dense", "units": 16, "activation": "tanh"},
                                  {"type": "output"}]},
           "data": data,
           "training": {"optimizer": {"name": "sgd", "learning_rate": 0.01}, "epochs": 60, "batch_size": 16,
                        "seed": 0}}
    path = tmp_path / f"p_{scaling}.json"
    path.write_text(json.dumps(doc))
    return path


def test_standardized_loss_value_and_gradient() -> None:
    rng = np.random.default_rng(1)
    y = rng.normal(500, 40, size=(6, 2))
    p = rng.normal(500, 40, size=(6, 2))
    mean, std = target_statistics(y)
    for name in ("mse", "mae", "huber"):
        base = losses.get(name)
        loss = StandardizedLoss(base, mean, std)
        assert loss.name == name and loss.get_config() == base.get_config()
        assert loss(y, p) == pytest.approx(base((y - mean) / std, (p - mean) / std), rel=1e-12)
        grad = loss.gradient(y, p)
        num = np.zeros_like(p)
        for idx in np.ndindex(p.shape):
            h = 1e-4
            up, down = p.copy(), p.copy()
            up[idx] += h
            down[idx] -= h
            num[idx] = (loss(y, up) - loss(y, down)) / (2 * h)
        np.testing.assert_allclose(grad, num, rtol=1e-5, atol=1e-9)


def test_schema_and_task_checks(tmp_path: Path) -> None:
    _big_offset_csv(tmp_path / "big.csv")
    doc = json.loads(_project(tmp_path, "minmax").read_text())
    with pytest.raises(ProjectError, match="target_scaling: expected one of none, standard, got 'minmax"):
        Project.from_dict(doc, tmp_path)
    penguins = ROOT / "assets" / "examples" / "penguins_synthetic.csv"
    cls = json.loads(_project(tmp_path, "standard", str(penguins), "species").read_text())
    cls["data"]["missing"] = "impute"
    project = Project.from_dict(cls, tmp_path)
    with pytest.raises(ProjectError, match=r"data.target_scaling: \"standard\" scales regression targets; "
                                           r"this data is multiclass"):
        build_model(project, build_dataset(project))


def test_model_ends_in_the_inverse_layer_and_predicts_target_units(tmp_path: Path) -> None:
    _big_offset_csv(tmp_path / "big.csv")
    project = Project.from_dict(json.loads(_project(tmp_path, "standard").read_text()), tmp_path)
    ds = build_dataset(project)
    model = build_model(project, ds)
    last = model.layers[-1]
    assert is_inverse_layer(last) and last.name == LAYER_NAME and model.output_dim == 1
    # fresh network: outputs start near the training mean, not near 0
    mean, std = target_statistics(ds.y_train)
    assert abs(float(np.mean(model.predict(ds.x_train))) - float(mean[0])) < 1.5 * float(std[0])
    assert float(np.min(model.predict(ds.x_test[:5]))) > 500  # target units


def test_training_with_sgd_helps_and_predict_and_exports_agree(tmp_path: Path, capsys) -> None:
    _big_offset_csv(tmp_path / "big.csv")
    scores = {}
    for scaling in ("none", "standard"):
        code = main(["train", str(_project(tmp_path, scaling)), "--out", str(tmp_path / scaling),
                     "--progress", "none"])
        assert code == 0
        scores[scaling] = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    # measured: val R² 0.797 without scaling, 0.990 with it (SGD 0.01, 60 epochs); loss in standardized units
    assert scores["standard"]["val_r2"] > 0.97
    assert scores["standard"]["val_r2"] > scores["none"]["val_r2"] + 0.1
    assert scores["standard"]["loss"] < 0.05 < scores["none"]["loss"]
    trained = load_trained(tmp_path / "standard" / "project.json")
    project = Project.from_dict(json.loads(_project(tmp_path, "standard").read_text()), tmp_path)
    ds = build_dataset(project)
    expected = trained.model.predict(ds.x_test)
    assert float(np.min(expected)) > 500
    # ffstudio predict writes target units
    assert main(["predict", str(tmp_path / "standard" / "project.json"), "--input", str(tmp_path / "big.csv"),
                 "--out", str(tmp_path / "pred.csv")]) == 0
    pred = np.loadtxt(tmp_path / "pred.csv", delimiter=",", skiprows=1, usecols=3)
    truth = np.loadtxt(tmp_path / "big.csv", delimiter=",", skiprows=1, usecols=2)
    assert float(np.mean(np.abs(pred - truth))) < 25.0
    # npz round trip through the weights file, ONNX and PyTorch give the same values
    pytest.importorskip("onnxruntime")
    from core.export.onnx import run_onnx

    export_model(trained.model, "onnx", tmp_path / "m.onnx", trained.preprocessing)
    np.testing.assert_allclose(run_onnx(str(tmp_path / "m.onnx"), ds.x_test), expected, rtol=1e-5)
    pytest.importorskip("torch")
    code_path, _weights = export_model(trained.model, "pytorch", tmp_path / "model.py", trained.preprocessing)
    spec = importlib.util.spec_from_file_location("gen_target_scaling_model", code_path)
    gen = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = gen
    spec.loader.exec_module(gen)
    got = gen.predict(gen.load_weights(gen.build_model()), ds.x_test)
    np.testing.assert_allclose(got, expected, rtol=1e-5)
