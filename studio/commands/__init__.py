"""Sub-commands of `ffstudio`. Each module defines `register(subparsers)`; none imports Qt at import time."""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Callable

# Module names under studio.commands, in the order `--help` lists them.
COMMANDS = ("train", "export", "predict", "screenshot")


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
    """Add every available sub-command parser to ``subparsers``."""
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"studio.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"studio.commands.{name}":
                raise
            continue
        module.register(subparsers)
