"""Policy events: dated decisions and shocks that change the plan while it runs.

Events are data (``events:`` in the scenario, or ``--event`` on the command line). A dated
event is applied by a process of its own at its time; one with ``when:`` when its condition
first holds (:mod:`sim.engine.triggers`), ``after_days`` later if given. Either way,
:func:`apply` carries it out:

=================  =====================================================================
``pause``          no convoy loads or leaves for the named ``sites`` / ``phases`` (neither:
                   everything) for ``days``, or until a ``resume``; convoys on the road go on
``resume``         ends pauses on the named sites / phases (neither: all pauses)
``reinforce``      ``personnel`` and ``equipment`` must reach ``to``; they start at ``from``
                   (new to the theatre, unless ``from_stock: true`` takes them from that
                   site's holdings) and travel on real convoys, so the troop curve rises when
                   they arrive; they are not part of any phase's closure
``close_crossing`` the ``crossing`` shuts for ``days`` (omitted: until ``open_crossing``)
``open_crossing``  the ``crossing`` opens now, ending any closure in force
``set_keep``       a new end state for ``site``: its active moves take only what exceeds
                   ``keep``, and later moves from it keep at least as much
``start_phase``    the ``phase`` opens now, whatever its ``start_day`` or ``after``
``cancel_phase``   the ``phase`` takes nothing more; it closes when what is already on the
                   road arrives (a phase not yet open closes at once); ``after`` treats it
                   as closed
=================  =====================================================================

The command-line form is ``TYPE:key=value,key=value``, with ``|`` between list items and a
dotted key for equipment, e.g. ``--event 'pause:day=5,days=10,sites=qasrak'`` or
``--event 'reinforce:day=16,to=qasrak,from=harir,personnel=150,equipment.air_defence=8'``.
A YAML mapping (``--event '{type: pause, day: 5}'``) works too, and so does ``when``:
``--event 'pause:when.site_empty=rmelan,after_days=2,days=5'``.
"""

from __future__ import annotations

from typing import Any, Protocol

from ..scenario.schema import Event, PauseEvent, ResumeEvent
from .resources import Resources
from .world import World


class Running(Protocol):
    """What an event may act on (the engine provides it)."""

    world: World
    resources: Resources
    phase_ids: list[str]

    @property
    def now(self) -> float: ...

    def wake_at(self, hours: float) -> None: ...

    def signal_pause_change(self) -> None: ...

    def request_plan(self) -> None: ...

    def check_phase(self, i: int) -> None: ...

    def force_start(self, i: int) -> None: ...

    def cancel_phase(self, i: int) -> None: ...


def event_hours(ev: Event, scenario_start: Any) -> float:
    """When an event happens, in hours from day 0."""
    if ev.day is not None:
        return ev.day * 24.0
    assert ev.date is not None
    return float((ev.date - scenario_start).days) * 24.0


def apply(eng: Running, ev: Event) -> None:
    """Carry out one event on a running engine, at the current instant."""
    w, now = eng.world, eng.now
    sites: list[int] = []
    phases: list[int] = []
    if isinstance(ev, PauseEvent | ResumeEvent):
        sites = [w.sites.index(s) for s in ev.sites or []]
        phases = [eng.phase_ids.index(p) for p in ev.phases or []]
    if ev.type == "pause":
        until = now + ev.days * 24.0 if ev.days else float("inf")
        w.pause(sites, phases, until)
        if until != float("inf"):
            eng.wake_at(until)
    elif ev.type == "resume":
        w.resume(sites, phases, now)
    elif ev.type == "reinforce":
        assert ev.to is not None and ev.from_ is not None
        units = [ev.personnel if c == w.classes[w.personnel] else ev.equipment.get(c, 0) for c in w.classes]
        w.open_reinforcement(w.sites.index(ev.from_), w.sites.index(ev.to), units, not ev.from_stock, now)
    elif ev.type == "close_crossing":
        assert ev.crossing is not None
        eng.resources.crossings[ev.crossing].close(now, None if ev.days is None else ev.days * 24.0)
    elif ev.type == "open_crossing":
        assert ev.crossing is not None
        eng.resources.crossings[ev.crossing].open(now)
    elif ev.type == "set_keep":
        assert ev.site is not None and ev.keep is not None
        keep = [ev.keep.get(c, 0) for c in w.classes]
        for line in w.set_keep(w.sites.index(ev.site), keep):
            eng.check_phase(line.phase)
    elif ev.type == "start_phase":
        assert ev.phase is not None
        eng.force_start(eng.phase_ids.index(ev.phase))
    elif ev.type == "cancel_phase":
        assert ev.phase is not None
        eng.cancel_phase(eng.phase_ids.index(ev.phase))
    eng.signal_pause_change()
    eng.request_plan()
