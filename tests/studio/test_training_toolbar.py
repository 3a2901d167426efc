"""Training toolbar counters: epoch, rate, elapsed time and the progress bar with its ETA."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QToolBar

from studio.training.toolbar import TrainingControls, format_duration


def test_format_duration_short_runs_in_tenths_then_clock() -> None:
    assert format_duration(0.0) == "0.0 s"
    assert format_duration(0.64) == "0.6 s"
    assert format_duration(9.9) == "9.9 s"
    assert format_duration(10.2) == "0:10"
    assert format_duration(65) == "1:05"
    assert format_duration(3723) == "1:02:03"


def test_eta_only_while_running_and_bar_keeps_the_fraction(qtbot) -> None:
    bar = QToolBar()
    qtbot.addWidget(bar)
    c = TrainingControls(bar)
    assert c.progress.format() == ""  # nothing shown before the first progress
    c.set_running(True)
    c.show_progress(33, 60, 2049.0, 0.6, epoch_fraction=0.0, batches_per_epoch=38)
    assert c.epoch_label.text() == "Epoch 33 / 60"
    assert c.rate_label.text() == "2,049 steps/s" and c.elapsed_label.text() == "0.6 s"
    # 27 epochs x 38 steps left at 2,049 steps/s
    assert c.progress.value() == 550 and c.progress.format() == "55%  ETA 0.5 s"
    c.set_running(False)  # e.g. early stopping at epoch 33: the run is over, no ETA
    assert c.progress.format() == "55%" and c.progress.value() == 550
    c.show_progress(33, 60, 0.0, 0.6)
    assert c.progress.format() == "55%" and c.rate_label.text() == "– steps/s"
    c.set_running(True)
    c.show_progress(60, 60, 2000.0, 1.1, batches_per_epoch=38)
    assert c.progress.format() == "100%"
    c.show_progress(5, None, 100.0, 1.0)
    assert c.progress.format() == "no epoch budget" and c.progress.value() == 0


def test_the_bar_follows_the_epoch_counter_between_its_own_updates(qtbot) -> None:
    """The counter changes every frame, the rate, time and ETA five times a second: the bar must not
    say 34 % beside "Epoch 24 / 60" (seen in the app)."""
    bar = QToolBar()
    qtbot.addWidget(bar)
    c = TrainingControls(bar)
    c.set_running(True)
    c.show_progress(20, 60, 300.0, 2.0, epoch_fraction=0.5, batches_per_epoch=38)
    assert c.progress.value() == 341 and c.progress.format().startswith("34%  ETA")
    c.show_epoch(24, 60)  # frames in between
    assert c.epoch_label.text() == "Epoch 24 / 60"
    assert c.progress.value() == 400 and c.progress.format().startswith("40%  ETA")
    c.show_epoch(24, 60)
    assert c.progress.value() == 400  # within an epoch the bar keeps its finer fraction
    c.show_progress(24, 60, 300.0, 2.4, epoch_fraction=0.5, batches_per_epoch=38)
    assert c.progress.value() == 408
    c.show_epoch(24, 60)
    assert c.progress.value() == 408  # never back


def test_capped_speed_eta_is_the_time_left_at_the_current_pace(qtbot) -> None:
    """Issue 12.4: at 30 steps/s, 7.5 s into 300 epochs of 16 steps, 4,575 steps (2:33) are left."""
    bar = QToolBar()
    qtbot.addWidget(bar)
    c = TrainingControls(bar)
    c.set_running(True)
    c.show_progress(14, 300, 30.0, 7.5, epoch_fraction=1 / 16, batches_per_epoch=16)
    assert c.elapsed_label.text() == "7.5 s" and c.rate_label.text() == "30 steps/s"
    assert c.progress.format() == "5%  ETA 2:33"
    c.show_progress(14, 300, 0.0, 7.5, epoch_fraction=1 / 16, batches_per_epoch=16)
    assert c.progress.format() == "5%"  # no pace measured yet: no guess


def test_eta_arithmetic() -> None:
    from studio.training.pacing import eta_s

    assert eta_s(14, 1 / 16, 300, 16, 30.0) == pytest.approx(4575 / 30)
    assert eta_s(0, 0.0, 10, 5, 100.0) == pytest.approx(0.5)
    assert eta_s(10, 0.0, 10, 5, 100.0) is None  # nothing left
    assert eta_s(3, 0.0, None, 5, 100.0) is None  # no budget
    assert eta_s(3, 0.0, 10, 5, 0.0) is None  # no pace
