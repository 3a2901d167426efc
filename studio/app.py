"""Start the Qt application (placeholder window until the builder lands)."""

from __future__ import annotations


def run_app(project_path: str | None = None) -> int:
    """Open the main window, optionally with ``project_path``; returns the exit code."""
    from PySide6.QtWidgets import QApplication, QLabel

    app = QApplication.instance() or QApplication([])
    label = QLabel("Feedforward Studio")
    label.resize(640, 400)
    label.show()
    return app.exec()
