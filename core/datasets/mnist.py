"""MNIST: an IDX reader that validates everything, and a loader that finds the data.

Where the data comes from, in order: ``path`` (a folder the user picked) or ``FFSTUDIO_MNIST_DIR``;
the user cache folder (platformdirs, ``<cache>/mnist``); a download from the public mirrors into
that cache; finally the subset shipped in ``assets/mnist`` (6,000 train / 1,000 test images), and
the summary says so. Images stay uint8 (n, 784); the model scales them with
``Normalization(mean=0, variance=255**2)`` (min-max with the fixed range 0..255).
"""

from __future__ import annotations

import gzip
import os
import zlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from core import limits
from core.datasets.dataset import Dataset
from core.datasets.download import Progress, download_file
from core.errors import DataError
from core.files import atomic_write, open_regular

FILES = {
    "train_images": "train-images-idx3-ubyte.gz",
    "train_labels": "train-labels-idx1-ubyte.gz",
    "test_images": "t10k-images-idx3-ubyte.gz",
    "test_labels": "t10k-labels-idx1-ubyte.gz",
}
# SHA-256 of the decompressed IDX files (see core.datasets.download: recompressed mirrors verify too).
SHA256 = {
    "train-images-idx3-ubyte.gz": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    "train-labels-idx1-ubyte.gz": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    "t10k-images-idx3-ubyte.gz": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    "t10k-labels-idx1-ubyte.gz": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
}
MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
)
BUNDLED_DIR = Path(__file__).resolve().parents[2] / "assets" / "mnist"
FULL_COUNTS = (60_000, 10_000)

_DTYPES = {0x08: np.dtype(np.uint8), 0x09: np.dtype(np.int8), 0x0B: np.dtype(">i2"), 0x0C: np.dtype(">i4"),
           0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8")}


def read_idx(path: str | os.PathLike[str]) -> np.ndarray:
    """Read an IDX file (raw or gzip) into an array of its declared dtype and dimensions.

    Validates the magic number (two zero bytes, a known type code, 1..4 dimensions), that the
    data holds exactly ``prod(dims)`` items, and gzip integrity. Raises DataError naming the file.
    """
    path = os.fspath(path)
    limit = limits.IDX_BYTES
    try:
        with open_regular(path, "an MNIST IDX file", DataError, limit) as raw:
            gz = raw.read(2) == b"\x1f\x8b"
            raw.seek(0)
            with (gzip.GzipFile(fileobj=raw, mode="rb") if gz else raw) as fh:
                data = fh.read(limit + 1)  # a gzip bomb stops at the limit
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise DataError(f"{path}: corrupt or truncated gzip data ({exc})") from None
    except OSError as exc:
        raise DataError(f"{path}: cannot read file ({exc.strerror or exc})") from None
    if len(data) > limit:
        raise DataError(f"{path}: decompresses to more than {limits.megabytes(limit)}, the limit for an "
                        "IDX file")
    if len(data) < 4:
        raise DataError(f"{path}: not an IDX file (only {len(data)} bytes)")
    if data[0] != 0 or data[1] != 0 or data[2] not in _DTYPES or not 1 <= data[3] <= 4:
        raise DataError(f"{path}: not an IDX file (bad magic number 0x{data[:4].hex()}; expected 0x0000 + "
                        "type code + 1..4 dimensions)")
    dtype = _DTYPES[data[2]]
    ndim = data[3]
    head = 4 + 4 * ndim
    if len(data) < head:
        raise DataError(f"{path}: truncated IDX header ({len(data)} bytes, expected {head})")
    dims = tuple(int(d) for d in np.frombuffer(data, dtype=">u4", count=ndim, offset=4))
    expected = int(np.prod(dims, dtype=np.int64)) * dtype.itemsize
    got = len(data) - head
    if got < expected:
        raise DataError(f"{path}: truncated IDX data: dimensions {'x'.join(map(str, dims))} need "
                        f"{expected:,} bytes, found {got:,}")
    if got > expected:
        raise DataError(f"{path}: corrupt IDX file: {got - expected:,} unexpected bytes after the data "
                        f"(dimensions {'x'.join(map(str, dims))})")
    arr = np.frombuffer(data, dtype=dtype, offset=head).reshape(dims)
    return arr.astype(dtype.newbyteorder("="), copy=True) if dtype.byteorder == ">" else arr.copy()


def write_idx(path: str | os.PathLike[str], array: np.ndarray) -> None:
    """Write ``array`` (uint8/int8/int16/int32/float32/float64, 1..4 dims) as IDX, gzip if the name ends .gz.

    Written atomically (temporary file + ``os.replace``).
    """
    path = os.fspath(path)
    arr = np.asarray(array)
    codes = {np.dtype(v).newbyteorder("=").str: k for k, v in _DTYPES.items()}
    key = arr.dtype.newbyteorder("=").str
    if key not in codes or not 1 <= arr.ndim <= 4:
        raise DataError(f"cannot write {arr.dtype} array with {arr.ndim} dimensions as IDX")
    code = codes[key]
    payload = bytes([0, 0, code, arr.ndim]) + np.asarray(arr.shape, dtype=">u4").tobytes() \
        + np.ascontiguousarray(arr, dtype=_DTYPES[code]).tobytes()
    atomic_write(path, gzip.compress(payload, compresslevel=9, mtime=0) if path.endswith(".gz") else payload)


def _file_in(folder: Path, name: str) -> Path | None:
    """Find ``name`` in ``folder`` as .gz or raw, with '-' or '.' before 'idx' (both spellings exist)."""
    raw = name[:-3]
    for cand in (name, raw, raw.replace("-idx", ".idx"), raw.replace("-idx", ".idx") + ".gz"):
        if (folder / cand).is_file():
            return folder / cand
    return None


def _complete(folder: Path) -> bool:
    return folder.is_dir() and all(_file_in(folder, f) is not None for f in FILES.values())


def _read_pair(folder: Path, images: str, labels: str) -> tuple[np.ndarray, np.ndarray]:
    ip, lp = _file_in(folder, images), _file_in(folder, labels)
    if ip is None or lp is None:
        missing = images if ip is None else labels
        raise DataError(f"{folder}: {missing} not found (expected the four MNIST IDX files)")
    x = read_idx(ip)
    y = read_idx(lp)
    if x.dtype != np.uint8 or x.ndim != 3 or x.shape[1:] != (28, 28):
        shape = "x".join(map(str, x.shape))
        raise DataError(f"{ip}: expected uint8 images of 28x28 pixels, got {x.dtype} {shape}")
    if y.dtype != np.uint8 or y.ndim != 1:
        raise DataError(f"{lp}: expected a 1-D uint8 label file, got {y.dtype} with {y.ndim} dimensions")
    if len(x) != len(y):
        raise DataError(f"{folder}: {ip.name} holds {len(x):,} images but {lp.name} holds {len(y):,} labels")
    if len(y) and y.max() > 9:
        raise DataError(f"{lp}: label {int(y.max())} at item {int(np.argmax(y > 9))}; MNIST labels are 0..9")
    return x.reshape(len(x), 784), y.astype(np.int64)


def cache_dir() -> Path:
    """The user cache folder for MNIST (platformdirs), e.g. ~/.cache/ffstudio/mnist on Linux."""
    import platformdirs

    return Path(platformdirs.user_cache_dir("ffstudio", appauthor=False)) / "mnist"


def download_mnist(dest: str | os.PathLike[str], mirrors: Sequence[str] = MIRRORS,
                   progress: Progress | None = None, retries: int = 2, timeout: float = 20.0,
                   backoff: float = 1.0) -> Path:
    """Download the four MNIST files into ``dest`` (verified, atomic); files already there are kept."""
    dest = Path(dest)
    names = list(FILES.values())
    for i, name in enumerate(names):
        if _file_in(dest, name) is not None:
            continue

        def sub(frac: float, msg: str, i: int = i) -> None:
            if progress is not None:
                progress((i + frac) / len(names), msg)

        download_file(name, dest, mirrors, SHA256[name], progress=sub, retries=retries, timeout=timeout,
                      backoff=backoff)
    return dest


def _env_mirrors() -> Sequence[str]:
    env = os.environ.get("FFSTUDIO_MNIST_MIRRORS")
    return tuple(m.strip() for m in env.split(",") if m.strip()) if env else MIRRORS


def load_mnist(
    path: str | os.PathLike[str] | None = None,
    subset: str | int | None = None,
    progress: Progress | None = None,
    download: bool = True,
    mirrors: Sequence[str] | None = None,
    cache: str | os.PathLike[str] | None = None,
) -> Dataset:
    """Load MNIST as a Dataset: x uint8 (n, 784), y int64 (n,), 10 classes, scaling 0..255 -> 0..1.

    ``path``: folder holding the IDX files (else ``FFSTUDIO_MNIST_DIR``, then the cache, then a
    download unless ``download=False``, then the bundled subset). ``subset``: None (full data where
    available), ``"bundled"`` (force the shipped 6,000/1,000 subset) or an int N (first N training
    images, any source). ``mirrors`` defaults to ``FFSTUDIO_MNIST_MIRRORS`` (comma-separated
    base URLs) or the public mirrors; ``cache`` overrides the platformdirs cache folder.
    """
    limit: int | None = None
    if isinstance(subset, bool) or not (subset is None or subset == "bundled" or isinstance(subset, int)):
        raise DataError(f"MNIST subset must be 'bundled', a positive integer or null, got {subset!r}")
    if isinstance(subset, int):
        if subset <= 0:
            raise DataError(f"MNIST subset must be a positive number of training images, got {subset}")
        limit = subset
    notes: list[str] = []
    folder: Path | None = None
    origin = ""
    if subset != "bundled":
        chosen = path if path is not None else os.environ.get("FFSTUDIO_MNIST_DIR") or None
        if chosen is not None:
            folder = Path(chosen)
            if not folder.is_dir():
                raise DataError(f"{folder}: MNIST folder not found")
            origin = f"folder {folder}"
        else:
            cdir = Path(cache) if cache is not None else cache_dir()
            if _complete(cdir):
                folder, origin = cdir, f"cache {cdir}"
            elif download:
                try:
                    urls = mirrors if mirrors is not None else _env_mirrors()
                    folder = download_mnist(cdir, urls, progress)
                    origin = f"downloaded to {cdir}"
                except DataError as exc:
                    notes.append(f"download failed: {exc}")
            else:
                notes.append(f"not in the cache {cdir} and downloading is off")
    if folder is None:
        folder = BUNDLED_DIR
        if not _complete(folder):
            raise DataError(f"MNIST not available: {'; '.join(notes) or 'no folder given'}; and the bundled "
                            f"subset is missing from {folder}")
        origin = "bundled subset"
    x_train, y_train = _read_pair(folder, FILES["train_images"], FILES["train_labels"])
    x_test, y_test = _read_pair(folder, FILES["test_images"], FILES["test_labels"])
    if limit is not None:
        x_train, y_train = x_train[:limit], y_train[:limit]
    ds = Dataset(
        name="mnist", source="mnist", task="multiclass",
        x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test,
        feature_names=[f"pixel_{i}" for i in range(784)], class_names=[str(d) for d in range(10)],
        target_names=["digit"], scaling="minmax",
        preprocessing={"value_range": [0.0, 255.0], "image_shape": [28, 28], "origin": origin},
    )
    lines = [f"MNIST from {origin}: {len(x_train):,} train / {len(x_test):,} test images, 28x28 uint8, "
             "scaled 0..255 -> 0..1 by the input layer"]
    if origin == "bundled subset":
        lines.append(f"Using the small subset shipped with Feedforward Studio (full set: "
                     f"{FULL_COUNTS[0]:,} / {FULL_COUNTS[1]:,} images); expect lower accuracy")
    if limit is not None:
        lines.append(f"limited to the first {limit:,} training images")
    lines.extend(notes)
    lines.append("class balance (train): " + ", ".join(
        f"{d}: {int(k)}" for d, k in enumerate(np.bincount(y_train, minlength=10))))
    lines.append("MNIST by Yann LeCun, Corinna Cortes and Christopher J.C. Burges (CC BY-SA 3.0)")
    ds.summary = "\n".join(lines)
    if progress is not None:
        progress(1.0, "MNIST loaded")
    return ds
