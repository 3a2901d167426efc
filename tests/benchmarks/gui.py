"""GUI benchmark (offscreen): responsiveness and throughput while the spiral preset, then the MNIST MLP
template, train.

Measures, with the real main window and the real worker thread (spiral):

- ``stall_p99_ms``: 99th percentile of the gaps between ticks of a 5 ms QTimer in the GUI thread while
  training runs (an idle loop gives ~5 ms; target <= 50 ms);
- ``boundary_fps``: new decision-boundary images painted on screen per second while training (target
  >= 30); ``boundary_images_per_s``: images handed to the view (some may be replaced before a paint);
- ``boundary_redraw_fps``: how fast the boundary view can redraw a new 100x100 output (set_output +
  repaint) on its own;
- ``gui_train_ratio``: training steps/s with the GUI attached divided by headless steps/s of the same
  generator on a copy of the model and data (target >= 0.85). The run alternates ``--rounds`` GUI
  phases with headless phases of the same length in this process (training paused, window idle;
  each headless phase is half with one BLAS thread, half with the default number, in alternating
  order, and the setting that is faster over all rounds is the reference, ``headless_blas``); each
  GUI phase is paired with the headless phase after it and the median of the pair ratios is
  reported, so the shared machine's slow drifts (often +-20% over seconds) cancel out.
- ``worker_*_share``, ``pictures_thread_share``, ``cpu_*``: where the threads' time went (``cpu_*`` in
  CPU seconds per second; ``cpu_picture_process`` is the child process that draws the pictures, the
  pictures thread only waits for it).

Then the same on ``assets/examples/mnist_mlp.json`` (784-256-128-10, batch 128; the full data set from
``FFSTUDIO_MNIST_DIR`` when set, else the bundled 6,000-image subset): ``mnist_gui_train_ratio``
(target >= 0.9), ``mnist_paired_ratios``, ``mnist_gui_steps_per_s``, ``mnist_headless_steps_per_s``,
``mnist_stall_p99_ms``, ``mnist_train_rows``; ``mnist_worker_blas_threads``, ``mnist_worker_blas_probes`` and
``mnist_worker_blas_trial_steps_per_s``: the BLAS thread count the worker chose by measuring at the end
of the run, how many probes it ran and the steps per second of each count in the last one;
``mnist_headless_one_blas_thread_steps_per_s`` and ``mnist_headless_default_blas_steps_per_s``: the
headless side with each count (medians over the rounds).

Opening the MNIST template (File → New → MNIST MLP; data from ``FFSTUDIO_MNIST_DIR`` when set): the same
5 ms timer runs from before the click until the data and the network are in place and one more second;
``open_mnist_stall_p99_ms`` / ``open_mnist_stall_max_ms`` are the 99th percentile and the largest gap
(targets <= 50 ms and <= 200 ms: loading runs off the GUI thread), ``open_mnist_load_s`` the time until
the dataset arrived, ``open_mnist_train_rows`` its size.

Usage: ``python tests/benchmarks/gui.py [--seconds S] [--rounds R] [--project PATH] [--no-mnist]
[--open-mnist-only]``. The last line is one JSON object; ``targets_met`` says whether all targets held.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402


class Headless:
    """``iter_training`` alone (no Qt involved) on a fresh copy of the project's model and data."""

    def __init__(self, project_path: str) -> None:
        from core.project import build_dataset, build_model, load_project, training_arrays
        from core.training import iter_training

        project = load_project(project_path)
        ds = build_dataset(project)
        model = build_model(project, ds)
        x, y, xv, yv = training_arrays(project, ds, model)
        self.x = x
        bs = int(project.training.get("batch_size", 32))
        self.gen = iter_training(model, x, y, epochs=None, batch_size=bs, validation_data=(xv, yv), seed=0)
        self.steps_per_s(0.5)  # warm-up

    def steps_per_s(self, seconds: float) -> float:
        steps = 0
        t0 = time.perf_counter()
        end = t0 + seconds
        while True:
            rec = next(self.gen)
            if rec.kind == "batch":
                steps += 1
                if steps % 64 == 0 and time.perf_counter() >= end:
                    break
        return steps / (time.perf_counter() - t0)


def thread_cpu_s() -> dict[str, float]:
    """CPU seconds used so far by each thread of this process, by thread name, and each thread's
    context switches (``<name>_switches``: a thread that waits for the GIL sleeps, i.e. switches)."""
    out: dict[str, float] = {}
    tick = os.sysconf("SC_CLK_TCK")
    try:
        for tid in os.listdir("/proc/self/task"):
            with open(f"/proc/self/task/{tid}/stat", encoding="ascii") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
            with open(f"/proc/self/task/{tid}/comm", encoding="ascii") as fh:
                name = fh.read().strip()
            with open(f"/proc/self/task/{tid}/status", encoding="ascii") as fh:
                switches = sum(int(ln.split()[1]) for ln in fh if "ctxt_switches" in ln)
            key = "gui" if int(tid) == os.getpid() else name
            out[key] = out.get(key, 0.0) + (int(fields[11]) + int(fields[12])) / tick
            out[f"{key}_switches"] = out.get(f"{key}_switches", 0.0) + switches
    except OSError:
        pass
    return out


def process_cpu_s(pid: int | None) -> float:
    """CPU seconds used so far by process ``pid`` (the picture process), 0.0 when there is none."""
    if pid is None:
        return 0.0
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def spin(ms: int) -> None:
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def redraw_speed(bv: Any) -> float:
    """Boundary images per second the view redraws on its own (set_output + one event-loop pass)."""
    from PySide6.QtCore import QEventLoop, QTimer

    grid = bv.grid
    rng = np.random.default_rng(0)
    outs = [rng.random((grid.resolution, grid.resolution, 1), dtype=np.float32) for _ in range(8)]
    n = 0
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < 1.0:
        bv.set_output(outs[n % len(outs)])
        loop = QEventLoop()  # one event-loop pass: the view really repaints
        QTimer.singleShot(0, loop.quit)
        loop.exec()
        n += 1
    return n / (time.perf_counter() - t0)


def open_mnist_template() -> dict[str, Any]:
    """Event-loop stalls while File → New → MNIST MLP loads 70,000 images (see the module docstring)."""
    from PySide6.QtCore import QSettings, QTimer
    from PySide6.QtWidgets import QApplication

    from studio import theme
    from studio.app import create_window

    app = QApplication.instance() or QApplication([])
    theme.apply(app)
    settings = QSettings(os.path.join(os.environ.get("TMPDIR", "/tmp"), "ffstudio-bench.ini"),
                        QSettings.Format.IniFormat)
    window = create_window(None, settings)
    window.ask_save_changes = lambda: "discard"
    window.resize(1600, 1000)
    window.show()
    ws = window.workspace
    ws.wait_loaded(60.0)
    spin(500)
    ticks: list[float] = []
    timer = QTimer()
    timer.setInterval(5)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start()
    spin(200)
    t0 = time.perf_counter()
    window.template_actions["mnist"].trigger()  # what clicking File → New → MNIST MLP does
    while ws.dataset is None or ws.is_loading():
        spin(20)
        if time.perf_counter() - t0 > 300:
            raise SystemExit("error: the MNIST template did not load within 300 s")
    load_s = time.perf_counter() - t0
    spin(1000)
    timer.stop()
    gaps = np.diff(np.array(ticks)) * 1000.0
    rows = len(ws.dataset.x_train)
    window.close()
    return {"open_mnist_stall_p99_ms": float(np.percentile(gaps, 99)),
            "open_mnist_stall_max_ms": float(gaps.max()), "open_mnist_load_s": load_s,
            "open_mnist_train_rows": rows}


def gui_run(project_path: str, seconds: float, rounds: int, default_blas: int,
            boundary: bool = True) -> dict[str, Any]:
    """Train in the real window for ``seconds`` in all, split into ``rounds`` phases, each followed
    by a headless phase of the same length (the machine is shared and noisy: the ratio of each
    neighbouring pair is immune to slow drifts; their median is reported)."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from studio import theme
    from studio.app import create_window
    from studio.training.blas import limit_blas_threads

    app = QApplication.instance() or QApplication([])
    theme.apply(app)
    window = create_window(project_path)
    window.ask_save_changes = lambda: "discard"
    window.resize(1600, 1000)
    window.show()
    spin(300)
    tc = window.training
    end = time.perf_counter() + 300
    while tc.dataset is None and time.perf_counter() < end:  # data load in the background (MNIST: seconds)
        spin(100)
    if tc.dataset is None:
        raise SystemExit(f"{project_path}: the data did not load")
    # no epoch budget: the run must last the whole measurement
    window.document.training["epochs"] = 10**6
    tc._invalidate_model()
    tc.ensure_model()
    tc.controls.speed_combo.setCurrentIndex(0)  # Max speed (the app starts at a watchable 300 steps/s)
    assert tc.controls.speed_limit() is None

    # standalone redraw speed of the boundary view
    bv = tc.boundary
    redraw_fps = redraw_speed(bv) if boundary else 0.0

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
    headless = Headless(project_path)
    tc.play_pause()
    spin(700)  # warm-up
    worker = tc.session.worker
    pictures = tc.session.pictures
    phase = seconds / rounds
    gui_rates: list[float] = []
    blas_rates: dict[str, list[float]] = {"one": [], "default": []}
    frames = images = snaps = 0
    gui_time = 0.0
    stats = dict.fromkeys(worker.stats, 0.0)
    busy = child = 0.0
    cpu: dict[str, float] = {}
    for _ in range(rounds):
        # GUI phase: the window trains and draws; the 5 ms timer measures the event loop's stalls
        frames0, images0, steps0, snaps0 = bv.painted_frames, bv.frames, worker.step, tc.session.snapshots
        stats0, busy0, cpu0 = dict(worker.stats), pictures.busy_s, thread_cpu_s()
        child0 = process_cpu_s(tc.run.picture_process.pid)
        recording[0] = True
        last[0] = time.perf_counter()
        t0 = time.perf_counter()
        spin(int(phase * 1000))
        dt = time.perf_counter() - t0
        recording[0] = False
        gui_rates.append((worker.step - steps0) / dt)
        frames += bv.painted_frames - frames0
        images += bv.frames - images0
        snaps += tc.session.snapshots - snaps0
        gui_time += dt
        for k in stats:
            stats[k] += worker.stats[k] - stats0[k]
        busy += pictures.busy_s - busy0
        child += max(process_cpu_s(tc.run.picture_process.pid) - child0, 0.0)
        for k, v in thread_cpu_s().items():
            cpu[k] = cpu.get(k, 0.0) + v - cpu0.get(k, 0.0)
        # headless phase right after, in the same process: the window is paused and idle
        tc.play_pause()
        spin(250)
        configs = (("one", 1), ("default", default_blas))
        for name, n in configs if len(gui_rates) % 2 else configs[::-1]:  # alternate which goes first
            limit_blas_threads(n)
            blas_rates[name].append(headless.steps_per_s(phase / 2))
        limit_blas_threads(1)
        tc.play_pause()
        spin(300)  # the run picks up again (first snapshot, evaluation panel) before the next phase
    tuner = worker.blas  # the BLAS thread count the worker chose by measuring (studio.training.blas_tuner)
    blas_choice = {"worker_blas_threads": tuner.threads, "worker_blas_probes": tuner.probes,
                   "worker_blas_trial_steps_per_s": {str(n): round(r) for n, r in tuner.trial_rates.items()}}
    t_stop = time.perf_counter()
    tc.stop()
    stop_ms = (time.perf_counter() - t_stop) * 1000
    timer.stop()
    window.close()
    g = np.asarray(gaps) * 1000.0
    # The reference is the BLAS setting that is faster over all rounds. The faster of each round's two
    # samples would favour headless by the noise alone: on the spiral both settings run the same
    # code, and the larger of two equal noisy rates is ~5 % above either (this machine: +-15 % per
    # sample).
    best = max(blas_rates, key=lambda k: float(np.median(blas_rates[k])))
    headless_rates = blas_rates[best]
    pairs = [gr / hr for gr, hr in zip(gui_rates, headless_rates, strict=True)]
    out = {
        "stall_p50_ms": float(np.percentile(g, 50)),
        "stall_p99_ms": float(np.percentile(g, 99)),
        "stall_max_ms": float(g.max()),
        "boundary_fps": frames / gui_time,
        "boundary_images_per_s": images / gui_time,
        "snapshots_per_s": snaps / gui_time,
        "boundary_redraw_fps": redraw_fps,
        "gui_steps_per_s": float(np.median(gui_rates)),
        "headless_steps_per_s": float(np.median(headless_rates)),
        "headless_one_blas_thread_steps_per_s": float(np.median(blas_rates["one"])),
        "headless_default_blas_steps_per_s": float(np.median(blas_rates["default"])),
        "headless_blas": best,
        "paired_ratios": [round(r, 3) for r in pairs],
        "gui_train_ratio": float(np.median(pairs)),
        "stop_join_ms": stop_ms,
        "pictures_thread_share": busy / gui_time,
        "cpu_picture_process": child / gui_time,
        "train_rows": int(len(headless.x)),
    }
    out.update({f"worker_{k[:-2]}_share": v / gui_time for k, v in stats.items()})
    out.update(blas_choice)
    for name in ("gui", "ffs-training", "ffs-pictures"):
        if name in cpu:
            out[f"cpu_{name.removeprefix('ffs-')}"] = cpu[name] / gui_time
            out[f"switches_per_s_{name.removeprefix('ffs-')}"] = cpu[f"{name}_switches"] / gui_time
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    # 16 pairs of 1.5 s phases: a pair's ratio varies +-15 % on this shared 2-core machine, so with 8 the
    # median of one run still moved by +-6 % from run to run
    ap.add_argument("--seconds", type=float, default=24.0, help="GUI training time measured in all")
    ap.add_argument("--rounds", type=int, default=16, help="GUI/headless phase pairs (default 16)")
    ap.add_argument("--project", default=str(ROOT / "assets" / "examples" / "spiral.json"))
    ap.add_argument("--lockstep", type=float, default=None, help="worker lockstep timeout in s (0 = off)")
    ap.add_argument("--switch-interval", type=float, default=None, help="sys.setswitchinterval for the run")
    ap.add_argument("--mnist-project", default=str(ROOT / "assets" / "examples" / "mnist_mlp.json"))
    ap.add_argument("--no-mnist", action="store_true", help="measure the spiral preset only")
    ap.add_argument("--open-mnist-only", action="store_true",
                    help="measure only the stalls while the MNIST template opens")
    args = ap.parse_args()
    if args.open_mnist_only:
        res = open_mnist_template()
        res["targets_met"] = res["open_mnist_stall_p99_ms"] <= 50 and res["open_mnist_stall_max_ms"] <= 200
        print(json.dumps({k: (round(v, 3) if isinstance(v, float) else v) for k, v in res.items()}))
        return 0
    if args.switch_interval:
        sys.setswitchinterval(args.switch_interval)
    if args.lockstep is not None:
        import studio.training.runner

        studio.training.runner.LOCKSTEP_TIMEOUT_S = args.lockstep
    from studio.training.blas import limit_blas_threads

    default_blas = limit_blas_threads(1) or 1
    res = gui_run(args.project, args.seconds, args.rounds, default_blas)
    ok = res["stall_p99_ms"] <= 50 and res["boundary_fps"] >= 30 and res["gui_train_ratio"] >= 0.85
    if not args.no_mnist:
        mnist = gui_run(args.mnist_project, args.seconds, args.rounds, default_blas, boundary=False)
        for key in ("gui_train_ratio", "paired_ratios", "gui_steps_per_s", "headless_steps_per_s",
                    "snapshots_per_s", "stall_p99_ms", "worker_emit_share", "worker_wait_share", "cpu_gui",
                    "cpu_training", "cpu_picture_process", "train_rows", "headless_blas",
                    "worker_blas_threads", "worker_blas_probes", "worker_blas_trial_steps_per_s",
                    "headless_one_blas_thread_steps_per_s", "headless_default_blas_steps_per_s"):
            res[f"mnist_{key}"] = mnist[key]
        ok = ok and res["mnist_gui_train_ratio"] >= 0.9
        res.update(open_mnist_template())
        ok = ok and res["open_mnist_stall_p99_ms"] <= 50 and res["open_mnist_stall_max_ms"] <= 200
    for k, v in res.items():
        print(f"{k:>22}: {v:,.2f}" if isinstance(v, float) else f"{k:>22}: {v}", file=sys.stderr)
    res["targets_met"] = bool(ok)
    print(json.dumps({k: (round(v, 3) if isinstance(v, float) else v) for k, v in res.items()}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
