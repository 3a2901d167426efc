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
    qtbot.wait(20)  # the first fit-to-view runs from the event loop
    return window


@pytest.fixture
def studio_window(qtbot, studio_settings):
    """The complete main window (default project: Playground 2-4-2-1 on circle, training and export sides
    installed, training speed 300 steps/s); modal prompts answered "discard"."""
    return _make_window(qtbot, studio_settings)


@pytest.fixture
def builder_window(qtbot, studio_settings, monkeypatch):
    """The main window without the training and export sides: the builder tests use it (building the
    plots doubles the cost of every window; those sides have their own tests)."""
    import studio.export_dialog
    import studio.training.controller

    monkeypatch.setattr(studio.training.controller, "install_training", lambda window: None)
    monkeypatch.setattr(studio.export_dialog, "install_export_actions", lambda window: None)
    return _make_window(qtbot, studio_settings)
