"""Export and import of trained networks: .npz, .safetensors, ONNX and generated PyTorch code.

Only NumPy is imported here; ``onnx``/``onnxruntime``/``safetensors`` (the ``[export]`` extra) are
imported lazily inside the functions that need them, which raise ExportError naming the extra.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from core.errors import ExportError
from core.export.npz import load_weights_npz, read_weights_npz, save_weights_npz
from core.export.weights_import import import_weights, read_weights
from core.files import check_destination
from core.installation import extra_hint


@dataclass(frozen=True)
class ExportFormat:
    """One export format: key, file suffix, one-line description, packages it needs."""

    key: str
    label: str
    suffix: str
    description: str
    requires: tuple[str, ...] = ()

    def missing(self) -> list[str]:
        """Required packages that are not installed (asked of the import system without importing them:
        importing onnx takes ~0.5 s, too long for the GUI thread that opens the export dialog)."""
        return [name for name in self.requires if not _installed(name)]

    @property
    def available(self) -> bool:
        return not self.missing()


FORMATS: dict[str, ExportFormat] = {
    "npz": ExportFormat("npz", "NumPy .npz", ".npz",
                        "One array per weight plus architecture and preprocessing as JSON; "
                        "loads with numpy alone, no pickle."),
    "safetensors": ExportFormat("safetensors", "safetensors", ".safetensors",
                                "The same tensors in the safe, fast format PyTorch and Hugging Face read "
                                "(safetensors.torch.load_file).", ("safetensors",)),
    "onnx": ExportFormat("onnx", "ONNX", ".onnx",
                         "The whole network (scaling, layers, softmax/sigmoid) as a standard graph for "
                         "onnxruntime, Netron and other runtimes.", ("onnx",)),
    "onnx_raw": ExportFormat("onnx_raw", "ONNX on the raw columns", ".onnx",
                             "One input per data column (numbers, or text for categories): missing values, "
                             "one-hot encoding and scaling happen inside the graph, which returns the "
                             "probabilities and the class name. No preprocessing code needed.", ("onnx",)),
    "pytorch": ExportFormat("pytorch", "PyTorch code", ".py",
                            "A readable model.py defining the same nn.Sequential with a training loop, plus "
                            "its weights (.npz) beside it.", ()),
}


def _installed(name: str) -> bool:
    """True when ``import name`` finds a module (a ``None`` entry in ``sys.modules`` blocks it)."""
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):  # a parent package that fails, a module without a spec
        return False


def _with_version(name: str) -> str:
    from importlib import metadata

    try:
        return f"{name} {metadata.version(name)}"
    except (metadata.PackageNotFoundError, ValueError):
        return name


def extra_note(fmt: ExportFormat) -> str:
    """What the optional packages a format needs are here: installed (with versions), or not (with the
    command that installs them for this installation)."""
    if not fmt.requires:
        return "needs nothing extra" if fmt.key != "pytorch" else "running model.py needs torch"
    missing = fmt.missing()
    if missing:
        return f"needs {', '.join(missing)}, not installed: {extra_hint()}"
    return f"uses {', '.join(_with_version(name) for name in fmt.requires)}, installed"


def export_model(model: Any, fmt: str, path: str | os.PathLike[str],
                 preprocessing: Mapping[str, Any] | None = None,
                 training: Mapping[str, Any] | None = None,
                 protect: Iterable[str | os.PathLike[str] | None] = ()) -> list[str]:
    """Export ``model`` in format ``fmt`` to ``path``; return the absolute paths written.

    ``protect`` lists input files (the project, its weights) that the export must never overwrite;
    every destination is checked before anything is written.
    """
    if fmt not in FORMATS:
        raise ExportError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")
    protect = list(protect)
    if fmt == "pytorch":
        from core.export.pytorch import export_pytorch

        return export_pytorch(model, path, preprocessing, training, protect=protect)
    check_destination(path, f"{FORMATS[fmt].label} file", ExportError, protect)
    if fmt == "npz":
        return [save_weights_npz(model, path, preprocessing)]
    if fmt == "safetensors":
        from core.export.safetensors import save_weights_safetensors

        return [save_weights_safetensors(model, path, preprocessing)]
    if fmt == "onnx":
        from core.export.onnx import export_onnx

        return [export_onnx(model, path, preprocessing)]
    from core.export.onnx_raw import export_raw_onnx

    return [export_raw_onnx(model, path, preprocessing or {})]


__all__ = [
    "FORMATS",
    "ExportFormat",
    "export_model",
    "extra_note",
    "import_weights",
    "load_weights_npz",
    "read_weights",
    "read_weights_npz",
    "save_weights_npz",
]
