"""`ffstudio explain PROJECT.json --input "x1=1.0,x2=0.5" [--target T]`: the forward pass with numbers."""

from __future__ import annotations

import argparse
from typing import Any

_HELP = """\
Show the forward pass of one input through the project's network, with the real numbers: for every
neuron z = w1·x1 + w2·x2 + ... + b and a = f(z), starting with the scaled inputs the input layer
computes. With --target the loss of that sample follows, and the backward pass: dL/dz per neuron
and dL/dw per link (the data loss of this one sample, without regularization penalties).

The network uses the project's trained weights when it references a weights file (its "weights"
entry), otherwise the initial weights drawn from training.seed; the first line says which.

--input lists the raw column values by name ("x1=1.0,x2=0.5") or in order ("1.0,0.5"); a
categorical column takes a category ("island=Dream") and is one-hot encoded as in training.
--target is a class for classification, comma-separated numbers for regression. A value that is
exactly one of the class names is that class; any other integer is a class index counted from 0.
So with classes 1, 2, 3 "--target 1" is class 1 (index 0), and "--target 0" is index 0, class 1
as well. The line after the first says which class the target is.

The last line on stdout is one JSON object:
  {"weights": "trained"|"initial", "inputs": {...}, "layers": [{"name", "kind", "z", "a"}, ...],
   "output": [...]}, plus "loss", "target" and per layer "dL_dz" (and "dL_dkernel", "dL_dbias")
   with --target.
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `explain` sub-command."""
    p = subparsers.add_parser("explain", prog="ffstudio explain",
                              help="print the forward (and backward) pass of one input with its numbers",
                              description=_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("project", metavar="PROJECT.json", help="project file")
    p.add_argument("--input", "-i", required=True, metavar="VALUES",
                   help='feature values, "x1=1.0,x2=0.5" or "1.0,0.5"')
    p.add_argument("--target", "-t", metavar="T",
                   help="target of this sample: a class name (an exact name wins), else a class index "
                        "from 0; number(s) for regression")
    p.set_defaults(run=run)


def parse_input(text: str, names: list[str]) -> dict[str, str]:
    """Raw column values from ``"x1=1.0,x2=0.5"`` (by name, any order) or ``"1.0,0.5"`` (in order).

    Values stay text (categorical columns take category names); raises ValueError saying what was
    expected.
    """
    expected = f"expected {len(names)} value(s) for {', '.join(names)}"
    values: dict[str, str] = {}
    for k, part in enumerate(p.strip() for p in text.split(",") if p.strip()):
        name, sep, value = part.partition("=")
        if not sep:
            name, value = (names[k] if k < len(names) else f"#{k + 1}"), part
        name = name.strip()
        if name not in names:
            raise ValueError(f"--input: unknown column {name!r}; {expected}")
        values[name] = value.strip()
    missing = [n for n in names if n not in values]
    if missing:
        raise ValueError(f"--input: no value for {', '.join(missing)}; {expected}")
    return values


def encode_input(text: str, preprocessing: dict[str, Any]) -> tuple[list[str], list[float]]:
    """``(feature names, feature values)`` of one input given as raw column values (categorical columns
    one-hot encoded as in training). Raises ValueError/DataError naming the column."""
    import numpy as np
    import pandas as pd

    from core.datasets.encoding import encode_frame, feature_names_for

    columns = preprocessing.get("columns") or [{"name": n, "kind": "numeric"}
                                               for n in preprocessing.get("feature_names", [])]
    raw = parse_input(text, [str(c["name"]) for c in columns])
    x = encode_frame({"columns": columns}, pd.DataFrame([raw]), dtype=np.float64)[0]
    if not np.isfinite(x).all():
        raise ValueError("--input: values must be finite numbers")
    return feature_names_for(columns), [float(v) for v in x]


def load_network(project_path: str) -> tuple[Any, dict[str, Any], str]:
    """``(compiled model, preprocessing, "trained"|"initial")`` for a project: its trained weights when it
    references a weights file, else a fresh model initialized from training.seed (the data is loaded)."""
    from core.project import build_dataset, build_model, load_project

    project = load_project(project_path)
    if project.weights:
        from core.predict import load_trained

        trained = load_trained(project_path)
        return trained.model, trained.preprocessing, "trained"
    dataset = build_dataset(project)
    return build_model(project, dataset), dict(dataset.preprocessing), "initial"


def run(args: argparse.Namespace) -> int:
    """Explain one input; the worked computation, then one JSON line."""
    import json

    from core.errors import FFStudioError
    from core.explain import class_index, explain, target_row
    from core.explain_text import format_explanation

    model, prep, which = load_network(args.project)
    if not prep.get("columns") and not prep.get("feature_names"):
        prep = {**prep, "feature_names": [f"x{i + 1}" for i in range(model.input_dim)]}
    task, classes = str(prep.get("task", "regression")), [str(c) for c in prep.get("class_names") or ()]
    try:
        names, x = encode_input(args.input, prep)
        target = None
        if args.target is not None:
            target = target_row(args.target, task=task, loss_name=model.loss.name,
                                units=int(model.output_dim), class_names=classes)
        exp = explain(model, x, target, input_names=names)
    except ValueError as exc:
        raise FFStudioError(f"{args.project}: {exc}") from None
    what = "trained weights" if which == "trained" else \
        "initial weights (training.seed; the project has no trained weights)"
    print(f"{args.project}: {what}")
    if args.target is not None and task != "regression":
        index = class_index(args.target, classes)
        named = f"class {classes[index]!r}" if index < len(classes) else "class"
        how = "the class name" if args.target.strip() in classes else "a class index"
        print(f"--target {args.target.strip()}: {named} (index {index}; read as {how})")
    print(format_explanation(exp))
    doc = {"weights": which, **exp.to_json()}
    print(json.dumps(doc, allow_nan=False), flush=True)
    return 0
