"""Tests for core.export.npz and the shared weight-import rules (names, all-or-nothing, bad files)."""

from __future__ import annotations

import io
import json
import os
import zipfile
from pathlib import Path

import numpy as np
import pytest

from core.errors import ExportError
from core.export import import_weights, load_weights_npz, read_weights_npz, save_weights_npz
from core.export.common import named_weights


def make_model(hidden: tuple[int, ...] = (8,), activation: str = "tanh", out: int = 3,
               out_activation: str = "softmax", seed: int = 0, inputs: int = 2, dropout: float = 0.1,
               dtype: str = "float32"):
    """Normalization -> Dense(hidden..., activation) [-> Dropout] -> Dense(out, out_activation), built."""
    from core.layers import Dense, Dropout, Normalization
    from core.model import Sequential

    rng = np.random.default_rng(100 + seed)
    # float32-representable statistics, as Dataset.normalization() hands them to the layer
    layers = [Normalization(rng.normal(0, 2, inputs).astype(np.float32),
                            rng.uniform(0.5, 4.0, inputs).astype(np.float32))]
    for j, units in enumerate(hidden):
        layers.append(Dense(units, activation=activation, input_dim=inputs if j == 0 else None))
        if dropout and j == 0:
            layers.append(Dropout(dropout))
    layers.append(Dense(out, activation=out_activation))
    model = Sequential(layers, dtype=dtype)
    model.build(inputs, seed=seed)
    return model


PRE = {"task": "multiclass", "feature_names": ["x1", "x2"], "class_names": ["a", "b", "c"],
       "columns": [{"name": "x1", "kind": "numeric"}, {"name": "x2", "kind": "numeric"}]}


def test_round_trip_restores_predictions_exactly(tmp_path: Path) -> None:
    model = make_model(seed=0)
    x = np.random.default_rng(1).normal(0, 3, (200, 2)).astype(np.float32)
    path = save_weights_npz(model, tmp_path / "w.npz", PRE)
    other = make_model(seed=7)
    assert not np.array_equal(other.predict(x), model.predict(x))
    doc = load_weights_npz(other, path)
    np.testing.assert_array_equal(other.predict(x), model.predict(x))
    assert doc["preprocessing"] == PRE
    assert doc["architecture"] == json.loads(json.dumps(model.get_config()))


def test_array_names_and_header(tmp_path: Path) -> None:
    model = make_model(hidden=(8, 5))
    path = save_weights_npz(model, tmp_path / "w.npz")
    with np.load(path, allow_pickle=False) as f:
        keys = set(f.files)
        header = json.loads(str(f["__ffstudio__"][()]))
    names = [layer.name for layer in model.layers]
    assert f"layer0.{names[0]}.mean" in keys and f"layer0.{names[0]}.variance" in keys
    assert f"layer1.{names[1]}.kernel" in keys and f"layer1.{names[1]}.bias" in keys
    assert not any(k.startswith("layer2.") for k in keys)  # Dropout has no weights
    assert {f"layer3.{names[3]}.kernel", f"layer4.{names[4]}.bias"} <= keys
    assert header["format"] == "ffstudio-weights" and header["version"] == 1
    assert header["tensors"] == sorted(keys - {"__ffstudio__"}, key=header["tensors"].index)
    with np.load(path, allow_pickle=False) as f:
        assert f[f"layer1.{names[1]}.kernel"].shape == (2, 8)
        assert f[f"layer3.{names[3]}.kernel"].shape == (8, 5)


def test_wrong_shapes_reported_layer_by_layer_and_nothing_changes(tmp_path: Path) -> None:
    path = save_weights_npz(make_model(out=3), tmp_path / "w.npz")
    target = make_model(out=4, seed=3)
    before = [w.copy() for w in target.get_weights()]
    with pytest.raises(ExportError) as err:
        load_weights_npz(target, path)
    msg = str(err.value)
    assert "layer 3 kernel: file has (8, 3), network needs (8, 4)" in msg
    assert "layer 3 bias: file has (3,), network needs (4,)" in msg
    assert "layer 1" not in msg  # matching layers are not reported
    for a, b in zip(before, target.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_file_for_another_architecture_is_refused(tmp_path: Path) -> None:
    path = save_weights_npz(make_model(hidden=(8, 8)), tmp_path / "deep.npz")
    target = make_model(hidden=(8,), seed=2)
    before = [w.copy() for w in target.get_weights()]
    with pytest.raises(ExportError, match="different architecture") as err:
        load_weights_npz(target, path)
    assert "network has only" in str(err.value) or "no such weight" in str(err.value)
    for a, b in zip(before, target.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


class _Boom:
    """Unpickling this would create a marker file; the loader must never do it."""

    marker = ""

    def __reduce__(self):
        return (open, (self.marker, "w"))


def _pickle_npz(path: Path, marker: Path, model) -> None:
    _Boom.marker = str(marker)
    arrays = named_weights(model)
    buf = io.BytesIO()
    np.save(buf, np.array([_Boom()], dtype=object), allow_pickle=True)
    header = json.dumps({"format": "ffstudio-weights", "version": 1})
    first = next(iter(arrays))
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("__ffstudio__.npy", _npy(np.array(header)))
        for key, arr in arrays.items():
            zf.writestr(key + ".npy", buf.getvalue() if key == first else _npy(arr))


def _npy(arr: np.ndarray) -> bytes:
    b = io.BytesIO()
    np.save(b, arr)
    return b.getvalue()


def test_pickle_bearing_npz_is_refused_and_never_executed(tmp_path: Path) -> None:
    model = make_model()
    marker = tmp_path / "pwned"
    bad = tmp_path / "evil.npz"
    _pickle_npz(bad, marker, model)
    # The crafted file really is a pickle bomb: numpy with allow_pickle=True would run it.
    with np.load(bad, allow_pickle=True) as f:
        f[next(iter(named_weights(model)))]
    assert marker.exists()
    marker.unlink()
    before = [w.copy() for w in model.get_weights()]
    with pytest.raises(ExportError, match="Python objects"):
        load_weights_npz(model, bad)
    with pytest.raises(ExportError, match="Python objects"):
        import_weights(model, bad)
    assert not marker.exists()
    for a, b in zip(before, model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("cut", [0, 3, 30, 200, -40, -5])
def test_truncated_npz(tmp_path: Path, cut: int) -> None:
    data = Path(save_weights_npz(make_model(), tmp_path / "w.npz")).read_bytes()
    bad = tmp_path / "cut.npz"
    bad.write_bytes(data[:cut])
    with pytest.raises(ExportError) as err:
        read_weights_npz(bad)
    assert str(bad) in str(err.value)


def test_corrupt_npz_bytes(tmp_path: Path) -> None:
    data = bytearray(Path(save_weights_npz(make_model(), tmp_path / "w.npz")).read_bytes())
    for i in range(100, 400):
        data[i] ^= 0x5A
    bad = tmp_path / "flip.npz"
    bad.write_bytes(bytes(data))
    with pytest.raises(ExportError, match="corrupt|truncated|not a"):
        read_weights_npz(bad)
    (tmp_path / "text.npz").write_text("hello, I am not an archive")
    with pytest.raises(ExportError, match="not a .npz"):
        read_weights_npz(tmp_path / "text.npz")
    with pytest.raises(ExportError, match="not found"):
        read_weights_npz(tmp_path / "missing.npz")


def test_plain_npz_without_header_is_refused(tmp_path: Path) -> None:
    np.savez(tmp_path / "plain.npz", a=np.zeros(3))
    with pytest.raises(ExportError, match="not a Feedforward Studio weights file"):
        read_weights_npz(tmp_path / "plain.npz")


def test_nan_weights_are_refused(tmp_path: Path) -> None:
    model = make_model()
    arrays = named_weights(model)
    key = next(k for k in arrays if k.endswith("kernel"))
    arrays[key][0, 0] = np.nan
    arrays["__ffstudio__"] = np.array(json.dumps({"format": "ffstudio-weights", "version": 1}))
    np.savez(tmp_path / "nan.npz", **arrays)
    with pytest.raises(ExportError, match="NaN"):
        load_weights_npz(model, tmp_path / "nan.npz")


def test_unwritable_destination_leaves_nothing(tmp_path: Path) -> None:
    model = make_model()
    with pytest.raises(ExportError, match="does not exist"):
        save_weights_npz(model, tmp_path / "no" / "such" / "w.npz")
    (tmp_path / "afile").write_text("x")
    with pytest.raises(ExportError, match="cannot write"):
        save_weights_npz(model, tmp_path / "afile" / "w.npz")
    with pytest.raises(ExportError, match="is a directory"):
        save_weights_npz(model, tmp_path)
    assert sorted(os.listdir(tmp_path)) == ["afile"]


def test_failure_mid_write_keeps_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    model = make_model()
    path = Path(save_weights_npz(model, tmp_path / "w.npz"))
    old = path.read_bytes()

    def half_then_fail(fh, **arrays):
        fh.write(b"PK\x03\x04 half an archive")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(np, "savez", half_then_fail)
    with pytest.raises(ExportError, match="No space left"):
        save_weights_npz(make_model(seed=5), path)
    assert path.read_bytes() == old
    assert os.listdir(tmp_path) == ["w.npz"]


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root ignores directory permissions")
def test_read_only_directory(tmp_path: Path) -> None:
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        with pytest.raises(ExportError, match="cannot write"):
            save_weights_npz(make_model(), ro / "w.npz")
        assert os.listdir(ro) == []
    finally:
        ro.chmod(0o700)


def test_float64_model_round_trip(tmp_path: Path) -> None:
    model = make_model(dtype="float64")
    path = save_weights_npz(model, tmp_path / "w64.npz")
    other = make_model(dtype="float64", seed=4)
    load_weights_npz(other, path)
    x = np.random.default_rng(0).normal(size=(50, 2))
    np.testing.assert_array_equal(other.predict(x), model.predict(x))


def test_unbuilt_model_is_refused(tmp_path: Path) -> None:
    from core.layers import Dense
    from core.model import Sequential

    with pytest.raises(ExportError, match="no weights"):
        save_weights_npz(Sequential([Dense(3)]), tmp_path / "w.npz")
    assert not (tmp_path / "w.npz").exists()


def test_training_continues_after_import(tmp_path: Path) -> None:
    model = make_model(dropout=0.0)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    rng = np.random.default_rng(0)
    x = rng.normal(0, 2, (64, 2)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int64) + (x[:, 1] > 0)
    model.fit(x, y, epochs=3, batch_size=16, seed=0)
    path = save_weights_npz(model, tmp_path / "w.npz")
    other = make_model(dropout=0.0, seed=9)
    other.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    load_weights_npz(other, path)
    assert other.epochs_trained == 3  # the file records the epochs its weights were trained for
    before = other.evaluate(x, y)["loss"]
    other.fit(x, y, epochs=5, batch_size=16, seed=0)
    assert other.evaluate(x, y)["loss"] < before
    assert other.epochs_trained == 8


def _rewrite_header(path: Path, **changes) -> None:
    with np.load(path, allow_pickle=False) as f:
        arrays = {k: f[k] for k in f.files}
    header = json.loads(str(arrays["__ffstudio__"][()]))
    for key, value in changes.items():
        if value is None:
            header.pop(key, None)
        else:
            header[key] = value
    arrays["__ffstudio__"] = np.array(json.dumps(header))
    with open(path, "wb") as fh:
        np.savez(fh, **arrays)


def test_epochs_trained_in_the_header(tmp_path: Path) -> None:
    model = make_model()
    model.epochs_trained = 12
    path = tmp_path / "w.npz"
    save_weights_npz(model, path)
    assert read_weights_npz(path)[1]["epochs_trained"] == 12
    other = make_model(seed=3)
    assert other.epochs_trained == 0 and import_weights(other, path)["epochs_trained"] == 12
    assert other.epochs_trained == 12
    _rewrite_header(path, epochs_trained=None)  # a file from before the count was recorded: 0
    assert import_weights(other, path)["epochs_trained"] == 0 and other.epochs_trained == 0
    for bad in (-1, 2.5, "7", True):
        _rewrite_header(path, epochs_trained=bad)
        with pytest.raises(ExportError, match=r"epochs_trained must be a non-negative integer") as err:
            import_weights(other, path)
        assert "\n" not in str(err.value) and str(path) in str(err.value)
