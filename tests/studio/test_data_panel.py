"""Data panel: toy thumbnails, CSV preview/target/ignore, MNIST with progress, loading off the GUI thread."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from studio.panels.data_panel import DataPanel
from studio.workspace import Workspace
from tests.mnist_files import MNIST_DIR

ROOT = Path(__file__).resolve().parents[2]
CSV = ROOT / "assets" / "examples" / "penguins_synthetic.csv"


@pytest.fixture
def panel(qtbot):
    p = DataPanel(Workspace())
    qtbot.addWidget(p)
    p.show()
    return p


def test_toy_thumbnail_click_loads_in_background(qtbot, panel):
    assert len(panel.toy_buttons) >= 9
    assert not panel.toy_buttons["moons"].icon().isNull()
    main = threading.get_ident()
    seen: list[int] = []
    import studio.data_load as load_module

    real = load_module.dataset_from_spec

    def spy(spec, base_dir=".", progress=None, **options):
        seen.append(threading.get_ident())
        return real(spec, base_dir, progress, **options)

    load_module.dataset_from_spec = spy
    ws = panel.workspace
    try:
        panel.noise_slider.setValue(20)
        panel.test_spin.setValue(0.3)
        with qtbot.waitSignal(ws.dataset_changed, timeout=10000) as blocker:
            panel.toy_buttons["moons"].click()
    finally:
        load_module.dataset_from_spec = real
    ds, spec = blocker.args[0], ws.document.data
    assert seen and seen[0] != main  # loaded off the GUI thread
    assert ds.name == "moons" and spec["source"] == "toy" and spec["noise"] == pytest.approx(0.2)
    n = len(ds.x_train) + len(ds.x_test)
    assert n == 500 and abs(len(ds.x_test) / n - 0.3) < 0.02
    assert "moons" in panel.summary.toPlainText()
    # regenerate with another seed gives other points
    panel.seed_spin.setValue(panel.seed_spin.value() + 1)
    with qtbot.waitSignal(ws.dataset_changed, timeout=10000) as blocker2:
        panel.load_btn.click()
    assert blocker2.args[0].x_train.tolist() != ds.x_train.tolist()


def test_csv_preview_target_ignore_and_summary(qtbot, panel):
    panel.tabs.setCurrentIndex(1)
    with qtbot.waitSignal(panel.preview_ready, timeout=10000):
        panel.preview_csv(str(CSV))
    qtbot.wait(10)
    assert panel.preview.columnCount() == 7 and panel.preview.rowCount() > 5
    assert panel.target_combo.currentText() == "sex"  # default: the last column
    panel.target_combo.setCurrentText("species")
    for i in range(panel.ignore_list.count()):
        it = panel.ignore_list.item(i)
        if it.text() == "island":
            from PySide6.QtCore import Qt

            it.setCheckState(Qt.Checked)
    assert panel.ignored_columns() == ["island"]
    spec = panel.current_spec()
    assert spec["target"] == "species" and spec["ignore"] == ["island"]
    with qtbot.waitSignal(panel.workspace.dataset_changed, timeout=20000) as blocker:
        panel.load_btn.click()
    ds = blocker.args[0]
    assert ds.task == "multiclass" and ds.num_classes == 3
    assert not any(name.startswith("island") for name in ds.feature_names)
    assert panel.summary.toPlainText().strip()


def test_csv_error_is_one_line(qtbot, panel, tmp_path):
    panel.tabs.setCurrentIndex(1)
    panel.csv_path.setText(str(tmp_path / "missing.csv"))
    with qtbot.waitSignal(panel.workspace.loading_finished, timeout=10000) as blocker:
        panel.load_current()
    assert "missing.csv" in blocker.args[0] and "\n" not in blocker.args[0]
    assert panel.summary.toPlainText().startswith("Error:")
    assert panel.load_btn.isEnabled()


def test_mnist_from_folder_with_progress(qtbot, panel):
    panel.tabs.setCurrentIndex(2)
    assert panel.batch_spin.value() >= 64  # MNIST switches to a bigger batch
    panel.mnist_path.setText(os.fspath(MNIST_DIR))
    panel.mnist_subset.setValue(2000)
    fractions: list[float] = []
    ws = panel.workspace
    ws.loading_progress.connect(lambda f, _m: fractions.append(f))
    with qtbot.waitSignal(ws.dataset_changed, timeout=60000) as blocker:
        panel.load_btn.click()
        assert panel.progress.isVisible()
    ds, spec = blocker.args[0], ws.document.data
    assert spec == {"source": "mnist", "path": os.fspath(MNIST_DIR), "subset": 2000}
    assert ds.x_train.shape == (2000, 784) and ds.x_train.dtype.name == "uint8"
    assert ds.num_classes == 10
    assert not panel.progress.isVisible()
    assert "Loaded" in panel.mnist_source.text()


def test_window_data_tab_switches_dataset(qtbot, studio_window):
    tc = studio_window.training
    with qtbot.waitSignal(studio_window.workspace.dataset_changed, timeout=10000):
        tc.data_panel.select_toy("xor")
    assert studio_window.workspace.dataset.name == "xor"
    assert studio_window.document.data["name"] == "xor"
    assert tc.model is not None  # a fresh model for the new data
    # clicking in the plot adds a training point and records it in the project
    n = len(studio_window.workspace.dataset.x_train)
    tc.boundary.add_point_at(0.5, 0.5, 1)
    assert len(studio_window.workspace.dataset.x_train) == n + 1
    assert studio_window.document.data["points"] == [[0.5, 0.5, 1, "train"]]


def test_settings_without_controls_are_kept_and_applied(qtbot, panel):
    """missing / scaling / header / seed of the project's data survive Load in the panel."""
    spec = {"source": "csv", "path": str(CSV), "target": "species", "missing": "impute",
            "scaling": "minmax", "header": True, "seed": 7, "test_fraction": 0.25, "target_scaling": "none"}
    panel.set_spec(spec)
    current = panel.current_spec()
    for key in ("missing", "scaling", "header", "seed", "target_scaling"):
        assert current[key] == spec[key]
    with qtbot.waitSignal(panel.workspace.dataset_changed, timeout=10000) as blocker:
        panel.load_current()
    ds, loaded = blocker.args[0], panel.workspace.document.data
    assert ds.scaling == "minmax" and loaded["missing"] == "impute"
    # another file: the old file's settings no longer apply
    panel.csv_path.setText(str(CSV.with_name("other.csv")))
    assert "missing" not in panel.current_spec()
    # toy: scaling kept; MNIST: download kept
    panel.set_spec({"source": "toy", "name": "moons", "samples": 300, "scaling": "none"})
    assert panel.current_spec()["scaling"] == "none"
    panel.set_spec({"source": "mnist", "download": False})
    assert panel.current_spec()["download"] is False


def test_csv_test_file_has_a_browse_button_beside_its_field(qtbot, panel, tmp_path, monkeypatch):
    """data.test_path had no control (it was only carried over): a "Test file" field with a Browse…
    button like the training file's, starting in the training file's folder; Load CSV tests on it."""
    from PySide6.QtWidgets import QFileDialog

    from tests.core.test_evaluate import split_penguins

    train, test = split_penguins(tmp_path)
    asked: list[str] = []

    def pick(parent, caption, start, *rest):
        asked.append(start)
        return str(test), ""

    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(pick))
    with qtbot.waitSignal(panel.preview_ready, timeout=10000):
        panel.set_spec({"source": "csv", "path": str(train), "target": "species", "missing": "impute"})
    assert panel.csv.test_path.text() == "" and "test_path" not in panel.current_spec()
    assert panel.test_spin.isEnabled()  # no test file: the fraction splits the file
    field, button = panel.csv.test_path, panel.csv.test_browse
    assert button.isVisible() and button.text() == "Browse…" and field.isVisible()
    # beside its field, on the same line, the same width as the training file's button
    assert button.geometry().left() >= field.geometry().right()
    assert abs(button.geometry().center().y() - field.geometry().center().y()) <= 2
    assert button.width() == panel.csv_browse.width()
    button.click()
    assert asked == [str(tmp_path)]
    assert field.text() == str(test)
    assert panel.current_spec()["test_path"] == str(test)
    assert not panel.test_spin.isEnabled() and panel.test_spin.toolTip().startswith("Not used")
    panel.tabs.setCurrentWidget(panel.toy)  # the toy data is split by the fraction again
    assert panel.test_spin.isEnabled()
    panel.tabs.setCurrentWidget(panel.csv)
    assert not panel.test_spin.isEnabled()
    with qtbot.waitSignal(panel.workspace.dataset_changed, timeout=20000) as blocker:
        panel.load_btn.click()
    ds = blocker.args[0]
    test_rows = len(test.read_text().splitlines()) - 1
    assert len(ds.x_train) == 250 and len(ds.x_test) == test_rows  # every training row trains
    assert panel.workspace.document.data["test_path"] == str(test)
    field.clear()  # an empty field: the test split again, nothing carried over from the project
    assert "test_path" not in panel.current_spec() and panel.test_spin.isEnabled()
    panel.set_spec({"source": "csv", "path": "train.csv", "test_path": "test.csv"})
    assert field.text() == "test.csv" and panel.current_spec()["test_path"] == "test.csv"


def test_csv_target_proposal_is_shown_until_chosen(qtbot, panel):
    """A project without data.target: the Data tab proposes the last column and says so prominently."""
    panel.workspace.project.base_dir = str(CSV.parent)
    with qtbot.waitSignal(panel.preview_ready, timeout=10000):
        panel.set_spec({"source": "csv", "path": CSV.name})
    qtbot.waitUntil(lambda: panel.target_combo.count() == 7, timeout=5000)
    assert panel.target_combo.currentText() == "sex"
    assert panel.target_note.isVisible() and "Proposed target: <b>sex</b>" in panel.target_note.text()
    assert "font-weight: bold" in panel.target_note.styleSheet()
    panel.target_combo.setCurrentText("species")  # the user chooses: no longer a proposal
    assert not panel.target_note.isVisible()
    assert panel.current_spec()["target"] == "species"
    # a project that names its target (and ignored columns) shows them, with no proposal
    with qtbot.waitSignal(panel.preview_ready, timeout=10000):
        panel.set_spec({"source": "csv", "path": CSV.name, "target": "island", "ignore": ["sex"]})
    qtbot.waitUntil(lambda: panel.target_combo.currentText() == "island", timeout=5000)
    assert not panel.target_note.isVisible() and panel.ignored_columns() == ["sex"]
