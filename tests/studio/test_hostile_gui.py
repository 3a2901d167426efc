"""Hostile-input corpus for the GUI (issue 11): opening a project, File → Import weights and
File → Predict on CSV end in one message naming the file, and leave the window as it was.

The files come from the generators of the CLI corpus (``tests/core/hostile.py``).
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from tests.core import hostile as h

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QMainWindow, QMessageBox  # noqa: E402

TRAINING = h.BASE["training"]
PROJECTS: dict[str, Callable[[Path], str]] = {
    "deep-objects": lambda f: h.deep_project(f, '{"a":'),
    "deep-lists": lambda f: h.deep_project(f, "["),
    "fifo": lambda f: h.fifo(f, "p.json"),
    "dev-zero": lambda f: "/dev/zero",
    "folder": lambda f: str(f),
    "65mb": h.big_project,
    "units-1e9": lambda f: h.project_with(f, network=h.network_with(units=10**9)),
    "layer-name-nul": lambda f: h.project_with(f, network=h.network_with(name="a\u0000b/../x")),
    "seed-2**70": lambda f: h.project_with(f, training={**TRAINING, "seed": 2**70}),
    "batch-2**40": lambda f: h.project_with(f, training={**TRAINING, "batch_size": 2**40}),
    "epochs-1e12": lambda f: h.project_with(f, training={**TRAINING, "epochs": 10**12}),
    "patience-2**40": lambda f: h.project_with(f, training={**TRAINING,
                                                            "early_stopping": {"patience": 2**40}}),
    "data-seed-2**70": lambda f: h.project_with(f, data={**h.BASE["data"], "seed": 2**70}),
    "mnist-subset-1e12": lambda f: h.project_with(f, data={"source": "mnist", "subset": 10**12}),
    "gui-5mb": lambda f: h.project_with(f, gui={"blob": "x" * (5 << 20)}),
    "points-150000": lambda f: h.project_with(f, data={"source": "toy", "name": "circle",
                                                       "points": h.points(150_000)}),
}
WEIGHTS: dict[str, Callable[[Path], None]] = {
    "variance-negative": h.negative_variance,
    "kernel-1e300": h.kernel_1e300,
    "kernel-3e38": h.kernel_3e38,
    "columns-garbage": h.columns_garbage,
    "npy-header-not-literal": h.npy_header_not_literal,
    "zip-unknown-compression": h.unknown_compression,
    "kernel-3gb-declared": h.kernel_bomb,
    "5000-members": h.many_members,
    "safetensors-nested": h.safetensors_deep,
    "text-file": h.weights_is_text,
    "onnx-file": h.weights_is_onnx,
    "fifo": h.weights_fifo,
}
INPUTS: dict[str, Callable[[Path], str]] = {
    "fifo": lambda f: h.fifo(f, "in.csv"),
    "dev-zero": lambda f: "/dev/zero",
    "inf": lambda f: h.csv_file(f, "x1,x2\n0.1,0.2\ninf,0.3\n", "in.csv"),
    "1e39": lambda f: h.csv_file(f, "x1,x2\n0.1,0.2\n1e39,0.3\n", "in.csv"),
    "ragged": lambda f: h.csv_file(f, "x1,x2\n0.1,0.2\n0.3\n", "in.csv"),
    "utf16": lambda f: h.csv_file(f, "x1,x2\n0.1,0.2\n".encode("utf-16"), "in.csv"),
    "ragged-balanced": lambda f: h.csv_file(f, "x1,x2\n" + "0.1,0.2\n" * 25 + "0.3,0.4,0.5\n0.6\n", "in.csv"),
    "200000-columns": lambda f: h.csv_file(f, h.wide_rows(200_000), "in.csv"),
}


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return h.trained_project(tmp_path_factory.mktemp("trained")).parent


@pytest.fixture
def folder(trained: Path, tmp_path: Path) -> Path:
    shutil.copytree(trained, tmp_path / "f")
    return tmp_path / "f"


@pytest.mark.parametrize("case", sorted(PROJECTS))
def test_open_project_shows_one_error_and_keeps_the_window(case: str, qtbot, builder_window, folder: Path,
                                                           monkeypatch) -> None:
    from tests.studio.conftest import wait_loaded

    window = builder_window
    shown: list[tuple[str, list[str]]] = []
    monkeypatch.setattr(window, "show_error", lambda title, text, problems: shown.append((text, problems)))
    wait_loaded(qtbot, window)
    before = (window.document.path, json.dumps(window.workspace.project.to_dict(), sort_keys=True))
    path = PROJECTS[case](folder)
    assert window.load_project_file(path) is False
    assert len(shown) == 1
    text, problems = shown[0]
    assert problems and all(len(p) < 600 for p in problems)
    after = (window.document.path, json.dumps(window.workspace.project.to_dict(), sort_keys=True))
    assert after == before  # nothing half-loaded
    assert window.load_project_file(str(folder / "project.json"))  # and the window still works
    wait_loaded(qtbot, window)
    assert window.workspace.dataset is not None and not shown[1:]


OPEN_WEIGHTS = ("variance-negative", "kernel-3e38", "npy-header-not-literal", "kernel-3gb-declared",
                "safetensors-nested", "onnx-file", "fifo")


@pytest.mark.parametrize("case", OPEN_WEIGHTS)
def test_open_project_with_bad_weights_says_so_and_keeps_fresh_weights(case: str, qtbot, studio_window,
                                                                       folder: Path, monkeypatch) -> None:
    from tests.studio.conftest import wait_loaded

    window = studio_window
    shown: list[str] = []
    monkeypatch.setattr(window, "show_error", lambda title, text, problems: shown.append(text))
    wait_loaded(qtbot, window)
    WEIGHTS[case](folder)
    assert window.load_project_file(str(folder / "project.json"))  # the network and data still open
    wait_loaded(qtbot, window)
    assert len(shown) == 1 and len(shown[0]) < 600, shown
    assert window.workspace.dataset is not None
    assert window.workspace.model is None  # nothing half-loaded: the network starts from fresh weights


def _actions(qtbot, folder: Path):
    """Export actions on a bare main window whose workspace holds the trained project's network."""
    from core.predict import load_trained
    from core.project import build_dataset, load_project
    from studio.export_actions import ExportActions
    from studio.workspace import Workspace

    window = QMainWindow()
    qtbot.addWidget(window)
    trained = load_trained(folder / "project.json")
    ws = Workspace()
    ws.set_dataset(build_dataset(load_project(folder / "project.json")))
    ws.set_model(trained.model, unsaved=False)
    return ExportActions(ws, window, window.menuBar().addMenu("File")), trained.model


@pytest.mark.parametrize("case", sorted(WEIGHTS))
def test_import_weights_shows_one_message_and_changes_nothing(case: str, qtbot, folder: Path,
                                                              monkeypatch) -> None:
    actions, model = _actions(qtbot, folder)
    warnings: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a: warnings.append(a[2]))
    WEIGHTS[case](folder)
    path = folder / json.loads((folder / "project.json").read_text())["weights"]
    before = [w.copy() for w in model.get_weights()]
    assert actions.import_weights(str(path)) is False
    assert len(warnings) == 1 and str(path) in warnings[0] and len(warnings[0]) < 600, warnings
    for a, b in zip(before, model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("case", sorted(INPUTS))
def test_predict_shows_one_message_and_writes_nothing(case: str, qtbot, folder: Path, monkeypatch) -> None:
    actions, _model = _actions(qtbot, folder)
    warnings: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a: warnings.append(a[2]))
    source = INPUTS[case](folder)
    out = folder / "pred.csv"
    assert actions.predict_csv(source, str(out))
    qtbot.waitUntil(lambda: bool(warnings), timeout=20000)
    assert len(warnings) == 1 and source in warnings[0] and len(warnings[0]) < 600, warnings
    assert not out.exists()


def test_predict_refuses_nan_outputs(qtbot, folder: Path, monkeypatch) -> None:
    actions, model = _actions(qtbot, folder)
    warnings: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a: warnings.append(a[2]))
    for layer in model.layers:  # finite weights whose ReLU network computes inf - inf (as h.kernel_3e38)
        if type(layer).__name__ == "Dense":
            kernel, bias = layer.get_weights()
            signs = np.where(np.arange(kernel.shape[0]) % 2 == 0, 1.0, -1.0)[:, None]
            layer.set_weights([(3e38 * signs * np.ones_like(kernel)).astype(kernel.dtype),
                               np.full_like(bias, 3e38)])
    assert actions.predict_csv(str(folder / "input.csv"), str(folder / "pred.csv"))
    qtbot.waitUntil(lambda: bool(warnings), timeout=20000)
    assert "NaN or infinite" in warnings[0] and "line 2" in warnings[0]
    assert not (folder / "pred.csv").exists()


def test_spin_boxes_show_every_value_the_project_file_accepts(builder_window, qtbot) -> None:
    """Issue 11.7: the schema refuses what the widgets cannot show, so loading never overflows them."""
    from core import limits
    from studio.panels.data_panel import DataPanel
    from studio.workspace import Workspace

    net = builder_window.network_panel
    assert (net.batch_size.maximum(), net.epochs.maximum(), net.seed.maximum(), net.patience.maximum()) == \
        (limits.BATCH_SIZE, limits.EPOCHS, limits.SEED, limits.PATIENCE)
    assert builder_window.properties.units.maximum() == limits.UNITS
    data = DataPanel(Workspace())
    qtbot.addWidget(data)
    assert (data.batch_spin.maximum(), data.seed_spin.maximum(), data.mnist_subset.maximum()) == \
        (limits.BATCH_SIZE, limits.SEED, limits.MNIST_SUBSET)
    # data.samples is 0..TOY_SAMPLES (0 keeps only drawn points), data.test_fraction is [0, 1)
    assert (data.samples_spin.minimum(), data.samples_spin.maximum()) == (0, limits.TOY_SAMPLES)
    assert data.test_spin.minimum() == 0.0 and 0.95 <= data.test_spin.maximum() < 1.0


def test_export_refuses_the_open_projects_own_files(qtbot, studio_window, folder: Path, monkeypatch) -> None:
    """Issue 11.10 in the GUI: File → Export… onto the open project.json or its weights file is refused
    with a message box before anything is written (as ``ffstudio export -o``); both files stay intact."""
    from tests.studio.conftest import wait_loaded

    window = studio_window
    warnings: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a: warnings.append(a[2]))
    assert window.load_project_file(str(folder / "project.json"))
    wait_loaded(qtbot, window)
    weights = Path(window.workspace.project.weights_path)
    assert window.workspace.model is not None and weights.is_file()
    dialog = window.export_actions.open_export_dialog()
    qtbot.addWidget(dialog)
    own = {folder / "project.json", weights}
    assert Path(dialog.path_edit.text()) not in own  # the suggested name never is one of them
    before = {p: p.read_bytes() for p in own}
    for fmt, target in (("npz", folder / "project.json"), ("npz", weights), ("safetensors", weights)):
        dialog.set_format(fmt)
        dialog.path_edit.setText(str(target))
        dialog.start_export()
        assert len(warnings) == 1 and f"it is {target}" in warnings[0] and "would be destroyed" in warnings[0]
        assert dialog.task is None and dialog.export_button.isEnabled()
        warnings.clear()
    assert {p: p.read_bytes() for p in own} == before
    dialog.set_format("npz")
    dialog.path_edit.setText(str(folder / "copy.npz"))
    with qtbot.waitSignal(dialog.exported, timeout=20000):
        dialog.start_export()
    assert (folder / "copy.npz").is_file() and not warnings


# ------------------------------------------------------------------------------------------- settings
SETTINGS_INI: dict[str, Callable[[], str | bytes]] = {
    "recent-30000": lambda: "[General]\nrecent_files=" + ", ".join(f"/tmp/p{i}.json" for i in range(30000)),
    "recent-nul-long": lambda: "[General]\nrecent_files=a\\0b, " + "x" * 10000 + ", /tmp/ok.json\n",
    "recent-invalid": lambda: "[General]\nrecent_files=@Invalid()\n",
    "recent-bytes": lambda: "[General]\nrecent_files=@ByteArray(abc)\n",
    "recent-variant-garbage": lambda: "[General]\nrecent_files=@Variant(\\0\\0\\0\\x7f\\0\\0\\0\\x3zz)\n",
    "last-dir-bytes": lambda: "[General]\nlast_dir=@ByteArray(\\0\\0)\n",
    "last-dir-100000": lambda: "[General]\nlast_dir=" + "y" * 100_000 + "\n",
    "last-dir-list": lambda: "[General]\nlast_dir=a, b\n",
    "geometry-text": lambda: "[window]\ngeometry=hello\nstate=12345\n",
    "geometry-garbage-bytes": lambda: "[window]\ngeometry=@ByteArray(" + "\\x1" * 5000 + ")\n"
                                      "state=@ByteArray(\\0\\0\\0\\xff\\0\\0\\0\\0)\n",
    "binary-garbage": lambda: np.random.default_rng(0).integers(0, 256, 65536, dtype=np.uint8).tobytes(),
}


@pytest.mark.parametrize("case", sorted(SETTINGS_INI))
def test_hostile_settings_values_give_defaults(case: str, qtbot, tmp_path: Path, folder: Path,
                                               monkeypatch) -> None:
    """Issue 11 (settings): every value read from the settings is checked; the window opens and works."""
    from PySide6.QtCore import QSettings

    from studio import settings as app_settings
    from studio.main_window import MainWindow
    from studio.window_files import MAX_RECENT
    from tests.studio.conftest import _make_window, wait_loaded

    ini = tmp_path / "settings.ini"
    content = SETTINGS_INI[case]()
    ini.write_bytes(content if isinstance(content, bytes) else content.encode())
    monkeypatch.setattr(MainWindow, "_build_sides", lambda window: None)
    window = _make_window(qtbot, QSettings(str(ini), QSettings.Format.IniFormat))
    recent = window.recent_files()
    assert len(recent) <= MAX_RECENT and all(isinstance(p, str) and "\x00" not in p for p in recent)
    assert len(window.recent_menu.actions()) <= MAX_RECENT
    last = app_settings.text(window.settings, "last_dir", "default")
    assert isinstance(last, str) and "\x00" not in last and len(last) <= 4096
    assert window.restore_layout() in (True, False)
    assert window.load_project_file(str(folder / "project.json"))  # the window works
    wait_loaded(qtbot, window)
    assert window.recent_files()[0] == str((folder / "project.json").resolve())


SETTINGS_FILES: dict[str, Callable[[Path], str]] = {
    "fifo": lambda f: h.fifo(f, "Studio.conf"),
    "dev-zero-link": lambda f: (os.symlink("/dev/zero", f / "Studio.conf"), str(f / "Studio.conf"))[1],
    "folder": lambda f: (os.mkdir(f / "Studio.conf"), str(f / "Studio.conf"))[1],
    "2mb": lambda f: h.csv_file(f, "[General]\nx=" + "z" * (2 << 20) + "\n", "Studio.conf"),
}


@pytest.mark.parametrize("case", sorted(SETTINGS_FILES))
def test_hostile_settings_file_is_set_aside(case: str, tmp_path: Path) -> None:
    """A settings file that is not a regular file of at most 1 MB is never handed to QSettings (a FIFO
    would block it, /dev/zero fill memory): the session uses defaults and says why in one line."""
    from studio.settings import open_settings

    path = SETTINGS_FILES[case](tmp_path)
    settings, warning = open_settings(path)
    assert warning is not None and path in warning and "using default settings" in warning
    assert "\n" not in warning and len(warning) < 600
    assert os.path.realpath(settings.fileName()) != os.path.realpath(path)
    settings.setValue("last_dir", "/tmp")
    settings.sync()
    assert settings.value("last_dir") == "/tmp"
    ok, none = open_settings(str(tmp_path / "fresh.conf"))
    assert none is None and ok.fileName() == str(tmp_path / "fresh.conf")
