"""`ffstudio screenshot`: renders the real window offscreen after training; user errors are one line."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtGui import QImage

from studio.cli import main

EXAMPLES = Path(__file__).resolve().parents[2] / "assets" / "examples"


def test_screenshot_after_training(qtbot, tmp_path, capsys):
    out = tmp_path / "xor.png"
    code = main(["screenshot", str(EXAMPLES / "xor.json"), "-o", str(out), "--train-epochs", "3",
                 "--size", "1300x950"])
    assert code == 0
    img = QImage(str(out))
    assert (img.width(), img.height()) == (1300, 950)
    assert "wrote" in capsys.readouterr().err
    assert not list(tmp_path.glob("*.tmp.png"))  # atomic write left nothing behind


def test_screenshot_user_errors(tmp_path, capsys):
    assert main(["screenshot", str(tmp_path / "nope.json"), "-o", str(tmp_path / "x.png")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error:") and "nope.json" in err and "\n" not in err
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "ffstudio-project", "version": 1, "network": {"layers": []}}')
    assert main(["screenshot", str(bad), "-o", str(tmp_path / "x.png")]) == 2
    assert capsys.readouterr().err.startswith("error:")
    assert main(["screenshot", str(EXAMPLES / "xor.json"), "-o", str(tmp_path / "no" / "x.png")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_screenshot_without_project_file(qtbot, tmp_path, capsys):
    """--empty and --template render without a project; --break shows a validation error."""
    empty = tmp_path / "empty.png"
    assert main(["screenshot", "--empty", "--theme", "light", "-o", str(empty), "--size", "1100x700"]) == 0
    assert QImage(str(empty)).width() == 1100
    broken = tmp_path / "broken.png"
    assert main(["screenshot", "--template", "xor", "--break", "--theme", "dark", "-o", str(broken),
                 "--size", "1100x700"]) == 0
    img = QImage(str(broken))
    assert (img.width(), img.height()) == (1100, 700)
    # dark theme: the palette dock's background is dark
    assert img.pixelColor(20, 400).lightness() < 80
    capsys.readouterr()
    with pytest.raises(SystemExit) as exc:  # argparse: unknown template
        main(["screenshot", "--template", "nope", "-o", str(tmp_path / "x.png")])
    assert exc.value.code == 2
    capsys.readouterr()
    assert main(["screenshot", str(EXAMPLES / "xor.json"), "--empty", "-o", str(tmp_path / "x.png")]) == 2
    assert "exactly one of" in capsys.readouterr().err
