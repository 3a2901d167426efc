"""Property panels: edits reach the model, model changes reach the panel, tooltips, activation plot."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtWidgets import QAbstractButton, QAbstractSpinBox, QComboBox


def select(window, node_id: str):
    window.canvas_scene.select_ids([node_id])
    return window.properties


def test_selecting_a_layer_shows_its_properties(builder_window) -> None:
    panel = select(builder_window, "dense_1")
    assert panel.node_id == "dense_1"
    assert panel.units.value() == 4 and panel.activation.currentText() == "tanh"
    assert "12 trainable parameters" in panel.summary.text()
    assert not panel.units.isHidden() and panel.rate.isHidden()
    builder_window.canvas_scene.clearSelection()
    assert panel.node_id is None and not panel.hint.isHidden()


def test_panel_edits_change_the_model_and_the_canvas(builder_window) -> None:
    panel = select(builder_window, "dense_1")
    panel.units.setValue(7)
    panel.activation.setCurrentText("relu")
    panel.initializer.setCurrentText("he_normal")
    panel.use_bias.setChecked(False)
    panel.l2.setValue(0.001)
    cfg = builder_window.document.graph.nodes["dense_1"].config
    assert cfg == {
        "units": 7,
        "activation": "relu",
        "kernel_initializer": "he_normal",
        "use_bias": False,
        "kernel_regularizer": {"name": "l1_l2", "l1": 0.0, "l2": 0.001},
    }
    item = builder_window.canvas_scene.items_by_id["dense_1"]
    assert (item.units, item.activation, item.params) == (7, "relu", 14)


def test_model_changes_reach_the_panel(builder_window) -> None:
    panel = select(builder_window, "dense_1")
    builder_window.document.set_node_config("dense_1", "units", 33)
    assert panel.units.value() == 33
    builder_window.document.undo_stack.undo()
    assert panel.units.value() == 4


def test_dropout_and_output_fields(builder_window) -> None:
    nid = builder_window.append_layer("dropout")
    panel = select(builder_window, nid)
    assert not panel.rate.isHidden() and panel.units.isHidden()
    panel.rate.setValue(0.35)
    assert builder_window.document.graph.nodes[nid].config["rate"] == 0.35
    panel = select(builder_window, "output")
    assert panel.units.specialValueText().startswith("auto") and panel.units.value() == 0
    assert panel.activation.currentText() == "auto"
    assert "Now: sigmoid" in panel.act_help.text()


def test_invalid_value_is_marked_in_place(builder_window) -> None:
    panel = select(builder_window, "output")
    panel.units.setValue(3)
    assert not panel.problem.isHidden()
    assert "needs 1 unit" in panel.problem.text()
    assert panel.units.property("invalid") is True
    panel.units.setValue(0)
    assert panel.problem.isHidden() and panel.units.property("invalid") is False


def test_activation_plot_shows_function_and_derivative(builder_window) -> None:
    panel = select(builder_window, "dense_1")
    plot = panel.act_plot
    x, y = plot.f_curve.getData()
    _, dy = plot.d_curve.getData()
    np.testing.assert_allclose(y, np.tanh(x), atol=1e-6)
    np.testing.assert_allclose(dy, 1 - np.tanh(x) ** 2, atol=1e-6)
    panel.activation.setCurrentText("relu")
    x, y = plot.f_curve.getData()
    np.testing.assert_allclose(y, np.maximum(x, 0), atol=1e-6)


def test_every_control_has_a_tooltip(builder_window) -> None:
    for panel in (builder_window.properties, builder_window.network_panel):
        controls = (
            panel.findChildren(QAbstractSpinBox)
            + panel.findChildren(QComboBox)
            + panel.findChildren(QAbstractButton)
        )
        assert controls
        missing = [
            type(c).__name__
            for c in controls
            if not c.toolTip() and c.parent() is not None and type(c).__name__ not in ("QToolButton",)
        ]
        assert missing == []


def test_network_panel_edits_training_settings(builder_window) -> None:
    panel = builder_window.network_panel
    doc = builder_window.document
    panel.optimizer.setCurrentIndex(panel.optimizer.findData("adam"))
    assert doc.training["optimizer"]["name"] == "adam"
    assert "β₁" in panel.rule.text()
    assert not panel.beta_1.isHidden() and panel.momentum.isHidden()
    panel.lr.setValue(0.005)
    panel.batch_size.setValue(64)
    panel.loss.setCurrentText("binary_crossentropy")
    panel.schedule.setCurrentIndex(panel.schedule.findData("step_decay"))
    assert doc.training["optimizer"]["learning_rate"] == 0.005
    assert doc.training["batch_size"] == 64 and doc.training["loss"] == "binary_crossentropy"
    assert doc.training["schedule"] == {"name": "step_decay", "drop": 0.5, "epochs_drop": 10}
    panel.optimizer.setCurrentIndex(panel.optimizer.findData("sgd"))
    panel.momentum.setValue(0.9)
    assert doc.training["optimizer"] == {"name": "sgd", "learning_rate": 0.005, "momentum": 0.9}
    assert "μ" in panel.rule.text()
    doc.set_training(("epochs",), 42)
    assert panel.epochs.value() == 42


def test_training_settings_are_valid_for_the_project_file(builder_window) -> None:
    from core.project import Project

    panel = builder_window.network_panel
    panel.optimizer.setCurrentIndex(panel.optimizer.findData("adamw"))
    panel.weight_decay.setValue(0.01)
    for sched in ("exponential_decay", "cosine_decay", "reduce_lr_on_plateau"):
        panel.schedule.setCurrentIndex(panel.schedule.findData(sched))
        # raises ProjectError when invalid
        project = Project.from_dict(builder_window.workspace.project.to_dict(), ".")
        assert project.training["schedule"]["name"] == sched
        assert project.training["optimizer"]["name"] == "adamw"
        assert project.training["optimizer"]["weight_decay"] == pytest.approx(0.01)


def test_lock_keeps_learning_rate_editable(builder_window) -> None:
    panel = builder_window.network_panel
    builder_window.set_training_locked(True, "running")
    assert panel.lr.isEnabled() and not panel.batch_size.isEnabled()
    panel.lr.setValue(0.2)
    assert builder_window.document.training["optimizer"]["learning_rate"] == 0.2
    builder_window.set_training_locked(False)
    assert panel.batch_size.isEnabled()


def test_prelu_initial_slope(builder_window) -> None:
    nid = builder_window.append_layer("prelu")
    panel = select(builder_window, nid)
    assert not panel.alpha.isHidden() and panel.alpha.value() == 0.25
    panel.alpha.setValue(0.1)
    assert builder_window.document.graph.nodes[nid].config["alpha_initializer"] == 0.1


def test_early_stopping_settings(builder_window) -> None:
    from core.project import Project

    panel = builder_window.network_panel
    assert panel.patience.isHidden()
    panel.early.setChecked(True)
    panel.patience.setValue(7)
    panel.restore_best.setChecked(True)
    es = builder_window.document.training["early_stopping"]
    assert es == {"monitor": "val_loss", "patience": 7, "restore_best_weights": True}
    Project.from_dict(builder_window.workspace.project.to_dict(), ".")
    panel.early.setChecked(False)
    assert "early_stopping" not in builder_window.document.training
