"""Sub-commands of `ffstudio`: the headless ones from ``core.cli`` plus `screenshot` (the only one using Qt).

Each module defines `register(subparsers)`; none imports Qt at import time.
"""

from __future__ import annotations

import argparse

from core import cli as core_cli


def register_all(subparsers: argparse._SubParsersAction) -> None:
    """Add every sub-command parser to ``subparsers``: the headless ones of ``core.cli`` and screenshot."""
    from studio.commands import screenshot

    core_cli.register_all(subparsers)
    screenshot.register(subparsers)
