"""The Feedforward Studio main window: palette, canvas, inspector tabs, menus, files, undo.

Layout::

    ┌ menu: File  Edit  View  Training  Help ──────────────────────────────────────────────┐
    │ main toolbar (file / undo / zoom)          │ training_toolbar (trainer adds actions)  │
    ├──────────┬──────────────────────────────────────────────┬───────────────────────────┤
    │ Layers   │                canvas (NetworkView)          │ Inspector tabs:           │
    │ palette  │                                              │ Properties | Network |    │
    │ (dock)   │                                              │ Analysis | (side tabs)    │
    ├──────────┴──────────────────────────────────────────────┴───────────────────────────┤
    │ bottom dock area: plots added with add_dock(...)                                     │
    └ status bar: validation summary · parameters · zoom ──────────────────────────────────┘

Extension points for the training side (issue 5):

- ``window.training_toolbar`` (QToolBar, empty, top area) and ``window.training_menu`` (QMenu "Training"):
  add Play/Pause/Step/Stop/Reset actions there; or ``window.add_toolbar(toolbar)`` for a ready-made one.
- ``window.add_dock(widget, title, area=Qt.BottomDockWidgetArea, name=None) -> QDockWidget``: plot docks
  (bottom docks are tabified; a right dock is split below the Inspector; the View menu lists them).
- ``window.add_side_tab(widget, title) -> int``: a tab beside Properties/Network/Analysis (e.g. Data).
- ``window.document`` (:class:`studio.document.Document`): ``graph``, ``training`` (project ``training``
  dict), ``data`` (project ``data`` dict), ``set_data_spec(dict)``, signals ``graph_changed``,
  ``training_changed`` (the learning rate may change live while locked), ``data_changed``.
- ``window.set_dataset(dataset)`` after loading data (input/output units, neuron names and validation follow
  it); ``window.dataset``; signal ``dataset_changed(object)``. New/Open load the project's dataset *before*
  the document signals fire, so listeners never see a new network with the old data.
  ``window.build_dataset(data_spec, base_dir=None) -> (dataset | None, error | None)`` (synchronous) and
  ``window.load_dataset()`` rebuild it from ``document.data``; ``window.base_dir()`` resolves relative paths.
- ``window.canvas_scene.set_weights(kernels)`` — one (inputs, units) kernel per Dense/Output layer in chain
  order (or a dict node-id -> kernel, or None for grey links); cheap, call it at ~30 Hz.
  ``window.canvas_scene.set_neuron_images(node_id, {unit: QImage})`` draws pictures inside the neurons;
  hovering such a neuron shows a 150 px preview (signal ``canvas_scene.neuron_hovered(node_id, unit, pos)``,
  unit -1 on leave); ``canvas_scene.set_weights_from_model(model)`` reads the kernels of a Sequential.
- ``window.set_training_locked(locked, reason)``: structural edits refused with ``reason`` on the canvas.
- ``window.trained_model`` (the network once it holds trained/imported/edited weights, else None) and
  ``window.training_busy`` (a reason while a run is active, else None) are kept by the training side;
  File → Export/Import/Predict and Save (weights to ``<project>.npz``) read them.
  ``canvas_scene.link_clicked(src, dst, i, j, pos)`` fires when a line of a weighted link is clicked
  (the training side shows the weight popup, ``studio.canvas.link_editor``).
- ``window.project_dict()`` -> the project file dict of the current state (for ``core.project.Project``);
  ``window.build_model()`` -> compiled ``Sequential`` via ``core.project.build_model``.
- Signal ``project_closing`` is emitted before the window closes or another project replaces this one (stop
  the worker there); ``project_loaded`` after New/Open.
- ``window.ask_save_changes() -> "save" | "discard" | "cancel"`` and ``ask_open_path()/ask_save_path()``
  are the only dialogs of the file flow; tests monkeypatch them (``tests/studio/conftest.py``:
  ``studio_window`` = complete window, ``builder_window`` = without the training/export sides).
- ``window.canvas.show_message(text, severity)`` shows a short message on the canvas (refused edits, errors).
- ``window.file_menu``, ``edit_menu``, ``view_menu``, ``help_menu``; ``window.context_menu()`` builds the
  canvas right-click menu for the current selection.
"""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QDockWidget,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QScrollArea,
    QTabWidget,
    QToolBar,
    QWidget,
)

from core.graph import DataInfo, Graph
from core.layer_kinds import KINDS
from studio import theme
from studio.canvas import LayerPalette, NetworkScene, NetworkView
from studio.document import Document
from studio.panels.lr_finder import window_source
from studio.panels.network import NetworkPanel
from studio.panels.properties import LayerPropertiesPanel
from studio.panels.validation import ValidationPanel
from studio.templates import TEMPLATES, Template

APP_NAME = "Feedforward Studio"
CLIP_FORMAT = "ffstudio-layers"
MAX_RECENT = 8
LAYOUT_VERSION = 1  # bump when the dock arrangement changes so old saved layouts are ignored
PROJECT_FILTER = "Feedforward Studio project (*.json);;All files (*)"


class MainWindow(QMainWindow):
    """The application window; see the module docstring for the extension points."""

    project_loaded = Signal()
    project_closing = Signal()
    dataset_changed = Signal(object)

    def __init__(self, settings: QSettings | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings if settings is not None else QSettings("FeedforwardStudio", "Studio")
        self.dataset: Any = None
        self.document = Document(self)
        self.canvas_scene = NetworkScene(self.document)
        self.canvas_scene.setParent(self)
        self.canvas = NetworkView(self.canvas_scene, self)
        self.setCentralWidget(self.canvas)
        self.setWindowIcon(theme.icon("app"))
        self.setDockOptions(QMainWindow.DockOption.AnimatedDocks | QMainWindow.DockOption.AllowTabbedDocks)
        self._bottom_docks: list[QDockWidget] = []
        self._build_panels()
        self._build_actions()
        self._build_menus_and_toolbars()
        self.status_label = QLabel()
        self.zoom_label = QLabel()
        self.statusBar().addWidget(self.status_label, 1)
        self.statusBar().addPermanentWidget(self.zoom_label)
        self._connect()
        # File > Export..., Import weights..., Predict on CSV... (issue 6)
        from studio.export_dialog import install_export_actions

        install_export_actions(self)
        # Data tab, training toolbar actions, plot docks, worker thread (issue 5)
        from studio.training.controller import install_training

        install_training(self)
        # Explain tab: one sample's forward/backward pass with its numbers (issue 13.2)
        from studio.panels.explain import install_explain

        install_explain(self)
        self._apply_styles()
        self.resize(1440, 900)
        self._update_title()
        self._update_status()

    # ------------------------------------------------------------------ construction
    def _build_panels(self) -> None:
        self.palette = LayerPalette()
        self.palette_dock = self._dock(
            self.palette, "Layers", Qt.DockWidgetArea.LeftDockWidgetArea, "layersDock"
        )
        self.palette_dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetMovable | QDockWidget.DockWidgetFeature.DockWidgetClosable
        )
        self.properties = LayerPropertiesPanel(self.document)
        self.network_panel = NetworkPanel(self.document)
        self.network_panel.lr_finder.source = window_source(self)
        self.validation = ValidationPanel(self.document)
        self.side_tabs = QTabWidget()
        self.side_tabs.setDocumentMode(True)
        self.side_tabs.addTab(_scroll(self.properties), "Properties")
        self.side_tabs.addTab(_scroll(self.network_panel), "Network")
        self.side_tabs.addTab(self.validation, "Analysis")
        self.side_tabs.setMinimumWidth(340)
        self.inspector_dock = self._dock(
            self.side_tabs, "Inspector", Qt.DockWidgetArea.RightDockWidgetArea, "inspectorDock"
        )
        self.resizeDocks([self.palette_dock, self.inspector_dock], [170, 370], Qt.Orientation.Horizontal)

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

    def _connect(self) -> None:
        doc = self.document
        doc.modified_changed.connect(lambda _m: self._update_title())
        doc.graph_changed.connect(self._update_status)
        doc.training_changed.connect(self._update_status)
        doc.training_changed.connect(self.canvas_scene.refresh_problems)
        doc.edit_refused.connect(lambda msg: self.canvas.show_message(msg, "error"))
        doc.lock_changed.connect(self.canvas.set_locked)
        self.palette.append_requested.connect(self.append_layer)
        self.canvas_scene.selection_ids_changed.connect(self._selection_changed)
        self.canvas_scene.context_menu_requested.connect(lambda pos: self.context_menu().popup(pos))
        self.canvas_scene.layer_activated.connect(lambda _nid: self.side_tabs.setCurrentIndex(0))
        self.validation.node_requested.connect(self.select_node)
        self.canvas.zoom_changed.connect(lambda _z: self._update_zoom())

    def apply_theme(self) -> None:
        """Re-read ``theme.current()`` (after a light/dark switch): styles, icons, canvas, panels."""
        for act in self.findChildren(QAction):
            name = act.property("iconName")
            if name:
                act.setIcon(theme.icon(str(name)))
        self._apply_styles()
        self.canvas_scene.update()
        self.canvas.resetCachedContent()
        self.canvas.viewport().update()
        self.properties.refresh()
        self.validation.refresh()

    def _apply_styles(self) -> None:
        th = theme.current()
        self.setStyleSheet(
            f"QLabel#muted {{ color: {th.muted}; }}"
            f"QLabel#problem {{ padding: 6px; border-radius: 6px; background: {th.card}; border: 1px solid "
            f"{th.card_border}; }}"
            f"QLabel#formula {{ font-family: 'DejaVu Sans Mono', monospace; color: {th.text};"
            " padding: 4px 6px;"
            f" background: {th.canvas}; border: 1px solid {th.card_border}; border-radius: 4px; }}"
            "QGroupBox { font-weight: 600; margin-top: 10px; } QGroupBox::title { subcontrol-origin: margin;"
            " left: 6px; padding: 0 3px; }"
            "QToolBar { spacing: 2px; padding: 3px; }"
            "QDockWidget::title { padding: 5px 8px; font-weight: 600; }"
        )

    def _dock(self, widget: QWidget, title: str, area: Qt.DockWidgetArea, name: str) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(name)
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        return dock

    # ------------------------------------------------------------------ extension points
    def add_dock(
        self,
        widget: QWidget,
        title: str,
        area: Qt.DockWidgetArea = Qt.DockWidgetArea.BottomDockWidgetArea,
        name: str | None = None,
    ) -> QDockWidget:
        """Add a dock (plots etc.); bottom docks are tabified together. Listed in the View menu."""
        dock = self._dock(widget, title, area, name or f"dock_{title.lower().replace(' ', '_')}")
        if area == Qt.DockWidgetArea.BottomDockWidgetArea:
            if self._bottom_docks:
                self.tabifyDockWidget(self._bottom_docks[-1], dock)
            self._bottom_docks.append(dock)
        elif area == Qt.DockWidgetArea.RightDockWidgetArea:
            # below the Inspector, which keeps most of the height (its forms are long)
            self.splitDockWidget(self.inspector_dock, dock, Qt.Orientation.Vertical)
            self.resizeDocks([self.inspector_dock, dock], [560, 340], Qt.Orientation.Vertical)
        self.view_menu.addAction(dock.toggleViewAction())
        return dock

    def add_side_tab(self, widget: QWidget, title: str) -> int:
        """Add a tab to the Inspector (beside Properties/Network/Analysis); returns its index."""
        return self.side_tabs.addTab(widget, title)

    def add_toolbar(self, toolbar: QToolBar, area: Qt.ToolBarArea = Qt.ToolBarArea.TopToolBarArea) -> None:
        """Add a ready-made toolbar (e.g. the training toolbar) next to the main one."""
        self.addToolBar(area, toolbar)

    def set_training_locked(self, locked: bool, reason: str = "") -> None:
        """Refuse structural edits while training (the learning rate stays editable)."""
        self.document.set_locked(locked, reason or "Training is running — stop it to change the network.")
        for act in (self.act_delete, self.act_paste, self.act_arrange):
            act.setEnabled(not locked)
        self.palette.setEnabled(not locked)
        self.properties.setEnabled(not locked)
        for tpl in self.template_actions.values():
            tpl.setEnabled(not locked)

    def set_dataset(self, dataset: Any) -> None:
        """Use ``dataset`` (a ``core.datasets.Dataset``) for input/output units and validation."""
        self.dataset = dataset
        self.document.data_info = DataInfo.from_dataset(dataset) if dataset is not None else None
        self.canvas_scene.sync()
        self.properties.refresh()
        self.network_panel.refresh()
        self.validation.refresh()
        self._update_status()
        self.dataset_changed.emit(dataset)

    def project_dict(self) -> dict[str, Any]:
        """The current state as a project-file dict (``core.project`` format)."""
        doc = self.document
        d: dict[str, Any] = {
            "format": "ffstudio-project",
            "version": 1,
            "network": {"layers": doc.graph.to_network()},
            "data": copy.deepcopy(doc.data),
            "training": copy.deepcopy(doc.training),
            "layout": doc.graph.layout(),
        }
        if doc.weights:
            d["weights"] = doc.weights
        for key, value in doc.extra.items():
            d.setdefault(key, copy.deepcopy(value))
        return d

    def base_dir(self) -> str:
        """Folder that relative paths of the project refer to (the project file's, else the working dir)."""
        return str(Path(self.document.path).resolve().parent) if self.document.path else os.getcwd()

    def build_model(self) -> Any:
        """A compiled ``Sequential`` for the current network and dataset (``core.project.build_model``)."""
        from core import project as core_project

        proj = core_project.Project.from_dict(self.project_dict(), self.base_dir())
        return core_project.build_model(proj, self.dataset)

    # ------------------------------------------------------------------ canvas edits
    def append_layer(self, kind: str) -> str | None:
        """Add a layer at the end of the chain (palette double-click)."""
        nid = self.document.append_layer(kind)
        if nid:
            self.select_node(nid)
        return nid

    def select_node(self, node_id: str) -> None:
        """Select a layer on the canvas, show its properties and scroll to it."""
        self.canvas_scene.select_ids([node_id])
        item = self.canvas_scene.items_by_id.get(node_id)
        if item is not None:
            self.canvas.ensureVisible(item, 40, 40)
        self.side_tabs.setCurrentIndex(0)

    def delete_selection(self) -> bool:
        """Delete the selected layers and links (one undo step)."""
        ids = self.canvas_scene.selected_ids()
        links = self.canvas_scene.selected_links()
        return self.document.delete(ids, links) if (ids or links) else False

    def copy_selection(self) -> int:
        """Copy the selected layers (and links among them) to the clipboard; returns how many."""
        ids = self.canvas_scene.selected_ids()
        if not ids:
            return 0
        snap = self.document.graph.subgraph(ids)
        # Plain JSON text (readable when pasted elsewhere). Not a QMimeData: PySide6 keeps ownership of a
        # QMimeData given to the clipboard and both sides delete it at exit (segfault).
        layers = [{"type": n["kind"], **n["config"]} for n in snap["nodes"]]
        QGuiApplication.clipboard().setText(
            json.dumps({"format": CLIP_FORMAT, "layers": layers, "graph": snap})
        )
        return len(ids)

    def paste(self) -> list[str]:
        """Paste layers from the clipboard with fresh ids, offset from the originals; selects them."""
        try:
            doc = json.loads(QGuiApplication.clipboard().text())
        except ValueError:
            return []
        if (
            not isinstance(doc, dict)
            or doc.get("format") != CLIP_FORMAT
            or not isinstance(doc.get("graph"), dict)
        ):
            return []
        snap = doc["graph"]
        created = self.document.paste(snap, (40.0, 40.0))
        self.canvas_scene.select_ids(created)
        return created

    def context_menu(self) -> QMenu:
        """The canvas right-click menu for the current selection (layers, a link, or the background)."""
        menu = QMenu(self)
        ids = self.canvas_scene.selected_ids()
        links = self.canvas_scene.selected_links()
        if len(ids) == 1:
            menu.addAction("Properties", lambda: self.select_node(ids[0]))
        if ids:
            menu.addAction(self.act_copy)
            menu.addAction(self.act_delete)
        if len(links) == 1 and not ids:
            src, dst = links[0]
            insert = menu.addMenu("Insert layer here")
            for kind in (k for k in KINDS.values() if k.place == "hidden"):
                pos = self._between(src, dst)
                insert.addAction(
                    theme.icon(kind.icon),
                    kind.label,
                    lambda k=kind.key, p=pos: self.document.insert_layer(k, src, dst, p),
                )
            menu.addAction(theme.icon("delete"), "Disconnect", lambda: self.document.delete([], [(src, dst)]))
        if not ids and not links:
            menu.addAction(self.act_paste)
            menu.addAction(self.act_select_all)
            menu.addSeparator()
            menu.addAction(self.act_fit)
            menu.addAction(self.act_arrange)
        return menu

    def _between(self, src: str, dst: str) -> tuple[float, float]:
        a, b = self.document.graph.nodes[src].pos, self.document.graph.nodes[dst].pos
        return ((a[0] + b[0]) / 2, (a[1] + b[1]) / 2 + 120.0)

    def select_all(self) -> None:
        self.canvas_scene.select_ids(list(self.document.graph.nodes))

    def auto_arrange(self) -> None:
        """Auto-arrange, then fit the view."""
        self.document.auto_arrange()
        self.canvas.fit_to_view()

    # ------------------------------------------------------------------ projects
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

    def ask_open_path(self) -> str | None:
        """File dialog for Open (tests monkeypatch this)."""
        start = self.settings.value("last_dir", str(Path.home()))
        path, _ = QFileDialog.getOpenFileName(self, "Open project", str(start), PROJECT_FILTER)
        return path or None

    def ask_save_path(self) -> str | None:
        """File dialog for Save As (tests monkeypatch this)."""
        start = self.document.path or str(
            Path(str(self.settings.value("last_dir", str(Path.home())))) / "network.json"
        )
        path, _ = QFileDialog.getSaveFileName(self, "Save project", start, PROJECT_FILTER)
        if path and not Path(path).suffix:
            path += ".json"
        return path or None

    def confirm_discard(self) -> bool:
        """True when the current project may be replaced/closed (saving it first if the user wants)."""
        if not self.document.modified:
            return True
        answer = self.ask_save_changes()
        if answer == "save":
            return self.save()
        return answer == "discard"

    def new_project(self, template_key: str | None = None) -> bool:
        """Replace the project with a blank canvas or a template (asks to save changes first)."""
        if not self.confirm_discard():
            return False
        self.project_closing.emit()
        self.canvas.clear_message()  # messages belong to the project being replaced
        self.canvas_scene.set_weights(None)
        if template_key is None:
            data = copy.deepcopy(self.document.data)
            self._prepare_dataset(data, self.base_dir())
            self.document.load(Graph(), None, data)
        else:
            tpl: Template = TEMPLATES[template_key]
            self._prepare_dataset(tpl.data, os.getcwd())
            self.document.load(tpl.graph(), tpl.training, tpl.data)
        self._after_load()
        return True

    def load_project_file(self, path: str) -> bool:
        """Open ``path``; on a broken file show every problem and keep the current project."""
        from core.errors import FFStudioError

        try:
            from core.project import load_project

            project = load_project(path)
        except FFStudioError as exc:
            problems = getattr(exc, "problems", None) or [str(exc)]
            self.show_error("Cannot open project", f"{Path(path).name} has problems:", problems)
            return False
        except OSError as exc:
            self.show_error("Cannot open project", f"{path}: {exc.strerror or exc}", [])
            return False
        if not self.confirm_discard():
            return False
        self.project_closing.emit()
        self.canvas.clear_message()
        layout = dict(getattr(project, "layout", None) or {})
        graph = Graph.from_network(project.network, layout)
        known = {"format", "version", "network", "data", "training", "layout", "weights"}
        extra = {k: v for k, v in project.to_dict().items() if k not in known}
        self.canvas_scene.set_weights(None)
        self._prepare_dataset(project.data, project.base_dir)
        self.document.load(
            graph,
            project.training,
            project.data,
            path=str(path),
            weights=getattr(project, "weights", None),
            extra=extra,
        )
        self._add_recent(str(path))
        self._after_load()
        return True

    def open_project(self) -> bool:
        """File ▸ Open."""
        if not self.confirm_discard():
            return False
        path = self.ask_open_path()
        if not path:
            return False
        self.document.undo_stack.setClean()  # the user already decided about unsaved changes
        return self.load_project_file(path)

    def save_to(self, path: str) -> bool:
        """Write the project atomically to ``path`` (via ``core.project.save_project``)."""
        from core.errors import FFStudioError

        try:
            from core.project import Project, save_project

            project = Project.from_dict(self.project_dict(), self.base_dir())
            self._save_weights(project, path)
            save_project(project, path)  # rewrites relative data/weights paths for the new folder
        except FFStudioError as exc:
            self.show_error("Cannot save project", str(exc), list(getattr(exc, "problems", []) or []))
            return False
        except OSError as exc:
            self.show_error("Cannot save project", f"{path}: {exc.strerror or exc}", [])
            return False
        self.document.data = copy.deepcopy(project.data)
        self.document.weights = project.weights
        self.document.mark_saved(str(path))
        self.settings.setValue("last_dir", str(Path(path).parent))
        self._add_recent(str(path))
        self._update_title()
        self.statusBar().showMessage(f"Saved {path}", 4000)
        return True

    def _save_weights(self, project: Any, path: str) -> None:
        """Trained weights go to ``<project stem>.npz`` beside ``path`` and ``project.weights`` names it.

        With a fresh network (never trained, reset or changed) the project no longer references a
        weights file; while training runs, or when no network could be built (data missing), the
        reference is kept as it was.
        """
        from studio.export_dialog import save_weights_beside

        if getattr(self, "training_busy", None):
            self.statusBar().showMessage("Weights not saved: training is running (pause it first).", 8000)
            return
        name = save_weights_beside(self, path)
        if name is None:
            if getattr(getattr(self, "training", None), "model", None) is not None:
                project.weights = None  # a fresh network: an older weights file no longer applies
        else:  # relative to the project's current folder; save_project rebases it onto ``path``'s
            target = str(Path(path).resolve().parent / name)
            project.weights = os.path.relpath(target, project.base_dir).replace(os.sep, "/")

    def save(self) -> bool:
        """File ▸ Save (Save As when the project has no file yet)."""
        return self.save_to(self.document.path) if self.document.path else self.save_as()

    def save_as(self) -> bool:
        """File ▸ Save As."""
        path = self.ask_save_path()
        return self.save_to(path) if path else False

    def _after_load(self) -> None:
        self.properties.set_node(None)
        self.set_dataset(self.dataset)  # refreshes views and emits dataset_changed for the new project
        self._fit_pending = not self.isVisible()
        if not self._fit_pending:
            self.canvas.fit_to_view()
        self._update_title()
        self.project_loaded.emit()

    def _prepare_dataset(self, data: dict[str, Any], base_dir: str) -> None:
        """Load the data of a project that is about to open, so that the document's signals already see it."""
        self.dataset, error = self.build_dataset(data, base_dir)
        self.document.data_info = DataInfo.from_dataset(self.dataset) if self.dataset is not None else None
        if error:
            self.statusBar().showMessage(f"Data not loaded: {error}", 10000)

    def build_dataset(self, data: dict[str, Any], base_dir: str | None = None) -> tuple[Any, str | None]:
        """``(dataset, None)`` for a project ``data`` spec, or ``(None, one-line reason)``."""
        from core.errors import FFStudioError
        from core.project import dataset_from_spec

        try:
            # a CSV without a target: the last column is proposed, and the Data tab shows the proposal
            return dataset_from_spec(copy.deepcopy(dict(data)), base_dir or self.base_dir(),
                                     propose_target=True), None
        except (FFStudioError, OSError, ValueError, KeyError, TypeError) as exc:
            return None, str(exc).splitlines()[0] if str(exc) else type(exc).__name__

    def load_dataset(self) -> bool:
        """Rebuild the dataset of the current data spec and apply it; False (status message) on failure."""
        dataset, error = self.build_dataset(self.document.data)
        if error:
            self.statusBar().showMessage(f"Data not loaded: {error}", 10000)
        self.set_dataset(dataset)
        return dataset is not None

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
        value = self.settings.value("recent_files", [])
        if isinstance(value, str):
            value = [value]
        return [str(v) for v in (value or [])]

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
        self.document.undo_stack.setClean()
        self.load_project_file(path)

    # ------------------------------------------------------------------ status, title, close
    def _update_title(self) -> None:
        name = Path(self.document.path).name if self.document.path else "Untitled"
        self.setWindowTitle(f"{name}[*] — {APP_NAME}")
        self.setWindowModified(self.document.modified)

    def _update_status(self) -> None:
        doc = self.document
        probs = doc.graph.validate(doc.data_info, str(doc.training.get("loss", "auto")))
        errors = sum(p.severity == "error" for p in probs)
        total = doc.graph.total_params(doc.data_info)
        layers = len(doc.graph.nodes)
        parts = [
            f"{layers} layer{'s' * (layers != 1)}",
            f"{'?' if total is None else f'{total:,}'} parameters",
        ]
        if errors:
            parts.append(f"{errors} error{'s' * (errors != 1)} — see Analysis")
        elif probs:
            parts.append(f"{len(probs)} warning{'s' * (len(probs) != 1)}")
        else:
            parts.append("network valid")  # the training state is on the toolbar
        if self.dataset is not None:
            parts.append(f"data: {getattr(self.dataset, 'name', '?')} ({getattr(self.dataset, 'task', '?')})")
        self.status_label.setText("   ·   ".join(parts))
        self._update_zoom()

    def _update_zoom(self) -> None:
        self.zoom_label.setText(f"{self.canvas.zoom() * 100:.0f} %")

    def _selection_changed(self, ids: list[str]) -> None:
        self.properties.set_node(ids[0] if len(ids) == 1 else None)
        if (
            len(ids) == 1
            and self.side_tabs.currentIndex() != 0
            and self.side_tabs.currentWidget() is not self.validation
        ):
            self.side_tabs.setCurrentIndex(0)

    def showEvent(self, event: Any) -> None:  # noqa: N802
        super().showEvent(event)
        if getattr(self, "_fit_pending", False):
            self._fit_pending = False
            QTimer.singleShot(0, self.canvas.fit_to_view)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        if not self.confirm_discard():
            event.ignore()
            return
        self.project_closing.emit()
        self.save_layout()
        event.accept()

    def save_layout(self) -> None:
        """Remember window geometry and dock arrangement in the settings."""
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/state", self.saveState(LAYOUT_VERSION))

    def restore_layout(self) -> bool:
        """Restore what :meth:`save_layout` stored (False when nothing usable was stored)."""
        geometry = self.settings.value("window/geometry")
        state = self.settings.value("window/state")
        ok = False
        if geometry is not None:
            ok = bool(self.restoreGeometry(geometry))
        if state is not None:
            ok = bool(self.restoreState(state, LAYOUT_VERSION)) and ok
        return ok

    def _about(self) -> None:
        QMessageBox.about(
            self,
            APP_NAME,
            "<b>Feedforward Studio</b><br>Design, train and understand feedforward "
            "neural networks on a pure-NumPy engine.",
        )


def ks_new() -> QKeySequence:
    """Ctrl+N."""
    return QKeySequence(QKeySequence.StandardKey.New)


def _scroll(widget: QWidget) -> QScrollArea:
    area = QScrollArea()
    area.setWidget(widget)
    area.setWidgetResizable(True)
    area.setFrameShape(QScrollArea.Shape.NoFrame)
    area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    return area
