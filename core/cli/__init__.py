"""Headless sub-commands of `ffstudio` (train, export, predict, evaluate, explain, lr-find): no Qt.

Each module defines ``register(subparsers)``; ``studio.cli`` adds them to the `ffstudio` parser next to
the GUI-side commands. They import their engine modules only when run.
"""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Callable

# Module names under core.cli, in the order `--help` lists them.
COMMANDS = ("train", "export", "predict", "evaluate", "explain", "lr_find")


def int_at_least(minimum: int) -> Callable[[str], int]:
    """An argparse ``type`` accepting integers >= ``minimum`` with a message that says what was expected."""
    expected = "a positive integer" if minimum == 1 else f"an integer >= {minimum}"
    if minimum == 0:
        expected = "a non-negative integer"

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = minimum - 1
        if value < minimum:
            raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}")
        return value

    return parse


def register_all(subparsers: argparse._SubParsersAction) -> None:
    """Add the headless sub-command parsers to ``subparsers``."""
    for name in COMMANDS:
        importlib.import_module(f"core.cli.{name}").register(subparsers)
