"""`ffstudio screenshot (PROJECT.json | --template NAME | --empty) -o out.png [--break] [--train-epochs N]`.

Renders the main window to a PNG.

Qt is imported only when the command runs. Without a display the offscreen platform is used.
"""

from __future__ import annotations

import argparse
import os
import sys

from core.cli import int_at_least

_HELP = """\
Open PROJECT.json in the main window (offscreen when there is no display), train it for N epochs
in the worker thread exactly as the Play button does, and save a PNG of the whole window.

Instead of a project file, --template NAME opens a ready-made network (File > New), and --empty
opens a blank canvas. --break disconnects the link into the output layer before the picture, so
the canvas and the Analysis panel show a validation error.

Used for the README's pictures; regenerate them all with `make screenshots` and
`make builder-screenshots`. For a 2x picture run with QT_SCALE_FACTOR=2.

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


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `screenshot` sub-command."""
    p = subparsers.add_parser(
        "screenshot",
        help="render the main window with a project to a PNG",
        description=_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("project", metavar="PROJECT.json", nargs="?", default=None, help="project file to open")
    from studio.templates import TEMPLATES

    p.add_argument("--template", choices=tuple(TEMPLATES), default=None, metavar="NAME",
                   help=f"open a ready-made network instead of a project ({', '.join(TEMPLATES)})")
    p.add_argument("--empty", action="store_true", help="show a blank canvas instead of a project")
    p.add_argument("--break", dest="broken", action="store_true",
                   help="disconnect the link into the output layer to show a validation error")
    p.add_argument("-o", "--output", required=True, metavar="OUT.png", help="PNG file to write")
    p.add_argument(
        "--train-epochs",
        type=int_at_least(0),
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
    p.add_argument("--lr-find", action="store_true",
                   help="show the Network tab after running its learning-rate finder")
    p.add_argument("--explain", action="store_true",
                   help="show the Explain tab, backward pass on, for the training point farthest from the "
                        "origin (images: the gallery's first digit)")
    p.add_argument("--record", action="store_true",
                   help="train --train-epochs N with the Record toggle on; the GIF goes beside OUT.png "
                        "(OUT.gif)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Render and save; raises FFStudioError for user errors (the CLI prints one line, exit 2)."""
    from core.errors import FFStudioError
    from core.files import check_destination, write_file
    from core.project import load_project

    sources = sum((args.project is not None, args.template is not None, bool(args.empty)))
    if sources != 1:
        raise FFStudioError("give exactly one of PROJECT.json, --template NAME or --empty")
    if args.empty and (args.broken or args.train_epochs):
        raise FFStudioError("--empty cannot be combined with --break or --train-epochs")
    check_destination(args.output, "PNG", FFStudioError, [args.project])
    if args.project is not None:
        load_project(args.project)  # validates first: one clear line instead of a dialog
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    dark = {"system": None, "light": False, "dark": True}[args.theme]
    failures: list[str] = []  # exceptions raised in Qt slots while the window draws
    previous_hook = sys.excepthook
    sys.excepthook = lambda kind, value, _tb: failures.append(f"{kind.__name__}: {value}".splitlines()[0])
    try:
        image = render(args.project, args.size, args.train_epochs, args.show, dark,
                       template=args.template, empty=args.empty, broken=args.broken, lr_find=args.lr_find,
                       explain=args.explain, record=os.path.splitext(args.output)[0] + ".gif" if args.record
                       else None)
    finally:
        sys.excepthook = previous_hook
    if failures:
        name = args.project or args.template or "blank canvas"
        raise FFStudioError(f"{name}: the window failed while drawing ({failures[0][:200]})")
    write_file(args.output, lambda fh: fh.write(png_bytes(image)), "PNG", FFStudioError)
    note = ""
    ratio = image.devicePixelRatio() or 1.0  # QT_SCALE_FACTOR=2: twice the pixels of --size
    if (round(image.width() / ratio), round(image.height() / ratio)) != tuple(args.size):
        note = f"; the window cannot be smaller than {image.width()}x{image.height()}"
    print(f"wrote {args.output} ({image.width()}x{image.height()}{note})", file=sys.stderr)
    return 0


def png_bytes(image) -> bytes:
    """A QImage encoded as PNG, in memory."""
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice

    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    buffer.close()
    return bytes(data.data())


def render(project: str | None, size: tuple[int, int], train_epochs: int, show: str | None = None,
           dark: bool | None = None, *, template: str | None = None, empty: bool = False,
           broken: bool = False, lr_find: bool = False, explain: bool = False, record: str | None = None):
    """Open ``project`` in a main window of ``size``, train ``train_epochs`` epochs, return a QImage.

    ``dark``: None follows the system colour scheme, True/False force the dark/light theme.
    ``template`` opens that ready-made network instead of a file, ``empty`` a blank canvas;
    ``broken`` disconnects the link into the output layer (a validation error on screen);
    ``lr_find`` shows the Network tab after its learning-rate finder ran; ``explain`` the Explain tab
    for the training point farthest from the origin (backward pass on, the first hidden neuron written
    out); ``record``: the GIF path the Record toggle writes the ``train_epochs`` to (the picture shows it
    still on).
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
    name = project or (f"template {template}" if template else "blank canvas")
    if project is not None:
        if not window.load_project_file(project):
            raise FFStudioError(f"{project}: the project could not be opened")
    elif not window.new_project(template):
        raise FFStudioError(f"{name}: could not be opened")
    window.resize(*size)
    window.show()
    window.workspace.wait_loaded(600.0)
    _spin(app, 200)
    window.canvas.fit_to_view()
    tc = window.training
    if tc.last_error and not empty:  # a blank canvas has no network to build: that is the point
        raise FFStudioError(tc.last_error)
    dataset = window.workspace.dataset
    if dataset is None:
        raise FFStudioError(f"{name}: the data could not be loaded")
    if show is None:
        show = "evaluation" if dataset.source == "mnist" else "curves"
    if record:
        if not train_epochs:
            raise FFStudioError("--record needs --train-epochs N (the epochs to record)")
        window.recorder.folder = os.path.dirname(os.path.abspath(record))
        window.recorder.next_name = os.path.basename(record)
        window.recorder.action.setChecked(True)
    if train_epochs:
        tc.controls.max_action.setChecked(True)  # the picture needs the epochs, not the watchable pace
        if not tc.train_epochs(train_epochs, timeout_s=600):
            raise FFStudioError(tc.last_error or f"training {train_epochs} epochs did not finish")
        tc.controls.max_action.setChecked(False)  # the toolbar shows the GUI's default pace
    dock = {"curves": tc.curves_dock, "health": tc.health_dock, "evaluation": tc.eval_dock}[show]
    dock.raise_()
    if show == "evaluation" and dataset.source == "mnist":
        tc.evaluation.tabs.setCurrentIndex(tc.evaluation.gallery_index)
    if broken:
        doc = window.document
        pred = doc.graph.predecessor("output") if "output" in doc.graph.nodes else None
        if pred is None:
            raise FFStudioError(f"{name}: has no link into the output layer to break")
        doc.delete([], [(pred, "output")])
        window.side_tabs.setCurrentWidget(window.validation)  # the problems list, beside the canvas
        _spin(app, 100)
    if lr_find:
        _run_lr_finder(app, window)
    if explain:
        _explain_first_point(app, window)
    tc.curves.redraw.flush()
    tc.health.redraw.flush()
    _spin(app, 300)
    window.canvas.fit_to_view()
    _spin(app, 100)
    image = window.grab().toImage()
    if record:
        _finish_recording(window)
    tc.shutdown()
    window.close()
    loop = QEventLoop()
    QTimer.singleShot(0, loop.quit)
    loop.exec()
    return image


def _run_lr_finder(app, window) -> None:
    from PySide6.QtCore import QEventLoop

    from core.errors import FFStudioError

    scroll = window.network_panel.parentWidget().parentWidget()  # the tab's QScrollArea (via its viewport)
    window.side_tabs.setCurrentWidget(scroll)
    box = window.network_panel.lr_finder
    loop = QEventLoop()
    box.finished.connect(loop.quit)
    box.failed.connect(loop.quit)
    if box.start():
        loop.exec()
    if box.result is None:
        raise FFStudioError(f"learning-rate finder: {box.status.text()}")
    _spin(app, 50)
    scroll.ensureWidgetVisible(box)
    _spin(app, 100)


def _explain_first_point(app, window) -> None:
    """The Explain tab for the training point farthest from the origin (no zero input: every link's
    ∂L/∂w = a_in · ∂L/∂z shows); for images, the first digit of the Evaluation's gallery, as a click
    picks it (the network must have trained: the gallery shows a trained model's test digits)."""
    import time

    import numpy as np

    from core.errors import FFStudioError

    ex, tc = window.explain, window.training
    ex.panel.backward.setChecked(True)
    if tc.views.has_plane(window.workspace.dataset):
        xs = window.workspace.dataset.x_train
        x = xs[int(np.argmax(np.abs(xs[:, :2]).sum(axis=1)))]
        ex.pick_plane_point(float(x[0]), float(x[1]))
    else:
        gallery = tc.evaluation.gallery
        deadline = time.monotonic() + 120
        while gallery.count() == 0 and time.monotonic() < deadline:
            _spin(app, 100)
        if gallery.count() == 0:
            raise FFStudioError("--explain: the digit gallery stayed empty (train with --train-epochs N)")
        gallery.itemClicked.emit(gallery.item(0))
    hidden = next((n for n in tc.views.neuron_nodes.values()), None)
    if hidden is not None:
        ex.focus_on(hidden, 0)
    window.side_tabs.setCurrentWidget(ex.panel)
    _spin(app, 100)


def _finish_recording(window) -> None:
    """Turn Record off and wait until its GIF is written."""
    from PySide6.QtCore import QEventLoop

    from core.errors import FFStudioError

    rec = window.recorder
    loop = QEventLoop()
    errors: list[str] = []
    rec.saved.connect(lambda _path: loop.quit())
    rec.failed.connect(lambda message: (errors.append(message), loop.quit()))
    rec.action.setChecked(False)
    if rec.task is not None and not rec.task.finished:
        loop.exec()
    if errors or rec.task is None:
        raise FFStudioError(f"--record: {errors[0] if errors else 'nothing was recorded'}")


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
