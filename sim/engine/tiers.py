"""The tiers of one dispatch: the cargo waiting, in order of service, and what can serve it.

With an order of service (:mod:`sim.engine.ordering`), :func:`sim.engine.dispatch.plan` serves
cargo tier by tier. This module lists one dispatch's tiers: the road tiers the loadable-cargo
cache keeps (:meth:`sim.engine.demand.Demand.ranked`), merged with the tiers of the air cargo
waiting at airfields when an aircraft is idle. It also answers what the dispatcher asks
between tiers: which classes idle road vehicles can still carry, whether an aircraft is idle,
and, for a tier of few sites, every (vehicle site, cargo site) pair nearest first.

All of it reads the world; nothing here changes it.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

from ..scenario.network import Network
from .demand import Tier
from .ordering import Key
from .world import World

SMALL_TIER = 4
"""A tier with at most one site in this many is paired with vehicles by listing every pair
(:func:`nearest_pairs`); a larger one by the lazy nearest-first walk. Both give the same pairs."""


def in_order(world: World, now: float, flying: bool) -> list[tuple[Key, Tier | None, list[int]]]:
    """Every tier with cargo now, first served first: ``(key, road tier or None, airfields
    with air cargo in it)``; air cargo is looked at only if ``flying`` (an aircraft is idle)."""
    road = world.demand.ranked(now, lambda site: bool(world.active_at[site]))
    air: dict[Key, list[int]] = {}
    if flying:
        for site in world.airfields:
            cargo = world.loadable(site, now)
            key = world.order.keyer(cargo)
            for k in {key(line) for line, c, _u in cargo if world.allows(line, c, "air")}:
                air.setdefault(k, []).append(site)
    if not air:
        return [(t.key, t, []) for t in road]
    by_key = {t.key: t for t in road}
    return [(k, by_key.get(k), air.get(k, [])) for k in sorted(by_key.keys() | air.keys())]


def carried(world: World) -> set[int]:
    """Classes that some idle road vehicle can carry."""
    return {c for p in world.road_pools for c, n in enumerate(world.idle_for[p]) if n}


def air_idle(world: World) -> bool:
    """Whether any aircraft is idle."""
    sites = range(len(world.sites))
    return any(world.idle[p][f.index] for f in world.fleets if f.mode == "air" for p in sites)


def nearest_pairs(
    world: World, net: Network, pools: list[int], wanting: dict[int, frozenset[int]], alive: dict[int, bool]
) -> Iterator[tuple[float, int, int]]:
    """``(km, pool, site)`` for every pool that is alive and every site of a tier, nearest
    first (ties: declared order of the pool, then of the site), a site never paired with
    itself, unreachable pairs left out: the lazy walk's pairs in its order, listed at once."""
    names = world.sites
    found = []
    for p in pools:
        if alive[p]:
            for s in wanting:
                km = net.km(names[p], names[s])
                if s != p and math.isfinite(km):
                    found.append((km, p, s))
    return iter(sorted(found))
