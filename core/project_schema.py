"""Validation of the project file: every problem is collected with its JSON path, none is fatal alone.

``validate_project(doc) -> list[str]`` returns messages such as
``network.layers[2].units: expected a positive integer, got -3``. Unknown keys are problems too.
Option values (activations, initializers, regularizers, optimizers, schedules, losses) are checked
by asking the engine's own registries, so the file accepts exactly what the engine can build.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

from core import limits
from core.layer_kinds import KINDS, config_problems
from core.layer_kinds import describe as _kind

FORMAT = "ffstudio-project"
VERSION = 1

TOP_KEYS = {"format", "version", "name", "description", "network", "data", "training", "layout", "weights",
            "results", "gui"}
DATA_KEYS: dict[str, set[str]] = {
    "toy": {"name", "samples", "noise", "test_fraction", "seed", "classes", "scaling", "points"},
    "csv": {"path", "target", "ignore", "missing", "task", "scaling", "test_fraction", "seed", "header",
            "test_path", "target_scaling"},
    "mnist": {"path", "subset", "download"},
}
TRAINING_KEYS = {"loss", "optimizer", "batch_size", "epochs", "seed", "shuffle", "early_stopping", "schedule",
                 "metrics", "record"}
EARLY_STOPPING_KEYS = {"monitor", "patience", "min_delta", "restore_best_weights", "mode"}
SCALINGS = ("standard", "minmax", "none")
TASKS = ("auto", "binary", "multiclass", "regression")
_SEED_RANGE = "a non-negative integer"


class Checker:
    """Collects problems as ``"<json path>: <message>"`` strings."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def add(self, path: str, message: str) -> None:
        self.problems.append(f"{path}: {message}")

    def obj(self, value: Any, path: str, allowed: set[str], required: tuple[str, ...] = ()) -> bool:
        """Check ``value`` is an object with only ``allowed`` keys and all ``required`` ones."""
        if not isinstance(value, dict):
            self.add(path, f"expected an object, got {_kind(value)}")
            return False
        prefix = "" if path == "$" else f"{path}."
        for key in value:
            if key not in allowed:
                self.add(f"{prefix}{key}", f"unknown key (allowed: {', '.join(sorted(allowed))})")
        for key in required:
            if key not in value:
                self.add(f"{prefix}{key}", "missing (required)")
        return True

    def integer(self, value: Any, path: str, lo: int | None = None, hi: int | None = None,
                what: str = "an integer") -> bool:
        ok = isinstance(value, int) and not isinstance(value, bool)
        if ok and lo is not None and value < lo:
            ok = False
        if ok and hi is not None and value > hi:
            if ".." not in what and "at most" not in what:
                what = f"{what} of at most {hi:,}"
            ok = False
        if not ok:
            self.add(path, f"expected {what}, got {_kind(value)}")
        return ok

    def number(self, value: Any, path: str, test: Callable[[float], bool] = lambda v: True,
               what: str = "a number") -> bool:
        ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value) \
            and test(float(value))
        if not ok:
            self.add(path, f"expected {what}, got {_kind(value)}")
        return ok

    def string(self, value: Any, path: str, choices: tuple[str, ...] | None = None) -> bool:
        if not isinstance(value, str) or (choices is None and not value.strip()):
            self.add(path, f"expected a non-empty string, got {_kind(value)}" if choices is None
                     else f"expected one of {', '.join(choices)}, got {_kind(value)}")
            return False
        if choices is not None and value not in choices:
            self.add(path, f"expected one of {', '.join(choices)}, got {_kind(value)}")
            return False
        return True

    def boolean(self, value: Any, path: str) -> bool:
        if not isinstance(value, bool):
            self.add(path, f"expected true or false, got {_kind(value)}")
            return False
        return True

    def engine(self, value: Any, path: str, getter: Callable[[Any], Any], what: str) -> None:
        """Ask an engine registry (``activations.get`` ...) whether it accepts ``value``."""
        if not isinstance(value, str | dict | int | float) or isinstance(value, bool):
            self.add(path, f"expected a {what} name or object, got {_kind(value)}")
            return
        from core.registry import UnknownArgument

        try:
            getter(value)
        except UnknownArgument as exc:  # a typo in an argument: its own path, the valid names listed
            if isinstance(value, dict):
                path += ".config" if isinstance(value.get("config"), dict) else ""
                path += f".{exc.argument}"
            self.add(path, exc.detail)
        except (ValueError, TypeError, KeyError) as exc:
            self.add(path, str(exc).split("\n")[0])


def _check_layer(c: Checker, layer: Any, path: str, index: int, count: int) -> None:
    """One layer dict: its type, its place, and its options as ``core.layer_kinds`` defines them."""
    if not isinstance(layer, dict):
        c.add(path, f"expected an object, got {_kind(layer)}")
        return
    kind = layer.get("type")
    if not isinstance(kind, str) or kind not in KINDS:
        c.add(f"{path}.type", f"expected one of {', '.join(KINDS)}, got {_kind(kind)}")
        return
    place = KINDS[kind].place
    if place == "first" and index != 0:
        c.add(f"{path}.type", f"the {kind} layer must be the first layer")
    if place == "last" and index != count - 1:
        c.add(f"{path}.type", f"the {kind} layer must be the last layer")
    for key, message in config_problems(kind, {k: v for k, v in layer.items() if k != "type"}):
        c.add(f"{path}.{key}", message)


def _check_network(c: Checker, net: Any) -> None:
    if not c.obj(net, "network", {"layers", "dtype"}, ("layers",)):
        return
    if "dtype" in net:
        c.string(net["dtype"], "network.dtype", ("float32", "float64"))
    layers = net.get("layers")
    if "layers" in net and not isinstance(layers, list):
        c.add("network.layers", f"expected a list of layers, got {_kind(layers)}")
        return
    if not isinstance(layers, list):
        return
    kinds = [lay.get("type") if isinstance(lay, dict) else None for lay in layers]
    if kinds.count("input") != 1:
        c.add("network.layers", f"expected exactly one input layer, found {kinds.count('input')}")
    if kinds.count("output") != 1:
        c.add("network.layers", f"expected exactly one output layer, found {kinds.count('output')}")
    for i, layer in enumerate(layers):
        _check_layer(c, layer, f"network.layers[{i}]", i, len(layers))
    _check_parameters(c, layers)


def _check_parameters(c: Checker, layers: list[Any]) -> None:
    """Refuse Dense layers holding more than ``limits.PARAMETERS`` weights (before anything is allocated)."""
    sizes = [lay["units"] for lay in layers if isinstance(lay, dict) and lay.get("type") in ("input", "dense",
             "output") and isinstance(lay.get("units"), int) and 0 < lay["units"] <= limits.UNITS]
    count = sum(a * b + b for a, b in zip(sizes, sizes[1:], strict=False))
    if count > limits.PARAMETERS:
        c.add("network.layers", f"the layers hold {count:,} weights (about {limits.megabytes(4 * count)} at "
                                f"float32); at most {limits.PARAMETERS:,} are allowed")


def _check_points(c: Checker, points: Any, path: str) -> None:
    if not isinstance(points, list):
        c.add(path, f"expected a list of [x1, x2, label, split], got {_kind(points)}")
        return
    if len(points) > limits.DRAWN_POINTS:
        c.add(path, f"{len(points):,} drawn points; at most {limits.DRAWN_POINTS:,} are allowed")
        return
    for i, p in enumerate(points):
        pp = f"{path}[{i}]"
        if not isinstance(p, list) or len(p) not in (3, 4):
            c.add(pp, f"expected [x1, x2, label, split], got {_kind(p)}")
            continue
        c.number(p[0], f"{pp}[0]")
        c.number(p[1], f"{pp}[1]")
        if not (isinstance(p[2], str) and p[2]):
            c.number(p[2], f"{pp}[2]", what="a class index, class name or target value")
        if len(p) == 4:
            c.string(p[3], f"{pp}[3]", ("train", "test"))


def check_data(c: Checker, data: Any) -> None:
    from core.datasets.toy import MAX_SAMPLES, TOY_NAMES

    if not isinstance(data, dict):
        c.add("data", f"expected an object, got {_kind(data)}")
        return
    source = data.get("source")
    if source not in DATA_KEYS:
        c.add("data.source", f"expected one of {', '.join(DATA_KEYS)}, got {_kind(source)}")
        return
    c.obj(data, "data", DATA_KEYS[source] | {"source"}, ("name",) if source == "toy" else
          ("path",) if source == "csv" else ())
    if "test_fraction" in data:
        c.number(data["test_fraction"], "data.test_fraction", lambda v: 0.0 <= v < 1.0, "a number in [0, 1)")
    if data.get("seed") is not None:
        c.integer(data["seed"], "data.seed", 0, limits.SEED, _SEED_RANGE)
    if "scaling" in data:
        c.string(data["scaling"], "data.scaling", SCALINGS)
    if source == "toy":
        if "name" in data:
            c.string(data["name"], "data.name", TOY_NAMES)
        if "samples" in data:
            c.integer(data["samples"], "data.samples", 0, MAX_SAMPLES, f"an integer in 0..{MAX_SAMPLES}")
        if "noise" in data:
            c.number(data["noise"], "data.noise", lambda v: 0.0 <= v <= 1.0, "a number in [0, 1]")
        if "classes" in data:
            c.integer(data["classes"], "data.classes", 3, 6, "an integer in 3..6")
        if "points" in data:
            _check_points(c, data["points"], "data.points")
    elif source == "csv":
        if "path" in data:
            c.string(data["path"], "data.path")
        target = data.get("target")
        if isinstance(target, list):
            if not target:
                c.add("data.target", "expected a column name or a non-empty list of names")
            for i, t in enumerate(target):
                c.string(t, f"data.target[{i}]")
        elif target is not None:
            c.string(target, "data.target")
        if "ignore" in data:
            if not isinstance(data["ignore"], list):
                c.add("data.ignore", f"expected a list of column names, got {_kind(data['ignore'])}")
            else:
                for i, col in enumerate(data["ignore"]):
                    c.string(col, f"data.ignore[{i}]")
        if data.get("test_path") is not None:
            c.string(data["test_path"], "data.test_path")
        if "target_scaling" in data:
            c.string(data["target_scaling"], "data.target_scaling", ("none", "standard"))
        if "missing" in data:
            c.string(data["missing"], "data.missing", ("drop", "impute"))
        if "task" in data:
            c.string(data["task"], "data.task", TASKS)
        if "header" in data and data["header"] != "auto":
            if not isinstance(data["header"], bool):
                c.add("data.header", f"expected \"auto\", true or false, got {_kind(data['header'])}")
    else:
        if data.get("path") is not None:
            c.string(data["path"], "data.path")
        sub = data.get("subset")
        if sub is not None and sub != "bundled":
            c.integer(sub, "data.subset", 1, limits.MNIST_SUBSET,
                      f'"bundled", an integer in 1..{limits.MNIST_SUBSET:,} or null')
        if "download" in data:
            c.boolean(data["download"], "data.download")


def _check_training(c: Checker, tr: Any) -> None:
    from core import losses, optimizers, schedules

    if not c.obj(tr, "training", TRAINING_KEYS):
        return
    if "loss" in tr and tr["loss"] != "auto":
        c.engine(tr["loss"], "training.loss", losses.get, "loss")
    if "optimizer" in tr:
        c.engine(tr["optimizer"], "training.optimizer", optimizers.get, "optimizer")
    if "batch_size" in tr:
        c.integer(tr["batch_size"], "training.batch_size", 1, limits.BATCH_SIZE,
                  "a positive integer")
    if tr.get("epochs") is not None:  # null: train until stopped (the app; ffstudio train needs --epochs)
        c.integer(tr["epochs"], "training.epochs", 1, limits.EPOCHS,
                  "a positive integer, or null for 'until stopped'")
    if tr.get("seed") is not None:
        c.integer(tr["seed"], "training.seed", 0, limits.SEED, _SEED_RANGE)
    if "shuffle" in tr:
        c.boolean(tr["shuffle"], "training.shuffle")
    if "metrics" in tr:
        from core import metrics

        if not isinstance(tr["metrics"], list):
            c.add("training.metrics", f"expected a list of metric names, got {_kind(tr['metrics'])}")
        else:
            for i, m in enumerate(tr["metrics"]):
                if c.string(m, f"training.metrics[{i}]"):
                    c.engine(m, f"training.metrics[{i}]", metrics.get, "metric")
    es = tr.get("early_stopping")
    if es is not None and c.obj(es, "training.early_stopping", EARLY_STOPPING_KEYS):
        from core.callbacks import EarlyStopping

        patience = es.get("patience")
        if isinstance(patience, int) and patience > limits.PATIENCE:  # the engine checks the rest
            c.add("training.early_stopping.patience", f"expected a non-negative integer of at most "
                                                      f"{limits.PATIENCE:,}, got {_kind(patience)}")
        else:
            try:
                EarlyStopping(**es)
            except (ValueError, TypeError) as exc:
                c.add("training.early_stopping", str(exc))
    if tr.get("schedule") is not None:
        c.engine(tr["schedule"], "training.schedule", schedules.get, "schedule")
    if tr.get("record") is not None:
        from core.record_settings import record_problems

        for where, message in record_problems(tr["record"]):
            c.add(where, message)


def _check_layout(c: Checker, layout: Any) -> None:
    if not isinstance(layout, dict):
        c.add("layout", f"expected an object mapping layer ids to [x, y], got {_kind(layout)}")
        return
    for key, pos in layout.items():
        if not isinstance(pos, list) or len(pos) != 2:
            c.add(f"layout.{key}", f"expected [x, y], got {_kind(pos)}")
        else:
            c.number(pos[0], f"layout.{key}[0]")
            c.number(pos[1], f"layout.{key}[1]")


def validate_project(doc: Any) -> list[str]:
    """Return every problem of a project document (empty list when it is valid)."""
    c = Checker()
    if not isinstance(doc, dict):
        c.add("$", f"expected a JSON object, got {_kind(doc)}")
        return c.problems
    if doc.get("format") != FORMAT:
        c.add("format", f'expected "{FORMAT}", got {_kind(doc.get("format"))}')
    version = doc.get("version")
    if not (isinstance(version, int) and not isinstance(version, bool)):
        c.add("version", f"expected an integer, got {_kind(version)}")
    elif version > VERSION:
        c.add("version", f"this file was written by a newer Feedforward Studio (version {version}); "
                         f"this one reads versions 1..{VERSION}")
    elif version < 1:
        c.add("version", f"expected 1..{VERSION}, got {version}")
    c.obj(doc, "$", TOP_KEYS, ("network", "data", "training"))
    for key in ("name", "description"):
        if key in doc and not isinstance(doc[key], str):
            c.add(key, f"expected a string, got {_kind(doc[key])}")
    if "network" in doc:
        _check_network(c, doc["network"])
    if "data" in doc:
        check_data(c, doc["data"])
    if "training" in doc:
        _check_training(c, doc["training"])
    if doc.get("layout") is not None:
        _check_layout(c, doc["layout"])
    if doc.get("weights") is not None:
        c.string(doc["weights"], "weights")
    if doc.get("results") is not None:
        res = doc["results"]
        if not isinstance(res, dict):
            c.add("results", f"expected an object, got {_kind(res)}")
        else:
            for k, v in res.items():
                if v is not None and not (isinstance(v, int | float) and not isinstance(v, bool)):
                    c.add(f"results.{k}", f"expected a number or null, got {_kind(v)}")
    if doc.get("gui") is not None:
        _check_gui(c, doc["gui"])
    return c.problems


def _check_gui(c: Checker, gui: Any) -> None:
    if not isinstance(gui, dict):
        c.add("gui", f"expected an object, got {_kind(gui)}")
        return
    size = len(json.dumps(gui))
    if size > limits.GUI_BYTES:
        c.add("gui", f"is {limits.megabytes(size)} of JSON; window state may be at most "
                     f"{limits.megabytes(limits.GUI_BYTES)}")
