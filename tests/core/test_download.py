"""Downloads from a loopback HTTP server serving MNIST files: mirrors, 404, corruption.

The server serves ../shared/datasets/mnist when present, else the subset in assets/mnist (a plain clone);
the expected checksums follow (tests.mnist_files)."""

from __future__ import annotations

import gzip
import hashlib
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

import core.datasets.mnist
from core.datasets.download import content_sha256, download_file
from core.datasets.mnist import FILES, download_mnist, load_mnist
from core.errors import DataError
from tests.core.mnist_server import serve
from tests.mnist_files import COUNTS, FULL, MNIST_DIR, SUMS

SHARED = MNIST_DIR
SHA256 = SUMS
LABELS = "t10k-labels-idx1-ubyte.gz"


@pytest.fixture(autouse=True)
def _served_sums(monkeypatch: pytest.MonkeyPatch) -> None:
    """load_mnist/download_mnist verify against the sums of the files the test server serves."""
    monkeypatch.setattr(core.datasets.mnist, "SHA256", dict(SUMS))


def test_known_sums_match_the_served_files() -> None:
    for name in FILES.values():
        assert content_sha256(SHARED / name) == SHA256[name]
    if FULL:  # the compressed files are the ones listed in SHA256SUMS
        sums = dict(line.split()[::-1] for line in (SHARED / "SHA256SUMS").read_text().splitlines() if line)
        assert hashlib.sha256((SHARED / LABELS).read_bytes()).hexdigest() == sums[LABELS]


def test_download_verifies_and_reports_progress(tmp_path: Path) -> None:
    calls: list[tuple[float, str]] = []
    with serve(SHARED) as url:
        final = download_file(LABELS, tmp_path / "cache", [url], SHA256[LABELS],
                              progress=lambda f, m: calls.append((f, m)), backoff=0)
    assert Path(final).read_bytes() == (SHARED / LABELS).read_bytes()
    assert calls and calls[-1][0] == 1.0 and "downloading t10k-labels" in calls[-1][1]
    assert [p.name for p in (tmp_path / "cache").iterdir()] == [LABELS]  # no temporary files left
    assert oct(os.stat(final).st_mode & 0o777) != oct(0o600)


def test_404_and_corrupt_mirrors_fall_through_to_a_good_one(tmp_path: Path) -> None:
    bad = tmp_path / "bad"
    bad.mkdir()
    data = bytearray(gzip.decompress((SHARED / LABELS).read_bytes()))
    data[100] ^= 0xFF  # one flipped label byte: still valid gzip, wrong checksum
    (bad / LABELS).write_bytes(gzip.compress(bytes(data)))
    empty = tmp_path / "empty"
    empty.mkdir()
    with serve(empty) as missing, serve(bad) as corrupt, serve(SHARED) as good:
        with pytest.raises(DataError) as info:
            download_file(LABELS, tmp_path / "c1", [missing, corrupt], SHA256[LABELS], backoff=0)
        msg = str(info.value)
        assert f"could not download {LABELS}" in msg and "HTTP 404" in msg and "checksum mismatch" in msg
        assert not (tmp_path / "c1" / LABELS).exists() and list((tmp_path / "c1").iterdir()) == []
        final = download_file(LABELS, tmp_path / "c2", [missing, corrupt, good], SHA256[LABELS], backoff=0)
    assert content_sha256(final) == SHA256[LABELS]


def test_truncated_gzip_from_a_mirror_is_rejected(tmp_path: Path) -> None:
    bad = tmp_path / "bad"
    bad.mkdir()
    raw = (SHARED / LABELS).read_bytes()
    (bad / LABELS).write_bytes(raw[: len(raw) // 2])
    with serve(bad) as url, pytest.raises(DataError, match="corrupt gzip"):
        download_file(LABELS, tmp_path / "c", [url], SHA256[LABELS], backoff=0)


def test_unreachable_mirror_is_retried_then_reported(tmp_path: Path) -> None:
    with serve(SHARED) as url:
        pass  # server closed: the port now refuses connections
    with pytest.raises(DataError, match=r"after 2 attempts"):
        download_file(LABELS, tmp_path, [url], SHA256[LABELS], retries=2, backoff=0, timeout=2)


def test_load_mnist_downloads_into_the_cache_then_reuses_it(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("FFSTUDIO_MNIST_DIR", raising=False)
    cache = tmp_path / "cache"
    empty = tmp_path / "empty"
    empty.mkdir()
    seen: list[float] = []
    with serve(empty) as missing, serve(SHARED) as good:
        ds = load_mnist(mirrors=[missing, good], cache=cache, progress=lambda f, m: seen.append(f))
    assert ds.x_train.shape == (COUNTS[0], 784) and ds.x_test.shape == (COUNTS[1], 784)
    assert ds.x_train.dtype == np.uint8 and "downloaded to" in ds.summary
    assert sorted(p.name for p in cache.iterdir()) == sorted(FILES.values())
    assert seen[-1] == 1.0 and all(0.0 <= f <= 1.0 for f in seen)
    again = load_mnist(mirrors=[], cache=cache)
    assert "from cache" in again.summary
    np.testing.assert_array_equal(again.y_test, ds.y_test)


def test_failed_download_falls_back_to_the_bundled_subset(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("FFSTUDIO_MNIST_DIR", raising=False)
    empty = tmp_path / "empty"
    empty.mkdir()
    with serve(empty) as missing:
        ds = load_mnist(mirrors=[missing], cache=tmp_path / "cache")
    assert ds.x_train.shape == (6000, 784) and ds.x_test.shape == (1000, 784)
    assert "bundled subset" in ds.summary and "download failed" in ds.summary and "HTTP 404" in ds.summary


def test_partial_cache_keeps_existing_files(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cache.mkdir()
    shutil.copy(SHARED / FILES["train_labels"], cache)
    with serve(SHARED) as good:
        download_mnist(cache, [good], backoff=0)
    assert sorted(p.name for p in cache.iterdir()) == sorted(FILES.values())
