"""Colours and fonts of the Studio, light or dark following the system palette.

`current()` returns the active :class:`Theme`; `apply(app)` sets the Fusion style with a palette matching
the system colour scheme and remembers the theme. Canvas items and plots read their colours from the theme,
so a palette change only needs a repaint.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QPalette

from core.layer_kinds import KINDS

ASSETS = Path(__file__).resolve().parent.parent / "assets"
ICONS = ASSETS / "icons"


@dataclass(frozen=True)
class Theme:
    """Named colours (hex strings) for the canvas, layer cards, links and validation states."""

    dark: bool
    canvas: str
    grid: str
    card: str
    card_border: str
    text: str
    muted: str
    neuron: str
    neuron_border: str
    link: str
    positive: str  # weight > 0 (blue, as TensorFlow Playground)
    negative: str  # weight < 0 (orange)
    selection: str
    error: str
    warning: str
    ok: str
    kinds: dict[str, str]

    def color(self, name: str) -> QColor:
        """A ``QColor`` for a field name or a layer kind."""
        return QColor(self.kinds[name] if name in self.kinds else getattr(self, name))


LIGHT = Theme(
    dark=False,
    canvas="#f6f7f9",
    grid="#e6e8ec",
    card="#ffffff",
    card_border="#d3d7de",
    text="#1f2430",
    muted="#6b7280",
    neuron="#eef1f5",
    neuron_border="#9aa3b1",
    link="#b8bec8",
    positive="#1f77c9",
    negative="#f08a24",
    selection="#3b82f6",
    error="#d64545",
    warning="#d99a00",
    ok="#2f9e5b",
    kinds={key: kind.colors[0] for key, kind in KINDS.items()},
)

DARK = Theme(
    dark=True,
    canvas="#1c1f26",
    grid="#262a33",
    card="#2a2f3a",
    card_border="#3c4352",
    text="#e6e9ef",
    muted="#9aa3b1",
    neuron="#343a47",
    neuron_border="#7d8797",
    link="#555d6b",
    positive="#4aa3ff",
    negative="#ff9f43",
    selection="#60a5fa",
    error="#f06868",
    warning="#f0b429",
    ok="#4cc07a",
    kinds={key: kind.colors[1] for key, kind in KINDS.items()},
)

_current: Theme = LIGHT


def current() -> Theme:
    """The theme in use."""
    return _current


def system_is_dark() -> bool:
    """True when the platform colour scheme (or the default palette) is dark."""
    app = QGuiApplication.instance()
    if app is None:
        return False
    scheme = QGuiApplication.styleHints().colorScheme()
    if scheme == Qt.ColorScheme.Dark:
        return True
    if scheme == Qt.ColorScheme.Light:
        return False
    return QGuiApplication.palette().color(QPalette.ColorRole.Window).lightness() < 128


def follow_system(app: QGuiApplication, on_change: Callable[[], None]) -> None:
    """Re-apply the theme when the platform switches between light and dark, then call ``on_change``."""

    def changed(*_args: object) -> None:
        dark = system_is_dark()
        if dark != _current.dark:
            apply(app, dark)
            on_change()

    QGuiApplication.styleHints().colorSchemeChanged.connect(changed)


def palette_for(theme: Theme) -> QPalette:
    """A Fusion palette matching ``theme``."""
    pal = QPalette()
    if not theme.dark:
        base, window, text, button, alt = "#ffffff", "#eef0f3", "#1f2430", "#f7f8fa", "#f4f5f7"
    else:
        base, window, text, button, alt = "#232730", "#1c1f26", "#e6e9ef", "#2a2f3a", "#282c35"
    role = QPalette.ColorRole
    for r, c in (
        (role.Window, window),
        (role.WindowText, text),
        (role.Base, base),
        (role.AlternateBase, alt),
        (role.Text, text),
        (role.Button, button),
        (role.ButtonText, text),
        (role.ToolTipBase, base),
        (role.ToolTipText, text),
        (role.PlaceholderText, theme.muted),
        (role.Highlight, theme.selection),
        (role.HighlightedText, "#ffffff"),
        (role.Link, theme.selection),
    ):
        pal.setColor(r, QColor(c))
    for r in (role.WindowText, role.Text, role.ButtonText):
        pal.setColor(QPalette.ColorGroup.Disabled, r, QColor(theme.muted))
    return pal


@dataclass(frozen=True)
class ProgressColors:
    """A progress bar's colours (hex): its text reads over the filled part and the empty part alike
    (WCAG contrast >= 4.5 against both; Fusion's white text over its light blue fill was about 3)."""

    fill: str
    empty: str
    text: str
    border: str


def progress_colors(theme: Theme) -> ProgressColors:
    """The progress bars' colours in ``theme``: a pale fill under dark text (light), a deep one under
    light text (dark)."""
    if theme.dark:
        return ProgressColors(fill="#1e4f8f", empty="#232730", text=theme.text, border=theme.card_border)
    return ProgressColors(fill="#bfdbfe", empty="#ffffff", text=theme.text, border=theme.card_border)


def progress_style(theme: Theme) -> str:
    """Style sheet rules for every QProgressBar (the training toolbar's, data loading's)."""
    c = progress_colors(theme)
    # selection-color too: a style draws the text over the fill in that colour (white by default)
    return (
        f"QProgressBar {{ border: 1px solid {c.border}; border-radius: 3px; background: {c.empty};"
        f" color: {c.text}; selection-color: {c.text}; text-align: center; }}"
        f"QProgressBar::chunk {{ background: {c.fill}; border-radius: 2px; }}"
    )


def apply(app: QGuiApplication, dark: bool | None = None) -> Theme:
    """Use Fusion with a light/dark palette (system choice when ``dark`` is None); returns the theme."""
    global _current
    if dark is None:
        dark = system_is_dark()
    _current = DARK if dark else LIGHT
    if hasattr(app, "setStyle"):
        app.setStyle("Fusion")
    app.setPalette(palette_for(_current))
    return _current


ICON_GREY = "#5b6472"  # stroke colour of the monochrome icons, lightened for the dark theme
ICON_GREY_DARK = "#c3c9d4"


def icon(name: str) -> QIcon:
    """The SVG icon ``assets/icons/<name>.svg`` (recoloured for the dark theme; empty when missing)."""
    path = ICONS / f"{name}.svg"
    if not path.exists():
        return QIcon()
    if _current.dark:
        text = path.read_text(encoding="utf-8")
        if ICON_GREY in text:
            cache = Path(tempfile.gettempdir()) / "ffstudio-icons-dark"
            cache.mkdir(exist_ok=True)
            dark_path = cache / path.name
            if not dark_path.exists() or dark_path.read_text(encoding="utf-8") != text.replace(
                ICON_GREY, ICON_GREY_DARK
            ):
                tmp = dark_path.with_suffix(f".{os.getpid()}.tmp")
                tmp.write_text(text.replace(ICON_GREY, ICON_GREY_DARK), encoding="utf-8")
                os.replace(tmp, dark_path)
            return QIcon(str(dark_path))
    return QIcon(str(path))
