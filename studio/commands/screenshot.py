"""`ffstudio screenshot PROJECT.json -o out.png [--train-epochs N] [--size WxH]`: render the main window.

Qt is imported only when the command runs. Without a display the offscreen platform is used.
"""

from __future__ import annotations

import argparse
import os
import sys

_HELP = """\
Open PROJECT.json in the main window (offscreen when there is no display), train it for N epochs
in the worker thread exactly as the Play button does, and save a PNG of the whole window.

Used for the README's pictures; regenerate them all with `make screenshots`.

  --show curves|health|evaluation   which bottom panel is in front (default: curves; evaluation
                                    for MNIST so the digit gallery shows)

Exit codes: 0 success, 2 user error (bad project, bad data, training failed) with one line
"error: ..." on stderr.
"""

PANELS = ("curves", "health", "evaluation")


def _size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected WIDTHxHEIGHT like 1600x1000, got {text!r}") from None
    if not (320 <= w <= 8000 and 240 <= h <= 8000):
        raise argparse.ArgumentTypeError(f"size must be between 320x240 and 8000x8000, got {text!r}")
    return w, h


def _epochs(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a non-negative integer, got {text!r}") from None
    if n < 0:
        raise argparse.ArgumentTypeError(f"expected a non-negative integer, got {text!r}")
    return n


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `screenshot` sub-command."""
    p = subparsers.add_parser(
        "screenshot",
        help="render the main window with a project to a PNG",
        description=_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("project", metavar="PROJECT.json", help="project file to open")
    p.add_argument("-o", "--output", required=True, metavar="OUT.png", help="PNG file to write")
    p.add_argument(
        "--train-epochs",
        type=_epochs,
        default=0,
        metavar="N",
        help="train this many epochs before the picture (default 0)",
    )
    p.add_argument(
        "--size",
        type=_size,
        default=(1600, 1000),
        metavar="WxH",
        help="window size in pixels (default 1600x1000)",
    )
    p.add_argument("--show", choices=PANELS, default=None, help="bottom panel in front")
    p.add_argument("--theme", choices=("system", "light", "dark"), default="system", help="colour theme")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Render and save; raises FFStudioError for user errors (the CLI prints one line, exit 2)."""
    from core.errors import FFStudioError
    from core.project import load_project

    if not os.path.isfile(args.project):
        raise FFStudioError(f"{args.project}: file not found")
    out_dir = os.path.dirname(os.path.abspath(args.output))
    if not os.path.isdir(out_dir):
        raise FFStudioError(f"{args.output}: folder {out_dir} does not exist")
    load_project(args.project)  # validates first: one clear line instead of a dialog
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    dark = {"system": None, "light": False, "dark": True}[args.theme]
    image = render(args.project, args.size, args.train_epochs, args.show, dark)
    tmp = args.output + ".tmp.png"
    if not image.save(tmp, "PNG"):
        raise FFStudioError(f"{args.output}: could not write the PNG")
    os.replace(tmp, args.output)
    note = ""
    if (image.width(), image.height()) != tuple(args.size):
        note = f"; the window cannot be smaller than {image.width()}x{image.height()}"
    print(f"wrote {args.output} ({image.width()}x{image.height()}{note})", file=sys.stderr)
    return 0


def render(project: str, size: tuple[int, int], train_epochs: int, show: str | None = None,
           dark: bool | None = None):
    """Open ``project`` in a main window of ``size``, train ``train_epochs`` epochs, return a QImage.

    ``dark``: None follows the system colour scheme, True/False force the dark/light theme.
    """
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    from core.errors import FFStudioError
    from studio import theme
    from studio.main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    theme.apply(app, dark=dark)
    from PySide6.QtCore import QSettings

    settings = QSettings(os.path.join(_tmpdir(), "screenshot.ini"), QSettings.Format.IniFormat)
    window = MainWindow(settings=settings)
    window.ask_save_changes = lambda: "discard"
    if not window.load_project_file(project):
        raise FFStudioError(f"{project}: the project could not be opened")
    window.resize(*size)
    window.show()
    _spin(app, 200)
    window.canvas.fit_to_view()
    tc = window.training
    if tc.last_error:
        raise FFStudioError(tc.last_error)
    if window.dataset is None:
        raise FFStudioError(f"{project}: the data could not be loaded")
    if show is None:
        show = "evaluation" if window.dataset.source == "mnist" else "curves"
    if train_epochs:
        if not tc.train_epochs(train_epochs, timeout_s=600):
            raise FFStudioError(tc.last_error or f"training {train_epochs} epochs did not finish")
    dock = {"curves": tc.curves_dock, "health": tc.health_dock, "evaluation": tc.eval_dock}[show]
    dock.raise_()
    if show == "evaluation" and window.dataset.source == "mnist":
        tc.evaluation.tabs.setCurrentIndex(tc.evaluation.gallery_index)
    tc.curves.redraw.flush()
    tc.health.redraw.flush()
    _spin(app, 300)
    window.canvas.fit_to_view()
    _spin(app, 100)
    image = window.grab().toImage()
    tc.shutdown()
    window.close()
    loop = QEventLoop()
    QTimer.singleShot(0, loop.quit)
    loop.exec()
    return image


def _spin(app, ms: int) -> None:
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def _tmpdir() -> str:
    import tempfile

    d = os.path.join(tempfile.gettempdir(), "ffstudio-screenshot")
    os.makedirs(d, exist_ok=True)
    return d
