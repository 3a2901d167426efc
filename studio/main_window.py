"""The Feedforward Studio main window: palette, canvas, inspector tabs, docks, menus, status bar.

Layout::

    ┌ menu: File  Edit  View  Training  Help ──────────────────────────────────────────────┐
    │ main toolbar (file / undo / zoom)          │ training toolbar                         │
    ├──────────┬──────────────────────────────────────────────┬───────────────────────────┤
    │ Layers   │                canvas (NetworkView)          │ Inspector tabs:           │
    │ palette  │                                              │ Properties | Network |    │
    │ (dock)   │                                              │ Analysis | Data           │
    ├──────────┴──────────────────────────────────────────────┴───────────────────────────┤
    │ bottom docks: loss and metrics, gradient health, evaluation                           │
    └ status bar: validation summary · parameters · data · run status · zoom ───────────────┘

The open project's state lives in ``window.workspace`` (:class:`studio.workspace.Workspace`: project
document with undo, dataset, model with trained weights, unsaved flag, busy reason). The window builds
every panel, the canvas, the export actions (:class:`studio.export_dialog.ExportActions`) and the
training controller with that workspace; they subscribe to its signals and never reach each other
through the window. The window's own parts:

- ``add_dock(widget, title, area, name)``, ``add_side_tab(widget, title)``, ``add_toolbar(toolbar)``,
  ``training_toolbar`` / ``training_menu``: where the training side puts its controls and plots.
- ``set_training_locked(locked, reason)``: structural edits refused with ``reason`` on the canvas.
- signal ``project_closing``: before the window closes or New/Open replaces the project (stop workers).
- files (:mod:`studio.window_files`): ``new_project(template)``, ``load_project_file(path)``,
  ``save_to(path)`` (True/False), ``ask_save_changes()`` / ``ask_open_path()`` / ``ask_save_path()``
  (the only dialogs of the file flow; tests monkeypatch them).
- canvas edits (:mod:`studio.window_edits`): append, delete, copy/paste, the context menu.
- actions, menus and the main toolbar (:mod:`studio.window_actions`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QGuiApplication
from PySide6.QtWidgets import (
    QDockWidget,
    QLabel,
    QMainWindow,
    QMessageBox,
    QScrollArea,
    QTabWidget,
    QToolBar,
    QWidget,
)

from studio import theme
from studio.canvas import LayerPalette, NetworkScene, NetworkView
from studio.panels.lr_finder import workspace_source
from studio.panels.network import NetworkPanel
from studio.panels.properties import LayerPropertiesPanel
from studio.panels.validation import ValidationPanel
from studio.settings import blob, open_settings
from studio.window_actions import WindowActionsMixin
from studio.window_edits import CanvasEditsMixin
from studio.window_files import APP_NAME, ProjectFilesMixin
from studio.workspace import Workspace

LAYOUT_VERSION = 3  # bump when the dock arrangement changes so old saved layouts are ignored
INSPECTOR_WIDTH = 320  # the left column (layer list over the Inspector)
#: The canvas column keeps this much width: the default 4-layer network at 80 % or more and the curves'
#: controls under it; a narrow window takes it from the boundary column.
CANVAS_MIN_WIDTH = 520


class MainWindow(ProjectFilesMixin, CanvasEditsMixin, WindowActionsMixin, QMainWindow):
    """The application window; see the module docstring."""

    project_closing = Signal()

    def __init__(self, settings: QSettings | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings_warning: str | None = None  # why the user's settings file was not read
        if settings is None:
            settings, self.settings_warning = open_settings()
        self.settings = settings
        self._fit_pending = False
        self._shared_width = 0  # window width the columns were last shared for (see size_docks)
        self.workspace = Workspace(self)
        self.document = self.workspace.document
        self.canvas_scene = NetworkScene(self.workspace)
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
        self._build_sides()
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
        self.properties = LayerPropertiesPanel(self.workspace)
        self.network_panel = NetworkPanel(self.workspace)
        self.network_panel.lr_finder.source = workspace_source(self.workspace)
        self.validation = ValidationPanel(self.workspace)
        self.side_tabs = QTabWidget()
        self.side_tabs.setObjectName("inspectorTabs")
        self.side_tabs.setDocumentMode(True)
        self.side_tabs.addTab(_scroll(self.properties), "Properties")
        self.side_tabs.addTab(_scroll(self.network_panel), "Network")
        self.side_tabs.addTab(self.validation, "Analysis")
        self.side_tabs.setMinimumWidth(INSPECTOR_WIDTH)
        self.inspector_dock = self._dock(
            self.side_tabs, "Inspector", Qt.DockWidgetArea.LeftDockWidgetArea, "inspectorDock"
        )
        # one left column: the short layer list above the Inspector; the right side is for the plots
        self.splitDockWidget(self.palette_dock, self.inspector_dock, Qt.Orientation.Vertical)
        self._docks_sized = False

    def _build_sides(self) -> None:
        """File → Export/Import/Predict, then the training side: Data tab, toolbar, plot docks (both given
        the workspace)."""
        from studio.export_actions import ExportActions
        from studio.panels.explain import ExplainSide
        from studio.panels.runs import RunsRecorder
        from studio.record_toggle import RecordToggle
        from studio.training.controller import TrainingController

        self.export_actions = ExportActions(self.workspace, self, self.file_menu, before=self.act_quit)
        self.export_actions.message.connect(lambda text: self.statusBar().showMessage(text, 8000))
        self.training = TrainingController(self, self.workspace)
        self.explain = ExplainSide(self, self.workspace)  # one sample's forward/backward pass (issue 13.2)
        self.runs = RunsRecorder(self, self.workspace)  # every run of the session, compared (issue 13.5)
        self.recorder = RecordToggle(self, self.workspace)  # the run as an animated GIF (issue 13.4)

    def _connect(self) -> None:
        doc = self.document
        ws = self.workspace
        ws.modified_changed.connect(lambda _m: self._update_title())
        ws.dataset_changed.connect(lambda _ds: self._update_status())
        ws.message.connect(lambda text: self.statusBar().showMessage(text, 8000))
        ws.weights_refused.connect(lambda text: self.show_error("Trained weights not loaded", text, []))
        ws.loading_finished.connect(self._loading_finished)
        doc.graph_changed.connect(self._update_status)
        doc.training_changed.connect(self._update_status)
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
            # narrow Inspector tabs: all five fit a 320 px column, which leaves the canvas its width
            "QTabWidget#inspectorTabs QTabBar::tab { padding: 5px 9px; }"
            + theme.progress_style(th)
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

    def _loading_finished(self, error: str) -> None:
        if error:
            self.statusBar().showMessage(f"Data not loaded: {error}", 10000)

    # ------------------------------------------------------------------ status, title, close
    def _update_title(self) -> None:
        name = Path(self.document.path).name if self.document.path else "Untitled"
        self.setWindowTitle(f"{name}[*] — {APP_NAME}")
        self.setWindowModified(self.workspace.modified)

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
        ds = self.workspace.dataset
        if ds is not None:
            parts.append(f"data: {ds.name} ({ds.task})")
        elif self.workspace.is_loading():
            parts.append("loading data…")
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

    def size_docks(self) -> None:
        """Share the window between the columns (see :data:`LAYOUT_VERSION`).

        Left: layer list over the Inspector (340 px); right: the big plot (the decision boundary),
        38 % of the width (over a quarter of the window at 1440x900, the plot square);
        the bottom plots sit under the canvas.
        """
        w, h = self.width(), self.height()
        rows = 3 * (self.palette.sizeHintForRow(0) + 2 * self.palette.spacing()) + 48
        self.resizeDocks([self.palette_dock, self.inspector_dock], [rows, max(h - rows, 300)],
                         Qt.Orientation.Vertical)
        bar = self.side_tabs.tabBar()  # every Inspector tab without scroll arrows
        left = max(INSPECTOR_WIDTH, sum(bar.tabSizeHint(i).width() for i in range(bar.count())) + 8)
        self.side_tabs.setMinimumWidth(left)  # never squeezed into scroll arrows when docks move
        self.resizeDocks([self.inspector_dock], [left], Qt.Orientation.Horizontal)
        self._shared_width = w
        right = [d for d in self.findChildren(QDockWidget)
                 if self.dockWidgetArea(d) == Qt.DockWidgetArea.RightDockWidgetArea and d.isVisible()]
        if right:
            # below ~1200 px the boundary keeps 330 px for its controls and the canvas scrolls
            width = min(max(0.38 * w, 380), h - 220, max(w - left - CANVAS_MIN_WIDTH, 330))
            self.resizeDocks(right[:1], [int(width)], Qt.Orientation.Horizontal)
        if self._bottom_docks:
            self.resizeDocks(self._bottom_docks[:1], [max(250, int(0.3 * h))], Qt.Orientation.Vertical)
        self._docks_sized = True

    def resizeEvent(self, event: Any) -> None:  # noqa: N802
        """A much wider or narrower window (maximized, restored, another screen) shares the columns
        again, so the boundary stays the big plot, and fits the network to its new canvas; dragging a
        dock's edge does not resize the window."""
        super().resizeEvent(event)
        if self._shared_width and abs(self.width() - self._shared_width) > 0.15 * self._shared_width:
            self._shared_width = self.width()
            QTimer.singleShot(0, self._share_again)

    def _share_again(self) -> None:
        self.size_docks()
        QTimer.singleShot(0, self.canvas.fit_to_view)  # once the canvas has its new width

    def _fit_screen(self) -> None:
        """The default 1440x900 window on a smaller screen (1280x800) would reach past its edges."""
        screen = self.screen()
        if screen is None or QGuiApplication.platformName() == "offscreen":
            return  # tests and `ffstudio screenshot` choose their size; the offscreen screen is 800x600
        avail = screen.availableGeometry()
        if self.width() > avail.width() or self.height() > avail.height():
            self.setGeometry(avail.left(), avail.top(), min(self.width(), avail.width()),
                             min(self.height(), avail.height()))

    def showEvent(self, event: Any) -> None:  # noqa: N802
        super().showEvent(event)
        if not self._docks_sized:
            self._fit_screen()
            self.size_docks()
            QTimer.singleShot(0, self.size_docks)  # again once the dock layout has its real geometry
        if self._fit_pending:
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
        geometry = blob(self.settings, "window/geometry")  # (checked: bytes of a sane size)
        state = blob(self.settings, "window/state")
        ok = False
        if geometry is not None:
            ok = bool(self.restoreGeometry(geometry))
        if state is not None:
            ok = bool(self.restoreState(state, LAYOUT_VERSION)) and ok
        self._docks_sized = self._docks_sized or ok
        return ok

    def _about(self) -> None:
        QMessageBox.about(
            self,
            APP_NAME,
            "<b>Feedforward Studio</b><br>Design, train and understand feedforward "
            "neural networks on a pure-NumPy engine.",
        )


def _scroll(widget: QWidget) -> QScrollArea:
    area = QScrollArea()
    area.setWidget(widget)
    area.setWidgetResizable(True)
    area.setFrameShape(QScrollArea.Shape.NoFrame)
    area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    return area
