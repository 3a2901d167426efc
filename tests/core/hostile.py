"""Generators of hostile input files for the corpus tests (nothing binary is committed).

``trained_project(folder)`` writes a small trained toy project (project.json + weights.npz) plus a
matching input CSV; every ``make_*`` function writes one hostile file into a folder and returns
its path. ``CLI_CASES`` lists (case id, command builder); a command builder takes the folder of a
trained project and returns the ``ffstudio`` arguments.
"""

from __future__ import annotations

import json
import os
import struct
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np

BASE = {
    "format": "ffstudio-project", "version": 1,
    "network": {"layers": [{"type": "input"}, {"type": "dense", "units": 6, "activation": "relu"},
                           {"type": "output"}]},
    "data": {"source": "toy", "name": "circle", "samples": 60, "seed": 1},
    "training": {"optimizer": {"name": "adam", "learning_rate": 0.05}, "batch_size": 16, "epochs": 2,
                 "seed": 0},
}
INPUT_CSV = "x1,x2\n0.1,0.2\n-0.5,0.3\n0.9,-0.9\n"


def project_doc(**changes) -> dict:
    doc = json.loads(json.dumps(BASE))
    for key, value in changes.items():
        doc[key] = value
    return doc


def write_json(path: Path, doc: dict) -> Path:
    path.write_text(json.dumps(doc))
    return path


def trained_project(folder: Path) -> Path:
    """A trained toy project in ``folder``: project.json, weights.npz, input.csv. Returns project.json."""
    from core.export.npz import save_weights_npz
    from core.project import Project, build_dataset, build_model, save_project, training_arrays
    from core.training import iter_training

    folder.mkdir(parents=True, exist_ok=True)
    project = Project.from_dict(project_doc(), folder)
    dataset = build_dataset(project)
    model = build_model(project, dataset)
    x, y, _, _ = training_arrays(project, dataset, model)
    for _ in iter_training(model, x, y, epochs=2, batch_size=16):
        pass
    save_weights_npz(model, folder / "weights.npz", dataset.preprocessing)
    project.weights = "weights.npz"
    save_project(project, folder / "project.json")
    (folder / "input.csv").write_text(INPUT_CSV)
    return folder / "project.json"


# ------------------------------------------------------------------------------------ weights files
def read_npz(path: Path) -> tuple[dict[str, np.ndarray], dict]:
    with np.load(path, allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    head = json.loads(str(arrays.pop("__ffstudio__")[()]))
    return arrays, head


def write_npz(path: Path, arrays: dict[str, np.ndarray], head: dict) -> Path:
    with open(path, "wb") as fh:
        np.savez(fh, **arrays, __ffstudio__=np.array(json.dumps(head)))
    return path


def mutate_weights(folder: Path, change: Callable[[dict[str, np.ndarray], dict], None]) -> Path:
    """Rewrite ``folder/weights.npz`` after ``change(arrays, header)``; returns the weights path."""
    path = folder / "weights.npz"
    arrays, head = read_npz(path)
    change(arrays, head)
    return write_npz(path, arrays, head)


def _key(arrays: dict[str, np.ndarray], suffix: str) -> str:
    return next(k for k in arrays if k.endswith(suffix))


def negative_variance(folder: Path) -> None:
    def change(a: dict, h: dict) -> None:
        k = _key(a, ".variance")
        a[k] = -np.ones_like(a[k])
    mutate_weights(folder, change)


def kernel_1e300(folder: Path) -> None:
    def change(a: dict, h: dict) -> None:
        k = _key(a, ".kernel")
        a[k] = np.full(a[k].shape, 1e300, dtype=np.float64)
    mutate_weights(folder, change)


def kernel_3e38(folder: Path) -> None:
    """Finite float32 weights (±3e38, biases 3e38) whose ReLU network outputs inf - inf = NaN."""
    def change(a: dict, h: dict) -> None:
        for k in list(a):
            if k.endswith(".kernel"):
                signs = np.where(np.arange(a[k].shape[0]) % 2 == 0, 1.0, -1.0)[:, None]
                a[k] = (3e38 * signs * np.ones(a[k].shape)).astype(np.float32)
            elif k.endswith(".bias"):
                a[k] = np.full(a[k].shape, 3e38, dtype=np.float32)
    mutate_weights(folder, change)


def columns_garbage(folder: Path) -> None:
    mutate_weights(folder, lambda a, h: h["preprocessing"].__setitem__("columns", "garbage"))


def columns_numbers(folder: Path) -> None:
    mutate_weights(folder, lambda a, h: h["preprocessing"].__setitem__("columns", [1, 2]))


def _rewrite_zip(path: Path, member_bytes: dict[str, bytes], compress: int = zipfile.ZIP_STORED) -> None:
    with zipfile.ZipFile(path, "w", compression=compress) as zf:
        for name, data in member_bytes.items():
            zf.writestr(name, data)


def _members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {i.filename: zf.read(i) for i in zf.infolist()}


def npy_header_not_literal(folder: Path) -> None:
    path = folder / "weights.npz"
    members = _members(path)
    name = next(n for n in members if n.endswith(".kernel.npy"))
    header = b"{'descr': __import__('os').system('echo pwned'), 'fortran_order': False, 'shape': (2, 6), }"
    header += b" " * (127 - 10 - len(header) % 64) + b"\n"
    members[name] = b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header + b"\0" * 48
    _rewrite_zip(path, members)


def unknown_compression(folder: Path) -> None:
    path = folder / "weights.npz"
    data = bytearray(path.read_bytes())
    # compression method: offset 8 in local headers (PK\3\4), offset 10 in central entries (PK\1\2)
    for sig, off in ((b"PK\x03\x04", 8), (b"PK\x01\x02", 10)):
        start = 0
        while (i := data.find(sig, start)) >= 0:
            data[i + off:i + off + 2] = struct.pack("<H", 99)
            start = i + 4
    path.write_bytes(bytes(data))


def kernel_bomb(folder: Path) -> None:
    """A kernel member that declares a 3 GB shape (deflated: a few KB on disk)."""
    path = folder / "weights.npz"
    members = _members(path)
    name = next(n for n in members if n.endswith(".kernel.npy"))
    header = b"{'descr': '<f4', 'fortran_order': False, 'shape': (30000, 25000), }"
    header += b" " * (127 - 10 - len(header) % 64) + b"\n"
    members[name] = b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header + b"\0" * (1 << 20)
    _rewrite_zip(path, members, zipfile.ZIP_DEFLATED)


def many_members(folder: Path) -> None:
    path = folder / "weights.npz"
    members = _members(path)
    small = members[next(n for n in members if n.endswith(".bias.npy"))]
    for i in range(5000):
        members[f"layer{9 + i}.junk_{'x' * 40}.bias.npy"] = small
    _rewrite_zip(path, members)


def safetensors_deep(folder: Path) -> None:
    """Replace the weights with a .safetensors file whose architecture metadata is nested 200,000 deep."""
    arrays, head = read_npz(folder / "weights.npz")
    meta = {"format": "ffstudio-weights", "version": "1", "architecture": "[" * 200_000 + "]" * 200_000,
            "preprocessing": json.dumps(head["preprocessing"])}
    _write_safetensors(folder / "weights.safetensors", arrays, meta)
    _point_weights(folder, "weights.safetensors")


def safetensors_columns_garbage(folder: Path) -> None:
    arrays, head = read_npz(folder / "weights.npz")
    pre = dict(head["preprocessing"], columns="garbage")
    meta = {"format": "ffstudio-weights", "version": "1", "architecture": json.dumps(head["architecture"]),
            "preprocessing": json.dumps(pre)}
    _write_safetensors(folder / "weights.safetensors", arrays, meta)
    _point_weights(folder, "weights.safetensors")


def _write_safetensors(path: Path, arrays: dict[str, np.ndarray], meta: dict[str, str]) -> None:
    """A .safetensors file written by hand (so metadata the library would refuse can be stored)."""
    header: dict = {"__metadata__": meta}
    blobs = []
    offset = 0
    for name, arr in arrays.items():
        raw = np.ascontiguousarray(arr, dtype=np.float32).tobytes()
        header[name] = {"dtype": "F32", "shape": list(arr.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    text = json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def _point_weights(folder: Path, name: str) -> None:
    doc = json.loads((folder / "project.json").read_text())
    doc["weights"] = name
    write_json(folder / "project.json", doc)


def weights_is_text(folder: Path) -> None:
    (folder / "notes.txt").write_text("these are not weights\n" * 20)
    _point_weights(folder, "notes.txt")


def weights_is_onnx(folder: Path) -> None:
    # the first bytes of an ONNX ModelProto: ir_version (field 1), producer_name (field 2) ...
    (folder / "model.onnx").write_bytes(b"\x08\x08\x12\x08ffstudio\x1a\x031.0:" + bytes(range(256)) * 8)
    _point_weights(folder, "model.onnx")


def weights_special(target: str) -> Callable[[Path], None]:
    def change(folder: Path) -> None:
        _point_weights(folder, target)
    return change


def fifo(folder: Path, name: str = "pipe") -> str:
    path = folder / name
    if not path.exists():
        os.mkfifo(path)
    return str(path)


def weights_fifo(folder: Path) -> None:
    _point_weights(folder, fifo(folder))


# ------------------------------------------------------------------------------------ project files
def deep_project(folder: Path, opener: str) -> str:
    path = folder / "deep.json"
    path.write_text(opener * 100_000)
    return str(path)


def big_project(folder: Path) -> str:
    path = folder / "big.json"
    with open(path, "wb") as fh:
        fh.truncate(65 * (1 << 20))  # sparse: costs no disk
    return str(path)


def project_with(folder: Path, name: str = "p.json", **changes) -> str:
    return str(write_json(folder / name, project_doc(**changes)))


def network_with(units: int | None = None, name: str | None = None) -> dict:
    layer: dict = {"type": "dense", "units": 6 if units is None else units, "activation": "tanh"}
    if name is not None:
        layer["name"] = name
    return {"layers": [{"type": "input"}, layer, {"type": "output"}]}


def points(n: int, label_of: Callable[[int], int] = lambda i: i % 2) -> list:
    rng = np.random.default_rng(0)
    xy = rng.uniform(-1, 1, size=(n, 2)).round(3)
    return [[float(x), float(y), label_of(i)] for i, (x, y) in enumerate(xy)]


def csv_file(folder: Path, text: str | bytes, name: str = "data.csv") -> str:
    path = folder / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    return str(path)


def csv_project(folder: Path, text: str | bytes, **data) -> str:
    path = csv_file(folder, text)
    return project_with(folder, "csv.json", data={"source": "csv", "path": path, **data})


def wide_rows(columns: int, rows: int = 3) -> str:
    """A header and ``rows`` lines of ``columns`` small numbers (a 200,000-column file is 2.3 MB)."""
    line = ",".join(str(j % 7) for j in range(columns))
    return ",".join(f"c{j}" for j in range(columns)) + "\n" + (line + "\n") * rows


def _rows(values: list[str], n: int = 30) -> str:
    lines = ["a,b,label"]
    for i in range(n):
        v = values[i % len(values)]
        lines.append(f"{v},{i % 7},{'yes' if i % 2 else 'no'}")
    return "\n".join(lines) + "\n"
