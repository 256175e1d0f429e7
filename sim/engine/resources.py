"""Shared resources that convoys and aircraft compete for, and how busy each one was.

* :class:`Crossing` — a border crossing or bridge: a FIFO server that one convoy at a time
  may start through, only while open (daily opening hours, scheduled closure windows,
  closures and re-openings decided by events). After a convoy starts through, the crossing
  stays busy for ``24 / convoys_per_day`` hours or ``vehicles / vehicles_per_hour`` hours,
  whichever is longer; the convoy itself is through after ``vehicles / vehicles_per_hour``.
* :class:`Escorts` — the security teams without which a loaded convoy cannot leave.
* :class:`Airfield` — departure slots, one every ``24 / sorties_per_day`` hours.
* :class:`Teams` — a site's loading, disposal or preparation teams: a FIFO ``k``-server queue
  computed arithmetically by :class:`TeamLedger`, without kernel events, working only inside
  the site's ``work_hours`` when it has them (:func:`work_stretches`).
* :class:`Usage` — busy intervals of any resource, from which utilisation over any window
  (the whole run, one phase, one day) is computed.
* crew duty — a :class:`~sim.engine.duty.DutyRoster` (``Resources.duty``) when any fleet or
  aircraft type has ``duty``: the hours each idle vehicle has driven today, the sorties each
  idle aircraft has flown.

:class:`Resources` holds every one of them for a run; the engine owns it and the convoy
steps queue on it.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Generator
from typing import Any

import numpy as np
import simpy

from ..scenario.schema import Crossing as CrossingSpec
from ..scenario.schema import Duty, Scenario
from .duty import EPS, DutyRoster, Window


class Usage:
    """Busy intervals of a resource with ``capacity`` parallel units.

    Intervals are kept in the order they were recorded, single ones in lists and batches as
    arrays, and joined only when a utilisation is asked for.
    """

    def __init__(self, name: str, capacity: float) -> None:
        self.name = name
        self.capacity = capacity
        self._one: list[tuple[float, float, float]] = []
        self._batches: list[np.ndarray] = []

    def add(self, start: float, end: float, amount: float = 1.0) -> None:
        """Record ``amount`` units busy from ``start`` to ``end`` (hours)."""
        if end > start and amount > 0:
            self._one.append((start, end, amount))

    def add_many(self, starts: np.ndarray, ends: np.ndarray) -> None:
        """Record one unit busy over each interval."""
        keep = ends > starts
        if not keep.any():
            return
        self._flush()
        self._batches.append(np.stack([starts[keep], ends[keep], np.ones(int(keep.sum()))], axis=1))

    def _flush(self) -> None:
        if self._one:
            self._batches.append(np.array(self._one, dtype=float))
            self._one = []

    def _intervals(self) -> np.ndarray:
        self._flush()
        if len(self._batches) > 1:
            self._batches = [np.concatenate(self._batches)]
        return self._batches[0] if self._batches else np.zeros((0, 3))

    def busy_hours(self, t0: float, t1: float) -> float:
        """Unit-hours busy within ``[t0, t1]``."""
        rows = self._intervals()
        if not len(rows) or t1 <= t0:
            return 0.0
        s, e, a = rows[:, 0], rows[:, 1], rows[:, 2]
        overlap = np.clip(np.minimum(e, t1) - np.maximum(s, t0), 0.0, None)
        return float((overlap * a).sum())

    def utilisation(self, t0: float, t1: float) -> float:
        """Share of capacity busy within ``[t0, t1]`` (0 when the window is empty)."""
        if t1 <= t0 or self.capacity <= 0:
            return 0.0
        return min(1.0, self.busy_hours(t0, t1) / (self.capacity * (t1 - t0)))


class Crossing:
    """A crossing during a run: schedule, queue and usage."""

    def __init__(self, env: simpy.Environment, cid: str, spec: CrossingSpec) -> None:
        self.env = env
        self.id = cid
        self.spec = spec
        self.resource = simpy.Resource(env, capacity=1)
        inf = math.inf
        self.windows: list[list[float]] = [
            [c.from_day * 24.0, inf if c.to_day is None else c.to_day * 24.0] for c in spec.closures
        ]
        self.changed = env.event()
        self.usage = Usage(f"crossing:{cid}", 1.0)
        self.waits: list[tuple[float, float]] = []
        self.wait_hours = 0.0

    def next_open(self, t: float) -> float:
        """The first time at or after ``t`` when a convoy may start through (inf: never)."""
        for _ in range(10_000):
            moved = False
            for a, b in self.windows:
                if a <= t < b:
                    t, moved = b, True
            if math.isinf(t):
                return t
            if self.spec.open_hours is not None:
                h0, h1 = self.spec.open_hours
                day, hod = divmod(t, 24.0)
                inside = (h0 <= hod < h1) if h0 < h1 else (hod >= h0 or hod < h1)
                if not inside:
                    t = day * 24.0 + h0 + (24.0 if hod >= h0 and h0 < h1 else 0.0)
                    moved = True
            if not moved:
                return t
        return math.inf

    def close(self, now: float, hours: float | None) -> None:
        """Close from ``now`` for ``hours`` (None: until an ``open_crossing`` event)."""
        self.windows.append([now, math.inf if hours is None else now + hours])
        self._signal()

    def open(self, now: float) -> None:
        """Open now, ending every closure window in force."""
        for w in self.windows:
            if w[0] <= now < w[1]:
                w[1] = now
        self._signal()

    def _signal(self) -> None:
        old, self.changed = self.changed, self.env.event()
        old.succeed()

    def pass_through(self, vehicles: int) -> Generator[simpy.Event, Any, float]:
        """Queue, wait for opening, and pass; returns the hours spent waiting."""
        env, spec = self.env, self.spec
        arrived = env.now
        req = self.resource.request()
        yield req
        while True:
            t = self.next_open(env.now)
            if t <= env.now:
                break
            wake = [self.changed] if math.isinf(t) else [self.changed, env.timeout(t - env.now)]
            yield env.any_of(wake)
        waited = env.now - arrived
        if waited > 0:
            self.waits.append((arrived, env.now))
        self.wait_hours += waited
        transit = vehicles / spec.vehicles_per_hour if spec.vehicles_per_hour else 0.0
        occupy = max(transit, 24.0 / spec.convoys_per_day if spec.convoys_per_day else 0.0)
        self.usage.add(env.now, env.now + occupy)
        env.process(self._release(req, occupy))
        if transit > 0:
            yield env.timeout(transit)
        return waited

    def _release(
        self, req: simpy.resources.resource.Request, hours: float
    ) -> Generator[simpy.Event, Any, None]:
        if hours > 0:
            yield self.env.timeout(hours)
        self.resource.release(req)

    def daily_max_queue(self, days: int) -> np.ndarray:
        """The longest queue (convoys waiting to start through) during each day."""
        out = np.zeros(days, dtype=np.int64)
        marks = sorted(
            [(a, 1) for a, _ in self.waits] + [(b, -1) for _, b in self.waits], key=lambda m: (m[0], m[1])
        )
        level, day = 0, 0
        for t, step in marks:
            d = min(int(t // 24.0), days)
            while day < d:
                day += 1
                if day < days:
                    out[day] = max(out[day], level)
            level += step
            if d < days:
                out[d] = max(out[d], level)
        return out


class Escorts:
    """Security teams: a loaded convoy waits for one before it leaves."""

    def __init__(self, env: simpy.Environment, teams: int) -> None:
        self.env = env
        self.resource = simpy.Resource(env, capacity=teams)
        self.usage = Usage("escorts", float(teams))
        self.wait_hours = 0.0

    def release_after(
        self, req: simpy.resources.resource.Request, start: float, hours: float
    ) -> Generator[simpy.Event, Any, None]:
        """Keep the team until it is back, then free it."""
        self.usage.add(start, self.env.now + hours)
        yield self.env.timeout(hours)
        self.resource.release(req)


def work_window(hours: tuple[float, float] | None) -> Window | None:
    """The site's ``work_hours`` as a window (None: around the clock)."""
    window = Window(Duty.day_hours(hours)) if hours is not None else None
    return None if window is None or window.always else window


def work_stretches(window: Window, start: float, hours: float) -> list[tuple[float, float]]:
    """The stretches of time in which a job of ``hours`` working hours, taken up at ``start``,
    is done: it starts at the first opening at or after ``start`` and, cut off when the
    window closes, resumes at its next opening. The last stretch ends when the job is done."""
    out: list[tuple[float, float]] = []
    t, left = window.next_open(start), hours
    while True:
        run = window.open_for(t)
        if run <= 0.0:  # a rounding error a hair before an opening
            t = window.next_open(t + EPS)
            continue
        if left <= run + EPS:
            out.append((t, t + left))
            return out
        out.append((t, t + run))
        left -= run
        t = window.next_open(t + run)


class TeamLedger:
    """FIFO teams at a site, computed without kernel events.

    Jobs are requested in time order (the simulation runs forward), so giving each job the
    earliest-free team, no earlier than the request, is exactly a FIFO ``k``-server queue.
    ``None`` teams means no limit. With a work ``window`` a job of ``d`` hours counts ``d``
    working hours (:func:`work_stretches`); every team keeps the same hours, so the
    earliest-free team is still the first to start.
    """

    def __init__(self, teams: int | None, window: Window | None = None) -> None:
        self.teams = teams
        self.window = window
        self._free: list[float] = [0.0] * teams if teams else []

    def schedule(self, now: float, durations: np.ndarray) -> np.ndarray:
        """Finish time of each job, in the order given."""
        return self.book(now, durations)[0]

    def book(self, now: float, durations: np.ndarray) -> tuple[np.ndarray, list[tuple[float, float]] | None]:
        """Finish time of each job, in the order given, and with a work window every job's
        working stretches (None: each job works from its finish less its duration)."""
        if self.window is not None:
            return self._book_in_hours(self.window, now, durations)
        if not self.teams:
            return now + durations, None
        free = self._free
        out = []
        for d in durations.tolist():
            first = free[0]
            end = (now if now > first else first) + d
            heapq.heapreplace(free, end)
            out.append(end)
        return np.array(out, dtype=float), None

    def _book_in_hours(
        self, window: Window, now: float, durations: np.ndarray
    ) -> tuple[np.ndarray, list[tuple[float, float]]]:
        free, out, stretches = self._free, [], []
        for d in durations.tolist():
            start = max(now, free[0]) if self.teams else now
            job = work_stretches(window, start, d)
            end = job[-1][1]
            if self.teams:
                heapq.heapreplace(free, end)
            out.append(end)
            stretches += job
        return np.array(out, dtype=float), stretches

    def busy_until(self) -> float:
        """When the last scheduled job finishes."""
        return max(self._free) if self._free else 0.0


class Teams:
    """A site's teams (loading, disposal or preparation) and how busy they were."""

    def __init__(self, name: str, teams: int | None, window: Window | None = None) -> None:
        self.ledger = TeamLedger(teams, window)
        self.usage = Usage(name, float(teams or 0))

    def schedule(self, now: float, durations: np.ndarray) -> np.ndarray:
        """Finish time of each job (FIFO on the teams); busy time (working hours only) is recorded."""
        finish, stretches = self.ledger.book(now, durations)
        if self.usage.capacity > 0:
            if stretches is None:
                self.usage.add_many(finish - durations, finish)
            elif stretches:
                rows = np.array(stretches, dtype=float)
                self.usage.add_many(rows[:, 0], rows[:, 1])
        return finish


class Airfield:
    """An airfield's departure slots: one sortie leaves every ``24 / sorties_per_day`` hours."""

    def __init__(self, site: str, sorties_per_day: float | None) -> None:
        self.slot_hours = 24.0 / sorties_per_day if sorties_per_day else math.inf
        self.ledger = TeamLedger(1)
        self.usage = Usage(f"airfield:{site}", 1.0)

    def wait(self, now: float) -> float:
        """Hours until the next departure slot."""
        return max(0.0, self.ledger.busy_until() - now)

    def take_slot(self, now: float) -> float:
        """Book the next slot; returns its departure time."""
        depart = float(self.ledger.schedule(now, np.array([self.slot_hours]))[0]) - self.slot_hours
        self.usage.add(depart, depart + self.slot_hours)
        return depart


def resource_names(scenario: Scenario) -> list[str]:
    """Every resource a run of ``scenario`` may report busy time for, in the order of
    :meth:`Resources.usages`: fleets and aircraft types, crossings, airfields with a slot
    limit, loading teams, escorts, preparation teams, disposal teams.

    It depends on what the scenario declares, never on drawn values, so every replication
    reports against the same list (a resource a replication lacks, such as a fleet drawn to
    zero vehicles, is simply not busy).
    """
    s = scenario
    names = [f"fleet:{fid}" for fid in (*s.fleets, *s.aircraft)]
    names += [f"crossing:{cid}" for cid in s.crossings]
    sites = s.sites.items()
    names += [f"airfield:{sid}" for sid, site in sites if site.airfield and site.airfield.sorties_per_day]
    names += [f"loading:{sid}" for sid, site in sites if site.loading_teams is not None]
    names += ["escorts"] if s.convoy.escort_teams else []
    names += [f"preparation:{sid}" for sid, site in sites if site.prepare and site.prepare.teams]
    names += [f"disposal:{sid}" for sid, site in sites if site.disposal_teams is not None]
    return names


class Resources:
    """Every shared resource of one run, and the busy time of each fleet."""

    def __init__(self, env: simpy.Environment, scenario: Scenario, fleets: list[tuple[str, int]]) -> None:
        s = scenario
        self.crossings = {cid: Crossing(env, cid, spec) for cid, spec in s.crossings.items()}
        teams = s.convoy.escort_teams
        self.escorts = Escorts(env, teams) if teams else None
        self.airfields = [
            Airfield(sid, site.airfield.sorties_per_day if site.airfield else None)
            for sid, site in s.sites.items()
        ]
        hours = [work_window(site.work_hours) for site in s.sites.values()]
        self.loading = [
            Teams(f"loading:{sid}", site.loading_teams, hours[k])
            for k, (sid, site) in enumerate(s.sites.items())
        ]
        self.disposal = [
            Teams(f"disposal:{sid}", site.disposal_teams, hours[k])
            for k, (sid, site) in enumerate(s.sites.items())
        ]
        self.preparation = [
            Teams(f"preparation:{sid}", site.prepare.teams if site.prepare else None, hours[k])
            for k, (sid, site) in enumerate(s.sites.items())
        ]
        self.fleet_usage = [Usage(f"fleet:{fid}", float(count)) for fid, count in fleets]
        self.duty = DutyRoster.build(s, fleets)

    def usages(self) -> list[Usage]:
        """Every resource whose busy time counts, with a non-zero capacity."""
        out = [*self.fleet_usage, *(c.usage for c in self.crossings.values())]
        out += [a.usage for a in self.airfields if math.isfinite(a.slot_hours)]
        out += [t.usage for t in self.loading if t.usage.capacity > 0]
        if self.escorts is not None:
            out.append(self.escorts.usage)
        out += [t.usage for t in (*self.preparation, *self.disposal) if t.usage.capacity > 0]
        return [u for u in out if u.capacity > 0]
