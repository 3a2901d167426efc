"""Record a training run as an animated GIF: decision boundary, loss curve and epoch counter per frame.

``FrameRenderer`` paints one frame with QPainter into a QImage (works offscreen; needs a QGuiApplication):
on the left the model's output over the input plane with the training points (the boundary plot's colours,
``studio.plots.colors``), on the right the loss curves so far, above them the epoch counter and metrics.
``GifRecorder`` collects frames and writes them with Pillow (atomic write through ``core.files``).
``write_gif`` paints a list of :class:`FrameData` and writes the GIF (the app's Record toggle calls it in a
background thread: frames are painted onto QImages, which Qt allows outside the GUI thread).
``record_run`` trains a project headless (``core.run.prepare_run``) and records every ``every`` epochs;
``ffstudio record`` uses it. Frame interval, speed and size default to the project's ``training.record``
(``core.record_settings``).
"""

from __future__ import annotations

import io
import math
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPainterPath, QPen

from studio.plots import colors

TRAIN_RGB = (8, 119, 189)
VAL_RGB = (245, 147, 34)
GRID_RESOLUTION = 120


@dataclass
class FrameData:
    """What one frame shows: the output grid (res, res, units) over ``extent`` (x0, x1, y0, y1), the
    per-epoch ``loss``/``val_loss`` so far, the epoch, the run's total epochs and a metrics line."""

    output: np.ndarray
    extent: tuple[float, float, float, float]
    loss: Sequence[float]
    val_loss: Sequence[float]
    epoch: int
    epochs: int
    metrics: str = ""


@dataclass
class FrameRenderer:
    """Paints frames of ``size`` (w, h) for one data set: ``points`` (n, 2) in plane units, ``labels`` (n,)
    class indices or values, ``task`` ("binary", "multiclass", "regression")."""

    size: tuple[int, int]
    points: np.ndarray
    labels: np.ndarray
    task: str
    title: str = ""
    value_range: tuple[float, float] = (0.0, 1.0)
    discretize: bool = False
    _font: QFont = field(default_factory=QFont, repr=False)

    def boundary_rect(self) -> QRectF:
        """Where the boundary image goes (a square on the left, below the header)."""
        w, h = self.size
        top = 34
        side = min(h - top - 8, int(w * 0.5))
        return QRectF(8, top, side, side)

    def render(self, frame: FrameData) -> QImage:
        """The frame as an RGB32 QImage of ``size``."""
        w, h = self.size
        image = QImage(w, h, QImage.Format.Format_RGB32)
        image.fill(QColor(255, 255, 255))
        p = QPainter(image)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        try:
            self._header(p, frame)
            self._boundary(p, frame)
            self._curves(p, frame)
        finally:
            p.end()
        return image

    def _header(self, p: QPainter, frame: FrameData) -> None:
        font = QFont(self._font)
        font.setPointSize(12)
        font.setBold(True)
        p.setFont(font)
        p.setPen(QColor(40, 44, 52))
        text = f"Epoch {frame.epoch} / {frame.epochs}"
        p.drawText(QRectF(10, 4, self.size[0] - 20, 26), Qt.AlignmentFlag.AlignVCenter, text)
        font.setBold(False)
        font.setPointSize(10)
        p.setFont(font)
        p.setPen(QColor(90, 98, 112))
        right = "   ".join(t for t in (frame.metrics, self.title) if t)
        p.drawText(QRectF(10, 4, self.size[0] - 20, 26),
                   Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight, right)

    def _boundary(self, p: QPainter, frame: FrameData) -> None:
        rect = self.boundary_rect()
        rgba = np.ascontiguousarray(colors.output_rgba(frame.output, self.task, self.discretize,
                                                       self.value_range))
        rgba = np.ascontiguousarray(rgba[::-1])  # row 0 of the grid is the bottom of the plane
        hh, ww = rgba.shape[:2]
        img = QImage(rgba.data, ww, hh, 4 * ww, QImage.Format.Format_RGBX8888).copy()
        p.drawImage(rect, img)
        x0, x1, y0, y1 = frame.extent
        sx, sy = rect.width() / (x1 - x0), rect.height() / (y1 - y0)
        px = rect.left() + (self.points[:, 0] - x0) * sx
        py = rect.bottom() - (self.points[:, 1] - y0) * sy
        p.save()
        p.setClipRect(rect)  # points added outside the plane stay out of the curves
        radius = max(2.0, rect.width() / 110)
        centres = [QPointF(float(x), float(y)) for x, y in zip(px, py, strict=True)]
        ring, rim = colors.point_edges("train")  # the boundary view's edges: a point reads over any colour
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor(*rim))
        for c in centres:  # every rim under every point, as the view's rim scatter lies under its points
            p.drawEllipse(c, radius + colors.RIM_PX, radius + colors.RIM_PX)
        p.setPen(QPen(QColor(*ring), 1.0))
        fills = colors.point_rgb(self.labels, self.task, self.value_range).astype(np.uint8).tolist()
        for c, fill in zip(centres, fills, strict=True):
            p.setBrush(QColor(*fill))
            p.drawEllipse(c, radius, radius)
        p.restore()
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.setPen(QPen(QColor(160, 166, 178), 1.0))
        p.drawRect(rect)

    def _curves(self, p: QPainter, frame: FrameData) -> None:
        w, h = self.size
        b = self.boundary_rect()
        left, top = b.right() + 52, b.top() + 6
        rect = QRectF(left, top, w - left - 14, b.height() - 34)
        p.setPen(QPen(QColor(160, 166, 178), 1.0))
        p.drawLine(rect.bottomLeft(), rect.bottomRight())
        p.drawLine(rect.bottomLeft(), rect.topLeft())
        font = QFont(self._font)
        font.setPointSize(9)
        p.setFont(font)
        series = [(frame.loss, TRAIN_RGB, "loss"), (frame.val_loss, VAL_RGB, "val_loss")]
        values = [v for s, _c, _n in series for v in s if math.isfinite(v)]
        top_value = max(values) if values else 1.0
        top_value = top_value if top_value > 0 else 1.0
        n = max(frame.epochs, 1)
        p.setPen(QColor(90, 98, 112))
        p.drawText(QRectF(rect.left() - 50, rect.top() - 8, 46, 16), Qt.AlignmentFlag.AlignRight,
                   f"{top_value:.3g}")
        p.drawText(QRectF(rect.left() - 50, rect.bottom() - 8, 46, 16), Qt.AlignmentFlag.AlignRight, "0")
        p.drawText(QRectF(rect.left(), rect.bottom() + 4, rect.width(), 16), Qt.AlignmentFlag.AlignLeft, "0")
        p.drawText(QRectF(rect.left(), rect.bottom() + 4, rect.width(), 16), Qt.AlignmentFlag.AlignRight,
                   str(n))
        p.drawText(QRectF(rect.left(), rect.bottom() + 4, rect.width(), 16), Qt.AlignmentFlag.AlignHCenter,
                   "epoch")
        for k, (values_k, rgb, name) in enumerate(series):
            if not values_k:
                continue
            path = QPainterPath()
            for i, v in enumerate(values_k):
                pt = QPointF(rect.left() + (i + 1) / n * rect.width(),
                             rect.bottom() - min(max(v, 0.0), top_value) / top_value * rect.height())
                if i:
                    path.lineTo(pt)
                else:
                    path.moveTo(pt)
            p.setPen(QPen(QColor(*rgb), 2.0))
            p.drawPath(path)
            p.drawText(QRectF(rect.right() - 140, rect.top() + 2 + 16 * k, 136, 16),
                       Qt.AlignmentFlag.AlignRight, f"{name} {values_k[-1]:.3f}")


def image_rgb(image: QImage) -> np.ndarray:
    """An RGB32 QImage -> (h, w, 3) uint8 array (a copy)."""
    img = image.convertToFormat(QImage.Format.Format_RGB888)
    w, h, stride = img.width(), img.height(), img.bytesPerLine()
    buf = np.frombuffer(img.constBits(), dtype=np.uint8, count=stride * h).reshape(h, stride)
    return buf[:, : 3 * w].reshape(h, w, 3).copy()


class GifRecorder:
    """Collects frames (QImages) and writes an animated GIF with Pillow."""

    def __init__(self, fps: float = 10.0) -> None:
        if not 0 < fps <= 50:
            raise ValueError(f"fps must be in (0, 50], got {fps:g}")
        self.fps = float(fps)
        self.frames: list[np.ndarray] = []

    def add(self, image: QImage) -> None:
        self.frames.append(image_rgb(image))

    def gif_bytes(self, hold_last_s: float = 2.0) -> bytes:
        """The GIF file: every frame shown 1/fps s, the last one ``hold_last_s`` longer; loops forever."""
        from PIL import Image

        if not self.frames:
            raise ValueError("no frames recorded")
        # one palette for all frames (from the first and last frames side by side): no colour flicker,
        # and unchanged areas stay byte-identical so the GIF compresses them
        both = Image.fromarray(np.concatenate([self.frames[0], self.frames[-1]], axis=1))
        palette = both.quantize(colors=128, method=Image.Quantize.MEDIANCUT)
        images = [Image.fromarray(f).quantize(palette=palette, dither=Image.Dither.NONE) for f in self.frames]
        step = int(round(1000 / self.fps))
        durations = [step] * len(images)
        durations[-1] = step + int(hold_last_s * 1000)
        out = io.BytesIO()
        images[0].save(out, format="GIF", save_all=True, append_images=images[1:], duration=durations, loop=0,
                       optimize=False, disposal=1)
        return out.getvalue()

    def save(self, path: str | os.PathLike[str]) -> str:
        """Write the GIF atomically; returns the absolute path. A folder that is missing or cannot be
        written raises FFStudioError with one line naming the file."""
        from core.errors import FFStudioError
        from core.files import write_file

        data = self.gif_bytes()
        return write_file(path, lambda fh: fh.write(data), "GIF", FFStudioError)


def write_gif(renderer: FrameRenderer, frames: Sequence[FrameData], path: str | os.PathLike[str],
              fps: float, progress: Callable[[int, int], None] | None = None) -> str:
    """Paint ``frames`` with ``renderer`` and write them as a GIF at ``path`` (atomic); returns the path.

    ``progress(done, total)`` after each painted frame (total counts the encoding as one more step).
    """
    recorder = GifRecorder(fps)
    for k, frame in enumerate(frames):
        recorder.add(renderer.render(frame))
        if progress is not None:
            progress(k + 1, len(frames) + 1)
    return recorder.save(path)


@dataclass
class RecordResult:
    """``path`` written, ``frames`` count, ``size`` (w, h), the trained ``model`` and the ``renderer``/
    ``grid`` used (to render its final boundary again)."""

    path: str
    frames: int
    size: tuple[int, int]
    model: Any
    renderer: FrameRenderer
    grid: Any
    epochs: int


def renderer_for(dataset: Any, size: tuple[int, int], title: str = "",
                 grid: Any = None) -> tuple[FrameRenderer, Any]:
    """A renderer of ``dataset``'s training points on the plane of ``grid`` (a ``core.probes`` GridSpec;
    default: the first two features) and that grid, whose model outputs it shows."""
    from core.probes import make_grid_spec

    if grid is None:
        grid = make_grid_spec(np.concatenate([dataset.x_train, dataset.x_test]), axes=(0, 1),
                              resolution=GRID_RESOLUTION)
    a0, a1 = grid.axes
    y = colors.point_labels(dataset.y_train, dataset.task)
    # the live boundary's range (both splits): a recorded frame colours values as the boundary does
    regression = dataset.task == "regression"
    value_range = colors.target_ranges(dataset.y_train, dataset.y_test)[0] if regression else (0.0, 1.0)
    renderer = FrameRenderer(size=size, points=np.asarray(dataset.x_train)[:, [a0, a1]].astype(np.float64),
                             labels=y, task=dataset.task, title=title, value_range=value_range)
    return renderer, grid


def metrics_text(logs: dict[str, Any], classification: bool) -> str:
    """The frame's metric line from one epoch's logs: validation accuracy (mae for regression), else the
    training one; empty before the first epoch."""
    key = "accuracy" if classification else "mae"
    key = f"val_{key}" if f"val_{key}" in logs else key
    value = logs.get(key)
    return f"{key} {value:.3f}" if isinstance(value, int | float) else ""


def grid_output(model: Any, grid: Any) -> np.ndarray:
    """The model's outputs over ``grid`` -> (res, res, units)."""
    res = grid.resolution
    return np.asarray(model.predict(grid.points())).reshape(res, res, -1)


def record_run(project_path: str, out_path: str, *, epochs: int | None = None, fps: float | None = None,
               size: tuple[int, int] | None = None, every: int | None = None,
               progress: Callable[[int, int], None] | None = None) -> RecordResult:
    """Train ``project_path`` from its initial weights and write a GIF with a frame every ``every`` epochs,
    plus the initial and the final state. ``every``, ``fps`` and ``size`` default to the project's
    ``training.record`` (``core.record_settings``: about 60 frames, 10 fps, 800x420)."""
    from core.project import build_dataset, load_project
    from core.record_settings import frame_interval, record_settings
    from core.run import prepare_run

    project = load_project(project_path)
    if epochs is not None:
        project.training["epochs"] = int(epochs)
    settings = record_settings(project.training)
    fps = settings.fps if fps is None else fps
    size = settings.size if size is None else size
    dataset = build_dataset(project)
    run = prepare_run(project, dataset)
    total = int(run.epochs)
    every = frame_interval(every if every is not None else settings.every, total)
    renderer, grid = renderer_for(dataset, size, project.name or os.path.basename(project_path))
    recorder = GifRecorder(fps)
    loss: list[float] = []
    val_loss: list[float] = []

    def frame(epoch: int, logs: dict[str, Any]) -> None:
        recorder.add(renderer.render(FrameData(grid_output(run.model, grid), grid.extent, loss, val_loss,
                                               epoch, total, metrics_text(logs, dataset.is_classification))))

    frame(0, {})
    last_epoch = 0
    with np.errstate(over="ignore", invalid="ignore"):
        for p in run.iterate():
            if p.kind != "epoch":
                continue
            loss.append(float(p.logs.get("loss", math.nan)))
            if "val_loss" in p.logs:
                val_loss.append(float(p.logs["val_loss"]))
            last_epoch = p.epoch
            if p.epoch % every == 0 or p.stopped:
                frame(p.epoch, p.logs)
            if progress is not None:
                progress(p.epoch, total)
    path = recorder.save(out_path)
    return RecordResult(path=path, frames=len(recorder.frames), size=size, model=run.model, renderer=renderer,
                        grid=grid, epochs=last_epoch)
