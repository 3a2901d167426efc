"""Where tests find MNIST IDX files: ../shared/datasets/mnist (the full set) when the checkout sits beside
it, otherwise the subset shipped in assets/mnist, so a plain clone runs every MNIST test too."""

from __future__ import annotations

from pathlib import Path

from core.datasets.mnist import BUNDLED_DIR, FILES, FULL_COUNTS, SHA256

SHARED = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "mnist"
FULL = all((SHARED / name).is_file() for name in FILES.values())
#: folder holding the four IDX .gz files the tests use
MNIST_DIR = SHARED if FULL else BUNDLED_DIR
#: (train, test) image counts in MNIST_DIR
COUNTS = FULL_COUNTS if FULL else (6000, 1000)
#: SHA-256 of the decompressed subset files as shipped (cut from the canonical files, see its README)
BUNDLED_SHA256 = {
    "train-images-idx3-ubyte.gz": "2782ff6f3467f3487a520503c34fe99b761aa97623af029969e59716ac3585c3",
    "train-labels-idx1-ubyte.gz": "0d830540a6191e75a9f5cd63cd5b4bde38960b893784bbf456d560179296d7cd",
    "t10k-images-idx3-ubyte.gz": "de7c252b04f05e1f8309634180ccdf286dc6dbac8c579b74e76e02ae0331ca52",
    "t10k-labels-idx1-ubyte.gz": "832c0d20f0dc42e575488c75a83a970787d4c8d4d05831b2ef03701b4a478a90",
}
#: SHA-256 of the decompressed files in MNIST_DIR (what a mirror serving them must match)
SUMS = dict(SHA256) if FULL else BUNDLED_SHA256
#: the first ten labels of the MNIST training and test sets (LeCun et al.), to recognise the real data
FIRST_TRAIN_LABELS = [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
FIRST_TEST_LABELS = [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]
