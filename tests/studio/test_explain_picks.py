"""Explain: a CSV preview row or a digit in the MNIST gallery picks the sample (as a boundary click)."""

from __future__ import annotations

import os

import numpy as np
import pytest
from PySide6.QtCore import Qt

from core.explain import explain
from studio.panels.explain import short
from tests.mnist_files import MNIST_DIR
from tests.studio.conftest import wait_loaded

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _hidden_values(w, exp) -> tuple[dict[int, str], dict[int, str]]:
    """(what the first Dense card shows, what it should show for ``exp``)."""
    node = w.training.views.neuron_nodes[1]
    t = exp.layers[1]
    return w.canvas_scene.items_by_id[node].neuron_values, {j: f"{short(t.z[j])}→{short(t.a[j])}"
                                                              for j in range(t.a.size)}


def _target(w, label: int) -> np.ndarray:
    """The one-hot row of class ``label`` (the output has a unit per class)."""
    units = int(w.training.model.output_dim)
    assert units > 2
    return np.eye(units)[label]


def test_clicking_a_csv_preview_row_explains_that_row(qtbot, studio_window) -> None:
    w = studio_window
    assert w.load_project_file(os.path.join(ROOT, "assets", "examples", "penguins.json"))
    wait_loaded(qtbot, w)
    panel = w.training.data_panel
    qtbot.waitUntil(lambda: panel.preview_frame is not None and panel.preview.rowCount() > 5, timeout=20000)
    ds, model, ex = w.workspace.dataset, w.training.model, w.explain
    assert ds.source == "csv" and model is not None
    w.side_tabs.setCurrentIndex(w.side_tabs.indexOf(panel.parentWidget().parentWidget()))
    table = panel.preview
    frame = panel.preview_frame
    # a row of the third class (a class index above 1 and a name that is not its index) without gaps
    row = next(r for r in range(len(frame)) if frame["species"].iloc[r] == ds.class_names[2]
               and not frame.iloc[r].isna().any())
    table.scrollToItem(table.item(row, 2))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton,
                     pos=table.visualItemRect(table.item(row, 2)).center())
    assert ex.panel.sample.text().startswith(f"Sample: CSV row {row + 1} of penguins_synthetic.csv, label ")
    raw = panel.preview_frame.iloc[[row]]
    expected_x = ds.encode_frame(raw)[0].astype(np.float64)
    np.testing.assert_array_equal(ex.x, expected_x)
    label = 2
    assert ex._label == label and ds.class_names[label] in ex.panel.sample.text()
    exp = explain(model, expected_x, _target(w, label))
    shown, wanted = _hidden_values(w, exp)
    assert shown == wanted and len(shown) == exp.layers[1].a.size
    assert ex.explanation.loss == pytest.approx(exp.loss) and "Loss" in ex.panel.output.text()


def test_a_preview_of_another_file_is_not_explained(qtbot, studio_window, tmp_path) -> None:
    w = studio_window  # the default project: toy circle data, while the preview shows some CSV
    other = tmp_path / "other.csv"
    other.write_text("a,b,c\n1,2,x\n3,4,y\n", encoding="utf-8")
    panel = w.training.data_panel
    with qtbot.waitSignal(panel.preview_ready, timeout=10000):
        panel.preview_csv(str(other))
    assert not w.explain.pick_preview_row(0)
    assert w.explain.x is None and "not the loaded data" in w.explain.panel.sample.text()


def test_clicking_a_gallery_digit_explains_that_digit(qtbot, studio_window) -> None:
    w = studio_window
    spec = {"source": "mnist", "path": os.fspath(MNIST_DIR), "subset": 600}
    assert w.document.set_data_spec(spec, "MNIST")
    wait_loaded(qtbot, w, timeout=60000)
    ds = w.workspace.dataset
    assert ds is not None and ds.source == "mnist"
    tc = w.training
    assert tc.train_epochs(1)
    ev = tc.evaluation
    qtbot.waitUntil(lambda: ev.gallery.count() > 0, timeout=30000)
    ev.tabs.setCurrentIndex(ev.gallery_index)
    tc.eval_dock.show()
    tc.eval_dock.raise_()
    qtbot.waitUntil(lambda: ev.gallery.isVisible(), timeout=5000)
    item = next(it for it in (ev.gallery.item(k) for k in range(ev.gallery.count()))
                if ds.y_test[it.data(Qt.ItemDataRole.UserRole)] >= 2)  # not a 0 or 1: a ten-class target
    index = item.data(Qt.ItemDataRole.UserRole)
    ev.gallery.scrollToItem(item)
    qtbot.mouseClick(ev.gallery.viewport(), Qt.MouseButton.LeftButton,
                     pos=ev.gallery.visualItemRect(item).center())
    ex = w.explain
    assert ex.panel.sample.text().startswith(f"Sample: test digit #{index}, label ")
    assert w.side_tabs.currentWidget() is ex.panel
    x = ds.x_test[index].astype(np.float64)
    np.testing.assert_array_equal(ex.x, x)
    label = int(ds.y_test[index])
    assert ex._label == label
    exp = explain(tc.model, x, _target(w, label))
    shown, wanted = _hidden_values(w, exp)
    assert shown == wanted
    probs = ex.panel.output.text()
    assert probs.startswith("Output probabilities: 0 ") and "Loss" in probs
    assert ex.explanation.loss == pytest.approx(exp.loss)
    # 784 pixels are counted, not listed: the output and the computation stay in view
    sample = ex.panel.sample.text()
    assert "pixel_11 = " in sample and "pixel_12 = " not in sample
    assert f"… and 772 more ({int(np.count_nonzero(x))} of all 784 are not 0)" in sample
