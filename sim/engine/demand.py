"""Demand: what could be put on a convoy where, now — cached per site, kept current.

The dispatcher asks at every plan what cargo is loadable at each site (and, for empty
vehicles, which sites want road lift at all). Recomputing that for every site at every plan
made a plan's cost grow with the number of sites. Instead the answer is cached per site and
dropped only when the site is *touched*: the world calls :meth:`Demand.touch` from every
method that changes stock, loading, disposal, claims or a line at that site, and touches
every site when a pause begins or ends. An answer that depends on a pause in force is kept
only until that pause runs out.

:meth:`Demand.road_wanting` keeps the set of sites that want road lift, each with the classes
waiting there, by looking only at the sites touched since it was last asked.

With an order of service (:mod:`sim.engine.ordering`), it also keeps those sites grouped in
*tiers* (:meth:`Demand.ranked`), again recomputing only the sites touched.

This module knows nothing of the world's layout: the world hands it the function that
computes one site's answer, the function that says whether a class may go by a mode and, with
an order of service, the function that puts a site's cargo in tiers.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

Loadable = list[tuple[Any, int, int]]
"""``(line, class, units)`` triples, the site's lines in order of service (the order they
were opened, unless priorities or ``convoy.dispatch`` rank them: :mod:`sim.engine.ordering`)."""

Key = tuple[float, ...]
Tiers = Callable[[Loadable, Loadable], dict[Key, frozenset[int]]]
"""A site's loadable cargo and its road part → each tier's key with the road classes waiting."""


@dataclass(eq=False)
class Tier:
    """One tier of the order of service: the sites with road cargo in it, each with the classes
    waiting there, and for each class how many of those sites want it."""

    key: Key
    sites: dict[int, frozenset[int]] = field(default_factory=dict)
    classes: dict[int, int] = field(default_factory=dict)

    def add(self, site: int, classes: frozenset[int]) -> None:
        """``site`` has cargo of ``classes`` in this tier."""
        self.sites[site] = classes
        for c in classes:
            self.classes[c] = self.classes.get(c, 0) + 1

    def remove(self, site: int) -> None:
        """``site`` has no more cargo in this tier."""
        for c in self.sites.pop(site):
            n = self.classes[c] - 1
            if n:
                self.classes[c] = n
            else:
                del self.classes[c]


class Demand:
    """The loadable-cargo cache of one run."""

    def __init__(
        self,
        sites: int,
        classes: int,
        compute: Callable[[int, float], tuple[Loadable, float]],
        allows: Callable[[Any, int, str], bool],
        tiers: Tiers | None = None,
    ) -> None:
        self._compute = compute
        self._allows = allows
        self._tiers_of = tiers
        self._site_keys: dict[int, tuple[Key, ...]] = {}
        self._tiers: dict[Key, Tier] = {}
        self._ranked: list[Tier] | None = []
        self._cache: list[tuple[float, Loadable, dict[str, Loadable]] | None] = [None] * sites
        self._dirty: set[int] = set(range(sites))
        self._wanting: dict[int, frozenset[int]] = {}
        self._expiry: list[tuple[float, int]] = []
        self.wanted = [0] * classes
        """How many sites want road lift for each class (as of the last :meth:`road_wanting`)."""

    def touch(self, *sites: int) -> None:
        """The state of these sites changed: forget what was known about them."""
        for site in sites:
            self._cache[site] = None
            self._dirty.add(site)

    def loadable(self, site: int, now: float) -> Loadable:
        """What could be loaded at ``site`` now (cached)."""
        hit = self._cache[site]
        if hit is not None and now < hit[0]:
            return hit[1]
        out, valid = self._compute(site, now)
        self._cache[site] = (valid, out, {})
        return out

    def by_mode(self, site: int, mode: str, now: float) -> Loadable:
        """:meth:`loadable`, only the cargo that may travel by ``mode`` (cached alike)."""
        out = self.loadable(site, now)
        if not out:
            return out
        hit = self._cache[site]
        assert hit is not None
        modes = hit[2]
        if mode not in modes:
            modes[mode] = [(line, c, u) for line, c, u in out if self._allows(line, c, mode)]
        return modes[mode]

    def road_wanting(self, now: float, active: Callable[[int], bool]) -> dict[int, frozenset[int]]:
        """Sites with cargo that road vehicles could load now, each with the classes waiting.

        Only sites touched since the last call, or whose pause has run out, are looked at;
        ``active(site)`` says whether a site has any open line at all.
        """
        expiry = self._expiry
        while expiry and expiry[0][0] <= now:
            self._dirty.add(heapq.heappop(expiry)[1])
        wanting, wanted = self._wanting, self.wanted
        for site in self._dirty:
            for c in wanting.pop(site, ()):
                wanted[c] -= 1
            demand = self.by_mode(site, "road", now) if active(site) else []
            if demand:
                classes = wanting[site] = frozenset(c for _line, c, _u in demand)
                for c in classes:
                    wanted[c] += 1
            if self._tiers_of is not None:
                self._retier(site, self.loadable(site, now) if demand else [], demand)
            hit = self._cache[site]
            if hit is not None and not math.isinf(hit[0]):
                heapq.heappush(expiry, (hit[0], site))
        self._dirty.clear()
        return wanting

    def ranked(self, now: float, active: Callable[[int], bool]) -> list[Tier]:
        """The sites wanting road lift in tiers, first served first.

        Needs the ``tiers`` function; refreshes as :meth:`road_wanting` does. The tiers are
        the cache's own: read them before the next call, never change them.
        """
        self.road_wanting(now, active)
        if self._ranked is None:
            self._ranked = sorted(self._tiers.values(), key=lambda t: t.key)
        return self._ranked

    def _retier(self, site: int, loadable: Loadable, road: Loadable) -> None:
        tiers = self._tiers
        for key in self._site_keys.pop(site, ()):
            tier = tiers[key]
            tier.remove(site)
            if not tier.sites:
                del tiers[key]
                self._ranked = None
        if road and self._tiers_of is not None:
            groups = self._tiers_of(loadable, road)
            self._site_keys[site] = tuple(groups)
            for key, classes in groups.items():
                if key not in tiers:
                    tiers[key] = Tier(key)
                    self._ranked = None
                tiers[key].add(site, classes)
