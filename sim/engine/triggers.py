"""Conditional events: decisions that fire when the run reaches a state, not on a date.

An event with ``when:`` (a :class:`~sim.scenario.events.Trigger`) fires once, the first time
its condition holds, ``after_days`` later if given. The conditions read the state as it is
at that instant:

==================== ===================================================================
``site_empty: S``    S holds no people and no equipment (units being loaded still count
                     as at S): the same test as the ``sites_open`` measure and the
                     ``empty_day`` milestone
``phase_started: P`` P has opened (a phase cancelled before it opened never starts)
``phase_closed: P``  P has closed (a cancelled phase counts once it has closed)
``in_theatre_below`` personnel at in-theatre sites plus personnel on the road or in the
                     air below N (the troop curve's ``in_theatre``, at this instant)
``site_below``       personnel at ``site`` below ``personnel``
==================== ===================================================================

There is no polling process. The engine calls :meth:`Watch.notice` wherever the state can
change (every request for a dispatcher run, every phase check, every disposal); the first
notice of an instant schedules one check at the end of that instant, with a priority after
every normal event and before the dispatcher, and the check fires what has come due. With no
conditional event waiting, a notice costs one truth test.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..scenario.events import Trigger
from ..scenario.schema import Event
from .phases import PhaseBoard
from .world import World

Condition = Callable[[], bool]
"""A condition compiled against one run's state: true when it holds now."""


def compile_condition(when: Trigger, world: World, phases: PhaseBoard) -> Condition:
    """The test of ``when`` on this run's world and phase board (names become indices)."""
    p = world.personnel
    if when.site_empty is not None:
        site = world.site_index[when.site_empty]
        return lambda: not any(world.stock[site])
    if when.phase_started is not None:
        k = phases.index(when.phase_started)
        return lambda: phases.start_h[k] is not None
    if when.phase_closed is not None:
        k = phases.index(when.phase_closed)
        return lambda: phases.close_h[k] is not None
    if when.site_below is not None:
        site, n = world.site_index[when.site_below.site], when.site_below.personnel
        return lambda: world.stock[site][p] < n
    assert when.in_theatre_below is not None
    inside = [i for i, flag in enumerate(world.scenario.in_theatre()) if flag]
    limit = when.in_theatre_below
    return lambda: sum(world.stock[i][p] for i in inside) + world.transit[p] < limit


@dataclass
class Waiting:
    """A conditional event whose condition has not held yet."""

    index: int  # its position in the scenario's events
    event: Event
    holds: Condition


class Watch:
    """The conditional events still waiting for their condition, and when to check them.

    ``schedule`` runs a callback at the end of the current instant (the engine gives it);
    ``fire`` is called with each event that has come due, in the order of the scenario's
    events, and ``settled`` once a check has fired everything that was due.
    """

    def __init__(
        self,
        waiting: list[Waiting],
        schedule: Callable[[Callable[[object], None]], None],
        fire: Callable[[Waiting], None],
        settled: Callable[[], None],
    ) -> None:
        self.waiting = waiting
        self._schedule = schedule
        self._fire = fire
        self._settled = settled
        self.checking = False

    def notice(self) -> None:
        """The state may have changed: check at the end of this instant (once per instant)."""
        if self.waiting and not self.checking:
            self.checking = True
            self._schedule(self._check)

    def _check(self, _event: object) -> None:
        self.checking = False
        due = [w for w in self.waiting if w.holds()]
        if due:
            self.waiting = [w for w in self.waiting if not any(w is d for d in due)]
            for w in due:
                self._fire(w)
        if not self.checking:  # nothing fired changed the state again this instant
            self._settled()
