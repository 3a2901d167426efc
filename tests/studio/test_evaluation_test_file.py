"""Evaluation panel, "Score a test file…": a labelled CSV scored off the GUI thread with the data set's
encoding; the figures shown are core.evaluate's."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from core.evaluate import evaluate_csv
from core.predict import load_trained
from core.project import build_dataset, load_project
from studio.cli import main
from studio.panels.evaluation import EvaluationPanel
from tests.core.test_evaluate import penguins_project, split_penguins


@pytest.fixture(scope="module")
def penguins(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("eval_panel")
    split_penguins(folder)
    project = penguins_project(folder)
    assert main(["train", str(project), "--out", str(folder / "out"), "--progress", "none"]) == 0
    return folder


def panel_for(qtbot, folder: Path) -> EvaluationPanel:
    trained = load_trained(folder / "out" / "project.json")
    dataset = build_dataset(load_project(folder / "out" / "project.json"))
    panel = EvaluationPanel(source=lambda: (trained.model, dataset))
    qtbot.addWidget(panel)
    return panel


def test_scores_a_test_file_in_the_background(qtbot, penguins: Path) -> None:
    panel = panel_for(qtbot, penguins)
    test = penguins / "test.csv"
    with qtbot.waitSignal(panel.test_file_scored, timeout=30_000) as blocker:
        assert panel.score_test_file(str(test))
        assert not panel.test_button.isEnabled()  # work runs in a pool thread; the button waits for it
    ev = blocker.args[0]
    want = evaluate_csv(penguins / "out" / "project.json", test)
    assert ev.summary() == want.summary()
    accuracy = 100 * want.scores["accuracy"]
    assert panel.headline.text().startswith(f"Test file test.csv: accuracy {accuracy:.2f}%")
    shown = np.array([[int(panel.cm_table.item(i, j).text()) for j in range(3)] for i in range(3)])
    np.testing.assert_array_equal(shown, want.confusion)
    assert panel.cm_table.verticalHeaderItem(0).text() == "true Adelie"
    assert panel.note.text() == "3 missing values filled"
    assert panel.test_button.isEnabled()


def test_bad_test_file_is_one_line_in_the_headline(qtbot, penguins: Path) -> None:
    panel = panel_for(qtbot, penguins)
    bad = penguins / "bad.csv"
    text = (penguins / "test.csv").read_text().splitlines()
    first = text[1].replace(text[1].split(",")[0], "Emperor", 1)
    bad.write_text("\n".join([text[0], first, *text[2:]]) + "\n")
    with qtbot.waitSignal(panel.test_file_failed, timeout=30_000) as blocker:
        panel.score_test_file(str(bad))
    assert "line 2: target 'species' holds class 'Emperor'" in blocker.args[0]
    assert panel.headline.text().startswith("Test file not scored: ")
    assert panel.test_button.isEnabled()


def test_without_a_trained_model_nothing_starts(qtbot) -> None:
    panel = EvaluationPanel(source=lambda: (None, None))
    qtbot.addWidget(panel)
    assert not panel.score_test_file("whatever.csv")
    assert panel.headline.text() == "Train the network (or import weights) before scoring a test file"
    assert panel.test_button.isEnabled()
