"""studio.cli: usage errors are one `error:` line on stderr with exit code 2; --help is unchanged."""

from __future__ import annotations

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
