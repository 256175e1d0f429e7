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

This module knows nothing of the world's layout: the world hands it the function that
computes one site's answer and the function that says whether a class may go by a mode.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable
from typing import Any

Loadable = list[tuple[Any, int, int]]
"""``(line, class, units)`` triples, in the order the site's lines were opened."""


class Demand:
    """The loadable-cargo cache of one run."""

    def __init__(
        self,
        sites: int,
        classes: int,
        compute: Callable[[int, float], tuple[Loadable, float]],
        allows: Callable[[Any, int, str], bool],
    ) -> None:
        self._compute = compute
        self._allows = allows
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
            hit = self._cache[site]
            if hit is not None and not math.isinf(hit[0]):
                heapq.heappush(expiry, (hit[0], site))
        self._dirty.clear()
        return wanting
