"""Studio GUI tests run offscreen; this must run before anything imports Qt."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402


@pytest.fixture
def studio_settings(tmp_path):
    """A throw-away QSettings file (recent files etc. never touch the user's settings)."""
    from PySide6.QtCore import QSettings

    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


def _make_window(qtbot, settings):
    from studio.app import create_window

    window = create_window(None, settings)
    window.ask_save_changes = lambda: "discard"
    qtbot.addWidget(window)
    window.resize(1200, 800)
    tc = getattr(window, "training", None)
    if tc is not None:
        # 300 steps/s: the default project's 300 epochs then last ~25 s instead of ~1 s, so a test that
        # acts while training runs cannot find the run already over on a loaded machine
        from studio.training.toolbar import SPEEDS

        tc.controls.speed_combo.setCurrentIndex([name for name, _ in SPEEDS].index("300 steps/s"))
    window.show()
    qtbot.waitExposed(window)
    wait_loaded(qtbot, window)
    return window


def wait_loaded(qtbot, window, timeout: int = 20000) -> None:
    """Run the event loop until the workspace's background loads are over, then a little longer (the
    signals they cause reach every view)."""
    qtbot.waitUntil(lambda: not window.workspace.is_loading(), timeout=timeout)
    qtbot.wait(50)


@pytest.fixture
def studio_window(qtbot, studio_settings):
    """The complete main window (default project: Playground 2-4-2-1 on circle, training and export sides
    installed, training speed 300 steps/s); modal prompts answered "discard"."""
    return _make_window(qtbot, studio_settings)


@pytest.fixture
def builder_window(qtbot, studio_settings, monkeypatch):
    """The main window without the training and export sides: the builder tests use it (building the
    plots doubles the cost of every window; those sides have their own tests)."""
    from studio.main_window import MainWindow

    monkeypatch.setattr(MainWindow, "_build_sides", lambda window: None)
    return _make_window(qtbot, studio_settings)
