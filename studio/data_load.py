"""What a data load computes off the GUI thread: the dataset of a project's data spec, the trained
weights the project references and the fresh model the training side builds next."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from core.project import Project, build_model, dataset_from_spec


def load_data(
    spec: dict[str, Any], project: Project, restore_weights: bool, progress: Any
) -> tuple[Any, Any, str | None, Any]:
    """(dataset, model with the project's weights or None, why they were refused or None, fresh model
    or None) for ``spec`` and ``project`` (whose data is ``spec``); runs in any thread."""
    # a CSV without a target: the last column is proposed, and the Data tab shows the proposal
    dataset = dataset_from_spec(spec, project.base_dir, progress, propose_target=True)
    model, error = None, None
    if restore_weights and project.weights:
        model, error = _read_weights(project, dataset)
    try:  # the fresh model the training side builds next, built here off the GUI thread
        fresh = build_model(project, dataset)
    except Exception:  # noqa: BLE001 - the training side builds it again and says why
        fresh = None
    return dataset, model, error, fresh


def _read_weights(project: Project, dataset: Any) -> tuple[Any, str | None]:
    """The project's network with its weights file loaded, or (None, reason); runs in any thread."""
    from core.errors import FFStudioError
    from core.export import import_weights

    try:
        model = build_model(project, dataset)
        import_weights(model, project.weights_path)
    except (FFStudioError, OSError, ValueError) as exc:
        return None, str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return model, None


def describe_spec(spec: Mapping[str, Any]) -> str:
    """What is loading, for the Data tab: "toy data 'moons'", "CSV penguins.csv", "MNIST"."""
    source = spec.get("source")
    if source == "toy":
        return f"toy data '{spec.get('name')}'"
    if source == "csv":
        return f"CSV {Path(str(spec.get('path', ''))).name}"
    return "MNIST"
