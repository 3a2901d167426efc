"""Start the Qt application: the main window with a project file or the built-in default.

The default is the TensorFlow Playground network (2-4-2-1 tanh) on the circle toy set, ready to press Play.
"""

from __future__ import annotations

import sys
from typing import Any

DEFAULT_TEMPLATE = "playground"


def create_window(project_path: str | None = None, settings: Any = None) -> Any:
    """Build the :class:`studio.main_window.MainWindow` (an application must exist) with a project loaded."""

    from studio.main_window import MainWindow

    window = MainWindow(settings=settings)
    if window.settings_warning:  # the user's settings file was set aside (not a regular file, too big)
        print(f"warning: {window.settings_warning}", file=sys.stderr)
        window.statusBar().showMessage(window.settings_warning, 15000)
    opened = False
    if project_path:
        opened = window.load_project_file(project_path)
    if not opened:
        window.new_project(DEFAULT_TEMPLATE)
    return window


def run_app(project_path: str | None = None) -> int:
    """Open the main window, optionally with ``project_path``; returns the exit code.

    Raises FFStudioError (one line, with the install command) when Qt's platform plugin cannot load.
    """
    from PySide6.QtWidgets import QApplication

    from studio import theme
    from studio.platform_check import check_platform_plugin

    if QApplication.instance() is None:
        check_platform_plugin()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Feedforward Studio")
    app.setOrganizationName("FeedforwardStudio")
    theme.apply(app)
    window = create_window(project_path)
    theme.follow_system(app, window.apply_theme)
    window.restore_layout()
    window.show()
    window.canvas.fit_to_view()
    return app.exec()
