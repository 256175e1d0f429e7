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
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..scenario.network import Network
from ..scenario.schema import PERSONNEL, Scenario
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
    phase: int  # -1 for a reinforcement
    origin: int
    dest: int
    keep: list[int]
    req: list[int]
    taken: list[int]
    departed: list[int]
    arrived: list[int]
    mode: str | None = None
    disposing: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.disposing:
            self.disposing = [0] * len(self.req)

    def done(self) -> bool:
        """Every required unit has arrived and every disposal on site is finished."""
        return self.arrived == self.req and not any(self.disposing)


@dataclass
class FleetSpec:
    """A fleet or aircraft type as the model sees it: numbered, capacity per class index.

    ``cap`` already respects an aircraft's ``max_short_tons``; ``count`` is the number of
    mission-capable vehicles this replication (``availability`` applied).
    """

    index: int
    id: str
    mode: str  # "road" or "air"
    home: int
    count: int
    cap: list[int]
    classes: int  # how many classes it can carry (specialists are used first)
    tare: float  # empty weight, short tons
    spec: Any


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


def _specialists_first(cls: int) -> Callable[[FleetSpec], tuple[int, int, int]]:
    """Sort key: fleets that carry fewer classes first, then larger capacity, then order."""

    def key(f: FleetSpec) -> tuple[int, int, int]:
        return (f.classes, -f.cap[cls], f.index)

    return key


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
    disposed: dict[str, list[int]] = field(init=False)
    paused_sites: dict[int, float] = field(default_factory=dict)
    paused_phases: dict[int, float] = field(default_factory=dict)
    paused_all: float = -1.0
    keep_override: dict[int, list[int]] = field(default_factory=dict)
    changes: list[tuple[float, int, int, int]] = field(default_factory=list)
    moved: list[tuple[float, int, int, int, str]] = field(default_factory=list)
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
        self.disposing_at = [[0] * nc for _ in range(ns)]
        self.disposed = {"transfer": [0] * nc, "destroy": [0] * nc}
        self.initial = [sum(col) for col in zip(*self.stock, strict=True)] if ns else [0] * nc
        self.tons = [float((s.cargo[c].short_tons if c in s.cargo else None) or 0.0) for c in self.classes]
        self.modes = [s.cargo[c].mode if c in s.cargo else "any" for c in self.classes]
        self.fleets = []
        kinds: list[tuple[str, dict[str, Any]]] = [("road", dict(s.fleets)), ("air", dict(s.aircraft))]
        for mode, specs in kinds:
            for fid, f in specs.items():
                cap = [f.capacity.get(c, 0) for c in self.classes]
                limit = getattr(f, "max_short_tons", None)
                if limit is not None:
                    cap = [
                        min(n, int(limit // self.tons[c])) if self.tons[c] > 0 else n
                        for c, n in enumerate(cap)
                    ]
                daily = getattr(f, "availability_per", "replication") == "day"
                share = 1.0 if daily else self.streams.draw(f.availability, "availability", fid)
                count = round(f.count * min(1.0, max(0.0, share)))
                self.fleets.append(
                    FleetSpec(
                        len(self.fleets),
                        fid,
                        mode,
                        self.sites.index(f.based_at),
                        count,
                        cap,
                        sum(1 for x in cap if x > 0),
                        float(getattr(f, "empty_short_tons", 0.0)),
                        f,
                    )
                )
        self.idle = [[0] * len(self.fleets) for _ in range(ns)]
        for f in self.fleets:
            self.idle[f.home][f.index] += f.count
        self.weight_cache: dict[tuple[int, int, int, int], int] = {}
        self.active_at = [[] for _ in range(ns)]
        self.teams = [TeamLedger(s.sites[sid].loading_teams) for sid in self.sites]
        self.road = [f for f in self.fleets if f.mode == "road"]
        self.airfields = [i for i, sid in enumerate(self.sites) if s.sites[sid].airfield is not None]
        self.carriers = [
            sorted((f for f in self.fleets if f.cap[c] > 0 and f.mode == "road"), key=_specialists_first(c))
            for c in range(nc)
        ]

    # ----------------------------------------------------------------- requirements
    def open_line(
        self, phase: int, origin: int, dest: int, keep: list[int], mode: str | None = None
    ) -> tuple[Line, list[tuple[str, int, int]]]:
        """Open a movement requirement for what ``origin`` holds beyond ``keep``.

        Units already committed to other active lines at the origin are not counted twice.
        A ``set_keep`` for the site raises ``keep``. The site's disposition shares are taken
        out of the requirement; returns the line and the disposal jobs ``(kind, class,
        units)`` to process on site.
        """
        nc = len(self.classes)
        keep = [max(k, o) for k, o in zip(keep, self.keep_override.get(origin, [0] * nc), strict=True)]
        committed = self.committed(origin)
        want = [max(0, self.stock[origin][c] - committed[c] - keep[c]) for c in range(nc)]
        jobs: list[tuple[str, int, int]] = []
        shares = self.scenario.sites[self.sites[origin]].disposition
        req = list(want)
        disposing = [0] * nc
        for c, name in enumerate(self.classes):
            share = shares.get(name)
            if share is None or c == self.personnel or want[c] == 0:
                continue
            for kind, frac in (("destroy", share.destroy), ("transfer", share.transfer)):
                units = min(req[c], round(want[c] * frac))
                if units:
                    jobs.append((kind, c, units))
                    req[c] -= units
                    disposing[c] += units
        line = Line(
            len(self.lines), phase, origin, dest, keep, req, [0] * nc, [0] * nc, [0] * nc, mode, disposing
        )
        for c in range(nc):
            self.disposing_at[origin][c] += disposing[c]
        self.lines.append(line)
        if not line.done():
            self.active_at[origin].append(line)
        return line, jobs

    def open_reinforcement(
        self, origin: int, dest: int, units: list[int], external: bool, now: float
    ) -> Line:
        """Units that must reach ``dest``: new to the theatre (appear at ``origin``) or from its stock."""
        nc = len(self.classes)
        if external:
            for c, n in enumerate(units):
                if n:
                    self.stock[origin][c] += n
                    self.inflow[c] += n
                    self._changed(now, origin, c, n)
            req = list(units)
        else:
            committed = self.committed(origin)
            req = [min(n, max(0, self.stock[origin][c] - committed[c])) for c, n in enumerate(units)]
        line = Line(
            len(self.lines), -1, origin, dest, [0] * nc, req, [0] * nc, [0] * nc, [0] * nc, None, [0] * nc
        )
        self.lines.append(line)
        if not line.done():
            self.active_at[origin].append(line)
        return line

    def dispose(self, now: float, line: Line, kind: str, cls: int, units: int) -> None:
        """Units handed over or destroyed on site: they leave the site, not by lift."""
        o = line.origin
        self.stock[o][cls] -= units
        self.disposing_at[o][cls] -= units
        line.disposing[cls] -= units
        self.disposed[kind][cls] += units
        self._changed(now, o, cls, -units)
        if line.done() and line in self.active_at[o]:
            self.active_at[o].remove(line)

    def set_keep(self, site: int, keep: list[int]) -> list[Line]:
        """A new end state for ``site``: shrink (or grow) what its active lines still take.

        What stays is at least ``keep`` and at least each active move's own ``keep``. Units
        already on convoys stay on them. Returns lines that became complete.
        """
        self.keep_override[site] = keep
        lines = [line for line in self.active_at[site] if line.phase >= 0]
        for c in range(len(self.classes)):
            floor = max([keep[c], *(line.keep[c] for line in lines)])
            room = max(
                0,
                self.stock[site][c]
                - self.forming[site][c]
                - self.disposing_at[site][c]
                - floor
                - sum(o.req[c] - o.taken[c] for o in self.active_at[site] if o.phase < 0),
            )
            for line in lines:
                take = min(room, line.req[c] - line.taken[c])
                line.req[c] = line.taken[c] + take
                room -= take
            if lines and room > 0:
                lines[0].req[c] += room
        finished = [line for line in lines if line.done()]
        for line in finished:
            self.active_at[site].remove(line)
        return finished

    def cancel(self, line: Line) -> bool:
        """Drop what a line has not yet put on a convoy; True if it is now complete."""
        line.req = list(line.taken)
        if line.done() and line in self.active_at[line.origin]:
            self.active_at[line.origin].remove(line)
        return line.done()

    def paused(self, site: int, phase: int, now: float) -> bool:
        """Whether loading for ``phase`` at ``site`` is paused at ``now``."""
        return (
            self.paused_all > now
            or self.paused_sites.get(site, -1.0) > now
            or (phase >= 0 and self.paused_phases.get(phase, -1.0) > now)
        )

    def committed(self, site: int) -> list[int]:
        """Units at ``site`` that active lines still have to take away."""
        out = [0] * len(self.classes)
        for line in self.active_at[site]:
            for c, (r, d) in enumerate(zip(line.req, line.departed, strict=True)):
                out[c] += r - d + line.disposing[c]
        return out

    def equipment_waiting(self, site: int) -> bool:
        """Whether any active line still has equipment to get out of ``site``."""
        p = self.personnel
        if any(self.disposing_at[site][c] for c in range(len(self.classes)) if c != p):
            return True
        return any(
            line.req[c] > line.departed[c]
            for line in self.active_at[site]
            for c in range(len(self.classes))
            if c != p
        )

    def loadable(self, site: int, now: float = 0.0) -> list[tuple[Line, int, int]]:
        """Units that could be put on a convoy at ``site`` now: ``(line, class, units)``.

        Respects what is already loading, ``min_personnel`` (held while equipment is still
        waiting to leave) and claims of vehicles already driving here to fetch cargo.
        """
        if not self.active_at[site]:
            return []
        nc = len(self.classes)
        free = [self.stock[site][c] - self.forming[site][c] - self.disposing_at[site][c] for c in range(nc)]
        p = self.personnel
        hold = self.scenario.sites[self.sites[site]].min_personnel if self.equipment_waiting(site) else 0
        free[p] -= hold
        claimed = list(self.claims[site])
        out = []
        for line in self.active_at[site]:
            if self.paused(site, line.phase, now):
                continue
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

    def turn_back(self, now: float, line: Line, cls: int, units: int) -> None:
        """Units turned back on the road are back at their origin, to be loaded again."""
        o = line.origin
        self.transit[cls] -= units
        self.stock[o][cls] += units
        line.departed[cls] -= units
        line.taken[cls] -= units
        self._changed(now, TRANSIT, cls, -units)
        self._changed(now, o, cls, units)
        if line not in self.active_at[o]:
            self.active_at[o].append(line)

    def arrive(self, now: float, line: Line, cls: int, units: int, mode: str = "road") -> None:
        """Units are unloaded at their destination: they have arrived."""
        self.transit[cls] -= units
        self.stock[line.dest][cls] += units
        line.arrived[cls] += units
        self._changed(now, TRANSIT, cls, -units)
        self._changed(now, line.dest, cls, units)
        self.moved.append((now, cls, units, line.phase, mode))
        if line.done() and line in self.active_at[line.origin]:
            self.active_at[line.origin].remove(line)

    def _changed(self, now: float, node: int, cls: int, delta: int) -> None:
        self.changes.append((now, node, cls, delta))
        if self.audit:
            self.check_conservation(now)

    def check_conservation(self, now: float) -> None:
        """Assert that nothing was lost or made; record a snapshot of the totals."""
        nc = len(self.classes)
        totals = [
            sum(self.stock[s][c] for s in range(len(self.sites)))
            + self.transit[c]
            + self.disposed["transfer"][c]
            + self.disposed["destroy"][c]
            for c in range(nc)
        ]
        expected = [self.initial[c] + self.inflow[c] for c in range(nc)]
        self.snapshots.append((now, totals, expected))
        if totals != expected:
            raise AssertionError(f"conservation broken at t={now}: {totals} != {expected}")
        for s in range(len(self.sites)):
            if min(self.stock[s]) < 0 or any(self.forming[s][c] > self.stock[s][c] for c in range(nc)):
                raise AssertionError(f"negative or over-reserved stock at {self.sites[s]} at t={now}")
