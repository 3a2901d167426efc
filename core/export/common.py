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
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np

from core import limits
from core.errors import ExportError
from core.files import loads_json, read_regular, write_file
from core.training_history import TrainingHistory

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
        "epochs_trained": int(getattr(model, "epochs_trained", 0)),
        "history": model.training_history.to_json() if hasattr(model, "training_history") else None,
    }


def read_bytes(path: str | os.PathLike[str]) -> bytes:
    """The whole weights file at ``path`` (a regular file, at most ``limits.WEIGHTS_BYTES``)."""
    return read_regular(path, "a weights file", ExportError, limits.WEIGHTS_BYTES)


def describe_content(data: bytes) -> str:
    """What a file that is not the expected format seems to be, from its first bytes (one phrase)."""
    head = data[:4096]
    if not head:
        return "the file is empty"
    magic = ((b"PK", "it is a zip archive"), (b"\x1f\x8b", "it is gzip-compressed"),
             (b"\x89PNG", "it is a PNG image"), (b"%PDF", "it is a PDF document"),
             (b"\x93NUMPY", "it is a single .npy array, not an .npz archive"))
    for prefix, text in magic:
        if head.startswith(prefix):
            return text
    if head[:1] == b"\x08" and len(head) > 2 and head[1] < 0x20 and b"\x12" in head[:64]:
        return "it looks like an ONNX model; only .npz and .safetensors weights can be read back"
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as exc:
        text = head[: exc.start].decode("utf-8") if exc.start > len(head) - 4 else ""
    if text and sum(c.isprintable() or c in "\r\n\t" for c in text) > 0.95 * len(text):
        first = text.strip().splitlines()[0][:40] if text.strip() else ""
        kind = "JSON text" if first.startswith(("{", "[")) else "a text file"
        return f"it is {kind} starting with {first!r}"
    return "it starts with the bytes " + " ".join(f"{b:02x}" for b in head[:8])


def atomic_write(path: str | os.PathLike[str], write: Callable[[Any], None], what: str = "file",
                 protect: Iterable[str | os.PathLike[str] | None] = ()) -> str:
    """Call ``write(fh)`` on a temporary binary file beside ``path`` and rename it into place.

    Nothing is left behind when writing fails; the error becomes an ExportError naming ``path``.
    ``protect`` lists input files the output must not overwrite. Returns the absolute path written.
    """
    return write_file(path, write, what, ExportError, protect)


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
            with np.errstate(over="ignore"):
                cast = arr.astype(cur.dtype, copy=True)
            if not np.all(np.isfinite(cast)):
                big = float(np.max(np.abs(arr.astype(np.float64))))
                problems.append(f"layer {i} {wname}: file holds values up to {big:.3g}, beyond the "
                                f"{cur.dtype} range")
                continue
            if wname == "variance" and not np.all(cast > 0):
                problems.append(f"layer {i} variance: file holds values <= 0 (a variance must be positive)")
                continue
            values.append(cast)
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
        raise ExportError(f"{source}: weights do not fit this network{hint}: " + first_few(problems))
    before = [(layer, layer.get_weights()) for layer, _ in new]
    for layer, values in new:
        layer.set_weights(values)
    problem = output_problem(model)
    if problem:
        for layer, values in before:
            layer.set_weights(values)
        raise ExportError(f"{source}: unusable weights: {problem}")


def first_few(problems: list[str], limit: int = 4) -> str:
    """``problems`` joined with "; ", at most ``limit`` of them (errors stay one short line)."""
    text = "; ".join(problems[:limit])
    return text + (f"; and {len(problems) - limit} more" if len(problems) > limit else "")


def output_problem(model: Any) -> str | None:
    """Why ``model``'s outputs are unusable (NaN or infinite on typical inputs), or None.

    Probes the input mean and one standard deviation either side of it (raw feature scale, taken
    from the Normalization layer when there is one, else 0 and ±1).
    """
    first = model.layers[0] if model.layers else None
    dim = int(model.input_dim)
    mean = np.asarray(getattr(first, "mean", None) if getattr(first, "mean", None) is not None
                      else np.zeros(dim), dtype=np.float64)
    var = getattr(first, "variance", None)
    std = np.sqrt(np.asarray(var, dtype=np.float64)) if var is not None else np.ones(dim)
    probe = np.stack([mean, mean + std, mean - std])
    with np.errstate(all="ignore"):
        out = np.asarray(model.predict(probe), dtype=np.float64)
    if np.all(np.isfinite(out)):
        return None
    return ("the network's outputs are NaN or infinite even for average inputs (weights far too large "
            "or overflowing)")


def _arch_differs(model: Any, file_arch: Mapping[str, Any]) -> bool:
    try:
        mine = [layer.get("class_name") for layer in architecture(model).get("layers", [])]
        theirs = [layer.get("class_name") for layer in file_arch.get("layers", [])]
        return mine != theirs
    except (AttributeError, TypeError, ExportError):
        return False


def apply_trained_state(model: Any, doc: Mapping[str, Any]) -> None:
    """Give ``model`` the epoch count and history of the weights file whose checked header is ``doc``."""
    model.epochs_trained = doc["epochs_trained"]
    model.training_history = doc["history"].copy()


def parse_header(text: str, source: str) -> dict[str, Any]:
    """Parse the stored JSON header (size and nesting limited), raising ExportError naming ``source``."""
    return check_header(loads_json(text, source, ExportError, "weights header"), source)


def check_header(doc: Any, source: str) -> dict[str, Any]:
    """Check a weights header's format, version, architecture and preprocessing before anything uses them."""
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ExportError(f"{source}: not a Feedforward Studio weights file (format is not {FORMAT!r})")
    version = doc.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ExportError(f"{source}: weights file version {version!r}; expected an integer 1..{VERSION}")
    if version > VERSION:
        raise ExportError(f"{source}: weights file version {version!r} is newer than this app "
                          f"supports ({VERSION})")
    if doc.get("architecture") is not None and not isinstance(doc["architecture"], dict):
        raise ExportError(f"{source}: the header's architecture must be a JSON object")
    trained = doc.setdefault("epochs_trained", 0)  # files written before it was recorded: unknown, 0
    if not isinstance(trained, int) or isinstance(trained, bool) or trained < 0:
        raise ExportError(f"{source}: the header's epochs_trained must be a non-negative integer, "
                          f"got {trained!r}")
    try:  # files written before it was recorded: no history
        doc["history"] = TrainingHistory() if doc.get("history") is None else \
            TrainingHistory.from_json(doc["history"], trained)
    except ValueError as exc:
        raise ExportError(f"{source}: the header's {exc}") from None
    pre = doc.get("preprocessing")
    if pre is None:
        doc["preprocessing"] = {}
    elif not isinstance(pre, dict):
        raise ExportError(f"{source}: the header's preprocessing must be a JSON object")
    else:
        problem = preprocessing_problem(pre)
        if problem:
            raise ExportError(f"{source}: the header's preprocessing.{problem}")
    return doc


def _is_text_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _is_number_list(value: Any) -> bool:
    return isinstance(value, list) and all(
        isinstance(v, int | float) and not isinstance(v, bool) and np.isfinite(v) for v in value)


def _column_problem(i: int, col: Any) -> str | None:
    where = f"columns[{i}]"
    if not isinstance(col, dict) or not isinstance(col.get("name"), str):
        return f"{where}: expected an object with a \"name\" string"
    kind = col.get("kind", "numeric")
    fill = col.get("fill")
    if kind == "numeric":
        if fill is not None and not _is_number_list([fill]):
            return f"{where}.fill: expected a finite number"
    elif kind == "categorical":
        cats = col.get("categories")
        if not _is_text_list(cats) or not cats:
            return f"{where}.categories: expected a non-empty list of strings"
        if fill is not None and not isinstance(fill, str):
            return f"{where}.fill: expected a string"
    else:
        return f"{where}.kind: expected \"numeric\" or \"categorical\", got {str(kind)[:30]!r}"
    return None


def preprocessing_problem(pre: Mapping[str, Any]) -> str | None:
    """The first structural problem of a stored preprocessing dict (``"columns: expected ..."``), or None."""
    cols = pre.get("columns")
    if cols is not None:
        if not isinstance(cols, list):
            return "columns: expected a list of column objects"
        for i, col in enumerate(cols):
            problem = _column_problem(i, col)
            if problem:
                return problem
    for key in ("feature_names", "class_names", "target_names", "raw_columns"):
        if pre.get(key) is not None and not _is_text_list(pre[key]):
            return f"{key}: expected a list of strings"
    for key in ("mean", "variance", "target_mean", "target_variance"):
        if pre.get(key) is not None and not _is_number_list(pre[key]):
            return f"{key}: expected a list of finite numbers"
    variances = list(pre.get("variance") or []) + list(pre.get("target_variance") or [])
    if any(v <= 0 for v in variances):
        return "variance: expected positive numbers"
    if pre.get("task") is not None and pre["task"] not in ("binary", "multiclass", "regression"):
        return "task: expected binary, multiclass or regression"
    return None


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
