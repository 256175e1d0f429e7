"""The phase board: which phases of the withdrawal have opened, closed or been cancelled.

A phase opens at its ``start_day`` once every phase in its ``after`` list has closed (or
when a ``start_phase`` event forces it). Opening turns each of its moves into a movement
requirement (a :class:`~sim.engine.world.Line`). A phase closes at the first instant at
which it has opened (or was cancelled) and every one of its lines is done: every required
unit has arrived and every disposal on site has finished. A cancelled phase takes nothing
more, and closes when what is already on the road arrives.

The board owns this state and the SimPy events other processes wait on; the engine drives
it.
"""

from __future__ import annotations

import simpy

from .lines import Line


class PhaseBoard:
    """The state of every phase of one run."""

    def __init__(self, env: simpy.Environment, ids: list[str]) -> None:
        n = len(ids)
        self.ids = ids
        self.started = [env.event() for _ in range(n)]
        self.closed = [env.event() for _ in range(n)]
        self.start_h: list[float | None] = [None] * n
        self.close_h: list[float | None] = [None] * n
        self.cancelled = [False] * n
        self.lines: list[list[Line]] = [[] for _ in range(n)]
        self.open_count = n

    def index(self, pid: str) -> int:
        """The position of phase ``pid``."""
        return self.ids.index(pid)

    def force_start(self, i: int) -> None:
        """Signal phase ``i`` to open now (no effect if it already opened or was cancelled)."""
        if not self.started[i].triggered and not self.cancelled[i]:
            self.started[i].succeed()

    def opened(self, i: int, now: float, lines: list[Line]) -> None:
        """Phase ``i`` opened at ``now`` with these movement requirements."""
        self.start_h[i] = now
        self.lines[i].extend(lines)

    def cancel(self, i: int) -> list[Line]:
        """Mark phase ``i`` cancelled; returns its lines (to drop what they have not taken)."""
        self.cancelled[i] = True
        return self.lines[i]

    def try_close(self, i: int, now: float) -> bool:
        """Close phase ``i`` if it opened (or was cancelled) and all its lines are done."""
        if i < 0 or self.close_h[i] is not None:
            return False
        if (self.start_h[i] is not None or self.cancelled[i]) and all(line.done() for line in self.lines[i]):
            self.close_h[i] = now
            self.closed[i].succeed()
            self.open_count -= 1
            return True
        return False

    def all_started_or_cancelled(self) -> bool:
        """Whether every phase has opened or been cancelled."""
        return all(t is not None or c for t, c in zip(self.start_h, self.cancelled, strict=True))
