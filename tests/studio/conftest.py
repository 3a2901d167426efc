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


@pytest.fixture
def studio_window(qtbot, studio_settings):
    """The main window with the default project (Playground 2-4-2-1 on circle); no modal prompts."""
    from studio.app import create_window

    window = create_window(None, studio_settings)
    window.ask_save_changes = lambda: "discard"
    qtbot.addWidget(window)
    window.resize(1200, 800)
    window.show()
    qtbot.waitExposed(window)
    qtbot.wait(20)  # the first fit-to-view runs from the event loop
    return window
