"""The training side of a main window: model lifecycle, run control and the one run state.

The main window creates ``TrainingController(window, workspace)`` once. The controller publishes the
model with trained weights as ``workspace.model`` and the busy reason as ``workspace.busy``, and adopts
a model that others put there (Open with a weights file, Import weights). Everything here runs in the GUI
thread; training runs in a :class:`studio.training.session.TrainingSession`'s threads. The run
state (:mod:`studio.training.state`) is the only record of whether a run exists, runs or is paused:
the toolbar, the status bar's run status, the Evaluation note and the canvas lock banner are all
drawn from its ``state_changed`` signal. Signals from a session that was replaced, or that belong
to a model no longer current, are ignored.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import QObject

from core.project import training_spec
from studio.background import run_in_background
from studio.training.data_tab import DataTab
from studio.training.job import Evaluation, TrainingJob
from studio.training.link_weights import LinkWeights
from studio.training.run import RunControl
from studio.training.session import TrainingSession
from studio.training.state import RunState, RunStatus
from studio.training.toolbar import TrainingControls
from studio.training.views import TrainingViews
from studio.workspace import TRAINING_BUSY, Workspace, network_key, snapshot_model

#: ``workspace.busy`` while a run is active (Export/Import/Save of weights wait for a pause).
BUSY_REASON = TRAINING_BUSY


class TrainingController(QObject):
    """Owns the training side of one main window: ``model`` (the network trained, or None),
    ``run`` (:class:`~studio.training.run.RunControl`: session, state, counters), the views."""

    def __init__(self, window: Any, workspace: Workspace) -> None:
        super().__init__(window)
        self.window = window
        self.workspace = workspace
        self.model: Any = None
        self.last_error: str | None = None
        #: the model holds trained, imported or edited weights (not just a fresh initialization)
        self.has_weights = False
        self._network_key: str | None = None
        self._locked: str | None = None

        self.views = TrainingViews(window, workspace, window.inspector_dock)
        v = self.views
        self.curves, self.boundary = v.curves, v.boundary
        self.health, self.evaluation = v.health, v.evaluation
        self.curves_dock, self.health_dock = v.curves_dock, v.health_dock
        self.eval_dock, self.boundary_dock = v.eval_dock, v.boundary_dock
        self.controls = TrainingControls(window.training_toolbar, window.training_menu, window.statusBar())
        zoom = window.zoom_label  # the zoom level stays in the corner, after the run's status
        window.statusBar().removeWidget(zoom)
        window.statusBar().addPermanentWidget(zoom)
        zoom.show()
        self.run = RunControl(self.controls, lambda: self.model, self)
        self.run.heavy_frame = v.heavy_frame
        self.links = LinkWeights(window, workspace, v, lambda: self.model, lambda: self.run.busy)
        self.link_editor = self.links.editor
        self.links.weight_set.connect(self._weight_set)
        self.links.keep_weights = self.weights_worth_keeping

        c = self.controls
        c.play_pause.connect(self.play_pause)
        c.step.connect(self.step_epoch)
        c.stop.connect(self.stop)
        c.reset.connect(self.reset)
        r = self.run
        r.state.state_changed.connect(self._draw_state)
        r.snapshot.connect(v.add_snapshot)
        r.evaluated.connect(self._on_evaluated)
        r.paused.connect(self._on_paused)
        r.ended.connect(self._on_ended)
        r.busy_changed.connect(lambda _busy: self._publish())
        self.boundary.grid_changed.connect(self._grid_changed)
        workspace.dataset_changed.connect(self._dataset_changed)
        workspace.project_replaced.connect(self._project_loaded)
        workspace.model_changed.connect(self._model_changed)
        workspace.weights_edited.connect(self._show_model)
        window.project_closing.connect(self.shutdown)
        doc = workspace.document
        doc.graph_changed.connect(self._structure_changed)
        doc.training_changed.connect(self._training_changed)
        self.data_tab = DataTab(window, workspace, self)
        self.data_panel = self.data_tab.panel
        if workspace.dataset is not None:
            self._dataset_changed(workspace.dataset)

    # ---- state -----------------------------------------------------------------------------
    @property
    def dataset(self) -> Any:
        return self.workspace.dataset

    @property
    def session(self) -> TrainingSession | None:
        """The worker session of the current run (None when no run is active)."""
        return self.run.session

    @property
    def epoch(self) -> int:
        """Epochs the current model has trained in this run."""
        return self.run.epoch

    @property
    def status(self) -> RunStatus:
        """The run state every view is drawn from."""
        return self.run.state.status

    def is_training(self) -> bool:
        """True while the run state is running (the worker trains)."""
        return self.run.state.state is RunState.RUNNING

    def _draw_state(self, status: RunStatus) -> None:
        """Every view of the run, from ``status``: toolbar, status bar, Evaluation note, lock banner."""
        self.controls.show_status(status)
        self.evaluation.set_note(status.evaluation_note())
        reason = status.lock_reason()
        if reason != self._locked:
            self._locked = reason
            self.window.set_training_locked(reason is not None, reason or "")
        if status.state is RunState.FAILED:
            self.last_error = status.note

    def _publish(self) -> None:
        """Publish ``workspace.model`` (the model once it holds trained/imported/edited weights; None
        before, and after Reset or a change of the network) and ``workspace.busy`` (while a step may run)."""
        ws = self.workspace
        ws.set_busy(BUSY_REASON if self.run.busy else None)
        model = self.model if self.has_weights else None
        if model is not ws.model:
            ws.set_model(model)
        self.links.refresh()

    def _model_changed(self, model: Any) -> None:
        """Someone else put a model into the workspace (Open with weights, Import) or dropped it."""
        if model is self.model and (model is None or self.has_weights):
            return
        if model is not None:
            self.adopt_model(model)  # Play/Step continue from these weights
        elif self.has_weights:
            self._invalidate_model()
            if self.dataset is not None:
                self.ensure_model()

    # ---- model lifecycle -------------------------------------------------------------------
    def end_run(self, note: str) -> None:
        """End the current run, if one exists (active or finished), saying ``note``; the weights stay."""
        self.run.end(note)

    def _invalidate_model(self, reason: str = "") -> None:
        """The network, data or settings changed: the next Play starts a new run from fresh weights.

        A run that existed ends with "Run ended: ``reason``"; its curves stay as a faded previous run.
        """
        fade = self.model is not None or bool(self.epoch)
        self.run.end(f"Run ended: {reason}" if reason else "")
        if fade:
            self.curves.new_run(self._run_label())
        self.model = None
        self.has_weights = False
        self._network_key = None
        self.views.clear_model(self.dataset is not None)
        self.health.clear()
        self.evaluation.clear()
        self.controls.show_progress(0, self._epochs_budget(), 0.0, 0.0)
        self.curves.set_budget(self._epochs_budget())
        self._publish()

    def _current_network_key(self) -> str:
        return network_key(self.workspace.document.graph)

    def adopt_model(self, model: Any) -> None:
        """Continue from ``model`` (imported weights, or a project opened with its weights file).

        Ends the current run; the next Play/Step trains this very model (nothing is re-initialized),
        and the canvas links and the decision boundary show its weights.
        """
        if model is None:
            return
        fade = self.model is not None and bool(self.epoch)
        self.run.end("Run ended: weights were loaded")
        if fade:
            self.curves.new_run(self._run_label())
        self.model = model
        self.has_weights = True
        self._clear_error()
        self._network_key = self._current_network_key()
        self._show_model()
        self._publish()
        self._evaluate_adopted()

    def _evaluate_adopted(self) -> None:
        """Evaluation of an adopted model on the test split (a copy predicts in the background)."""
        ds, model = self.dataset, self.model
        if ds is None or model is None or len(ds.x_test) == 0:
            return
        clone = snapshot_model(model)
        x, y = ds.x_test, ds.y_test

        def done(probs: np.ndarray) -> None:
            current = self.model is model and self.dataset is ds and self.session is None
            if current and np.all(np.isfinite(probs)):
                self._on_evaluated(Evaluation(epoch=self.epoch, x=x, y_true=y, probs=probs))

        self._eval_task = run_in_background(
            lambda _progress: np.asarray(clone.predict(x), dtype=np.float32), done, name="evaluate"
        )

    def _run_label(self) -> str:
        """Short description of the settings, e.g. "adam lr=0.01 · 4-2" (hidden Dense units)."""
        t = self.workspace.document.training
        opt = t.get("optimizer", {})
        name = opt.get("name", "?") if isinstance(opt, dict) else str(opt)
        lr = opt.get("learning_rate", "") if isinstance(opt, dict) else ""
        label = f"{name} lr={lr}" if lr != "" else str(name)
        try:
            network = self.workspace.document.graph.to_network()
        except Exception:  # an unfinished graph: the optimizer says enough
            return label
        units = [str(la.get("units")) for la in network if la.get("type") == "dense"]
        return f"{label} · {'-'.join(units)}" if units else f"{label} · no hidden layer"

    def _epochs_budget(self) -> int | None:
        e = training_spec(self.workspace.document.training)["epochs"]
        return int(e) if isinstance(e, int) and e > 0 else None

    def ensure_model(self, interactive: bool = False) -> bool:
        """Build the model for the current network and data if needed; False (with a message) on errors.

        A blank canvas is not an error until the user presses Play/Step (``interactive``): its own
        "Start a network" hint says what to do, a red "Cannot build" banner over it would only shout.
        """
        if self.model is not None:
            return True
        graph = self.workspace.document.graph
        if not graph.nodes and not interactive:
            self.views.clear_model(self.dataset is not None)
            self._clear_error()
            return False
        if self.dataset is None:
            self.views.clear_model(False)
            self._error("No data loaded: pick a data set in the Data tab.")
            return False
        if graph.chain() is None:  # e.g. the link into the output was removed: the layer list alone
            problems = [p.message for p in graph.validate() if p.severity == "error"]  # would still build
            self.views.clear_model(True, "Cannot build the network:\\nsee the message on the canvas")
            detail = " ".join(problems) or "the layers are not one chain from Input to Output."
            self._error(f"Cannot build the network: {detail}")
            return False
        try:
            self.model = self.workspace.build_model()
        except Exception as exc:  # ProjectError lists every problem; show them in one line
            self.views.clear_model(True, "Cannot build the network:\\nsee the message on the canvas")
            self._error(f"Cannot build the network: {one_line(exc)}")
            return False
        self.has_weights = False
        self._network_key = self._current_network_key()
        self._clear_error()
        self._show_model()
        return True

    def _show_model(self) -> None:
        self.views.map_layers(self.model, self.workspace.document.graph)
        self.views.show_model(self.model, self.views.grid_for(self.dataset))

    def _error(self, message: str) -> None:
        """A problem outside a run (the network does not build, no data): canvas banner + status bar."""
        self.last_error = message
        self.window.canvas.show_message(message, "error")
        self.window.statusBar().showMessage(message, 15000)

    def _clear_error(self) -> None:
        """The network builds again: take down the "Cannot build…"/"No data…" message wherever it shows."""
        message, self.last_error = self.last_error, None
        if not message:
            return
        w = self.window
        if w.statusBar().currentMessage() == message:
            w.statusBar().clearMessage()
        if w.canvas.message_text() == message:
            w.canvas.clear_message()

    # ---- toolbar actions -------------------------------------------------------------------
    def play_pause(self) -> None:
        """Play if stopped or paused, pause if running."""
        if not self.run.toggle():
            self._start(running=True)

    def step_epoch(self) -> None:
        """Train exactly one epoch, then pause."""
        if not self.run.step(1):
            self._start(running=False)

    def train_epochs(self, epochs: int, timeout_s: float = 120.0) -> bool:
        """Train ``epochs`` more epochs and pause, running the event loop meanwhile (screenshots, tests).

        Returns True when the epochs were trained (or the run ended by itself) within ``timeout_s``.
        """
        if epochs <= 0:
            return True
        target = self.epoch + epochs
        if not self.run.step(epochs):
            self._start(running=False, step_epochs=epochs)
        ok = self.run.wait_for_pause(target, timeout_s)
        return ok and self.last_error is None

    def stop(self) -> None:
        """End the run; the trained weights stay (Play continues training them)."""
        self.run.shutdown()

    def reset(self) -> None:
        """Stop and re-initialize the weights with the seed; the finished run fades."""
        self._invalidate_model()
        self.run.state.set(RunState.IDLE, epoch=0, note="weights re-initialized")
        if self.dataset is not None:
            self.ensure_model()

    def shutdown(self) -> bool:
        """Stop the worker and join its threads (< 1 s), end the picture process. True when they ended."""
        return self.run.close()

    def _start(self, running: bool, step_epochs: int = 1) -> None:
        self.last_error = None
        if not self.ensure_model(interactive=True):
            return
        budget = self._epochs_budget()
        if budget is not None and self.epoch >= budget:
            message = f"Epoch budget of {budget} reached — Reset or raise Epochs"
            self.window.statusBar().showMessage(message, 8000)
            return
        try:
            job = self._make_job()
        except Exception as exc:
            self.run.fail(f"Cannot start training: {one_line(exc)}")
            return
        if self.epoch == 0:  # a new run: name it after the settings it starts with
            self.curves.set_run_label(self._run_label())
        self.has_weights = True  # from here on the weights are the trained ones
        self._publish()
        self.workspace.mark_weights_unsaved()
        self.run.start(job, running, step_epochs)

    def _make_job(self) -> TrainingJob:
        from core.run import prepare_run

        run = prepare_run(self.workspace.project, self.dataset, model=self.model)
        return TrainingJob.from_run(run, self._epochs_budget(), start_epoch=self.epoch,
                                    grid=self.views.grid_for(self.dataset),
                                    neuron_images=bool(self.views.neuron_nodes))

    # ---- run signals -----------------------------------------------------------------------
    def _on_evaluated(self, ev: Evaluation) -> None:
        ds = self.dataset
        if ds is None:
            return
        try:
            self.evaluation.set_result(ev.y_true, ev.probs, ds.task, ds.class_names, ev.x, ev.epoch)
        except Exception as exc:  # never let a metric edge case break training
            self.evaluation.headline.setText(f"Evaluation unavailable: {one_line(exc)}")

    def flush_views(self) -> None:
        """Draw whatever the throttled views (curves, health, canvas, counters) still hold."""
        self.views.flush()
        self.run.progress_redraw.flush()

    def _on_paused(self, epoch: int) -> None:
        self.flush_views()
        if self._epochs_budget() is None:  # no budget to span: show the data (Step keeps a budget's span)
            self.curves.fit_x_to_data()

    def _on_ended(self, reason: str) -> None:
        self.flush_views()
        self.curves.fit_x_to_data()  # the run is over: the epoch axis ends with the data

    def _weight_set(self, message: str) -> None:
        self.window.statusBar().showMessage(message, 8000)

    def set_link_weight(self, src: str, dst: str, i: int, j: int, value: float) -> bool:
        """Write ``value`` into a kernel as an undoable edit (refused while a training step can run)."""
        if self.run.busy:
            self.window.statusBar().showMessage("Pause or stop training to edit a weight.", 8000)
            return False
        return self.links.set_weight(src, dst, i, j, value)

    def weights_worth_keeping(self) -> None:
        """The model is about to hold edited weights: publish it as ``workspace.model``."""
        if self.model is not None and not self.has_weights:
            self.has_weights = True
            self._publish()

    def points_added(self) -> None:
        """Points were added to the dataset: a running session continues on the new training rows."""
        if self.session is not None and self.model is not None:
            y_tr, _ = self.dataset.targets(self.model.loss.name)
            self.session.worker.replace_training_data(self.dataset.x_train, y_tr)

    # ---- window / document signals ---------------------------------------------------------
    def _project_loaded(self) -> None:
        """New/Open: a new project; its data and trained weights arrive through the workspace."""
        self._invalidate_model()
        self.curves.clear_previous()
        self.curves.new_run()
        if self.workspace.model is not None:
            self.adopt_model(self.workspace.model)
        elif self.dataset is not None:
            self.ensure_model()
        self.run.state.set(RunState.IDLE, epoch=0, note="")  # a new project starts without a run

    def _dataset_changed(self, ds: Any) -> None:
        self._invalidate_model("the data changed")
        if ds is None:
            return
        self.views.show_data(ds)
        self.ensure_model()

    def _structure_changed(self) -> None:
        if self.session is None:
            if self.model is not None and self._network_key == self._current_network_key():
                return  # only positions changed (a move, auto-arrange): the weights still fit
            self._invalidate_model("the network changed")
            if self.dataset is not None:
                self.ensure_model()

    def _training_changed(self) -> None:
        t = self.workspace.document.training
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
        self.controls.show_progress(self.epoch, self._epochs_budget(), 0.0, self.run.elapsed_base)
        if self.epoch == 0 and not self.has_weights:
            self._invalidate_model()
            if self.dataset is not None:
                self.ensure_model()

    def _grid_changed(self, grid: Any) -> None:
        if self.session is not None:
            self.session.worker.set_grid(self.views.grid_for(self.dataset))
        elif self.model is not None:
            self._show_model()

def one_line(exc: BaseException) -> str:
    """The first line of an exception's message (its type name when empty)."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
