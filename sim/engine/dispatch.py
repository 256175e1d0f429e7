"""Dispatch: which idle vehicles and aircraft load what, and where empty ones go.

The model calls :func:`plan` once at the end of every simulated instant in which something
changed (a convoy arrived, a phase opened, cargo became free, an event fired). Deciding once
per instant, after every same-time event has been applied, means that vehicles arriving
together form one convoy, and that the outcome never depends on the order SimPy happened to
process simultaneous events.

The rules (``docs/model.md`` states them for users):

0. **Order of service.** Cargo is served in tiers (:mod:`sim.engine.ordering`): the moves'
   ``priority`` first, then ``convoy.dispatch``. Each tier in turn goes through steps 1-3
   with the vehicles still idle, and forms its own convoys. With ``nearest`` and every
   priority 0 there is one tier, holding all the cargo.
1. **Air first, where it clears cargo sooner.** For cargo whose mode allows air (the move's
   ``mode``, else the class's), idle aircraft are considered soonest-arrival first. A sortie
   is flown when the cargo must go by air, or when its estimated arrival (fly in if needed,
   wait for a departure slot, load, fly, unload) is no later than the best road estimate
   (the nearest idle road vehicle's drive in, load, drive, unload). One class per sortie.
   A self-propelled class flies only when its mode (the move's, else the class's) is ``air``.
1b. **Self-propelled units leave** (:mod:`sim.engine.self_propelled`): at each site with
   loadable units of a self-propelled class, in declared order, they form their own convoys
   with riders of their line. Such a class is never put on trucks (steps 2 and 3).
2. **Load where you stand.** At each site, in declared order, idle road vehicles take the
   cargo waiting there: classes in declared order with personnel last, each class given to
   the fleets that carry the fewest classes first (specialists before generalists), then the
   largest capacity. A vehicle carries one class, up to its capacity and up to the weight
   the crossings on some route to the destination allow. No more vehicles are used than the
   cargo needs. Vehicles are grouped by destination and by the route their weight allows,
   then split into convoys of at most ``convoy.max_vehicles``.
3. **Drive empty to the nearest cargo.** Cargo still untaken pulls idle road vehicles from
   other sites, nearest pair (by road km) first. Each empty vehicle or aircraft *claims* the
   cargo it will fetch, so no two go for the same units.

Everything here is plain Python on :class:`~sim.engine.world.World`; no simulated time
passes. Vehicles are handled in **groups**: one :class:`VehicleLoad` stands for ``count``
vehicles of one fleet carrying the same units of one class for one line, so the cost of a
plan grows with the number of distinct loads, not with the number of trucks.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable, Iterator
from typing import Any, Protocol

from ..scenario.distributions import central
from ..scenario.network import Network
from .lines import FleetSpec, Line
from .orders import ConvoyOrder, VehicleLoad
from .resources import Resources
from .self_propelled import drive_off
from .tiers import SMALL_TIER, air_idle, carried, in_order, nearest_pairs
from .world import World

Admit = Callable[[Line], bool] | None
"""Which lines' cargo a step may serve (one tier's); None: all."""


class Theatre(Protocol):
    """What dispatch needs to know beyond the world's state (the engine provides it)."""

    network: Network
    resources: Resources

    @property
    def now(self) -> float: ...

    def flight_hours(self, fleet: FleetSpec, a: int, b: int) -> float | None: ...

    def slot_wait(self, site: int) -> float: ...


def allows(world: World, line: Line, cls: int, mode: str) -> bool:
    """Whether ``cls`` on ``line`` may travel by ``mode`` (the move's mode, else the class's)."""
    return world.allows(line, cls, mode)


def road_units(world: World, net: Network, fleet: FleetSpec, cls: int, o: int, d: int) -> int:
    """Most units of ``cls`` one vehicle may carry from o to d under the weight limits."""
    key = (fleet.index, cls, o, d)
    cache = world.weight_cache
    if key not in cache:
        units = fleet.cap[cls]
        while units > 0 and not net.reachable(
            world.sites[o], world.sites[d], net.too_weak(fleet.tare + units * world.tons[cls])
        ):
            units -= 1
        cache[key] = units
    return cache[key]


def _take(
    world: World,
    net: Network,
    pool: int,
    line: Line | None,
    cls: int,
    need: int,
    dest: int,
    out: list[VehicleLoad],
) -> int:
    """Give ``need`` units of ``cls`` to idle road vehicles at ``pool``; return units given."""
    given = 0
    origin = line.origin if line is not None else pool
    for fleet in world.carriers[cls]:
        avail = world.idle[pool][fleet.index]
        cap = road_units(world, net, fleet, cls, origin, dest)
        if avail == 0 or cap == 0:
            continue
        n = min(avail, -(-(need - given) // cap))
        units = min(need - given, n * cap)
        world.take_vehicles(pool, fleet.index, n)
        full, part = divmod(units, cap)
        if full:
            out.append(VehicleLoad(fleet.index, line, cls, cap, full))
        if part:
            out.append(VehicleLoad(fleet.index, line, cls, part))
        given += units
        if given >= need:
            break
    return given


def _chunks(groups: list[VehicleLoad], size: int | None) -> Iterator[list[VehicleLoad]]:
    """Consecutive convoys of at most ``size`` vehicles, splitting a group where needed."""
    if not size:
        yield groups
        return
    chunk: list[VehicleLoad] = []
    room = size
    for g in groups:
        left = g.count
        while left:
            n = min(left, room)
            chunk.append(g if n == g.count else VehicleLoad(g.fleet, g.line, g.cls, g.units, n))
            left -= n
            room -= n
            if room == 0:
                yield chunk
                chunk, room = [], size
    if chunk:
        yield chunk


def _gross(world: World, v: VehicleLoad) -> float:
    return world.fleets[v.fleet].tare + (v.units * world.tons[v.cls] if v.line is not None else 0.0)


def _convoys(
    world: World,
    net: Network,
    origin: int,
    dest: int,
    loaded: bool,
    vehicles: list[VehicleLoad],
    max_vehicles: int | None,
) -> list[ConvoyOrder]:
    # Vehicles whose weight allows the same path travel together; the convoy avoids every
    # crossing too weak for any of its vehicles (their common path already does).
    by_path: dict[tuple[int, ...], tuple[frozenset[str], list[VehicleLoad]]] = {}
    a, b = world.sites[origin], world.sites[dest]
    for v in vehicles:
        avoid = net.too_weak(_gross(world, v))
        legs = net.path(a, b, avoid) or ()
        key = tuple(leg.route for leg in legs)
        known, group = by_path.setdefault(key, (frozenset(), []))
        group.append(v)
        if not avoid <= known:
            by_path[key] = (known | avoid, group)
    return [
        ConvoyOrder(origin, dest, loaded, chunk, "road", avoid)
        for avoid, group in by_path.values()
        for chunk in _chunks(group, max_vehicles)
    ]


def _road_eta(world: World, th: Theatre, site: int, line: Line, cls: int) -> float:
    best = math.inf
    names = world.sites
    duty = th.resources.duty
    for fleet in world.carriers[cls]:
        spec = fleet.spec
        speed = central(spec.speed_kmh)
        leg = th.network.km(names[site], names[line.dest])
        for pool in range(len(names)):
            if world.idle[pool][fleet.index] == 0:
                continue
            reach = th.network.km(names[pool], names[site])
            eta = (reach + leg) / speed + central(spec.load_hours) + central(spec.unload_hours)
            if duty is not None:  # crew duty: the drives halt where the fleet's duty requires
                hours = (reach / speed, central(spec.load_hours), leg / speed, central(spec.unload_hours))
                late = duty.road_eta(fleet.index, pool, th.now, *hours)
                eta = eta if late is None else late
            best = min(best, eta)
    return best


def _airlift(
    world: World, th: Theatre, sites: list[int] | None = None, admit: Admit = None
) -> list[ConvoyOrder]:
    orders: list[ConvoyOrder] = []
    pools = [
        (p, f)
        for f in world.fleets
        if f.mode == "air"
        for p in range(len(world.sites))
        if world.idle[p][f.index]
    ]
    if not pools:
        return orders
    duty = th.resources.duty
    for site in world.airfields if sites is None else sites:
        for line, cls, units in world.loadable(site, th.now):
            if not allows(world, line, cls, "air") or (admit is not None and not admit(line)):
                continue
            road = math.inf if allows(world, line, cls, "road") is False else None
            options = []
            for p, fleet in pools:
                if fleet.cap[cls] == 0 or world.idle[p][fleet.index] == 0:
                    continue
                reach = 0.0 if p == site else th.flight_hours(fleet, p, site)
                leg = th.flight_hours(fleet, site, line.dest)
                if reach is None or leg is None:
                    continue
                spec = fleet.spec
                eta = reach + th.slot_wait(site) + central(spec.load_hours) + leg + central(spec.unload_hours)
                idle = world.idle[p][fleet.index]
                if duty is None:
                    options.append((eta, p, fleet.index, idle))
                    continue
                # crew duty: aircraft that have flown their sorties today wait for tomorrow
                load = central(spec.load_hours)
                for extra, n in duty.air_groups(p, fleet.index, idle, th.now, p != site, reach, load):
                    options.append((eta + extra, p, fleet.index, n))
            for eta, p, f, n in sorted(options):
                if units <= 0:
                    break
                if road is None:
                    road = _road_eta(world, th, site, line, cls)
                if (line.mode or world.modes[cls]) != "air" and eta > road:
                    break
                fleet = world.fleets[f]
                while units > 0 and world.idle[p][f] > 0 and n > 0:
                    take = min(units, fleet.cap[cls])
                    world.take_vehicles(p, f, 1)
                    units -= take
                    n -= 1
                    if p == site:
                        world.load(line, cls, take)
                        orders.append(
                            ConvoyOrder(site, line.dest, True, [VehicleLoad(f, line, cls, take)], "air")
                        )
                    else:
                        world.claim(site, cls, take)
                        orders.append(ConvoyOrder(p, site, False, [VehicleLoad(f, None, cls, take)], "air"))
    return orders


def _load_here(
    world: World, th: Theatre, site: int, max_vehicles: int | None, admit: Admit = None
) -> list[ConvoyOrder]:
    by_dest: dict[int, list[VehicleLoad]] = {}
    for line, cls, units in world.loadable(site, th.now):
        if not allows(world, line, cls, "road") or (admit is not None and not admit(line)):
            continue
        given = _take(world, th.network, site, line, cls, units, line.dest, by_dest.setdefault(line.dest, []))
        if given:
            world.load(line, cls, given)
    return [
        order
        for dest, vehicles in by_dest.items()
        if vehicles
        for order in _convoys(world, th.network, site, dest, True, vehicles, max_vehicles)
    ]


def _nearest_wanting(
    world: World, net: Network, pool: int, wanting: dict[int, frozenset[int]], alive: dict[int, bool]
) -> Iterator[tuple[float, int, int]]:
    """``(km, pool, site)`` for every site that wants cargo, nearest to ``pool`` first; stops
    once ``alive[pool]`` turns false (the pool cannot serve any class still wanted)."""
    index = world.site_index
    for km, sid in net.by_distance(world.sites[pool]):
        if not alive[pool]:
            return
        s = index[sid]
        if s in wanting:
            yield km, pool, s


def _reposition(
    world: World,
    th: Theatre,
    max_vehicles: int | None,
    tier: dict[int, frozenset[int]] | None = None,
    admit: Admit = None,
    classes: frozenset[int] = frozenset(),
) -> list[ConvoyOrder]:
    """Step 3 for all cargo, or for one ``tier`` (``admit`` its lines, ``classes`` its classes)."""
    pools = sorted(world.road_pools)
    if not pools:
        return []
    wanting = world.road_wanting(th.now) if tier is None else tier
    if not wanting:
        return []
    live = [c for c, n in enumerate(world.demand.wanted) if n] if tier is None else sorted(classes)
    alive = {p: any(world.idle_for[p][c] for c in live) for p in pools}
    net = th.network
    if tier is not None and len(tier) * SMALL_TIER <= len(world.sites):
        pairs = nearest_pairs(world, net, pools, wanting, alive)
    else:
        pairs = heapq.merge(*(_nearest_wanting(world, net, p, wanting, alive) for p in pools if alive[p]))
    demand: dict[int, list[list[Any]]] = {}
    orders = []
    for _km, p, s in pairs:
        idle_for = world.idle_for[p]
        if not any(idle_for[c] for c in wanting[s]):
            continue  # nothing idle here can carry what this site still has
        if s not in demand:
            demand[s] = [
                [line, c, u]
                for line, c, u in world.loadable_by(s, "road", th.now)
                if admit is None or admit(line)
            ]
        vehicles: list[VehicleLoad] = []
        for want in demand[s]:
            line, cls, units = want
            if units <= 0 or not idle_for[cls]:
                continue
            start = len(vehicles)
            given = _take(world, net, p, line, cls, units, line.dest, vehicles)
            for v in vehicles[start:]:
                v.line = None  # driving empty; the claim is on (site, class)
            want[2] = units - given
            if given:
                world.claim(s, cls, given)
        if vehicles:
            orders.extend(_convoys(world, net, p, s, False, vehicles, max_vehicles))
            alive[p] = any(idle_for[c] for c in live)
    return orders


def plan(world: World, th: Theatre, max_vehicles: int | None) -> list[ConvoyOrder]:
    """All convoys and sorties to start now: air, then loading convoys, then empty moves
    (tier by tier, when there is an order of service)."""
    if not world.order.uniform:
        return _by_tier(world, th, max_vehicles)
    orders = _airlift(world, th)
    if world.drivers:
        wanting = world.road_wanting(th.now)
        for site in sorted(s for s, cs in wanting.items() if not cs.isdisjoint(world.drivers)):
            orders.extend(drive_off(world, th.network, th.now, site, max_vehicles))
    for site in sorted(s for s in world.road_pools if world.active_at[s]):
        orders.extend(_load_here(world, th, site, max_vehicles))
    orders.extend(_reposition(world, th, max_vehicles))
    return orders


def _by_tier(world: World, th: Theatre, max_vehicles: int | None) -> list[ConvoyOrder]:
    """The steps for each tier in turn, first served first, while anything is idle (or
    some class is self-propelled)."""
    flying, able = air_idle(world), carried(world)
    orders: list[ConvoyOrder] = []
    for key, tier, airfields in in_order(world, th.now, flying):
        if not flying and not able and not world.drivers:
            break
        if flying and airfields:
            orders.extend(_airlift(world, th, airfields, world.order.admits(key)))
            flying = air_idle(world)
        if tier is not None and not world.drivers.isdisjoint(tier.classes):
            admit = world.order.admits(key)
            for site in sorted(s for s, cs in tier.sites.items() if not cs.isdisjoint(world.drivers)):
                orders.extend(drive_off(world, th.network, th.now, site, max_vehicles, admit))
        if tier is None or able.isdisjoint(tier.classes):
            continue  # no idle road vehicle can carry what this tier has
        admit = world.order.admits(key)
        for site in sorted(s for s in tier.sites if s in world.road_pools):
            orders.extend(_load_here(world, th, site, max_vehicles, admit))
        orders.extend(_reposition(world, th, max_vehicles, tier.sites, admit, frozenset(tier.classes)))
        able = carried(world)
    return orders
