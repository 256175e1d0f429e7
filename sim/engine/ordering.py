"""Order of service: which loadable cargo idle vehicles and aircraft serve first.

Planners choose it (``docs/model.md``, "Order of service"). Each move has a ``priority``
(an integer, lower served first, default 0; reinforcements have 0), and ``convoy.dispatch``
ranks cargo of equal priority:

* ``nearest`` (default): no further rank; the nearest idle vehicles take the nearest cargo;
* ``farthest_from_destination``: road km from the cargo's site to its move's destination,
  farthest first;
* ``largest_backlog``: the units loadable at the cargo's site for moves of that priority
  (every class and mode, claimed units not counted), most first.

The dispatcher serves cargo in **tiers**: cargo with the same *key* is one tier, served by an
ordinary dispatch (air, load where you stand, drive empty to the nearest cargo) before the
next tier, so ties fall to the nearest. Keys are tuples, smallest served first:

=============================  ==========================
``nearest``                    ``(priority,)``
``farthest_from_destination``  ``(priority, -km)``
``largest_backlog``            ``(priority, -units)``
=============================  ==========================

A line's *rank* is the static part of its key, ``(priority,)`` or ``(priority, -km)``, fixed
when the line is first looked at (the distance is the shortest road path, weight limits
ignored; a destination with no road counts as farthest). A line belongs to a tier when its
rank begins the tier's key. A backlog is counted when its site last changed, which is at the
latest the start of the dispatch; it is not recounted while the dispatch runs.

With ``nearest`` and every priority 0 there is one tier: :attr:`Order.uniform` is true, no
tier is kept, and the dispatch is exactly the one without an order of service.

A phase's moves become lines in declared order, together, when the phase opens
(:meth:`sim.engine.world.World.open_line`), so the *k*-th line opened for a phase is its
*k*-th move; that is how a line finds its move's ``priority``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..scenario.network import Network
from ..scenario.schema import Scenario
from .lines import Line

Key = tuple[float, ...]
"""A place in the order of service; smaller is served first."""

Loadable = list[tuple[Any, int, int]]
"""``(line, class, units)`` triples, as :meth:`sim.engine.world.World.loadable` gives them."""


class Order:
    """The order of service of one run."""

    def __init__(self, scenario: Scenario, network: Network, sites: list[str], lines: list[Line]) -> None:
        self.mode = scenario.convoy.dispatch
        where = {sid: i for i, sid in enumerate(sites)}
        self._moves = [
            [(where[mv.from_], where[mv.to], mv.priority) for mv in ph.moves] for ph in scenario.phases
        ]
        self.uniform = self.mode == "nearest" and not any(p for ph in self._moves for _o, _d, p in ph)
        """True when there is a single tier: the dispatch needs no order of service."""
        self._network = network
        self._sites = sites
        self._lines = lines  # the world's lines, in the order they were opened (append only)
        self._ranks: dict[int, Key] = {}
        self.tiering = None if self.uniform else self.tiers
        """:meth:`tiers` for the loadable-cargo cache, or None with a single tier."""

    def priority(self, line: Line) -> int:
        """The ``priority`` of the move that opened ``line`` (0 for a reinforcement)."""
        if line.phase < 0:
            return 0
        k = sum(1 for other in self._lines[: line.index] if other.phase == line.phase)
        origin, dest, priority = self._moves[line.phase][k]
        assert (origin, dest) == (line.origin, line.dest), "a phase's lines must open in move order"
        return priority

    def rank(self, line: Line) -> Key:
        """The static part of ``line``'s key: ``(priority,)`` or ``(priority, -km)``."""
        hit = self._ranks.get(line.index)
        if hit is None:
            p = self.priority(line)
            if self.mode == "farthest_from_destination":
                km = self._network.km(self._sites[line.origin], self._sites[line.dest])
                hit = (p, -km)
            else:
                hit = (p,)
            self._ranks[line.index] = hit
        return hit

    def in_order(self, lines: list[Line]) -> list[Line]:
        """``lines`` (of one site) in order of service; equal ranks keep their order."""
        return lines if self.uniform else sorted(lines, key=self.rank)

    def keyer(self, loadable: Loadable) -> Callable[[Line], Key]:
        """The key of each line with cargo in ``loadable``, one site's whole loadable cargo."""
        if self.mode != "largest_backlog":
            return self.rank
        units: dict[float, int] = {}
        for line, _c, n in loadable:
            p = self.rank(line)[0]
            units[p] = units.get(p, 0) + n

        def key(line: Line) -> Key:
            p = self.rank(line)[0]
            return (p, -units.get(p, 0))

        return key

    def tiers(self, loadable: Loadable, road: Loadable) -> dict[Key, frozenset[int]]:
        """One site's tiers with road cargo, each with the classes waiting: ``loadable`` is
        all the site's loadable cargo, ``road`` the part that may go by road."""
        key = self.keyer(loadable)
        out: dict[Key, set[int]] = {}
        for line, c, _n in road:
            out.setdefault(key(line), set()).add(c)
        return {k: frozenset(v) for k, v in out.items()}

    def admits(self, key: Key) -> Callable[[Line], bool]:
        """Whether a line's cargo belongs to the tier ``key`` (at a site in that tier)."""

        def admit(line: Line) -> bool:
            rank = self.rank(line)
            return key[: len(rank)] == rank

        return admit
