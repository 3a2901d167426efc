"""core.lr_finder and `ffstudio lr-find`: the learning-rate range test."""

from __future__ import annotations

import csv
import json
import math

import numpy as np
import pytest

from core import Sequential, metrics
from core.layers import Dense
from core.lr_finder import find_learning_rate, suggest
from core.project import build_dataset, load_project
from core.run import prepare_run

SPIRAL = "assets/examples/spiral.json"


def test_spiral_suggestion_is_sane_restores_weights_and_trains() -> None:
    project = load_project(SPIRAL)
    dataset = build_dataset(project)
    run = prepare_run(project, dataset)
    before = run.model.flat_params.copy()
    lr_before = run.model.optimizer.learning_rate
    result = find_learning_rate(run.model, run.x_train, run.y_train, batch_size=run.batch_size, seed=0)
    assert np.array_equal(run.model.flat_params, before)
    assert run.model.optimizer.learning_rate == lr_before
    assert math.isfinite(result.suggested) and 1e-4 <= result.suggested <= 1.0
    assert result.method == "steepest"
    s = len(result.losses)
    assert 50 <= s <= 100 and result.learning_rates[0] == pytest.approx(1e-6)
    assert np.all(np.diff(np.log(result.learning_rates)) == pytest.approx(np.log(1e6) / 99))
    assert result.smoothed.min() < result.smoothed[0] - 0.02  # the loss did fall somewhere

    project.training["optimizer"]["learning_rate"] = result.suggested
    trained = prepare_run(project, dataset)
    first = trained.model.evaluate(trained.x_train, trained.y_train)["loss"]
    for _ in trained.iterate():
        pass
    last = trained.model.evaluate(trained.x_train, trained.y_train)["loss"]
    accuracy = metrics.accuracy(dataset.y_train, trained.model.predict(dataset.x_train))
    assert last < 0.75 * first and accuracy > 0.7  # chance is 0.5


def test_explosion_stops_the_test_early() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(256, 3)) * 10
    y = x @ np.array([3.0, -2.0, 1.0]) + 50
    m = Sequential([Dense(8, activation="relu", input_dim=3), Dense(1)], dtype="float64")
    m.compile(optimizer={"name": "sgd", "learning_rate": 0.1}, loss="mse")
    m.build(3, seed=0)
    result = find_learning_rate(m, x, y, batch_size=32)
    assert result.stopped == "exploded" and len(result.losses) < 100
    assert result.suggested < result.learning_rates[-1]
    # the last recorded smoothed loss is the one past 4x the best (or the first non-finite step stopped it)
    assert result.smoothed[-1] > 4 * result.smoothed.min() or len(result.losses) < 100


def test_suggest_rules() -> None:
    lrs = np.geomspace(1e-4, 1, 9)
    falling = np.array([1.0, 0.99, 0.9, 0.5, 0.3, 0.25, 0.24, 0.5, 3.0])
    lr, method = suggest(lrs, falling)
    assert method == "steepest" and lr == pytest.approx(lrs[3])
    rising = np.linspace(1.0, 2.0, 9)
    lr, method = suggest(lrs, rising)
    assert method == "minimum/10" and lr == pytest.approx(1e-5)


def test_cancel_restores_weights() -> None:
    project = load_project(SPIRAL)
    run = prepare_run(project, build_dataset(project))
    before = run.model.flat_params.copy()
    calls = []

    def stop() -> bool:
        calls.append(1)
        return len(calls) > 10

    with pytest.raises(InterruptedError):
        find_learning_rate(run.model, run.x_train, run.y_train, should_stop=stop)
    assert np.array_equal(run.model.flat_params, before)


def test_cli_lr_find_writes_csv_and_json(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    from studio.cli import main

    out_csv = tmp_path / "curve.csv"
    assert main(["lr-find", SPIRAL, "--csv", str(out_csv)]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    doc = json.loads(lines[-1])
    assert 1e-4 <= doc["suggested_learning_rate"] <= 1 and doc["method"] == "steepest"
    rows = list(csv.reader(out_csv.open()))
    assert rows[0] == ["learning_rate", "loss", "smoothed_loss"] and len(rows) == doc["steps"] + 1
    assert float(rows[1][0]) == pytest.approx(1e-6)
    assert any(line.startswith("suggested learning rate") for line in lines)


def test_cli_lr_find_bad_csv_path(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    from studio.cli import main

    assert main(["lr-find", SPIRAL, "--steps", "10", "--csv", str(tmp_path / "no" / "c.csv")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and "cannot write" in err
