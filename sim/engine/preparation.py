"""Site work before loading: preparation of units, and a site's ``ready_day``.

* **Preparation** (``sites.X.prepare``). When a phase opens a movement requirement (a line),
  every unit it must lift of a class named under ``prepare.hours`` waits for preparation:
  dismantling, packing, sorting, demilitarising. Units are queued in the order of the class
  list (:attr:`~sim.scenario.schema.Scenario.classes`: declared order, personnel last),
  each taking its own draw of the class's hours, on the site's preparation teams
  (:class:`~sim.engine.resources.Teams`: FIFO, ``prepare.teams`` at a time, inside the
  site's ``work_hours``). A unit is loadable from the instant its team finishes it. Units
  taken out of the line for disposition, and reinforcement lines, need no preparation.
* **ready_day**. Nothing is loaded at the site before 00:00 of day ``ready_day``
  (:meth:`~sim.engine.world.World.loadable` says so); preparation may run before it. One
  timeout per such site wakes the demand cache and the dispatcher at that instant.

A scenario with neither key starts no process here and adds no kernel event.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any, Protocol

import numpy as np
import simpy

from ..scenario.schema import Scenario
from .lines import Line
from .resources import Resources
from .streams import Streams
from .world import World


class Run(Protocol):
    """What site work needs from the engine."""

    env: simpy.Environment
    world: World
    resources: Resources
    streams: Streams
    scenario: Scenario

    def request_plan(self) -> None:
        """Ask the dispatcher to run at the end of this instant."""


def start_ready(run: Run) -> None:
    """Start one wake-up per site whose ``ready_day`` is after day 0."""
    for k, at in enumerate(run.world.ready_at):
        if at > 0:
            run.env.process(_ready(run, k, at))


def _ready(run: Run, site: int, at: float) -> Generator[simpy.Event, Any, None]:
    yield run.env.timeout(at)
    run.world.preparing(site, 0, 0)  # touches the site's loadable cargo
    run.request_plan()


def prepare(run: Run, line: Line) -> None:
    """Queue the units ``line`` must lift that need preparation; they become loadable as
    their teams finish them (a process, only when there is any)."""
    w = run.world
    sid = w.sites[line.origin]
    spec = run.scenario.sites[sid].prepare
    if spec is None:
        return
    classes: list[int] = []
    hours: list[np.ndarray] = []
    for c, name in enumerate(w.classes):
        units = line.req[c]
        if name in spec.hours and units > 0:
            classes += [c] * units
            hours.append(run.streams.draws(spec.hours[name], "preparation", units, f"{sid}/{name}"))
            w.preparing(line.origin, c, units)
    if classes:
        finish = run.resources.preparation[line.origin].schedule(run.env.now, np.concatenate(hours))
        run.env.process(_finish(run, line.origin, finish.tolist(), classes))


def _finish(
    run: Run, site: int, finish: list[float], classes: list[int]
) -> Generator[simpy.Event, Any, None]:
    done: dict[float, dict[int, int]] = {}
    for t, c in zip(finish, classes, strict=True):
        at = done.setdefault(t, {})
        at[c] = at.get(c, 0) + 1
    env = run.env
    for t in sorted(done):
        if t > env.now:
            yield env.timeout(t - env.now)
        for c, n in sorted(done[t].items()):
            run.world.preparing(site, c, -n)
        run.request_plan()
