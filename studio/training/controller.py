"""The training side of a main window: model lifecycle, run control and the one run state.

The main window creates ``TrainingController(window, workspace)`` once. The model with trained,
imported or edited weights lives only in ``workspace.model``: the controller's
:class:`~studio.training.shown_model.ShownModel` puts it there when training starts (or a weight is
edited) and the controller adopts a model that others put there (Open with a weights file, Import
weights); before that it holds just the freshly initialized model it shows. The busy
reason goes to ``workspace.busy`` while a training step may run. Everything here runs in the GUI
thread; training runs in a :class:`studio.training.session.TrainingSession`'s threads. The run
state (:mod:`studio.training.state`) is the only record of whether a run exists, runs or is paused:
the toolbar, the status bar's run status, the Evaluation note and the canvas lock banner are all
drawn from its ``state_changed`` signal. Signals from a session that was replaced, or that belong
to a model no longer current, are ignored.
"""

from __future__ import annotations

import random
from typing import Any

import numpy as np
from PySide6.QtCore import QObject

from studio.background import one_line
from studio.training.data_tab import DataTab
from studio.training.job import TrainingJob
from studio.training.link_weights import LinkWeights
from studio.training.run import RunControl, epochs_budget, run_label
from studio.training.session import TrainingSession
from studio.training.shown_model import ShownModel
from studio.training.state import RunState, RunStatus
from studio.training.toolbar import TrainingControls
from studio.training.views import TrainingViews
from studio.workspace import TRAINING_BUSY, Workspace


class TrainingController(QObject):
    """Owns the training side of one main window: ``run`` (:class:`~studio.training.run.RunControl`:
    session, state, counters), the views, and ``shown`` (the model shown and trained, and building it)."""

    def __init__(self, window: Any, workspace: Workspace) -> None:
        super().__init__(window)
        self.window = window
        self.workspace = workspace
        self._locked: str | None = None

        self.views = TrainingViews(window, workspace, window.inspector_dock)
        v = self.views
        self.shown = ShownModel(window, workspace, v)
        self.curves, self.boundary = v.curves, v.boundary
        self.health, self.evaluation = v.health, v.evaluation
        self.curves_dock, self.health_dock = v.curves_dock, v.health_dock
        self.eval_dock, self.boundary_dock = v.eval_dock, v.boundary_dock
        self.controls = TrainingControls(window.training_toolbar, window.training_menu, window.statusBar())
        zoom = window.zoom_label  # the zoom level stays in the corner, after the run's status
        window.statusBar().removeWidget(zoom)
        window.statusBar().addPermanentWidget(zoom)
        zoom.show()
        self.run = RunControl(self.controls, self.shown.current, self)
        self.run.paint_frame, self.run.heavy_frame = v.paint_now, v.heavy_frame
        self.links = LinkWeights(window, workspace, v, self.shown.current, lambda: self.run.busy)
        self.link_editor = self.links.editor
        self.links.weight_set.connect(self._weight_set)
        self.links.keep_weights = self.shown.keep_weights

        c = self.controls
        c.play_pause.connect(self.play_pause)
        c.step.connect(self.step_epoch)
        c.stop.connect(self.stop)
        c.reset.connect(self.reset)
        c.speed_changed.connect(v.pace)
        v.pace(c.speed_limit())
        r = self.run
        r.state.state_changed.connect(self._draw_state)
        # while a run is active the GUI reads the worker's weight copies, never the model it trains
        r.snapshot.connect(lambda snap: workspace.note_worker_weights(snap.weights))
        r.snapshot.connect(v.add_snapshot)
        r.evaluated.connect(v.show_evaluation)
        r.paused.connect(self._on_paused)
        r.ended.connect(self._on_ended)
        r.busy_changed.connect(lambda busy: workspace.set_busy(TRAINING_BUSY if busy else None))
        r.busy_changed.connect(lambda _busy: self.links.refresh())
        self.boundary.grid_changed.connect(self._grid_changed)
        workspace.dataset_changed.connect(self._dataset_changed)
        workspace.project_replaced.connect(self._project_loaded)
        workspace.model_changed.connect(self._model_changed)
        workspace.weights_edited.connect(self.shown.show)
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
    def model(self) -> Any:
        """The network shown and trained (:meth:`ShownModel.current`; None when nothing builds)."""
        return self.shown.current()

    @property
    def last_error(self) -> str | None:
        """Why the network does not build or why the last run failed, else None."""
        return self.shown.last_error

    @property
    def has_weights(self) -> bool:
        """The model holds trained, imported or edited weights (it is ``workspace.model``)."""
        return self.workspace.model is not None

    @property
    def session(self) -> TrainingSession | None:
        """The worker session of the current run (None when no run is active)."""
        return self.run.session

    @property
    def epoch(self) -> int:
        """Epochs the current model has been trained for (continued from its weights file when opened)."""
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
            self.shown.last_error = status.note

    def _model_changed(self, model: Any) -> None:
        """Someone put a model into the workspace (Open with weights, Import weights: Play/Step continue
        from it) or dropped it (new data, another network or project: their own signals end the run)."""
        if model is None:
            self.links.refresh()
        elif not self.shown.holds(model):
            self.adopt_model(model)

    # ---- model lifecycle -------------------------------------------------------------------
    def end_run(self, note: str) -> None:
        """End the current run, if one exists (active or finished), saying ``note``; the weights stay."""
        self.run.end(note)

    def _invalidate_model(self, reason: str = "") -> None:
        """The network, data or settings changed: the next Play starts a new run from fresh weights.

        A run that existed ends with "Run ended: ``reason``"; its curves stay as a faded previous run.
        """
        self.run.end(f"Run ended: {reason}" if reason else "")
        # whatever ended the run before (new data ends it, and drops the model, before this is called),
        # curves that have data become a previous run: the next run never draws on top of them
        self.curves.new_run(run_label(self.workspace.document))
        self.shown.forget()
        self.views.clear_model(self.dataset is not None)
        self.health.clear()
        self.evaluation.clear()
        self.controls.show_progress(0, self._budget(), 0.0, 0.0)
        self.curves.set_budget(self._budget())
        self.links.refresh()

    def adopt_model(self, model: Any) -> None:
        """Continue from ``model`` (imported weights, or a project opened with its weights file).

        Ends the current run; the next Play/Step trains this very model (nothing is re-initialized),
        continuing its epoch count (``model.epochs_trained``, which its weights file recorded), and the
        toolbar, the canvas links and the decision boundary show it.
        """
        if model is None:
            return
        self.run.end("Run ended: weights were loaded")
        self.run.epoch = int(getattr(model, "epochs_trained", 0))
        self.controls.show_progress(self.epoch, self._budget(), 0.0, 0.0)
        self.curves.new_run(run_label(self.workspace.document))  # fades the curves if they have data
        rows = model.training_history.rows()
        if rows:  # the curves of the epochs its weights file recorded
            self.curves.add_snapshot(np.zeros((0, 2)), rows, 1, epochs=self._budget())
            self.curves.redraw.flush()
        if self.epoch and (not rows or rows[0][0] > 1):  # "Epoch 300 / 300" beside empty curves: say why
            shown = f"curves from epoch {rows[0][0]}" if rows else "saved without curves"
            self.curves.status.setText(f"{self.epoch} epochs trained before\n({shown})")
        self.shown.adopt(model)
        self.links.refresh()
        self.views.evaluate_in_background(
            model, lambda: self.model is model and self.session is None
        )

    def _budget(self) -> int | None:
        return epochs_budget(self.workspace.document)

    def ensure_model(self, interactive: bool = False) -> bool:
        """Build the model for the current network and data if needed (:meth:`ShownModel.ensure`)."""
        return self.shown.ensure(interactive)

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
        """Stop and re-initialize the weights; the finished run fades.

        A new seed is drawn (and written into the project, so a save keeps the seed used) unless the
        seed is locked in the Network tab, in which case the same run starts again.
        """
        if not self.workspace.seed_locked:
            seed = random.SystemRandom().randrange(2**31 - 1)
            self.window.document.set_training(("seed",), seed)
        self._invalidate_model()
        self.run.state.set(RunState.IDLE, epoch=0, note="weights re-initialized")
        if self.dataset is not None:
            self.ensure_model()

    def shutdown(self) -> bool:
        """Stop the worker and join its threads (< 1 s), end the picture process. True when they ended."""
        return self.run.close()

    def _start(self, running: bool, step_epochs: int = 1) -> None:
        self.shown.last_error = None
        if not self.ensure_model(interactive=True):
            return
        budget = self._budget()
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
            self.curves.set_run_label(run_label(self.workspace.document))
        self.shown.keep_weights()  # from here on the weights are the trained ones
        self.run.start(job, running, step_epochs)

    def _make_job(self) -> TrainingJob:
        from core.run import prepare_run

        run = prepare_run(self.workspace.project, self.dataset, model=self.model)
        return TrainingJob.from_run(run, self._budget(), start_epoch=self.epoch,
                                    grid=self.views.grid_for(self.dataset),
                                    neuron_images=bool(self.views.neuron_nodes))

    # ---- run signals -----------------------------------------------------------------------
    def flush_views(self) -> None:
        """Draw whatever the throttled views (curves, health, canvas, counters) still hold."""
        self.views.flush()
        self.run.draw_progress()

    def _on_paused(self, epoch: int) -> None:
        self.flush_views()
        if self._budget() is None:  # no budget to span: show the data (Step keeps a budget's span)
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
        self.run.state.set(RunState.IDLE, epoch=self.epoch, note="")  # a new project starts without a run

    def _dataset_changed(self, ds: Any) -> None:
        self._invalidate_model("the data changed")
        if ds is None:
            return
        self.views.show_data(ds)
        self.ensure_model()

    def _structure_changed(self) -> None:
        if self.session is None:
            if self.model is not None and self.shown.fits_network():
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
        if self.has_weights and isinstance(lr, int | float) and lr > 0:
            # only the learning rate changed? keep the trained weights, else start over
            try:
                self.model.optimizer.learning_rate = float(lr)
            except AttributeError:
                pass
        budget = self._budget()
        self.controls.show_progress(self.epoch, budget, 0.0, self.run.elapsed_base)
        if self.epoch == 0 and not self.has_weights:
            self._invalidate_model()
            if self.dataset is not None:
                self.ensure_model()

    def _grid_changed(self, grid: Any) -> None:
        if self.session is not None:
            self.session.worker.set_grid(self.views.grid_for(self.dataset))
        elif self.model is not None:
            self.shown.show()
