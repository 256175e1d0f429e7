"""The SimPy model of a phased withdrawal: phases, convoys and the dispatcher.

Processes:

* one per **phase**: waits for ``start_day`` and for every phase in ``after`` to close, then
  opens the phase's movement requirements;
* one per **convoy**: loads (FIFO on the origin's loading teams), drives the shortest road
  path at the pace of its slowest vehicle, unloads (FIFO on the destination's teams), then
  puts its vehicles back in the idle pool;
* the **dispatcher** (:func:`sim.dispatch.plan`), run once at the end of any instant in which
  something changed, turns idle vehicles into new convoys.

The clock runs in hours. The run stops when every phase has closed or at the horizon,
whichever is first; :func:`simulate` then builds a :class:`~sim.results.Result`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Generator
from typing import Any

import numpy as np
import simpy

from . import dispatch
from .network import Network
from .results import ConvoyRecord, Result, daily_levels
from .schema import PERSONNEL, Scenario
from .streams import Streams
from .world import World

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
    env.schedule(event, priority=LATE)


class Engine:
    """One replication of one scenario."""

    def __init__(self, scenario: Scenario, streams: Streams, *, audit: bool = False) -> None:
        self.scenario = scenario
        self.streams = streams
        self.env = simpy.Environment()
        self.network = Network.from_scenario(scenario)
        self.world = World(scenario, self.network, streams, audit=audit)
        self.max_vehicles = scenario.convoy.max_vehicles
        n = len(scenario.phases)
        self.phase_ids = [p.id for p in scenario.phases]
        self.closed = [self.env.event() for _ in range(n)]
        self.phase_start: list[float | None] = [None] * n
        self.phase_close: list[float | None] = [None] * n
        self.phase_lines: list[list[Any]] = [[] for _ in range(n)]
        self.open_phases = n
        self.stop = self.env.event()
        self.convoys: list[ConvoyRecord] = []
        self.last_departure: list[float | None] = [None] * len(self.world.sites)
        self.empty_at: list[float | None] = [None] * len(self.world.sites)
        self._plan_pending = False
        self._fleets = list(scenario.fleets.values())

    # ------------------------------------------------------------------ running
    def run(self) -> None:
        """Run until every phase has closed or the horizon is reached."""
        for i in range(len(self.phase_ids)):
            self.env.process(self._phase(i))
        if not self.phase_ids:
            self.stop.succeed()
        horizon = self.env.timeout(self.scenario.horizon_days * 24.0)
        horizon.callbacks.append(lambda _e: None if self.stop.triggered else self.stop.succeed())
        self.request_plan()
        self.env.run(until=self.stop)

    def request_plan(self) -> None:
        """Ask the dispatcher to run at the end of this instant (once, however often asked)."""
        if not self._plan_pending:
            self._plan_pending = True
            schedule_late(self.env, self._plan)

    def _plan(self, _event: simpy.Event) -> None:
        self._plan_pending = False
        for order in dispatch.plan(self.world, self.network, self.max_vehicles):
            self.env.process(self._convoy(order))

    # ------------------------------------------------------------------ phases
    def _phase(self, i: int) -> Generator[simpy.Event, Any, None]:
        ph = self.scenario.phases[i]
        if ph.start_day:
            yield self.env.timeout(ph.start_day * 24.0)
        for dep in ph.after:
            yield self.closed[self.phase_ids.index(dep)]
        self.phase_start[i] = self.env.now
        w = self.world
        for mv in ph.moves:
            keep = [mv.keep.get(c, 0) for c in w.classes]
            self.phase_lines[i].append(w.open_line(i, w.sites.index(mv.from_), w.sites.index(mv.to), keep))
        self._check_phase(i)
        self.request_plan()

    def _check_phase(self, i: int) -> None:
        if self.phase_close[i] is None and self.phase_start[i] is not None and \
                all(line.done() for line in self.phase_lines[i]):
            self.phase_close[i] = self.env.now
            self.closed[i].succeed()
            self.open_phases -= 1
            if self.open_phases == 0 and not self.stop.triggered:
                self.stop.succeed()

    # ------------------------------------------------------------------ convoys
    def _convoy(self, order: dispatch.ConvoyOrder) -> Generator[simpy.Event, Any, None]:
        env, w, st = self.env, self.world, self.streams
        fleets = np.array([v.fleet for v in order.vehicles])
        rec = self._record(order, fleets)
        if order.loaded:
            durations = self._per_vehicle(fleets, "load_hours", "load")
            finish = w.teams[order.origin].schedule(env.now, durations)
            yield env.timeout(float(finish.max()) - env.now)
            for v in order.vehicles:
                assert v.line is not None
                w.depart(env.now, v.line, v.cls, v.units)
            self.last_departure[order.origin] = env.now
            if not any(w.stock[order.origin]):
                self.empty_at[order.origin] = env.now
            self.request_plan()
        rec.depart_h = env.now
        legs = self.network.path(w.sites[order.origin], w.sites[order.dest])
        assert legs is not None
        speed = min(st.draw(self._fleets[f].speed_kmh, "speed") for f in sorted(set(fleets.tolist())))
        yield env.timeout(sum(leg.km for leg in legs) / speed)
        rec.arrive_h = env.now
        if order.loaded:
            durations = self._per_vehicle(fleets, "unload_hours", "unload")
            finish = w.teams[order.dest].schedule(env.now, durations)
            for t in np.unique(finish):
                if t > env.now:
                    yield env.timeout(float(t) - env.now)
                phases = set()
                for v, f_t in zip(order.vehicles, finish, strict=True):
                    if f_t == t:
                        assert v.line is not None
                        w.arrive(env.now, v.line, v.cls, v.units)
                        phases.add(v.line.phase)
                for p in sorted(phases):
                    self._check_phase(p)
                if any(w.stock[order.dest]):
                    self.empty_at[order.dest] = None
        else:
            for v in order.vehicles:
                w.claims[order.dest][v.cls] -= v.units
        for f in fleets.tolist():
            w.idle[order.dest][f] += 1
        rec.unloaded_h = env.now
        self.request_plan()

    def _per_vehicle(self, fleets: np.ndarray, attr: str, stream: str) -> np.ndarray:
        out = np.empty(len(fleets))
        for f in np.unique(fleets):
            mask = fleets == f
            out[mask] = self.streams.draws(getattr(self._fleets[f], attr), stream, int(mask.sum()))
        return out

    def _record(self, order: dispatch.ConvoyOrder, fleets: np.ndarray) -> ConvoyRecord:
        w = self.world
        vehicles: dict[str, int] = {}
        for f in fleets.tolist():
            vehicles[w.fleets[f].id] = vehicles.get(w.fleets[f].id, 0) + 1
        cargo: dict[str, int] = {}
        phases: set[str] = set()
        if order.loaded:
            for v in order.vehicles:
                cargo[w.classes[v.cls]] = cargo.get(w.classes[v.cls], 0) + v.units
                if v.line is not None:
                    phases.add(self.phase_ids[v.line.phase])
        rec = ConvoyRecord(
            id=len(self.convoys) + 1, kind="loaded" if order.loaded else "empty",
            origin=w.sites[order.origin], dest=w.sites[order.dest], vehicles=vehicles,
            cargo=cargo, phases=tuple(sorted(phases)), formed_h=float(self.env.now),
        )
        self.convoys.append(rec)
        return rec

    # ------------------------------------------------------------------ results
    def result(self) -> Result:
        """Build the run's :class:`Result` from the final state."""
        s, w = self.scenario, self.world
        completed = self.open_phases == 0
        end = self.env.now
        closure = max((t for t in self.phase_close if t is not None), default=0.0) if completed else None
        days = np.arange(int(np.floor(s.horizon_days)) + 1, dtype=float)
        initial = [s.holdings(sid)[PERSONNEL] for sid in w.sites] + [0]
        levels = daily_levels(w.changes, w.personnel, len(w.sites) + 1, np.array(initial), days)
        remaining: dict[str, dict[str, int]] = {}
        for si, sid in enumerate(w.sites):
            left = w.committed(si)
            if any(left):
                remaining[sid] = {w.classes[c]: n for c, n in enumerate(left) if n}
        in_transit = {w.classes[c]: n for c, n in enumerate(w.transit) if n}
        return Result(
            scenario=s, seed=self.streams.seed, replication=self.streams.replication,
            deterministic=self.streams.deterministic, completed=completed, end_h=end,
            closure_h=closure, closure95_h=self._closure95() if completed or all(
                t is not None for t in self.phase_start) else None,
            phase_start_h=dict(zip(self.phase_ids, self.phase_start, strict=True)),
            phase_closure_h=dict(zip(self.phase_ids, self.phase_close, strict=True)),
            site_empty_h=dict(zip(w.sites, self.empty_at, strict=True)),
            site_last_departure_h=dict(zip(w.sites, self.last_departure, strict=True)),
            remaining=remaining, in_transit=in_transit,
            binding=[] if completed else self._binding(),
            convoys=self.convoys, days=days, personnel=levels[:, :-1],
            transit_personnel=levels[:, -1], in_theatre_sites=s.in_theatre(),
            kernel_events=next(self.env._eid), snapshots=w.snapshots,
        )

    def _closure95(self) -> float | None:
        w = self.world
        p = w.personnel
        need_p = sum(line.req[p] for line in w.lines)
        need_e = sum(sum(line.req) - line.req[p] for line in w.lines)
        got_p = got_e = 0
        if need_p == 0 and need_e == 0:
            return max((t for t in self.phase_close if t is not None), default=0.0)
        for t, cls, units in w.moved:
            if cls == p:
                got_p += units
            else:
                got_e += units
            if got_p * 100 >= 95 * need_p and got_e * 100 >= 95 * need_e:
                return t
        return None

    def _binding(self) -> list[str]:
        """Plain-language reasons why the run did not finish within the horizon."""
        out = []
        for i, pid in enumerate(self.phase_ids):
            if self.phase_close[i] is not None:
                continue
            if self.phase_start[i] is None:
                waits = [d for d in self.scenario.phases[i].after
                         if self.phase_close[self.phase_ids.index(d)] is None]
                why = f"waiting for {', '.join(waits)} to close" if waits else "its start_day is past the horizon"
                out.append(f"phase {pid} never started: {why}")
            else:
                out.append(f"phase {pid} was still moving at the horizon (lift capacity or time bound)")
        return out


def simulate(
    scenario: Scenario, *, seed: int = 0, replication: int = 0, deterministic: bool = False,
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
