"""`ffstudio record PROJECT.json -o run.gif [--epochs N] [--fps F] [--size WxH] [--every K]`.

Trains a project headless and saves the run as an animated GIF (Qt paints the frames offscreen, Pillow
writes the file).
"""

from __future__ import annotations

import argparse
import os
import sys

from core.cli import int_at_least

_HELP = """\
Train PROJECT.json from its initial weights (training.seed) and save the run as an animated GIF,
for slides: each frame shows the decision boundary over the input plane with the training points,
the loss curves so far and the epoch counter with the validation accuracy (mae for regression).

A frame is taken every K epochs (--every; default about 60 frames over the run), plus the initial
and the final state; the last frame is held 2 s longer. --every, --fps and --size default to the
project's "training": {"record": {"every": K, "fps": F, "size": [W, H]}} (what the app's Record
toggle uses), else about 60 frames, 10 fps, 800x420. The GIF loops forever. Frames are painted
offscreen (no display needed) and written with Pillow. The project file is not changed.

Data with more than two features is shown on the plane of the first two, the others held at their
medians (as the app's boundary plot does).

Exit codes: 0 success, 2 user error with one line "error: ..." on stderr.
"""


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not 0 < value <= 50:
        raise argparse.ArgumentTypeError(f"expected a number of frames per second in (0, 50], got {text!r}")
    return value


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `record` sub-command."""
    from studio.commands.screenshot import _size

    p = subparsers.add_parser("record", prog="ffstudio record",
                              help="train a project and save the run as an animated GIF",
                              description=_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("project", metavar="PROJECT.json", help="project file")
    p.add_argument("-o", "--output", required=True, metavar="OUT.gif", help="GIF file to write")
    p.add_argument("--epochs", type=int_at_least(1), metavar="N",
                   help="epochs to train (overrides training.epochs)")
    p.add_argument("--fps", type=_positive_float, metavar="F", help="frames per second (10)")
    p.add_argument("--size", type=_size, metavar="WxH", help="frame size (800x420)")
    p.add_argument("--every", type=int_at_least(1), metavar="K", help="epochs between two frames")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Record; raises FFStudioError for user errors."""
    from core.errors import FFStudioError
    from core.project import load_project

    if not os.path.isfile(args.project):
        raise FFStudioError(f"{args.project}: file not found")
    out_dir = os.path.dirname(os.path.abspath(args.output))
    if not os.path.isdir(out_dir):
        raise FFStudioError(f"{args.output}: folder {out_dir} does not exist")
    load_project(args.project)  # validates first: one clear line
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QGuiApplication

    from studio.recording import record_run

    _app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    try:
        result = record_run(args.project, args.output, epochs=args.epochs, fps=args.fps, size=args.size,
                            every=args.every)
    except OSError as exc:
        raise FFStudioError(f"{args.output}: cannot write ({exc.strerror or exc})") from None
    except ValueError as exc:
        raise FFStudioError(f"{args.project}: {exc}") from None
    print(f"wrote {result.path} ({result.frames} frames, {result.size[0]}x{result.size[1]}, "
          f"{result.epochs} epochs)")
    return 0
