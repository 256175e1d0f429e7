"""The SimPy model of a phased withdrawal: phases, events, disposal and the dispatcher.

Processes:

* one per **phase**: waits for ``start_day`` and for every phase in ``after`` to close (or a
  ``start_phase`` event), then opens the phase's movement requirements; disposition shares
  are processed on site by the site's disposal teams, and units that need preparation are
  queued on the site's preparation teams (:mod:`sim.engine.preparation`);
* one per site with a ``ready_day``: the instant its cargo may first be loaded;
* one per dated **policy event** (:mod:`sim.engine.policy`), at its time; an event with
  ``when:`` waits in the :class:`~sim.engine.triggers.Watch` until its condition holds (then
  at once, or a process waits ``after_days``);
* one per **convoy or sortie** (:mod:`sim.engine.convoys`);
* per-day **availability** for fleets with ``availability_per: day``;
* the **dispatcher** (:func:`sim.engine.dispatch.plan`), run once at the end of any instant in
  which something changed, turns idle vehicles and aircraft into new convoys and sorties.

The clock runs in hours. The run stops at the horizon, or once every phase has closed, every
dated event (and every conditional event whose condition has held) has fired and every
reinforcement has arrived; a conditional event still waiting then is reported as not fired.
:func:`simulate` then builds a :class:`~sim.engine.results.Result`.

The engine wires the pieces together and owns none of their state: the theatre is the
:class:`~sim.engine.world.World`'s, the phases the :class:`~sim.engine.phases.PhaseBoard`'s,
the shared resources the :class:`~sim.engine.resources.Resources`', and what happened on
the road the :class:`~sim.engine.runlog.RunLog`'s.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Generator
from typing import Any, cast

import numpy as np
import simpy

from ..scenario.distributions import Distribution
from ..scenario.drawn import uncertain
from ..scenario.loader import collector_paused
from ..scenario.network import Network, great_circle_km
from ..scenario.schema import Event, Scenario
from . import convoys, dispatch, metrics, policy, preparation, triggers
from .lines import FleetSpec, Line
from .phases import PhaseBoard
from .realise import Given, realise
from .resources import Resources
from .results import Result
from .runlog import RunLog
from .streams import Streams
from .world import World

MODEL_REVISION = 12
"""The revision of the model's rules, raised whenever a change alters what a replication gives
for the same inputs and seed. Stores record it (with the posture version), so replications
of an older model are never served as new (:func:`sim.experiment.runner.fingerprint`)."""

WATCH = 2
"""Priority of the check of conditional events, after SimPy's URGENT (0) and NORMAL (1)."""

LATE = 3
"""Priority of the dispatcher: after every other event at the same instant.

SimPy orders events by (time, priority, sequence). An event scheduled with priority 3 runs
after every normal event at the same instant, including ones scheduled while that instant is
being processed, and after the check of conditional events (:data:`WATCH`). The dispatcher
uses it to decide once, after the instant has settled.
"""


def schedule_late(
    env: simpy.Environment, callback: Callable[[simpy.Event], None], priority: int = LATE
) -> None:
    """Run ``callback`` at the end of the current instant."""
    event = simpy.Event(env)
    event._ok = True  # a triggered event, scheduled by hand with a lower priority
    event._value = None
    event.callbacks.append(callback)
    env.schedule(event, priority=cast(Any, priority))


class Engine:
    """One replication of one scenario."""

    def __init__(
        self, scenario: Scenario, streams: Streams, *, audit: bool = False, parameters: Given = None
    ) -> None:
        # parameters, counts and rates drawn once per replication
        self.scenario, self.drawn, self.parameters = realise(scenario, streams, parameters)
        s = self.scenario
        self.streams = streams
        self.env = simpy.Environment()
        self.network = Network.of(s)
        self.world = w = World(s, self.network, streams, audit=audit)
        self.phases = PhaseBoard(self.env, [p.id for p in s.phases])
        self.phase_ids = self.phases.ids
        self.resources = Resources(self.env, s, [(f.id, f.count) for f in w.fleets])
        self.log = RunLog()
        self.max_vehicles = s.convoy.max_vehicles
        self.pending_events = sum(ev.when is None for ev in s.events)
        self.fired_h: list[float | None] = [None] * len(s.events)
        self.watch = triggers.Watch(
            [
                triggers.Waiting(k, ev, triggers.compile_condition(ev.when, w, self.phases))
                for k, ev in enumerate(s.events)
                if ev.when is not None
            ],
            lambda check: schedule_late(self.env, check, WATCH),
            self._due,
            lambda: self.maybe_stop(settled=True),
        )
        self.stop = self.env.event()
        self.pause_changed = self.env.event()
        self._plan_pending = False
        self._flights: dict[tuple[int, int, int], float | None] = {}
        self._air = {(r.from_, r.to): r.hours for r in s.air_routes}
        self._air.update({(r.to, r.from_): r.hours for r in s.air_routes})

    @property
    def now(self) -> float:
        """The simulation clock, in hours."""
        return float(self.env.now)

    # ------------------------------------------------------------------ running
    def run(self) -> None:
        """Run until every phase has closed or the horizon is reached."""
        for i in range(len(self.phase_ids)):
            self.env.process(self._natural_start(i))
            self.env.process(self._phase(i))
        for k, ev in enumerate(self.scenario.events):
            if ev.when is None:
                self.env.process(self._event(k, ev, policy.event_hours(ev, self.scenario.start)))
        for f in self.world.fleets:
            if f.mode == "road" and f.spec.availability_per == "day":
                self.env.process(self._daily_availability(f))
        preparation.start_ready(self)  # sites with a ready_day
        self.maybe_stop()
        horizon = self.env.timeout(self.scenario.horizon_days * 24.0)
        horizon.callbacks.append(self._at_horizon)
        self.request_plan()
        self.env.run(until=self.stop)

    def _at_horizon(self, _event: simpy.Event) -> None:
        if not self.stop.triggered:
            self.stop.succeed()

    def request_plan(self) -> None:
        """Ask the dispatcher to run at the end of this instant (once, however often asked).

        Every change of state asks for a plan or a phase check, so both also tell the watch
        of conditional events to check at the end of the instant.
        """
        self.watch.notice()
        if not self._plan_pending:
            self._plan_pending = True
            schedule_late(self.env, self._plan)

    def _plan(self, _event: simpy.Event) -> None:
        self._plan_pending = False
        for order in dispatch.plan(self.world, self, self.max_vehicles):
            self.env.process(convoys.run_order(self, order))

    def wake_at(self, hours: float) -> None:
        """Make sure the dispatcher runs at ``hours`` (e.g. when a pause ends)."""

        def wake() -> Generator[simpy.Event, Any, None]:
            yield self.env.timeout(max(0.0, hours - self.env.now))
            self.signal_pause_change()
            self.request_plan()

        self.env.process(wake())

    def signal_pause_change(self) -> None:
        """Wake convoys waiting for a pause to end."""
        old, self.pause_changed = self.pause_changed, self.env.event()
        old.succeed()

    # ------------------------------------------------------------------ geography
    def flight_hours(self, fleet: FleetSpec, a: int, b: int) -> float | None:
        """Flight time between two airfields both able to take this aircraft, else None.

        Remembered per run unless a time or speed is drawn afresh for every flight.
        """
        key = (fleet.index, a, b)
        if key in self._flights:
            return self._flights[key]
        hours = self._flight_hours(fleet, a, b)
        given = self._air.get((self.world.sites[a], self.world.sites[b]))
        if not (_fresh(given) or _fresh(fleet.spec.speed_kmh)) or self.streams.deterministic:
            self._flights[key] = hours
        return hours

    def _flight_hours(self, fleet: FleetSpec, a: int, b: int) -> float | None:
        s, w = self.scenario, self.world
        sa, sb = s.sites[w.sites[a]], s.sites[w.sites[b]]
        for site in (sa, sb):
            if site.airfield is None or (
                site.airfield.types is not None and fleet.id not in site.airfield.types
            ):
                return None
        given = self._air.get((w.sites[a], w.sites[b]))
        if given is not None:
            return self.streams.draw(given, "flight", f"{w.sites[a]}-{w.sites[b]}")
        if None in (sa.lat, sa.lon, sb.lat, sb.lon):
            return None
        km = great_circle_km(sa.lat, sa.lon, sb.lat, sb.lon)  # type: ignore[arg-type]
        return km / max(1.0, self.streams.draw(fleet.spec.speed_kmh, "speed", fleet.id))

    def slot_wait(self, site: int) -> float:
        """Hours until the airfield at ``site`` has its next departure slot."""
        return self.resources.airfields[site].wait(self.env.now)

    # ------------------------------------------------------------------ phases
    def _natural_start(self, i: int) -> Generator[simpy.Event, Any, None]:
        ph = self.scenario.phases[i]
        if ph.start_day:
            yield self.env.timeout(ph.start_day * 24.0)
        for dep in ph.after:
            yield self.phases.closed[self.phases.index(dep)]
        self.phases.force_start(i)

    def force_start(self, i: int) -> None:
        """Open phase ``i`` now (no effect if it already opened or was cancelled)."""
        self.phases.force_start(i)

    def _phase(self, i: int) -> Generator[simpy.Event, Any, None]:
        yield self.phases.started[i]
        if self.phases.cancelled[i]:  # cancelled at the instant it was due to open
            return
        w = self.world
        lines = []
        for mv in self.scenario.phases[i].moves:
            keep = [mv.keep.get(c, 0) for c in w.classes]
            line, jobs = w.open_line(i, w.sites.index(mv.from_), w.sites.index(mv.to), keep, mv.mode)
            lines.append(line)
            preparation.prepare(self, line)  # sites with prepare: units wait for their teams
            if jobs:
                self.env.process(self._dispose(line, jobs))
        self.phases.opened(i, self.env.now, lines)
        self.check_phase(i)
        self.request_plan()

    def _dispose(self, line: Line, jobs: list[tuple[str, int, int]]) -> Generator[simpy.Event, Any, None]:
        w = self.world
        site = self.scenario.sites[w.sites[line.origin]]
        kinds = np.array([k for k, _c, n in jobs for _ in range(n)])
        classes = np.array([c for _k, c, n in jobs for _ in range(n)])
        hours = np.empty(len(classes))
        for c in np.unique(classes):
            mask = classes == c
            share = site.disposition[w.classes[int(c)]]
            key = f"{w.sites[line.origin]}/{w.classes[int(c)]}"
            hours[mask] = self.streams.draws(share.hours, "disposal", int(mask.sum()), key)
        finish = self.resources.disposal[line.origin].schedule(self.env.now, hours).tolist()
        done: dict[float, dict[tuple[int, int], int]] = {}
        for t, kind, c in zip(finish, kinds.tolist(), classes.tolist(), strict=True):
            at = done.setdefault(t, {})
            order = (0 if kind == "destroy" else 1, c)
            at[order] = at.get(order, 0) + 1
        for t in sorted(done):
            if t > self.env.now:
                yield self.env.timeout(t - self.env.now)
            for (kind, c), n in sorted(done[t].items()):
                w.dispose(self.env.now, line, ("destroy", "transfer")[kind], c, n)
            self.watch.notice()
        self.check_phase(line.phase)
        self.request_plan()

    def check_phase(self, i: int) -> None:
        """Close phase ``i`` if it has opened (or was cancelled) and all its lines are done."""
        self.watch.notice()
        if self.phases.try_close(i, self.env.now):
            self.maybe_stop()

    def maybe_stop(self, settled: bool = False) -> None:
        """End the run once every phase has closed, every dated event (and every conditional
        event whose condition has held) has fired and every reinforcement has arrived.

        While conditional events are waiting, the decision waits for the check at the end of
        this instant (``settled``): a condition that holds now still fires. A condition still
        false then never holds (nothing changes any more); its event is reported not fired.
        """
        if self.phases.open_count or self.pending_events or self.stop.triggered:
            return
        if not all(line.done() for line in self.world.lines if line.phase < 0):
            return
        if self.watch.waiting and not settled:
            self.watch.notice()
            return
        self.stop.succeed()

    def cancel_phase(self, i: int) -> None:
        """Phase ``i`` takes nothing more; it closes when its cargo on the road arrives."""
        for line in self.phases.cancel(i):
            self.world.cancel(line)
        self.check_phase(i)

    # ------------------------------------------------------------------ events, availability
    def _event(self, k: int, ev: Event, at: float) -> Generator[simpy.Event, Any, None]:
        """Event ``k`` fires at ``at`` hours (counted as pending until then)."""
        if at > self.env.now:
            yield self.env.timeout(at - self.env.now)
        self._fire(k, ev)
        self.pending_events -= 1
        self.maybe_stop()

    def _fire(self, k: int, ev: Event) -> None:
        """Apply event ``k`` now and remember when it fired."""
        self.fired_h[k] = self.now
        policy.apply(self, ev)

    def _due(self, due: triggers.Waiting) -> None:
        """A conditional event's condition holds: it fires now, or ``after_days`` from now."""
        if due.event.after_days:
            self.pending_events += 1
            self.env.process(self._event(due.index, due.event, self.now + due.event.after_days * 24.0))
        else:
            self._fire(due.index, due.event)

    def _daily_availability(self, fleet: FleetSpec) -> Generator[simpy.Event, Any, None]:
        total = fleet.spec.count
        while True:
            share = self.streams.draw(fleet.spec.availability, "availability_day", fleet.id)
            self.world.set_down(fleet.index, total - round(total * min(1.0, max(0.0, share))))
            self.request_plan()
            yield self.env.timeout(24.0)

    # ------------------------------------------------------------------ results
    def result(self) -> Result:
        """Build the run's :class:`Result` from the final state."""
        return metrics.build_result(self)


def _fresh(value: object) -> bool:
    """Whether a quantity is drawn anew on every use (a distribution ``per: occurrence``)."""
    return isinstance(value, Distribution) and value.per == "occurrence"


def simulate(
    scenario: Scenario,
    *,
    seed: int = 0,
    replication: int = 0,
    deterministic: bool = False,
    audit: bool = False,
    parameters: Given = None,
) -> Result:
    """Run one replication of ``scenario`` and return its :class:`Result`.

    ``seed`` and ``replication`` select the random streams (see :mod:`sim.engine.streams`);
    ``deterministic`` uses every distribution's central value; ``audit`` checks conservation
    after every change of state and keeps the snapshots (slower; for tests); ``parameters``
    fixes named parameters (a mapping of values) or draws them from a posterior instead of
    their priors (:mod:`sim.engine.realise`).
    """
    t0 = time.perf_counter()
    with collector_paused():
        streams = Streams(seed, replication, deterministic=deterministic)
        engine = Engine(scenario, streams, audit=audit, parameters=parameters)
        engine.run()
        result = engine.result()
    result.runtime_s, result.drawn = time.perf_counter() - t0, engine.drawn
    result.parameters, result.uncertain = engine.parameters, uncertain(scenario)
    return result
