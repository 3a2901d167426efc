"""The Explain output does not change: every example project and every layer kind, against the pinned file.

The pinned text (``format_explanation``, ``neuron_lines``, ``ffstudio explain``'s stdout) must match line for
line; the JSON numbers to 12 significant digits (the same computation; only BLAS summation order may move
the last bits). See ``tests/core/explain_cases.py`` for the cases.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.core import explain_cases

PINNED = json.loads(explain_cases.PINNED.read_text(encoding="utf-8"))


def _numbers_match(got: Any, want: Any, where: str) -> None:
    if isinstance(want, dict):
        assert isinstance(got, dict) and got.keys() == want.keys(), where
        for key in want:
            _numbers_match(got[key], want[key], f"{where}.{key}")
    elif isinstance(want, list):
        assert isinstance(got, list) and len(got) == len(want), where
        for i, (g, w) in enumerate(zip(got, want, strict=True)):
            _numbers_match(g, w, f"{where}[{i}]")
    elif isinstance(want, float):
        assert got == pytest.approx(want, rel=1e-12, abs=1e-15), where
    else:
        assert got == want, where


@pytest.fixture(scope="module")
def computed() -> dict[str, dict[str, Any]]:
    return explain_cases.cases()


def test_every_example_and_every_layer_kind_is_pinned(computed) -> None:
    assert set(computed) == set(PINNED["cases"])
    assert {f"{p.stem} with target" for p in explain_cases.EXAMPLES} <= set(computed)
    kinds = {layer["kind"] for case in PINNED["cases"].values() for layer in case["json"]["layers"]}
    assert kinds == {"Normalization", "Dense", "Activation", "PReLU", "Dropout"}
    units = {line.split(", ")[-1] for case in PINNED["cases"].values() for line in case["text"]
             if line.startswith("target_scaling (")}
    assert units == {"undoes the target scaling: back to target units)"}


@pytest.mark.parametrize("name", sorted(PINNED["cases"]))
def test_explanation_is_unchanged(computed, name: str) -> None:
    got, want = computed[name], PINNED["cases"][name]
    for part in ("text", "forward_only", "neurons"):
        assert got[part] == want[part], f"{name}: {part}"
    _numbers_match(got["json"], want["json"], f"{name}.json")


def test_cli_explain_output_is_unchanged() -> None:
    got = explain_cases.cli_outputs()
    assert got.keys() == PINNED["cli"].keys()
    for name, want in PINNED["cli"].items():
        assert got[name][:-1] == want[:-1], name
        _numbers_match(json.loads(got[name][-1]), json.loads(want[-1]), f"cli {name}")
