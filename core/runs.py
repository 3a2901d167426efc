"""The runs of a session, for comparing them: settings, per-epoch logs, final and best metrics, duration.

A :class:`RunRecord` keeps the network and training settings a run started with (project-file form, so a
run can be restored), its per-epoch logs and its training time. :func:`settings_summary` reads the settings
the Runs table shows (optimizer, learning rate, batch size, hidden units, activation, regularization,
seed); :meth:`RunRecord.final` and :meth:`RunRecord.best` the metrics; :func:`runs_csv` writes them all.
No Qt.
"""

from __future__ import annotations

import copy
import csv
import io
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = ["RunRecord", "settings_summary", "runs_csv", "COLUMNS", "LOWER_IS_BETTER"]

#: metrics where a smaller value is better (their best is the minimum)
LOWER_IS_BETTER = ("loss", "val_loss", "mae", "val_mae", "rmse", "val_rmse")
#: the setting columns of the table and the CSV, in order
SETTING_COLUMNS = ("optimizer", "learning_rate", "batch_size", "hidden_units", "activation", "regularization",
                   "seed")
COLUMNS = ("run", *SETTING_COLUMNS, "epochs", "final_loss", "final_val_loss", "metric", "final_metric",
           "best_metric", "duration_s")


def settings_summary(network: Sequence[Mapping[str, Any]], training: Mapping[str, Any]) -> dict[str, Any]:
    """The settings the Runs table shows, from a project's ``network.layers`` and ``training``."""
    from core.project import training_spec

    spec = training_spec(training)
    opt = spec["optimizer"]
    opt = {"name": opt} if isinstance(opt, str) else dict(opt)
    hidden = [la for la in network if la.get("type") == "dense"]
    acts = sorted({str(la.get("activation", "linear")) for la in hidden})
    regs = []
    for i, la in enumerate(network):
        reg = la.get("kernel_regularizer")
        if reg:
            regs.append(f"{la.get('type')}{i}:{_reg_text(reg)}")
        if la.get("type") == "dropout":
            regs.append(f"dropout {la.get('rate')}")
    return {
        "optimizer": str(opt.get("name", "?")),
        "learning_rate": opt.get("learning_rate"),
        "batch_size": spec.get("batch_size"),
        "hidden_units": "-".join(str(la.get("units")) for la in hidden) or "none",
        "activation": "/".join(acts) or "-",
        "regularization": ", ".join(regs) or "none",
        "seed": spec.get("seed"),
    }


def _reg_text(reg: Any) -> str:
    if isinstance(reg, str):
        return reg
    if isinstance(reg, Mapping):
        parts = [f"{k}={v}" for k, v in reg.items() if k in ("l1", "l2") and v]
        return f"{reg.get('name', '?')}({', '.join(parts)})" if parts else str(reg.get("name", "?"))
    return str(reg)


@dataclass
class RunRecord:
    """One run: ``number`` in the session, the ``network`` (layer dicts) and ``training`` it started with,
    ``logs`` per epoch [(epoch, {key: value})], ``duration_s`` of training and whether it is ``current``."""

    number: int
    network: list[dict[str, Any]]
    training: dict[str, Any]
    graph: dict[str, Any] | None = None
    logs: list[tuple[int, dict[str, float]]] = field(default_factory=list)
    duration_s: float = 0.0
    current: bool = True

    @classmethod
    def start(cls, number: int, network: Sequence[Mapping[str, Any]], training: Mapping[str, Any],
              graph: Mapping[str, Any] | None = None) -> RunRecord:
        return cls(number, copy.deepcopy(list(network)), copy.deepcopy(dict(training)),
                   copy.deepcopy(dict(graph)) if graph is not None else None)

    def add_logs(self, items: Sequence[tuple[int, Mapping[str, float]]]) -> None:
        self.logs.extend((int(e), dict(v)) for e, v in items)

    @property
    def epochs(self) -> int:
        return self.logs[-1][0] if self.logs else 0

    @property
    def settings(self) -> dict[str, Any]:
        return settings_summary(self.network, self.training)

    def series(self, key: str) -> tuple[list[int], list[float]]:
        """``(epochs, values)`` of one logged key."""
        xs, ys = [], []
        for epoch, logs in self.logs:
            v = logs.get(key)
            if isinstance(v, int | float) and math.isfinite(v):
                xs.append(epoch)
                ys.append(float(v))
        return xs, ys

    def metric_key(self) -> str | None:
        """The metric the table compares: val_accuracy, accuracy, val_mae, mae (the first logged)."""
        keys = {k for _e, logs in self.logs for k in logs}
        return next((k for k in ("val_accuracy", "accuracy", "val_mae", "mae", "val_r2", "r2") if k in keys),
                    None)

    def final(self, key: str) -> float | None:
        values = self.series(key)[1]
        return values[-1] if values else None

    def best(self, key: str) -> float | None:
        values = self.series(key)[1]
        if not values:
            return None
        return min(values) if key in LOWER_IS_BETTER else max(values)

    def row(self) -> dict[str, Any]:
        """One table/CSV row (keys :data:`COLUMNS`)."""
        metric = self.metric_key()
        return {"run": self.number, **self.settings, "epochs": self.epochs, "final_loss": self.final("loss"),
                "final_val_loss": self.final("val_loss"), "metric": metric or "",
                "final_metric": self.final(metric) if metric else None,
                "best_metric": self.best(metric) if metric else None, "duration_s": round(self.duration_s, 2)}


def runs_csv(records: Sequence[RunRecord]) -> str:
    """The runs as CSV text (header :data:`COLUMNS`; empty cells for missing values)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for rec in records:
        row = rec.row()
        writer.writerow(["" if row[c] is None else row[c] for c in COLUMNS])
    return out.getvalue()
