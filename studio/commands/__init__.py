"""Sub-commands of `ffstudio`. Each module defines `register(subparsers)`; none imports Qt at import time."""

from __future__ import annotations

import argparse
import importlib

# Module names under studio.commands, in the order `--help` lists them.
COMMANDS = ("train", "export", "predict", "screenshot")


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
