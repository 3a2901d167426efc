"""The picture process's child side: draws a run's pictures from weight copies in shared memory.

Started by :class:`studio.training.picture_process.PictureProcess` as
``python -m studio.training.picture_drawer FD`` (FD: its end of a socket pair). Imports NumPy and
``core`` only, never Qt. :func:`serve` answers "model", "grid", "out" and "draw" messages until "quit"
or until the socket closes.
"""

from __future__ import annotations

import sys
from multiprocessing import shared_memory
from multiprocessing.connection import Connection

import numpy as np

from core import probes
from studio.training.shared_arrays import attach, pack, unpack, views

#: the neuron heatmaps' subsampling and unit limit (``probes.neuron_grids``' defaults)
NEURON_STEP = 3


class _Drawer:
    """The child's state: a shadow model, the probe rows, the grid and the two attached blocks."""

    def __init__(self) -> None:
        self.shadow = None
        self.weights: list[np.ndarray] = []
        self.counts: list[int] = []
        self.rows: np.ndarray | None = None
        self.relu = False
        self.grid: probes.GridSpec | None = None
        self.points: np.ndarray | None = None
        self.forward = probes.GridForward()
        self.blocks: dict[str, shared_memory.SharedMemory] = {}
        self.out: list[np.ndarray] = []

    def _block(self, which: str, name: str, layout: list[list]) -> list[np.ndarray]:
        old = self.blocks.get(which)
        if old is None or old.name.lstrip("/") != name.lstrip("/"):
            if which == "in":
                self.weights = []
            else:
                self.out = []
            if old is not None:
                old.close()
            self.blocks[which] = attach(name)
        return views(self.blocks[which].buf, layout)

    def model(self, header: dict, payload: memoryview) -> None:
        from core.model import Sequential

        shadow = Sequential.from_config(header["config"])
        shadow.build(int(header["input_dim"]), seed=0)
        self.weights = self._block("in", header["weights"], header["layout"])
        self.counts = [int(c) for c in header["counts"]]
        self.shadow = shadow
        self.relu = any(probes.activation_name(la) in probes.RELU_NAMES for la in shadow.layers)
        rows = header.get("rows")
        self.rows = None if rows is None else np.frombuffer(payload, dtype=np.dtype(rows[1])).reshape(rows[0])

    def set_grid(self, header: dict) -> None:
        self.grid = probes.GridSpec(axes=tuple(header["axes"]), extent=tuple(header["extent"]),
                                    base=np.asarray(header["base"], dtype=np.float64),
                                    resolution=int(header["resolution"]))
        self.points = self.grid.points()

    def set_out(self, header: dict) -> None:
        self.out = self._block("out", header["name"], header["layout"])

    def draw(self, header: dict) -> dict:
        shadow = self.shadow
        it = iter(self.weights)
        for layer, count in zip(shadow.layers, self.counts, strict=True):
            if count:
                layer.set_weights([next(it) for _ in range(count)])
        reply: dict = {"op": "drawn", "seq": header["seq"]}
        if header.get("relu") and self.relu and self.rows is not None:
            reply["dead_relu"] = probes.dead_relu_fraction(shadow, probes.forward_all(shadow, self.rows))
        if header.get("grid") and self.grid is not None and self.out:
            outs = self.forward(shadow, self.points)
            self.out[0][...] = outs[-1].reshape(self.out[0].shape)
            if header.get("neurons"):
                layers = probes.neuron_layers(shadow)
                grids = probes.neuron_grids(outs, self.grid, layers, step=NEURON_STEP)
                for view, i in zip(self.out[1:], layers, strict=True):
                    view[...] = grids[i]
        return reply

    def close(self) -> None:
        self.weights, self.out, self.shadow = [], [], None
        for shm in self.blocks.values():
            shm.close()
        self.blocks = {}


def serve(conn: Connection) -> None:
    """The child's loop: answer model, grid, out and draw messages until "quit" or the socket closes."""
    drawer = _Drawer()
    handlers = {"model": drawer.model, "grid": lambda h, _p: drawer.set_grid(h),
                "out": lambda h, _p: drawer.set_out(h)}
    conn.send_bytes(pack({"op": "ready"}))
    try:
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            while True:
                try:
                    header, payload = unpack(conn.recv_bytes())
                except (EOFError, OSError):
                    return
                op = header.get("op")
                if op == "quit":
                    return
                try:
                    if op == "draw":
                        conn.send_bytes(pack(drawer.draw(header)))
                    elif op in handlers:
                        handlers[op](header, payload)
                except Exception as exc:  # one bad picture must not end the child: say so, go on
                    if op == "draw":
                        conn.send_bytes(pack({"op": "error", "seq": header.get("seq"),
                                               "message": f"{type(exc).__name__}: {exc}"}))
    finally:
        drawer.close()


if __name__ == "__main__":  # python -m studio.training.picture_drawer FD (started by PictureProcess)
    serve(Connection(int(sys.argv[1])))
