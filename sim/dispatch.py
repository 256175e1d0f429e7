"""Dispatch: which idle vehicles load what, and where empty vehicles drive.

The model calls :func:`plan` once at the end of every simulated instant in which something
changed (a convoy arrived, a phase opened, cargo became free). Deciding once per instant,
after every same-time event has been applied, means that vehicles arriving together form one
convoy, and that the outcome never depends on the order SimPy happened to process
simultaneous events.

The rules (``docs/model.md`` states them for users):

1. **Load where you stand.** At each site, in declared order, idle vehicles take the cargo
   waiting there: classes in declared order with personnel last, each class given to the
   fleets that carry the fewest classes first (specialists before generalists), then the
   largest capacity. A vehicle carries one class, up to its capacity, and no more vehicles
   are used than the cargo needs. Vehicles are split into convoys of at most
   ``convoy.max_vehicles``, one destination each.
2. **Drive empty to the nearest cargo.** Cargo still untaken pulls idle vehicles from other
   sites, nearest pair (by road km) first. Each empty vehicle *claims* the cargo it will
   fetch, so no two vehicles drive for the same units.

Everything here is plain Python on :class:`~sim.world.World`; no simulated time passes.
"""

from __future__ import annotations

from dataclasses import dataclass

from .network import Network
from .world import Line, World


@dataclass
class VehicleLoad:
    """One vehicle of a convoy and what it carries (``line`` is None when driving empty)."""

    fleet: int
    line: Line | None
    cls: int
    units: int


@dataclass
class ConvoyOrder:
    """A convoy to form now: loaded at ``origin`` for ``dest``, or empty to fetch cargo."""

    origin: int
    dest: int
    loaded: bool
    vehicles: list[VehicleLoad]


def _take(world: World, pool_site: int, line: Line | None, cls: int, need: int,
          out: list[VehicleLoad]) -> int:
    """Give ``need`` units of ``cls`` to idle vehicles at ``pool_site``; return units given."""
    given = 0
    for fleet in world.carriers[cls]:
        avail = world.idle[pool_site][fleet.index]
        if avail == 0:
            continue
        cap = fleet.cap[cls]
        n = min(avail, -(-(need - given) // cap))
        units = min(need - given, n * cap)
        world.idle[pool_site][fleet.index] -= n
        full, part = divmod(units, cap)
        out.extend(VehicleLoad(fleet.index, line, cls, cap) for _ in range(full))
        if part:
            out.append(VehicleLoad(fleet.index, line, cls, part))
        given += units
        if given >= need:
            break
    return given


def _chunks(vehicles: list[VehicleLoad], size: int | None) -> list[list[VehicleLoad]]:
    if not size:
        return [vehicles]
    return [vehicles[i:i + size] for i in range(0, len(vehicles), size)]


def _load_here(world: World, site: int, max_vehicles: int | None) -> list[ConvoyOrder]:
    by_dest: dict[int, list[VehicleLoad]] = {}
    for line, cls, units in world.loadable(site):
        given = _take(world, site, line, cls, units, by_dest.setdefault(line.dest, []))
        if given:
            world.load(line, cls, given)
    return [ConvoyOrder(site, dest, True, chunk)
            for dest, vehicles in by_dest.items() if vehicles
            for chunk in _chunks(vehicles, max_vehicles)]


def _reposition(world: World, network: Network, max_vehicles: int | None) -> list[ConvoyOrder]:
    wanting = {s: [[line, c, u] for line, c, u in world.loadable(s)] for s in range(len(world.sites))}
    wanting = {s: w for s, w in wanting.items() if w}
    pools = [p for p in range(len(world.sites)) if any(world.idle[p])]
    if not wanting or not pools:
        return []
    names = world.sites
    pairs = sorted(
        (network.km(names[p], names[s]), p, s) for p in pools for s in wanting if p != s
    )
    orders = []
    for km, p, s in pairs:
        if km == float("inf") or not any(world.idle[p]):
            continue
        vehicles: list[VehicleLoad] = []
        for want in wanting[s]:
            _, cls, units = want
            if units <= 0:
                continue
            given = _take(world, p, None, cls, units, vehicles)
            want[2] = units - given
            world.claims[s][cls] += given
        orders.extend(ConvoyOrder(p, s, False, chunk) for chunk in _chunks(vehicles, max_vehicles) if chunk)
    return orders


def plan(world: World, network: Network, max_vehicles: int | None) -> list[ConvoyOrder]:
    """All convoys to start now: loading convoys first (site order), then empty moves."""
    orders: list[ConvoyOrder] = []
    for site in range(len(world.sites)):
        if any(world.idle[site]):
            orders.extend(_load_here(world, site, max_vehicles))
    orders.extend(_reposition(world, network, max_vehicles))
    return orders
