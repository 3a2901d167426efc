"""Scoring a trained project on a labelled test file (``ffstudio evaluate``, the Evaluation panel).

The file is read with the preprocessing stored beside the trained weights (``core.datasets.labelled``),
so it is encoded exactly as the training data was. Classification gives accuracy, macro F1, the loss,
per-class precision/recall/F1 and the confusion matrix; regression gives MAE, RMSE and R² in the target's
units.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from core import metrics
from core.datasets.labelled import LabelledRows, read_labelled, target_columns
from core.predict import TrainedNetwork, load_trained

__all__ = ["Evaluation", "evaluate_rows", "evaluate_csv", "predicted_classes"]


def predicted_classes(outputs: np.ndarray) -> np.ndarray:
    """Class indices (n,) from outputs (n, units): sigmoid score >= 0.5 (as ``predict``), else argmax."""
    out = np.asarray(outputs)
    if out.ndim == 1 or out.shape[1] == 1:
        return (out.reshape(-1) >= 0.5).astype(np.int64)
    return np.argmax(out, axis=1).astype(np.int64)


@dataclass(frozen=True)
class Evaluation:
    """Scores of a trained network on labelled rows.

    ``scores``: accuracy, macro_f1, loss (classification) or mae, rmse, r2 (regression). ``y_true`` are
    class indices (n,) or values (n, k); ``outputs`` the model's probabilities (n, units) or predictions
    (n, k) in target units. ``confusion`` (k, k) and ``prf`` only for classification.
    """

    task: str
    rows: int
    scores: dict[str, float]
    y_true: np.ndarray
    outputs: np.ndarray
    class_names: list[str] = field(default_factory=list)
    target_names: list[str] = field(default_factory=list)
    confusion: np.ndarray | None = None
    prf: metrics.PrecisionRecallF1 | None = None
    source: str = ""
    dropped_lines: list[int] = field(default_factory=list)
    imputed: int = 0
    matched_by: str = "name"

    @property
    def is_classification(self) -> bool:
        return self.task != "regression"

    def summary(self) -> dict[str, Any]:
        """The one-line JSON object: rows plus accuracy, macro_f1, loss or mae, rmse, r2."""
        keys = ("accuracy", "macro_f1", "loss") if self.is_classification else ("mae", "rmse", "r2")
        return {"rows": self.rows, **{k: self.scores[k] for k in keys}}

    def report(self) -> str:
        """A readable multi-line report; the last line is ``json.dumps(self.summary())``."""
        name = os.path.basename(self.source) or "the test rows"
        lines = [f"{self.rows} rows of {name} scored (task {self.task}, "
                 f"columns matched by {self.matched_by})"]
        if self.dropped_lines:
            lines.append(f"{len(self.dropped_lines)} rows left out for missing values")
        if self.imputed:
            lines.append(f"{self.imputed} missing values filled with the training mean / "
                         "most frequent category")
        if self.is_classification:
            lines.append(f"accuracy {self.scores['accuracy']:.4f}   macro F1 {self.scores['macro_f1']:.4f}   "
                         f"loss {self.scores['loss']:.4f}")
            lines.append("")
            lines.extend(_table(["class", "precision", "recall", "F1", "support"], [
                [c, f"{p:.4f}", f"{r:.4f}", f"{f:.4f}", str(int(s))] for c, p, r, f, s in zip(
                    self.class_names, self.prf.precision, self.prf.recall, self.prf.f1, self.prf.support,
                    strict=True)]))
            lines.append("")
            lines.append("confusion matrix (rows: true class, columns: predicted class)")
            lines.extend(_table(["", *self.class_names],
                                [[c, *(str(int(v)) for v in row)]
                                 for c, row in zip(self.class_names, self.confusion, strict=True)]))
        else:
            lines.append(f"MAE {self.scores['mae']:.6g}   RMSE {self.scores['rmse']:.6g}   "
                         f"R² {self.scores['r2']:.4f}")
        lines.append(json.dumps(self.summary()))
        return "\n".join(lines)


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(str(r[j])) for r in [header, *rows]) for j in range(len(header))]
    return ["  ".join(str(v).ljust(w) if j == 0 else str(v).rjust(w) for j, (v, w) in
                      enumerate(zip(r, widths, strict=True))).rstrip() for r in [header, *rows]]


def evaluate_rows(trained: TrainedNetwork, rows: LabelledRows, source: str = "") -> Evaluation:
    """Score ``trained`` on encoded labelled ``rows`` (from ``read_labelled``)."""
    from core.datasets.dataset import shape_targets
    from core.export.onnx import target_transform

    model = trained.model
    pre = trained.preprocessing
    outputs = np.asarray(model.predict(rows.x), dtype=np.float64)
    if outputs.ndim == 1:
        outputs = outputs.reshape(-1, 1)
    common = {"rows": len(rows.y), "source": source, "dropped_lines": rows.dropped_lines,
              "imputed": rows.imputed, "matched_by": rows.matched_by, "y_true": rows.y}
    if trained.task == "regression":
        tt = target_transform(pre)
        if tt is not None:
            outputs = outputs * tt[0] + tt[1]
        scores = {"mae": metrics.mae(rows.y, outputs), "rmse": metrics.rmse(rows.y, outputs),
                  "r2": metrics.r2_score(rows.y, outputs)}
        return Evaluation(task="regression", scores=scores, outputs=outputs,
                          target_names=target_columns(pre), **common)
    classes = ([str(c) for c in pre.get("class_names") or []]
               or [str(j) for j in range(max(outputs.shape[1], 2))])
    k = len(classes)
    pred = predicted_classes(outputs)
    cm = metrics.confusion_matrix(rows.y, pred, num_classes=k)
    prf = metrics.precision_recall_f1(rows.y, pred, num_classes=k)
    y_loss = shape_targets(rows.y, trained.task, model.loss.name, int(model.output_dim))
    loss = float(model.evaluate(rows.x, y_loss)["loss"])
    scores = {"accuracy": metrics.accuracy(rows.y, pred), "macro_f1": prf.macro_f1, "loss": loss}
    return Evaluation(task=trained.task, scores=scores, outputs=outputs, class_names=classes,
                      confusion=cm, prf=prf, **common)


def evaluate_csv(project: str | os.PathLike[str] | TrainedNetwork, input_path: str | os.PathLike[str]
                 ) -> Evaluation:
    """Score a trained project (a path or a loaded ``TrainedNetwork``) on the labelled CSV ``input_path``.

    Raises DataError/ProjectError/ExportError naming the file, line and column for unusable input.
    """
    trained = project if isinstance(project, TrainedNetwork) else load_trained(project)
    source = os.fspath(input_path)
    return evaluate_rows(trained, read_labelled(source, trained.preprocessing), source)
