"""The small example projects reach the accuracy their READMEs state (README.md, assets/examples/README.md).

Each is trained exactly as `ffstudio train` does (core.project + core.training.iter_training) with its
own settings; the whole file takes a few seconds.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from core import metrics
from core.project import build_dataset, build_model, load_project, training_arrays, training_callbacks
from core.training import iter_training

EXAMPLES = Path(__file__).resolve().parents[2] / "assets" / "examples"


def _train(name: str, seed: int | None = None) -> tuple[float, float, int]:
    """(test accuracy, final training loss, epochs run) of ``assets/examples/<name>.json``."""
    project = load_project(EXAMPLES / f"{name}.json")
    if seed is not None:
        project.training["seed"] = seed
    spec = project.training_spec()
    dataset = build_dataset(project)
    model = build_model(project, dataset)
    x, y, xt, yt = training_arrays(project, dataset, model)
    last = None
    for p in iter_training(model, x, y, epochs=spec["epochs"], batch_size=spec["batch_size"],
                           validation_data=(xt, yt), shuffle=spec["shuffle"], seed=spec["seed"],
                           callbacks=training_callbacks(project)):
        if p.kind == "epoch":
            last = p
    assert last is not None
    accuracy = float(metrics.accuracy(dataset.y_test, model.predict(xt)))
    return accuracy, float(model.evaluate(x, y)["loss"]), last.epoch


@pytest.mark.parametrize("seed", [None, 1, 2])
def test_spiral_reaches_98_percent(seed: int | None) -> None:
    # README: 99.2 % with the project's seed 0; >= 98 % for other training seeds
    accuracy, _, epochs = _train("spiral", seed)
    assert epochs == 300
    assert accuracy >= (0.99 if seed is None else 0.98), accuracy


def test_xor_gets_all_four_points() -> None:
    accuracy, loss, _ = _train("xor")
    assert accuracy == 1.0 and loss < 1e-2


def test_penguins_reaches_99_percent() -> None:
    accuracy, _, epochs = _train("penguins")
    assert accuracy >= 0.99 and epochs <= 60
