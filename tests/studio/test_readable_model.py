"""While training runs the GUI thread reads a copy of the worker's latest weights, never the model the worker
updates in place (``Workspace.readable_model``); idle, it reads the model itself."""

from __future__ import annotations

import gc
import threading
import weakref

import numpy as np

from core.explain import explain
from core.layers import Dense
from core.model import Sequential
from studio.workspace import TRAINING_BUSY, Workspace


def _model() -> Sequential:
    model = Sequential([Dense(3, activation="tanh", input_dim=2), Dense(1, activation="sigmoid")])
    model.compile(optimizer="sgd", loss="binary_crossentropy")
    return model


def _per_layer(model: Sequential, shift: float) -> list[list[np.ndarray]]:
    return [[w + shift for w in layer.get_weights()] for layer in model.layers]


def test_readable_model_is_a_copy_of_the_worker_weights_while_busy(qtbot) -> None:
    ws = Workspace()
    model, fresh = _model(), _model()
    ws.set_model(model)
    x = np.array([[0.3, -0.7]], dtype=np.float32)
    assert ws.readable_model() is model and ws.readable_model(fresh) is fresh  # idle: the model itself

    ws.set_busy(TRAINING_BUSY)
    assert ws.readable_model(fresh) is None  # no weights from the worker yet: nothing safe to read
    first = _per_layer(model, 0.5)
    ws.note_worker_weights(first)
    copy = ws.readable_model(fresh)
    assert copy is not model and copy is not fresh
    np.testing.assert_array_equal(copy.layers[0].get_weights()[0], first[0][0])
    expected = copy.predict(x)
    model.layers[0].params["kernel"] += 3.0  # the worker's next step, in place
    np.testing.assert_array_equal(copy.predict(x), expected)
    assert copy.loss is model.loss and copy.output_dim == 1

    calls = []
    set_weights = copy.set_weights
    copy.set_weights = lambda ws_: (calls.append(1), set_weights(ws_))
    assert ws.readable_model() is copy and ws.readable_model() is copy
    ws.note_worker_weights(None)  # a snapshot without weights changes nothing
    assert ws.readable_model() is copy and calls == []  # same weights: no copy at all
    second = _per_layer(model, -1.0)
    ws.note_worker_weights(second)
    assert ws.readable_model() is copy and len(calls) == 1  # newer weights: copied into the same model
    np.testing.assert_array_equal(copy.layers[1].get_weights()[1], second[1][1])
    assert ws.readable_model() is copy and len(calls) == 1

    ws.set_busy(None)
    assert ws.readable_model() is model
    ws.weights_edited.emit()  # an edit or import in place: the worker's copies no longer describe it
    ws.set_busy(TRAINING_BUSY)
    assert ws.readable_model() is None
    ws.note_worker_weights(_per_layer(model, 0.0))
    other = _model()
    ws.set_model(other)  # another model: its own copy, from its own worker's weights
    assert ws.readable_model() is None
    ws.note_worker_weights(_per_layer(other, 0.0))
    assert ws.readable_model() is not copy
    np.testing.assert_array_equal(ws.readable_model().predict(x), other.predict(x))
    # a replaced model is not kept alive by the copy made of it
    gone = weakref.ref(other)
    ws.set_model(None)
    del other
    gc.collect()
    assert gone() is None


def test_explain_reads_worker_copies_while_training_runs(qtbot, studio_window) -> None:
    """The Explain tab refreshes during a run from the weights the snapshots carried; the GUI thread never
    calls the trained model's layers while a training step may run."""
    w = studio_window
    ex, tc, ws = w.explain, w.training, w.workspace
    x = ws.dataset.x_train[2].astype(np.float64)
    ex.pick_plane_point(float(x[0]), float(x[1]))
    assert ex.explanation is not None and ex.explanation.loss is not None

    model = tc.model
    racing: list[str] = []
    for layer in model.layers:
        if type(layer).__name__ == "Normalization":
            continue  # fixed mean and variance, part of the config that the copy is built from
        def guarded(get=layer.get_weights, name=layer.name):
            if threading.current_thread() is threading.main_thread() and ws.busy:
                racing.append(name)
            return get()
        layer.get_weights = guarded
    seen: list[list[list[np.ndarray]]] = []
    tc.run.snapshot.connect(lambda snap: seen.append(snap.weights) if snap.weights is not None else None)
    shown: list = []
    tc.controls.speed_combo.setCurrentIndex(tc.controls.speed_combo.count() - 1)  # slowest: a long run
    tc.play_pause()
    qtbot.waitUntil(lambda: ws.busy is not None, timeout=5000)

    def refreshed_while_busy() -> bool:
        if ws.busy and ex.explanation is not None and (not shown or ex.explanation is not shown[-1]):
            shown.append(ex.explanation)
        return len(shown) >= 3

    qtbot.waitUntil(refreshed_while_busy, timeout=15000)
    scored = tc.evaluation.source()[0]  # "Score a test file…" during the run scores the same copy
    assert ws.busy and scored is ws.readable_model() and scored is not model
    tc.play_pause()
    qtbot.waitUntil(lambda: ws.busy is None, timeout=5000)
    assert racing == []
    for exp in shown[1:]:  # each was computed from weights a snapshot carried
        assert any(np.array_equal(exp.layers[1].kernel, s[1][0]) for s in seen)
    # paused: explained from the model itself again, which now holds the trained weights
    ex.refresh()
    expected = explain(model, x, np.array([float(ws.dataset.y_train[2])]))
    np.testing.assert_allclose(ex.explanation.layers[1].kernel, expected.layers[1].kernel)
    assert ex.explanation.loss == expected.loss
