"""The main window's actions, menus and main toolbar (File, Edit, View, Training, Help).

A mixin of :class:`studio.main_window.MainWindow`: the actions call the window's file and edit commands
(:mod:`studio.window_files`, :mod:`studio.window_edits`); ``training_menu`` / ``training_toolbar`` are
filled by the training side.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu, QToolBar

from studio import theme
from studio.templates import TEMPLATES


class WindowActionsMixin:
    """Builds ``act_*`` actions, ``file_menu`` … ``help_menu``, ``main_toolbar`` and ``training_toolbar``."""

    canvas: Any
    document: Any
    palette_dock: Any
    inspector_dock: Any

    def _action(
        self, text: str, slot: Any, shortcut: Any = None, icon: str | None = None, tip: str = ""
    ) -> QAction:
        act = QAction(text, self)
        if icon:
            act.setIcon(theme.icon(icon))
            act.setProperty("iconName", icon)
        if shortcut is not None:
            act.setShortcuts(shortcut if isinstance(shortcut, list) else [QKeySequence(shortcut)])
        act.setToolTip(tip or text.replace("&", "").replace("…", ""))
        act.setStatusTip(tip)
        act.triggered.connect(lambda _checked=False: slot())
        return act

    def _build_actions(self) -> None:
        ks = QKeySequence.StandardKey
        self.act_open = self._action("&Open…", self.open_project, ks.Open, "open", "Open a project file")
        self.act_save = self._action(
            "&Save", self.save, ks.Save, "save", "Save the project (layout included)"
        )
        self.act_save_as = self._action("Save &As…", self.save_as, ks.SaveAs, None, "Save under a new name")
        self.act_quit = self._action("&Quit", self.close, ks.Quit, None, "Close the window")
        self.act_undo = self.document.undo_stack.createUndoAction(self, "&Undo")
        self.act_undo.setShortcuts([QKeySequence(ks.Undo)])
        self.act_undo.setIcon(theme.icon("undo"))
        self.act_undo.setProperty("iconName", "undo")
        self.act_redo = self.document.undo_stack.createRedoAction(self, "&Redo")
        self.act_redo.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        self.act_redo.setIcon(theme.icon("redo"))
        self.act_redo.setProperty("iconName", "redo")
        canvas_only = Qt.ShortcutContext.WidgetWithChildrenShortcut
        self.act_delete = self._action(
            "&Delete",
            self.delete_selection,
            [QKeySequence(Qt.Key.Key_Delete), QKeySequence(Qt.Key.Key_Backspace)],
            "delete",
            "Delete the selected layers or links",
        )
        self.act_copy = self._action(
            "&Copy", self.copy_selection, ks.Copy, "copy", "Copy the selected layers"
        )
        self.act_paste = self._action("&Paste", self.paste, ks.Paste, "paste", "Paste copied layers")
        self.act_select_all = self._action(
            "Select &All", self.select_all, ks.SelectAll, None, "Select every layer"
        )
        for act in (self.act_delete, self.act_copy, self.act_paste, self.act_select_all):
            act.setShortcutContext(canvas_only)
            self.canvas.addAction(act)
        self.act_zoom_in = self._action("Zoom &In", self.canvas.zoom_in, ks.ZoomIn, "zoom-in", "Zoom in")
        self.act_zoom_out = self._action(
            "Zoom &Out", self.canvas.zoom_out, ks.ZoomOut, "zoom-out", "Zoom out"
        )
        self.act_fit = self._action(
            "&Fit to View",
            self.canvas.fit_to_view,
            "Ctrl+0",
            "fit",
            "Zoom and scroll so the whole network is visible",
        )
        self.act_arrange = self._action(
            "&Auto-arrange",
            self.auto_arrange,
            "Ctrl+L",
            "arrange",
            "Lay the layers out left to right in chain order",
        )

    def _build_menus_and_toolbars(self) -> None:
        mb = self.menuBar()
        self.file_menu = mb.addMenu("&File")
        self.new_menu = QMenu("&New", self)
        self.new_menu.setIcon(theme.icon("new"))
        self.new_menu.menuAction().setProperty("iconName", "new")
        self.template_actions: dict[str, QAction] = {}
        blank = self._action(
            "Blank network", lambda: self.new_project(None), ks_new(), "new", "Start from an empty canvas"
        )
        self.new_menu.addAction(blank)
        self.new_menu.addSeparator()
        for key, tpl in TEMPLATES.items():
            act = self._action(
                tpl.title, lambda k=key: self.new_project(k), tpl.shortcut or None, None, tpl.description
            )
            self.new_menu.addAction(act)
            self.template_actions[key] = act
        self.file_menu.addMenu(self.new_menu)
        self.file_menu.addAction(self.act_open)
        self.recent_menu = self.file_menu.addMenu("Open &Recent")
        self.file_menu.addSeparator()
        self.file_menu.addAction(self.act_save)
        self.file_menu.addAction(self.act_save_as)
        self.file_menu.addSeparator()
        self.file_menu.addAction(self.act_quit)
        self.edit_menu = mb.addMenu("&Edit")
        for act in (
            self.act_undo,
            self.act_redo,
            None,
            self.act_copy,
            self.act_paste,
            self.act_delete,
            None,
            self.act_select_all,
        ):
            self.edit_menu.addSeparator() if act is None else self.edit_menu.addAction(act)
        self.view_menu = mb.addMenu("&View")
        for act in (self.act_zoom_in, self.act_zoom_out, self.act_fit, self.act_arrange):
            self.view_menu.addAction(act)
        self.view_menu.addSeparator()
        self.view_menu.addAction(self.palette_dock.toggleViewAction())
        self.view_menu.addAction(self.inspector_dock.toggleViewAction())
        self.training_menu = mb.addMenu("&Training")
        self.help_menu = mb.addMenu("&Help")
        self.help_menu.addAction(self._action("&About Feedforward Studio", self._about))

        self.main_toolbar = QToolBar("Main")
        self.main_toolbar.setObjectName("mainToolbar")
        self.main_toolbar.setMovable(False)
        self.main_toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
        new_btn = self.new_menu.menuAction()
        new_btn.setToolTip("New network (blank or from a template)")
        self.main_toolbar.addAction(new_btn)
        for act in (
            self.act_open,
            self.act_save,
            None,
            self.act_undo,
            self.act_redo,
            None,
            self.act_delete,
            None,
            self.act_zoom_out,
            self.act_zoom_in,
            self.act_fit,
            self.act_arrange,
        ):
            self.main_toolbar.addSeparator() if act is None else self.main_toolbar.addAction(act)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, self.main_toolbar)
        self.training_toolbar = QToolBar("Training")
        self.training_toolbar.setObjectName("trainingToolbar")
        self.training_toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, self.training_toolbar)
        self._refresh_recent_menu()


def ks_new() -> QKeySequence:
    """Ctrl+N."""
    return QKeySequence(QKeySequence.StandardKey.New)
