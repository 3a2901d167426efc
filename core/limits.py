"""Every size limit the file readers and the project schema enforce, in one place.

Limits are checked before memory is allocated (file sizes from ``fstat``, array shapes from
headers, parameter counts from the architecture), so a hostile file ends in one clear error
instead of an out-of-memory kill. The GUI's widgets show the same ranges (``SPIN_MAX``).
"""

from __future__ import annotations

MB = 1 << 20

PROJECT_BYTES = 64 * MB
"""Largest project file read (checked with ``fstat`` before parsing)."""
WEIGHTS_BYTES = 2048 * MB
"""Largest ``.npz`` / ``.safetensors`` file read."""
JSON_HEADER_BYTES = 64 * MB
"""Largest JSON document inside a weights file (``__ffstudio__`` entry, safetensors header)."""
IDX_BYTES = 512 * MB
"""Largest MNIST IDX file, uncompressed."""
JSON_DEPTH = 100
"""Deepest nesting of ``{`` / ``[`` accepted in any JSON document."""
GUI_BYTES = 4 * MB
"""Largest ``gui`` object of a project (window state only; it is written back on every save)."""
DRAWN_POINTS = 100_000
"""Most points drawn by hand in a toy data set (``data.points``)."""
TOY_SAMPLES = 100_000
"""Most generated points in a toy data set (``data.samples``; 0 leaves only the drawn points)."""

UNITS = 100_000
"""Most units in one Dense layer (the Properties panel's spin box shows up to this many)."""
PARAMETERS = 50_000_000
"""Most trainable values (weights and biases) in a network, 200 MB at float32."""
WEIGHT_MEMBERS = 1_000
"""Most arrays in a weights file."""

SEED = 2**31 - 1
"""Largest seed (``training.seed``, ``data.seed``, dropout seeds): a Qt spin box holds a 32-bit int."""
BATCH_SIZE = 100_000
"""Largest ``training.batch_size`` (the Network panel's spin box range)."""
EPOCHS = 1_000_000
"""Largest ``training.epochs``."""
PATIENCE = 10_000
"""Largest ``training.early_stopping.patience``."""
MNIST_SUBSET = 60_000
"""Largest MNIST ``subset`` (the full training set)."""
LAYER_NAME = 64
"""Longest layer name (printable characters, no path separators)."""
CSV_COLUMNS = 10_000
"""Most columns in a CSV file (every column costs work of its own: 200,000 took minutes)."""
CSV_LINE_BYTES = 4 * MB
"""Longest line of a CSV file (checked in the byte scan, before any line is split into fields)."""
SETTINGS_BYTES = 1 * MB
"""Largest settings file the app reads (recent projects, last folder, window layout)."""
SETTINGS_TEXT = 4096
"""Longest text value (a path) read from the settings; longer ones are ignored."""


def megabytes(n: int | float) -> str:
    """``n`` bytes as a short human size: ``3.1 MB``, ``2.4 GB``."""
    if n >= 1 << 30:
        return f"{n / (1 << 30):.1f} GB"
    return f"{n / MB:.1f} MB"
