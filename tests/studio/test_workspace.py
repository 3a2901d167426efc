"""The workspace: one document (Open -> Save keeps the project), and opening a trained project keeps it
trained once every background load has finished."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from core.probes import forward_all
from tests.mnist_files import MNIST_DIR
from tests.studio.conftest import wait_loaded

EXAMPLES = Path(__file__).resolve().parents[2] / "assets" / "examples"
EXAMPLE_FILES = sorted(p.name for p in EXAMPLES.glob("*.json"))


@pytest.fixture
def examples(tmp_path, monkeypatch) -> Path:
    """A copy of assets/examples (CSV files beside the projects); MNIST from the test folder."""
    folder = tmp_path / "examples"
    shutil.copytree(EXAMPLES, folder)
    monkeypatch.setenv("FFSTUDIO_MNIST_DIR", str(MNIST_DIR))
    return folder


def _float64(folder: Path) -> Path:
    doc = json.loads((folder / "spiral.json").read_text())
    doc["network"]["dtype"] = "float64"
    doc["gui"] = {"note": "kept"}
    doc["results"] = {"epochs": 3, "loss": 0.5}
    path = folder / "spiral64.json"
    path.write_text(json.dumps(doc))
    return path


def _open(qtbot, window, path: Path) -> None:
    assert window.load_project_file(str(path))
    wait_loaded(qtbot, window)


@pytest.mark.parametrize("name", [*EXAMPLE_FILES, "float64"])
def test_open_save_keeps_every_key_before_and_after_training(qtbot, studio_window, examples, name) -> None:
    w = studio_window
    path = _float64(examples) if name == "float64" else examples / name
    original = json.loads(path.read_text())
    _open(qtbot, w, path)
    assert w.workspace.dataset is not None
    saved = examples / "saved.json"
    assert w.save_to(str(saved))
    assert json.loads(saved.read_text()) == original  # key order and whitespace aside
    if name == "float64":
        assert w.workspace.project.dtype == "float64" and w.training.model.dtype == np.float64
    # after training a few epochs through the GUI controller: save, reopen, save again
    assert w.training.train_epochs(2, timeout_s=300)
    trained = examples / "trained.json"
    assert w.save_to(str(trained))
    first = json.loads(trained.read_text())
    assert first["weights"] == "trained.npz" and (examples / "trained.npz").is_file()
    assert {k: v for k, v in first.items() if k != "weights"} == original
    _open(qtbot, w, trained)
    assert w.workspace.model is not None and not w.workspace.modified
    again = examples / "again.json"
    assert w.save_to(str(again))
    assert json.loads(again.read_text()) == first  # same weights reference: nothing was rewritten


def _trained_example(examples: Path, name: str, capsys) -> tuple[Path, dict]:
    from studio.cli import main

    out = examples / f"{name}_out"
    assert main(["train", str(examples / f"{name}.json"), "--epochs", "30", "--out", str(out),
                 "--progress", "none"]) == 0
    metrics = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    return out / "project.json", metrics


@pytest.mark.parametrize("name", ["spiral", "penguins"])
def test_opening_a_trained_project_keeps_it_trained(qtbot, studio_window, examples, capsys, name) -> None:
    from core.export import load_weights_npz
    from core.project import load_project

    w, ws = studio_window, studio_window.workspace
    path, metrics = _trained_example(examples, name, capsys)
    assert w.load_project_file(str(path))
    # every background load (data, weights, the evaluation's predictions) has finished, and then some
    wait_loaded(qtbot, w)
    tc = w.training
    qtbot.waitUntil(lambda: tc.evaluation.cm is not None, timeout=10000)
    qtbot.wait(300)
    model = ws.model
    assert model is not None and tc.model is model and not ws.weights_unsaved and not ws.modified
    reference = w.training.workspace.build_model()
    load_weights_npz(reference, load_project(path).weights_path)  # weights-<hash>.npz written by train
    x = ws.dataset.x_test
    np.testing.assert_array_equal(model.predict(x), reference.predict(x))
    # Export and Predict enabled
    actions = w.export_actions
    assert actions.export_action.isEnabled() and actions.predict_action.isEnabled()
    # Evaluation: the loaded model's test metrics, the ones ffstudio train reported
    assert f"accuracy {100 * metrics['val_accuracy']:.2f}%" in tc.evaluation.headline.text()
    # the canvas links carry the loaded kernels; the boundary is the loaded model's output
    kernels = [la.params["kernel"] for la in model.layers if "kernel" in getattr(la, "params", {})]
    drawn = [link.weights for link in w.canvas_scene.links.values() if link.weights is not None]
    assert len(drawn) == len(kernels)
    assert any(np.array_equal(d, kernels[-1]) for d in drawn)
    grid = tc.views.grid_for(ws.dataset)
    if grid is not None:
        expected = forward_all(model, grid.points())[-1].reshape(grid.resolution, grid.resolution, -1)
        np.testing.assert_allclose(tc.boundary.last_output, expected, rtol=1e-5, atol=1e-6)
    # the toolbar shows the 30 epochs train ran (and wrote as the budget): the weights file records them
    assert tc.epoch == 30 and tc.controls.epoch_label.text() == "Epoch 30 / 30"
    # Step continues from the loaded weights (once the budget allows another epoch)
    w.document.set_training(("epochs",), 40)
    before = [k.copy() for k in kernels]
    assert tc.train_epochs(1)
    assert tc.epoch == 31 and model.epochs_trained == 31
    assert tc.session.job.model is model and ws.model is model
    assert any(not np.array_equal(a, la) for a, la in zip(before, kernels, strict=True))
    # saving keeps a weights reference (the new weights beside the project)
    assert w.save_to(str(path.parent / "continued.json"))
    assert json.loads((path.parent / "continued.json").read_text())["weights"] == "continued.npz"


def test_weights_restore_waits_for_the_data_whatever_order(qtbot, studio_window, examples, capsys) -> None:
    """A data load still running when another project opens never delivers: the newer project's data
    and weights win."""
    w, ws = studio_window, studio_window.workspace
    path, _ = _trained_example(examples, "spiral", capsys)
    assert w.load_project_file(str(examples / "penguins.json"))  # its CSV load is superseded at once
    assert w.load_project_file(str(path))
    wait_loaded(qtbot, w)
    qtbot.wait(300)
    assert ws.dataset.name == "spiral" and ws.model is not None and w.training.model is ws.model


def test_link_weight_edit_is_undoable(qtbot, studio_window) -> None:
    w, ws = studio_window, studio_window.workspace
    tc = w.training
    kernel_node = next(n for n, node in w.document.graph.nodes.items() if node.kind == "output")
    src = w.document.graph.predecessor(kernel_node)
    idx = tc.views.layer_of(kernel_node)
    kernel = tc.model.layers[idx].params["kernel"]
    old = float(kernel[0, 0])
    assert tc.set_link_weight(src, kernel_node, 0, 0, 1.25)
    assert kernel[0, 0] == pytest.approx(1.25) and ws.model is tc.model and ws.weights_unsaved
    assert w.document.undo_stack.undoText().startswith("Weight")
    w.document.undo_stack.undo()
    assert kernel[0, 0] == pytest.approx(old)
    w.document.undo_stack.redo()
    assert kernel[0, 0] == pytest.approx(1.25)
