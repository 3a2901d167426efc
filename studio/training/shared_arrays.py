"""The picture process's wire format and shared memory: messages and arrays laid out in blocks.

A message is a 4-byte header length, a JSON header and a raw payload (no pickle). Arrays travel in
``multiprocessing.shared_memory`` blocks the parent creates, grows and unlinks; a layout
``[[shape, dtype, offset], ...]`` in a header tells the other side where each array is.
"""

from __future__ import annotations

import json
import struct
from multiprocessing import shared_memory

import numpy as np


def pack(header: dict, payload: bytes = b"") -> bytes:
    head = json.dumps(header).encode()
    return struct.pack("<I", len(head)) + head + payload


def unpack(data: bytes) -> tuple[dict, memoryview]:
    (n,) = struct.unpack_from("<I", data)
    view = memoryview(data)
    return json.loads(bytes(view[4:4 + n])), view[4 + n:]


def layout(specs: list[tuple[tuple[int, ...], np.dtype]]) -> tuple[list[list], int]:
    """[[shape, dtype, offset], ...] of arrays of ``specs`` (shape, dtype) packed one after another
    (8-byte aligned), and the bytes they take."""
    out, offset = [], 0
    for shape, dtype in specs:
        out.append([[int(n) for n in shape], np.dtype(dtype).str, offset])
        offset += -(-int(np.prod(shape, dtype=np.int64)) * np.dtype(dtype).itemsize // 8) * 8
    return out, max(offset, 8)


def views(buf: memoryview, layout: list[list]) -> list[np.ndarray]:
    return [np.ndarray(tuple(shape), dtype=np.dtype(dt), buffer=buf, offset=off) for shape, dt, off in layout]


class SharedBlock:
    """A shared memory block the parent creates (and grows), with array views into it."""

    def __init__(self) -> None:
        self.shm: shared_memory.SharedMemory | None = None
        self.layout: list[list] = []
        self.views: list[np.ndarray] = []

    def fit(self, specs: list[tuple[tuple[int, ...], np.dtype]]) -> None:
        """Lay arrays of ``specs`` (shape, dtype) out in the block (a bigger block replaces a small one)."""
        self.layout, size = layout(specs)
        self.views = []  # views first: close() refuses while arrays point into the block
        if self.shm is None or self.shm.size < size:
            self.free()
            self.shm = shared_memory.SharedMemory(create=True, size=size)
        self.views = views(self.shm.buf, self.layout)

    def free(self) -> None:
        self.views = []
        if self.shm is not None:
            self.shm.close()
            self.shm.unlink()
            self.shm = None


def attach(name: str) -> shared_memory.SharedMemory:
    """Attach to a block the parent created and will unlink. (Python < 3.13 registers an attached
    block with this process's resource tracker, which would unlink it when the child ends.)"""
    shm = shared_memory.SharedMemory(name=name)
    try:
        from multiprocessing import resource_tracker

        resource_tracker.unregister(shm._name, "shared_memory")  # noqa: SLF001 - the name it registered
    except Exception:
        pass
    return shm
