"""The per-epoch history a model's weights carry (``model.training_history``) and its weights files keep."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from core import training_history
from core.errors import ExportError
from core.export import import_weights, save_weights_npz
from core.training_history import TrainingHistory
from tests.core.test_export_npz import _rewrite_header, make_model


def _data(n: int = 60) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, 2)).astype(np.float32)
    y = np.eye(3, dtype=np.float32)[rng.integers(0, 3, n)]
    return x, y


def _compiled(seed: int = 0):
    model = make_model(seed=seed)
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    return model


def test_each_epoch_adds_one_row_and_counting_goes_on_across_fits() -> None:
    x, y = _data()
    model = _compiled()
    first = model.fit(x, y, epochs=3, batch_size=16, seed=0)
    second = model.fit(x, y, epochs=2, batch_size=16, seed=0, validation_data=(x[:20], y[:20]))
    h = model.training_history
    assert h.epochs == [1, 2, 3, 4, 5] and model.epochs_trained == 5
    assert h.values["loss"] == first.history["loss"] + second.history["loss"]
    assert h.values["accuracy"] == first.history["accuracy"] + second.history["accuracy"]
    # the first fit had no validation data: its rows lack val_loss
    assert all(math.isnan(v) for v in h.values["val_loss"][:3])
    assert h.values["val_loss"][3:] == second.history["val_loss"]
    rows = h.rows()
    assert "val_loss" not in rows[0][1] and rows[4] == (5, {k: second.history[k][1] for k in second.history})


def test_fresh_weights_start_a_fresh_history() -> None:
    x, y = _data()
    model = _compiled()
    model.fit(x, y, epochs=2, batch_size=16, seed=0)
    model.build(seed=1)
    assert model.epochs_trained == 0 and len(model.training_history) == 0


@pytest.mark.parametrize("suffix", [".npz", ".safetensors"])
def test_weights_file_round_trip_keeps_the_history(tmp_path: Path, suffix: str) -> None:
    from core.export import export_model

    x, y = _data()
    model = _compiled()
    model.fit(x, y, epochs=2, batch_size=16, seed=0)
    model.fit(x, y, epochs=2, batch_size=16, seed=0, validation_data=(x[:20], y[:20]))
    path = tmp_path / f"w{suffix}"
    if suffix == ".npz":
        save_weights_npz(model, path)
    else:
        pytest.importorskip("safetensors")
        export_model(model, "safetensors", path)
    other = make_model(seed=5)
    import_weights(other, path)
    assert other.epochs_trained == 4
    assert other.training_history.epochs == [1, 2, 3, 4]
    for key, column in model.training_history.values.items():  # 7 significant digits, NaN where missing
        np.testing.assert_allclose(other.training_history.values[key], column, rtol=1e-6)
    assert [sorted(logs) for _, logs in other.training_history.rows()] == [
        sorted(logs) for _, logs in model.training_history.rows()]


def test_a_file_without_history_loads_with_none(tmp_path: Path) -> None:
    x, y = _data()
    model = _compiled()
    model.fit(x, y, epochs=2, batch_size=16, seed=0)
    path = tmp_path / "w.npz"
    save_weights_npz(model, path)
    _rewrite_header(path, history=None)  # written before the history was recorded
    other = make_model(seed=5)
    import_weights(other, path)
    assert other.epochs_trained == 2 and len(other.training_history) == 0


@pytest.mark.parametrize(("history", "expected"), [
    ("lots", r"history must be a JSON object"),
    ({"epoch": [1, 2], "loss": [0.5]}, r"history\.loss must be a list as long as history\.epoch \(2\)"),
    ({"epoch": [2, 1], "loss": [0.5, 0.4]}, r"history\.epoch must increase"),
    ({"epoch": [1, 2, 3], "loss": [0.5, 0.4, 0.3]}, r"end by epochs_trained \(2\)"),
    ({"epoch": [0, 1], "loss": [0.5, 0.4]}, r"history\.epoch must be a list of epoch numbers"),
    ({"epoch": [1, 2], "loss": [0.5, "x"]}, r"history\.loss must hold finite numbers or null"),
    ({"epoch": [1, 2], "loss": [0.5, 1e999]}, r"header is not JSON \(Infinity is not allowed"),
])
def test_a_bad_history_is_one_line_naming_file_and_field(tmp_path: Path, history, expected) -> None:
    model = make_model()
    model.epochs_trained = 2
    path = tmp_path / "w.npz"
    save_weights_npz(model, path)
    _rewrite_header(path, history=history)
    other = make_model(seed=5)
    before = [w.copy() for w in other.get_weights()]
    with pytest.raises(ExportError, match=expected) as err:
        import_weights(other, path)
    assert "\n" not in str(err.value) and str(path) in str(err.value)
    assert all(np.array_equal(a, b) for a, b in zip(other.get_weights(), before, strict=True))


def test_long_runs_thin_the_older_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(training_history, "MAX_ROWS", 10)
    h = TrainingHistory()
    for epoch in range(1, 101):
        h.add(epoch, {"loss": 1.0 / epoch})
    assert len(h) <= 10 and h.epochs[0] == 1 and h.epochs[-1] == 100
    assert h.epochs == sorted(set(h.epochs))
    assert h.values["loss"] == [1.0 / e for e in h.epochs]
    back = TrainingHistory.from_json(h.to_json(), 100)
    assert back.epochs == h.epochs and np.allclose(back.values["loss"], h.values["loss"], rtol=1e-6)


def test_a_copy_taken_mid_row_is_aligned() -> None:
    h = TrainingHistory()
    h.add(1, {"loss": 0.5})
    h.values["loss"].append(0.4)  # the training thread appended a value but not yet its epoch
    h.values["val_loss"] = [math.nan, 0.3]  # ... and a new key
    c = h.copy()
    assert c.epochs == [1] and c.values["loss"] == [0.5]
    assert len(c.values["val_loss"]) == 1 and math.isnan(c.values["val_loss"][0])
