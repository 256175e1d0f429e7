"""The state of the theatre during a run, and the only code that changes it.

The world holds, per site and cargo class, the units on the ground; the units on the road;
idle vehicles per site and fleet; and the *movement requirements* (TPFDD-style lines) that
active phases have opened; which vehicles are idle where, which cargo empty vehicles have
claimed, and which sites and phases are paused. Every change of state goes through a method
here (``load``, ``depart``, ``arrive``, ``take_vehicles``, ``claim``, ``pause``, ...), which
also records the change for the results and, when auditing, checks conservation: personnel
and every class, summed over sites and the road, always equal the starting totals plus what
came in from outside.

Because every write comes through here, the world knows which sites a change touched. The
dispatcher asks :meth:`World.loadable` for every site at every plan; the answer is cached
per site and recomputed only for sites whose state changed since (or when a pause begins,
ends or expires), which is what keeps a plan's cost from growing with the number of sites.

Indices, not names, are used inside a run: sites, classes and fleets are numbered in the
scenario's declared order, which also fixes every tie-break.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..scenario.network import Network
from ..scenario.schema import PERSONNEL, Scenario
from .demand import Demand
from .lines import FleetSpec, Line, build_fleets, specialists_first
from .ordering import Order
from .pauses import Pauses
from .streams import Streams

TRANSIT = -1
"""Node index used in the change log for units on the road."""


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
    down: list[list[int]] = field(init=False)
    transit: list[int] = field(init=False)
    lines: list[Line] = field(default_factory=list)
    active_at: list[list[Line]] = field(init=False)
    initial: list[int] = field(init=False)
    inflow: list[int] = field(init=False)
    disposed: dict[str, list[int]] = field(init=False)
    pauses: Pauses = field(default_factory=Pauses)
    keep_override: dict[int, list[int]] = field(default_factory=dict)
    changes: list[tuple[float, int, int, int]] = field(default_factory=list)
    moved: list[tuple[float, int, int, int, str]] = field(default_factory=list)
    disposals: list[tuple[float, int, int]] = field(default_factory=list)
    snapshots: list[tuple[float, list[int], list[int]]] = field(default_factory=list)

    def __post_init__(self) -> None:
        s = self.scenario
        self.sites = list(s.sites)
        self.site_index = {sid: i for i, sid in enumerate(self.sites)}
        self.classes = s.classes
        self.personnel = self.classes.index(PERSONNEL)
        nc, ns = len(self.classes), len(self.sites)
        self.stock = [[s.holdings(sid).get(c, 0) for c in self.classes] for sid in self.sites]
        self.forming = [[0] * nc for _ in range(ns)]
        self.claims = [[0] * nc for _ in range(ns)]
        self.transit = [0] * nc
        self.inflow = [0] * nc
        self.disposing_at = [[0] * nc for _ in range(ns)]
        self.unprepared = [[0] * nc for _ in range(ns)]  # waiting for preparation (sim.engine.preparation)
        self.ready_at = [s.sites[sid].ready_day * 24.0 for sid in self.sites]  # nothing loaded before
        self.disposed = {"transfer": [0] * nc, "destroy": [0] * nc}
        self.initial = [sum(col) for col in zip(*self.stock, strict=True)] if ns else [0] * nc
        self.tons = [float((s.cargo[c].short_tons if c in s.cargo else None) or 0.0) for c in self.classes]
        self.modes = [s.cargo[c].mode if c in s.cargo else "any" for c in self.classes]
        self.fleets = build_fleets(s, self.classes, self.tons, self.sites, self.streams)
        self.drives = [s.cargo[c].self_propelled if c in s.cargo else None for c in self.classes]
        self.drivers = frozenset(c for c, d in enumerate(self.drives) if d is not None)  # never on trucks
        self.idle = [[0] * len(self.fleets) for _ in range(ns)]
        self.down = [[0] * len(self.fleets) for _ in range(ns)]
        self.idle_road = [0] * ns
        self.road_pools: set[int] = set()
        self.idle_for = [[0] * nc for _ in range(ns)]
        self.carries = [
            [c for c in range(nc) if f.cap[c] > 0 and c not in self.drivers] if f.mode == "road" else []
            for f in self.fleets
        ]
        for f in self.fleets:
            self.release_vehicles(f.home, f.index, f.count)
        self.weight_cache: dict[tuple[int, int, int, int], int] = {}
        self.active_at = [[] for _ in range(ns)]
        self.road = [f for f in self.fleets if f.mode == "road"]
        self.hold = [s.sites[sid].min_personnel for sid in self.sites]
        self.last_departure: list[float | None] = [None] * ns
        self.empty_at: list[float | None] = [None] * ns
        self.order = Order(s, self.network, self.sites, self.lines)
        self.demand = Demand(ns, nc, self._compute_loadable, self.allows, self.order.tiering)
        self.airfields = [i for i, sid in enumerate(self.sites) if s.sites[sid].airfield is not None]
        self.carriers = [
            sorted((f for f in self.road if f.cap[c] > 0 and c not in self.drivers), key=specialists_first(c))
            for c in range(nc)
        ]

    # ----------------------------------------------------------------- vehicles, claims, pauses
    def take_vehicles(self, site: int, fleet: int, n: int) -> None:
        """``n`` idle vehicles of ``fleet`` at ``site`` are given a task."""
        self.release_vehicles(site, fleet, -n)

    def release_vehicles(self, site: int, fleet: int, n: int) -> None:
        """``n`` vehicles of ``fleet`` are idle again at ``site``.

        Also kept: idle road vehicles per site, and per site and class the idle road
        vehicles able to carry that class (what the dispatcher asks before it looks closer).
        """
        self.idle[site][fleet] += n
        carries = self.carries[fleet]
        if carries:
            self.idle_road[site] += n
            if self.idle_road[site]:
                self.road_pools.add(site)
            else:
                self.road_pools.discard(site)
            row = self.idle_for[site]
            for c in carries:
                row[c] += n

    def set_down(self, fleet: int, target: int) -> None:
        """Make exactly ``target`` vehicles of ``fleet`` unavailable (daily availability).

        Idle vehicles are stood down, and stood-down ones returned, site by site in declared
        order; vehicles on a task are never touched.
        """
        down = sum(row[fleet] for row in self.down)
        for site in range(len(self.sites)):
            while down < target and self.idle[site][fleet] > 0:
                self.take_vehicles(site, fleet, 1)
                self.down[site][fleet] += 1
                down += 1
            while down > target and self.down[site][fleet] > 0:
                self.down[site][fleet] -= 1
                self.release_vehicles(site, fleet, 1)
                down -= 1

    def claim(self, site: int, cls: int, units: int) -> None:
        """Empty vehicles heading for ``site`` will fetch ``units`` of ``cls``."""
        self.claims[site][cls] += units
        self._touch(site)

    def unclaim(self, site: int, cls: int, units: int) -> None:
        """A claim ends (the vehicles arrived, or turned back)."""
        self.claims[site][cls] -= units
        self._touch(site)

    def pause(self, sites: list[int], phases: list[int], until: float) -> None:
        """No loading or leaving at ``sites`` / for ``phases`` (neither: everywhere) until ``until``."""
        self.pauses.hold(sites, phases, until)
        self._touch(*range(len(self.sites)))

    def resume(self, sites: list[int], phases: list[int], now: float) -> None:
        """End pauses on ``sites`` / ``phases`` now (neither: every pause)."""
        self.pauses.release(sites, phases, now)
        self._touch(*range(len(self.sites)))

    def pause_left(self, site: int, phases: set[int], now: float) -> float:
        """Hours until every pause that holds a convoy at ``site`` for ``phases`` ends."""
        return self.pauses.left(site, phases, now)

    def _touch(self, *sites: int) -> None:
        self.demand.touch(*sites)

    def preparing(self, site: int, cls: int, units: int) -> None:
        """``units`` of ``cls`` at ``site`` wait for preparation (< 0: are prepared, loadable)."""
        self.unprepared[site][cls] += units
        self._touch(site)

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
        self._touch(origin)
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
            self._touch(origin)
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
        self._touch(origin)
        return line

    def dispose(self, now: float, line: Line, kind: str, cls: int, units: int) -> None:
        """Units handed over or destroyed on site: they leave the site, not by lift."""
        o = line.origin
        self.stock[o][cls] -= units
        self.disposing_at[o][cls] -= units
        line.disposing[cls] -= units
        self.disposed[kind][cls] += units
        self.disposals.append((now, cls, units))
        self._changed(now, o, cls, -units)
        self._touch(o)
        if not any(self.stock[o]):
            self.empty_at[o] = now
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
        self._touch(site)
        return finished

    def cancel(self, line: Line) -> bool:
        """Drop what a line has not yet put on a convoy; True if it is now complete."""
        line.req = list(line.taken)
        self._touch(line.origin)
        if line.done() and line in self.active_at[line.origin]:
            self.active_at[line.origin].remove(line)
        return line.done()

    def paused(self, site: int, phase: int, now: float) -> bool:
        """Whether loading for ``phase`` at ``site`` is paused at ``now``."""
        return self.pauses.until(site, phase) > now

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
        waiting to leave) and claims of vehicles already driving here to fetch cargo. The
        answer is cached (:mod:`sim.engine.demand`) until the site's state changes or a
        pause that bears on it ends.
        """
        return self.demand.loadable(site, now) if self.active_at[site] else []

    def loadable_by(self, site: int, mode: str, now: float) -> list[tuple[Line, int, int]]:
        """:meth:`loadable`, only the cargo that may travel by ``mode``."""
        return self.demand.by_mode(site, mode, now) if self.active_at[site] else []

    def road_wanting(self, now: float) -> dict[int, frozenset[int]]:
        """Sites with cargo that road vehicles could load now, with the classes waiting."""
        return self.demand.road_wanting(now, lambda site: bool(self.active_at[site]))

    def allows(self, line: Line, cls: int, mode: str) -> bool:
        """Whether ``cls`` on ``line`` may travel by ``mode`` (the move's mode, else the class's);
        a self-propelled class may fly only when that mode is ``air``."""
        eff = line.mode or self.modes[cls]
        if eff == "any" and self.drivers and cls in self.drivers:
            eff = "road"
        return eff in (mode, "any")

    def _compute_loadable(self, site: int, now: float) -> tuple[list[tuple[Line, int, int]], float]:
        nc = len(self.classes)
        if now < self.ready_at[site]:  # ready_day: the site's cargo is not handed over yet
            return [], self.ready_at[site]
        stock, forming, disposing = self.stock[site], self.forming[site], self.disposing_at[site]
        unready = self.unprepared[site]
        free = [stock[c] - forming[c] - disposing[c] - unready[c] for c in range(nc)]
        p = self.personnel
        hold = self.hold[site] if self.equipment_waiting(site) else 0
        free[p] -= hold
        claimed = list(self.claims[site])
        out = []
        valid = float("inf")
        for line in self.order.in_order(self.active_at[site]):
            until = self.pauses.until(site, line.phase)
            if until > now:
                valid = min(valid, until)
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
        return out, valid

    # ----------------------------------------------------------------- state changes
    def load(self, line: Line, cls: int, units: int) -> None:
        """Reserve units at the origin for a convoy that is forming."""
        self.forming[line.origin][cls] += units
        line.taken[cls] += units
        self._touch(line.origin)

    def depart(self, now: float, line: Line, cls: int, units: int) -> None:
        """Loaded units leave their origin and go on the road."""
        o = line.origin
        self.forming[o][cls] -= units
        self.stock[o][cls] -= units
        self.transit[cls] += units
        line.departed[cls] += units
        self._changed(now, o, cls, -units)
        self._changed(now, TRANSIT, cls, units)
        self._touch(o)
        self.last_departure[o] = now
        if not any(self.stock[o]):
            self.empty_at[o] = now

    def turn_back(self, now: float, line: Line, cls: int, units: int) -> None:
        """Units turned back on the road are back at their origin, to be loaded again."""
        o = line.origin
        self.transit[cls] -= units
        self.stock[o][cls] += units
        line.departed[cls] -= units
        line.taken[cls] -= units
        self._changed(now, TRANSIT, cls, -units)
        self._changed(now, o, cls, units)
        self._touch(o)
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
        self._touch(line.origin, line.dest)
        if any(self.stock[line.dest]):
            self.empty_at[line.dest] = None
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
