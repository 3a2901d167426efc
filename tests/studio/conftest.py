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
    window.show()
    qtbot.waitExposed(window)
    qtbot.wait(20)  # the first fit-to-view runs from the event loop
    return window


@pytest.fixture
def studio_window(qtbot, studio_settings, monkeypatch):
    """The builder's main window (default project: Playground 2-4-2-1 on circle), no modal prompts.

    The training and export sides are not installed here (their own tests cover them; building their
    plots doubles the cost of every window); ``full_studio_window`` has everything.
    """
    import studio.export_dialog
    import studio.training_controller

    monkeypatch.setattr(studio.training_controller, "install_training", lambda window: None)
    monkeypatch.setattr(studio.export_dialog, "install_export_actions", lambda window: None)
    return _make_window(qtbot, studio_settings)


@pytest.fixture
def full_studio_window(qtbot, studio_settings):
    """The complete main window, with the training and export sides installed."""
    return _make_window(qtbot, studio_settings)
