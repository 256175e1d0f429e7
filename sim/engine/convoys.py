"""What a convoy (or an aircraft sortie) does, step by step, as SimPy processes.

A loaded road convoy:

1. loads, each vehicle on the origin's loading teams (FIFO), ``load_hours`` each;
2. waits while its origin or its phase is paused, then for an escort team if
   ``convoy.escort_teams`` is set;
3. drives its path leg by leg at the pace of its slowest vehicle; at each crossing on the way
   it queues and passes (:class:`~sim.engine.resources.Crossing`); on a route with a
   ``disruption`` it may be delayed, or turned back at the end of that route and drive back
   the way it came (its cargo returns to the origin); breakdowns either halt the whole
   convoy for the repair (``wait``) or leave the vehicle behind to be repaired and follow
   alone (``leave``) — its cargo is never lost;
4. unloads at the destination on that site's teams; each vehicle's cargo has arrived when it
   is unloaded; the vehicles are released together when the last one is done, and the escort
   team heads home (it is free again one outbound drive later).

An empty convoy just drives (through crossings, with disruptions and breakdowns). An aircraft
sortie loads with its own crew (no loading teams), takes the next departure slot of the
airfield, flies great-circle distance at its speed (or the ``air_routes`` time) and unloads.

With crew ``duty`` (:mod:`sim.engine.duty`), a road convoy leaves only when its crews may
drive, drives only inside its fleets' windows and while its vehicles have driving hours left
that day, and halts on the road otherwise; an aircraft that has flown its sorties for the day
waits, loaded, for 00:00 before it takes a departure slot. Without duty nothing of this runs.

The steps work on vehicle groups (:class:`~sim.engine.dispatch.VehicleLoad`): durations
are still drawn one per vehicle, in vehicle order, but cargo moves per group.
"""

from __future__ import annotations

import math
from collections.abc import Generator
from typing import Any, Protocol

import numpy as np
import simpy

from ..scenario.network import Leg, Network
from ..scenario.schema import Scenario
from . import self_propelled
from .duty import Airframe, ConvoyDuty
from .lines import FleetSpec
from .orders import ConvoyOrder, VehicleLoad
from .resources import Resources
from .results import ConvoyRecord
from .runlog import RunLog
from .streams import Streams
from .world import World

Proc = Generator[simpy.Event, Any, Any]

MIN_SPEED_KMH = 1.0
"""A drawn speed below this (a distribution reaching 0) is raised to it: a convoy always moves."""


class Run(Protocol):
    """What a convoy's steps need from the run (the engine provides it)."""

    env: simpy.Environment
    scenario: Scenario
    world: World
    streams: Streams
    network: Network
    resources: Resources
    log: RunLog
    phase_ids: list[str]
    pause_changed: simpy.Event

    def flight_hours(self, fleet: FleetSpec, a: int, b: int) -> float | None: ...

    def check_phase(self, i: int) -> None: ...

    def maybe_stop(self) -> None: ...

    def request_plan(self) -> None: ...


def per_vehicle(run: Run, groups: list[VehicleLoad], attr: str, stream: str) -> np.ndarray:
    """One duration per vehicle, drawn from its fleet's ``attr`` (fleets in index order)."""
    first = groups[0].fleet
    if all(g.fleet == first for g in groups):
        spec = run.world.fleets[first]
        n = sum(g.count for g in groups)
        return np.asarray(run.streams.draws(getattr(spec.spec, attr), stream, n, spec.id), dtype=float)
    fleets = np.repeat([g.fleet for g in groups], [g.count for g in groups])
    out = np.empty(len(fleets))
    for f in np.unique(fleets):
        mask = fleets == f
        spec = run.world.fleets[int(f)]
        out[mask] = run.streams.draws(getattr(spec.spec, attr), stream, int(mask.sum()), spec.id)
    return out


def run_order(run: Run, order: ConvoyOrder) -> Proc:
    """The process of one convoy or sortie, from loading to release.

    With crew duty, its vehicles' (or aircraft's) duty records are taken now, while the plan
    that formed it is carried out, so the next plan sees them gone. Self-propelled units
    run :func:`sim.engine.self_propelled.steps` instead.
    """
    if order.self_propelled is not None:
        return self_propelled.steps(run, order, travel)
    roster = run.resources.duty
    duty: ConvoyDuty | None = None
    plane: Airframe | None = None
    if roster is not None:
        if order.mode == "air":
            plane = roster.airframe(order.origin, order.vehicles[0].fleet, run.env.now)
        else:
            fleets: dict[int, int] = {}
            for v in order.vehicles:
                fleets[v.fleet] = fleets.get(v.fleet, 0) + v.count
            duty = roster.convoy(order.origin, fleets, run.env.now)
    return _steps(run, order, duty, plane)


def _until(env: simpy.Environment, t: float) -> Proc:
    """Wait until ``t`` (for ever if it is infinite)."""
    if math.isinf(t):
        yield env.event()
    if t > env.now:
        yield env.timeout(t - env.now)


def _steps(run: Run, order: ConvoyOrder, duty: ConvoyDuty | None, plane: Airframe | None) -> Proc:
    env, w = run.env, run.world
    rec = run.log.open_record(w, order, run.phase_ids, env.now)
    if order.loaded:
        durations = per_vehicle(run, order.vehicles, "load_hours", "load")
        if order.mode == "air":
            yield env.timeout(float(durations.max()))
        else:
            finish = run.resources.loading[order.origin].schedule(env.now, durations)
            yield env.timeout(float(finish.max()) - env.now)
        phases = {v.line.phase for v in order.vehicles if v.line is not None}
        while any(w.paused(order.origin, p, env.now) for p in phases):
            yield env.any_of([run.pause_changed, env.timeout(w.pause_left(order.origin, phases, env.now))])
    escorts = run.resources.escorts
    escort = None
    if order.loaded and order.mode == "road" and escorts is not None:
        asked = env.now
        escort = escorts.resource.request()
        yield escort
        escorts.wait_hours += env.now - asked
        rec.escort_wait_h = env.now - asked
    if order.mode == "air":
        roster = run.resources.duty
        if plane is not None and roster is not None:
            yield from _until(env, roster.sortie_ready(plane, env.now))
        depart = run.resources.airfields[order.origin].take_slot(env.now)
        if depart > env.now:
            yield env.timeout(depart - env.now)
        if plane is not None and roster is not None:
            roster.flew(plane, env.now)
    elif duty is not None:
        yield from _until(env, duty.ready(env.now))  # waits at the origin until it may drive
    if order.loaded:
        for v in order.vehicles:
            assert v.line is not None
            w.depart(env.now, v.line, v.cls, v.units * v.count)
        run.request_plan()
    rec.depart_h = env.now
    if order.mode == "air":
        run.log.sorties.append(env.now)
        hours = run.flight_hours(w.fleets[order.vehicles[0].fleet], order.origin, order.dest)
        yield env.timeout(float(hours or 0.0))
        main, left = order.vehicles, list[VehicleLoad]()
        drive = 0.0
    else:
        drive, main, left, turned = yield from travel(run, order, duty, rec)
        if duty is not None:
            rec.halts, rec.halted_h = duty.halts, duty.halted_h
        if turned:
            yield from turn_back(run, order, rec, escort, duty)
            return
    rec.arrive_h = env.now
    for v in left:
        env.process(straggler(run, order, v, rec, duty))
    yield from unload(run, order, main)
    if escort is not None and escorts is not None:
        env.process(escorts.release_after(escort, rec.depart_h, drive))
    release(run, order, main, rec, duty=duty, plane=plane)
    rec.unloaded_h = env.now


def travel(
    run: Run, order: ConvoyOrder, duty: ConvoyDuty | None = None, rec: ConvoyRecord | None = None
) -> Generator[simpy.Event, Any, tuple[float, list[VehicleLoad], list[VehicleLoad], bool]]:
    """Drive the path; returns (pure driving hours, vehicles arriving together, vehicles left
    behind, turned back?). With ``duty``, driving stops where a duty limit is reached and
    resumes when allowed; crossings, delays and breakdown halts are not driving. Each route
    driven to its end is added to ``rec.routes``."""
    env, w, st = run.env, run.world, run.streams
    if order.self_propelled is not None:
        drawn = self_propelled.speed(w, st, order.self_propelled)
    else:
        fleets = sorted({v.fleet for v in order.vehicles})
        drawn = min(st.draw(w.fleets[f].spec.speed_kmh, "speed", w.fleets[f].id) for f in fleets)
    speed = max(MIN_SPEED_KMH, drawn)
    legs = choose_path(run, order, speed)
    crossings = run.resources.crossings
    drive = 0.0
    start = env.now
    for leg in legs:
        done_km = 0.0
        for cid, at in leg.crossings:
            if duty is None:
                yield env.timeout((at - done_km) / speed)
            else:
                yield from duty.drive(env, (at - done_km) / speed)
            yield from crossings[cid].pass_through(order.size)
            done_km = at
        if duty is None:
            yield env.timeout((leg.km - done_km) / speed)
        else:
            yield from duty.drive(env, (leg.km - done_km) / speed)
        drive += leg.km / speed
        if rec is not None:
            rec.routes += (leg.route,)
        route = run.scenario.routes[leg.route]
        if route.disruption is not None:
            d = route.disruption
            if st.chance(d.turn_back_probability, "turn_back"):
                yield env.timeout(env.now - start)  # back the way it came
                return drive, order.vehicles, [], True
            if st.deterministic:
                delay = d.delay_probability * st.draw(d.delay_hours, "delay")
            else:
                delay = (
                    st.draw(d.delay_hours, "delay") if st.chance(d.delay_probability, "disruption") else 0.0
                )
            if delay > 0:
                run.log.delays.append(delay)
                yield env.timeout(delay)
    km = sum(leg.km for leg in legs)
    hold, main, left = breakdowns(run, order, km)
    if hold > 0:
        yield env.timeout(hold)
    return drive, main, left, False


def choose_path(run: Run, order: ConvoyOrder, speed: float) -> tuple[Leg, ...]:
    """The shortest allowed path, or a detour around crossings that are closed now.

    Both are estimated as driving time plus the wait for each crossing to open when the convoy
    would reach it (queues are not foreseen); the earlier arrival wins, the shortest on a tie.
    """
    net, names, now = run.network, run.world.sites, float(run.env.now)
    crossings = run.resources.crossings
    a, b = names[order.origin], names[order.dest]
    best = net.path(a, b, order.avoid)
    assert best is not None
    if not crossings:
        return best
    closed = frozenset(cid for cid, c in crossings.items() if c.next_open(now) > now)
    if not closed or not any(cid in closed for leg in best for cid, _ in leg.crossings):
        return best
    detour = net.path(a, b, order.avoid | closed)
    if detour is None:
        return best

    def eta(legs: tuple[Leg, ...]) -> float:
        t = now
        for leg in legs:
            done = 0.0
            for cid, at in leg.crossings:
                t += (at - done) / speed
                t = crossings[cid].next_open(t)
                done = at
            t += (leg.km - done) / speed
        return t

    return detour if eta(detour) < eta(best) else best


def breakdowns(run: Run, order: ConvoyOrder, km: float) -> tuple[float, list[VehicleLoad], list[VehicleLoad]]:
    """Hours the whole convoy halts for repairs, the vehicles arriving together, and the
    vehicles it leaves behind (one group each). Self-propelled units do not break down."""
    st, w, log = run.streams, run.world, run.log
    if order.self_propelled is not None:
        return 0.0, list(order.vehicles), []
    hold = 0.0
    main: list[VehicleLoad] = []
    left: list[VehicleLoad] = []
    for v in order.vehicles:
        spec = w.fleets[v.fleet].spec.breakdowns
        if spec is None or spec.per_1000_km == 0:
            main.append(v)
            continue
        expected = km / 1000.0 * spec.per_1000_km
        fid = w.fleets[v.fleet].id
        if st.deterministic:
            main.append(v)
            if spec.policy == "wait":
                for _ in range(v.count):
                    hold += expected * st.draw(spec.repair_hours, "repair", fid)
                    log.expected_breakdowns += expected
            continue
        stays = v.count
        for _ in range(v.count):
            count = int(st.rng("breakdown").poisson(expected))
            if count == 0:
                continue
            repair = sum(st.draw(spec.repair_hours, "repair", fid) for _ in range(count))
            log.breakdowns += count
            if spec.policy == "wait":
                hold += repair
            elif v.line is not None:
                alone = VehicleLoad(v.fleet, v.line, v.cls, v.units)
                left.append(alone)
                log.leave_behind(alone, repair)
                stays -= 1
        if stays == v.count:
            main.append(v)
        elif stays:
            main.append(VehicleLoad(v.fleet, v.line, v.cls, v.units, stays))
    return hold, main, left


def unload(run: Run, order: ConvoyOrder, vehicles: list[VehicleLoad]) -> Proc:
    """Unload on the destination's teams (aircraft: own crew); cargo arrives per vehicle."""
    env, w = run.env, run.world
    if not order.loaded or not vehicles:
        for v in vehicles:
            w.unclaim(order.dest, v.cls, v.units * v.count)
        return
    durations = per_vehicle(run, vehicles, "unload_hours", "unload")
    if order.mode == "air":
        finish = env.now + durations
    else:
        finish = run.resources.loading[order.dest].schedule(env.now, durations)
    if finish.min() == finish.max():  # everything is unloaded at once: one arrival per group
        times, groups, sizes = [float(finish[0])] * len(vehicles), list(range(len(vehicles))), None
    else:
        times, groups, sizes = _runs(finish, vehicles)
    k = 0
    while k < len(times):
        t = times[k]
        if t > env.now:
            yield env.timeout(t - env.now)
        phases = set()
        while k < len(times) and times[k] == t:
            v = vehicles[groups[k]]
            assert v.line is not None
            w.arrive(env.now, v.line, v.cls, v.units * (v.count if sizes is None else sizes[k]), order.mode)
            phases.add(v.line.phase)
            k += 1
        for p in sorted(phases):
            run.check_phase(p)
        if -1 in phases:
            run.maybe_stop()


def _runs(finish: np.ndarray, vehicles: list[VehicleLoad]) -> tuple[list[float], list[int], list[int]]:
    """Vehicles unloaded at the same time from the same group, in time then group order:
    (time, group, how many) of each run."""
    group = np.repeat(np.arange(len(vehicles)), [v.count for v in vehicles])
    rank = np.lexsort((group, finish))
    t_sorted, g_sorted = finish[rank], group[rank]
    cut = np.flatnonzero((np.diff(t_sorted) != 0) | (np.diff(g_sorted) != 0)) + 1
    starts = np.concatenate(([0], cut))
    sizes = np.diff(np.concatenate((starts, [len(rank)])))
    return t_sorted[starts].tolist(), g_sorted[starts].tolist(), sizes.tolist()


def release(
    run: Run,
    order: ConvoyOrder,
    vehicles: list[VehicleLoad],
    rec: ConvoyRecord,
    at: int | None = None,
    duty: ConvoyDuty | None = None,
    plane: Airframe | None = None,
) -> None:
    """Vehicles become idle at the destination (or ``at``); their busy time is recorded, and
    with crew duty the hours they drove today (the sorties the aircraft flew)."""
    w = run.world
    site = order.dest if at is None else at
    usage = run.resources.fleet_usage
    roster = run.resources.duty
    for v in vehicles:
        w.release_vehicles(site, v.fleet, v.count)
        usage[v.fleet].add(rec.formed_h, run.env.now, float(v.count))
        if duty is not None and roster is not None:
            roster.release(duty, site, v.fleet, v.count, run.env.now)
    if plane is not None and roster is not None:
        roster.landed(plane, site)
    run.request_plan()


def straggler(
    run: Run, order: ConvoyOrder, v: VehicleLoad, rec: ConvoyRecord, duty: ConvoyDuty | None = None
) -> Proc:
    """A vehicle left behind for repair follows alone and unloads on arrival.

    It broke down somewhere on the way, was repaired, and drove the rest at the convoy's
    pace, so it arrives its repair time after the convoy (crew duty is not applied again).
    """
    yield run.env.timeout(run.log.repaired(v))
    yield from unload(run, order, [v])
    release(run, order, [v], rec, duty=duty)


def turn_back(
    run: Run,
    order: ConvoyOrder,
    rec: ConvoyRecord,
    escort: simpy.resources.resource.Request | None,
    duty: ConvoyDuty | None = None,
) -> Proc:
    """The convoy is back at its origin: its cargo is unloaded there, to go again. (The way
    back is not checked against crew duty, nor counted in its crews' hours.)"""
    env, w = run.env, run.world
    rec.arrive_h = env.now
    rec.turned_back = True
    run.log.turn_backs += 1
    escorts = run.resources.escorts
    if escort is not None and escorts is not None:
        escorts.usage.add(rec.depart_h or env.now, env.now)
        escorts.resource.release(escort)
    for v in order.vehicles:
        if order.loaded:
            assert v.line is not None
            w.turn_back(env.now, v.line, v.cls, v.units * v.count)
        else:
            w.unclaim(order.dest, v.cls, v.units * v.count)
    release(run, order, order.vehicles, rec, at=order.origin, duty=duty)
    rec.unloaded_h = env.now
    yield env.timeout(0)
