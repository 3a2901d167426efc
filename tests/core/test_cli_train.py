"""`ffstudio train` end to end in subprocesses (python -m studio train ...): outputs, errors, no Qt."""

from __future__ import annotations

import json
import os
import pty
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
CSV_DIR = ROOT / "tests" / "data" / "csv"

BASE = {
    "format": "ffstudio-project", "version": 1,
    "network": {"layers": [{"type": "input"}, {"type": "dense", "units": 8, "activation": "tanh"},
                           {"type": "output"}]},
    "data": {"source": "toy", "name": "circle", "samples": 200, "noise": 0.0, "seed": 2},
    "training": {"optimizer": {"name": "adam", "learning_rate": 0.03}, "batch_size": 16, "epochs": 50,
                 "seed": 0},
}


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT)
    env["FFSTUDIO_MNIST_MIRRORS"] = "http://127.0.0.1:9/"  # never the internet
    env.pop("FFSTUDIO_MNIST_DIR", None)
    return env


def run_cli(*args: str, cwd: Path | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "studio", *args], capture_output=True, text=True, cwd=cwd,
                          env=_env(), timeout=timeout)


def write_project(path: Path, **changes) -> Path:
    doc = json.loads(json.dumps(BASE))
    for key, value in changes.items():
        doc[key] = value
    path.write_text(json.dumps(doc))
    return path


def last_json(stdout: str) -> dict:
    return json.loads(stdout.strip().splitlines()[-1])


def test_train_classification_writes_weights_project_and_metrics(tmp_path: Path) -> None:
    proj = write_project(tmp_path / "circle.json")
    out = tmp_path / "result"
    r = run_cli("train", str(proj), "--epochs", "20", "--seed", "3", "--out", str(out))
    assert r.returncode == 0, r.stderr
    res = last_json(r.stdout)
    assert set(res) == {"epochs", "loss", "val_loss", "accuracy", "val_accuracy"}
    assert res["epochs"] == 20 and res["val_accuracy"] > 0.9
    assert "Traceback" not in r.stderr
    lines = [ln for ln in r.stderr.splitlines() if ln.startswith("epoch ")]
    assert len(lines) == 20 and lines[0].startswith("epoch 1/20 loss ")
    # the epoch lines are batch means; the final figures are labelled and equal the JSON's
    assert "running mean over its batches" in r.stderr
    final = [ln for ln in r.stderr.splitlines() if ln.startswith("final weights evaluated on the whole")]
    assert len(final) == 1 and f"loss {res['loss']:.4g} val_loss {res['val_loss']:.4g}" in final[0]
    assert f"val_accuracy {res['val_accuracy']:.4g}" in final[0]
    saved = json.loads((out / "project.json").read_text())
    assert re.fullmatch(r"weights-[0-9a-f]{12}\.npz", saved["weights"]) and saved["training"]["epochs"] == 20
    assert [p.name for p in out.glob("*.npz")] == [saved["weights"]]
    assert saved["training"]["seed"] == 3 and saved["results"]["val_accuracy"] == res["val_accuracy"]

    # The written project + weights reproduce the reported numbers.
    from core.export.npz import load_weights_npz
    from core.project import build_dataset, build_model, load_project

    p = load_project(out / "project.json")
    ds = build_dataset(p)
    model = build_model(p, ds)
    load_weights_npz(model, p.weights_path)
    acc = float(np.mean((model.predict(ds.x_test)[:, 0] > 0.5) == ds.y_test))
    assert acc == pytest.approx(res["val_accuracy"])

    again = run_cli("train", str(proj), "--epochs", "20", "--seed", "3", "--out", str(tmp_path / "again"))
    assert last_json(again.stdout) == res  # same seed, same numbers


def test_train_regression_reports_mae_and_r2(tmp_path: Path) -> None:
    proj = write_project(tmp_path / "plane.json", data={"source": "toy", "name": "plane", "samples": 200})
    r = run_cli("train", str(proj), "--epochs", "30", "--out", str(tmp_path / "o"))
    assert r.returncode == 0, r.stderr
    res = last_json(r.stdout)
    assert set(res) == {"epochs", "loss", "val_loss", "mae", "val_mae", "r2", "val_r2"}
    assert res["val_r2"] > 0.9 and res["val_mae"] < 0.1


def test_csv_project_paths_are_rebased_into_out(tmp_path: Path) -> None:
    proj_dir = tmp_path / "proj"
    proj_dir.mkdir()
    (proj_dir / "good.csv").write_bytes((CSV_DIR / "good.csv").read_bytes())
    write_project(proj_dir / "p.json", data={"source": "csv", "path": "good.csv", "target": "kind"})
    r = run_cli("train", "proj/p.json", "--epochs", "3", "--out", "elsewhere/run1", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    saved = json.loads((tmp_path / "elsewhere" / "run1" / "project.json").read_text())
    assert saved["data"]["path"] == "../../proj/good.csv" and saved["weights"].startswith("weights-")
    assert "CSV 'good.csv': 60 rows read" in r.stderr


def test_train_never_imports_qt(tmp_path: Path) -> None:
    proj = write_project(tmp_path / "p.json")
    code = (
        "import sys\n"
        "from studio.cli import main\n"
        f"rc = main(['train', {str(proj)!r}, '--epochs', '2', '--out', {str(tmp_path / 'o')!r}])\n"
        "qt = sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'shiboken6', 'pyqtgraph'))\n"
        "print('QT=' + ','.join(qt))\n"
        "sys.exit(rc)\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=_env(), timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip().splitlines()[-1] == "QT="


def test_help_documents_everything() -> None:
    r = run_cli("train", "--help")
    assert r.returncode == 0
    for word in ("--epochs", "--seed", "--out", "--batch-size", "--progress", "weights-<hash>.npz",
                 "project.json", "val_loss", "val_r2", "Exit codes"):
        assert word in r.stdout
    top = run_cli("--help")
    assert "train" in top.stdout


def _error_line(r: subprocess.CompletedProcess[str]) -> str:
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert "Traceback" not in r.stderr
    lines = [ln for ln in r.stderr.strip().splitlines() if ln]
    assert lines[-1].startswith("error: ")
    return lines[-1]


def test_user_errors_exit_2_with_one_line(tmp_path: Path) -> None:
    assert "nope.json: file not found" in _error_line(run_cli("train", str(tmp_path / "nope.json")))
    bad_json = tmp_path / "bad.json"
    bad_json.write_text("{oops")
    assert "invalid JSON at line 1, column 2" in _error_line(run_cli("train", str(bad_json)))
    net = json.loads(json.dumps(BASE["network"]))
    net["layers"][1]["units"] = -3
    invalid = write_project(tmp_path / "invalid.json", network=net, extra=1)
    line = _error_line(run_cli("train", str(invalid)))
    assert "network.layers[1].units: expected a positive integer, got -3" in line
    assert "extra: unknown key" in line
    no_csv = write_project(tmp_path / "nocsv.json", data={"source": "csv", "path": "missing.csv"})
    assert "missing.csv: file not found" in _error_line(run_cli("train", str(no_csv)))
    ragged = write_project(tmp_path / "ragged.json",
                           data={"source": "csv", "path": str(CSV_DIR / "ragged_long.csv")})
    assert "line 4 has 4 fields, expected 3" in _error_line(run_cli("train", str(ragged)))
    mismatch = write_project(tmp_path / "mm.json", network={"layers": [{"type": "input", "units": 5},
                                                                       {"type": "output"}]})
    line = _error_line(run_cli("train", str(mismatch)))
    assert "network.layers[0].units: Input has 5 units but the data has 2 features" in line
    blocked = tmp_path / "file"
    blocked.write_text("x")
    proj = write_project(tmp_path / "ok.json")
    line = _error_line(run_cli("train", str(proj), "--epochs", "1", "--out", str(blocked / "sub")))
    assert "cannot create the output folder" in line


def test_divergence_is_a_user_error(tmp_path: Path) -> None:
    proj = write_project(tmp_path / "div.json", data={"source": "toy", "name": "plane", "samples": 100},
                         training={"optimizer": {"name": "sgd", "learning_rate": 1e6}, "epochs": 50,
                                   "batch_size": 10})
    line = _error_line(run_cli("train", str(proj), "--out", str(tmp_path / "o")))
    assert "error:" in line and ("diverg" in line.lower() or "nan" in line.lower() or "inf" in line.lower())
    assert "RuntimeWarning" not in run_cli("train", str(proj), "--out", str(tmp_path / "o")).stderr
    assert not list((tmp_path / "o").glob("*.npz"))


def test_bad_option_values_are_usage_errors(tmp_path: Path) -> None:
    proj = write_project(tmp_path / "p.json")
    r = run_cli("train", str(proj), "--epochs", "0")
    assert r.returncode == 2 and "expected a positive integer, got '0'" in r.stderr
    assert "Traceback" not in r.stderr
    r = run_cli("train", str(proj), "--seed", "x")
    assert r.returncode == 2 and "Traceback" not in r.stderr


def test_progress_bar_on_a_terminal(tmp_path: Path) -> None:
    proj = write_project(tmp_path / "p.json")
    master, slave = pty.openpty()
    try:
        proc = subprocess.run([sys.executable, "-m", "studio", "train", str(proj), "--epochs", "5",
                               "--out", str(tmp_path / "o")], stdout=subprocess.PIPE, stderr=slave,
                              env=_env(), timeout=120)
        os.close(slave)
        slave = -1
        chunks = []
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:
                break
            if not data:
                break
            chunks.append(data)
    finally:
        if slave >= 0:
            os.close(slave)
        os.close(master)
    err = b"".join(chunks).decode()
    assert proc.returncode == 0
    assert "\r[" in err and "100.0%" in err and "epoch 5/5" in err
    assert "epoch 1/5 loss" not in err.replace("\r", "\n").split("\n")[0]  # no plain epoch lines
    assert json.loads(proc.stdout.decode().strip().splitlines()[-1])["epochs"] == 5


def test_mnist_example_on_the_bundled_subset(tmp_path: Path) -> None:
    doc = json.loads((ROOT / "assets" / "examples" / "mnist_mlp.json").read_text())
    doc["data"] = {"source": "mnist", "subset": 2000, "download": False}
    proj = tmp_path / "mnist.json"
    proj.write_text(json.dumps(doc))
    env_home = tmp_path / "cache-home"
    r = subprocess.run([sys.executable, "-m", "studio", "train", str(proj), "--epochs", "1", "--out",
                        str(tmp_path / "o")], capture_output=True, text=True, timeout=300,
                       env={**_env(), "XDG_CACHE_HOME": str(env_home)})
    assert r.returncode == 0, r.stderr
    assert "bundled subset" in r.stderr
    res = last_json(r.stdout)
    assert res["epochs"] == 1 and res["val_accuracy"] > 0.7


def test_without_a_test_split_val_metrics_are_null(tmp_path: Path) -> None:
    proj = write_project(tmp_path / "p.json", data={"source": "toy", "name": "plane", "samples": 50,
                                                    "test_fraction": 0})
    r = run_cli("train", str(proj), "--epochs", "2", "--out", str(tmp_path / "o"))
    assert r.returncode == 0, r.stderr
    res = last_json(r.stdout)
    assert res["val_loss"] is None and res["val_mae"] is None and res["val_r2"] is None
    assert res["mae"] is not None


def test_until_stopped_project_needs_an_epoch_count_on_the_command_line(tmp_path):
    """training.epochs: null (the app's 'until stopped') is a valid project; train asks for --epochs."""
    from core.project import Project, build_dataset, load_project
    from core.run import prepare_run

    doc = json.loads(json.dumps(BASE))
    doc["training"]["epochs"] = None
    path = tmp_path / "endless.json"
    path.write_text(json.dumps(doc))
    project = load_project(str(path))
    assert project.training["epochs"] is None and Project.from_dict(project.to_dict(), str(tmp_path))
    assert prepare_run(project, build_dataset(project)).epochs is None
    refused = run_cli("train", str(path), "--out", str(tmp_path / "o"))
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    assert refused.stderr.strip().splitlines()[-1] == (
        f"error: {path}: training.epochs is null (train until stopped, an app choice); "
        "give a count with --epochs N"
    )
    ok = run_cli("train", str(path), "--epochs", "3", "--out", str(tmp_path / "o"))
    assert ok.returncode == 0, ok.stderr
    doc["training"]["epochs"] = 0
    path.write_text(json.dumps(doc))
    bad = run_cli("train", str(path), "--out", str(tmp_path / "o"))
    assert bad.returncode == 2 and "training.epochs" in bad.stderr
    assert "null for 'until stopped'" in bad.stderr
