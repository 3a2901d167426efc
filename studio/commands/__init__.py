"""Sub-commands of `ffstudio`: the headless ones from ``core.cli`` plus `screenshot` and `record` (Qt).

Each module defines `register(subparsers)`; none imports Qt at import time.
"""

from __future__ import annotations

import argparse

from core import cli as core_cli


def register_all(subparsers: argparse._SubParsersAction) -> None:
    """Add every sub-command parser to ``subparsers``: the headless ones, screenshot, record."""
    from studio.commands import record, screenshot

    core_cli.register_all(subparsers)
    screenshot.register(subparsers)
    record.register(subparsers)
