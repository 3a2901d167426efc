"""A PyTorch training project for a trained project (``ffstudio export --format pytorch -o DIR``).

DIR receives:

- ``model.py``: the generated network module (``core.export.pytorch``: build_model, load_weights, predict,
  loss, optimizer, schedule, early-stopping settings) and ``model_weights.npz``, the app's trained weights;
- ``data.py``: reads the project's CSV (or MNIST IDX files) with the project's encoding and split, fitting
  the scaling on the training split (template in ``core/export/torch_project``);
- ``train.py``: one process or ``torchrun --nproc_per_node N`` with DistributedDataParallel; ``--out OUT``
  writes OUT/weights.npz and OUT/project.json as ``ffstudio train --out OUT`` does;
- ``ffstudio_export.json``: what both read (data source and encoding, target shape, initializers, the
  weights-file header and the project document with absolute data paths).

The five files are written as one output through the file layer (``core.files.write_files_atomically``).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from core.errors import ExportError
from core.export.common import header, tensor_prefix
from core.files import write_files_atomically

TEMPLATES = Path(__file__).resolve().parent / "torch_project"
SETTINGS_NAME = "ffstudio_export.json"


def _data_settings(project: Any, preprocessing: Mapping[str, Any]) -> dict[str, Any]:
    """The source, encoding and split ``data.py`` needs (absolute paths)."""
    spec = project.data_spec()
    source = spec["source"]
    if source == "csv":
        missing = [k for k in ("columns", "target", "file", "raw_columns") if k not in preprocessing]
        if missing:
            raise ExportError("the weights do not carry the CSV encoding (" + ", ".join(missing) + "); "
                              "train the project again with this version")
        return {"source": "csv", "path": project.resolve(spec["path"]),
                "test_path": project.resolve(spec["test_path"]) if spec.get("test_path") else None,
                "file": preprocessing["file"], "raw_columns": preprocessing["raw_columns"],
                "columns": preprocessing["columns"], "target": preprocessing["target"],
                "missing": preprocessing.get("missing", spec["missing"]),
                "test_fraction": spec["test_fraction"], "seed": spec["seed"],
                "scaling": preprocessing.get("scaling", spec["scaling"]),
                "value_range": preprocessing.get("value_range")}
    if source == "mnist":
        return {"source": "mnist", "path": _mnist_folder(project, spec),
                "subset": spec["subset"] if isinstance(spec["subset"], int) else None,
                "scaling": preprocessing.get("scaling", "minmax"),
                "value_range": preprocessing.get("value_range", [0, 255])}
    raise ExportError("the PyTorch training project reads CSV files or MNIST; for a toy data set export "
                      "the model alone (-o model.py)")


def _mnist_folder(project: Any, spec: Mapping[str, Any]) -> str:
    """The folder whose IDX files the app would read (project folder, FFSTUDIO_MNIST_DIR, cache, bundled)."""
    from core.datasets import mnist

    if spec["subset"] != "bundled":
        chosen = project.resolve(spec["path"]) if spec.get("path") else os.environ.get("FFSTUDIO_MNIST_DIR")
        if chosen:
            return os.path.abspath(chosen)
        if mnist._complete(mnist.cache_dir()):
            return str(mnist.cache_dir())
    return str(mnist.BUNDLED_DIR)


def _targets(model: Any, task: str) -> dict[str, Any]:
    """How train.py shapes the targets for the loss (as ``core.datasets.dataset.shape_targets``)."""
    loss = model.loss.name
    units = int(model.output_dim)
    if task == "regression":
        return {"shape": "values"}
    if loss == "sparse_categorical_crossentropy":
        return {"shape": "index"}
    if loss == "categorical_crossentropy" or units > 1:
        return {"shape": "onehot", "width": max(units, 2)}
    smoothing = float(getattr(model.loss, "label_smoothing", 0.0) or 0.0)
    return {"shape": "binary", "bce_smoothing": smoothing}


def _target_scaling(model: Any) -> str | None:
    """Tensor name of the ``mean`` of the layer that undoes ``data.target_scaling`` (None without one).

    train.py refits that layer on its training targets and measures the loss on standardized values, as
    ``core.target_scaling`` does.
    """
    from core.target_scaling import is_inverse_layer

    for i, layer in enumerate(model.layers):
        if is_inverse_layer(layer):
            return f"{tensor_prefix(i, layer)}.mean"
    return None


def _initializers(model: Any) -> dict[str, str]:
    """Tensor name -> initializer name of every Dense kernel and bias."""
    out: dict[str, str] = {}
    for i, layer in enumerate(model.layers):
        if type(layer).__name__ != "Dense":
            continue
        prefix = tensor_prefix(i, layer)
        out[f"{prefix}.kernel"] = layer.kernel_initializer.name
        if getattr(layer, "use_bias", True):
            out[f"{prefix}.bias"] = layer.bias_initializer.name
    return out


def project_settings(model: Any, project: Any, preprocessing: Mapping[str, Any]) -> dict[str, Any]:
    """The ``ffstudio_export.json`` document."""
    doc = project.to_dict()
    for key in ("path", "test_path"):
        if isinstance(doc["data"].get(key), str):
            doc["data"][key] = project.resolve(doc["data"][key])
    doc.pop("weights", None)
    doc.pop("results", None)
    task = str(preprocessing.get("task", "multiclass"))
    return {"format": "ffstudio-pytorch-project", "version": 1, "task": task,
            "data": _data_settings(project, preprocessing), "targets": _targets(model, task),
            "target_scaling": _target_scaling(model),
            "shuffle": bool(project.training_spec()["shuffle"]), "initializers": _initializers(model),
            "weights_header": header(model, preprocessing), "project": doc}


def _template(name: str) -> str:
    """The text of a shipped template in ``core/export/torch_project`` (read through the file layer)."""
    from core.files import read_regular
    from core.limits import MB

    return read_regular(TEMPLATES / name, "PyTorch project template", ExportError, MB).decode("utf-8")


def export_pytorch_project(model: Any, project: Any, out_dir: str | os.PathLike[str],
                           preprocessing: Mapping[str, Any],
                           protect: Iterable[str | os.PathLike[str] | None] = ()) -> list[str]:
    """Write the training project into ``out_dir`` (created when missing); return the paths written.

    The files are written as one output (all or none) and never over one of ``protect``.
    """
    from core.export.npz import weights_npz_bytes
    from core.export.pytorch import generate_pytorch_code

    folder = Path(os.path.abspath(os.fspath(out_dir)))
    if folder.exists() and not folder.is_dir():
        raise ExportError(f"{folder}: exists and is not a folder")
    settings = project_settings(model, project, preprocessing)
    texts = {
        "model.py": generate_pytorch_code(model, "model_weights.npz", preprocessing, project.training_spec(),
                                          "model.py"),
        "data.py": _template("data.py"),
        "train.py": _template("train.py"),
        SETTINGS_NAME: json.dumps(settings, indent=1, allow_nan=False) + "\n",
    }
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ExportError(f"{folder}: cannot create the folder ({exc.strerror or exc})") from None
    payloads = {str(folder / name): text.encode("utf-8") for name, text in texts.items()}
    payloads[str(folder / "model_weights.npz")] = weights_npz_bytes(model, preprocessing)
    writers = {path: (lambda fh, data=data: fh.write(data)) for path, data in payloads.items()}
    # every file or none: checked, written beside their targets, then renamed together
    written = write_files_atomically(writers, "PyTorch project", ExportError, protect)
    return written


__all__ = ["export_pytorch_project", "project_settings"]
