"""The `ffstudio` command: no arguments opens the app; sub-commands run headless."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import NoReturn

from core.errors import FFStudioError
from studio.commands import register_all


class _Parser(argparse.ArgumentParser):
    """ArgumentParser whose usage errors are one line ``error: ...`` on stderr with exit code 2.

    Sub-command parsers inherit this class (``add_subparsers`` uses the parent's class); ``--help``
    is unchanged.
    """

    def error(self, message: str) -> NoReturn:  # noqa: D401 - argparse hook
        command = self.prog.removeprefix("ffstudio").strip()
        hint = f" (see `ffstudio {command + ' ' if command else ''}--help`)"
        self.exit(2, f"error: {message}{hint}\n")


def build_parser() -> argparse.ArgumentParser:
    """Return the top-level parser with every sub-command registered."""
    parser = _Parser(
        prog="ffstudio",
        description="Feedforward Studio: design, train and understand feedforward neural networks. "
        "Without a sub-command the desktop app opens.",
    )
    parser.add_argument("project", nargs="?", help="project file to open in the app (optional)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", prog="ffstudio")
    register_all(sub)
    parser.set_defaults(_subcommands=sub.choices)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Parse ``argv`` and run; returns the process exit code (2 for user errors)."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    commands = parser.get_default("_subcommands")
    # usage errors exit 2 with one line (see _Parser.error); --help exits 0
    if args_list and args_list[0] in commands:
        # parse sub-commands with their own parser: the optional GUI `project` positional above
        # would otherwise swallow the command name
        args = commands[args_list[0]].parse_args(args_list[1:])
        args.command = args_list[0]
    else:
        args = parser.parse_args(args_list)
    try:
        if args.command is None:
            from studio.app import run_app

            return run_app(args.project)
        return int(args.run(args) or 0)
    except FFStudioError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
