"""iter_training / fit: progress records, reproducibility, callbacks, schedules, divergence."""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np
import pytest

from core import Sequential, TrainingDiverged
from core.callbacks import Callback, EarlyStopping, History, ProgressCallback
from core.layers import Dense, Dropout, Normalization
from core.optimizers import SGD, Adam
from core.schedules import ReduceLROnPlateau, StepDecay
from core.training import Progress, iter_training


def _blobs(n: int = 90, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 3
    centers = np.array([[0.0, 2.0], [2.0, -1.0], [-2.0, -1.0]])
    x = centers[y] + rng.normal(scale=0.5, size=(n, 2))
    return x.astype(np.float32), y


def _model(seed: int = 0, dropout: float = 0.0, dtype: str = "float32") -> Sequential:
    layers = [Dense(8, activation="tanh", input_dim=2)]
    if dropout:
        layers.append(Dropout(dropout))
    layers.append(Dense(3, activation="softmax"))
    model = Sequential(layers, dtype=dtype)
    model.build(seed=seed)
    model.compile(Adam(learning_rate=0.01), "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def test_progress_records() -> None:
    x, y = _blobs(90)
    model = _model()
    records = list(
        iter_training(model, x, y, epochs=2, batch_size=32, validation_data=(x[:30], y[:30]), seed=0)
    )
    assert len(records) == 2 * (3 + 1)
    kinds = [r.kind for r in records]
    assert kinds == ["batch", "batch", "batch", "epoch"] * 2
    first = records[0]
    assert isinstance(first, Progress)
    assert (first.epoch, first.step, first.batch, first.batches_per_epoch, first.epochs) == (1, 1, 1, 3, 2)
    assert set(first.logs) == {"loss"} and first.loss == first.logs["loss"] and first.stopped is None
    with pytest.raises(dataclasses.FrozenInstanceError):
        first.loss = 0.0  # type: ignore[misc]
    ep1, ep2 = records[3], records[7]
    assert (ep1.epoch, ep1.step, ep1.stopped) == (1, 3, None)
    assert (ep2.epoch, ep2.step, ep2.stopped) == (2, 6, "epochs")
    assert list(ep2.logs) == ["loss", "accuracy", "val_loss", "val_accuracy"]
    # epoch loss = sample-weighted mean of the batch losses (32, 32, 26)
    batch_losses = [r.loss for r in records[4:7]]
    assert ep2.loss == pytest.approx(
        (32 * batch_losses[0] + 32 * batch_losses[1] + 26 * batch_losses[2]) / 90
    )
    assert all(isinstance(v, float) for v in ep2.logs.values())


def test_fit_history_and_learning() -> None:
    x, y = _blobs(120)
    model = _model()
    hist = model.fit(x, y, epochs=15, batch_size=16, validation_data=(x, y), seed=1)
    assert isinstance(hist, History) and model.history is hist
    assert set(hist.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert len(hist.history["loss"]) == 15 and hist.epoch == list(range(15))
    assert hist.history["loss"][-1] < 0.5 * hist.history["loss"][0]
    assert hist.history["val_accuracy"][-1] > 0.9


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_same_seed_gives_bit_identical_weights_and_history(dtype: str) -> None:
    x, y = _blobs(100)

    def run(seed: int) -> tuple[np.ndarray, dict]:
        model = _model(seed=7, dropout=0.3, dtype=dtype)
        hist = model.fit(x, y, epochs=3, batch_size=10, validation_data=(x, y), seed=seed)
        return model.flat_params.copy(), hist.history

    w1, h1 = run(0)
    w2, h2 = run(0)
    w3, h3 = run(1)
    assert np.array_equal(w1, w2) and h1 == h2
    assert not np.array_equal(w1, w3)


def test_unbuilt_model_is_built_from_the_fit_seed() -> None:
    x, y = _blobs(30)
    weights = []
    for _ in range(2):
        model = Sequential([Dense(4, activation="relu"), Dense(3, activation="softmax")])
        model.compile("adam", "sparse_categorical_crossentropy")
        model.fit(x, y, epochs=1, seed=5)
        weights.append(model.flat_params.copy())
    assert np.array_equal(*weights)


def test_uint8_features_are_cast_per_batch() -> None:
    rng = np.random.default_rng(0)
    x8 = rng.integers(0, 256, size=(64, 4)).astype(np.uint8)
    y = (x8[:, 0] > 127).astype(np.int64)
    for norm in (False, True):
        results = []
        for x in (x8, x8.astype(np.float32)):
            layers = [Normalization(0.0, 255.0**2)] if norm else []
            model = Sequential(
                layers + [Dense(4, activation="relu", input_dim=4), Dense(2, activation="softmax")]
            )
            model.build(seed=0)
            model.compile(SGD(0.001 if not norm else 0.1), "sparse_categorical_crossentropy")
            model.fit(x, y, epochs=2, batch_size=16, seed=0)
            results.append(model.flat_params.copy())
        assert np.array_equal(results[0], results[1])


def test_no_shuffle_uses_data_order() -> None:
    x, y = _blobs(40)
    a, b = _model(), _model()
    a.fit(x, y, epochs=2, batch_size=8, shuffle=False, seed=0)
    b.fit(x, y, epochs=2, batch_size=8, shuffle=False, seed=99)  # seed only drives shuffling/dropout
    assert np.array_equal(a.flat_params, b.flat_params)


def test_epochs_none_runs_until_the_consumer_stops() -> None:
    x, y = _blobs(30)
    model = _model()
    gen = iter_training(model, x, y, epochs=None, batch_size=10, seed=0)
    recs = list(itertools.islice(gen, 40))
    epochs = [r for r in recs if r.kind == "epoch"]
    assert len(epochs) == 10 and epochs[-1].epoch == 10
    assert all(r.epochs is None and r.stopped is None for r in recs)


def test_start_epoch_continues_numbering() -> None:
    x, y = _blobs(30)
    model = _model()
    recs = list(iter_training(model, x, y, epochs=2, batch_size=30, start_epoch=3))
    assert [(r.kind, r.epoch, r.step) for r in recs] == [
        ("batch", 4, 4),
        ("epoch", 4, 4),
        ("batch", 5, 5),
        ("epoch", 5, 5),
    ]
    assert recs[-1].epochs == 5 and recs[-1].stopped == "epochs"


def test_early_stopping_and_restore_best_weights() -> None:
    x, y = _blobs(60)
    model = _model()
    snapshots = []

    class Snap(Callback):
        def on_epoch_end(self, epoch, logs=None):
            snapshots.append((logs["val_loss"], self.model.get_weights()))

    # validation on shuffled labels: val_loss soon stops improving
    y_bad = np.random.default_rng(0).permutation(y)
    es = EarlyStopping(monitor="val_loss", patience=2, restore_best_weights=True)
    recs = list(
        iter_training(
            model, x, y, epochs=200, batch_size=10, validation_data=(x, y_bad), seed=0, callbacks=[Snap(), es]
        )
    )
    last = recs[-1]
    assert last.kind == "epoch" and last.stopped == "early_stopping" and last.epoch < 200
    assert es.stopped_epoch == last.epoch - 1 and es.wait == 2
    best_loss, best_weights = min(snapshots, key=lambda s: s[0])
    assert es.best == best_loss
    for a, b in zip(model.get_weights(), best_weights, strict=True):
        assert np.array_equal(a, b)


def test_early_stopping_needs_monitored_value() -> None:
    x, y = _blobs(30)
    model = _model()
    with pytest.raises(ValueError, match="EarlyStopping monitors 'val_loss'.*Pass validation_data"):
        model.fit(x, y, epochs=2, callbacks=[EarlyStopping()])


def test_schedules_are_applied_per_epoch() -> None:
    x, y = _blobs(30)
    model = _model()
    model.optimizer.learning_rate = 0.1
    lrs = []
    cb = ProgressCallback(lambda epoch, logs: lrs.append(model.optimizer.learning_rate))
    model.fit(x, y, epochs=5, batch_size=30, callbacks=[StepDecay(0.1, drop=0.5, epochs_drop=2), cb])
    assert lrs == pytest.approx([0.1, 0.1, 0.05, 0.05, 0.025])


def test_reduce_lr_on_plateau_uses_epoch_logs() -> None:
    x, y = _blobs(30)
    model = _model()
    model.optimizer.learning_rate = 0.01
    plateau = ReduceLROnPlateau(monitor="loss", factor=0.5, patience=0, min_delta=10.0)  # never "improves"
    model.fit(x, y, epochs=4, batch_size=30, callbacks=[plateau])
    # applied before epochs 2, 3, 4 with the previous epoch's logs: the first value sets "best"
    assert plateau.num_reductions == 2
    assert model.optimizer.learning_rate == pytest.approx(0.01 / 4)


def test_callback_hooks_and_batch_progress() -> None:
    x, y = _blobs(30)
    model = _model()
    events = []

    class Recorder(Callback):
        def on_train_begin(self, logs=None):
            events.append("begin")

        def on_epoch_begin(self, epoch, logs=None):
            events.append(f"e{epoch}")

        def on_batch_end(self, batch, logs=None):
            events.append(f"b{batch}")

        def on_epoch_end(self, epoch, logs=None):
            events.append(f"E{epoch}")

        def on_train_end(self, logs=None):
            events.append("end")

    batches = []
    model.fit(
        x,
        y,
        epochs=2,
        batch_size=15,
        callbacks=[Recorder(), ProgressCallback(lambda b, logs: batches.append(logs["loss"]), every="batch")],
    )
    assert events == ["begin", "e0", "b0", "b1", "E0", "e1", "b0", "b1", "E1", "end"]
    assert len(batches) == 4


def test_learning_rate_can_change_between_pulls() -> None:
    x, y = _blobs(30)
    model = _model()
    gen = iter_training(model, x, y, epochs=1, batch_size=10, seed=0)
    next(gen)
    before = model.flat_params.copy()
    model.optimizer.learning_rate = 1e-9
    next(gen)
    assert np.allclose(model.flat_params, before, atol=1e-6)


@pytest.mark.filterwarnings("ignore:overflow encountered", "ignore:invalid value encountered")
def test_divergence_raises_and_keeps_finite_weights() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 3)).astype(np.float32) * 100
    y = rng.normal(size=(64, 1)).astype(np.float32) * 100
    model = Sequential([Dense(16, activation="relu", input_dim=3), Dense(16, activation="relu"), Dense(1)])
    model.build(seed=0)
    model.compile(SGD(learning_rate=10.0), "mse")
    seen = []
    snapshots = [model.flat_params.copy()]  # weights before step 1, 2, ...
    with pytest.raises(
        TrainingDiverged, match=r"diverged at epoch \d+, step \d+.*lower learning rate"
    ) as info:
        for rec in iter_training(model, x, y, epochs=50, batch_size=8, seed=0):
            seen.append(rec)
            snapshots.append(model.flat_params.copy())
    # step k had a non-finite loss: the model holds the weights step k-1 started from (finite loss)
    assert np.array_equal(model.flat_params, snapshots[-2])
    assert "currently 10" in str(info.value)
    assert np.isfinite(model.flat_params).all()
    assert seen and seen[-1].kind == "batch"


def test_errors_are_raised_by_the_call_not_the_first_pull() -> None:
    x, y = _blobs(30)
    model = _model()
    with pytest.raises(ValueError, match="batch_size must be a positive integer"):
        iter_training(model, x, y, epochs=1, batch_size=0)
    with pytest.raises(ValueError, match="epochs must be a non-negative integer"):
        iter_training(model, x, y, epochs=-1)


def test_train_on_batch_and_compute_gradients() -> None:
    x, y = _blobs(30)
    model = _model()
    before = model.flat_params.copy()
    loss = model.compute_gradients(x, y)
    assert np.array_equal(before, model.flat_params) and np.any(model.flat_grads != 0)
    assert model.train_on_batch(x, y) == pytest.approx(loss)
    assert not np.array_equal(before, model.flat_params)


def test_resuming_with_start_epoch_matches_an_uninterrupted_run() -> None:
    x, y = _blobs(60)
    full = _model(seed=3, dropout=0.2)
    full.fit(x, y, epochs=4, batch_size=16, seed=8)
    parts = _model(seed=3, dropout=0.2)
    list(iter_training(parts, x, y, epochs=2, batch_size=16, seed=8))
    list(
        itertools.islice(iter_training(parts, x, y, epochs=None, batch_size=16, seed=8, start_epoch=2), 2 * 5)
    )
    assert np.array_equal(full.flat_params, parts.flat_params)


def test_batch_size_larger_than_data_is_one_batch() -> None:
    x, y = _blobs(30)
    recs = list(iter_training(_model(), x, y, epochs=1, batch_size=1000))
    assert [r.kind for r in recs] == ["batch", "epoch"] and recs[0].batches_per_epoch == 1


def test_float32_training_keeps_float32_everywhere() -> None:
    from core.layers import PReLU

    x, y = _blobs(40)
    model = Sequential(
        [
            Normalization([0.0, 0.0], [2.0, 2.0]),
            Dense(6, activation="gelu", input_dim=2, kernel_regularizer="l1_l2"),
            PReLU(),
            Dropout(0.1),
            Dense(6, activation="elu"),
            Dense(3, activation="softmax"),
        ]
    )
    model.build(seed=0)
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    gen = iter_training(model, x, y, epochs=1, batch_size=8, seed=0)
    next(gen)
    for layer in model.layers:
        for bufs in layer._bufs.values():
            assert all(b.dtype == np.float32 for b in bufs), layer.name
        for v in list(layer.params.values()) + list(layer.grads.values()):
            assert v.dtype == np.float32
    assert model.predict(x.astype(np.float64)).dtype == np.float32


def test_early_stopping_on_accuracy_maximizes_and_history_callback_records() -> None:
    x, y = _blobs(60)
    model = _model()
    es = EarlyStopping(monitor="accuracy", patience=1, min_delta=0.5)  # no epoch beats the first by 0.5
    hist = History()
    recs = list(iter_training(model, x, y, epochs=20, batch_size=20, seed=0, callbacks=[es, hist]))
    assert recs[-1].stopped == "early_stopping" and recs[-1].epoch == 2
    assert es.best == hist.history["accuracy"][0] and hist.epoch == [0, 1]
    with pytest.raises(ValueError, match="mode must be 'auto', 'min' or 'max'"):
        EarlyStopping(mode="up")
    with pytest.raises(ValueError, match="patience must be a non-negative integer"):
        EarlyStopping(patience=-1)


def test_predict_and_evaluate_between_pulls_do_not_change_training() -> None:
    x, y = _blobs(60)
    plain = _model(seed=2, dropout=0.3)
    list(iter_training(plain, x, y, epochs=2, batch_size=16, seed=4))
    probed = _model(seed=2, dropout=0.3)
    grid = np.random.default_rng(0).normal(size=(50, 2)).astype(np.float32)
    norms = []
    for _ in iter_training(probed, x, y, epochs=2, batch_size=16, seed=4):
        probed.predict(grid)  # what the GUI worker does between steps
        probed.evaluate(x[:10], y[:10])
        h = grid
        for layer in probed.layers:
            h = layer.forward(h, training=False)  # per-layer responses (neuron view)
            norms.append(sum(float(np.vdot(g, g)) for g in layer.grads.values()))
    assert np.array_equal(plain.flat_params, probed.flat_params)
    assert all(np.isfinite(norms))
