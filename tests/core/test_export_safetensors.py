"""safetensors export/import and the format-sniffing weight import."""

from __future__ import annotations

import json
import re
import struct
import sys
from pathlib import Path

import numpy as np
import pytest

from core.errors import ExportError
from core.export import import_weights, save_weights_npz
from core.installation import extra_hint
from tests.core.test_export_npz import PRE, make_model

pytest.importorskip("safetensors", reason="safetensors not installed (pip install 'ffstudio[export]')")

from core.export.safetensors import (  # noqa: E402
    load_weights_safetensors,
    read_weights_safetensors,
    save_weights_safetensors,
)


def test_round_trip_and_metadata(tmp_path: Path) -> None:
    from safetensors import safe_open

    model = make_model(hidden=(8, 4))
    path = save_weights_safetensors(model, tmp_path / "w.safetensors", PRE)
    with safe_open(path, framework="np") as f:
        meta = f.metadata()
        keys = set(f.keys())
    assert meta["format"] == "ffstudio-weights"
    assert json.loads(meta["preprocessing"]) == PRE
    assert json.loads(meta["architecture"])["layers"][1]["class_name"] == "Dense"
    assert f"layer1.{model.layers[1].name}.kernel" in keys and f"layer0.{model.layers[0].name}.mean" in keys
    x = np.random.default_rng(0).normal(size=(100, 2)).astype(np.float32)
    other = make_model(hidden=(8, 4), seed=6)
    doc = load_weights_safetensors(other, path)
    assert doc["preprocessing"] == PRE
    np.testing.assert_array_equal(other.predict(x), model.predict(x))


def test_torch_reads_it(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch", reason="torch not installed (pip install torch==2.13.0)")
    from safetensors.torch import load_file

    model = make_model()
    path = save_weights_safetensors(model, tmp_path / "w.safetensors")
    tensors = load_file(path)
    kernel = tensors[f"layer1.{model.layers[1].name}.kernel"]
    assert isinstance(kernel, torch.Tensor) and tuple(kernel.shape) == (2, 8)


def test_import_weights_sniffs_both_formats(tmp_path: Path) -> None:
    model = make_model()
    st = save_weights_safetensors(model, tmp_path / "w.safetensors")
    npz = save_weights_npz(model, tmp_path / "renamed.bin")
    x = np.random.default_rng(0).normal(size=(20, 2)).astype(np.float32)
    for path in (st, npz):
        other = make_model(seed=11)
        import_weights(other, path)
        np.testing.assert_array_equal(other.predict(x), model.predict(x))


@pytest.mark.parametrize("cut", [0, 5, 9, 60, -8])
def test_truncated_file(tmp_path: Path, cut: int) -> None:
    data = Path(save_weights_safetensors(make_model(), tmp_path / "w.safetensors")).read_bytes()
    bad = tmp_path / "cut.safetensors"
    bad.write_bytes(data[:cut])
    with pytest.raises(ExportError) as err:
        import_weights(make_model(), bad)
    assert str(bad) in str(err.value)


def test_corrupt_header_and_foreign_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(struct.pack("<Q", 10) + b"{not json}" + b"\0" * 16)
    with pytest.raises(ExportError, match="not JSON"):
        read_weights_safetensors(bad)
    bad.write_bytes(struct.pack("<Q", 2**40) + b"{}")
    with pytest.raises(ExportError, match="corrupt or truncated"):
        read_weights_safetensors(bad)
    from safetensors.numpy import save_file

    save_file({"w": np.zeros(3, dtype=np.float32)}, str(tmp_path / "foreign.safetensors"))
    with pytest.raises(ExportError, match="not a Feedforward Studio weights file"):
        read_weights_safetensors(tmp_path / "foreign.safetensors")


def test_wrong_shapes_all_or_nothing(tmp_path: Path) -> None:
    path = save_weights_safetensors(make_model(hidden=(6,)), tmp_path / "w.safetensors")
    target = make_model(hidden=(8,), seed=2)
    before = [w.copy() for w in target.get_weights()]
    with pytest.raises(ExportError) as err:
        import_weights(target, path)
    assert "layer 1 kernel: file has (2, 6), network needs (2, 8)" in str(err.value)
    assert "layer 3 kernel: file has (6, 3), network needs (8, 3)" in str(err.value)
    for a, b in zip(before, target.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_missing_extra_names_it(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setitem(sys.modules, "safetensors.numpy", None)
    with pytest.raises(ExportError, match=re.escape(extra_hint("export"))):
        save_weights_safetensors(make_model(), tmp_path / "w.safetensors")
    assert not (tmp_path / "w.safetensors").exists()


def test_unwritable_destination(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    with pytest.raises(ExportError, match="cannot write"):
        save_weights_safetensors(make_model(), tmp_path / "file" / "w.safetensors")


def test_epochs_trained_in_the_metadata(tmp_path: Path) -> None:
    model = make_model()
    model.epochs_trained = 7
    path = tmp_path / "w.safetensors"
    save_weights_safetensors(model, path)
    other = make_model(seed=4)
    assert load_weights_safetensors(other, path)["epochs_trained"] == 7 and other.epochs_trained == 7
    assert read_weights_safetensors(path)[1]["epochs_trained"] == 7
