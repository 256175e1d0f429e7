"""The road network: sites joined by routes, and the shortest way between them.

Routes are usable in both directions. Vehicles always take the shortest path in km over the
routes (several routes may chain through intermediate sites). A route may pass through
named crossings; a crossing with a weight limit closes every route through it to vehicles
heavier than the limit (gross: empty weight plus load), which then take the shortest route
that admits them, or none.

Paths are found with Dijkstra's algorithm on a heap, written out here because it is a few
lines and the general graph library it replaced cost more to import than every path of a
run costs to compute. Its tie-breaks are fixed and documented: among paths of equal length
the first one found wins, neighbours are visited in the order their first route is
declared, and between parallel routes the shorter (then the first declared) is taken.

A network depends only on its scenario, so :meth:`Network.of` keeps one per scenario and
every replication shares its cached paths, distances and orderings.

Aircraft do not use this network: they fly great-circle distances (:func:`great_circle_km`)
or the times given in ``air_routes``.
"""

from __future__ import annotations

import heapq
import itertools
import math
from collections import OrderedDict
from dataclasses import dataclass, field

from .schema import RouteCrossing, Scenario

EARTH_KM = 6371.0
CACHED_NETWORKS = 8
"""How many scenarios' networks :meth:`Network.of` keeps (a sweep holds one per point)."""


@dataclass(frozen=True)
class Leg:
    """One route travelled in one direction, with its crossings as (id, km from leg start)."""

    route: int
    origin: str
    dest: str
    km: float
    crossings: tuple[tuple[str, float], ...] = ()


@dataclass(frozen=True)
class Edge:
    """One route as seen from one of its ends."""

    route: int
    km: float
    crossings: frozenset[str]


def great_circle_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Haversine distance in km."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_KM * math.asin(math.sqrt(a))


def crossing_points(scenario: Scenario, route: int) -> list[tuple[str, float]]:
    """The crossings of a route as (id, km from its ``from`` end); default: the midpoint."""
    r = scenario.routes[route]
    out = []
    for item in r.crossings:
        cid, at = (item.id, item.at_km) if isinstance(item, RouteCrossing) else (item, None)
        out.append((cid, r.km / 2.0 if at is None else min(at, r.km)))
    return out


_NETWORKS: OrderedDict[int, tuple[Scenario, Network]] = OrderedDict()


@dataclass
class Network:
    """Shortest paths between sites over the scenario's routes."""

    scenario: Scenario
    adjacency: dict[str, dict[str, list[Edge]]]
    _paths: dict[tuple[str, str, frozenset[str]], tuple[Leg, ...] | None] = field(default_factory=dict)
    _weak: dict[float, frozenset[str]] = field(default_factory=dict)
    _nearest: dict[str, list[tuple[float, str]]] = field(default_factory=dict)
    _parts: dict[frozenset[str], dict[str, int]] = field(default_factory=dict)

    @classmethod
    def from_scenario(cls, scenario: Scenario) -> Network:
        """Build the network of a validated scenario."""
        adjacency: dict[str, dict[str, list[Edge]]] = {sid: {} for sid in scenario.sites}
        for i, r in enumerate(scenario.routes):
            edge = Edge(i, float(r.km), frozenset(cid for cid, _ in crossing_points(scenario, i)))
            adjacency.setdefault(r.from_, {}).setdefault(r.to, []).append(edge)
            if r.to != r.from_:
                adjacency.setdefault(r.to, {}).setdefault(r.from_, []).append(edge)
        return cls(scenario=scenario, adjacency=adjacency)

    @classmethod
    def of(cls, scenario: Scenario) -> Network:
        """The shared network of ``scenario`` (built once, then reused by every replication)."""
        key = id(scenario)
        hit = _NETWORKS.get(key)
        if hit is not None and hit[0] is scenario:
            _NETWORKS.move_to_end(key)
            return hit[1]
        net = cls.from_scenario(scenario)
        _NETWORKS[key] = (scenario, net)
        while len(_NETWORKS) > CACHED_NETWORKS:
            _NETWORKS.popitem(last=False)
        return net

    def too_weak(self, gross_tons: float) -> frozenset[str]:
        """Crossings whose weight limit a vehicle of ``gross_tons`` exceeds."""
        hit = self._weak.get(gross_tons)
        if hit is None:
            hit = self._weak[gross_tons] = frozenset(
                cid
                for cid, c in self.scenario.crossings.items()
                if c.max_short_tons is not None and gross_tons > c.max_short_tons
            )
        return hit

    def path(self, origin: str, dest: str, avoid: frozenset[str] = frozenset()) -> tuple[Leg, ...] | None:
        """Legs of the shortest path avoiding ``avoid`` crossings; ``()`` if origin is dest,
        ``None`` if there is no such path."""
        key = (origin, dest, avoid)
        try:
            return self._paths[key]
        except KeyError:
            legs = self._paths[key] = self._shortest(origin, dest, avoid)
            return legs

    def km(self, origin: str, dest: str, avoid: frozenset[str] = frozenset()) -> float:
        """Shortest distance in km (``inf`` if there is no path)."""
        legs = self.path(origin, dest, avoid)
        return math.inf if legs is None else sum(leg.km for leg in legs)

    def reachable(self, origin: str, dest: str, avoid: frozenset[str] = frozenset()) -> bool:
        """Whether any chain of routes (avoiding ``avoid`` crossings) joins the two sites.

        Answered from the connected components of the network without ``avoid`` (found once
        per avoided set, in time linear in sites and routes), not by a search per pair: the
        validation of a scenario with thousands of moves stays near-linear (issue #14).
        """
        if origin == dest:
            return True
        part = self._parts.get(avoid)
        if part is None:
            part = self._parts[avoid] = self._components(avoid)
        return origin in part and part[origin] == part.get(dest)

    def _components(self, avoid: frozenset[str]) -> dict[str, int]:
        """Each site's connected component over the routes usable without ``avoid``."""
        part: dict[str, int] = {}
        for start in self.adjacency:
            if start in part:
                continue
            label = part[start] = len(part)
            stack = [start]
            while stack:
                v = stack.pop()
                for u, edges in self.adjacency[v].items():
                    if u not in part and self._usable(edges, avoid) is not None:
                        part[u] = label
                        stack.append(u)
        return part

    def by_distance(self, origin: str) -> list[tuple[float, str]]:
        """Every other site reachable from ``origin`` as ``(km, site)``, nearest first.

        Equal distances keep the scenario's declared order of sites.
        """
        hit = self._nearest.get(origin)
        if hit is None:
            order = {sid: i for i, sid in enumerate(self.scenario.sites)}
            far = [(self.km(origin, sid), order[sid], sid) for sid in self.scenario.sites if sid != origin]
            hit = self._nearest[origin] = [(km, sid) for km, _, sid in sorted(far) if math.isfinite(km)]
        return hit

    def _usable(self, edges: list[Edge], avoid: frozenset[str]) -> Edge | None:
        best = None
        for e in edges:
            if not (e.crossings & avoid) and (best is None or (e.km, e.route) < (best.km, best.route)):
                best = e
        return best

    def _shortest(self, origin: str, dest: str, avoid: frozenset[str]) -> tuple[Leg, ...] | None:
        if origin == dest:
            return ()
        if origin not in self.adjacency or dest not in self.adjacency:
            return None
        done: dict[str, float] = {}
        seen = {origin: 0.0}
        paths = {origin: [origin]}
        tick = itertools.count()
        fringe = [(0.0, next(tick), origin)]
        while fringe:
            d, _, v = heapq.heappop(fringe)
            if v in done:
                continue
            done[v] = d
            if v == dest:
                break
            for u, edges in self.adjacency[v].items():
                edge = self._usable(edges, avoid)
                if edge is None or u in done:
                    continue
                vu = d + edge.km
                if u not in seen or vu < seen[u]:
                    seen[u] = vu
                    heapq.heappush(fringe, (vu, next(tick), u))
                    paths[u] = [*paths[v], u]
        if dest not in done:
            return None
        legs = []
        for a, b in itertools.pairwise(paths[dest]):
            edge = self._usable(self.adjacency[a][b], avoid)
            assert edge is not None
            points = crossing_points(self.scenario, edge.route)
            forward = self.scenario.routes[edge.route].from_ == a
            marks = tuple(sorted((cid, at if forward else edge.km - at) for cid, at in points))
            legs.append(
                Leg(
                    route=edge.route,
                    origin=a,
                    dest=b,
                    km=edge.km,
                    crossings=tuple(sorted(marks, key=lambda m: m[1])),
                )
            )
        return tuple(legs)
