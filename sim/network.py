"""The road network: sites joined by routes, and the shortest way between them.

Routes are usable in both directions. Vehicles always take the shortest path in km over the
routes (several routes may chain through intermediate sites). Distances are computed once per
scenario with Dijkstra (networkx) and cached; "nearest first" dispatch and trip times read
them from here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import networkx as nx

from .schema import Scenario


@dataclass(frozen=True)
class Leg:
    """One route travelled in one direction."""

    route: int
    origin: str
    dest: str
    km: float


@dataclass
class Network:
    """Shortest paths between sites over the scenario's routes."""

    graph: nx.MultiGraph
    _paths: dict[tuple[str, str], tuple[Leg, ...] | None] = field(default_factory=dict)

    @classmethod
    def from_scenario(cls, scenario: Scenario) -> Network:
        """Build the network of a validated scenario."""
        g = nx.MultiGraph()
        g.add_nodes_from(scenario.sites)
        for i, r in enumerate(scenario.routes):
            g.add_edge(r.from_, r.to, key=i, km=r.km)
        return cls(graph=g)

    def path(self, origin: str, dest: str) -> tuple[Leg, ...] | None:
        """The legs of the shortest path, ``()`` when origin is dest, ``None`` if unreachable."""
        key = (origin, dest)
        if key not in self._paths:
            self._paths[key] = self._shortest(origin, dest)
        return self._paths[key]

    def km(self, origin: str, dest: str) -> float:
        """Shortest distance in km (``inf`` if there is no path)."""
        legs = self.path(origin, dest)
        return math.inf if legs is None else sum(leg.km for leg in legs)

    def reachable(self, origin: str, dest: str) -> bool:
        """Whether any chain of routes joins the two sites."""
        return self.path(origin, dest) is not None

    def _shortest(self, origin: str, dest: str) -> tuple[Leg, ...] | None:
        if origin == dest:
            return ()
        try:
            nodes = nx.dijkstra_path(self.graph, origin, dest, weight=_edge_km)
        except (nx.NetworkXNoPath, nx.NodeNotFound):
            return None
        legs = []
        for a, b in zip(nodes, nodes[1:], strict=False):
            edges = self.graph.get_edge_data(a, b)
            key = min(edges, key=lambda k: (edges[k]["km"], k))
            legs.append(Leg(route=key, origin=a, dest=b, km=edges[key]["km"]))
        return tuple(legs)


def _edge_km(a: str, b: str, edges: dict[int, dict[str, float]]) -> float:
    return min(e["km"] for e in edges.values())
