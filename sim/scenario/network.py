"""The road network: sites joined by routes, and the shortest way between them.

Routes are usable in both directions. Vehicles always take the shortest path in km over the
routes (several routes may chain through intermediate sites). A route may pass through
named crossings; a crossing with a weight limit closes every route through it to vehicles
heavier than the limit (gross: empty weight plus load), which then take the shortest route
that admits them, or none. Paths are computed with Dijkstra (networkx) and cached per
(origin, destination, set of crossings too weak for the vehicle).

Aircraft do not use this network: they fly great-circle distances (:func:`great_circle_km`)
or the times given in ``air_routes``.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field

import networkx as nx

from .schema import RouteCrossing, Scenario

EARTH_KM = 6371.0


@dataclass(frozen=True)
class Leg:
    """One route travelled in one direction, with its crossings as (id, km from leg start)."""

    route: int
    origin: str
    dest: str
    km: float
    crossings: tuple[tuple[str, float], ...] = ()


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


@dataclass
class Network:
    """Shortest paths between sites over the scenario's routes."""

    scenario: Scenario
    graph: nx.MultiGraph
    _paths: dict[tuple[str, str, frozenset[str]], tuple[Leg, ...] | None] = field(default_factory=dict)

    @classmethod
    def from_scenario(cls, scenario: Scenario) -> Network:
        """Build the network of a validated scenario."""
        g = nx.MultiGraph()
        g.add_nodes_from(scenario.sites)
        for i, r in enumerate(scenario.routes):
            ids = frozenset(cid for cid, _ in crossing_points(scenario, i))
            g.add_edge(r.from_, r.to, key=i, km=r.km, crossings=ids)
        return cls(scenario=scenario, graph=g)

    def too_weak(self, gross_tons: float) -> frozenset[str]:
        """Crossings whose weight limit a vehicle of ``gross_tons`` exceeds."""
        return frozenset(
            cid
            for cid, c in self.scenario.crossings.items()
            if c.max_short_tons is not None and gross_tons > c.max_short_tons
        )

    def path(self, origin: str, dest: str, avoid: frozenset[str] = frozenset()) -> tuple[Leg, ...] | None:
        """Legs of the shortest path avoiding ``avoid`` crossings; ``()`` if origin is dest,
        ``None`` if there is no such path."""
        key = (origin, dest, avoid)
        if key not in self._paths:
            self._paths[key] = self._shortest(origin, dest, avoid)
        return self._paths[key]

    def km(self, origin: str, dest: str, avoid: frozenset[str] = frozenset()) -> float:
        """Shortest distance in km (``inf`` if there is no path)."""
        legs = self.path(origin, dest, avoid)
        return math.inf if legs is None else sum(leg.km for leg in legs)

    def reachable(self, origin: str, dest: str, avoid: frozenset[str] = frozenset()) -> bool:
        """Whether any chain of routes (avoiding ``avoid`` crossings) joins the two sites."""
        return self.path(origin, dest, avoid) is not None

    def _shortest(self, origin: str, dest: str, avoid: frozenset[str]) -> tuple[Leg, ...] | None:
        if origin == dest:
            return ()

        def weight(a: str, b: str, edges: dict[int, dict[str, object]]) -> float | None:
            ok = [float(e["km"]) for e in edges.values() if not (e["crossings"] & avoid)]  # type: ignore[operator, arg-type]
            return min(ok) if ok else None

        try:
            nodes = nx.dijkstra_path(self.graph, origin, dest, weight=weight)
        except (nx.NetworkXNoPath, nx.NodeNotFound):
            return None
        legs = []
        for a, b in itertools.pairwise(nodes):
            edges = self.graph.get_edge_data(a, b)
            key = min(
                (k for k in edges if not (edges[k]["crossings"] & avoid)), key=lambda k: (edges[k]["km"], k)
            )
            km = float(edges[key]["km"])
            points = crossing_points(self.scenario, key)
            forward = self.scenario.routes[key].from_ == a
            marks = tuple(sorted((cid, at if forward else km - at) for cid, at in points))
            legs.append(
                Leg(route=key, origin=a, dest=b, km=km, crossings=tuple(sorted(marks, key=lambda m: m[1])))
            )
        return tuple(legs)
