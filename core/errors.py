"""Exception types shared by the engine, the data loaders, the project file and export."""

from __future__ import annotations


class FFStudioError(Exception):
    """Base class for errors a user can fix; the CLI prints them as one line."""


class TrainingDiverged(FFStudioError, ArithmeticError):
    """The loss became NaN or infinite; the model keeps its last finite weights."""


class DataError(FFStudioError, ValueError):
    """A data file or data specification is unusable."""


class ProjectError(FFStudioError, ValueError):
    """A project file is invalid; ``problems`` lists every problem with its JSON path."""

    def __init__(self, problems: list[str] | str, path: str | None = None) -> None:
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        self.path = path
        where = f"{path}: " if path else ""
        super().__init__(where + "; ".join(self.problems))


class ExportError(FFStudioError):
    """Export or weight import failed; nothing was written or changed."""
