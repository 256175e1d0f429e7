"""The state of the theatre during a run, and the only code that changes it.

The world holds, per site and cargo class, the units on the ground; the units on the road;
idle vehicles per site and fleet; and the *movement requirements* (TPFDD-style lines) that
active phases have opened. Every change of state goes through a method here (``load``,
``depart``, ``arrive``, ...), which also records the change for the results and, when
auditing, checks conservation: personnel and every class, summed over sites and the road,
always equal the starting totals plus what came in from outside.

Indices, not names, are used inside a run: sites, classes and fleets are numbered in the
scenario's declared order, which also fixes every tie-break.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field

import numpy as np

from .network import Network
from .schema import PERSONNEL, Scenario
from .streams import Streams

TRANSIT = -1
"""Node index used in the change log for units on the road."""


@dataclass
class Line:
    """A movement requirement: ``req`` units per class from ``origin`` to ``dest``.

    ``taken`` counts units put on convoys (loading or gone), ``departed`` units that have
    left the origin, ``arrived`` units unloaded at the destination.
    """

    index: int
    phase: int
    origin: int
    dest: int
    keep: list[int]
    req: list[int]
    taken: list[int]
    departed: list[int]
    arrived: list[int]

    def done(self) -> bool:
        """Every required unit has arrived."""
        return self.arrived == self.req


@dataclass
class FleetSpec:
    """A fleet as the model sees it: numbered, with capacity per class index."""

    index: int
    id: str
    home: int
    count: int
    cap: list[int]
    classes: int  # how many classes it can carry (specialists are used first)


class TeamLedger:
    """FIFO loading teams at a site, computed without kernel events.

    Jobs are requested in time order (the simulation runs forward), so giving each job the
    earliest-free team, no earlier than the request, is exactly a FIFO ``k``-server queue.
    ``None`` teams means no limit.
    """

    def __init__(self, teams: int | None) -> None:
        self.teams = teams
        self._free: list[float] = [0.0] * teams if teams else []

    def schedule(self, now: float, durations: np.ndarray) -> np.ndarray:
        """Finish time of each job, in the order given."""
        if not self.teams:
            return now + durations
        out = np.empty(len(durations))
        free = self._free
        for i, d in enumerate(durations):
            start = max(now, free[0])
            out[i] = start + d
            heapq.heapreplace(free, out[i])
        return out

    def busy_until(self) -> float:
        """When the last scheduled job finishes."""
        return max(self._free) if self._free else 0.0


@dataclass
class World:
    """Everything that changes during one run."""

    scenario: Scenario
    network: Network
    streams: Streams
    audit: bool = False
    sites: list[str] = field(init=False)
    classes: list[str] = field(init=False)
    fleets: list[FleetSpec] = field(init=False)
    stock: list[list[int]] = field(init=False)
    forming: list[list[int]] = field(init=False)
    claims: list[list[int]] = field(init=False)
    idle: list[list[int]] = field(init=False)
    transit: list[int] = field(init=False)
    lines: list[Line] = field(default_factory=list)
    active_at: list[list[Line]] = field(init=False)
    teams: list[TeamLedger] = field(init=False)
    initial: list[int] = field(init=False)
    inflow: list[int] = field(init=False)
    changes: list[tuple[float, int, int, int]] = field(default_factory=list)
    moved: list[tuple[float, int, int]] = field(default_factory=list)
    snapshots: list[tuple[float, list[int], list[int]]] = field(default_factory=list)

    def __post_init__(self) -> None:
        s = self.scenario
        self.sites = list(s.sites)
        self.classes = s.classes
        self.personnel = self.classes.index(PERSONNEL)
        nc, ns = len(self.classes), len(self.sites)
        self.stock = [[s.holdings(sid).get(c, 0) for c in self.classes] for sid in self.sites]
        self.forming = [[0] * nc for _ in range(ns)]
        self.claims = [[0] * nc for _ in range(ns)]
        self.transit = [0] * nc
        self.inflow = [0] * nc
        self.initial = [sum(col) for col in zip(*self.stock, strict=True)] if ns else [0] * nc
        self.fleets = []
        for i, (fid, f) in enumerate(s.fleets.items()):
            cap = [f.capacity.get(c, 0) for c in self.classes]
            self.fleets.append(FleetSpec(i, fid, self.sites.index(f.based_at), f.count, cap,
                                         sum(1 for x in cap if x > 0)))
        self.idle = [[0] * len(self.fleets) for _ in range(ns)]
        for f in self.fleets:
            self.idle[f.home][f.index] += f.count
        self.active_at = [[] for _ in range(ns)]
        self.teams = [TeamLedger(s.sites[sid].loading_teams) for sid in self.sites]
        self.carriers = [
            sorted((f for f in self.fleets if f.cap[c] > 0), key=lambda f, c=c: (f.classes, -f.cap[c], f.index))
            for c in range(nc)
        ]

    # ----------------------------------------------------------------- requirements
    def open_line(self, phase: int, origin: int, dest: int, keep: list[int]) -> Line:
        """Open a movement requirement for what ``origin`` holds beyond ``keep``.

        Units already committed to other active lines at the origin are not counted twice.
        """
        committed = self.committed(origin)
        req = [max(0, self.stock[origin][c] - committed[c] - keep[c]) for c in range(len(self.classes))]
        nc = len(self.classes)
        line = Line(len(self.lines), phase, origin, dest, keep, req, [0] * nc, [0] * nc, [0] * nc)
        self.lines.append(line)
        if not line.done():
            self.active_at[origin].append(line)
        return line

    def committed(self, site: int) -> list[int]:
        """Units at ``site`` that active lines still have to take away."""
        out = [0] * len(self.classes)
        for line in self.active_at[site]:
            for c, (r, d) in enumerate(zip(line.req, line.departed, strict=True)):
                out[c] += r - d
        return out

    def equipment_waiting(self, site: int) -> bool:
        """Whether any active line still has equipment to get out of ``site``."""
        p = self.personnel
        return any(line.req[c] > line.departed[c]
                   for line in self.active_at[site] for c in range(len(self.classes)) if c != p)

    def loadable(self, site: int) -> list[tuple[Line, int, int]]:
        """Units that could be put on a convoy at ``site`` now: ``(line, class, units)``.

        Respects what is already loading, ``min_personnel`` (held while equipment is still
        waiting to leave) and claims of vehicles already driving here to fetch cargo.
        """
        nc = len(self.classes)
        free = [self.stock[site][c] - self.forming[site][c] for c in range(nc)]
        p = self.personnel
        hold = self.scenario.sites[self.sites[site]].min_personnel if self.equipment_waiting(site) else 0
        free[p] -= hold
        claimed = list(self.claims[site])
        out = []
        for line in self.active_at[site]:
            for c in range(nc):
                units = min(line.req[c] - line.taken[c], free[c])
                if units <= 0:
                    continue
                free[c] -= units
                skip = min(units, claimed[c])
                claimed[c] -= skip
                if units - skip > 0:
                    out.append((line, c, units - skip))
        return out

    # ----------------------------------------------------------------- state changes
    def load(self, line: Line, cls: int, units: int) -> None:
        """Reserve units at the origin for a convoy that is forming."""
        self.forming[line.origin][cls] += units
        line.taken[cls] += units

    def depart(self, now: float, line: Line, cls: int, units: int) -> None:
        """Loaded units leave their origin and go on the road."""
        o = line.origin
        self.forming[o][cls] -= units
        self.stock[o][cls] -= units
        self.transit[cls] += units
        line.departed[cls] += units
        self._changed(now, o, cls, -units)
        self._changed(now, TRANSIT, cls, units)

    def arrive(self, now: float, line: Line, cls: int, units: int) -> None:
        """Units are unloaded at their destination: they have arrived."""
        self.transit[cls] -= units
        self.stock[line.dest][cls] += units
        line.arrived[cls] += units
        self._changed(now, TRANSIT, cls, -units)
        self._changed(now, line.dest, cls, units)
        self.moved.append((now, cls, units))
        if line.done() and line in self.active_at[line.origin]:
            self.active_at[line.origin].remove(line)

    def _changed(self, now: float, node: int, cls: int, delta: int) -> None:
        self.changes.append((now, node, cls, delta))
        if self.audit:
            self.check_conservation(now)

    def check_conservation(self, now: float) -> None:
        """Assert that nothing was lost or made; record a snapshot of the totals."""
        nc = len(self.classes)
        totals = [sum(self.stock[s][c] for s in range(len(self.sites))) + self.transit[c] for c in range(nc)]
        expected = [self.initial[c] + self.inflow[c] for c in range(nc)]
        self.snapshots.append((now, totals, expected))
        if totals != expected:
            raise AssertionError(f"conservation broken at t={now}: {totals} != {expected}")
        for s in range(len(self.sites)):
            if min(self.stock[s]) < 0 or any(self.forming[s][c] > self.stock[s][c] for c in range(nc)):
                raise AssertionError(f"negative or over-reserved stock at {self.sites[s]} at t={now}")
