"""NumPy-only measurements of a model between training steps (no Qt here).

The training worker calls these in its own thread: an input-plane grid for the decision boundary,
per-layer activations over that grid (the canvas' neuron heatmaps), gradient/weight norms and the
fraction of dead ReLU units. Everything returned is a fresh array, safe to hand to the GUI thread.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from core.drawn_neurons import drawn_units
from core.target_scaling import is_inverse_layer

#: Activation names whose units can "die" (output exactly 0 for every input).
RELU_NAMES = frozenset({"relu"})


@dataclass(frozen=True)
class GridSpec:
    """A ``resolution``×``resolution`` grid over features ``axes`` of the input, the rest held at ``base``.

    ``base``: (num_features,) values for the features not on an axis (training medians).
    ``extent``: (x_min, x_max, y_min, y_max) of the plane in raw feature units.
    """

    axes: tuple[int, int]
    extent: tuple[float, float, float, float]
    base: np.ndarray
    resolution: int = 100

    @property
    def is_slice(self) -> bool:
        """True when the data has more than two features (the plane is a slice at the medians)."""
        return self.base.shape[0] > 2

    def points(self) -> np.ndarray:
        """Grid points (resolution**2, num_features); row r is y index r // res, column r % res."""
        n = self.resolution
        x0, x1, y0, y1 = self.extent
        xs = np.linspace(x0, x1, n, dtype=np.float64)
        ys = np.linspace(y0, y1, n, dtype=np.float64)
        gx, gy = np.meshgrid(xs, ys)
        pts = np.repeat(self.base[None, :].astype(np.float64), n * n, axis=0)
        pts[:, self.axes[0]] = gx.ravel()
        pts[:, self.axes[1]] = gy.ravel()
        return pts.astype(np.float32)


def make_grid_spec(
    x: np.ndarray, axes: tuple[int, int] = (0, 1), resolution: int = 100, margin: float = 0.1
) -> GridSpec:
    """Grid spanning the range of ``x`` (n, f) on ``axes`` plus ``margin`` of the span on each side."""
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2 or x.shape[1] < 1 or x.shape[0] == 0:
        raise ValueError(f"make_grid_spec expects a non-empty (n, features) array, got shape {x.shape}")
    a0, a1 = axes if x.shape[1] > 1 else (0, 0)
    ext = []
    for a in (a0, a1):
        lo, hi = float(x[:, a].min()), float(x[:, a].max())
        span = hi - lo if hi > lo else 1.0
        ext += [lo - margin * span, hi + margin * span]
    base = np.median(x, axis=0)
    return GridSpec(axes=(a0, a1), extent=tuple(ext), base=base, resolution=int(resolution))


def one_hot_groups(x: np.ndarray, feature_names: list[str]) -> dict[str, list[int]]:
    """Columns of one-hot encoded categoricals: ``{"island": [4, 5, 6], ...}``.

    A group is two or more columns named ``column=value`` with the same ``column`` whose values in
    ``x`` (n, f) are all 0 or 1 (that is how the CSV loader encodes categorical features).
    """
    groups: dict[str, list[int]] = {}
    for i, name in enumerate(feature_names):
        if "=" in name:
            groups.setdefault(name.split("=", 1)[0], []).append(i)
    x = np.asarray(x)
    return {
        g: cols for g, cols in groups.items()
        if len(cols) >= 2 and x.shape[0] and np.isin(x[:, cols], (0, 1)).all()
    }


def slice_base(
    x: np.ndarray, feature_names: list[str], axes: tuple[int, int] = (0, 1)
) -> tuple[np.ndarray, dict[str, str]]:
    """Values (f,) for the features not on the plot ``axes``, and the category chosen per group.

    Numeric features sit at their median over ``x`` (n, f). A one-hot group sits at its most frequent
    category (that column 1, the rest 0): the median would be all zeros, an input that never occurs.
    When an axis is a column of a group, the group's other columns are 0.
    """
    x = np.asarray(x, dtype=np.float64)
    base = np.median(x, axis=0)
    chosen: dict[str, str] = {}
    for group, cols in one_hot_groups(x, feature_names).items():
        base[cols] = 0.0
        if any(a in cols for a in axes):
            continue
        top = cols[int(np.argmax(x[:, cols].sum(axis=0)))]
        base[top] = 1.0
        chosen[group] = feature_names[top].split("=", 1)[1]
    return base, chosen


def activation_name(layer: object) -> str | None:
    """Name of the activation ``layer`` applies (Dense.activation.name or Activation layers), else None."""
    act = getattr(layer, "activation", None)
    if act is not None:
        return getattr(act, "name", act if isinstance(act, str) else None)
    if type(layer).__name__ == "Activation":
        return getattr(layer, "name_", None) or getattr(layer, "activation_name", None)
    return None


def forward_all(model: object, x: np.ndarray) -> list[np.ndarray]:
    """Inference-mode outputs of every layer of ``model`` for input ``x`` (n, f): list of (n, units_i).

    Uses ``layer.forward(x, training=False)``, which caches nothing, so it is safe between training steps.
    """
    outs: list[np.ndarray] = []
    h = np.asarray(x)
    dtype = getattr(model, "dtype", None)
    if dtype is not None and h.dtype != np.dtype(dtype):
        h = h.astype(dtype)
    for layer in model.layers:
        h = layer.forward(h, training=False)
        outs.append(h)
    return outs


class GridForward:
    """Inference-mode outputs of every layer over one grid's points, with reused buffers.

    The training worker evaluates the same 10,000 grid points ~30 times per second: the normalized
    input (a fixed Normalization first layer) is computed once per grid and statistics, and each Dense
    layer writes into preallocated (n, units) buffers. Returned arrays are these buffers: copy what
    must outlive the next call. Other layer types use their own inference ``forward``.
    """

    def __init__(self) -> None:
        self._key: tuple | None = None
        self._x0: np.ndarray | None = None
        self._bufs: dict[tuple, np.ndarray] = {}

    def _buf(self, key: tuple, shape: tuple[int, int], dtype: np.dtype) -> np.ndarray:
        b = self._bufs.get(key)
        if b is None or b.shape != shape or b.dtype != dtype:
            b = self._bufs[key] = np.empty(shape, dtype=dtype)
        return b

    def __call__(self, model: object, points: np.ndarray) -> list[np.ndarray]:
        """Outputs of every layer of ``model`` for ``points`` (n, f): list of (n, units_i) arrays."""
        layers = list(model.layers)
        dtype = np.dtype(getattr(model, "dtype", None) or points.dtype)
        outs: list[np.ndarray] = []
        h = points if points.dtype == dtype else points.astype(dtype)
        start = 0
        if layers and type(layers[0]).__name__ == "Normalization":
            mean, var = layers[0].get_weights()
            specs = str(getattr(layers[0], "features", None))
            key = (id(points), dtype, mean.tobytes(), var.tobytes(), specs)
            if key != self._key or self._x0 is None:
                self._x0 = np.ascontiguousarray(layers[0].forward(h, False))
                self._key = key
            h = self._x0
            outs.append(h)
            start = 1
        for i in range(start, len(layers)):
            layer = layers[i]
            fwd = getattr(getattr(layer, "activation", None), "forward", None)
            kernel = getattr(layer, "kernel", None)
            if type(layer).__name__ == "Dense" and fwd is not None and kernel is not None:
                shape = (h.shape[0], kernel.shape[1])
                z = np.matmul(h, kernel, out=self._buf((i, "z"), shape, dtype))
                if getattr(layer, "use_bias", True):
                    z += layer.bias
                h = fwd(z, self._buf((i, "a"), shape, dtype))
            else:
                h = layer.forward(h, False)
            outs.append(h)
        return outs


def neuron_layers(model: object) -> dict[int, int]:
    """Layers drawn as neuron columns on the canvas -> the layer whose output their neurons show.

    The one place that says which number stands for a neuron (heatmaps, the Explain tab's values). Every
    layer except a plain Normalization is drawn (an input layer with feature inputs draws one neuron per
    feature) and shows its own output, except the network's output layer: when fixed layers follow it
    (``data.target_scaling``'s trailing layer, :mod:`core.target_scaling`, not part of the project's
    network) it shows the model's output, what ``predict`` returns, in target units.
    """
    layers = list(model.layers)
    last = len(layers) - 1
    while last > 0 and is_inverse_layer(layers[last]):
        last -= 1
    return {i: (len(layers) - 1 if i == last else i) for i, layer in enumerate(layers[:last + 1])
            if type(layer).__name__ != "Normalization" or getattr(layer, "features", None) is not None}


def neuron_layer_indices(model: object) -> list[int]:
    """Indices of the layers drawn as neuron columns on the canvas (:func:`neuron_layers`' keys)."""
    return list(neuron_layers(model))


def pictured_units(layers: Mapping[int, int], widths: Sequence[int]) -> dict[int, list[int]]:
    """Drawn layer index -> the units (ascending indices) that get a picture: the neurons its canvas card
    draws (:func:`core.drawn_neurons.drawn_units`), but every unit of the model's output (the Output card
    marks where each class wins, an argmax over all of them).

    ``layers``: :func:`neuron_layers`; ``widths``: every layer's output width."""
    last = len(widths) - 1
    return {i: list(range(int(widths[shown]))) if shown == last else drawn_units(int(widths[shown]))
            for i, shown in layers.items()}


def neuron_grids(
    outputs: list[np.ndarray], spec: GridSpec, layers: Mapping[int, int], step: int = 3
) -> dict[int, np.ndarray]:
    """Drawn layer index -> activation images (k, h, w) float32, subsampled every ``step`` grid cells, of
    the k units :func:`pictured_units` names, in its order.

    ``outputs``: every layer's (n², units) output over the grid; ``layers``: :func:`neuron_layers`."""
    n = spec.resolution
    grids = {}
    units = pictured_units(layers, [o.shape[-1] for o in outputs])
    for i, shown in layers.items():
        a = outputs[shown].reshape(n, n, -1)[::step, ::step, units[i]]
        grids[i] = np.array(np.moveaxis(a, -1, 0), dtype=np.float32, order="C", copy=True)
    return grids


def activation_images(model: object, spec: GridSpec, step: int = 3) -> dict[int, np.ndarray]:
    """Layer index -> (k, H, W) activation grid over the plane ``spec`` for every canvas-drawn layer, of its
    pictured units (:func:`pictured_units`)."""
    outs = forward_all(model, spec.points())
    return neuron_grids(outs, spec, neuron_layers(model), step=step)


def trainable_layers(model: object) -> list[object]:
    """Layers that have gradients (trainable parameters); Normalization and Dropout are skipped."""
    return [layer for layer in model.layers if getattr(layer, "grads", None)]


def layer_norms(model: object) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Names, L2 norm of each trainable layer's last gradients, and of its weights: (L,) float64 each."""
    names, g, w = [], [], []
    for layer in trainable_layers(model):
        names.append(str(getattr(layer, "name", type(layer).__name__)))
        g.append(float(np.sqrt(sum(float(np.vdot(a, a)) for a in layer.grads.values()))))
        w.append(float(np.sqrt(sum(float(np.vdot(a, a)) for a in layer.params.values()))))
    return names, np.asarray(g, dtype=np.float64), np.asarray(w, dtype=np.float64)


def dead_relu_fraction(model: object, outputs: list[np.ndarray]) -> dict[str, float]:
    """For each ReLU layer, the fraction of units whose output is 0 for every probe row in ``outputs``."""
    res: dict[str, float] = {}
    for layer, out in zip(model.layers, outputs, strict=False):
        if activation_name(layer) in RELU_NAMES and out.ndim == 2 and out.shape[1] > 0:
            dead = np.all(out <= 0.0, axis=0)
            res[str(getattr(layer, "name", "relu"))] = float(dead.mean())
    return res


def gradient_warning(grad_norms: np.ndarray, vanish: float = 1e-6, explode: float = 1e3) -> str | None:
    """A one-line warning when the smallest gradient norm vanishes or the largest explodes, else None."""
    if grad_norms.size == 0:
        return None
    if not np.all(np.isfinite(grad_norms)):
        return "Exploding gradients: a gradient norm is not finite"
    hi, lo = float(grad_norms.max()), float(grad_norms.min())
    if hi > explode:
        return f"Exploding gradients: largest layer gradient norm {hi:.3g} > {explode:g}"
    if lo < vanish:
        return f"Vanishing gradients: smallest layer gradient norm {lo:.2g} < {vanish:g}"
    return None


def copy_weights(model: object) -> list[list[np.ndarray]]:
    """Copies of every layer's weights (``layer.get_weights()``), one list per layer."""
    return [[np.array(w, copy=True) for w in layer.get_weights()] for layer in model.layers]
