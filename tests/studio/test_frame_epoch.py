"""One snapshot is one frame: the toolbar and the decision boundary show its epoch, and so do the loss
curves at a chosen speed; at full speed the curves follow a few times per second (each caption names
the epoch its view shows) and catch up at a pause."""

from __future__ import annotations

import re

import numpy as np
import pytest

from studio.plots.live_curve import LiveCurve, stride_for, thinned


def _toolbar_epoch(tc) -> int:
    m = re.match(r"Epoch (\d+)", tc.controls.epoch_label.text())
    assert m, tc.controls.epoch_label.text()
    return int(m.group(1))


@pytest.mark.parametrize("speed", ["300 steps/s", "Max"])
def test_toolbar_and_boundary_show_each_frames_epoch_the_curves_follow(studio_window, qtbot, speed):
    from studio.plots.curves import REDRAW_INTERVAL_S
    from studio.training.pacing import EMIT_INTERVAL_S

    w = studio_window
    tc = w.training
    if speed == "Max":
        tc.controls.speed_combo.setCurrentIndex(0)
    w.document.training["epochs"] = 10**6  # the run lasts the whole test
    seen: list[tuple[int, int, int | None, int]] = []

    def after_frame(snap) -> None:  # connected after the views: the frame is drawn when this runs
        seen.append((_toolbar_epoch(tc), tc.curves.shown_epoch, tc.boundary.shown_epoch, snap.epoch))

    tc.run.snapshot.connect(after_frame)
    tc.play_pause()
    qtbot.waitUntil(lambda: len(seen) >= 24 and seen[-1][3] >= 3, timeout=30000)
    with qtbot.waitSignal(tc.run.paused, timeout=10000):  # the worker confirms the pause
        tc.play_pause()
    assert all(t == b == e for t, c, b, e in seen), seen
    assert seen[-1][0] > seen[0][0]  # the epochs moved on, frame by frame
    if speed == "300 steps/s":  # a paced run leaves the GUI time to redraw the curves every frame
        assert all(c == e for _, c, _, e in seen), seen
    assert all(c <= e for t, c, b, e in seen), seen  # the curves never run ahead
    # ... and are redrawn at least every REDRAW_INTERVAL_S: frames come every EMIT_INTERVAL_S or later
    # (two at most back to back, when the GUI fell behind), so they lag only a few frames
    lag = 2 * int(np.ceil(REDRAW_INTERVAL_S / EMIT_INTERVAL_S)) + 1
    epochs = [e for *_, e in seen]
    behind = [(epochs[i - lag], c) for i, (_, c, _, _) in enumerate(seen) if i >= lag and c < epochs[i - lag]]
    assert not behind, (lag, behind)
    paused_at = _toolbar_epoch(tc)
    assert tc.curves.shown_epoch == tc.boundary.shown_epoch == paused_at
    # the curves' last drawn point is that epoch too (not just their caption)
    loss = tc.curves.live[1]
    assert max([loss.body.getData()[0].max(), *loss.head_x()]) == paused_at
    assert tc.curves.status.text().startswith(f"epoch {paused_at} ")
    assert tc.boundary.epoch_label.text() == f"epoch {paused_at}"
    tc.stop()


def _n(item) -> int:
    x = item.getData()[0]
    return 0 if x is None else len(x)


def test_live_curve_draws_the_body_and_only_new_points_in_the_head(qtbot):
    import pyqtgraph as pg

    pw = pg.PlotWidget()
    qtbot.addWidget(pw)
    item = pw.getPlotItem().plot([], [])
    live = LiveCurve(pw.getPlotItem(), item, settle_s=3600.0)
    data = np.column_stack([np.arange(10.0), np.arange(10.0) ** 2])
    live.set(data[:6])  # the first call draws the body
    assert _n(item) == 6 and len(live.head_x()) == 0
    live.set(data)  # then only the new rows and the joint go to the head
    assert list(live.head_x()) == [5.0, 6.0, 7.0, 8.0, 9.0] and _n(item) == 6
    live.set(data, settle=True)
    assert _n(item) == 10 and len(live.head_x()) == 0
    # long series are thinned with a power-of-two stride, keeping the last row
    assert stride_for(1000) == 1 and stride_for(1001) == 2 and stride_for(5000) == 8
    rows = thinned(np.column_stack([np.arange(11.0), np.zeros(11)]), 0, 4)
    assert list(rows[:, 0]) == [0.0, 4.0, 8.0, 10.0]


def test_live_head_follows_the_log_axis(qtbot):
    from studio.plots.curves import LossCurves

    c = LossCurves()
    qtbot.addWidget(c)
    c.log_box.setChecked(True)
    c.redraw.interval_s = 0.0  # every snapshot redrawn (training redraws a few times per second)
    for live in c.live:
        live.settle_s = 3600.0
    c.add_snapshot(np.array([[1, 10.0], [2, 10.0]]), [(1, {"loss": 100.0})], 2)
    c.add_snapshot(np.array([[3, 1.0], [4, 1.0]]), [(2, {"loss": 10.0})], 2)
    path = c.live[1].head.path()  # the epoch loss: the body's last point (100) and the new one (10)
    assert [path.elementAt(i).y for i in range(path.elementCount())] == [2.0, 1.0]


def test_a_light_frame_is_painted_by_the_event_loop_beside_the_worker_a_heavy_one_while_it_waits(
        studio_window, qtbot):
    """Lockstep on boundary runs: the worker is held while the views take in a snapshot. A heavy frame
    (the canvas, a curve redrawn in full: Python paints) is painted before it goes on; a light frame
    (boundary image, curve heads, counters) is painted later by Qt's event loop, in C++, while it trains."""
    w = studio_window
    tc = w.training
    w.document.training["epochs"] = 10**6
    tc.play_pause()
    qtbot.waitUntil(lambda: tc.session is not None and tc.session.snapshots >= 3, timeout=20000)
    s, bv = tc.session, tc.boundary
    # the worker stops waiting after lockstep_s (0.08 s); a loaded machine's frame can take longer, and
    # this test is about the order of things, not that timeout
    s.worker.lockstep_s = 10.0
    held_at_paint: list[bool] = []
    real_paint = s.paint

    def paint() -> None:
        held_at_paint.append(not s.worker._go.is_set())
        real_paint()

    s.paint = paint
    s.heavy_frame = lambda: True
    qtbot.waitUntil(lambda: len(held_at_paint) >= 5, timeout=20000)
    assert all(held_at_paint)
    s.heavy_frame = lambda: False
    held_at_paint.clear()
    held_in_boundary_paint: list[bool] = []
    count = bv.plot_widget.on_paint

    def boundary_paint() -> None:
        held_in_boundary_paint.append(not s.worker._go.is_set())
        count()

    bv.plot_widget.on_paint = boundary_paint
    painted = bv.painted_frames
    qtbot.waitUntil(lambda: bv.painted_frames >= painted + 5, timeout=20000)
    tc.stop()
    assert held_at_paint == []  # no light frame painted from Python
    assert len(held_in_boundary_paint) >= 5 and not any(held_in_boundary_paint)
    assert bv.painted_frames <= bv.frames


def test_the_curves_redraw_every_frame_at_a_chosen_speed_and_8_times_a_second_at_full_speed(studio_window):
    from studio.plots.curves import REDRAW_INTERVAL_S
    from studio.training.toolbar import SPEEDS

    tc = studio_window.training
    throttle = tc.curves.redraw
    names = [name for name, _ in SPEEDS]
    for name, interval in (("Max speed", REDRAW_INTERVAL_S), ("1,000 steps/s", 0.0), ("10 steps/s", 0.0),
                           ("Max speed", REDRAW_INTERVAL_S)):
        tc.controls.speed_combo.setCurrentIndex(names.index(name))
        assert throttle.interval_s == interval, name
    assert REDRAW_INTERVAL_S == 0.125
