"""Copies of a model that the GUI thread may read while the training worker changes it in place."""

from __future__ import annotations

from typing import Any


def snapshot_model(model: Any, weights: list[Any] | None = None) -> Any:
    """An independent copy of ``model`` (same config; loss/optimizer referenced for codegen) holding
    ``weights`` (a flat list, as ``model.get_weights()`` gives it) or else ``model``'s own weights."""
    from core.model import Sequential

    clone = Sequential.from_config(model.get_config())
    clone.build(model.input_dim, seed=0)
    clone.set_weights(model.get_weights() if weights is None else weights)
    clone.epochs_trained = getattr(model, "epochs_trained", 0)
    clone.training_history = model.training_history.copy()
    clone.loss = getattr(model, "loss", None)
    clone.optimizer = getattr(model, "optimizer", None)
    return clone


class ReadableCopy:
    """One copy of a model holding the latest weight copies the training worker sent: the same object
    until newer weights arrive (then updated in place, never rebuilt for the same model)."""

    def __init__(self) -> None:
        #: (model, its copy, the worker weights the copy holds)
        self._held: tuple[Any, Any, Any] | None = None

    def drop(self) -> None:
        """The model was replaced: the copy of the old one would keep it alive."""
        self._held = None

    def of(self, model: Any, weights: list[list[Any]]) -> Any:
        """The copy of ``model`` holding ``weights`` (per layer, as ``layer.get_weights()`` lists them);
        None when they do not fit a new copy of ``model``."""
        flat = [w for layer in weights for w in layer]
        cached = self._held
        if cached is not None and cached[0] is model:
            if cached[2] is not weights:
                try:
                    cached[1].set_weights(flat)
                except ValueError:  # not this network's shapes: keep the weights shown before
                    return cached[1]
                self._held = (model, cached[1], weights)
            return cached[1]
        try:
            clone = snapshot_model(model, flat)
        except ValueError:
            return None
        self._held = (model, clone, weights)
        return clone
