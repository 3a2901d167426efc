"""GUI benchmark (offscreen): responsiveness and throughput while the spiral preset trains.

Measures, with the real main window and the real worker thread:

- ``stall_p99_ms``: 99th percentile of the gaps between ticks of a 5 ms QTimer in the GUI thread while
  training runs (an idle loop gives ~5 ms; target <= 50 ms);
- ``boundary_fps``: decision-boundary images actually drawn per second while training (target >= 30);
- ``boundary_redraw_fps``: how fast the boundary view can redraw a new 100x100 output (set_output +
  repaint) on its own;
- ``gui_train_ratio``: training steps/s with the GUI attached divided by headless steps/s of the same
  generator on the same model and data (target >= 0.8).

Usage: ``python tests/benchmarks/gui.py [--seconds S] [--project PATH]``. The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402


def headless_steps_per_s(project_path: str, seconds: float) -> float:
    """Steps/s of ``iter_training`` alone (no Qt) on the project's model and data."""
    from core.project import build_dataset, build_model, load_project, training_arrays
    from core.training import iter_training

    project = load_project(project_path)
    ds = build_dataset(project)
    model = build_model(project, ds)
    x, y, xv, yv = training_arrays(project, ds, model)
    bs = int(project.training.get("batch_size", 32))
    gen = iter_training(model, x, y, epochs=None, batch_size=bs, validation_data=(xv, yv), seed=0)
    warm = time.perf_counter() + 0.5
    while time.perf_counter() < warm:
        next(gen)
    steps = 0
    t0 = time.perf_counter()
    end = t0 + seconds
    while True:
        rec = next(gen)
        if rec.kind == "batch":
            steps += 1
            if steps % 64 == 0 and time.perf_counter() >= end:
                break
    return steps / (time.perf_counter() - t0)


def spin(ms: int) -> None:
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def gui_run(project_path: str, seconds: float) -> dict[str, float]:
    """Train in the real window for ``seconds`` and measure stalls, boundary frames and steps/s."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from studio import theme
    from studio.app import create_window

    app = QApplication.instance() or QApplication([])
    theme.apply(app)
    window = create_window(project_path)
    window.ask_save_changes = lambda: "discard"
    window.resize(1600, 1000)
    window.show()
    spin(300)
    tc = window.training
    # no epoch budget: the run must last the whole measurement
    window.document.training["epochs"] = 10**6
    tc._invalidate_model()
    tc.ensure_model()

    # standalone redraw speed of the boundary view
    bv = tc.boundary
    grid = bv.grid
    rng = np.random.default_rng(0)
    outs = [rng.random((grid.resolution, grid.resolution, 1), dtype=np.float32) for _ in range(8)]
    from PySide6.QtCore import QEventLoop

    n = 0
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < 1.0:
        bv.set_output(outs[n % len(outs)])
        loop = QEventLoop()  # one event-loop pass: the view really repaints
        QTimer.singleShot(0, loop.quit)
        loop.exec()
        n += 1
    redraw_fps = n / (time.perf_counter() - t0)

    gaps: list[float] = []
    last = [time.perf_counter()]
    recording = [False]

    def tick() -> None:
        now = time.perf_counter()
        if recording[0]:
            gaps.append(now - last[0])
        last[0] = now

    timer = QTimer()
    timer.setInterval(5)
    timer.timeout.connect(tick)
    timer.start()
    tc.play_pause()
    spin(700)  # warm-up
    worker = tc.session.worker
    frames0, steps0, snaps0 = bv.frames, worker.step, tc.session.snapshots
    stats0 = dict(worker.stats)
    recording[0] = True
    last[0] = time.perf_counter()
    t0 = time.perf_counter()
    spin(int(seconds * 1000))
    dt = time.perf_counter() - t0
    recording[0] = False
    frames, steps, snaps = bv.frames - frames0, worker.step - steps0, tc.session.snapshots - snaps0
    shares = {f"worker_{k[:-2]}_share": (worker.stats[k] - stats0[k]) / dt for k in stats0}
    t_stop = time.perf_counter()
    tc.stop()
    stop_ms = (time.perf_counter() - t_stop) * 1000
    timer.stop()
    window.close()
    g = np.asarray(gaps) * 1000.0
    return {
        "stall_p50_ms": float(np.percentile(g, 50)),
        "stall_p99_ms": float(np.percentile(g, 99)),
        "stall_max_ms": float(g.max()),
        "boundary_fps": frames / dt,
        "snapshots_per_s": snaps / dt,
        "boundary_redraw_fps": redraw_fps,
        "gui_steps_per_s": steps / dt,
        "stop_join_ms": stop_ms,
        **shares,
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=6.0, help="measurement time for each phase")
    ap.add_argument("--project", default=str(ROOT / "assets" / "examples" / "spiral.json"))
    ap.add_argument("--lockstep", type=float, default=None, help="worker lockstep timeout in s (0 = off)")
    ap.add_argument("--switch-interval", type=float, default=None, help="sys.setswitchinterval for the run")
    args = ap.parse_args()
    if args.switch_interval:
        sys.setswitchinterval(args.switch_interval)
    if args.lockstep is not None:
        import studio.worker

        studio.worker.LOCKSTEP_TIMEOUT_S = args.lockstep
    from studio.worker import limit_blas_threads

    # headless at its best: NumPy's default BLAS threads and one BLAS thread (what the GUI uses)
    # (the machine is shared and noisy: headless is measured before AND after the GUI run, averaged)
    half = max(args.seconds / 2, 1.0)
    default = headless_steps_per_s(args.project, half)
    before = limit_blas_threads(1)
    single = headless_steps_per_s(args.project, half)
    print(
        f"headless: {default:,.0f} steps/s (BLAS threads {before}), {single:,.0f} (1 thread)", file=sys.stderr
    )
    res = gui_run(args.project, args.seconds)
    single_after = headless_steps_per_s(args.project, half)
    limit_blas_threads(before or 1)
    default_after = headless_steps_per_s(args.project, half)
    print(f"headless after: {default_after:,.0f} steps/s, {single_after:,.0f} (1 thread)", file=sys.stderr)
    default = (default + default_after) / 2
    single = (single + single_after) / 2
    headless = max(default, single)
    res["headless_steps_per_s"] = headless
    res["headless_default_blas_steps_per_s"] = default
    res["headless_one_blas_thread_steps_per_s"] = single
    res["gui_train_ratio"] = res["gui_steps_per_s"] / headless
    for k, v in res.items():
        print(f"{k:>22}: {v:,.2f}", file=sys.stderr)
    ok = res["stall_p99_ms"] <= 50 and res["boundary_fps"] >= 30 and res["gui_train_ratio"] >= 0.8
    res["targets_met"] = bool(ok)
    print(json.dumps({k: (round(v, 3) if isinstance(v, float) else v) for k, v in res.items()}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
