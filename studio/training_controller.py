"""Wires training into the main window: data panel, toolbar, worker session, plots, canvas, evaluation.

``install_training(window)`` is called once by the main window. Everything here runs in the GUI
thread; the training itself runs in :class:`studio.worker.TrainingSession`'s thread.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QFrame, QScrollArea, QWidget

from core.probes import activation_images, forward_all
from core.project import training_spec
from studio.canvas.link_editor import LinkWeightEditor
from studio.panels.data_panel import DataPanel
from studio.panels.evaluation import EvaluationPanel
from studio.plots.boundary import BoundaryView
from studio.plots.curves import FrameGate, LossCurves, Throttle
from studio.plots.health import GradientHealth
from studio.plots.neurons import layer_images
from studio.training_toolbar import TrainingControls
from studio.worker import Evaluation, Snapshot, TrainingJob, TrainingSession

#: Data with more features than this gets no live decision boundary (MNIST: the digit gallery instead).
MAX_BOUNDARY_FEATURES = 64
#: Seconds between canvas updates (link colours, neuron images) while training.
CANVAS_INTERVAL_S = 1.0
#: ``window.training_busy`` while a run is active (Export/Import/Save of weights wait for a pause).
BUSY_REASON = "Training is running: pause or stop it first."


class TrainingController(QObject):
    """Owns the training side of one main window. ``session`` is the running worker (or None)."""

    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self.window = window
        self.session: TrainingSession | None = None
        self.model: Any = None
        self.epoch = 0
        self.elapsed_base = 0.0
        self.last_snapshot: Snapshot | None = None
        self.last_error: str | None = None
        self._kernel_layers: list[int] = []
        self._neuron_nodes: dict[int, str] = {}
        self._loaded_spec: dict[str, Any] | None = None
        self._pending_neurons: dict[int, np.ndarray] | None = None
        #: the model holds trained, imported or edited weights (not just a fresh initialization)
        self.has_weights = False
        self._busy = False
        self._network_key: str | None = None
        #: clicking a weighted link shows its weight here (editable while no run is active)
        self.link_editor = LinkWeightEditor(window.canvas)
        self.link_editor.weight_edited.connect(self.set_link_weight)
        window.canvas_scene.link_clicked.connect(self._link_clicked)

        self.controls = TrainingControls(
            window.training_toolbar, getattr(window, "training_menu", None), window.statusBar()
        )
        zoom = getattr(window, "zoom_label", None)
        if zoom is not None:  # the zoom level stays in the corner, after the run's status
            window.statusBar().removeWidget(zoom)
            window.statusBar().addPermanentWidget(zoom)
            zoom.show()
        self.data_panel = DataPanel()
        self.data_panel.base_dir = window.base_dir
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(self.data_panel)
        window.add_side_tab(scroll, "Data")
        self.curves = LossCurves()
        self.boundary = BoundaryView()
        self.health = GradientHealth()
        self.evaluation = EvaluationPanel()
        self.curves_dock = window.add_dock(self.curves, "Loss and metrics", name="curvesDock")
        self.health_dock = window.add_dock(self.health, "Gradient health", name="healthDock")
        self.eval_dock = window.add_dock(self.evaluation, "Evaluation", name="evaluationDock")
        self.boundary_dock = window.add_dock(
            self.boundary, "Decision boundary", Qt.DockWidgetArea.RightDockWidgetArea, name="boundaryDock"
        )
        for widget in (self.curves, self.health, self.evaluation):
            widget.setMinimumHeight(230)  # the bottom dock area keeps room for two readable plots
        self._arrange_docks()
        self._pending_weights: list[list[np.ndarray]] | None = None
        self.canvas_redraw = Throttle(self._draw_canvas, CANVAS_INTERVAL_S, self)
        self._progress_args: tuple | None = None
        # curves, gradient plot and canvas each repaint for tens of ms: at most one of them per frame
        self.frame_gate = FrameGate()
        for throttle in (self.curves.redraw, self.health.redraw, self.canvas_redraw):
            throttle.gate = self.frame_gate
        self.progress_redraw = Throttle(self._draw_progress, 0.2, self)

        c = self.controls
        c.play_pause.connect(self.play_pause)
        c.step.connect(self.step_epoch)
        c.stop.connect(self.stop)
        c.reset.connect(self.reset)
        c.speed_changed.connect(self._speed_changed)
        self.data_panel.dataset_loaded.connect(self._dataset_loaded)
        self.data_panel.load_failed.connect(lambda msg: self.controls.set_status(f"Data: {msg}", error=True))
        self.data_panel.batch_size_changed.connect(self._batch_size_changed)
        self.boundary.grid_changed.connect(self._grid_changed)
        self.boundary.point_added.connect(self._point_added)
        self.boundary.points_cleared.connect(self._points_cleared)
        window.dataset_changed.connect(self._dataset_changed)
        window.project_closing.connect(self.shutdown)
        window.project_loaded.connect(self._project_loaded)
        doc = window.document
        doc.graph_changed.connect(self._structure_changed)
        doc.training_changed.connect(self._training_changed)
        doc.data_changed.connect(self._data_spec_changed)
        actions = getattr(window, "export_actions", None)
        if actions is not None:  # File → Import weights: Play continues from the imported weights
            actions.weights_imported.connect(lambda _path: self.adopt_model(actions.imported_model))
        if window.dataset is not None:
            self._dataset_changed(window.dataset)
        self.data_panel.set_spec(doc.data)
        self.data_panel.batch_spin.setValue(training_spec(doc.training)["batch_size"])

    def _arrange_docks(self) -> None:
        """Decision boundary under the inspector (right); curves, health, evaluation tabbed at the bottom.

        The right column runs the full window height (the bottom plots sit under the canvas only), so
        at 1440x900 the Inspector's forms and the Analysis lists get ~450 px and the boundary ~330 px.
        """
        w = self.window
        try:
            w.setCorner(Qt.Corner.BottomRightCorner, Qt.DockWidgetArea.RightDockWidgetArea)
            inspector = getattr(w, "inspector_dock", None)
            if inspector is not None:
                w.splitDockWidget(inspector, self.boundary_dock, Qt.Orientation.Vertical)
                w.resizeDocks([inspector, self.boundary_dock], [470, 330], Qt.Orientation.Vertical)
            self.curves_dock.raise_()
            w.resizeDocks([self.curves_dock], [300], Qt.Orientation.Vertical)
        except (AttributeError, RuntimeError):
            pass

    # ---- state -----------------------------------------------------------------------------
    @property
    def dataset(self) -> Any:
        return self.window.dataset

    def is_training(self) -> bool:
        """True while a session exists and its worker is not paused."""
        return self.session is not None and self.session.is_alive() and self.session.worker.is_running

    def _set_locked(self, locked: bool, paused: bool = False) -> None:
        state = "paused" if paused else "running"
        self.window.set_training_locked(locked, f"Training is {state} — press Stop to change the network.")

    def _close_run(self, fade_curves: bool) -> None:
        """End the current run (stop its session); ``fade_curves`` keeps its curves as a previous run."""
        if self.session is not None:
            self.shutdown()
        if fade_curves:
            self.curves.new_run(self._run_label())
        self.epoch = 0
        self.elapsed_base = 0.0

    def _invalidate_model(self) -> None:
        """The network, data or settings changed: the next Play starts a new run from fresh weights."""
        self._close_run(fade_curves=self.model is not None or bool(self.epoch))
        self.model = None
        self.has_weights = False
        self._network_key = None
        self._clear_model_pictures()
        self.health.clear()
        self.evaluation.clear()
        self.controls.show_progress(0, self._epochs_budget(), 0.0, 0.0)
        self.curves.set_budget(self._epochs_budget())
        self._publish()

    def _publish(self) -> None:
        """Tell the export side what it may use: ``window.trained_model`` and ``window.training_busy``.

        ``trained_model`` is the model once it holds trained/imported/edited weights (None before, and
        after Reset or a change of the network); ``training_busy`` is a reason while a run is active.
        """
        w = self.window
        w.training_busy = BUSY_REASON if self._busy else None
        w.trained_model = self.model if self.has_weights and self.model is not None else None
        if self.model is None:
            self.link_editor.hide()
        elif self.link_editor.isVisible():
            self.link_editor.set_editable(not self._busy, "Pause or stop training to edit the weight.")
        actions = getattr(w, "export_actions", None)
        if actions is not None:
            actions.refresh()

    def _set_busy(self, busy: bool) -> None:
        if busy != self._busy:
            self._busy = busy
            self._publish()

    def _current_network_key(self) -> str:
        """The network as the project file stores it (positions excluded) and whether its layers form
        one connected chain (a removed link does not change the layer list): equal keys = same model."""
        graph = self.window.document.graph
        return json.dumps([graph.to_network(), graph.chain() is not None], sort_keys=True, default=str)

    def adopt_model(self, model: Any) -> None:
        """Continue from ``model`` (imported weights, or a project opened with its weights file).

        Ends a paused run; the next Play/Step trains this very model (nothing is re-initialized), and
        the canvas links and the decision boundary show its weights.
        """
        if model is None:
            return
        self._close_run(fade_curves=self.model is not None and bool(self.epoch))
        self.model = model
        self.has_weights = True
        self._clear_error()
        self._network_key = self._current_network_key()
        self._map_layers()
        self._show_model_state()
        self._publish()

    def _run_label(self) -> str:
        """Short description of the settings, e.g. "adam lr=0.01 · 4-2" (hidden Dense units)."""
        t = self.window.document.training
        opt = t.get("optimizer", {})
        name = opt.get("name", "?") if isinstance(opt, dict) else str(opt)
        lr = opt.get("learning_rate", "") if isinstance(opt, dict) else ""
        label = f"{name} lr={lr}" if lr != "" else str(name)
        try:
            network = self.window.document.graph.to_network()
        except Exception:  # an unfinished graph: the optimizer says enough
            return label
        units = [str(la.get("units")) for la in network if la.get("type") == "dense"]
        return f"{label} · {'-'.join(units)}" if units else f"{label} · no hidden layer"

    def _epochs_budget(self) -> int | None:
        e = training_spec(self.window.document.training)["epochs"]
        return int(e) if isinstance(e, int) and e > 0 else None

    def _project(self) -> Any:
        from core.project import Project

        return Project.from_dict(self.window.project_dict(), self.window.base_dir())

    def ensure_model(self, interactive: bool = False) -> bool:
        """Build the model for the current network and data if needed; False (with a message) on errors.

        A blank canvas is not an error until the user presses Play/Step (``interactive``): its own
        "Start a network" hint says what to do, a red "Cannot build" banner over it would only shout.
        """
        if self.model is not None:
            return True
        if not self.window.document.graph.nodes and not interactive:
            self._clear_model_pictures()
            self._clear_error()
            return False
        if self.dataset is None:
            self._clear_model_pictures()
            self._error("No data loaded: pick a data set in the Data tab.")
            return False
        graph = self.window.document.graph
        if graph.chain() is None:  # e.g. the link into the output was removed: the layer list alone
            problems = [p.message for p in graph.validate() if p.severity == "error"]  # would still build
            self._clear_model_pictures("Cannot build the network:\nsee the message on the canvas")
            detail = " ".join(problems) or "the layers are not one chain from Input to Output."
            self._error(f"Cannot build the network: {detail}")
            return False
        try:
            self.model = self.window.build_model()
        except Exception as exc:  # ProjectError lists every problem; show them in one line
            self._clear_model_pictures("Cannot build the network:\nsee the message on the canvas")
            self._error(f"Cannot build the network: {_one_line(exc)}")
            return False
        self.epoch = 0
        self.elapsed_base = 0.0
        self.has_weights = False
        self._network_key = self._current_network_key()
        self._clear_error()
        self._map_layers()
        self._show_model_state()
        return True

    def _clear_model_pictures(self, message: str | None = None) -> None:
        """No model for this network/data (yet): grey links, no neuron images, an empty boundary.

        Keeps the previous project's or network's pictures from staying on screen after the data
        failed to load or the network stopped building.
        """
        self._pending_neurons = None
        self._pending_weights = None
        scene = self.window.canvas_scene
        scene.set_weights(None)
        for node_id in list(scene.items_by_id):
            scene.set_neuron_images(node_id, None)
        if self.dataset is None:
            self.boundary.clear_data(message or "No data loaded")
        elif message:
            self.boundary.clear_output(message)
        else:
            self.boundary.clear_output()

    def _clear_error(self) -> None:
        """The network builds again: take down the "Cannot build…"/"No data…" message wherever it shows."""
        message, self.last_error = self.last_error, None
        if not message:
            return
        w = self.window
        if w.statusBar().currentMessage() == message:
            w.statusBar().clearMessage()
        canvas = getattr(w, "canvas", None)
        if canvas is not None and hasattr(canvas, "message_text") and canvas.message_text() == message:
            canvas.clear_message()
        if self.controls.status_label.text() == message:
            self.controls.set_status("ready")

    def _map_layers(self) -> None:
        """Model layer index -> canvas node id (chain order, Normalization = input node)."""
        model = self.model
        self._kernel_layers = [
            i for i, la in enumerate(model.layers) if "kernel" in getattr(la, "params", {})
        ]
        self._neuron_nodes = {}
        graph = self.window.document.graph
        try:
            chain = graph.chain() or graph.ordered_ids()
        except Exception:
            return
        nodes = [n for n in chain if graph.nodes[n].kind != "input"]
        layers = [i for i, la in enumerate(model.layers) if type(la).__name__ != "Normalization"]
        if len(nodes) == len(layers):
            self._neuron_nodes = dict(zip(layers, nodes, strict=True))

    def _show_model_state(self) -> None:
        """Draw weights, boundary and neuron images of the current (e.g. freshly initialized) model."""
        model = self.model
        if model is None:
            return
        self._set_kernels([la.get_weights() for la in model.layers])
        grid = self._grid_for_job()
        if grid is not None:
            try:
                outs = forward_all(model, grid.points())
                self.boundary.set_output(outs[-1].reshape(grid.resolution, grid.resolution, -1))
                self._pending_neurons = activation_images(model, grid)
                self.canvas_redraw.flush()
            except Exception:
                pass

    # ---- toolbar actions -------------------------------------------------------------------
    def play_pause(self) -> None:
        """Play if stopped or paused, pause if running."""
        if self.session is not None and self.session.is_alive():
            if self.session.worker.is_running:
                self.session.worker.pause()
                self.controls.set_running(False)
            else:
                self.session.worker.play()
                self._set_busy(True)
                self._set_locked(True)
                self.controls.set_running(True)
                self.controls.set_status("training…")
            return
        self._start(running=True)

    def step_epoch(self) -> None:
        """Train exactly one epoch, then pause."""
        if self.session is not None and self.session.is_alive():
            w = self.session.worker
            if w.is_running:
                w.pause()
            w.step_epoch()
            self._set_busy(True)
            self.controls.set_running(False)
            return
        self._start(running=False, step=True)

    def train_epochs(self, epochs: int, timeout_s: float = 120.0) -> bool:
        """Train ``epochs`` more epochs and pause, running the event loop meanwhile (screenshots, tests).

        Returns True when the epochs were trained (or the run ended by itself) within ``timeout_s``.
        """
        from PySide6.QtCore import QEventLoop, QTimer

        if epochs <= 0:
            return True
        target = self.epoch + epochs
        if self.session is not None and self.session.is_alive():
            self.session.worker.pause()
            self.session.worker.step_epoch(epochs)
            self._set_busy(True)
        else:
            self._start(running=False, step=True, step_epochs=epochs)
        s = self.session
        if s is None:
            return False
        loop = QEventLoop()
        s.paused.connect(loop.quit)
        s.finished.connect(loop.quit)
        s.failed.connect(loop.quit)
        timer = QTimer()
        timer.setSingleShot(True)
        timer.timeout.connect(loop.quit)
        timer.start(int(timeout_s * 1000))
        if s.is_alive() and s.ended is None and self.epoch < target:
            loop.exec()
        ok = timer.isActive()
        timer.stop()
        # let the last snapshot/evaluation reach the widgets
        end = QTimer()
        end.setSingleShot(True)
        end.timeout.connect(loop.quit)
        end.start(150)
        loop.exec()
        return ok and self.last_error is None

    def stop(self) -> None:
        """End the run; the trained weights stay (Play continues training them)."""
        if self.session is not None:
            self.shutdown()
            self.controls.set_status(f"stopped at epoch {self.epoch}")

    def reset(self) -> None:
        """Stop and re-initialize the weights with the seed; the finished run fades."""
        self._invalidate_model()
        self.controls.set_status("weights re-initialized")
        if self.dataset is not None:
            self.ensure_model()

    def shutdown(self) -> bool:
        """Stop the worker and join its thread (< 1 s). Returns True when the thread ended."""
        s = self.session
        if s is None:
            return True
        ok = s.shutdown(1000)
        self._absorb_session_end(s)
        self.session = None
        self.controls.set_running(False)
        self._set_locked(False)
        self._busy = False
        self._publish()
        return ok

    def _absorb_session_end(self, s: TrainingSession) -> None:
        if self.last_snapshot is not None:
            self.elapsed_base = self.last_snapshot.elapsed_s
        self.epoch = max(self.epoch, s.worker.epoch)

    def _start(self, running: bool, step: bool = False, step_epochs: int = 1) -> None:
        self.last_error = None
        if not self.ensure_model(interactive=True):
            return
        budget = self._epochs_budget()
        if budget is not None and self.epoch >= budget:
            self.controls.set_status(f"epoch budget of {budget} reached — Reset or raise Epochs", error=False)
            return
        try:
            job = self._make_job()
        except Exception as exc:
            self._error(f"Cannot start training: {_one_line(exc)}")
            return
        if self.epoch == 0:  # a new run: name it after the settings it starts with
            self.curves.set_run_label(self._run_label())
        s = TrainingSession(job, start_running=running, parent=self)
        s.worker.set_speed_limit(self.controls.speed_limit())
        s.snapshot.connect(self._on_snapshot)
        s.heavy_frame = lambda: not self.frame_gate.available  # a curve/health/canvas redraw ran
        s.evaluated.connect(self._on_evaluated)
        s.failed.connect(self._error)
        s.finished.connect(lambda reason, s=s: self._on_finished(s, reason))
        s.paused.connect(self._on_paused)
        self.session = s
        self.has_weights = True  # from here on the weights are the trained ones
        self.window.document.mark_weights_changed()
        self._set_busy(True)
        self._set_locked(True)
        if step:
            s.worker.step_epoch(step_epochs)
        s.start()
        self.controls.set_running(running)
        self.controls.set_status("training…" if running else "stepping one epoch…")

    def _make_job(self) -> TrainingJob:
        from core.run import prepare_run

        run = prepare_run(self._project(), self.dataset, model=self.model)
        return TrainingJob.from_run(run, self._epochs_budget(), start_epoch=self.epoch,
                                    grid=self._grid_for_job(), neuron_images=bool(self._neuron_nodes))

    def _grid_for_job(self):
        ds = self.dataset
        if ds is None or ds.num_features > MAX_BOUNDARY_FEATURES or ds.source == "mnist":
            return None
        return self.boundary.grid

    # ---- session signals ------------------------------------------------------------------
    def _on_snapshot(self, snap: Snapshot) -> None:
        self.last_snapshot = snap
        self.frame_gate.open()
        self.epoch = snap.epoch
        bpe = max(snap.batches_per_epoch, 1)
        self.curves.add_snapshot(snap.step_losses, snap.epoch_logs, bpe, epochs=snap.epochs)
        if snap.boundary is not None and self.boundary.isVisible():
            self.boundary.set_output(snap.boundary)
        elif snap.boundary is not None:
            self.boundary.last_output = snap.boundary
        if snap.grad_norms is not None:
            self.health.add(
                snap.step / bpe, snap.layer_names, snap.grad_norms, snap.weight_norms, snap.dead_relu
            )
        frac = snap.batch / bpe if snap.batch < bpe else 0.0
        self._progress_args = (
            snap.epoch,
            snap.epochs,
            snap.steps_per_s,
            self.elapsed_base + snap.elapsed_s,
            frac,
        )
        if snap.stopped is not None:
            self.progress_redraw.flush()
        else:
            self.progress_redraw.request()
        if snap.weights is not None or snap.neurons:
            # the canvas repaints every link and neuron: a few times per second is live enough
            if snap.weights is not None:
                self._pending_weights = snap.weights
            if snap.neurons:
                self._pending_neurons = snap.neurons
            self.canvas_redraw.request()
        if snap.stopped and snap.stopped not in ("epochs", "stopped"):
            self.controls.set_status(f"stopped: {snap.stopped.replace('_', ' ')} at epoch {snap.epoch}")

    def _speed_changed(self, steps_per_s: float | None) -> None:
        if self.session is not None:
            self.session.worker.set_speed_limit(steps_per_s)

    def _draw_progress(self) -> None:
        if self._progress_args is not None:
            self.controls.show_progress(*self._progress_args)

    # ---- link weights ----------------------------------------------------------------------
    def _layer_of(self, node_id: str) -> int | None:
        """Model layer index of canvas node ``node_id`` (a Dense/Output card), or None."""
        return next((i for i, n in self._neuron_nodes.items() if n == node_id), None)

    def _kernel_for(self, node_id: str) -> np.ndarray | None:
        """The live (inputs, units) kernel of the layer drawn as ``node_id``."""
        idx = self._layer_of(node_id)
        if self.model is None or idx is None:
            return None
        return getattr(self.model.layers[idx], "params", {}).get("kernel")

    def _link_clicked(self, src: str, dst: str, i: int, j: int, scene_pos: Any) -> None:
        """Open the weight popup for ``src`` unit ``i`` → ``dst`` unit ``j`` (read-only while running)."""
        kernel = self._kernel_for(dst)
        if kernel is None or not (0 <= i < kernel.shape[0] and 0 <= j < kernel.shape[1]):
            return
        shown = self.window.canvas_scene.links.get((src, dst))
        if self._busy and shown is not None and shown.weights is not None:
            value = float(shown.weights[i, j])  # the copy last drawn: the worker owns the live model
        else:
            value = float(kernel[i, j])
        view = self.window.canvas
        self.link_editor.open_at(src, dst, i, j, value, view.mapFromScene(scene_pos), not self._busy,
                                 "Pause or stop training to edit the weight.")

    def set_link_weight(self, src: str, dst: str, i: int, j: int, value: float) -> bool:
        """Write ``value`` into the kernel (only while no training step can run); links and plots follow."""
        if self._busy or self.model is None:
            self.controls.set_status("Pause or stop training to edit a weight.", error=True)
            return False
        kernel = self._kernel_for(dst)
        if kernel is None or not (0 <= i < kernel.shape[0] and 0 <= j < kernel.shape[1]):
            return False
        kernel[i, j] = value  # a view into the model's parameter buffer: training continues from it
        self.has_weights = True
        self.window.document.mark_weights_changed()
        self._show_model_state()
        self._publish()
        self.controls.set_status(f"weight {src} neuron {i + 1} → {dst} neuron {j + 1} set to {value:.4g}")
        return True

    def _set_kernels(self, weights: list[list[np.ndarray]]) -> None:
        kernels = [weights[i][0] for i in self._kernel_layers if i < len(weights) and weights[i]]
        ed = self.link_editor
        if ed.isVisible() and ed.key is not None and not ed.spin.hasFocus():
            idx = self._layer_of(ed.key[1])
            if idx is not None and idx < len(weights) and weights[idx]:
                k = weights[idx][0]
                if ed.key[2] < k.shape[0] and ed.key[3] < k.shape[1]:
                    ed.set_value(float(k[ed.key[2], ed.key[3]]))
        try:
            self.window.canvas_scene.set_weights(kernels)
        except Exception:
            pass

    def _draw_canvas(self) -> None:
        weights, self._pending_weights = self._pending_weights, None
        if weights is not None:
            self._set_kernels(weights)
        grids, self._pending_neurons = self._pending_neurons, None
        if not grids:
            return
        scene = self.window.canvas_scene
        for idx, node_id in self._neuron_nodes.items():
            g = grids.get(idx)
            if g is not None:
                scene.set_neuron_images(node_id, layer_images(g))

    def _on_evaluated(self, ev: Evaluation) -> None:
        ds = self.dataset
        if ds is None:
            return
        try:
            self.evaluation.set_result(ev.y_true, ev.probs, ds.task, ds.class_names, ev.x, ev.epoch)
        except Exception as exc:  # never let a metric edge case break training
            self.evaluation.headline.setText(f"Evaluation unavailable: {_one_line(exc)}")

    def flush_views(self) -> None:
        """Draw whatever the throttled views (curves, health, canvas, counters) still hold."""
        for throttle in (self.curves.redraw, self.health.redraw, self.canvas_redraw, self.progress_redraw):
            throttle.flush()

    def _on_paused(self, epoch: int) -> None:
        self.epoch = epoch
        self.flush_views()
        if self._epochs_budget() is None:  # no budget to span: show the data (Step keeps a budget's span)
            self.curves.fit_x_to_data()
        self.controls.set_running(False)
        self._set_locked(True, paused=True)
        self._busy = False
        self._publish()
        self.controls.set_status(f"paused at epoch {epoch}")

    def _on_finished(self, s: TrainingSession, reason: str) -> None:
        if s is not self.session:
            return
        s.thread.wait(1000)
        self.flush_views()
        self.curves.fit_x_to_data()  # the run is over: the epoch axis ends with the data
        self._absorb_session_end(s)
        self.session = None
        self.controls.set_running(False)
        self._set_locked(False)
        self._busy = False
        self._publish()
        if reason == "epochs":
            self.controls.set_status(f"finished: {self.epoch} epochs")
        elif reason == "early_stopping":
            self.controls.set_status(f"early stopping at epoch {self.epoch}")
        elif reason != "error":
            self.controls.set_status(f"stopped at epoch {self.epoch}")

    def _error(self, message: str) -> None:
        self.last_error = message
        self.controls.set_status(message, error=True)
        self.controls.set_running(False)
        canvas = getattr(self.window, "canvas", None)
        if canvas is not None and hasattr(canvas, "show_message"):
            canvas.show_message(message, "error")
        self.window.statusBar().showMessage(message, 15000)

    # ---- window / document signals ---------------------------------------------------------
    def _project_loaded(self) -> None:
        # the export side may already have restored the project's weights file into a model
        # (``adopt_model``); keep that one, training continues from it
        restored = self.model if self.has_weights else None
        self._invalidate_model()
        self.curves.clear_previous()
        self.curves.new_run()
        if restored is not None:
            self.adopt_model(restored)
        elif self.dataset is not None:
            self.ensure_model()
        self.data_panel.set_spec(self.window.document.data)
        self.data_panel.batch_spin.setValue(training_spec(self.window.document.training)["batch_size"])

    def _dataset_changed(self, ds: Any) -> None:
        self._invalidate_model()
        self._loaded_spec = copy.deepcopy(self.window.document.data)
        if ds is None:
            return
        self.boundary.set_data(
            ds.x_train, ds.y_train, ds.x_test, ds.y_test, ds.task, ds.feature_names, ds.class_names
        )
        too_many = ds.num_features > MAX_BOUNDARY_FEATURES or ds.source == "mnist"
        # image data has no meaningful input plane: the dock goes away and the digit gallery comes forward
        self.boundary_dock.setVisible(not too_many)
        if too_many:
            self.eval_dock.raise_()
        if self.data_panel.dataset is not ds and ds.summary:
            self.data_panel.summary.setPlainText(ds.summary)
        self.ensure_model()

    def _dataset_loaded(self, ds: Any, spec: dict[str, Any]) -> None:
        """The data panel finished loading: make it the project's data."""
        self.shutdown()
        doc = self.window.document
        self._loaded_spec = copy.deepcopy(spec)
        if spec != doc.data:
            doc.set_data_spec(spec)
        self.window.set_dataset(ds)

    def _data_spec_changed(self) -> None:
        """Undo/redo or another panel changed ``data``: load it in the background."""
        spec = self.window.document.data
        if self._loaded_spec is not None and spec == self._loaded_spec:
            return
        self.data_panel.set_spec(spec)
        self.data_panel.load_spec(spec)

    def _batch_size_changed(self, value: int) -> None:
        doc = self.window.document
        if doc.training.get("batch_size") != value and self.session is None:
            doc.set_training(("batch_size",), int(value))

    def _structure_changed(self) -> None:
        if self.session is None:
            if self.model is not None and self._network_key == self._current_network_key():
                return  # only positions changed (a move, auto-arrange): the weights still fit
            self._invalidate_model()
            if self.dataset is not None:
                self.ensure_model()

    def _training_changed(self) -> None:
        t = self.window.document.training
        opt = t.get("optimizer", {})
        lr = opt.get("learning_rate") if isinstance(opt, dict) else None
        if self.session is not None and self.session.is_alive():
            if isinstance(lr, int | float) and lr > 0:
                self.session.worker.set_learning_rate(float(lr))
            return
        if self.model is not None and isinstance(lr, int | float) and lr > 0 and self.has_weights:
            # only the learning rate changed? keep the trained weights, else start over
            try:
                self.model.optimizer.learning_rate = float(lr)
            except AttributeError:
                pass
        self.controls.show_progress(self.epoch, self._epochs_budget(), 0.0, self.elapsed_base)
        if self.epoch == 0 and not self.has_weights:
            self._invalidate_model()
            if self.dataset is not None:
                self.ensure_model()

    def _grid_changed(self, grid: Any) -> None:
        if self.session is not None:
            self.session.worker.set_grid(self._grid_for_job())
        elif self.model is not None:
            self._show_model_state()

    def _point_added(self, feat: np.ndarray, label: int) -> None:
        ds = self.dataset
        if ds is None:
            return
        try:
            ds.add_point(float(feat[0]), float(feat[1]), int(label))
        except Exception as exc:
            self._error(f"Cannot add point: {_one_line(exc)}")
            return
        spec = dict(self.window.document.data)
        spec["points"] = [list(p) for p in ds.added_points]
        self._loaded_spec = copy.deepcopy(spec)
        self.window.document.set_data_spec(spec, "Add point")
        if self.session is not None and self.model is not None:
            y_tr, _ = ds.targets(self.model.loss.name)
            self.session.worker.replace_training_data(ds.x_train, y_tr)
        self.controls.set_status(f"{len(ds.added_points)} point(s) added")

    def _points_cleared(self) -> None:
        spec = dict(self.window.document.data)
        if "points" in spec:
            spec.pop("points")
            self.shutdown()
            self.window.document.set_data_spec(spec, "Clear added points")


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def install_training(window: QWidget) -> TrainingController:
    """Create the training side for ``window`` (kept as ``window.training``)."""
    controller = TrainingController(window)
    window.training = controller
    return controller
