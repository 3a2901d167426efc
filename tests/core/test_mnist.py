"""IDX reader validation and MNIST source order (folder, env var, cache, bundled subset)."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import numpy as np
import pytest

from core.datasets.mnist import BUNDLED_DIR, FILES, load_mnist, read_idx, write_idx
from core.errors import DataError
from tests.mnist_files import COUNTS, FIRST_TEST_LABELS, FIRST_TRAIN_LABELS, FULL, MNIST_DIR

SHARED = MNIST_DIR  # ../shared/datasets/mnist, or the bundled subset on a plain clone


def test_idx_round_trip_raw_and_gzip(tmp_path: Path) -> None:
    for dtype in (np.uint8, np.int8, np.int16, np.int32, np.float32, np.float64):
        arr = (np.arange(24).reshape(2, 3, 4) - 5).astype(dtype)
        for name in ("a.idx", "a.idx.gz"):
            write_idx(tmp_path / name, arr)
            back = read_idx(tmp_path / name)
            assert back.dtype == np.dtype(dtype) and back.shape == (2, 3, 4)
            np.testing.assert_array_equal(back, arr)


@pytest.mark.parametrize(
    "payload, pattern",
    [
        (b"\x00\x00", r"not an IDX file \(only 2 bytes\)"),
        (b"\x12\x34\x08\x01" + b"\x00" * 8, r"bad magic number 0x12340801"),
        (b"\x00\x00\x07\x01" + b"\x00" * 8, r"bad magic number"),
        (b"\x00\x00\x08\x03\x00\x00", r"truncated IDX header"),
        (b"\x00\x00\x08\x01\x00\x00\x00\x05" + b"\x01\x02", r"truncated IDX data: dimensions 5 need 5 bytes"),
        (b"\x00\x00\x08\x01\x00\x00\x00\x02" + b"\x01\x02\x03", r"1 unexpected bytes after the data"),
    ],
)
def test_bad_idx_files(tmp_path: Path, payload: bytes, pattern: str) -> None:
    path = tmp_path / "bad-idx1-ubyte"
    path.write_bytes(payload)
    with pytest.raises(DataError, match=pattern):
        read_idx(path)


def test_truncated_and_corrupt_gzip(tmp_path: Path) -> None:
    good = gzip.compress(b"\x00\x00\x08\x01\x00\x00\x00\x10" + bytes(range(16)) * 100)
    (tmp_path / "t.gz").write_bytes(good[: len(good) // 2])
    with pytest.raises(DataError, match=r"t\.gz: corrupt or truncated gzip"):
        read_idx(tmp_path / "t.gz")
    broken = bytearray(good)
    broken[20:30] = b"\xff" * 10
    (tmp_path / "c.gz").write_bytes(bytes(broken))
    with pytest.raises(DataError, match=r"c\.gz: corrupt"):
        read_idx(tmp_path / "c.gz")
    with pytest.raises(DataError, match="file not found"):
        read_idx(tmp_path / "nope.gz")


def test_bundled_subset() -> None:
    ds = load_mnist(subset="bundled")
    assert ds.source == "mnist" and ds.task == "multiclass" and ds.num_classes == 10
    assert ds.x_train.shape == (6000, 784) and ds.x_test.shape == (1000, 784)
    assert ds.x_train.dtype == np.uint8 and ds.y_train.dtype == np.int64
    assert set(np.unique(ds.y_train)) == set(range(10))
    mean, var = ds.normalization()
    np.testing.assert_array_equal(mean, 0.0)
    np.testing.assert_array_equal(var, 255.0**2)
    assert "bundled subset" in ds.summary and "CC BY-SA 3.0" in ds.summary
    assert (BUNDLED_DIR / "README.md").read_text().count("CC BY-SA 3.0") >= 1
    z = ds.scaled(ds.x_train[:5])
    assert z.min() >= 0.0 and z.max() <= 1.0


def test_bundled_subset_is_the_head_of_the_real_files() -> None:
    sub = load_mnist(subset="bundled")
    assert sub.y_train[:10].tolist() == FIRST_TRAIN_LABELS and sub.y_test[:10].tolist() == FIRST_TEST_LABELS
    if FULL:
        full_y = read_idx(SHARED / FILES["train_labels"])
        np.testing.assert_array_equal(sub.y_train, full_y[:6000])
        full_x = read_idx(SHARED / FILES["test_images"])
        np.testing.assert_array_equal(sub.x_test, full_x[:1000].reshape(-1, 784))


def test_folder_env_var_and_limit(tmp_path: Path, monkeypatch) -> None:
    ds = load_mnist(path=SHARED, subset=1000)
    assert ds.x_train.shape == (1000, 784) and ds.x_test.shape == (COUNTS[1], 784)
    assert "first 1,000 training images" in ds.summary and f"folder {SHARED}" in ds.summary
    monkeypatch.setenv("FFSTUDIO_MNIST_DIR", str(SHARED))
    env = load_mnist(subset=10, download=False, cache=tmp_path)
    assert env.x_train.shape == (10, 784) and "folder" in env.summary


def test_raw_files_and_dot_spelling_are_found(tmp_path: Path) -> None:
    for name in FILES.values():
        arr = read_idx(BUNDLED_DIR / name)
        raw_name = name[:-3].replace("-idx", ".idx")
        write_idx(tmp_path / raw_name, arr[:30])
    ds = load_mnist(path=tmp_path)
    assert ds.x_train.shape == (30, 784)


def test_folder_problems(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="MNIST folder not found"):
        load_mnist(path=tmp_path / "missing")
    with pytest.raises(DataError, match="train-images-idx3-ubyte.gz not found"):
        load_mnist(path=tmp_path)
    for name in FILES.values():
        shutil.copy(BUNDLED_DIR / name, tmp_path / name)
    write_idx(tmp_path / FILES["train_labels"], np.zeros(5, dtype=np.uint8))
    with pytest.raises(DataError, match="holds 6,000 images but train-labels-idx1-ubyte.gz holds 5 labels"):
        load_mnist(path=tmp_path)
    write_idx(tmp_path / FILES["train_labels"], np.full(6000, 12, dtype=np.uint8))
    with pytest.raises(DataError, match="label 12 at item 0; MNIST labels are 0..9"):
        load_mnist(path=tmp_path)
    write_idx(tmp_path / FILES["train_images"], np.zeros((6000, 10, 10), dtype=np.uint8))
    with pytest.raises(DataError, match="expected uint8 images of 28x28 pixels"):
        load_mnist(path=tmp_path)


def test_no_download_uses_bundled_and_says_why(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("FFSTUDIO_MNIST_DIR", raising=False)
    ds = load_mnist(download=False, cache=tmp_path)
    assert len(ds.x_train) == 6000 and "downloading is off" in ds.summary


@pytest.mark.parametrize("subset", [0, -3, "half", 1.5, True])
def test_bad_subset(subset: object) -> None:
    with pytest.raises(DataError, match="subset"):
        load_mnist(subset=subset)  # type: ignore[arg-type]
