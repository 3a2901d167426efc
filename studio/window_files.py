"""Project files of the main window: New (blank or template), Open, Save, Save As, recent files, errors.

A mixin of :class:`studio.main_window.MainWindow`. ``ask_save_changes``, ``ask_open_path`` and
``ask_save_path`` are the only dialogs of the file flow; tests monkeypatch them. The project itself is
``self.workspace`` (:class:`studio.workspace.Workspace`), which loads data and weights in the background.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QMessageBox

from core.errors import FFStudioError
from core.graph import Graph
from core.project import Project, load_project
from studio import settings
from studio.dialog_folder import is_folder, user_folder
from studio.document import blank_project
from studio.templates import TEMPLATES, Template

APP_NAME = "Feedforward Studio"
MAX_RECENT = 8
PROJECT_FILTER = "Feedforward Studio project (*.json);;All files (*)"



class ProjectFilesMixin:
    """Needs ``workspace``, ``document``, ``settings``, ``canvas``, ``properties``, ``recent_menu``,
    ``project_closing`` and ``_update_title``."""

    workspace: Any
    document: Any
    settings: Any
    canvas: Any
    properties: Any
    recent_menu: Any
    project_closing: Any
    _fit_pending: bool

    def ask_save_changes(self) -> str:
        """Ask whether to save unsaved changes: "save", "discard" or "cancel" (tests monkeypatch this)."""
        name = Path(self.document.path).name if self.document.path else "Untitled"
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            APP_NAME,
            f"Save changes to “{name}” before closing it?",
            QMessageBox.StandardButton.Save
            | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel,
            self,
        )
        box.setInformativeText("Your changes will be lost if you don't save them.")
        box.setDefaultButton(QMessageBox.StandardButton.Save)
        answer = box.exec()
        return {QMessageBox.StandardButton.Save: "save", QMessageBox.StandardButton.Discard: "discard"}.get(
            QMessageBox.StandardButton(answer), "cancel"
        )

    def start_folder(self) -> Path:
        """Where the Open and Save As dialogs start: the open project's folder, else the last folder a
        project was opened from or saved to (``last_dir`` in the settings), else the user's Documents
        folder, else home; never the process's working folder."""
        if self.document.path:
            return Path(self.document.path).parent
        last = settings.text(self.settings, "last_dir", "")
        if last and Path(last).is_absolute() and is_folder(last):
            return Path(last)
        return user_folder()

    def _remember_folder(self, path: str) -> None:
        self.settings.setValue("last_dir", str(Path(path).resolve().parent))

    def ask_open_path(self) -> str | None:
        """File dialog for Open (tests monkeypatch this)."""
        path, _ = QFileDialog.getOpenFileName(self, "Open project", str(self.start_folder()), PROJECT_FILTER)
        return path or None

    def ask_save_path(self) -> str | None:
        """File dialog for Save As, in :meth:`start_folder` (tests monkeypatch this)."""
        name = Path(self.document.path).name if self.document.path else "network.json"
        start = str(self.start_folder() / name)
        path, _ = QFileDialog.getSaveFileName(self, "Save project", start, PROJECT_FILTER)
        if path and not Path(path).suffix:
            path += ".json"
        return path or None

    def confirm_discard(self) -> bool:
        """True when the current project may be replaced/closed (saving it first if the user wants)."""
        if not self.workspace.modified:
            return True
        answer = self.ask_save_changes()
        if answer == "save":
            return self.save()
        return answer == "discard"

    def new_project(self, template_key: str | None = None) -> bool:
        """Replace the project with a blank canvas or a template (asks to save changes first).

        The data loads in the background (``workspace.loading_*`` signals report it).
        """
        if not self.confirm_discard():
            return False
        self._replace(*self._new_project(template_key))
        return True

    def _new_project(self, template_key: str | None) -> tuple[Project, Graph]:
        if template_key is None:
            return blank_project(self.document.data), Graph()
        tpl: Template = TEMPLATES[template_key]
        graph = tpl.graph()
        return blank_project(tpl.data, tpl.training, graph), graph

    def load_project_file(self, path: str) -> bool:
        """Open ``path``; on a broken file show every problem and keep the current project.

        The data (and the trained weights the project references) load in the background.
        """
        try:
            project = load_project(path)
        except FFStudioError as exc:
            problems = list(getattr(exc, "problems", None) or [str(exc)])
            self.show_error("Cannot open project", f"{Path(path).name} has problems:", problems)
            return False
        except OSError as exc:
            self.show_error("Cannot open project", f"{path}: {exc.strerror or exc}", [])
            return False
        if not self.confirm_discard():
            return False
        project.path = str(Path(path).resolve())  # a later Save goes there whatever the working folder
        self._replace(project, None)
        self._add_recent(str(path))
        self._remember_folder(str(path))
        return True

    def _replace(self, project: Project, graph: Graph | None) -> None:
        self.project_closing.emit()
        self.canvas.clear_message()  # messages belong to the project being replaced
        self.workspace.replace_project(project, graph)
        self.properties.set_node(None)
        self._fit_pending = not self.isVisible()
        if not self._fit_pending:
            self.canvas.fit_to_view()
        self._update_title()

    def open_project(self) -> bool:
        """File ▸ Open."""
        if not self.confirm_discard():
            return False
        path = self.ask_open_path()
        if not path:
            return False
        self.workspace.forget_changes()  # the user already decided about unsaved changes
        return self.load_project_file(path)

    def save_to(self, path: str) -> bool:
        """Write the project (and unsaved weights beside it) atomically to ``path``; True on success."""
        try:
            self.workspace.save(path)
        except FFStudioError as exc:
            self.show_error("Cannot save project", str(exc), list(getattr(exc, "problems", None) or []))
            return False
        except OSError as exc:
            self.show_error("Cannot save project", f"{path}: {exc.strerror or exc}", [])
            return False
        self._remember_folder(path)
        self._add_recent(str(path))
        self._update_title()
        self.statusBar().showMessage(f"Saved {path}", 4000)
        return True

    def save(self) -> bool:
        """File ▸ Save (Save As when the project has no file yet)."""
        return self.save_to(self.document.path) if self.document.path else self.save_as()

    def save_as(self) -> bool:
        """File ▸ Save As."""
        path = self.ask_save_path()
        return self.save_to(path) if path else False

    def show_error(self, title: str, text: str, problems: list[str]) -> None:
        """A non-blocking error box listing ``problems`` (also shown on the canvas)."""
        self.canvas.show_message(
            text + ("\n" + "\n".join(f"• {p}" for p in problems[:6]) if problems else ""), "error", 8000
        )
        box = QMessageBox(QMessageBox.Icon.Critical, title, text, QMessageBox.StandardButton.Ok, self)
        if problems:
            box.setDetailedText("\n".join(problems))
            box.setInformativeText("\n".join(f"• {p}" for p in problems[:8]))
        box.setWindowModality(Qt.WindowModality.WindowModal)
        box.open()
        self._last_error_box = box

    # ------------------------------------------------------------------ recent files
    def recent_files(self) -> list[str]:
        return settings.paths(self.settings, "recent_files", MAX_RECENT)

    def _add_recent(self, path: str) -> None:
        path = str(Path(path).resolve())
        files = [p for p in self.recent_files() if p != path]
        self.settings.setValue("recent_files", [path, *files][:MAX_RECENT])
        self._refresh_recent_menu()

    def _refresh_recent_menu(self) -> None:
        self.recent_menu.clear()
        files = self.recent_files()
        for i, path in enumerate(files):
            act = self.recent_menu.addAction(f"&{i + 1}  {Path(path).name}")
            act.setToolTip(path)
            act.triggered.connect(lambda _c=False, p=path: self._open_recent(p))
        if not files:
            empty = self.recent_menu.addAction("No recent projects")
            empty.setEnabled(False)

    def _open_recent(self, path: str) -> None:
        if not Path(path).exists():
            self.settings.setValue("recent_files", [p for p in self.recent_files() if p != path])
            self._refresh_recent_menu()
            self.canvas.show_message(f"{path} no longer exists; removed from the recent files.", "error")
            return
        if not self.confirm_discard():
            return
        self.workspace.forget_changes()
        self.load_project_file(path)

