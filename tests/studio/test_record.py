"""ffstudio record: a training run as an animated GIF (frames painted offscreen, written by Pillow)."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from studio.recording import FrameData, grid_output, image_rgb, record_run

SPIRAL = "assets/examples/spiral.json"


def gif_frames(path) -> list[np.ndarray]:
    """Every frame of the GIF at ``path`` as (h, w, 3) int16."""
    out = []
    with Image.open(path) as im:
        for k in range(im.n_frames):
            im.seek(k)
            out.append(np.asarray(im.convert("RGB"), dtype=np.int16))
    return out


def test_spiral_gif_frames_differ_and_end_with_the_trained_boundary(qapp, tmp_path) -> None:
    path = tmp_path / "run.gif"
    result = record_run(SPIRAL, str(path), size=(640, 340))
    frames = gif_frames(path)
    assert len(frames) == result.frames >= 20
    assert frames[0].shape == (340, 640, 3)
    with Image.open(path) as im:
        assert im.is_animated and im.info.get("loop") == 0
    # consecutive frames change (the boundary and the curves move)
    changed = [np.abs(a - b).mean() > 0.05 for a, b in zip(frames, frames[1:], strict=False)]
    assert sum(changed) >= 0.8 * len(changed)
    # the last frame's boundary square is the trained model's boundary rendered afresh
    r = result.renderer.boundary_rect()
    box = (slice(int(r.top()) + 2, int(r.bottom()) - 2), slice(int(r.left()) + 2, int(r.right()) - 2))
    trained = result.renderer.render(FrameData(grid_output(result.model, result.grid), result.grid.extent, [],
                                               [], result.epochs, result.epochs))
    expected = image_rgb(trained).astype(np.int16)[box]
    last = np.abs(frames[-1][box] - expected).mean()
    first = np.abs(frames[0][box] - expected).mean()
    assert last < 2.0 and first > 10 * max(last, 0.5), (last, first)


def test_cli_record_and_its_errors(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    from studio.cli import main

    out = tmp_path / "xor.gif"
    assert main(["record", "assets/examples/xor.json", "-o", str(out), "--epochs", "20", "--every", "5",
                 "--size", "480x300", "--fps", "4"]) == 0
    assert "wrote" in capsys.readouterr().out
    with Image.open(out) as im:
        assert im.size == (480, 300) and im.n_frames == 5  # epochs 0, 5, 10, 15, 20
        assert im.info["duration"] == 250
    assert main(["record", "assets/examples/xor.json", "-o", str(tmp_path / "no" / "x.gif")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and "does not exist" in err
    with pytest.raises(SystemExit) as info:
        main(["record", "assets/examples/xor.json", "-o", str(out), "--fps", "0"])
    assert info.value.code == 2 and "frames per second" in capsys.readouterr().err
