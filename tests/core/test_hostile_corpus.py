"""Hostile-input corpus for the CLI (issue 11): every case ends in one `error:` line, exit code 2,
no traceback, within a time and memory bound, and leaves existing files untouched.

The hostile files are generated at test time (``tests/core/hostile.py``). Each case runs
``python -m studio ...`` in a subprocess with an address-space limit (``RLIMIT_AS``) and a timeout.
Add a case here for every bug of this kind.
"""

from __future__ import annotations

import hashlib
import os
import resource
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.core import hostile as h

ROOT = Path(__file__).resolve().parents[2]
MEMORY_LIMIT = 3 << 30  # bytes of address space per CLI run
TIMEOUT = 60  # seconds per CLI run

Build = Callable[[Path], list[str]]


def _limits() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT)
    env["FFSTUDIO_MNIST_MIRRORS"] = "http://127.0.0.1:9/"
    env["OPENBLAS_NUM_THREADS"] = env["OMP_NUM_THREADS"] = "1"  # thread stacks count against RLIMIT_AS
    env.pop("FFSTUDIO_MNIST_DIR", None)
    return env


# ----------------------------------------------------------------------------- commands on a trained folder
def predict(f: Path, project: str | None = None, data: str | None = None) -> list[str]:
    return ["predict", project or str(f / "project.json"), "--input", data or str(f / "input.csv"),
            "--out", str(f / "pred.csv")]


def export(f: Path, project: str | None = None, out: str | None = None) -> list[str]:
    return ["export", project or str(f / "project.json"), "--format", "npz", "-o", out or str(f / "out.npz")]


def resume(f: Path) -> list[str]:
    return ["train", str(f / "project.json"), "--resume", "--epochs", "1", "--out", str(f / "run")]


def train(f: Path, project: str) -> list[str]:
    return ["train", project, "--epochs", "1", "--out", str(f / "run")]


def _weights_cases() -> dict[str, Build]:
    """Each malformed weights file via predict, export and train --resume (issue 11 points 1, 4, 5, 13)."""
    mutations: dict[str, Callable[[Path], None]] = {
        "variance-negative": h.negative_variance,
        "kernel-1e300-float64": h.kernel_1e300,
        "kernel-3e38-outputs-nan": h.kernel_3e38,
        "columns-garbage": h.columns_garbage,
        "columns-numbers": h.columns_numbers,
        "npy-header-not-literal": h.npy_header_not_literal,
        "zip-unknown-compression": h.unknown_compression,
        "npz-kernel-3gb-declared": h.kernel_bomb,
        "npz-5000-members": h.many_members,
        "safetensors-nested-200000": h.safetensors_deep,
        "safetensors-columns-garbage": h.safetensors_columns_garbage,
        "weights-text-file": h.weights_is_text,
        "weights-onnx-file": h.weights_is_onnx,
        "weights-fifo": h.weights_fifo,
        "weights-dev-zero": h.weights_special("/dev/zero"),
        "weights-folder": h.weights_special("."),
    }
    cases: dict[str, Build] = {}
    for name, mutate in mutations.items():
        for command, run in (("predict", predict), ("export", export), ("resume", resume)):
            if name == "kernel-3e38-outputs-nan" and command == "export":
                continue  # finite weights export faithfully; predicting or training with them fails
            def build(f: Path, mutate=mutate, run=run) -> list[str]:
                mutate(f)
                return run(f)
            cases[f"{command}:{name}"] = build
    return cases


def _project_cases() -> dict[str, Build]:
    """Project files and data a project points at (points 2, 3, 4, 6, 7, 13)."""
    p = h.project_with
    net = h.network_with
    cases: dict[str, Build] = {
        "deep-objects": lambda f: train(f, h.deep_project(f, '{"a":')),
        "deep-lists": lambda f: predict(f, project=h.deep_project(f, "[")),
        "project-fifo": lambda f: train(f, h.fifo(f, "p.json")),
        "project-dev-zero": lambda f: train(f, "/dev/zero"),
        "project-dev-urandom": lambda f: export(f, project="/dev/urandom"),
        "project-folder": lambda f: train(f, str(f)),
        "project-65mb": lambda f: train(f, h.big_project(f)),
        "units-1e9": lambda f: train(f, p(f, network=net(units=10**9))),
        "units-1e30": lambda f: train(f, p(f, network=net(units=10**30))),
        "layer-name-nul-path": lambda f: train(f, p(f, network=net(name="a\u0000b/../../x"))),
        "layer-name-70000": lambda f: train(f, p(f, network=net(name="n" * 70_000))),
        "seed-2**70": lambda f: train(f, p(f, training={**h.BASE["training"], "seed": 2**70})),
        "batch-2**40": lambda f: train(f, p(f, training={**h.BASE["training"], "batch_size": 2**40})),
        "epochs-1e12": lambda f: train(f, p(f, training={**h.BASE["training"], "epochs": 10**12})),
        "patience-2**40": lambda f: train(f, p(f, training={**h.BASE["training"],
                                                            "early_stopping": {"patience": 2**40}})),
        "data-seed-2**70": lambda f: train(f, p(f, data={**h.BASE["data"], "seed": 2**70})),
        "mnist-subset-1e12": lambda f: train(f, p(f, data={"source": "mnist", "subset": 10**12})),
        "gui-5mb": lambda f: train(f, p(f, gui={"blob": "x" * (5 << 20)})),
        "points-150000": lambda f: train(f, p(f, data={"source": "toy", "name": "circle",
                                                       "points": h.points(150_000)})),
        "points-one-class": lambda f: train(f, p(f, data={"source": "toy", "name": "circle", "samples": 0,
                                                          "points": h.points(40, lambda i: 0)})),
        "data-fifo": lambda f: train(f, p(f, data={"source": "csv", "path": h.fifo(f, "d.csv")})),
        "data-dev-zero": lambda f: train(f, p(f, data={"source": "csv", "path": "/dev/zero"})),
        "csv-1e308": lambda f: train(f, h.csv_project(f, h._rows(["1.5", "1e308", "-1e308", "2"]))),
        "csv-above-float32": lambda f: train(f, h.csv_project(f, h._rows(["1.5", "3.5e38", "2"]))),
        "csv-utf16": lambda f: train(f, h.csv_project(f, h._rows(["1.5", "2"]).encode("utf-16"))),
        "csv-one-class": lambda f: train(f, h.csv_project(f, "a,b,label\n1,2,x\n3,4,x\n5,6,x\n")),
        # a long and a short row keep the file's delimiter count right (point 14's counted layout)
        "csv-ragged-balanced": lambda f: train(f, h.csv_project(f, h._rows(["1.5", "2"])
                                                                  + "1,2,yes,4\n1,no\n")),
        "csv-200000-columns": lambda f: train(f, h.csv_project(f, h.wide_rows(200_000))),  # took minutes
        "csv-20000-columns-quoted": lambda f: train(f, h.csv_project(f, '"q",' + h.wide_rows(20_000))),
        "csv-6mb-line": lambda f: train(f, h.csv_project(f, "a,label\n" + "1" * (6 << 20) + ",x\n2,y\n")),
        "csv-above-float32-with-gap": lambda f: train(f, h.csv_project(f, h._rows(["1.5", "NA", "3.5e38"]),
                                                                        missing="impute")),
    }
    return cases


def _predict_input_cases() -> dict[str, Build]:
    """The rows given to predict (points 3, 5, 12)."""
    csv = h.csv_file
    return {
        "input-fifo": lambda f: predict(f, data=h.fifo(f, "in.csv")),
        "input-dev-zero": lambda f: predict(f, data="/dev/zero"),
        "input-dev-urandom": lambda f: predict(f, data="/dev/urandom"),
        "input-inf": lambda f: predict(f, data=csv(f, "x1,x2\n0.1,0.2\ninf,0.3\n", "in.csv")),
        "input-1e39": lambda f: predict(f, data=csv(f, "x1,x2\n0.1,0.2\n1e39,0.3\n", "in.csv")),
        "input-ragged": lambda f: predict(f, data=csv(f, "x1,x2\n0.1,0.2\n0.3\n0.4,0.5,0.6\n", "in.csv")),
        "input-utf16": lambda f: predict(f, data=csv(f, "x1,x2\n0.1,0.2\n".encode("utf-16"), "in.csv")),
        "input-ragged-balanced": lambda f: predict(f, data=csv(f, "x1,x2\n" + "0.1,0.2\n" * 25
                                                               + "0.3,0.4,0.5\n0.6\n", "in.csv")),
        "input-ragged-quoted": lambda f: predict(f, data=csv(f, 'x1,x2\n"0.1",0.2\n0.3\n', "in.csv")),
        "input-true-in-numbers": lambda f: predict(f, data=csv(f, "x1,x2\n0.1,0.2\nTrue,0.3\n", "in.csv")),
        "input-200000-columns": lambda f: predict(f, data=csv(f, h.wide_rows(200_000), "in.csv")),
        "input-1e39-after-gap": lambda f: predict(f, data=csv(f, "x1,x2\nNA,0.2\n1e39,0.3\n", "in.csv")),
    }


def _output_cases() -> dict[str, Build]:
    """Outputs that would destroy inputs or be half-written (points 9, 10)."""
    def out_folder_blocked(f: Path) -> list[str]:
        (f / "run" / "project.json").mkdir(parents=True)
        return resume(f)

    return {
        "export-onto-project": lambda f: export(f, out=str(f / "project.json")),
        "export-onto-weights": lambda f: export(f, out=str(f / "weights.npz")),
        "export-onto-weights-relative": lambda f: export(f, out=os.path.relpath(f / "weights.npz")),
        "predict-onto-input": lambda f: predict(f)[:-1] + [str(f / "input.csv")],
        "screenshot-onto-project": lambda f: ["screenshot", str(f / "project.json"), "-o",
                                              str(f / "project.json")],
        "screenshot-csv-1e308": lambda f: ["screenshot", h.csv_project(f, h._rows(["1.5", "1e308"])), "-o",
                                           str(f / "shot.png")],
        "train-out-project-is-folder": out_folder_blocked,
    }


CASES: dict[str, Build] = {**_weights_cases(), **_project_cases(), **_predict_input_cases(),
                           **_output_cases()}


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return h.trained_project(tmp_path_factory.mktemp("trained")).parent


def _digests(folder: Path) -> dict[str, str]:
    out = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.stat().st_size < (1 << 24):
            out[str(path.relative_to(folder))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


@pytest.mark.parametrize("case", sorted(CASES))
def test_cli_refuses_hostile_input_in_one_line(case: str, trained: Path, tmp_path: Path) -> None:
    folder = tmp_path / "f"
    shutil.copytree(trained, folder)
    args = CASES[case](folder)
    before = _digests(folder)
    proc = subprocess.run([sys.executable, "-m", "studio", *args], capture_output=True, text=True,
                          env=_env(), cwd=tmp_path, timeout=TIMEOUT, preexec_fn=_limits,
                          stdin=subprocess.DEVNULL)
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    assert proc.returncode == 2, (proc.returncode, proc.stdout[-2000:], proc.stderr[-2000:])
    errors = [ln for ln in proc.stderr.splitlines() if ln.startswith("error:")]
    assert len(errors) == 1 and proc.stderr.strip().splitlines()[-1] == errors[0], proc.stderr[-2000:]
    assert len(errors[0]) < 600, errors[0][:1000]
    after = _digests(folder)
    changed = [name for name, digest in before.items() if after.get(name) != digest]
    assert not changed, f"{case} changed or removed {changed}"
    new = sorted(set(after) - set(before))
    assert not new, f"{case} wrote {new}"
