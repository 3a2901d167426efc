"""The Output card under data.target_scaling "standard": its neurons show the model's output in target units
(what predict, the evaluation and the boundary show), not the standardized value the network's last Dense
layer computes; hidden layers keep their own values. Without target scaling nothing changes."""

from __future__ import annotations

import numpy as np
import pytest

from core.explain import explain
from core.explain_text import num
from core.probes import neuron_layers
from studio.canvas.scene import TARGET_UNITS_NOTE
from studio.panels.explain import short
from tests.core.test_target_scaling import _big_offset_csv, _project
from tests.studio.conftest import wait_loaded


def _open_trained(qtbot, w, tmp_path, scaling: str | None):
    _big_offset_csv(tmp_path / "big.csv")
    assert w.load_project_file(str(_project(tmp_path, scaling)))
    wait_loaded(qtbot, w)
    assert w.training.train_epochs(3)
    qtbot.wait(100)  # the run's end reaches every view
    return w.training.model, w.workspace.dataset


def _pick(qtbot, w, ds, k: int) -> np.ndarray:
    x = ds.x_train[k].astype(np.float64)
    w.explain.pick_plane_point(float(x[0]), float(x[1]))
    assert w.explain.panel.sample.text().startswith(f"Sample: training point #{k}")
    return x


def _shown(card, unit: int = 0) -> tuple[float, float]:
    """(z, a) of the card's ``z→a`` text for ``unit``."""
    z, a = card.neuron_values[unit].split("→")
    return float(z), float(a)


def test_output_card_shows_target_units_under_target_scaling(qtbot, studio_window, tmp_path) -> None:
    w = studio_window
    model, ds = _open_trained(qtbot, w, tmp_path, "standard")
    assert model.layers[-1].name == "target_scaling"
    scene = w.canvas_scene
    out_card, hidden_card = scene.items_by_id["output"], scene.items_by_id["dense_1"]
    for k in (4, 17):
        x = _pick(qtbot, w, ds, k)
        predicted = float(model.predict(x[None, :])[0, 0])
        assert predicted > 500  # prices around 1000: target units
        z, a = _shown(out_card)
        assert a == pytest.approx(predicted, abs=0.051)  # four digits: 1018.4 -> "1018", 973.25 -> "973.2"
        exp = explain(model, x)
        assert z == pytest.approx(exp.layers[2].z[0], abs=5e-3)  # z stays the network's standardized value
        assert abs(z) < 5
        # hidden layers are unchanged: their own (standardized-input) z→a
        assert hidden_card.neuron_values == {j: f"{short(exp.layers[1].z[j])}→{short(exp.layers[1].a[j])}"
                                             for j in range(16)}
    assert TARGET_UNITS_NOTE in out_card.toolTip() and TARGET_UNITS_NOTE not in hidden_card.toolTip()
    # the written-out computation of the output neuron ends in target units
    scene.neuron_hover(out_card, 0, out_card.mapToScene(out_card.neuron_center(0)))
    text = w.explain.panel.text.toPlainText()
    last = explain(model, x).layers[-1]
    assert "in target units: a = z·std + mean = " in text and text.rstrip().endswith(f"= {num(last.a[0])}")
    assert last.a[0] == pytest.approx(predicted, rel=1e-5)
    # the neuron pictures show the same values: the output's is the model's output over the plane
    assert neuron_layers(model) == {1: 1, 2: 3}
    assert w.canvas.preview_visible() and TARGET_UNITS_NOTE in w.canvas.preview_caption.text()


def test_without_target_scaling_the_output_card_is_unchanged(qtbot, studio_window, tmp_path) -> None:
    w = studio_window
    model, ds = _open_trained(qtbot, w, tmp_path, None)
    assert model.layers[-1].name != "target_scaling"
    assert neuron_layers(model) == {1: 1, 2: 2}
    out_card = w.canvas_scene.items_by_id["output"]
    x = _pick(qtbot, w, ds, 4)
    exp = explain(model, x)
    t = exp.layers[2]
    assert out_card.neuron_values[0] == f"{short(t.z[0])}→{short(t.a[0])}"  # painted after the name "price"
    assert _shown(out_card)[1] == pytest.approx(float(model.predict(x[None, :])[0, 0]), rel=5e-3)
    assert "target units" not in out_card.toolTip()
    w.canvas_scene.neuron_hover(out_card, 0, out_card.mapToScene(out_card.neuron_center(0)))
    assert "in target units" not in w.explain.panel.text.toPlainText()
