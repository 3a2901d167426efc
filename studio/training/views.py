"""What training shows: the plot docks (curves, boundary, gradient health, evaluation) and the
canvas pictures (link colours from the kernels, neuron heatmaps), fed from snapshots or a model.

:class:`TrainingViews` owns the widgets and their redraw throttles; it never decides anything about
the run (that is :mod:`studio.training.controller`'s job) and never touches a model being trained:
while a run is active it draws the worker's copies.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt

from core.drawn_neurons import drawn_units
from core.probes import activation_images, forward_all, neuron_layer_indices
from studio.background import one_line, run_in_background
from studio.model_copy import snapshot_model
from studio.panels.evaluation import EvaluationPanel, workspace_model_source
from studio.plots.boundary import BoundaryView
from studio.plots.curves import REDRAW_INTERVAL_S, LossCurves
from studio.plots.health import GradientHealth
from studio.plots.neurons import layer_images, rgba_images
from studio.plots.redraw import FrameGate, Throttle
from studio.training.job import Evaluation, Snapshot

#: Data with more features than this gets no live decision boundary (MNIST: the digit gallery instead).
MAX_BOUNDARY_FEATURES = 64
#: Seconds between canvas updates (link colours, neuron images) while training.
CANVAS_INTERVAL_S = 1.0
#: A chosen speed up to this many steps per second leaves the training thread idle most of the time:
#: the loss curves then redraw with every frame (at full speed a few times per second, see
#: ``studio.plots.curves.REDRAW_INTERVAL_S``, so that they cost the training thread little).
PACED_STEPS_PER_S = 1000.0


class TrainingViews(QObject):
    """The plots and canvas pictures of the training side of ``window``.

    ``window`` provides ``add_dock``, ``canvas_scene`` and the dock layout calls of a QMainWindow.
    ``on_kernels(weights)`` callbacks run after link colours changed (the weight popup follows them).
    """

    def __init__(self, window: Any, workspace: Any, inspector_dock: Any = None) -> None:
        super().__init__(window)
        self.window = window
        self.workspace = workspace
        self.scene = window.canvas_scene
        self.curves = LossCurves()
        self.boundary = BoundaryView()
        self.health = GradientHealth()
        self.evaluation = EvaluationPanel(source=workspace_model_source(workspace))
        self.curves_dock = window.add_dock(self.curves, "Loss and metrics", name="curvesDock")
        self.health_dock = window.add_dock(self.health, "Gradient health", name="healthDock")
        self.eval_dock = window.add_dock(self.evaluation, "Evaluation", name="evaluationDock")
        self.boundary_dock = window.add_dock(
            self.boundary, "Decision boundary", Qt.DockWidgetArea.RightDockWidgetArea, name="boundaryDock"
        )
        for widget in (self.curves, self.health, self.evaluation):
            widget.setMinimumHeight(230)  # the bottom dock area keeps room for two readable plots
        self._arrange_docks(inspector_dock)
        self.kernel_layers: list[int] = []
        #: model layer index -> canvas node id of the Dense/Output card drawing it
        self.neuron_nodes: dict[int, str] = {}
        #: the model layer the Output card draws (its pictures take the decision boundary's colours)
        self.output_layer: int | None = None
        #: engine layer name -> canvas node id
        self.layer_labels: dict[str, str] = {}
        self.on_kernels: list[Callable[[list[list[np.ndarray]]], None]] = []
        self._pending_weights: list[list[np.ndarray]] | None = None
        self._pending_neurons: dict[int, np.ndarray] | None = None
        self.canvas_redraw = Throttle(self._draw_canvas, CANVAS_INTERVAL_S, self)
        #: (node id, (units, h, w) grid) of the Output card's last pictures: Discretize redraws them
        self._output_pictures: tuple[str, np.ndarray] | None = None
        self.boundary.disc_box.toggled.connect(lambda _on: self._draw_output_pictures())
        # the gradient plot and the canvas repaint for several ms: at most one of them per frame
        self.frame_gate = FrameGate()
        for throttle in (self.health.redraw, self.canvas_redraw):
            throttle.gate = self.frame_gate
        # a plot behind another tab is not redrawn; raising its tab draws it
        for throttle, widget, dock in ((self.curves.redraw, self.curves, self.curves_dock),
                                       (self.health.redraw, self.health, self.health_dock)):
            throttle.widget = widget
            dock.visibilityChanged.connect(throttle.shown)

    def _arrange_docks(self, inspector: Any) -> None:
        """Decision boundary in the right column (full height, the largest plot); curves, health and
        evaluation tabbed under the canvas; layers and Inspector in the left column.

        ``MainWindow.size_docks`` gives the columns their widths when the window is first shown.
        """
        w = self.window
        w.setCorner(Qt.Corner.TopLeftCorner, Qt.DockWidgetArea.LeftDockWidgetArea)
        w.setCorner(Qt.Corner.BottomLeftCorner, Qt.DockWidgetArea.LeftDockWidgetArea)
        w.setCorner(Qt.Corner.TopRightCorner, Qt.DockWidgetArea.RightDockWidgetArea)
        w.setCorner(Qt.Corner.BottomRightCorner, Qt.DockWidgetArea.RightDockWidgetArea)
        self.curves_dock.raise_()

    # ---- data ------------------------------------------------------------------------------
    @staticmethod
    def has_plane(ds: Any) -> bool:
        """True when ``ds`` gets a live decision boundary (few features, not images)."""
        return ds is not None and ds.num_features <= MAX_BOUNDARY_FEATURES and ds.source != "mnist"

    def grid_for(self, ds: Any) -> Any:
        """The boundary plane for a run on ``ds``, or None (no boundary for this data)."""
        return self.boundary.grid if self.has_plane(ds) else None

    def show_data(self, ds: Any) -> None:
        """Plot ``ds``'s points; image data has no input plane: the Evaluation takes the big place.

        Data without a plane is not handed to the boundary at all: its medians and scatter over
        60,000 MNIST rows took seconds of the GUI thread for a view that stays hidden.
        """
        self.curves.set_data_key(f"{ds.source}:{ds.name}:{ds.task}")
        self.evaluation.set_task(ds.task, ds.source == "mnist")
        if self.has_plane(ds):
            self.boundary.set_data(
                ds.x_train, ds.y_train, ds.x_test, ds.y_test, ds.task, ds.feature_names, ds.class_names
            )
        else:
            self.boundary.clear_data("No input plane for this data")
        self._place_big_plot(self.has_plane(ds))

    def _place_big_plot(self, plane: bool) -> None:
        """The right column shows the boundary; without an input plane (images) the Evaluation."""
        w = self.window
        right = Qt.DockWidgetArea.RightDockWidgetArea
        self.boundary_dock.setVisible(plane)
        in_right = w.dockWidgetArea(self.eval_dock) == right
        if not plane and not in_right:
            w.addDockWidget(right, self.eval_dock)
            self.eval_dock.show()
        elif plane and in_right:
            w.tabifyDockWidget(self.health_dock, self.eval_dock)
            self.curves_dock.raise_()

    # ---- model pictures --------------------------------------------------------------------
    def map_layers(self, model: Any, graph: Any) -> None:
        """Model layer index -> canvas node id (chain order, Normalization = input node)."""
        self.kernel_layers = [i for i, la in enumerate(model.layers) if "kernel" in getattr(la, "params", {})]
        self.neuron_nodes = {}
        self.output_layer = None
        try:
            chain = graph.chain() or graph.ordered_ids()
        except KeyError:  # a link to a node that is gone (a graph mid-edit): no pictures on the canvas
            return
        nodes = [n for n in chain if graph.nodes[n].kind != "input"]
        # every canvas-drawn layer but the input (data.target_scaling's trailing layer has no card)
        layers = [i for i in neuron_layer_indices(model) if type(model.layers[i]).__name__ != "Normalization"]
        if len(nodes) == len(layers):
            self.neuron_nodes = dict(zip(layers, nodes, strict=True))
            self.output_layer = layers[-1] if layers else None
            inputs = [n for n in chain if graph.nodes[n].kind == "input"]
            if inputs and getattr(model.layers[0], "features", None) is not None:
                self.neuron_nodes[0] = inputs[0]  # feature inputs: one neuron (and heatmap) per feature
        # plots name layers as the canvas does ("output", not the engine's "dense_3")
        self.layer_labels = {model.layers[i].name: n for i, n in self.neuron_nodes.items()}

    def layer_of(self, node_id: str) -> int | None:
        """Model layer index of canvas node ``node_id`` (a Dense/Output card), or None."""
        return next((i for i, n in self.neuron_nodes.items() if n == node_id), None)

    def show_model(self, model: Any, grid: Any) -> None:
        """Draw weights, boundary and neuron images of ``model`` (e.g. freshly initialized or imported).

        The boundary names the epochs the weights were trained for (a reopened project's, as the toolbar
        does), none for fresh weights."""
        self.set_kernels([la.get_weights() for la in model.layers])
        if grid is None:
            return
        try:
            outs = forward_all(model, grid.points())
            trained = int(getattr(model, "epochs_trained", 0)) or None
            self.boundary.set_output(outs[-1].reshape(grid.resolution, grid.resolution, -1), trained)
            self._pending_neurons = activation_images(model, grid)
            self.canvas_redraw.flush()
        except ValueError:  # the plane's features do not fit this model's inputs (the data just changed)
            pass

    def clear_model(self, has_data: bool, message: str | None = None) -> None:
        """No model for this network/data (yet): grey links, no neuron images, an empty boundary.

        Keeps the previous project's or network's pictures from staying on screen after the data
        failed to load or the network stopped building.
        """
        self._pending_neurons = None
        self._pending_weights = None
        self._output_pictures = None
        self.scene.set_weights(None)
        for node_id in list(self.scene.items_by_id):
            self.scene.set_neuron_images(node_id, None)
        if not has_data:
            self.boundary.clear_data(message or "No data loaded")
        elif message:
            self.boundary.clear_output(message)
        else:
            self.boundary.clear_output()

    def set_kernels(self, weights: list[list[np.ndarray]]) -> None:
        """Colour the canvas links from per-layer weight lists (kernel first)."""
        kernels = [weights[i][0] for i in self.kernel_layers if i < len(weights) and weights[i]]
        for follow in self.on_kernels:
            follow(weights)
        try:
            self.scene.set_weights(kernels)
        except KeyError:  # weights of a network whose nodes changed meanwhile: the next model redraws
            pass

    # ---- snapshots -------------------------------------------------------------------------
    def add_snapshot(self, snap: Snapshot) -> None:
        """Draw one snapshot as one frame: curves and boundary (and the toolbar, which the run control
        updated just before) show its epoch; gradient health and the canvas follow a few times per
        second. The session paints the frame right after (:meth:`paint_now`)."""
        self.frame_gate.open()
        bpe = max(snap.batches_per_epoch, 1)
        self.curves.add_snapshot(snap.step_losses, snap.epoch_logs, bpe, epochs=snap.epochs)
        self.boundary.set_paused_note(snap.pictures_note)
        if snap.boundary is not None and self.boundary.isVisible():
            self.boundary.set_output(snap.boundary, snap.epoch)
        elif snap.boundary is not None:
            self.boundary.last_output = snap.boundary
        if snap.grad_norms is not None:
            label = self.layer_labels.get
            self.health.add(
                snap.step / bpe, [label(n, n) for n in snap.layer_names], snap.grad_norms, snap.weight_norms,
                {label(n, n): v for n, v in (snap.dead_relu or {}).items()},
            )
        if snap.weights is not None or snap.neurons:
            # the canvas repaints every link and neuron: a few times per second is live enough
            if snap.weights is not None:
                self._pending_weights = snap.weights
            if snap.neurons:
                self._pending_neurons = snap.neurons
            self.canvas_redraw.request()

    def pace(self, steps_per_s: float | None) -> None:
        """The run's chosen speed (None: as fast as possible): at a slow pace the curves show every
        frame's epoch, like the toolbar and the boundary; at full speed they follow 8 times a second."""
        paced = steps_per_s is not None and steps_per_s <= PACED_STEPS_PER_S
        self.curves.redraw.interval_s = 0.0 if paced else REDRAW_INTERVAL_S

    def heavy_frame(self) -> bool:
        """True when the last snapshot redrew a view whose paint runs Python for long: the gradient
        plot or the canvas (they share the frame gate), or a curve body (a settle of the curves)."""
        return not self.frame_gate.available or self.curves.settled

    def paint_now(self) -> None:
        """Paint the window's changed parts now rather than at Qt's next update request (~5 ms later):
        the session calls this after each snapshot, so a frame is on screen as one piece."""
        # items report their changes through queued calls to their scene: deliver them first, or a
        # scene (the canvas) would repaint later, from the event loop, beside the worker
        for scene in (self.boundary.plot_widget.scene(), self.curves.glw.scene(), self.health.pw.scene(),
                      self.scene):
            QCoreApplication.sendPostedEvents(scene, QEvent.Type.MetaCall)
        QCoreApplication.sendEvent(self.window, QEvent(QEvent.Type.UpdateRequest))

    def _draw_canvas(self) -> None:
        weights, self._pending_weights = self._pending_weights, None
        if weights is not None:
            self.set_kernels(weights)
        grids, self._pending_neurons = self._pending_neurons, None
        if not grids:
            return
        for idx, node_id in self.neuron_nodes.items():
            g = grids.get(idx)
            if g is None:
                continue
            if idx == self.output_layer:
                self._output_pictures = (node_id, g)
                self._draw_output_pictures()
            else:
                self._draw_hidden_pictures(node_id, g)

    def _draw_hidden_pictures(self, node_id: str, grid: np.ndarray) -> None:
        """A hidden card's neuron pictures: ``grid`` (k, h, w) holds the k neurons the card draws
        (``core.probes.pictured_units``), in order; a grid of another width waits for the next one."""
        item = self.scene.items_by_id.get(node_id)
        units = drawn_units(item.units or 0) if item is not None else []
        if len(units) == len(grid):
            self.scene.set_neuron_images(node_id, dict(zip(units, layer_images(grid), strict=True)))

    def _draw_output_pictures(self) -> None:
        """The Output card's neurons in the boundary's colours, Discretize included (its thumbnails);
        the other cards diverge at 0."""
        if self._output_pictures is not None:
            node_id, grid = self._output_pictures
            self.scene.set_neuron_images(node_id, rgba_images(self.boundary.output_neuron_rgba(grid)))

    def flush(self) -> None:
        """Draw whatever the throttled views (curves, health, canvas) still hold."""
        for throttle in (self.curves.redraw, self.health.redraw, self.canvas_redraw):
            throttle.flush()

    # ---- evaluation ------------------------------------------------------------------------
    def show_evaluation(self, ev: Evaluation) -> None:
        """Metrics of ``ev`` (a model's outputs on the test split) in the Evaluation panel."""
        ds = self.workspace.dataset
        if ds is None:
            return
        try:
            self.evaluation.set_result(ev.y_true, ev.probs, ds.task, ds.class_names, ev.x, ev.epoch)
        except Exception as exc:  # never let a metric edge case break training
            self.evaluation.headline.setText(f"Evaluation unavailable: {one_line(exc)}")

    def evaluate_in_background(self, model: Any, still_current: Callable[[], bool]) -> None:
        """Evaluate ``model`` (e.g. imported or opened with its weights) on the test split: a copy
        predicts in a pool thread; shown when ``still_current()`` and the data are unchanged. The headline
        names the epochs the weights were trained for when their file recorded them."""
        ds = self.workspace.dataset
        if ds is None or model is None or len(ds.x_test) == 0:
            return
        clone = snapshot_model(model)
        x, y = ds.x_test, ds.y_test

        def done(probs: np.ndarray) -> None:
            if still_current() and self.workspace.dataset is ds and np.all(np.isfinite(probs)):
                trained = int(getattr(clone, "epochs_trained", 0)) or None
                self.show_evaluation(Evaluation(epoch=trained, x=x, y_true=y, probs=probs))

        self._eval_task = run_in_background(
            lambda _progress: np.asarray(clone.predict(x), dtype=np.float32), done, name="evaluate",
            owner=self.evaluation,
        )

