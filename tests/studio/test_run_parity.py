"""One run recipe: the GUI's training worker and `ffstudio train` give the same weights for the same seed."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from core.project import build_dataset, load_project
from core.run import prepare_run
from studio.cli import main as ffstudio_main
from studio.training.job import TrainingJob
from studio.training.session import TrainingSession

PROJECT = {
    "format": "ffstudio-project", "version": 1,
    "network": {"layers": [{"type": "input"}, {"type": "dense", "units": 8, "activation": "tanh"},
                           {"type": "dropout", "rate": 0.2},
                           {"type": "dense", "units": 4, "activation": "relu"},
                           {"type": "output"}]},
    "data": {"source": "toy", "name": "xor", "samples": 150, "noise": 0.1, "seed": 4},
    # 74 training rows in batches of 16: the last batch is short, so the shuffle order matters
    "training": {"optimizer": {"name": "adam", "learning_rate": 0.02}, "batch_size": 16, "epochs": 5,
                 "seed": 7, "schedule": {"name": "exponential_decay", "decay_rate": 0.9}},
}


def _weights(model) -> list[np.ndarray]:
    """Every layer's weights (the input Normalization's mean and variance included)."""
    return [np.array(w) for layer in model.layers for w in layer.get_weights()]


def _gui_run(qtbot, project_path: Path) -> list[np.ndarray]:
    """Train as the app does: prepare_run -> TrainingJob -> TrainingWorker pulling iter_training."""
    project = load_project(project_path)
    run = prepare_run(project, build_dataset(project))
    session = TrainingSession(TrainingJob.from_run(run, run.epochs, grid=None, neuron_images=False))
    try:
        with qtbot.waitSignal(session.finished, timeout=60000) as blocker:
            session.start()
        assert blocker.args == ["epochs"]
        assert session.worker.epoch == 5
    finally:
        session.shutdown(5000)
    return _weights(run.model)


def _cli_run(tmp_path: Path, project_path: Path) -> list[np.ndarray]:
    """Train as `ffstudio train` does, then read the weights file it wrote into a fresh model."""
    out = tmp_path / "out"
    assert ffstudio_main(["train", str(project_path), "--out", str(out), "--progress", "none"]) == 0
    project = load_project(out / "project.json")
    assert project.weights.startswith("weights-") and project.weights.endswith(".npz")
    run = prepare_run(project, build_dataset(project), initial_weights=project.weights_path)
    return _weights(run.model)


@pytest.mark.parametrize("shuffle", [True, False])
def test_gui_worker_and_cli_train_give_the_same_weights(qtbot, tmp_path: Path, shuffle: bool) -> None:
    doc = json.loads(json.dumps(PROJECT))
    doc["training"]["shuffle"] = shuffle
    path = tmp_path / "parity.json"
    path.write_text(json.dumps(doc))
    gui = _gui_run(qtbot, path)
    cli = _cli_run(tmp_path, path)
    fresh = _weights(prepare_run(load_project(path), build_dataset(load_project(path))).model)
    assert len(gui) == len(cli) == len(fresh) == 8
    for g, c in zip(gui, cli, strict=True):
        assert g.shape == c.shape
        np.testing.assert_allclose(g, c, rtol=0, atol=1e-6)
    # five epochs moved every kernel and bias (arrays 2..7) away from its initial value
    assert all(not np.allclose(g, f) for g, f in zip(gui[2:], fresh[2:], strict=True))


def test_shuffle_setting_changes_the_run(qtbot, tmp_path: Path) -> None:
    """The worker honours training.shuffle: with the same seed, shuffled and ordered runs differ."""
    results = []
    for shuffle in (True, False):
        doc = json.loads(json.dumps(PROJECT))
        doc["training"]["shuffle"] = shuffle
        path = tmp_path / f"shuffle_{shuffle}.json"
        path.write_text(json.dumps(doc))
        results.append(_gui_run(qtbot, path))
    assert any(not np.allclose(a, b, atol=1e-4) for a, b in zip(*results, strict=True))


def test_prepare_run_fills_core_defaults(tmp_path: Path) -> None:
    doc = json.loads(json.dumps(PROJECT))
    doc["training"] = {}
    path = tmp_path / "defaults.json"
    path.write_text(json.dumps(doc))
    project = load_project(path)
    dataset = build_dataset(project)
    run = prepare_run(project, dataset)
    assert (run.batch_size, run.epochs, run.seed, run.shuffle) == (32, 100, 0, True)
    assert run.x_train.shape == (74, 2) and run.y_val.shape == (len(dataset.y_test), 1)
    assert run.validation_data is not None and run.callbacks == ()
