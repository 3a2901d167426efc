"""What the data panel shows of each source: toy-set thumbnails, and which spec keys carry over.

The panel has no control for some keys of a project's ``data`` dict (scaling, missing, header, added
points…); :func:`carry_over` keeps them while they still apply.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPen, QPixmap

from studio.plots import colors

THUMB = 56


def toy_thumbnail(name: str, size: int = THUMB) -> QPixmap:
    """A small scatter picture of toy set ``name`` (generated with a fixed seed)."""
    from core.datasets.toy import make_toy

    ds = make_toy(name, samples=240, noise=0.05, test_fraction=0.5, seed=3)
    x = np.concatenate([ds.x_train, ds.x_test])
    y = np.concatenate([ds.y_train, ds.y_test])
    pm = QPixmap(size, size)
    pm.fill(QColor("#fbfbfc"))
    p = QPainter(pm)
    p.setRenderHint(QPainter.Antialiasing)
    lo, hi = x.min(axis=0), x.max(axis=0)
    span = np.where(hi > lo, hi - lo, 1.0)
    uv = (x - lo) / span * (size - 10) + 5
    if ds.task == "regression":
        yv = y.reshape(len(y), -1)[:, 0]
        rgb = colors.ramp_rgb((yv - yv.min()) / max(float(np.ptp(yv)), 1e-9))
    else:
        rgb = np.array([colors.class_color(int(k)) for k in y], dtype=np.float32)
    p.setPen(Qt.NoPen)
    for (u, v), c in zip(uv, rgb, strict=True):
        p.setBrush(QBrush(QColor(int(c[0]), int(c[1]), int(c[2]))))
        p.drawEllipse(QPointF(float(u), float(size - v)), 2.0, 2.0)
    p.setPen(QPen(QColor("#c9ced6")))
    p.setBrush(Qt.NoBrush)
    p.drawRect(0, 0, size - 1, size - 1)
    p.end()
    return pm


#: per source: project ``data`` keys without a control in the panel, and the key that must not change
#: for them to still apply (None: always)
_UNCONTROLLED: dict[str, tuple[tuple[str, ...], str | None]] = {
    "toy": (("scaling", "points"), "name"),
    "csv": (("scaling", "missing", "header", "seed", "target_scaling"), "path"),
    "mnist": (("download",), None),
}


def carry_over(spec: dict[str, Any], previous: dict[str, Any]) -> dict[str, Any]:
    """``spec`` plus the uncontrolled keys of ``previous`` (same source, same file/toy set)."""
    src = spec.get("source")
    if previous.get("source") != src or src not in _UNCONTROLLED:
        return spec
    keys, same = _UNCONTROLLED[src]
    if same is not None and previous.get(same) != spec.get(same):
        return spec
    if src == "toy" and previous.get("samples") != spec.get("samples"):
        keys = tuple(k for k in keys if k != "points")  # added points belong to that sample
    out = dict(spec)
    for key in keys:
        if key in previous and key not in out:
            out[key] = previous[key]
    return out
