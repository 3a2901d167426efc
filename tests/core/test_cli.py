"""studio.cli: usage errors are one `error:` line on stderr with exit code 2; --help is unchanged."""

from __future__ import annotations

import re

import pytest

from studio.cli import main


@pytest.mark.parametrize(("argv", "expected"), [
    (["train", "x.json", "--epochs", "-1"], "argument --epochs: expected a positive integer, got '-1'"),
    (["train", "x.json", "--epochs", "0"], "argument --epochs: expected a positive integer, got '0'"),
    (["train", "x.json", "--batch-size", "0"], "argument --batch-size: expected a positive integer, got '0'"),
    (["train", "x.json", "--epochs", "ten"], "argument --epochs: expected a positive integer, got 'ten'"),
    (["train", "x.json", "--bogus"], "unrecognized arguments: --bogus"),
    (["train"], "the following arguments are required: PROJECT.json"),
    (["export", "x.json", "--format", "tflite"], "invalid choice: 'tflite'"),
    (["predict", "x.json"], "required"),
    (["--bogus"], "unrecognized arguments: --bogus"),
])
def test_usage_errors_are_one_line(argv: list[str], expected: str,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("error: ") and captured.err.count("\n") == 1, captured.err
    assert expected in captured.err and "usage:" not in captured.err
    assert "--help" in captured.err


def test_help_is_unchanged(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["train", "--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: ffstudio train") and "--epochs N" in out and "Exit codes" in out


# ------------------------------------------------------------------ train --resume
def _circle_project(path) -> str:
    import json

    doc = {"format": "ffstudio-project", "version": 1,
           "network": {"layers": [{"type": "input"}, {"type": "dense", "units": 8, "activation": "tanh"},
                                  {"type": "output"}]},
           "data": {"source": "toy", "name": "circle", "samples": 200, "noise": 0.0, "seed": 2},
           "training": {"optimizer": {"name": "adam", "learning_rate": 0.03}, "batch_size": 16, "epochs": 30,
                        "seed": 0}}
    path.write_text(json.dumps(doc))
    return str(path)


def _train(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict, str]:
    import json

    code = main(["train", *argv, "--progress", "none"])
    captured = capsys.readouterr()
    lines = captured.out.strip().splitlines()
    return code, (json.loads(lines[-1]) if code == 0 else {}), captured.err


def test_train_resume_continues_from_the_projects_weights(tmp_path, capsys) -> None:
    import json

    proj = _circle_project(tmp_path / "circle.json")
    code, first, err = _train(capsys, proj, "--out", str(tmp_path / "a"))
    assert code == 0 and err == ""  # no weights yet: no note
    trained = str(tmp_path / "a" / "project.json")
    # without --resume: one note on stderr, and the run is the same as from scratch
    code, again, err = _train(capsys, trained, "--out", str(tmp_path / "b"))
    assert code == 0 and again == first
    assert err.count("\n") == 1 and err.startswith("note: ") and "starting from fresh weights" in err
    assert "--resume" in err and re.search(r"weights-[0-9a-f]{12}\.npz", err)
    # --resume: starts where the first run ended, so 3 more epochs beat 3 epochs from scratch
    code, fresh3, _ = _train(capsys, proj, "--epochs", "3", "--out", str(tmp_path / "c"))
    code, resumed, err = _train(capsys, trained, "--resume", "--epochs", "3", "--out", str(tmp_path / "d"))
    assert code == 0 and "note:" not in err and resumed["epochs"] == 3
    assert resumed["loss"] < 0.5 * fresh3["loss"] and resumed["loss"] < 2 * first["loss"]
    saved = json.loads((tmp_path / "d" / "project.json").read_text())
    assert re.fullmatch(r"weights-[0-9a-f]{12}\.npz", saved["weights"])
    # the weights know all 33 epochs; the saved budget covers them, so the app shows "Epoch 33 / 33"
    assert saved["training"]["epochs"] == 33
    # and their history: the first run's 30 epochs, then the resumed 3 (the app draws them as curves)
    from core.export import read_weights_npz

    first_history = read_weights_npz(tmp_path / "a" / json.loads(
        (tmp_path / "a" / "project.json").read_text())["weights"])[1]["history"]
    history = read_weights_npz(tmp_path / "d" / saved["weights"])[1]["history"]
    assert history.epochs == list(range(1, 34)) and first_history.epochs == list(range(1, 31))
    assert history.values["loss"][:30] == first_history.values["loss"]


def test_train_resume_errors_are_one_line(tmp_path, capsys) -> None:
    import json

    proj = _circle_project(tmp_path / "circle.json")
    code, _, err = _train(capsys, proj, "--resume", "--out", str(tmp_path / "x"))
    assert code == 2 and err.count("\n") == 1 and "--resume needs trained weights" in err
    assert not (tmp_path / "x").exists()
    assert _train(capsys, proj, "--epochs", "2", "--out", str(tmp_path / "a"))[0] == 0
    doc = json.loads((tmp_path / "a" / "project.json").read_text())
    doc["network"]["layers"][1]["units"] = 5
    (tmp_path / "a" / "other.json").write_text(json.dumps(doc))
    other = str(tmp_path / "a" / "other.json")
    code, _, err = _train(capsys, other, "--resume", "--out", str(tmp_path / "y"))
    assert code == 2 and err.startswith("error: ") and err.count("\n") == 1
    assert "do not fit this network" in err and "layer 1 kernel: file has (2, 8), network needs (2, 5)" in err
    (tmp_path / "a" / doc["weights"]).unlink()
    trained = str(tmp_path / "a" / "project.json")
    code, _, err = _train(capsys, trained, "--resume", "--out", str(tmp_path / "z"))
    assert code == 2 and "does not exist" in err


def test_train_help_mentions_resume(capsys) -> None:
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    out = capsys.readouterr().out
    assert "--resume" in out and "continue from the project's trained weights" in out
