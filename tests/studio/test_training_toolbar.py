"""Training toolbar counters: epoch, rate, elapsed time and the progress bar with its ETA."""

from __future__ import annotations

from PySide6.QtWidgets import QToolBar

from studio.training_toolbar import TrainingControls, format_duration


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
    c.show_progress(33, 60, 2049.0, 0.6, epoch_fraction=0.0)
    assert c.epoch_label.text() == "Epoch 33 / 60"
    assert c.rate_label.text() == "2,049 steps/s" and c.elapsed_label.text() == "0.6 s"
    assert c.progress.value() == 550 and c.progress.format() == "55%  ETA 0.5 s"
    c.set_running(False)  # e.g. early stopping at epoch 33: the run is over, no ETA
    assert c.progress.format() == "55%" and c.progress.value() == 550
    c.show_progress(33, 60, 0.0, 0.6)
    assert c.progress.format() == "55%" and c.rate_label.text() == "– steps/s"
    c.set_running(True)
    c.show_progress(60, 60, 2000.0, 1.1)
    assert c.progress.format() == "100%"
    c.show_progress(5, None, 100.0, 1.0)
    assert c.progress.format() == "no epoch budget" and c.progress.value() == 0
