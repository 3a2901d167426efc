"""Training toolbar: Play/Pause, Step (one epoch), Stop, Reset; epoch, progress + ETA, steps/s, elapsed.

In a window too narrow for every item with its text (below ~1280 px) the buttons show their icons only
(their names stay in the tooltips and the Training menu); narrower still, Qt's » menu takes the last
items, the steps per second and the elapsed time, before the epoch counter and the progress bar."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QAction,
    QColor,
    QIcon,
    QKeySequence,
    QPainter,
    QPainterPath,
    QPen,
    QPixmap,
    QPolygonF,
)
from PySide6.QtWidgets import QLabel, QMenu, QProgressBar, QStatusBar, QToolBar

from studio.training.pacing import eta_s
from studio.training.state import RunState, RunStatus
from studio.wheel_guard import ComboBox


def _theme_colors() -> tuple[str, str, str]:
    """(text, accent for Play, stop red) of the active theme."""
    try:
        from studio import theme

        th = theme.current()
        return th.text, th.ok, th.error
    except Exception:
        return "#1f2430", "#2f9e5b", "#d64545"


def control_icon(kind: str, color: str | None = None) -> QIcon:
    """Vector icon for ``kind`` in play/pause/step/stop/reset, drawn in the theme's colours (any DPI)."""
    text, ok, err = _theme_colors()
    col = QColor(color or {"play": ok, "stop": err}.get(kind, text))
    icon = QIcon()
    for size in (16, 24, 32, 48):
        pm = QPixmap(size, size)
        pm.fill(Qt.transparent)
        p = QPainter(pm)
        p.setRenderHint(QPainter.Antialiasing)
        p.scale(size / 24.0, size / 24.0)
        p.setPen(Qt.NoPen)
        p.setBrush(col)
        if kind == "play":
            p.drawPolygon(QPolygonF([QPointF(7, 4.5), QPointF(19.5, 12), QPointF(7, 19.5)]))
        elif kind == "pause":
            p.drawRoundedRect(QRectF(6, 5, 4.2, 14), 1, 1)
            p.drawRoundedRect(QRectF(13.8, 5, 4.2, 14), 1, 1)
        elif kind == "step":
            p.drawPolygon(QPolygonF([QPointF(5, 5), QPointF(15, 12), QPointF(5, 19)]))
            p.drawRoundedRect(QRectF(16, 5, 3.2, 14), 1, 1)
        elif kind == "stop":
            p.drawRoundedRect(QRectF(6, 6, 12, 12), 2, 2)
        elif kind == "reset":
            pen = QPen(col, 2.4)
            pen.setCapStyle(Qt.RoundCap)
            p.setPen(pen)
            p.setBrush(Qt.NoBrush)
            path = QPainterPath()
            path.arcMoveTo(QRectF(5, 5, 14, 14), 60)
            path.arcTo(QRectF(5, 5, 14, 14), 60, 270)
            p.drawPath(path)
            p.setPen(Qt.NoPen)
            p.setBrush(col)
            p.drawPolygon(QPolygonF([QPointF(13.5, 2.5), QPointF(19.5, 5.8), QPointF(14, 9.8)]))
        p.end()
        icon.addPixmap(pm)
    return icon


def fix_label_size(label: QLabel, widest: str) -> None:
    """Give ``label`` a fixed size that fits ``widest``: its text changes then never re-run layouts.

    (Qt skips the layout invalidation of ``updateGeometry`` for widgets whose minimum and maximum
    sizes are equal.)"""
    fm = label.fontMetrics()
    margins = label.contentsMargins()
    width = max(label.minimumWidth(), fm.horizontalAdvance(widest) + 6 + margins.left() + margins.right())
    label.setFixedSize(width, label.sizeHint().height())


def format_duration(seconds: float) -> str:
    """'4.2 s' under ten seconds (toy runs take about that long), else '1:05' / '1:02:03'."""
    if seconds < 9.95:
        return f"{max(seconds, 0.0):.1f} s"
    s = int(seconds + 0.5)
    h, rem = divmod(s, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


#: Training speed choices: label, steps per second (None: as fast as the machine allows). Toy data trains
#: at thousands of steps per second, a whole run in a second or two; slower speeds let a learner watch.
SPEEDS: list[tuple[str, float | None]] = [
    ("Max speed", None),
    ("1,000 steps/s", 1000.0),
    ("300 steps/s", 300.0),
    ("100 steps/s", 100.0),
    ("30 steps/s", 30.0),
    ("10 steps/s", 10.0),
]
#: The GUI starts at a pace a learner can watch: the default project's boundary takes shape over several
#: seconds instead of being done in one (Max is one click away, on the toolbar's "Max" button).
DEFAULT_SPEED = "300 steps/s"


class ProgressBar(QProgressBar):
    """Asks the toolbar for its minimum width only and grows into spare room: QToolBar lays items out by
    their size hints, and the default hint sent the bar into the » overflow menu of a 1280-pixel window
    while training ran (the Pause button is wider than Play)."""

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(self.minimumWidth(), super().sizeHint().height())


class TrainingControls(QObject):
    """Play/Pause, Step, Stop, Reset actions, the speed choice and the counters, installed into a toolbar
    (and a menu).

    Actions emit ``play_pause``, ``step``, ``stop``, ``reset``; the speed box ``speed_changed(steps/s or
    None)``; ``set_running``/``show_progress`` update the display. Space toggles Play/Pause anywhere in
    the window (text fields keep their spaces).
    """

    play_pause = Signal()
    step = Signal()
    stop = Signal()
    reset = Signal()
    speed_changed = Signal(object)

    def __init__(
        self, toolbar: QToolBar, menu: QMenu | None = None, status_bar: QStatusBar | None = None
    ) -> None:
        """``status_bar``: show the run's status note there (right side) instead of after the counters,
        which leaves the toolbar room for the progress bar in a 1280-pixel window."""
        super().__init__(toolbar)
        self.toolbar = toolbar
        self._play_icon = control_icon("play")
        self._pause_icon = control_icon("pause")
        self.play_action = QAction(self._play_icon, "Play", self)
        self.play_action.setShortcut(QKeySequence(Qt.Key_Space))
        self.play_action.setShortcutContext(Qt.WindowShortcut)
        self.play_action.setToolTip("Train continuously (Space); press again to pause")
        self.step_action = QAction(control_icon("step"), "Step", self)
        self.step_action.setToolTip("Train exactly one epoch, then pause")
        self.step_action.setShortcut(QKeySequence("Ctrl+Right"))
        self.stop_action = QAction(control_icon("stop"), "Stop", self)
        self.stop_action.setToolTip("End this training run (the trained weights stay)")
        self.reset_action = QAction(control_icon("reset"), "Reset", self)
        self.reset_action.setToolTip(
            "Stop and re-initialize the weights (with a new seed unless the seed is locked in the Network "
            "tab); the run becomes a faded curve"
        )
        for a in (self.play_action, self.step_action, self.stop_action, self.reset_action):
            toolbar.addAction(a)
            if menu is not None:
                menu.addAction(a)
        self.play_action.triggered.connect(self.play_pause)
        self.step_action.triggered.connect(self.step)
        self.stop_action.triggered.connect(self.stop)
        self.reset_action.triggered.connect(self.reset)
        self.speed_combo = ComboBox()
        for label, _ in SPEEDS:
            self.speed_combo.addItem(label)
        self.speed_combo.setToolTip(
            "Training speed: slow it down to watch the network learn step by step; the speed can change "
            "while training runs"
        )
        self.speed_combo.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Space stays Play/Pause
        self.speed_combo.setCurrentIndex([name for name, _ in SPEEDS].index(DEFAULT_SPEED))
        self.speed_combo.currentIndexChanged.connect(lambda i: self.speed_changed.emit(SPEEDS[i][1]))
        toolbar.addWidget(self.speed_combo)
        # one click to full speed and back to the pace chosen before
        self.max_action = QAction("Max", self)
        self.max_action.setCheckable(True)
        self.max_action.setToolTip("Train as fast as the machine allows (click again for the watchable pace)")
        self._paced_index = self.speed_combo.currentIndex()
        self.max_action.toggled.connect(self._max_toggled)
        self.speed_combo.currentIndexChanged.connect(
            lambda i: self.max_action.setChecked(SPEEDS[i][1] is None)
        )
        toolbar.addAction(self.max_action)
        toolbar.addSeparator()
        self.epoch_label = QLabel("Epoch 0")
        self.rate_label = QLabel("– steps/s")
        self.rate_label.setMinimumWidth(100)
        self.elapsed_label = QLabel(format_duration(0.0))
        self.elapsed_label.setToolTip("Training time (pauses excluded)")
        self.progress = ProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setMaximumWidth(220)
        self.progress.setMinimumWidth(84)  # "16%  ETA 0:21"; while training (Pause) the toolbar fits 1280 px
        self.progress.setFormat("")
        self.progress.setTextVisible(True)
        self.running = False
        #: (fraction done, ETA in s or None) of the last progress shown; None without an epoch budget
        self._bar: tuple[float, float | None] | None = None
        self._bar_shown = False  # nothing to draw before the first show_progress
        # counters change several times per second while training: fixed sizes keep each new text
        # from invalidating the toolbar and main-window layouts (a relayout of every dock)
        for label, widest in (
            (self.rate_label, "88,888 steps/s"),
            (self.elapsed_label, "88:88:88"),  # a run under 100 hours
        ):
            label.setContentsMargins(6, 0, 0, 0)  # apart from the progress bar before them
            fix_label_size(label, widest)
        self._epoch_width_for: object = ()  # the budget the epoch counter's width was fixed for
        self._fit_epoch_label(None)
        # the least needed last: a narrow window's » menu takes them first
        for w in (self.epoch_label, self.progress, self.rate_label, self.elapsed_label):
            toolbar.addWidget(w)
        self.status_label = QLabel("")
        self.status_label.setStyleSheet("color: #6b7280; padding-left: 8px;")
        self.status_label.setMaximumWidth(520)
        if status_bar is not None:
            status_bar.addPermanentWidget(self.status_label)
        else:
            toolbar.addWidget(self.status_label)
        #: the toolbar's width with text beside the icons (measured while it shows them)
        self._text_width = 0
        toolbar.installEventFilter(self)
        self.set_running(False)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if watched is self.toolbar and event.type() == QEvent.Type.Resize:
            self.fit()
        return False

    def fit(self) -> None:
        """Text beside the buttons' icons when the toolbar has room for every item so, else icons only:
        no counter and no progress bar goes into the » menu for the buttons' names."""
        bar = self.toolbar
        if bar.toolButtonStyle() == Qt.ToolButtonStyle.ToolButtonTextBesideIcon:
            # as wide as with "Pause", the wider text of the Play button, so that a run's start does not
            # push the last item out
            fm = bar.widgetForAction(self.play_action).fontMetrics()
            pause = 0 if self.running else fm.horizontalAdvance("Pause") - fm.horizontalAdvance("Play")
            self._text_width = bar.sizeHint().width() + max(pause, 0)
            if bar.width() < self._text_width:
                bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
        elif bar.width() >= self._text_width:
            bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)

    def _fit_epoch_label(self, epochs: int | None) -> None:
        """A fixed width for the epoch counter that fits every count of this budget ("Epoch 300 / 300"):
        set again only when the budget changes, so the counter's new texts never re-lay the window."""
        if epochs == self._epoch_width_for:
            return
        self._epoch_width_for = epochs
        digits = "8" * max(len(str(epochs)), 3) if epochs else ""
        self.epoch_label.setMinimumWidth(0)
        fix_label_size(self.epoch_label, f"Epoch {digits} / {digits}" if epochs else "Epoch 888888")

    def _max_toggled(self, on: bool) -> None:
        index = self.speed_combo.currentIndex()
        if on and SPEEDS[index][1] is not None:
            self._paced_index = index
            self.speed_combo.setCurrentIndex(0)
        elif not on and SPEEDS[index][1] is None:
            self.speed_combo.setCurrentIndex(self._paced_index)

    def speed_limit(self) -> float | None:
        """The chosen speed in steps per second, or None for as fast as possible."""
        return SPEEDS[max(self.speed_combo.currentIndex(), 0)][1]

    def set_running(self, running: bool) -> None:
        """Show Pause while running, Play otherwise (a paused or ended run has no ETA)."""
        self.running = running
        self._render_bar()
        self.play_action.setIcon(self._pause_icon if running else self._play_icon)
        self.play_action.setText("Pause" if running else "Play")
        self.play_action.setToolTip("Pause training (Space)" if running else "Train continuously (Space)")
        self.fit()

    def show_status(self, status: RunStatus) -> None:
        """Draw the run state: Pause while running, Play otherwise; the status note (red on failure)."""
        self.set_running(status.state is RunState.RUNNING and not status.stepping)
        self.set_status(status.note, error=status.error)

    def show_epoch(self, epoch: int, epochs: int | None) -> None:
        """The epoch counter and the bar's fraction (every frame while training; the rate, time and ETA
        follow less often): the bar never shows less than ``epoch / epochs`` beside the counter."""
        self._fit_epoch_label(epochs)
        self.epoch_label.setText(f"Epoch {epoch}" + (f" / {epochs}" if epochs else ""))
        if epochs and self._bar is not None and self._bar[0] < min(epoch / epochs, 1.0):
            self._bar = (min(epoch / epochs, 1.0), self._bar[1])
            self._render_bar()

    def show_progress(
        self,
        epoch: int,
        epochs: int | None,
        steps_per_s: float,
        elapsed_s: float,
        epoch_fraction: float = 0.0,
        batches_per_epoch: int = 0,
    ) -> None:
        """Update the counters; with an epoch budget the bar shows the fraction done and an ETA.

        ``elapsed_s`` is the run's wall time without pauses; the ETA is the steps left at the current
        pace ``steps_per_s`` (so a capped speed gives the real time left).
        """
        self.show_epoch(epoch, epochs)
        self.rate_label.setText(f"{steps_per_s:,.0f} steps/s" if steps_per_s > 0 else "– steps/s")
        self.elapsed_label.setText(format_duration(elapsed_s))
        self._bar = None
        self._bar_shown = True
        if epochs:
            done = min((epoch + epoch_fraction) / epochs, 1.0)
            eta = eta_s(epoch, epoch_fraction, epochs, batches_per_epoch, steps_per_s) if done < 1.0 else None
            self._bar = (done, eta)
        self._render_bar()

    def _render_bar(self) -> None:
        if not self._bar_shown:
            return
        bar = self._bar
        if bar is None:
            self.progress.setValue(0)
            self.progress.setFormat("no epoch budget")
            return
        done, eta = bar
        self.progress.setValue(int(done * 1000))
        if eta is not None and self.running:
            self.progress.setFormat(f"{100 * done:.0f}%  ETA {format_duration(eta)}")
        else:
            self.progress.setFormat(f"{100 * done:.0f}%")

    def set_status(self, text: str, error: bool = False) -> None:
        """A short note after the counters (e.g. 'stopped: early stopping'); red when ``error``."""
        self.status_label.setText(text)
        self.status_label.setToolTip(text)
        self.status_label.setStyleSheet(
            "color: #d64545; font-weight: 600; padding-left: 8px;"
            if error
            else "color: #6b7280; padding-left: 8px;"
        )
