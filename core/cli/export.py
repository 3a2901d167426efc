"""`ffstudio export PROJECT.json --format npz|safetensors|onnx|pytorch -o PATH` (no Qt)."""

from __future__ import annotations

import argparse
import os

FORMAT_CHOICES = ("npz", "safetensors", "onnx", "pytorch")

_HELP = """\
Export a trained project's network.

formats:
  npz          NumPy archive: arrays layer{i}.{name}.kernel/.bias/... plus the architecture and
               preprocessing as JSON (entry __ffstudio__); numpy only, never pickled
  safetensors  the same tensors; architecture/preprocessing in the metadata (needs safetensors)
  onnx         the whole network: input "input" (batch, features) raw features -> "probabilities"
               or "predictions"; opset 17 (needs onnx). With --raw-inputs: one input per CSV
               column named after it (float, or string for categorical columns), imputation and
               one-hot encoding in the graph, outputs "probabilities" and "label" (class name)
               or "predictions" in the target's units
  pytorch      -o FILE.py: model.py with the same nn.Sequential, weight loading and a training
               loop, plus <stem>_weights.npz beside it (running it needs torch).
               -o DIR (no .py suffix): a training project: model.py, data.py (the project's CSV
               or MNIST files, same encoding and split), train.py (one process or
               `torchrun --nproc_per_node N train.py`, DistributedDataParallel), and
               `train.py --out OUT` writes OUT/weights.npz + OUT/project.json like `ffstudio train`

safetensors and onnx need the optional extra: pip install "ffstudio[export]"
(an editable checkout: .venv/bin/pip install -e ".[export]" in the checkout)
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `export` sub-command."""
    p = subparsers.add_parser("export", help="export a trained network (npz, safetensors, onnx, pytorch)",
                              description=_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("project", metavar="PROJECT.json", help="project file whose weights are referenced")
    p.add_argument("--format", "-f", choices=FORMAT_CHOICES, required=True, help="export format")
    p.add_argument("-o", "--out", metavar="PATH",
                   help="file to write (default: beside the project, named after it, with the suffix)")
    p.add_argument("--raw-inputs", action="store_true",
                   help="onnx only: take the raw CSV columns (one input per column) instead of the encoded "
                        "features")
    p.set_defaults(run=run)


def default_path(project: str, fmt: str) -> str:
    """``PROJECT.<suffix>`` beside the project (``PROJECT_model.py`` for pytorch)."""
    from core.export import FORMATS

    stem = os.path.splitext(project)[0]
    return f"{stem}_model.py" if fmt == "pytorch" else stem + FORMATS[fmt].suffix


def run(args: argparse.Namespace) -> int:
    """Load the trained project, export it, print where the files went."""
    from core.errors import ExportError
    from core.export import export_model
    from core.predict import load_trained

    if args.raw_inputs and args.format != "onnx":
        raise ExportError(f"--raw-inputs applies to --format onnx only, not {args.format}")
    out = args.out or default_path(args.project, args.format)
    trained = load_trained(args.project)
    protect = (args.project, trained.weights_path)
    if args.raw_inputs:
        from core.export.onnx_raw import export_raw_onnx
        from core.files import check_destination

        check_destination(out, "ONNX file", ExportError, protect)
        paths = [export_raw_onnx(trained.model, out, trained.preprocessing)]
    elif args.format == "pytorch" and args.out and not args.out.endswith(".py"):
        from core.export.pytorch_project import export_pytorch_project
        from core.project import load_project

        paths = export_pytorch_project(trained.model, load_project(args.project), out, trained.preprocessing,
                                       protect)
    else:
        paths = export_model(trained.model, args.format, out, trained.preprocessing, trained.training,
                             protect=protect)
    for path in paths:
        print(f"wrote {path}")
    return 0
