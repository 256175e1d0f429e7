"""The SimPy model of a phased withdrawal: phases, events, disposal and the dispatcher.

Processes:

* one per **phase**: waits for ``start_day`` and for every phase in ``after`` to close (or a
  ``start_phase`` event), then opens the phase's movement requirements; disposition shares
  are processed on site by the site's disposal teams;
* one per **policy event** (:mod:`sim.policy`), at its time;
* one per **convoy or sortie** (:mod:`sim.convoys`);
* per-day **availability** for fleets with ``availability_per: day``;
* the **dispatcher** (:func:`sim.dispatch.plan`), run once at the end of any instant in which
  something changed, turns idle vehicles and aircraft into new convoys and sorties.

The clock runs in hours. The run stops when every phase has closed or at the horizon,
whichever is first; :func:`simulate` then builds a :class:`~sim.results.Result`.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Generator
from typing import Any, cast

import numpy as np
import simpy

from ..scenario.network import Network, great_circle_km
from ..scenario.schema import Scenario
from . import convoys, dispatch, metrics, policy
from .resources import Crossing, Escorts, Usage
from .results import ConvoyRecord, Result
from .streams import Streams
from .world import FleetSpec, Line, TeamLedger, World

LATE = 2
"""Event priority after SimPy's URGENT (0) and NORMAL (1).

SimPy orders events by (time, priority, sequence). An event scheduled with priority 2 runs
after every normal event at the same instant, including ones scheduled while that instant is
being processed. The dispatcher uses it to decide once, after the instant has settled.
"""


def schedule_late(env: simpy.Environment, callback: Callable[[simpy.Event], None]) -> None:
    """Run ``callback`` at the end of the current instant."""
    event = simpy.Event(env)
    event._ok = True  # a triggered event, scheduled by hand with a lower priority
    event._value = None
    event.callbacks.append(callback)
    env.schedule(event, priority=cast(Any, LATE))


class Engine:
    """One replication of one scenario."""

    def __init__(self, scenario: Scenario, streams: Streams, *, audit: bool = False) -> None:
        self.scenario = s = scenario
        self.streams = streams
        self.env = simpy.Environment()
        self.network = Network.from_scenario(s)
        self.world = w = World(s, self.network, streams, audit=audit)
        self.max_vehicles = s.convoy.max_vehicles
        n = len(s.phases)
        self.phase_ids = [p.id for p in s.phases]
        self.closed = [self.env.event() for _ in range(n)]
        self.start_signal = [self.env.event() for _ in range(n)]
        self.phase_start: list[float | None] = [None] * n
        self.phase_close: list[float | None] = [None] * n
        self.cancelled = [False] * n
        self.phase_lines: list[list[Line]] = [[] for _ in range(n)]
        self.open_phases = n
        self.pending_events = len(s.events)
        self.stop = self.env.event()
        self.convoys: list[ConvoyRecord] = []
        self.last_departure: list[float | None] = [None] * len(w.sites)
        self.empty_at: list[float | None] = [None] * len(w.sites)
        self._plan_pending = False
        self.pause_changed = self.env.event()
        self.crossings = {cid: Crossing(self.env, cid, spec) for cid, spec in s.crossings.items()}
        teams = s.convoy.escort_teams
        self.escorts = Escorts(self.env, teams) if teams else None
        self.slot_hours = [
            24.0 / site.airfield.sorties_per_day if site.airfield else math.inf for site in s.sites.values()
        ]
        self.slots = [TeamLedger(1) for _ in w.sites]
        self.slot_usage = [Usage(f"airfield:{sid}", 1.0) for sid in w.sites]
        self.team_usage = [
            Usage(f"loading:{sid}", float(site.loading_teams or 0)) for sid, site in s.sites.items()
        ]
        self.fleet_usage = [Usage(f"fleet:{f.id}", float(f.count)) for f in w.fleets]
        self.fleet_out = [0] * len(w.fleets)
        self.disposal = [TeamLedger(site.disposal_teams) for site in s.sites.values()]
        self.sorties: list[float] = []
        self.crossing_waits: list[tuple[str, float]] = []
        self.delays: list[float] = []
        self.left_behind: dict[int, float] = {}
        self.breakdowns = 0
        self.expected_breakdowns = 0.0
        self.turn_backs = 0
        self.down: list[list[int]] = [[0] * len(w.fleets) for _ in w.sites]
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
        for ev in self.scenario.events:
            self.env.process(self._event(ev))
        for f in self.world.fleets:
            if f.mode == "road" and f.spec.availability_per == "day":
                self.env.process(self._daily_availability(f))
        self.maybe_stop()
        horizon = self.env.timeout(self.scenario.horizon_days * 24.0)
        horizon.callbacks.append(self._at_horizon)
        self.request_plan()
        self.env.run(until=self.stop)

    def _at_horizon(self, _event: simpy.Event) -> None:
        if not self.stop.triggered:
            self.stop.succeed()

    def request_plan(self) -> None:
        """Ask the dispatcher to run at the end of this instant (once, however often asked)."""
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

    def pause_left(self, site: int, phases: set[int]) -> float:
        """Hours until every pause that holds a convoy at ``site`` for ``phases`` ends."""
        w, now = self.world, self.env.now
        until = max(
            [w.paused_all, w.paused_sites.get(site, -1.0), *(w.paused_phases.get(p, -1.0) for p in phases)]
        )
        return 1e9 if math.isinf(until) else max(0.0, until - now)

    # ------------------------------------------------------------------ geography
    def flight_hours(self, fleet: FleetSpec, a: int, b: int) -> float | None:
        """Flight time between two airfields both able to take this aircraft, else None."""
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
        return max(0.0, self.slots[site].busy_until() - self.env.now)

    def per_vehicle(self, fleets: np.ndarray, attr: str, stream: str) -> np.ndarray:
        """One duration per vehicle, drawn from its fleet's ``attr``."""
        out = np.empty(len(fleets))
        for f in np.unique(fleets):
            mask = fleets == f
            spec = self.world.fleets[int(f)]
            out[mask] = self.streams.draws(getattr(spec.spec, attr), stream, int(mask.sum()), spec.id)
        return out

    def departed_from(self, site: int) -> None:
        """Book-keeping after a convoy leaves ``site``."""
        self.last_departure[site] = self.env.now
        if not any(self.world.stock[site]):
            self.empty_at[site] = self.env.now
        self.request_plan()

    def arrived_at(self, site: int) -> None:
        """Book-keeping after cargo is unloaded at ``site``."""
        if any(self.world.stock[site]):
            self.empty_at[site] = None

    # ------------------------------------------------------------------ phases
    def _natural_start(self, i: int) -> Generator[simpy.Event, Any, None]:
        ph = self.scenario.phases[i]
        if ph.start_day:
            yield self.env.timeout(ph.start_day * 24.0)
        for dep in ph.after:
            yield self.closed[self.phase_ids.index(dep)]
        self.force_start(i)

    def force_start(self, i: int) -> None:
        """Open phase ``i`` now (no effect if it already opened or was cancelled)."""
        if not self.start_signal[i].triggered and not self.cancelled[i]:
            self.start_signal[i].succeed()

    def _phase(self, i: int) -> Generator[simpy.Event, Any, None]:
        yield self.start_signal[i]
        if self.cancelled[i]:  # cancelled at the instant it was due to open
            return
        self.phase_start[i] = self.env.now
        w = self.world
        for mv in self.scenario.phases[i].moves:
            keep = [mv.keep.get(c, 0) for c in w.classes]
            line, jobs = w.open_line(i, w.sites.index(mv.from_), w.sites.index(mv.to), keep, mv.mode)
            self.phase_lines[i].append(line)
            if jobs:
                self.env.process(self._dispose(line, jobs))
        self.check_phase(i)
        self.request_plan()

    def _dispose(self, line: Line, jobs: list[tuple[str, int, int]]) -> Generator[simpy.Event, Any, None]:
        site = self.scenario.sites[self.world.sites[line.origin]]
        kinds = np.array([k for k, _c, n in jobs for _ in range(n)])
        classes = np.array([c for _k, c, n in jobs for _ in range(n)])
        hours = np.empty(len(classes))
        for c in np.unique(classes):
            mask = classes == c
            share = site.disposition[self.world.classes[int(c)]]
            key = f"{self.world.sites[line.origin]}/{self.world.classes[int(c)]}"
            hours[mask] = self.streams.draws(share.hours, "disposal", int(mask.sum()), key)
        finish = self.disposal[line.origin].schedule(self.env.now, hours)
        for t in np.unique(finish):
            if t > self.env.now:
                yield self.env.timeout(float(t) - self.env.now)
            at = finish == t
            for kind in ("destroy", "transfer"):
                for c in np.unique(classes[at & (kinds == kind)]):
                    n = int((at & (kinds == kind) & (classes == c)).sum())
                    self.world.dispose(self.env.now, line, kind, int(c), n)
            if not any(self.world.stock[line.origin]):
                self.empty_at[line.origin] = self.env.now
        self.check_phase(line.phase)
        self.request_plan()

    def check_phase(self, i: int) -> None:
        """Close phase ``i`` if it has opened (or was cancelled) and all its lines are done."""
        if i < 0 or self.phase_close[i] is not None:
            return
        if (self.phase_start[i] is not None or self.cancelled[i]) and all(
            line.done() for line in self.phase_lines[i]
        ):
            self.phase_close[i] = self.env.now
            self.closed[i].succeed()
            self.open_phases -= 1
            self.maybe_stop()

    def maybe_stop(self) -> None:
        """End the run once every phase has closed, every event has fired and every
        reinforcement has arrived."""
        if self.open_phases or self.pending_events or self.stop.triggered:
            return
        if all(line.done() for line in self.world.lines if line.phase < 0):
            self.stop.succeed()

    def cancel_phase(self, i: int) -> None:
        """Phase ``i`` takes nothing more; it closes when its cargo on the road arrives."""
        self.cancelled[i] = True
        for line in self.phase_lines[i]:
            self.world.cancel(line)
        self.check_phase(i)

    # ------------------------------------------------------------------ events, availability
    def _event(self, ev: Any) -> Generator[simpy.Event, Any, None]:
        at = policy.event_hours(ev, self.scenario.start)
        if at > self.env.now:
            yield self.env.timeout(at - self.env.now)
        policy.apply(self, ev)
        self.pending_events -= 1
        self.maybe_stop()

    def _daily_availability(self, fleet: FleetSpec) -> Generator[simpy.Event, Any, None]:
        w, total = self.world, fleet.spec.count
        while True:
            share = self.streams.draw(fleet.spec.availability, "availability_day", fleet.id)
            target = total - round(total * min(1.0, max(0.0, share)))
            down = sum(row[fleet.index] for row in self.down)
            for site in range(len(w.sites)):
                while down < target and w.idle[site][fleet.index] > 0:
                    w.idle[site][fleet.index] -= 1
                    self.down[site][fleet.index] += 1
                    down += 1
                while down > target and self.down[site][fleet.index] > 0:
                    self.down[site][fleet.index] -= 1
                    w.idle[site][fleet.index] += 1
                    down -= 1
            self.request_plan()
            yield self.env.timeout(24.0)

    # ------------------------------------------------------------------ results
    def result(self) -> Result:
        """Build the run's :class:`Result` from the final state."""
        return metrics.build_result(self)


def simulate(
    scenario: Scenario,
    *,
    seed: int = 0,
    replication: int = 0,
    deterministic: bool = False,
    audit: bool = False,
) -> Result:
    """Run one replication of ``scenario`` and return its :class:`Result`.

    ``seed`` and ``replication`` select the random streams (see :mod:`sim.streams`);
    ``deterministic`` uses every distribution's central value; ``audit`` checks conservation
    after every change of state and keeps the snapshots (slower; for tests).
    """
    t0 = time.perf_counter()
    engine = Engine(scenario, Streams(seed, replication, deterministic=deterministic), audit=audit)
    engine.run()
    result = engine.result()
    result.runtime_s = time.perf_counter() - t0
    return result
