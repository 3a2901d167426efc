"""The `ffstudio` command: no arguments opens the app; sub-commands run headless."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
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


def _open_parser() -> argparse.ArgumentParser:
    """``ffstudio [PROJECT.json]``: the app. Kept apart from the sub-commands, whose positional would
    otherwise take the file name for a command name."""
    parser = _Parser(prog="ffstudio", add_help=False)
    parser.add_argument("project", nargs="?")
    return parser


def project_to_open(arg: str | None, commands: Sequence[str] = ()) -> Path | None:
    """The absolute path of the project ``ffstudio PROJECT.json`` should open (None: the default).

    Raises FFStudioError when the file is missing or not a valid project, so the user gets one line
    before any window appears.
    """
    if arg is None:
        return None
    path = Path(arg).expanduser()
    if not path.exists():
        if commands and path.suffix.lower() != ".json" and len(path.parts) == 1:
            raise FFStudioError(f"{arg!r} is neither a command ({', '.join(commands)}) nor a project file")
        raise FFStudioError(f"{arg}: project file not found")
    if not path.is_file():
        raise FFStudioError(f"{arg}: not a file (expected a project .json file)")
    from core.project import load_project

    load_project(path)  # a broken project fails here with the same one-line errors as `ffstudio train`
    return path.resolve()


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
    elif any(a in ("-h", "--help") for a in args_list):
        args = parser.parse_args(args_list)  # prints the help listing every command, exits 0
    else:
        args = _open_parser().parse_args(args_list)
        args.command = None
    try:
        if args.command is None:
            from studio.app import run_app

            project = project_to_open(args.project, list(commands))
            return run_app(None if project is None else str(project))
        return int(args.run(args) or 0)
    except FFStudioError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
