"""`ffstudio evaluate PROJECT.json --input TEST.csv` (no Qt): score a trained project on a labelled file."""

from __future__ import annotations

import argparse

_HELP = """\
Score a trained project on a labelled CSV file (features and the target column).

The file is read with the training preprocessing stored beside the weights: columns are matched
by name when the header names the feature columns and the target, otherwise by position (the
file must then have exactly the training file's columns). Rows with a missing target are left
out; missing features follow the project's data.missing policy (impute or leave the row out).

Classification prints accuracy, macro F1, the loss, per-class precision/recall/F1 and the
confusion matrix; regression prints MAE, RMSE and R² in the target's units. The last line is
one JSON object: {"rows", "accuracy", "macro_f1", "loss"} or {"rows", "mae", "rmse", "r2"}.
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `evaluate` sub-command."""
    p = subparsers.add_parser("evaluate", help="score a trained project on a labelled CSV file",
                              description=_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("project", metavar="PROJECT.json", help="trained project (it references its weights)")
    p.add_argument("--input", "-i", required=True, metavar="TEST.csv", help="labelled rows to score")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Evaluate and print the report (last line: one JSON object)."""
    from core.evaluate import evaluate_csv

    print(evaluate_csv(args.project, args.input).report(), flush=True)
    return 0
