"""A training run's output folder: trained weights and the project that names them, always a pair.

``save_run`` writes ``DIR/weights-<hash>.npz`` (named after its content) first and replaces
``DIR/project.json`` last, so a reader sees the old pair or the new pair, never new weights beside
an old project: a full disk or a ``kill -9`` in between leaves the old project pointing at its
own, untouched weights. Two runs writing the same folder take turns (a lock file), and each run
removes the weights files no project references any more (left by a killed run or replaced).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
from collections.abc import Iterator, Mapping
from typing import Any

from core.errors import FFStudioError
from core.files import check_destination

PROJECT_NAME = "project.json"
LOCK_NAME = ".ffstudio-run.lock"
_WEIGHTS = re.compile(r"weights-[0-9a-f]{12}\.npz")
_TEMP = re.compile(r"\.(project\.json|weights-[0-9a-f]{12}\.npz)\..+\.tmp")


def check_run_output(out_dir: str | os.PathLike[str]) -> str:
    """Create ``out_dir`` if needed and check ``project.json`` can be written there; returns its path.

    Called before training so a blocked destination costs no training time.
    """
    folder = os.path.abspath(os.fspath(out_dir))
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError as exc:
        raise FFStudioError(f"{out_dir}: cannot create the output folder ({exc.strerror or exc})") from None
    return check_destination(os.path.join(folder, PROJECT_NAME), "project file", FFStudioError)


@contextlib.contextmanager
def _locked(folder: str) -> Iterator[None]:
    """Hold an exclusive lock on ``folder`` (no-op where ``fcntl`` is missing)."""
    try:
        import fcntl
    except ImportError:  # Windows: runs into the same folder are not serialized
        yield
        return
    fd = os.open(os.path.join(folder, LOCK_NAME), os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def save_run(project: Any, model: Any, preprocessing: Mapping[str, Any], out_dir: str | os.PathLike[str],
             results: Mapping[str, Any] | None = None) -> tuple[str, str]:
    """Write the trained ``model`` and ``project`` (naming it) into ``out_dir``; returns both paths.

    ``project.weights`` and ``project.results`` are updated; relative data paths are rewritten
    for the new folder (``core.project.save_project``).
    """
    from core.export.npz import weights_npz_bytes
    from core.files import atomic_write
    from core.project import save_project

    project_out = check_run_output(out_dir)
    folder = os.path.dirname(project_out)
    data = weights_npz_bytes(model, preprocessing)
    weights = os.path.join(folder, f"weights-{hashlib.sha256(data).hexdigest()[:12]}.npz")
    with _locked(folder):
        try:
            atomic_write(weights, data)
        except OSError as exc:
            raise FFStudioError(f"cannot write weights file {weights}: {exc.strerror or exc}") from None
        project.weights = os.path.relpath(weights, project.base_dir)
        budget = project.training.get("epochs")
        if budget is not None and model.epochs_trained > budget:
            # resumed weights count every epoch: the budget covers them ("Epoch 33 / 33", never "33 / 3")
            project.training["epochs"] = model.epochs_trained
        if results is not None:
            project.results = dict(results)
        try:
            save_project(project, project_out)
        except BaseException:
            _remove_unreferenced(folder)
            raise
        _remove_unreferenced(folder)
    return weights, project_out


def _remove_unreferenced(folder: str) -> None:
    """Delete weights files and temporaries of earlier runs that ``project.json`` does not name."""
    from core.errors import ProjectError
    from core.project import load_project

    try:
        keep = load_project(os.path.join(folder, PROJECT_NAME)).weights_path
    except ProjectError:
        keep = None
    for name in os.listdir(folder):
        path = os.path.join(folder, name)
        old_weights = _WEIGHTS.fullmatch(name) and (keep is None or not _same(path, keep))
        if _TEMP.fullmatch(name) or old_weights:
            with contextlib.suppress(OSError):
                os.unlink(path)


def _same(a: str, b: str) -> bool:
    return os.path.abspath(a) == os.path.abspath(b)
