"""Issue 14.2: no silent guesses. A CSV needs a named target (the CLI lists the columns); a regression target
with a sigmoid/softmax output is refused unless sigmoid fits it; optimizer typos name the valid arguments."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from core.data_fit import regression_output_problem
from core.errors import DataError, ProjectError
from core.graph import DataInfo, Graph
from core.project import Project, build_dataset, build_model, dataset_from_spec
from studio.cli import main

ROOT = Path(__file__).resolve().parents[2]
PENGUINS = ROOT / "assets" / "examples" / "penguins_synthetic.csv"
REGRESSION = ROOT / "tests" / "data" / "csv" / "regression.csv"  # x1, x2, y (y spans about -7 .. 7)


def _project(data: dict, output: str = "auto", optimizer: dict | None = None) -> dict:
    return {"format": "ffstudio-project", "version": 1,
            "network": {"layers": [{"type": "input"}, {"type": "dense", "units": 4, "activation": "tanh"},
                                   {"type": "output", "activation": output}]},
            "data": data,
            "training": {"optimizer": optimizer or {"name": "adam", "learning_rate": 0.01}, "epochs": 2,
                         "batch_size": 16}}


def _train(project: Path, out: Path) -> int:
    return main(["train", str(project), "--out", str(out), "--progress", "none"])


def test_csv_without_target_is_refused_with_the_columns(tmp_path: Path) -> None:
    shutil.copy(PENGUINS, tmp_path / "p.csv")
    with pytest.raises(DataError) as info:
        dataset_from_spec({"source": "csv", "path": "p.csv"}, tmp_path)
    msg = str(info.value)
    assert "data.target is not set" in msg and "\n" not in msg
    assert msg.endswith("one of: 'species', 'island', 'bill_length_mm', 'bill_depth_mm', "
                        "'flipper_length_mm', 'body_mass_g', 'sex'")
    # the GUI asks for a proposal: the last column, said on the summary's first line
    ds = dataset_from_spec({"source": "csv", "path": "p.csv"}, tmp_path, propose_target=True)
    assert ds.target_names == ["sex"]
    first = ds.summary.splitlines()[0]
    assert first.startswith("Target not set in the project: proposing the last column 'sex'")
    # a named target: no note
    named = dataset_from_spec({"source": "csv", "path": "p.csv", "target": "species"}, tmp_path)
    assert named.num_classes == 3 and "proposing" not in named.summary


def test_cli_train_without_target_exits_2_and_lists_the_columns(tmp_path: Path, capsys) -> None:
    shutil.copy(PENGUINS, tmp_path / "p.csv")
    (tmp_path / "proj.json").write_text(json.dumps(_project({"source": "csv", "path": "p.csv"})))
    assert _train(tmp_path / "proj.json", tmp_path / "out") == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1
    assert "data.target is not set" in err and "'species'" in err and "'sex'" in err
    assert not (tmp_path / "out").exists()


def test_regression_output_rule() -> None:
    assert "softmax" in regression_output_problem("softmax", (0.1, 0.9))
    assert regression_output_problem("sigmoid", (0.0, 1.0)) is None
    assert "span -7 .. 7" in regression_output_problem("sigmoid", (-7.0, 7.0))
    assert "linear output" in regression_output_problem("sigmoid", (0.0, 1.5))
    assert regression_output_problem("sigmoid", None) is None  # unknown range: not refused
    assert regression_output_problem("linear", (-1e6, 1e6)) is None


@pytest.mark.parametrize("output", ["sigmoid", "softmax"])
def test_regression_with_sigmoid_or_softmax_is_refused(tmp_path: Path, output: str) -> None:
    project = Project.from_dict(_project({"source": "csv", "path": str(REGRESSION), "target": "y"}, output))
    ds = build_dataset(project)
    assert ds.task == "regression" and float(np.max(ds.y_train)) > 1.0
    with pytest.raises(ProjectError) as info:
        build_model(project, ds)
    msg = str(info.value)
    assert f"network.layers[2].activation: Regression with a {output} output: " in msg
    assert "use a linear output" in msg
    # the canvas validation says the same before training starts
    graph = Graph.from_network(project.network, {})
    errors = [p.message for p in graph.validate(DataInfo.from_dataset(ds), "auto") if p.severity == "error"]
    assert any(f"Regression with a {output} output" in m and "linear output" in m for m in errors), errors


def test_sigmoid_is_allowed_for_targets_in_0_1(tmp_path: Path) -> None:
    rows = ["x,y"] + [f"{i / 10},{i / 20}" for i in range(21)]  # y in 0 .. 1
    (tmp_path / "unit.csv").write_text("\n".join(rows) + "\n")
    project = Project.from_dict(_project({"source": "csv", "path": str(tmp_path / "unit.csv"), "target": "y",
                                          "task": "regression"}, "sigmoid"))
    ds = build_dataset(project)
    model = build_model(project, ds)
    assert model.layers[-1].activation.name == "sigmoid"


def test_cli_train_refuses_regression_with_sigmoid(tmp_path: Path, capsys) -> None:
    (tmp_path / "proj.json").write_text(json.dumps(
        _project({"source": "csv", "path": str(REGRESSION), "target": "y"}, "sigmoid")))
    assert _train(tmp_path / "proj.json", tmp_path / "out") == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "sigmoid" in err and "use a linear output" in err


def test_optimizer_typo_names_the_field_and_the_valid_arguments(tmp_path: Path, capsys) -> None:
    d = _project({"source": "toy", "name": "circle"}, optimizer={"name": "adam", "learning_rat": 0.01})
    d["training"]["schedule"] = {"class_name": "CosineDecay", "config": {"decay_step": 10}}
    with pytest.raises(ProjectError) as info:
        Project.from_dict(d)
    assert info.value.problems == [
        "training.optimizer.learning_rat: unknown argument for optimizer 'adam' (did you mean "
        "'learning_rate'?); valid arguments: learning_rate, beta_1, beta_2, epsilon, amsgrad",
        "training.schedule.config.decay_step: unknown argument for schedule 'CosineDecay' (did you mean "
        "'decay_steps'?); valid arguments: initial_learning_rate, decay_steps, alpha"]
    (tmp_path / "p.json").write_text(json.dumps(d))
    assert _train(tmp_path / "p.json", tmp_path / "o") == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "training.optimizer.learning_rat: unknown argument" in err
    assert "__init__" not in err and "unexpected keyword" not in err
