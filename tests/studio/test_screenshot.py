"""`ffstudio screenshot`: renders the real window offscreen after training; user errors are one line."""

from __future__ import annotations

from pathlib import Path

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
