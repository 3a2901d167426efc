"""The project file: versioned JSON tying network, data and training together (GUI and CLI share it).

``load_project(path)`` validates everything (``core.project_schema``) and raises ProjectError listing
all problems with JSON paths; ``save_project(project, path)`` writes atomically and rewrites
relative paths (data file, weights) so they still point at the same files from the new folder.
``build_dataset`` / ``build_model`` turn a project into a Dataset and a compiled Sequential.
A project file never executes code: it is plain JSON read with ``json.loads``.
"""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from core import limits
from core.data_fit import DataInfo, fit_problems, output_units, resolve_loss, resolve_output_activation
from core.datasets.dataset import Dataset
from core.errors import DataError, ProjectError
from core.files import atomic_write, loads_json, read_regular
from core.project_schema import FORMAT, VERSION, validate_project

__all__ = ["Project", "load_project", "save_project", "build_dataset", "dataset_from_spec", "build_model",
           "resolve_loss", "resolve_output_activation", "output_units", "training_arrays",
           "training_callbacks", "training_spec", "FORMAT", "VERSION", "DEFAULT_TRAINING"]

#: The one table of training defaults (README "training"); the GUI and the CLI both read it.
DEFAULT_TRAINING: dict[str, Any] = {"loss": "auto", "optimizer": {"name": "adam", "learning_rate": 0.01},
                                    "batch_size": 32, "epochs": 100, "seed": 0, "shuffle": True}


def training_spec(training: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of a project's ``training`` dict with every default of ``DEFAULT_TRAINING`` filled in."""
    return {**copy.deepcopy(DEFAULT_TRAINING), **copy.deepcopy(dict(training))}


DATA_DEFAULTS: dict[str, dict[str, Any]] = {
    "toy": {"samples": 500, "noise": 0.0, "test_fraction": 0.5, "seed": 0, "classes": 3,
            "scaling": "standard"},
    "csv": {"target": None, "ignore": [], "missing": "drop", "task": "auto", "scaling": "standard",
            "test_fraction": 0.2, "seed": 0, "header": "auto", "test_path": None, "target_scaling": "none"},
    "mnist": {"path": None, "subset": None, "download": True},
}


@dataclass
class Project:
    """An in-memory project. ``network`` is the list of layer dicts; paths are relative to ``base_dir``."""

    network: list[dict[str, Any]]
    data: dict[str, Any]
    training: dict[str, Any] = field(default_factory=lambda: copy.deepcopy(DEFAULT_TRAINING))
    layout: dict[str, list[float]] = field(default_factory=dict)
    weights: str | None = None
    name: str = ""
    description: str = ""
    dtype: str = "float32"
    results: dict[str, float | None] = field(default_factory=dict)
    gui: dict[str, Any] = field(default_factory=dict)
    base_dir: str = "."
    path: str | None = None

    # ------------------------------------------------------------------ dict form
    @classmethod
    def from_dict(cls, doc: Mapping[str, Any], base_dir: str | os.PathLike[str] = ".",
                  path: str | None = None) -> Project:
        """Validate ``doc`` and build a Project; raises ProjectError listing every problem."""
        doc = _upgrade(copy.deepcopy(dict(doc)) if isinstance(doc, Mapping) else doc)
        problems = validate_project(doc)
        if problems:
            raise ProjectError(problems, path)
        net = doc["network"]
        return cls(
            network=list(net["layers"]), data=dict(doc["data"]), training=dict(doc["training"]),
            layout={str(k): [float(v[0]), float(v[1])] for k, v in (doc.get("layout") or {}).items()},
            weights=doc.get("weights"), name=doc.get("name", ""), description=doc.get("description", ""),
            dtype=net.get("dtype", "float32"), results=dict(doc.get("results") or {}),
            gui=dict(doc.get("gui") or {}), base_dir=os.path.abspath(os.fspath(base_dir)), path=path,
        )

    def to_dict(self, base_dir: str | os.PathLike[str] | None = None) -> dict[str, Any]:
        """The JSON document; with ``base_dir`` relative paths are rewritten relative to it."""
        net: dict[str, Any] = {"layers": copy.deepcopy(self.network)}
        if self.dtype != "float32":
            net["dtype"] = self.dtype
        doc: dict[str, Any] = {"format": FORMAT, "version": VERSION}
        if self.name:
            doc["name"] = self.name
        if self.description:
            doc["description"] = self.description
        doc["network"] = net
        doc["data"] = copy.deepcopy(self.data)
        doc["training"] = copy.deepcopy(self.training)
        if self.layout:
            doc["layout"] = {k: [float(v[0]), float(v[1])] for k, v in self.layout.items()}
        weights = self.weights
        if base_dir is not None:
            new = os.path.abspath(os.fspath(base_dir))
            for key in ("path", "test_path"):
                if isinstance(doc["data"].get(key), str):
                    # a CSV picked in a file dialog arrives absolute; the file stores it relative to itself
                    doc["data"][key] = _rebase(doc["data"][key], self.base_dir, new,
                                               absolute_too=doc["data"].get("source") == "csv")
            if weights is not None:
                weights = _rebase(weights, self.base_dir, new)
        if weights is not None:
            doc["weights"] = weights
        if self.results:
            doc["results"] = dict(self.results)
        if self.gui:
            doc["gui"] = copy.deepcopy(self.gui)
        return doc

    # ------------------------------------------------------------------ helpers
    def resolve(self, relative: str) -> str:
        """An absolute path for a path stored in the project (relative to the project folder)."""
        if os.path.isabs(relative):
            return relative
        return os.path.normpath(os.path.join(self.base_dir, relative))

    @property
    def weights_path(self) -> str | None:
        """Absolute path of the weights file, or None."""
        return None if self.weights is None else self.resolve(self.weights)

    def data_spec(self) -> dict[str, Any]:
        """``data`` with every default filled in."""
        return {**DATA_DEFAULTS[self.data["source"]], **copy.deepcopy(self.data)}

    def training_spec(self) -> dict[str, Any]:
        """``training`` with every default filled in."""
        return training_spec(self.training)

    def copy(self) -> Project:
        return copy.deepcopy(self)


def _rebase(path: str, old_base: str, new_base: str, absolute_too: bool = False) -> str:
    """``path`` (relative to ``old_base``) relative to ``new_base``; absolute only with ``absolute_too``."""
    if os.path.isabs(path) and not absolute_too:
        return path
    absolute = os.path.normpath(os.path.join(old_base, path))
    try:
        rel = os.path.relpath(absolute, new_base)
    except ValueError:  # different drives on Windows
        return absolute
    return rel.replace(os.sep, "/")


def _upgrade(doc: Any) -> Any:
    """Bring an older file up to ``VERSION`` (version 1 is the first; later versions add steps here)."""
    return doc


# ---------------------------------------------------------------------- files
def load_project(path: str | os.PathLike[str]) -> Project:
    """Read and validate a project file; raises ProjectError (all problems, with JSON paths).

    Only a regular file of at most ``limits.PROJECT_BYTES`` is read, and JSON nested deeper than
    ``limits.JSON_DEPTH`` is refused before it is parsed.
    """
    path = os.fspath(path)
    raw = read_regular(path, "a project .json file", ProjectError, limits.PROJECT_BYTES)
    doc = loads_json(raw, path, ProjectError, "JSON")
    return Project.from_dict(doc, os.path.dirname(os.path.abspath(path)), path)


def save_project(project: Project, path: str | os.PathLike[str]) -> None:
    """Write ``project`` to ``path`` atomically; relative paths are rewritten for the new folder.

    After saving, ``project.base_dir``/``project.path`` point at the new location.
    """
    path = os.fspath(path)
    new_base = os.path.dirname(os.path.abspath(path))
    doc = project.to_dict(base_dir=new_base)
    problems = validate_project(doc)
    if problems:
        raise ProjectError(problems, path)
    text = json.dumps(doc, indent=2, allow_nan=False) + "\n"
    try:
        atomic_write(path, text)
    except OSError as exc:
        raise ProjectError(f"cannot write file ({exc.strerror or exc})", path) from None
    project.data = doc["data"]
    project.weights = doc.get("weights")
    project.base_dir = new_base
    project.path = path


# ---------------------------------------------------------------------- data
def build_dataset(project: Project, progress: Callable[[float, str], None] | None = None) -> Dataset:
    """Load the project's data (toy / csv / mnist) as a Dataset; raises DataError."""
    return dataset_from_spec(project.data, project.base_dir, progress)


def dataset_from_spec(data: Mapping[str, Any], base_dir: str | os.PathLike[str] = ".",
                      progress: Callable[[float, str], None] | None = None,
                      propose_target: bool = False) -> Dataset:
    """Load a project ``data`` dict (relative paths against ``base_dir``) as a Dataset.

    The dict is validated first (ProjectError with ``data.*`` paths); loading raises DataError.
    ``progress(fraction, message)`` is called while reading CSV files or downloading MNIST.
    A CSV without ``data.target`` is refused with the list of columns (no silent guess), unless
    ``propose_target`` (the GUI, which shows the proposal): then the last column is used and the
    summary's first line says so.
    """
    from core.project_schema import Checker, check_data

    checker = Checker()
    check_data(checker, dict(data))
    if checker.problems:
        raise ProjectError(checker.problems)
    spec = {**DATA_DEFAULTS[data["source"]], **copy.deepcopy(dict(data))}
    source = spec["source"]
    base = os.path.abspath(os.fspath(base_dir))

    def resolve(p: str) -> str:
        return p if os.path.isabs(p) else os.path.normpath(os.path.join(base, p))

    if source == "toy":
        from core.datasets.toy import make_toy

        return make_toy(spec["name"], samples=spec["samples"], noise=spec["noise"],
                        test_fraction=spec["test_fraction"], seed=spec["seed"], classes=spec["classes"],
                        points=spec.get("points", ()), scaling=spec["scaling"])
    if source == "csv":
        from core.datasets.csv import load_csv

        header = None if spec["header"] == "auto" else bool(spec["header"])
        path = resolve(spec["path"])
        target, proposed = spec["target"], None
        if target is None:
            proposed = _proposed_target(path, header, propose_target)
            target = proposed
        ds = load_csv(path, target=target, ignore=spec["ignore"],
                      missing=spec["missing"], task=None if spec["task"] == "auto" else spec["task"],
                      scaling=spec["scaling"], test_fraction=spec["test_fraction"], seed=spec["seed"],
                      progress=progress, header=header,
                      test_path=resolve(spec["test_path"]) if spec["test_path"] else None)
        if proposed is not None:
            ds.summary = (f"Target not set in the project: proposing the last column {proposed!r}; "
                          f"check it (Data tab: Target)\n{ds.summary}")
        return ds
    from core.datasets.mnist import load_mnist

    path = resolve(spec["path"]) if spec.get("path") else None
    return load_mnist(path=path, subset=spec["subset"], progress=progress, download=spec["download"])


def _proposed_target(path: str, header: bool | None, propose: bool) -> str:
    """The last column of the CSV at ``path``; without ``propose`` a DataError listing the columns."""
    from core.datasets.csv_read import layout

    columns = list(layout(path, header).names)  # (the file's structure only: no cell is parsed)
    if not propose:
        raise DataError(f"{path}: data.target is not set; name the column to predict, one of: "
                        f"{', '.join(repr(c) for c in columns)}")
    return columns[-1]


# ---------------------------------------------------------------------- model
def _check_fit(project: Project, dataset: Dataset) -> tuple[Any, Any, int]:
    """Errors between network/training and data (``core.data_fit``), raised together with JSON paths.

    Returns (output activation, loss, output units) with "auto" resolved.
    """
    spec = project.training_spec()
    layers = project.network
    last = len(layers) - 1
    paths = {"input": "network.layers[0]", "output": f"network.layers[{last}]"}
    problems = [f"training.loss: {p.message}" if p.key == "loss" else f"{paths[p.layer]}.{p.key}: {p.message}"
                for p in fit_problems(layers[0], layers[last], DataInfo.from_dataset(dataset), spec["loss"])
                if p.severity == "error"]
    if project.data_spec().get("target_scaling") == "standard" and dataset.task != "regression":
        problems.append(f"data.target_scaling: \"standard\" scales regression targets; this data is "
                        f"{dataset.task} (remove it or use \"none\")")
    if problems:
        raise ProjectError(problems, project.path)
    activation = resolve_output_activation(layers[last].get("activation", "auto"), dataset.task)
    loss = resolve_loss(spec["loss"], dataset.task, activation)
    return activation, loss, output_units(dataset.task, activation, dataset.output_units)


def build_model(project: Project, dataset: Dataset) -> Any:
    """A compiled, built ``Sequential`` for ``project`` and ``dataset``.

    Each layer dict becomes its kind's engine layer (``core.layer_kinds.build_layer``): the input layer
    becomes ``Normalization(dataset.normalization())`` (scaling fitted on the training split); the output
    layer becomes ``Dense(units, activation)`` with "auto" resolved by task (units = ``dataset.output_units``,
    or 2 for a binary task with a softmax output); the loss "auto" is resolved by ``resolve_loss``.
    Weights are initialized from ``training.seed``. Raises ProjectError for mismatches between network
    and data.
    """
    from core import Sequential
    from core.layer_kinds import build_layer

    activation, loss, units = _check_fit(project, dataset)
    _check_size(project, dataset.num_features, units)
    spec = project.training_spec()
    normalization = dataset.normalization()
    layers: list[Any] = []
    problems: list[str] = []
    for i, cfg in enumerate(project.network):
        try:
            layers.append(build_layer(cfg, normalization=normalization, output=(units, activation),
                                      feature_names=dataset.feature_names))
        except (ValueError, TypeError) as exc:
            problems.append(f"network.layers[{i}]: {exc}")
    if problems:
        raise ProjectError(problems, project.path)
    if project.data_spec().get("target_scaling") == "standard":
        from core import losses
        from core.target_scaling import StandardizedLoss, inverse_layer, target_statistics

        t_mean, t_std = target_statistics(dataset.y_train)
        layers.append(inverse_layer(t_mean, t_std))  # outputs in target units for predict and exports
        loss = StandardizedLoss(losses.get(copy.deepcopy(loss)), t_mean, t_std)
    try:
        model = Sequential(layers, dtype=project.dtype)
        metrics = list(spec.get("metrics") or (["accuracy"] if dataset.is_classification else ["mae", "r2"]))
        model.compile(optimizer=copy.deepcopy(spec["optimizer"]), loss=copy.deepcopy(loss), metrics=metrics)
        model.build(input_dim=dataset.num_features, seed=spec["seed"])
    except ValueError as exc:
        raise ProjectError(str(exc), project.path) from None
    return model


def _check_size(project: Project, features: int, outputs: int) -> None:
    """Refuse a network with more than ``limits.PARAMETERS`` weights before any is allocated."""
    sizes = [features] + [int(c["units"]) for c in project.network if c["type"] == "dense"] + [outputs]
    count = sum(a * b + b for a, b in zip(sizes, sizes[1:], strict=False))
    if count > limits.PARAMETERS:
        raise ProjectError(f"network.layers: with {features:,} input features the network holds {count:,} "
                           f"weights (about {limits.megabytes(4 * count)} at float32); at most "
                           f"{limits.PARAMETERS:,} are allowed", project.path)


def training_callbacks(project: Project) -> list[Any]:
    """EarlyStopping and learning-rate schedule objects from ``training`` (for ``iter_training``).

    A schedule without ``initial_learning_rate`` starts from the optimizer's learning rate.
    """
    from core import optimizers, schedules
    from core.callbacks import EarlyStopping

    spec = project.training_spec()
    out: list[Any] = []
    if spec.get("early_stopping"):
        out.append(EarlyStopping(**spec["early_stopping"]))
    sched = spec.get("schedule")
    if sched is not None:
        obj = schedules.get(copy.deepcopy(sched))
        given = isinstance(sched, dict) and "initial_learning_rate" in sched
        if not given and "initial_learning_rate" in obj.get_config():
            lr = optimizers.get(copy.deepcopy(spec["optimizer"])).learning_rate
            cfg = {**(sched if isinstance(sched, dict) else {"name": sched}), "initial_learning_rate": lr}
            obj = schedules.get(cfg)
        out.append(obj)
    return out


def training_arrays(project: Project, dataset: Dataset, model: Any) -> tuple[np.ndarray, np.ndarray,
                                                                             np.ndarray, np.ndarray]:
    """``(x_train, y_train, x_test, y_test)`` with targets shaped for the model's loss."""
    if len(dataset.y_train) == 0:
        raise DataError(f"data set {dataset.name} has no training rows")
    if dataset.is_classification and len(np.unique(dataset.y_train)) < 2:
        only = dataset.class_names[int(dataset.y_train[0])] if dataset.class_names else dataset.y_train[0]
        raise DataError(f"data set {dataset.name}: the training rows all have one class ({only!r}); "
                        "a classifier needs at least 2")
    y_train, y_test = dataset.targets(model.loss.name, model.output_dim)
    return dataset.x_train, y_train, dataset.x_test, y_test
