"""``data.target_scaling: "standard"``: a regression network learns standardized targets.

Targets far from zero or with a large spread (prices, counts, 150 ± 77 on the diabetes data) make the
output layer's bias and weights travel far from their initial values, and with SGD the loss gradient
grows with the target scale until training diverges. Standardizing the targets with the training
split's mean ``m`` and standard deviation ``s`` keeps the output layer near N(0, 1).

How it is undone everywhere at once: the model gets one more, fixed layer after the output,
``Normalization(mean=-m/s, variance=1/s**2)``, which computes ``z * s + m``. So ``predict``, the
evaluation, the decision-boundary heatmap and every export (npz, safetensors, ONNX, PyTorch) give
values in target units with no extra code. The loss is measured on standardized values,
``loss((y - m)/s, (y_pred - m)/s)``, so its gradient at the output layer is that of training on
standardized targets and the reported loss is in standardized units (MAE, RMSE and R² stay in
target units).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from core.losses import Loss

#: name of the trailing layer that turns standardized outputs back into target units
LAYER_NAME = "target_scaling"
MODES = ("none", "standard")


def target_statistics(y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-target mean and standard deviation of training targets ``y`` (n,) or (n, k); std 0 -> 1."""
    y2 = np.asarray(y, dtype=np.float64).reshape(len(y), -1)
    mean = y2.mean(axis=0)
    std = y2.std(axis=0)
    return mean, np.where(std > 0, std, 1.0)


def inverse_layer(mean: np.ndarray, std: np.ndarray) -> Any:
    """The fixed layer ``z * std + mean`` (a Normalization, which every exporter already writes)."""
    from core.layers import Normalization

    return Normalization(mean=-mean / std, variance=1.0 / std**2, name=LAYER_NAME)


def is_inverse_layer(layer: Any) -> bool:
    """True for the trailing layer :func:`inverse_layer` made."""
    return type(layer).__name__ == "Normalization" and getattr(layer, "name", None) == LAYER_NAME


class StandardizedLoss(Loss):
    """``base`` measured on standardized targets and predictions: ``base((y - m)/s, (p - m)/s)``.

    Named and configured as ``base`` (``mse``, ``mae``, ``huber``), so configs and exports show the
    loss the user chose.
    """

    fused_activation = None

    def __init__(self, base: Loss, mean: np.ndarray, std: np.ndarray) -> None:
        self.base = base
        self.name = base.name
        self.mean = np.asarray(mean, dtype=np.float64)
        self.inv_std = 1.0 / np.asarray(std, dtype=np.float64)

    def _standardize(self, a: np.ndarray) -> np.ndarray:
        return ((a - self.mean) * self.inv_std).astype(a.dtype, copy=False)

    def prepare_targets(self, y: Any, units: int, dtype: Any) -> np.ndarray:
        return self.base.prepare_targets(y, units, dtype)

    def value(self, y: np.ndarray, p: np.ndarray) -> float:
        return self.base.value(self._standardize(y), self._standardize(p))

    def value_and_grad(self, y: np.ndarray, p: np.ndarray, out: np.ndarray) -> float:
        v = self.base.value_and_grad(self._standardize(y), self._standardize(p), out)
        out *= self.inv_std.astype(out.dtype, copy=False)  # chain rule through (p - m) / s
        return v

    def get_config(self) -> dict[str, Any]:
        return self.base.get_config()
