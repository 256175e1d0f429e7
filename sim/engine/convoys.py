"""What a convoy (or an aircraft sortie) does, step by step, as SimPy processes.

A loaded road convoy:

1. loads, each vehicle on the origin's loading teams (FIFO), ``load_hours`` each;
2. waits while its origin or its phase is paused, then for an escort team if
   ``convoy.escort_teams`` is set;
3. drives its path leg by leg at the pace of its slowest vehicle; at each crossing on the way
   it queues and passes (:class:`~sim.resources.Crossing`); on a route with a ``disruption``
   it may be delayed, or turned back at the end of that route and drive back the way it came
   (its cargo returns to the origin); breakdowns
   either halt the whole convoy for the repair (``wait``) or leave the vehicle behind to be
   repaired and follow alone (``leave``) — its cargo is never lost;
4. unloads at the destination on that site's teams; each vehicle's cargo has arrived when it
   is unloaded; the vehicles are released together when the last one is done, and the escort
   team heads home (it is free again one outbound drive later).

An empty convoy just drives (through crossings, with disruptions and breakdowns). An aircraft
sortie loads with its own crew (no loading teams), takes the next departure slot of the
airfield, flies great-circle distance at its speed (or the ``air_routes`` time) and unloads.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any

import numpy as np
import simpy

from ..scenario.network import Leg
from .dispatch import ConvoyOrder, VehicleLoad
from .results import ConvoyRecord

if TYPE_CHECKING:
    from .model import Engine

Proc = Generator[simpy.Event, Any, Any]

MIN_SPEED_KMH = 1.0
"""A drawn speed below this (a distribution reaching 0) is raised to it: a convoy always moves."""


def run_order(eng: Engine, order: ConvoyOrder) -> Proc:
    """The process of one convoy or sortie, from loading to release."""
    env, w = eng.env, eng.world
    rec = record(eng, order)
    fleets = np.array([v.fleet for v in order.vehicles])
    for f in set(fleets.tolist()):
        eng.fleet_out[f] += int((fleets == f).sum())
    if order.loaded:
        if order.mode == "air":
            yield env.timeout(float(eng.per_vehicle(fleets, "load_hours", "load").max()))
        else:
            durations = eng.per_vehicle(fleets, "load_hours", "load")
            finish = w.teams[order.origin].schedule(env.now, durations)
            eng.team_usage[order.origin].add_many(finish - durations, finish)
            yield env.timeout(float(finish.max()) - env.now)
        phases = {v.line.phase for v in order.vehicles if v.line is not None}
        while any(w.paused(order.origin, p, env.now) for p in phases):
            yield env.any_of([eng.pause_changed, env.timeout(eng.pause_left(order.origin, phases))])
    escort = None
    if order.loaded and order.mode == "road" and eng.escorts is not None:
        asked = env.now
        escort = eng.escorts.resource.request()
        yield escort
        eng.escorts.wait_hours += env.now - asked
        eng.escorts.waits += int(env.now > asked)
        rec.escort_wait_h = env.now - asked
    if order.mode == "air":
        depart = eng.slots[order.origin].schedule(env.now, np.array([eng.slot_hours[order.origin]]))[0]
        depart -= eng.slot_hours[order.origin]
        eng.slot_usage[order.origin].add(depart, depart + eng.slot_hours[order.origin])
        if depart > env.now:
            yield env.timeout(depart - env.now)
    if order.loaded:
        for v in order.vehicles:
            assert v.line is not None
            w.depart(env.now, v.line, v.cls, v.units)
        eng.departed_from(order.origin)
    rec.depart_h = env.now
    if order.mode == "air":
        eng.sorties.append(env.now)
        hours = eng.flight_hours(w.fleets[order.vehicles[0].fleet], order.origin, order.dest)
        yield env.timeout(float(hours or 0.0))
        left: list[VehicleLoad] = []
        drive = 0.0
    else:
        drive, left, turned = yield from travel(eng, order)
        if turned:
            yield from turn_back(eng, order, rec, drive, escort)
            return
    rec.arrive_h = env.now
    gone = {id(v) for v in left}
    main = [v for v in order.vehicles if id(v) not in gone]
    for v in left:
        env.process(straggler(eng, order, v, rec))
    yield from unload(eng, order, main)
    if escort is not None and eng.escorts is not None:
        env.process(eng.escorts.release_after(escort, rec.depart_h, drive))
    release(eng, order, main, rec)
    rec.unloaded_h = env.now


def record(eng: Engine, order: ConvoyOrder) -> ConvoyRecord:
    """Start the log entry of a convoy."""
    w = eng.world
    vehicles: dict[str, int] = {}
    cargo: dict[str, int] = {}
    phases: set[str] = set()
    for v in order.vehicles:
        fid = w.fleets[v.fleet].id
        vehicles[fid] = vehicles.get(fid, 0) + 1
        if order.loaded and v.line is not None:
            cargo[w.classes[v.cls]] = cargo.get(w.classes[v.cls], 0) + v.units
            phases.add(eng.phase_ids[v.line.phase] if v.line.phase >= 0 else "reinforce")
    rec = ConvoyRecord(
        id=len(eng.convoys) + 1,
        kind="loaded" if order.loaded else "empty",
        origin=w.sites[order.origin],
        dest=w.sites[order.dest],
        vehicles=vehicles,
        cargo=cargo,
        phases=tuple(sorted(phases)),
        formed_h=float(eng.env.now),
        mode=order.mode,
    )
    eng.convoys.append(rec)
    return rec


def travel(
    eng: Engine, order: ConvoyOrder
) -> Generator[simpy.Event, Any, tuple[float, list[VehicleLoad], bool]]:
    """Drive the path; returns (pure driving hours, vehicles left behind, turned back?)."""
    env, w, st = eng.env, eng.world, eng.streams
    fleets = sorted({v.fleet for v in order.vehicles})
    speed = max(
        MIN_SPEED_KMH, min(st.draw(w.fleets[f].spec.speed_kmh, "speed", w.fleets[f].id) for f in fleets)
    )
    legs = choose_path(eng, order, speed)
    drive = 0.0
    start = env.now
    for leg in legs:
        done_km = 0.0
        for cid, at in leg.crossings:
            yield env.timeout((at - done_km) / speed)
            waited = yield from eng.crossings[cid].pass_through(len(order.vehicles))
            eng.crossing_waits.append((cid, waited))
            done_km = at
        yield env.timeout((leg.km - done_km) / speed)
        drive += leg.km / speed
        route = eng.scenario.routes[leg.route]
        if route.disruption is not None:
            d = route.disruption
            if st.chance(d.turn_back_probability, "turn_back"):
                yield env.timeout(env.now - start)  # back the way it came
                return drive, [], True
            if st.deterministic:
                delay = d.delay_probability * st.draw(d.delay_hours, "delay")
            else:
                delay = (
                    st.draw(d.delay_hours, "delay") if st.chance(d.delay_probability, "disruption") else 0.0
                )
            if delay > 0:
                eng.delays.append(delay)
                yield env.timeout(delay)
    km = sum(leg.km for leg in legs)
    hold, left = breakdowns(eng, order, km)
    if hold > 0:
        yield env.timeout(hold)
    return drive, left, False


def choose_path(eng: Engine, order: ConvoyOrder, speed: float) -> tuple[Leg, ...]:
    """The shortest allowed path, or a detour around crossings that are closed now.

    Both are estimated as driving time plus the wait for each crossing to open when the convoy
    would reach it (queues are not foreseen); the earlier arrival wins, the shortest on a tie.
    """
    net, names, now = eng.network, eng.world.sites, float(eng.env.now)
    a, b = names[order.origin], names[order.dest]
    best = net.path(a, b, order.avoid)
    assert best is not None
    closed = frozenset(cid for cid, c in eng.crossings.items() if c.next_open(now) > now)
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
                t = eng.crossings[cid].next_open(t)
                done = at
            t += (leg.km - done) / speed
        return t

    return detour if eta(detour) < eta(best) else best


def breakdowns(eng: Engine, order: ConvoyOrder, km: float) -> tuple[float, list[VehicleLoad]]:
    """Hours the whole convoy halts for repairs, and the vehicles it leaves behind."""
    st, w = eng.streams, eng.world
    hold = 0.0
    left: list[VehicleLoad] = []
    for v in order.vehicles:
        spec = w.fleets[v.fleet].spec.breakdowns
        if spec is None or spec.per_1000_km == 0:
            continue
        expected = km / 1000.0 * spec.per_1000_km
        if st.deterministic:
            if spec.policy == "wait":
                hold += expected * st.draw(spec.repair_hours, "repair", w.fleets[v.fleet].id)
                eng.expected_breakdowns += expected
            continue
        count = int(st.rng("breakdown").poisson(expected))
        if count == 0:
            continue
        repair = sum(st.draw(spec.repair_hours, "repair", w.fleets[v.fleet].id) for _ in range(count))
        eng.breakdowns += count
        if spec.policy == "wait":
            hold += repair
        elif v.line is not None:
            left.append(v)
            eng.left_behind[id(v)] = repair
    return hold, left


def unload(eng: Engine, order: ConvoyOrder, vehicles: list[VehicleLoad]) -> Proc:
    """Unload on the destination's teams (aircraft: own crew); cargo arrives per vehicle."""
    env, w = eng.env, eng.world
    if not order.loaded or not vehicles:
        for v in vehicles:
            w.claims[order.dest][v.cls] -= v.units
        return
    fleets = np.array([v.fleet for v in vehicles])
    durations = eng.per_vehicle(fleets, "unload_hours", "unload")
    if order.mode == "air":
        finish = env.now + durations
    else:
        finish = w.teams[order.dest].schedule(env.now, durations)
        eng.team_usage[order.dest].add_many(finish - durations, finish)
    for t in np.unique(finish):
        if t > env.now:
            yield env.timeout(float(t) - env.now)
        phases = set()
        for v, f_t in zip(vehicles, finish, strict=True):
            if f_t == t:
                assert v.line is not None
                w.arrive(env.now, v.line, v.cls, v.units, order.mode)
                phases.add(v.line.phase)
        for p in sorted(phases):
            eng.check_phase(p)
        eng.arrived_at(order.dest)
        if -1 in phases:
            eng.maybe_stop()


def release(
    eng: Engine, order: ConvoyOrder, vehicles: list[VehicleLoad], rec: ConvoyRecord, at: int | None = None
) -> None:
    """Vehicles become idle at the destination (or ``at``); their busy time is recorded."""
    w = eng.world
    site = order.dest if at is None else at
    for v in vehicles:
        w.idle[site][v.fleet] += 1
        eng.fleet_out[v.fleet] -= 1
        eng.fleet_usage[v.fleet].add(rec.formed_h, eng.env.now)
    eng.request_plan()


def straggler(eng: Engine, order: ConvoyOrder, v: VehicleLoad, rec: ConvoyRecord) -> Proc:
    """A vehicle left behind for repair follows alone and unloads on arrival.

    It broke down somewhere on the way, was repaired, and drove the rest at the convoy's
    pace, so it arrives its repair time after the convoy.
    """
    yield eng.env.timeout(eng.left_behind.pop(id(v)))
    yield from unload(eng, order, [v])
    release(eng, order, [v], rec)


def turn_back(
    eng: Engine,
    order: ConvoyOrder,
    rec: ConvoyRecord,
    drive: float,
    escort: simpy.resources.resource.Request | None,
) -> Proc:
    """The convoy is back at its origin: its cargo is unloaded there, to go again."""
    env, w = eng.env, eng.world
    rec.arrive_h = env.now
    rec.turned_back = True
    eng.turn_backs += 1
    if escort is not None and eng.escorts is not None:
        eng.escorts.usage.add(rec.depart_h or env.now, env.now)
        eng.escorts.resource.release(escort)
    if order.loaded:
        for v in order.vehicles:
            assert v.line is not None
            w.turn_back(env.now, v.line, v.cls, v.units)
    else:
        for v in order.vehicles:
            w.claims[order.dest][v.cls] -= v.units
    release(eng, order, order.vehicles, rec, at=order.origin)
    rec.unloaded_h = env.now
    yield env.timeout(0)
