"""Shared pieces of the export formats: tensor names, atomic writes, all-or-nothing weight loading.

Tensor names (the same in ``.npz``, ``.safetensors`` and the PyTorch loader):
``layer{i}.{name}.{weight}`` where ``i`` is the 0-based index in ``model.layers``, ``name`` the
layer's name (``dense_1``) and ``weight`` one of ``kernel`` (inputs, units), ``bias`` (units,)
for Dense, ``alpha`` (units,) for PReLU, ``mean`` / ``variance`` (features,) for Normalization.
Layers without weights (Dropout, Activation) have no tensors. Example:
``layer0.normalization.mean``, ``layer1.dense_1.kernel``, ``layer1.dense_1.bias``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from core.atomic import write_atomically
from core.errors import ExportError

FORMAT = "ffstudio-weights"
VERSION = 1

# Weight names per layer class, in the order ``layer.get_weights()`` returns them.
_WEIGHT_NAMES: dict[str, tuple[str, ...]] = {
    "Dense": ("kernel", "bias"),
    "PReLU": ("alpha",),
    "Normalization": ("mean", "variance"),
}


def layer_weight_names(layer: Any) -> list[str]:
    """Names of ``layer``'s weights in ``get_weights()`` order (``[]`` for Dropout/Activation)."""
    weights = layer.get_weights()
    if not weights:
        return []
    declared = getattr(layer, "weight_names", None)
    if callable(declared):
        names = [str(n) for n in declared()]
        if len(names) == len(weights):
            return names
    params = getattr(layer, "params", None)
    if isinstance(params, Mapping) and len(params) == len(weights) and all(
        np.shape(p) == np.shape(w) for p, w in zip(params.values(), weights, strict=True)
    ):
        return [str(k) for k in params]
    known = _WEIGHT_NAMES.get(type(layer).__name__)
    if known is not None and len(weights) <= len(known):
        return list(known[: len(weights)])
    return [f"w{j}" for j in range(len(weights))]


def tensor_prefix(index: int, layer: Any) -> str:
    """``layer{i}.{name}`` for ``layer`` at position ``index``."""
    name = getattr(layer, "name", None) or type(layer).__name__.lower()
    return f"layer{index}.{name}"


def named_weights(model: Any) -> dict[str, np.ndarray]:
    """All weights of ``model`` keyed by tensor name (see module docstring), as C-contiguous copies."""
    out: dict[str, np.ndarray] = {}
    for i, layer in enumerate(model.layers):
        names = layer_weight_names(layer)
        for key, w in zip(names, layer.get_weights(), strict=True):
            out[f"{tensor_prefix(i, layer)}.{key}"] = np.ascontiguousarray(np.array(w, copy=True))
    return out


def require_built(model: Any) -> None:
    """Raise ExportError unless ``model`` has weights."""
    if not getattr(model, "built", True) or not model.layers:
        raise ExportError("the network has no weights yet: build or train it first")


def architecture(model: Any) -> dict[str, Any]:
    """``model.get_config()`` made JSON-safe."""
    try:
        cfg = model.get_config()
        return json.loads(json.dumps(cfg, default=_json_default))
    except (TypeError, ValueError) as exc:
        raise ExportError(f"the network configuration is not JSON-serializable: {exc}") from None


def _json_default(obj: Any) -> Any:
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    raise TypeError(f"{type(obj).__name__} is not JSON-serializable")


def header(model: Any, preprocessing: Mapping[str, Any] | None) -> dict[str, Any]:
    """The JSON document stored beside the tensors: format, version, architecture, preprocessing."""
    return {
        "format": FORMAT,
        "version": VERSION,
        "architecture": architecture(model),
        "preprocessing": json.loads(json.dumps(dict(preprocessing or {}), default=_json_default)),
        "tensors": list(named_weights(model)),
    }


def read_bytes(path: str | os.PathLike[str]) -> bytes:
    """The whole file at ``path``; a missing or unreadable file is an ExportError naming it."""
    source = os.fspath(path)
    try:
        with open(source, "rb") as fh:
            return fh.read()
    except FileNotFoundError:
        raise ExportError(f"{source}: file not found") from None
    except OSError as exc:
        raise ExportError(f"{source}: cannot read ({exc.strerror or exc})") from None


def atomic_write(path: str | os.PathLike[str], write: Callable[[Any], None], what: str = "file") -> str:
    """Call ``write(fh)`` on a temporary binary file beside ``path`` and rename it into place.

    Nothing is left behind when writing fails; the error becomes an ExportError naming ``path``.
    Returns the absolute path written.
    """
    target = os.path.abspath(os.fspath(path))
    directory = os.path.dirname(target)
    if os.path.isdir(target):
        raise ExportError(f"cannot write {what} {target}: it is a directory")
    if not os.path.isdir(directory):
        raise ExportError(f"cannot write {what} {target}: folder {directory} does not exist")
    try:
        return write_atomically(target, write)
    except OSError as exc:
        raise ExportError(f"cannot write {what} {target}: {exc.strerror or exc}") from None


def _shape(s: tuple[int, ...]) -> str:
    return "(" + ", ".join(str(int(d)) for d in s) + (",)" if len(s) == 1 else ")")


def apply_named_weights(model: Any, tensors: Mapping[str, np.ndarray], source: str,
                        file_arch: Mapping[str, Any] | None = None) -> None:
    """Set ``model``'s weights from ``tensors`` (name -> array); all-or-nothing.

    Tensors are matched by layer index and weight name (``layer{i}.*.{weight}``); layer names may
    differ. Every mismatch is reported, layer by layer, in one ExportError
    (``layer 2 kernel: file has (8, 4), network needs (8, 3)``) and the model is left unchanged.
    """
    require_built(model)
    by_slot: dict[tuple[int, str], tuple[str, np.ndarray]] = {}
    problems: list[str] = []
    for key, arr in tensors.items():
        parts = key.split(".")
        if len(parts) < 3 or not parts[0].startswith("layer") or not parts[0][5:].isdigit():
            problems.append(f"tensor {key!r} is not named layer<i>.<name>.<weight>")
            continue
        by_slot[(int(parts[0][5:]), parts[-1])] = (key, arr)
    new: list[tuple[Any, list[np.ndarray]]] = []
    used: set[tuple[int, str]] = set()
    for i, layer in enumerate(model.layers):
        names = layer_weight_names(layer)
        if not names:
            continue
        current = layer.get_weights()
        values: list[np.ndarray] = []
        for wname, cur in zip(names, current, strict=True):
            slot = (i, wname)
            if slot not in by_slot:
                need = _shape(cur.shape)
                problems.append(f"layer {i} {wname}: missing from the file (network needs {need})")
                continue
            used.add(slot)
            arr = np.asarray(by_slot[slot][1])
            if arr.shape != cur.shape:
                problems.append(f"layer {i} {wname}: file has {_shape(arr.shape)}, "
                                f"network needs {_shape(cur.shape)}")
                continue
            if arr.dtype.kind not in "fiu":
                problems.append(f"layer {i} {wname}: file has dtype {arr.dtype}, expected numbers")
                continue
            if not np.all(np.isfinite(arr)):
                problems.append(f"layer {i} {wname}: file holds NaN or infinite values")
                continue
            values.append(arr.astype(cur.dtype, copy=True))
        if len(values) == len(names):
            new.append((layer, values))
    for slot in sorted(set(by_slot) - used):
        i, wname = slot
        where = f"layer {i} {wname}"
        if i >= len(model.layers):
            problems.append(f"{where}: the file has it, but the network has only {len(model.layers)} layers")
        else:
            problems.append(f"{where}: the file has it, but network layer {i} "
                            f"({type(model.layers[i]).__name__}) has no such weight")
    if problems:
        hint = ""
        if file_arch is not None and _arch_differs(model, file_arch):
            hint = " (the file was saved from a different architecture)"
        raise ExportError(f"{source}: weights do not fit this network{hint}: " + "; ".join(problems))
    for layer, values in new:
        layer.set_weights(values)


def _arch_differs(model: Any, file_arch: Mapping[str, Any]) -> bool:
    try:
        mine = [layer.get("class_name") for layer in architecture(model).get("layers", [])]
        theirs = [layer.get("class_name") for layer in file_arch.get("layers", [])]
        return mine != theirs
    except (AttributeError, TypeError, ExportError):
        return False


def parse_header(text: str, source: str) -> dict[str, Any]:
    """Parse the stored JSON header, raising ExportError naming ``source`` when it is unusable."""
    try:
        doc = json.loads(text)
    except ValueError as exc:
        raise ExportError(f"{source}: the architecture entry is not valid JSON ({exc})") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ExportError(f"{source}: not a Feedforward Studio weights file (format is not {FORMAT!r})")
    if not isinstance(doc.get("version"), int) or doc["version"] > VERSION:
        raise ExportError(f"{source}: weights file version {doc.get('version')!r} is newer than this app "
                          f"supports ({VERSION})")
    return doc


def activation_name(act: Any) -> str:
    """Lower-case name of an activation object or name (``None`` -> ``"linear"``)."""
    if act is None:
        return "linear"
    if isinstance(act, str):
        return act
    return str(getattr(act, "name", type(act).__name__)).lower()


def activation_param(act: Any, key: str, default: float) -> float:
    """A numeric argument of an activation (``alpha``), from the attribute or its config."""
    value = getattr(act, key, None)
    if value is None and hasattr(act, "get_config"):
        value = act.get_config().get(key)
    return float(default if value is None else value)


def gelu_uses_tanh(act: Any) -> bool:
    """True when the engine's gelu is the tanh approximation (checked numerically, not by name)."""
    x = np.array([-2.0, -0.5, 0.7, 1.9])
    y = np.asarray(act(x), dtype=np.float64)
    tanh_form = 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x**3)))
    return bool(np.max(np.abs(y - tanh_form)) < 1e-6)


def step_at_zero(act: Any) -> float:
    """The engine's step(0): 1.0 when step means x >= 0, 0.0 when it means x > 0."""
    return float(np.asarray(act(np.array([0.0])), dtype=np.float64)[0])
