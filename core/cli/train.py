"""`ffstudio train PROJECT.json [--epochs N] [--seed S] [--out DIR] [--resume]`: headless training, no Qt."""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from typing import Any, TextIO

from core.cli import int_at_least

_HELP = """\
Train the network of a project file without the GUI (no Qt is loaded).

The data, network and training settings all come from PROJECT.json; the options below override
single settings. Progress goes to stderr: a progress bar on a terminal, one line per epoch
otherwise.

Training starts from fresh weights (initialized from the seed). When the project already
references trained weights (its "weights" entry), a one-line note on stderr says they are not
used; --resume continues from them instead (same network required; the optimizer state and the
learning-rate schedule start afresh, and --epochs counts the additional epochs).

Results are written to DIR:

  DIR/weights-<hash>.npz  the trained weights (numpy .npz, no pickle; includes the input
                          scaling), named after their content; older ones are removed
  DIR/project.json        the project with "weights": "weights-<hash>.npz", the final "results", and
                          relative data paths rewritten so they still point at the same files

The last line on stdout is one JSON object with the final metrics, computed with the final
weights in inference mode: always "epochs", "loss", "val_loss" (null without a test split);
classification adds "accuracy", "val_accuracy"; regression adds "mae", "val_mae", "r2", "val_r2".
The per-epoch "loss" (and accuracy/mae) is the running mean over that epoch's batches while the
weights change (dropout on), as Keras prints it, so the last epoch line differs from the final
"loss"; a "final weights ..." line on stderr repeats the JSON figures.

Exit codes: 0 success, 2 user error (bad project, bad data, training diverged) with one line
"error: ..." on stderr, 130 interrupted.
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `train` sub-command."""
    p = subparsers.add_parser("train", prog="ffstudio train",
                              help="train a project headless (no GUI) and write the weights",
                              description=_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("project", metavar="PROJECT.json", help="project file (see README: project file)")
    p.add_argument("--epochs", type=int_at_least(1), metavar="N",
                   help="number of epochs (overrides training.epochs)")
    p.add_argument("--seed", type=int_at_least(0), metavar="S",
                   help="seed for weight initialization, shuffling and dropout (overrides training.seed; "
                        "the train/test split keeps data.seed)")
    p.add_argument("--batch-size", type=int_at_least(1), metavar="B", help="overrides training.batch_size")
    p.add_argument("--out", metavar="DIR", default="out",
                   help="folder for weights.npz and project.json (created if needed; default: ./out)")
    p.add_argument("--progress", choices=("auto", "bar", "lines", "none"), default="auto",
                   help="progress display on stderr: auto = bar on a terminal, lines otherwise")
    p.add_argument("--resume", action="store_true",
                   help="continue from the project's trained weights (its \"weights\" file) instead of fresh "
                        "weights")
    p.set_defaults(run=run)


class _Display:
    """Progress on stderr: an updating bar (\\r) on a terminal, else one line per epoch."""

    def __init__(self, mode: str, stream: TextIO) -> None:
        if mode == "auto":
            mode = "bar" if stream.isatty() else "lines"
        self.mode = mode
        self.stream = stream
        self._last = 0.0
        self._width = 0

    def message(self, text: str) -> None:
        if self.mode != "none":
            self._clear()
            print(text, file=self.stream, flush=True)

    def _clear(self) -> None:
        if self._width:
            self.stream.write("\r" + " " * self._width + "\r")
            self._width = 0

    def bar(self, fraction: float, text: str, force: bool = False) -> None:
        if self.mode != "bar":
            return
        now = time.monotonic()
        if not force and now - self._last < 0.1:
            return
        self._last = now
        filled = int(round(24 * max(0.0, min(1.0, fraction))))
        line = f"[{'#' * filled}{'.' * (24 - filled)}] {100 * fraction:5.1f}% {text}"
        self.stream.write("\r" + line + " " * max(0, self._width - len(line)))
        self.stream.flush()
        self._width = len(line)

    def data_progress(self, fraction: float, text: str) -> None:
        self.bar(fraction, text, force=fraction >= 1.0)

    def batch(self, p: Any) -> None:
        if self.mode == "bar":
            total = (p.epochs or p.epoch) * p.batches_per_epoch
            self.bar(p.step / max(total, 1), f"epoch {p.epoch}/{p.epochs} "
                     f"batch {p.batch}/{p.batches_per_epoch} loss {p.loss:.4g}")

    def epoch(self, p: Any) -> None:
        logs = " ".join(f"{k} {v:.4g}" for k, v in p.logs.items() if isinstance(v, int | float))
        if self.mode == "lines":
            print(f"epoch {p.epoch}/{p.epochs} {logs}", file=self.stream, flush=True)
        elif self.mode == "bar":
            total = (p.epochs or p.epoch) * p.batches_per_epoch
            self.bar(p.step / max(total, 1), f"epoch {p.epoch}/{p.epochs} {logs}", force=True)

    def done(self) -> None:
        if self.mode == "bar" and self._width:
            self.stream.write("\n")
            self.stream.flush()
            self._width = 0


def _num(v: Any) -> float | None:
    return float(v) if v is not None and math.isfinite(float(v)) else None


def final_metrics(run: Any, dataset: Any, epochs: int) -> dict[str, Any]:
    """Metrics of the run's final weights (inference mode) on the training and test splits."""
    from core import metrics

    model = run.model
    out: dict[str, Any] = {"epochs": int(epochs)}
    has_test = run.validation_data is not None
    out["loss"] = _num(model.evaluate(run.x_train, run.y_train)["loss"])
    out["val_loss"] = _num(model.evaluate(run.x_val, run.y_val)["loss"]) if has_test else None
    pred = model.predict(run.x_train)
    pred_t = model.predict(run.x_val) if has_test else None
    if dataset.is_classification:
        out["accuracy"] = _num(metrics.accuracy(dataset.y_train, pred))
        out["val_accuracy"] = _num(metrics.accuracy(dataset.y_test, pred_t)) if has_test else None
    else:
        out["mae"] = _num(metrics.mae(dataset.y_train, pred))
        out["val_mae"] = _num(metrics.mae(dataset.y_test, pred_t)) if has_test else None
        out["r2"] = _num(metrics.r2_score(dataset.y_train, pred))
        out["val_r2"] = _num(metrics.r2_score(dataset.y_test, pred_t)) if has_test else None
    return out


def run(args: argparse.Namespace) -> int:
    """Load, train, save, print the final metrics as JSON (last stdout line).

    Value, OS and memory errors that escape the loaders are reported as one ``error:`` line too.
    """
    from core.errors import FFStudioError

    try:
        return _run(args)
    except FFStudioError:
        raise
    except MemoryError:
        raise FFStudioError("out of memory (try a smaller network, batch size or data set)") from None
    except (ValueError, OSError) as exc:
        raise FFStudioError(f"{args.project}: {exc}") from None


def _start_weights(project: Any, args: argparse.Namespace) -> str | None:
    """The weights file to start from: with --resume the project's, without it None (and a note when the
    project has weights). Raises FFStudioError when --resume has no weights to start from."""
    from core.errors import FFStudioError

    weights = project.weights_path
    if not args.resume:
        if weights:
            print(f"note: {args.project} references trained weights ({project.weights}); starting from "
                  "fresh weights (pass --resume to continue from them)", file=sys.stderr, flush=True)
        return None
    if not weights:
        raise FFStudioError(f"{args.project}: --resume needs trained weights, but the project has no "
                            "\"weights\" entry (train it once without --resume)")
    if not os.path.exists(weights):
        raise FFStudioError(f"{args.project}: --resume: weights file {weights} does not exist")
    return weights


def _run(args: argparse.Namespace) -> int:
    from core.errors import FFStudioError, ProjectError
    from core.project import build_dataset, load_project
    from core.run import prepare_run
    from core.run_output import check_run_output, save_run

    display = _Display(args.progress, sys.stderr)
    project = load_project(args.project)
    if args.epochs is not None:
        project.training["epochs"] = args.epochs
    elif "epochs" in project.training and project.training["epochs"] is None:
        raise FFStudioError(f"{args.project}: training.epochs is null (train until stopped, an app choice); "
                            "give a count with --epochs N")
    if args.seed is not None:
        project.training["seed"] = args.seed
    if args.batch_size is not None:
        project.training["batch_size"] = args.batch_size

    display.message(f"loading data ({project.data['source']})")
    dataset = build_dataset(project, progress=display.data_progress)
    display.done()
    for line in dataset.summary.splitlines():
        display.message(f"  {line}")
    resume_from = _start_weights(project, args)
    check_run_output(args.out)  # before training: a blocked destination costs no training time
    run = prepare_run(project, dataset, initial_weights=resume_from)
    if resume_from and args.progress != "none":
        print(f"resuming from {resume_from}", file=sys.stderr, flush=True)
    model = run.model
    display.message(f"training {model.count_params():,} parameters for {run.epochs} epochs "
                    f"(batch size {run.batch_size}, loss {model.loss.name}); per epoch, loss and metrics are "
                    "the running mean over its batches (training mode), val_* the test split after it")
    try:
        gen = run.iterate()
    except ValueError as exc:
        raise ProjectError(str(exc), project.path) from None
    last = None
    import numpy as np

    try:
        # overflow on the way to a NaN loss is reported once, as TrainingDiverged, not as warnings
        with np.errstate(over="ignore", invalid="ignore"):
            for p in gen:
                if p.kind == "batch":
                    display.batch(p)
                else:
                    display.epoch(p)
                    last = p
    finally:
        display.done()
    epochs_run = last.epoch if last is not None else 0
    if last is not None and last.stopped and last.stopped != "epochs":
        display.message(f"stopped after epoch {epochs_run}: {last.stopped.replace('_', ' ')}")

    results = final_metrics(run, dataset, epochs_run)
    figures = " ".join(f"{k} {v:.4g}" for k, v in results.items() if k != "epochs" and v is not None)
    display.message(f"final weights evaluated on the whole splits (inference mode, no dropout; the JSON "
                    f"line): {figures}")
    weights, project_out = save_run(project, model, dataset.preprocessing, args.out, results)
    print(f"wrote {weights}")
    print(f"wrote {project_out}")
    print(json.dumps(results, allow_nan=False), flush=True)
    return 0
