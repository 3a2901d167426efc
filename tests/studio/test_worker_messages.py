"""Worker error reporting: a diverging run gives the engine's one line, once, and no numpy warnings."""

from __future__ import annotations

import warnings

from core.errors import TrainingDiverged
from studio.training.job import describe_error as _describe


def test_diverged_message_is_passed_through_once():
    msg = ("Training diverged at epoch 1, step 4 (batch 4 of 4): the loss became inf. The model keeps its "
           "last finite weights; try a lower learning rate (currently 100)")
    assert _describe(TrainingDiverged(msg)) == msg
    short = _describe(TrainingDiverged("the loss became nan"))
    assert short.startswith("Training diverged: the loss became nan.") and short.count("learning rate") == 1


def test_diverging_run_reports_one_line_without_runtime_warnings(qtbot, studio_window):
    tc = studio_window.training
    doc = studio_window.document
    doc.set_data_spec(dict(doc.data, name="plane"))
    ws = studio_window.workspace
    qtbot.waitUntil(lambda: ws.dataset is not None and ws.dataset.task == "regression",
                    timeout=10000)
    doc.set_training(("optimizer",), {"name": "sgd", "learning_rate": 1e6})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        tc.play_pause()
        qtbot.waitUntil(lambda: tc.session is None, timeout=20000)
    assert tc.last_error and tc.last_error.count("diverged") == 1 and "\n" not in tc.last_error
    assert tc.last_error.startswith("Training diverged at epoch")
    assert not [w for w in caught if issubclass(w.category, RuntimeWarning)]
