"""Clicking a weighted link on the canvas shows its weight; while no training step can run it is editable.

:class:`LinkWeights` wires the canvas' ``link_clicked`` to the weight popup
(:class:`studio.canvas.link_editor.LinkWeightEditor`) and writes edits through
``Workspace.set_weight`` (undoable like every other edit) into the live kernel, a view into the model's
parameter buffer, so training continues from the edited value.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, Signal

from studio.canvas.link_editor import LinkWeightEditor
from studio.training.views import TrainingViews
from studio.workspace import Workspace

READ_ONLY_REASON = "Pause or stop training to edit the weight."


class LinkWeights(QObject):
    """The weight popup of one window. ``model()`` returns the current model (or None), ``busy()``
    True while a training step may run; ``weight_set(str message)`` follows every accepted edit."""

    weight_set = Signal(str)

    def __init__(self, window: Any, workspace: Workspace, views: TrainingViews, model: Callable[[], Any],
                 busy: Callable[[], bool]) -> None:
        super().__init__(window)
        self.window = window
        self.workspace = workspace
        self.views = views
        #: called before the first edit of a fresh model, so the workspace holds it as edited weights
        self.keep_weights: Callable[[], None] = lambda: None
        self._model = model
        self._busy = busy
        self.editor = LinkWeightEditor(window.canvas)
        self.editor.weight_edited.connect(self.set_weight)
        window.canvas_scene.link_clicked.connect(self._clicked)
        views.on_kernels.append(self._follow)

    def refresh(self) -> None:
        """No model: close the popup; otherwise make it editable exactly when no step can run."""
        if self._model() is None:
            self.editor.hide()
        elif self.editor.isVisible():
            self.editor.set_editable(not self._busy(), READ_ONLY_REASON)

    def kernel_for(self, node_id: str) -> np.ndarray | None:
        """The live (inputs, units) kernel of the layer drawn as ``node_id``."""
        model, idx = self._model(), self.views.layer_of(node_id)
        if model is None or idx is None:
            return None
        return getattr(model.layers[idx], "params", {}).get("kernel")

    def _clicked(self, src: str, dst: str, i: int, j: int, scene_pos: Any) -> None:
        """Open the weight popup for ``src`` unit ``i`` → ``dst`` unit ``j`` (read-only while running)."""
        kernel = self.kernel_for(dst)
        if kernel is None or not (0 <= i < kernel.shape[0] and 0 <= j < kernel.shape[1]):
            return
        busy = self._busy()
        shown = self.window.canvas_scene.links.get((src, dst))
        if busy and shown is not None and shown.weights is not None:
            value = float(shown.weights[i, j])  # the copy last drawn: the worker owns the live model
        else:
            value = float(kernel[i, j])
        view = self.window.canvas
        self.editor.open_at(src, dst, i, j, value, view.mapFromScene(scene_pos), not busy, READ_ONLY_REASON)

    def set_weight(self, src: str, dst: str, i: int, j: int, value: float) -> bool:
        """Write ``value`` into the kernel (only while no training step can run); False when refused."""
        if self._busy() or self._model() is None:
            return False
        kernel, idx = self.kernel_for(dst), self.views.layer_of(dst)
        if kernel is None or idx is None or not (0 <= i < kernel.shape[0] and 0 <= j < kernel.shape[1]):
            return False
        self.keep_weights()
        text = f"Weight {src}[{i + 1}] → {dst}[{j + 1}]"
        if not self.workspace.set_weight(idx, i, j, value, text):
            return False
        self.weight_set.emit(f"weight {src} neuron {i + 1} → {dst} neuron {j + 1} set to {value:.4g}")
        return True

    def _follow(self, weights: list[list[np.ndarray]]) -> None:
        """Keep the open popup's value in step with the drawn weights (unless the user is typing)."""
        ed = self.editor
        if not ed.isVisible() or ed.key is None or ed.spin.hasFocus():
            return
        idx = self.views.layer_of(ed.key[1])
        if idx is not None and idx < len(weights) and weights[idx]:
            k = weights[idx][0]
            if ed.key[2] < k.shape[0] and ed.key[3] < k.shape[1]:
                ed.set_value(float(k[ed.key[2], ed.key[3]]))
