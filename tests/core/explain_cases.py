"""Explanations pinned in ``tests/data/explain_pinned.json``: every example project and every layer kind.

``cases()`` computes, for each case, what a user reads: ``format_explanation``'s text (as ``ffstudio
explain`` prints it), every neuron's ``neuron_lines`` (as the Explain tab shows the neuron under the
mouse) and ``Explanation.to_json`` (the CLI's JSON line, its numbers), with long arrays summarized by
:func:`pin`. The pinned file was written before explain's per-kind steps moved into the layer classes;
``python -m tests.core.explain_cases`` rewrites it (only when an output change is intended).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
PINNED = ROOT / "tests" / "data" / "explain_pinned.json"
EXAMPLES = sorted((ROOT / "assets" / "examples").glob("*.json"))
#: arrays longer than this are pinned by a summary (MNIST's 784x256 kernel gradient is 200k numbers)
LONG = 48


def pin(value: Any) -> Any:
    """``value`` (nested lists/dicts of floats) with each list longer than :data:`LONG` replaced by its
    length, first 16 values, 32 evenly spaced values, sum and sum of absolute values."""
    if isinstance(value, dict):
        return {k: pin(v) for k, v in value.items()}
    if isinstance(value, list) and value and isinstance(value[0], list) and len(value) > LONG:
        return pin([x for row in value for x in row])
    if isinstance(value, list) and value and isinstance(value[0], list | dict):
        return [pin(v) for v in value]
    if isinstance(value, list) and len(value) > LONG:
        step = len(value) / 32
        return {"n": len(value), "head": value[:16], "spread": [value[int(i * step)] for i in range(32)],
                "sum": math.fsum(value), "abs": math.fsum(abs(v) for v in value)}
    return value


def _describe(exp: Any) -> dict[str, Any]:
    from core.explain_text import format_explanation, neuron_lines

    neurons = [[line for j in range(min(t.a.size, 24)) for line in neuron_lines(t, j)] for t in exp.layers]
    return {"text": format_explanation(exp).splitlines(),
            "forward_only": format_explanation(exp, backward=False, max_units=4, max_terms=3).splitlines(),
            "neurons": neurons, "json": pin(exp.to_json())}


def _example_cases() -> Iterator[tuple[str, Any]]:
    """Each example project with its initial weights (training.seed), on its first test row."""
    from core.explain import explain, label_target
    from core.project import build_dataset, build_model, load_project

    for path in EXAMPLES:
        project = load_project(str(path))
        ds = build_dataset(project)
        model = build_model(project, ds)
        x = ds.x_test[0]
        target = label_target(ds.y_test[0], task=ds.task, units=int(model.output_dim))
        names = list(ds.feature_names)
        yield f"{path.stem}", explain(model, x, None, input_names=names)
        yield f"{path.stem} with target", explain(model, x, target, input_names=names)


def _kinds_model(loss: str, *, features: bool, last: str) -> Any:
    """Every engine layer class in one float64 network (3 raw inputs), built from a fixed seed."""
    from core import Sequential
    from core.layers import Activation, Dense, Dropout, Normalization, PReLU

    norm = Normalization(mean=[1.0, -2.0, 0.5], variance=[4.0, 0.25, 0.0],
                         features=[["identity", 0], ["square", 1], ["sin", 2], ["product", 0, 1]]
                         if features else None)
    layers = [norm, Dense(5, bias_initializer=0.1), PReLU(alpha_initializer=0.3), Dropout(0.5),
              Dense(4, activation="tanh", use_bias=False), Activation("sigmoid"), Dense(3)]
    if last == "softmax layer":
        layers.append(Activation("softmax"))
    elif last == "softmax":
        layers[-1] = Dense(3, activation="softmax")
    m = Sequential(layers, dtype="float64")
    m.compile(optimizer="sgd", loss=loss)
    m.build(3, seed=11)
    return m


def _target_scaled_model() -> Any:
    from core import Sequential, losses
    from core.layers import Activation, Dense, Normalization, PReLU
    from core.target_scaling import StandardizedLoss, inverse_layer

    mean, std = np.array([150.0, -3.0]), np.array([77.0, 0.5])
    m = Sequential([Normalization(mean=[0.5, 2.0], variance=[0.25, 9.0]), Dense(4, activation="elu"),
                    PReLU(), Activation("swish"), Dense(2), inverse_layer(mean, std)], dtype="float64")
    m.compile(optimizer="sgd", loss=StandardizedLoss(losses.get("mae"), mean, std))
    m.build(2, seed=5)
    return m


def _kind_cases() -> Iterator[tuple[str, Any]]:
    """Synthetic networks holding every layer class, fused and unfused output gradients, target scaling."""
    from core.explain import explain

    x = [2.5, -1.75, 0.5]
    for loss, last, features in (("categorical_crossentropy", "softmax", True),
                                 ("sparse_categorical_crossentropy", "softmax layer", False),
                                 ("mse", "linear", False),
                                 ("categorical_crossentropy", "softmax layer", True)):
        m = _kinds_model(loss, features=features, last=last)
        name = f"all kinds, {loss}, {last}{', features' if features else ''}"
        yield name, explain(m, x, None)
        yield name + " with target", explain(m, x, np.array([0.0, 1.0, 0.0]) if loss != "mse"
                                             else np.array([0.3, -1.2, 2.0]))
    m = _target_scaled_model()
    names = ["a", "b"]
    yield "target scaling", explain(m, [0.9, -4.0], None, input_names=names)
    yield "target scaling with target", explain(m, [0.9, -4.0], np.array([220.0, -2.5]), input_names=names)


def cases() -> dict[str, dict[str, Any]]:
    """Every pinned case: name -> {"text", "forward_only", "neurons", "json"}."""
    out = {}
    for name, exp in (*_example_cases(), *_kind_cases()):
        out[name] = _describe(exp)
    return out


def cli_outputs() -> dict[str, list[str]]:
    """``ffstudio explain``'s stdout on the examples with a small input (xor, penguins with Dropout)."""
    import contextlib
    import io

    from studio.cli import main

    runs = {"xor": ["assets/examples/xor.json", "--input", "x2=0.5,x1=1.0", "--target", "1"],
            "penguins": ["assets/examples/penguins.json", "--input",
                         "island=Dream,bill_length_mm=40,bill_depth_mm=18,flipper_length_mm=190,"
                         "body_mass_g=3800,sex=female", "--target", "Adelie"]}
    out = {}
    for name, argv in runs.items():
        buffer = io.StringIO()
        with contextlib.redirect_stdout(buffer):
            code = main(["explain", *[str(ROOT / a) if a.startswith("assets/") else a for a in argv]])
        assert code == 0, buffer.getvalue()
        lines = buffer.getvalue().splitlines()
        out[name] = [*lines[1:-1], json.dumps(pin(json.loads(lines[-1])))]  # line 0 names the file path
    return out


if __name__ == "__main__":
    document = {"cases": cases(), "cli": cli_outputs()}
    PINNED.write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {PINNED} ({PINNED.stat().st_size:,} bytes, {len(document['cases'])} cases)")
