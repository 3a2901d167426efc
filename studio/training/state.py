"""The training side's one run state (idle, running, paused, finished, failed) and its transitions.

Every view of a run — the toolbar's Play/Pause and ETA, the status bar's run status, the
Evaluation header and the canvas lock banner — is drawn from the :class:`RunStatus` that
:class:`RunStateMachine` announces with ``state_changed``; none of them keeps its own idea of
whether training runs. The transition table is plain Python (no Qt) so it can be read and tested
on its own.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

from PySide6.QtCore import QObject, Signal


class RunState(StrEnum):
    """Where the current run is."""

    IDLE = "idle"  # no run: fresh (or imported / edited) weights, nothing trained in this session
    RUNNING = "running"  # the worker trains (continuously, or one Step's epoch)
    PAUSED = "paused"  # the worker waits, the run can continue
    FINISHED = "finished"  # the run ended: epoch budget, early stopping or Stop; weights kept
    FAILED = "failed"  # the run ended with an error (e.g. divergence); last finite weights kept


#: state -> the states it may change to. Any state may go back to IDLE (Reset, a new network, new data).
TRANSITIONS: dict[RunState, frozenset[RunState]] = {
    RunState.IDLE: frozenset({RunState.RUNNING, RunState.FAILED}),
    RunState.RUNNING: frozenset({RunState.PAUSED, RunState.FINISHED, RunState.FAILED}),
    RunState.PAUSED: frozenset({RunState.RUNNING, RunState.FINISHED, RunState.FAILED}),
    RunState.FINISHED: frozenset({RunState.RUNNING, RunState.FAILED}),
    RunState.FAILED: frozenset({RunState.RUNNING, RunState.FAILED}),
}


def allowed(old: RunState, new: RunState) -> bool:
    """True when a run may go from ``old`` to ``new`` (staying put is always allowed)."""
    return new is old or new is RunState.IDLE or new in TRANSITIONS[old]


@dataclass(frozen=True)
class RunStatus:
    """One state of the run with what the views show about it.

    ``epoch``: epochs trained so far; ``note``: the status line ("paused at epoch 30",
    "Run ended: the data changed", an error); ``stepping``: RUNNING for a Step only.
    """

    state: RunState = RunState.IDLE
    epoch: int = 0
    note: str = ""
    stepping: bool = False

    @property
    def active(self) -> bool:
        """A worker session exists (running or paused): structural edits are locked."""
        return self.state in (RunState.RUNNING, RunState.PAUSED)

    @property
    def error(self) -> bool:
        return self.state is RunState.FAILED

    def lock_reason(self) -> str | None:
        """The canvas banner while a run is active, else None."""
        if not self.active:
            return None
        word = "running" if self.state is RunState.RUNNING else "paused"
        return f"Training is {word} — press Stop to change the network."

    def evaluation_note(self) -> str:
        """The line under the Evaluation headline: when the figures shown were taken."""
        if self.state is RunState.RUNNING:
            return "Training… these figures update when it pauses or ends."
        return self.note


class StateError(RuntimeError):
    """A transition the table does not allow (a bug in the caller, not a user error)."""


class RunStateMachine(QObject):
    """Holds the current :class:`RunStatus` and announces every change with ``state_changed(RunStatus)``."""

    state_changed = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._status = RunStatus()

    @property
    def status(self) -> RunStatus:
        return self._status

    @property
    def state(self) -> RunState:
        return self._status.state

    def set(self, state: RunState, *, epoch: int | None = None, note: str = "",
            stepping: bool = False) -> RunStatus:
        """Go to ``state`` (raises :class:`StateError` if the table forbids it) and announce it."""
        old = self._status
        if not allowed(old.state, state):
            raise StateError(f"run state cannot go from {old.state.value} to {state.value}")
        new = replace(
            old,
            state=state,
            epoch=old.epoch if epoch is None else int(epoch),
            note=note,
            stepping=stepping and state is RunState.RUNNING,
        )
        if new != old:
            self._status = new
            self.state_changed.emit(new)
        return new
