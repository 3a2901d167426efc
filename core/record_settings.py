"""How a run is recorded as an animated GIF: the project's ``training.record`` settings.

``{"training": {"record": {"every": 5, "fps": 10, "size": [800, 420]}}}``: a frame every ``every`` epochs
(absent or null: about :data:`TARGET_FRAMES` frames over the run's epochs), shown ``fps`` frames per
second, each ``size`` = [width, height] pixels. ``ffstudio record`` takes these as its defaults (its
``--every``/``--fps``/``--size`` options override them) and the app's Record toggle uses them, so a
recording looks the same from both.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from core import limits

__all__ = ["RecordSettings", "RECORD_KEYS", "record_settings", "record_problems", "frame_interval",
           "TARGET_FRAMES", "MAX_FPS", "SIZE_RANGE"]

RECORD_KEYS = ("every", "fps", "size")
#: frames per second a GIF can show (its delays are in hundredths of a second)
MAX_FPS = 50.0
#: (min width, min height, max width, max height) of a frame
SIZE_RANGE = (320, 240, 8000, 8000)
#: frames over a run when ``every`` is not set
TARGET_FRAMES = 60
DEFAULT_FPS = 10.0
DEFAULT_SIZE = (800, 420)


@dataclass(frozen=True)
class RecordSettings:
    """``every``: epochs between two frames (None: about :data:`TARGET_FRAMES` frames over the run);
    ``fps``: frames per second; ``size``: (width, height) of a frame in pixels."""

    every: int | None = None
    fps: float = DEFAULT_FPS
    size: tuple[int, int] = DEFAULT_SIZE


def record_settings(training: Mapping[str, Any] | None) -> RecordSettings:
    """The record settings of a (validated) project's ``training`` dict, defaults filled in."""
    spec = (training or {}).get("record") or {}
    size = spec.get("size")
    return RecordSettings(every=int(spec["every"]) if spec.get("every") is not None else None,
                          fps=float(spec.get("fps", DEFAULT_FPS)),
                          size=(int(size[0]), int(size[1])) if size is not None else DEFAULT_SIZE)


def frame_interval(every: int | None, epochs: int | None) -> int:
    """Epochs between two frames: ``every``, else about :data:`TARGET_FRAMES` frames over ``epochs``
    (1 without an epoch budget)."""
    if every is not None:
        return max(1, int(every))
    return max(1, round(int(epochs) / TARGET_FRAMES)) if epochs else 1


def _number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def record_problems(spec: Any, path: str = "training.record") -> list[tuple[str, str]]:
    """``(JSON path, message)`` for every problem of a ``record`` object (empty when valid)."""
    if not isinstance(spec, dict):
        return [(path, f"expected an object with keys {', '.join(RECORD_KEYS)}, got {type(spec).__name__}")]
    out = [(f"{path}.{k}", f"unknown key; expected one of {', '.join(RECORD_KEYS)}")
           for k in spec if k not in RECORD_KEYS]
    every = spec.get("every")
    if every is not None and not (isinstance(every, int) and not isinstance(every, bool)
                                  and 1 <= every <= limits.EPOCHS):
        out.append((f"{path}.every", f"expected a positive integer (epochs between two frames) or null, "
                                     f"got {every!r}"))
    if "fps" in spec and not (_number(spec["fps"]) and 0 < spec["fps"] <= MAX_FPS):
        out.append((f"{path}.fps", f"expected a number of frames per second in (0, {MAX_FPS:g}], "
                                   f"got {spec['fps']!r}"))
    if "size" in spec:
        size = spec["size"]
        lo_w, lo_h, hi_w, hi_h = SIZE_RANGE
        ok = (isinstance(size, list) and len(size) == 2 and all(isinstance(v, int) and not isinstance(v, bool)
                                                                 for v in size)
              and lo_w <= size[0] <= hi_w and lo_h <= size[1] <= hi_h)
        if not ok:
            out.append((f"{path}.size", f"expected [width, height] in pixels between [{lo_w}, {lo_h}] and "
                                        f"[{hi_w}, {hi_h}], got {size!r}"))
    return out
