"""Self-propelled units: a cargo class whose units drive themselves out, carrying riders.

A class with ``self_propelled`` (``docs/model.md``, "Self-propelled units") is never put on
trucks. In each dispatch, after the airlift and before "load where you stand", its loadable
units at a site leave as convoys of their own (:func:`drive_off`): one line and one class per
convoy, at most ``convoy.max_vehicles`` units each, on the shortest path whose crossings bear
the class's ``short_tons``. Each unit seats ``seats`` people of the same line, taken from the
people that line may take from the site now (``min_personnel`` and ``keep`` hold).

The convoy (:func:`steps`) uses no loading or unloading teams and takes no loading or
unloading time. It waits out pauses, takes an escort team as any loaded road convoy does,
drives at the class's ``speed_kmh`` under its own ``duty`` (:mod:`sim.engine.duty`; each
journey starts with a full day's allowance), through crossings and disruptions
(:func:`sim.engine.convoys.travel`), without breakdowns. Units and riders arrive together
when it reaches the destination; the units stay there as cargo.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Generator
from typing import Any, Protocol

import simpy

from ..scenario.network import Network
from ..scenario.schema import Duty
from .duty import ConvoyDuty, Crew, Window, day_of
from .lines import Line
from .orders import ConvoyOrder, VehicleLoad
from .resources import Resources
from .runlog import RunLog
from .streams import Streams
from .world import World

Proc = Generator[simpy.Event, Any, Any]
Travel = Callable[..., Generator[simpy.Event, Any, tuple[float, list[VehicleLoad], list[VehicleLoad], bool]]]
""":func:`sim.engine.convoys.travel`, passed in (convoys imports this module)."""


class Driving(Protocol):
    """What a self-propelled convoy needs from the run (the engine provides it)."""

    env: simpy.Environment
    world: World
    streams: Streams
    resources: Resources
    log: RunLog
    phase_ids: list[str]
    pause_changed: simpy.Event

    def check_phase(self, i: int) -> None: ...

    def maybe_stop(self) -> None: ...

    def request_plan(self) -> None: ...


def _route(world: World, net: Network, cls: int, origin: int, dest: int) -> frozenset[str] | None:
    """Crossings too weak for one unit of ``cls``; None when they leave it no road (cached)."""
    key = (-1, cls, origin, dest)
    cache = world.weight_cache
    avoid = net.too_weak(world.tons[cls])
    if key not in cache:
        cache[key] = int(net.reachable(world.sites[origin], world.sites[dest], avoid))
    return avoid if cache[key] else None


def drive_off(
    world: World,
    net: Network,
    now: float,
    site: int,
    max_vehicles: int | None,
    admit: Callable[[Line], bool] | None = None,
) -> list[ConvoyOrder]:
    """The convoys of self-propelled units leaving ``site`` now (of ``admit``'s lines only,
    if given), with their riders; their units and riders are loaded (reserved) at once."""
    cargo = world.loadable(site, now)
    p = world.personnel
    seated = {line.index: n for line, c, n in cargo if c == p and world.allows(line, c, "road")}
    orders = []
    for line, cls, units in cargo:
        spec = world.drives[cls]
        if spec is None or not world.allows(line, cls, "road") or (admit is not None and not admit(line)):
            continue
        avoid = _route(world, net, cls, site, line.dest)
        if avoid is None:
            continue
        world.load(line, cls, units)
        size = max_vehicles or units
        for start in range(0, units, size):
            n = min(size, units - start)
            riders = min(spec.seats * n, seated.get(line.index, 0))
            if riders:
                world.load(line, p, riders)
                seated[line.index] -= riders
            group = [VehicleLoad(-1, line, cls, 1, n)]
            orders.append(ConvoyOrder(site, line.dest, True, group, "road", avoid, riders, cls))
    return orders


def speed(world: World, streams: Streams, cls: int) -> float:
    """This convoy's pace: the class's ``speed_kmh``, drawn on its own stream (adding a
    self-propelled class leaves the fleets' speed draws as they were)."""
    spec = world.drives[cls]
    assert spec is not None
    return streams.draw(spec.speed_kmh, "self_propelled_speed", world.classes[cls])


def clock(world: World, cls: int, units: int, now: float) -> ConvoyDuty | None:
    """The duty clock of ``units`` self-propelled units of ``cls`` leaving at ``now``, each with
    its whole allowance for the day; None when the class has no ``duty``."""
    spec = world.drives[cls]
    duty = None if spec is None else spec.duty
    if duty is None:
        return None
    window = None if duty.window is None else Window(Duty.day_hours(duty.window))
    hours = duty.hours_per_day
    crews = [] if hours is None else [Crew(-1, hours, day_of(now), 0.0, units)]
    return ConvoyDuty(window, crews)


def _cargo(order: ConvoyOrder, personnel: int) -> list[tuple[Line, int, int]]:
    """``(line, class, units)`` a self-propelled convoy carries: its units, then its riders."""
    v = order.vehicles[0]
    assert v.line is not None
    out = [(v.line, v.cls, v.count)]
    return [*out, (v.line, personnel, order.riders)] if order.riders else out


def steps(run: Driving, order: ConvoyOrder, travel: Travel) -> Proc:
    """The process of one self-propelled convoy, from forming to arrival."""
    env, w = run.env, run.world
    rec = run.log.open_record(w, order, run.phase_ids, env.now)
    cargo = _cargo(order, w.personnel)
    phase = cargo[0][0].phase
    while w.paused(order.origin, phase, env.now):
        yield env.any_of([run.pause_changed, env.timeout(w.pause_left(order.origin, {phase}, env.now))])
    escorts = run.resources.escorts
    escort = None
    if escorts is not None:
        asked = env.now
        escort = escorts.resource.request()
        yield escort
        escorts.wait_hours += env.now - asked
        rec.escort_wait_h = env.now - asked
    duty = clock(w, cargo[0][1], order.size, env.now)
    if duty is not None:
        ready = duty.ready(env.now)
        if math.isinf(ready):
            yield env.event()  # never allowed to drive: it stays until the horizon
        yield env.timeout(ready - env.now)
    for line, cls, units in cargo:
        w.depart(env.now, line, cls, units)
    run.request_plan()
    rec.depart_h = env.now
    drive, _main, _left, turned = yield from travel(run, order, duty, rec)
    if duty is not None:
        rec.halts, rec.halted_h = duty.halts, duty.halted_h
    rec.arrive_h = env.now
    if escort is not None and escorts is not None:
        if turned:
            escorts.usage.add(rec.depart_h, env.now)
            escorts.resource.release(escort)
        else:
            env.process(escorts.release_after(escort, rec.depart_h, drive))
    if turned:  # back at the origin, to leave again
        rec.turned_back = True
        run.log.turn_backs += 1
        for line, cls, units in cargo:
            w.turn_back(env.now, line, cls, units)
    else:
        for line, cls, units in cargo:
            w.arrive(env.now, line, cls, units, "road")
        run.check_phase(phase)
        if phase < 0:
            run.maybe_stop()
    run.request_plan()
    rec.unloaded_h = env.now
