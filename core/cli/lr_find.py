"""`ffstudio lr-find PROJECT.json [--csv OUT.csv]`: learning-rate range test (no Qt)."""

from __future__ import annotations

import argparse

from core.cli import int_at_least

_HELP = """\
Run a learning-rate range test on a project: starting from the initial weights (training.seed), train
for about 100 mini-batches while the learning rate grows exponentially from 1e-6 to 1, recording the
loss on a fixed subset of the training rows after each step. The test stops early when the loss
explodes (non-finite, or the smoothed loss above 4x its best). The project file is not changed.

The suggested learning rate is where the smoothed loss falls most steeply (before its minimum), or the
minimum's learning rate / 10 when the loss never falls. Use it as training.optimizer.learning_rate.

The last line on stdout is one JSON object:
  {"suggested_learning_rate": ..., "method": "steepest"|"minimum/10", "steps": ...,
   "stopped": "end"|"exploded"}
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `lr-find` sub-command."""
    p = subparsers.add_parser("lr-find", prog="ffstudio lr-find",
                              help="learning-rate range test: suggest a learning rate for a project",
                              description=_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("project", metavar="PROJECT.json", help="project file")
    p.add_argument("--csv", metavar="OUT.csv", help="write the curve (learning_rate, loss, smoothed_loss)")
    p.add_argument("--steps", type=int_at_least(5), default=100, metavar="N", help="steps of the test (100)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Run the test, optionally write the CSV, print the suggestion (JSON last line)."""
    import json

    from core.atomic import atomic_write
    from core.errors import FFStudioError
    from core.lr_finder import find_learning_rate
    from core.project import build_dataset, load_project
    from core.run import prepare_run

    project = load_project(args.project)
    spec = prepare_run(project, build_dataset(project))
    try:
        result = find_learning_rate(spec.model, spec.x_train, spec.y_train, batch_size=spec.batch_size,
                                    steps=args.steps, seed=spec.seed)
    except ValueError as exc:
        raise FFStudioError(f"{args.project}: {exc}") from None
    if args.csv:
        text = "learning_rate,loss,smoothed_loss\n" + "".join(f"{a:.6g},{b:.6g},{c:.6g}\n"
                                                             for a, b, c in result.rows())
        try:
            atomic_write(args.csv, text)
        except OSError as exc:
            raise FFStudioError(f"{args.csv}: cannot write ({exc.strerror or exc})") from None
        print(f"wrote {args.csv}")
    best = int(result.smoothed.argmin())
    lrs = result.learning_rates
    end = "stopped: loss exploded" if result.stopped == "exploded" else "done"
    print(f"{len(result.losses)} steps, learning rate {lrs[0]:.3g} .. {lrs[-1]:.3g} ({end})")
    print(f"lowest smoothed loss {result.smoothed[best]:.4g} at learning rate {lrs[best]:.3g}")
    print(f"suggested learning rate {result.suggested:.3g} ({result.method})")
    print(json.dumps({"suggested_learning_rate": result.suggested, "method": result.method,
                      "steps": len(result.losses), "stopped": result.stopped}), flush=True)
    return 0
