"""The network a window shows and trains, and building it.

Until its weights are worth keeping (training starts, a weight is edited) the model is a freshly
initialized one held here; from then on it lives only in ``workspace.model``, where others may also
put one (Open with a weights file, Import weights). A network that does not build (no data, not one
chain from Input to Output, bad settings) says why in the canvas banner until it builds again.
"""

from __future__ import annotations

from typing import Any

from studio.background import one_line
from studio.training.views import TrainingViews
from studio.workspace import Workspace, network_key


class ShownModel:
    """The model of one window (GUI thread only). ``last_error``: why the network does not build or
    why the last run failed, else None."""

    def __init__(self, window: Any, workspace: Workspace, views: TrainingViews) -> None:
        self.window = window
        self.workspace = workspace
        self.views = views
        self._fresh: Any = None  # freshly initialized weights: not worth keeping until trained or edited
        self._network_key: str | None = None  # the layers the model was built for
        self.last_error: str | None = None

    def current(self) -> Any:
        """The network shown and trained: ``workspace.model`` once it holds weights worth keeping,
        before that the freshly initialized one (None when the network or the data do not build).
        The run asks with every frame."""
        return self.workspace.model if self.workspace.model is not None else self._fresh

    def holds(self, model: Any) -> bool:
        """``model`` is the workspace's and already the one shown: there is nothing to adopt."""
        return model is self.current() and self._fresh is None

    def fits_network(self) -> bool:
        """The model was built for the canvas's layers as they are (a move or auto-arrange keeps it)."""
        return self._network_key == network_key(self.workspace.document.graph)

    def keep_weights(self) -> None:
        """The fresh model's weights are about to change (training starts, a weight is edited): the
        workspace holds them from now on; weights it already holds become unsaved."""
        if self.workspace.model is None and self._fresh is not None:
            model, self._fresh = self._fresh, None
            self.workspace.set_model(model)
        else:
            self.workspace.mark_weights_unsaved()

    def forget(self) -> None:
        """The network, data or settings changed: no model until the next :meth:`ensure`."""
        self._fresh = None
        if self.workspace.model is not None:
            self.workspace.set_model(None)
        self._network_key = None

    def adopt(self, model: Any) -> None:
        """``model`` is the one from now on (it goes into the workspace if it is not there): show it."""
        self._fresh = None
        if model is not self.workspace.model:
            self.workspace.set_model(model)
        self.clear_error()
        self._network_key = network_key(self.workspace.document.graph)
        self.show()

    def ensure(self, interactive: bool = False) -> bool:
        """Build the model for the current network and data if needed; False (with a message) on errors.

        A blank canvas is not an error until the user presses Play/Step (``interactive``): its own
        "Start a network" hint says what to do, a red "Cannot build" banner over it would only shout.
        """
        if self.current() is not None:
            return True
        graph = self.workspace.document.graph
        dataset = self.workspace.dataset
        if not graph.nodes and not interactive:
            self.views.clear_model(dataset is not None)
            self.clear_error()
            return False
        if dataset is None:
            self.views.clear_model(False)
            self._error("No data loaded: pick a data set in the Data tab.")
            return False
        if graph.chain() is None:  # e.g. the link into the output was removed: the layer list alone
            problems = [p.message for p in graph.validate() if p.severity == "error"]  # would still build
            self.views.clear_model(True, "Cannot build the network (the message is on the canvas)")
            detail = " ".join(problems) or "the layers are not one chain from Input to Output."
            self._error(f"Cannot build the network: {detail}")
            return False
        try:
            self._fresh = self.workspace.build_model()
        except Exception as exc:  # ProjectError lists every problem; show them in one line
            self.views.clear_model(True, "Cannot build the network (the message is on the canvas)")
            self._error(f"Cannot build the network: {one_line(exc)}")
            return False
        self._network_key = network_key(self.workspace.document.graph)
        self.clear_error()
        self.show()
        return True

    def show(self) -> None:
        """Draw the model in the views: the canvas's layers and the decision boundary."""
        model = self.current()
        self.views.map_layers(model, self.workspace.document.graph)
        self.views.show_model(model, self.views.grid_for(self.workspace.dataset))

    def _error(self, message: str) -> None:
        """A problem outside a run (the network does not build, no data): one place, the canvas banner,
        shown in full until the problem is fixed (the status bar would cut it and repeat it)."""
        self.last_error = message
        self.window.canvas.show_message(message, "error", msec=0)

    def clear_error(self) -> None:
        """The network builds again: take down the "Cannot build…"/"No data…" message wherever it shows."""
        message, self.last_error = self.last_error, None
        if not message:
            return
        w = self.window
        if w.canvas.message_text() == message:
            w.canvas.clear_message()
