"""`ffstudio predict PROJECT.json --input NEW.csv --out PRED.csv` (no Qt)."""

from __future__ import annotations

import argparse

_HELP = """\
Apply a trained project to new rows.

The file is read exactly like training data (same encodings, delimiters, missing-value markers
and limits; a ragged row is an error naming its line). Columns are matched by name when the CSV
header names the feature columns the network was trained on (extra columns are copied through
as text, byte for byte), otherwise by position (the file must then have
exactly those columns, with or without a header row). The same encoding and scaling as in
training apply. The output holds the input columns plus prob_<class> columns and `predicted`
for classification, or pred_<target> columns for regression.

Missing values follow the project's data.missing policy: "impute" fills them with the training
mean (numeric) or most frequent category; "drop" leaves such rows unpredicted: they are still
written, with empty prediction columns, and a one-line note on stderr gives their line numbers.
Values that are infinite or beyond the float32 range are an error naming the line.

Class names starting with = + - or @ are formulas to a spreadsheet: --excel-safe writes such
predictions with a leading ' so Excel and LibreOffice show them as text.
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `predict` sub-command."""
    p = subparsers.add_parser("predict", help="predict new CSV rows with a trained project",
                              description=_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("project", metavar="PROJECT.json", help="trained project (it references its weights)")
    p.add_argument("--input", "-i", required=True, metavar="NEW.csv", help="rows to predict")
    p.add_argument("--out", "-o", required=True, metavar="PRED.csv", help="where to write the predictions")
    p.add_argument("--excel-safe", action="store_true",
                   help="prefix predicted class names starting with = + - @ with ' so spreadsheets show them "
                        "as text instead of running them as formulas")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Predict and print a one-line summary."""
    import sys

    from core.datasets.labelled import target_columns
    from core.predict import load_trained, predict_csv

    trained = load_trained(args.project)
    result = predict_csv(trained, args.input, args.out, excel_safe=args.excel_safe, protect=[args.project])
    done = result.rows - len(result.skipped_lines)
    what = f"{result.rows} predictions" if done == result.rows else f"{result.rows} rows ({done} predicted)"
    print(f"wrote {what} to {result.path} (columns matched by {result.matched_by})")
    note = result.note()
    if note:
        print(f"note: {note}", file=sys.stderr, flush=True)
    targets = target_columns(trained.preprocessing)
    if targets and all(t in result.columns for t in targets):
        print(f"note: the file holds the target ({', '.join(targets)}); `ffstudio evaluate {args.project} "
              f"--input {args.input}` scores the predictions", file=sys.stderr, flush=True)
    return 0
