"""Crew duty: when road convoys may drive, and how many sorties an aircraft may fly a day.

A fleet's ``duty`` limits its drivers to ``hours_per_day`` of driving per vehicle per
calendar day (00:00-24:00 of simulated time) and to a ``window`` of the day; an aircraft
type's ``duty`` limits each airframe to ``sorties_per_day`` departures per calendar day.

* :class:`Window` — the hours of the day a convoy may drive: the hours shared by the
  windows of all its fleets.
* :class:`ConvoyDuty` — one road convoy's clock: how long it may drive from a given instant,
  when it may drive again, the hours it drove on each day, and its halts on the road.
* :class:`Airframe` — one aircraft's sorties on its last flying day.
* :class:`DutyRoster` — every fleet's limits and, per site and fleet, the hours each idle
  vehicle has driven today (or the sorties each idle airframe has flown). Convoys take the
  vehicles with the most hours left; dispatch asks it for honest estimates.

Loading, unloading, waiting and passing at a crossing, disruption delays and breakdown halts
are not driving: they take place at any hour and use no driving hours. A run whose scenario
has no ``duty`` anywhere has no roster (``Resources.duty`` is ``None``) and pays nothing.
"""

from __future__ import annotations

import math
from collections.abc import Generator
from dataclasses import dataclass, field
from typing import Any

import simpy

from ..scenario.schema import Duty, Scenario

DAY = 24.0
EPS = 1e-9
"""Hours below which a remaining drive, window or allowance counts as none (rounding)."""

Hours = tuple[tuple[float, float], ...]


def day_of(t: float) -> int:
    """The calendar day (0 = the scenario's start date) containing the instant ``t`` hours;
    an instant within ``EPS`` before 00:00 (a rounding error) counts as 00:00."""
    return int((t + EPS) // DAY)


def next_midnight(t: float) -> float:
    """00:00 of the day after the one containing ``t``."""
    return (day_of(t) + 1) * DAY


class Window:
    """Hours of the day in which driving is allowed (sorted, disjoint intervals in [0, 24])."""

    def __init__(self, hours: Hours) -> None:
        self.hours = hours
        self.always = hours == ((0.0, DAY),)
        # an interval ending at 24 continues into the next day's interval starting at 0
        self.wraps = bool(hours) and hours[-1][1] >= DAY and hours[0][0] <= 0.0

    def open_for(self, t: float) -> float:
        """Hours from ``t`` until the window closes (0 when it is closed at ``t``)."""
        if self.always:
            return math.inf
        hod = max(0.0, t - day_of(t) * DAY)
        for lo, hi in self.hours:
            if lo <= hod < hi:
                run = hi - hod
                if hi >= DAY and self.wraps:
                    run += self.hours[0][1]
                return run
        return 0.0

    def next_open(self, t: float) -> float:
        """The first instant at or after ``t`` inside the window (inf: the window is empty)."""
        if not self.hours:
            return math.inf
        day = day_of(t) * DAY
        hod = max(0.0, t - day)
        for lo, hi in self.hours:
            if hod < hi - EPS:  # an interval closing within EPS is over
                return t if hod >= lo else day + lo
        return day + DAY + self.hours[0][0]


@dataclass
class Crew:
    """``n`` vehicles of one fleet that had driven ``used`` hours on calendar day ``day``."""

    fleet: int
    limit: float
    day: int
    used: float
    n: int


@dataclass
class ConvoyDuty:
    """One road convoy's duty clock: window, crews and hours driven per day, halts."""

    window: Window | None
    crews: list[Crew]
    driven: dict[int, float] = field(default_factory=dict)
    halts: int = 0
    halted_h: float = 0.0

    def left(self, t: float) -> float:
        """Driving hours the convoy has left on the day of ``t`` (its most-driven vehicle's)."""
        if not self.crews:
            return math.inf
        d = day_of(t)
        least = min(c.limit - (c.used if c.day == d else 0.0) for c in self.crews)
        return least - self.driven.get(d, 0.0)

    def may_drive(self, t: float) -> float:
        """Hours the convoy may drive from ``t`` before a limit (or midnight, which starts a new
        day's allowance) is reached; 0 when it must halt."""
        can = math.inf if self.window is None else self.window.open_for(t)
        if self.crews:
            left = self.left(t)
            if left <= EPS:
                return 0.0
            can = min(can, left, next_midnight(t) - t)
        return 0.0 if can <= EPS else can

    def resume_at(self, t: float) -> float:
        """When a convoy that may not drive at ``t`` may drive again (inf: never)."""
        if self.crews and self.left(t) <= EPS:
            t = next_midnight(t)  # a new day: every vehicle has its whole allowance again
        if self.window is not None:
            t = self.window.next_open(t)
        return t

    def ready(self, t: float) -> float:
        """``t`` if the convoy may drive at ``t``, else when it may."""
        return t if self.may_drive(t) > 0 else self.resume_at(t)

    def _drove(self, t: float, hours: float) -> None:
        if self.crews:
            d = day_of(t)
            self.driven[d] = self.driven.get(d, 0.0) + hours

    def finish(self, t: float, hours: float) -> float:
        """When ``hours`` of driving started (or waited for) at ``t`` are done; no SimPy."""
        left = hours
        while left > EPS:
            can = self.may_drive(t)
            if can <= 0:
                t = self.resume_at(t)
                if math.isinf(t):
                    return t
                continue
            step = min(left, can)
            self._drove(t, step)
            t += step
            left -= step
        return t

    def drive(self, env: simpy.Environment, hours: float) -> Generator[simpy.Event, Any, None]:
        """Drive ``hours`` in SimPy time, halting where a limit is reached (counted in
        ``halts`` and ``halted_h``) until driving is allowed again."""
        left = hours
        while left > EPS:
            now = float(env.now)
            can = self.may_drive(now)
            if can <= 0:
                until = self.resume_at(now)
                self.halts += 1
                if math.isinf(until):
                    yield env.event()  # never allowed again: it stays there until the horizon
                self.halted_h += until - now
                yield env.timeout(until - now)
                continue
            step = min(left, can)
            yield env.timeout(step)
            self._drove(now, step)
            left -= step

    def hand_back(self, fleet: int, n: int, now: float) -> list[tuple[int, float, int]]:
        """``(day, hours driven that day, vehicles)`` of ``n`` vehicles of ``fleet`` leaving the
        convoy at ``now``, first taken first; the convoy keeps the rest."""
        d = day_of(now)
        out = []
        for c in self.crews:
            if n == 0:
                break
            if c.fleet != fleet or c.n == 0:
                continue
            k = min(n, c.n)
            used = (c.used if c.day == d else 0.0) + self.driven.get(d, 0.0)
            out.append((d, used, k))
            c.n -= k
            n -= k
        return out


@dataclass
class Airframe:
    """One aircraft on a sortie: ``flown`` sorties on calendar day ``day``."""

    fleet: int
    limit: int
    day: int
    flown: int


@dataclass
class DutyRoster:
    """Each fleet's duty and, per (site, fleet), the idle vehicles' (or airframes') hours
    driven (sorties flown) on their last working day."""

    windows: list[Window | None]
    hours: list[float | None]
    sorties: list[int | None]
    ledger: dict[tuple[int, int], list[list[Any]]] = field(default_factory=dict)

    @classmethod
    def build(cls, scenario: Scenario, fleets: list[tuple[str, int]]) -> DutyRoster | None:
        """The roster of a run (``fleets``: id and count of road fleets, then aircraft types,
        as the world numbers them); None when nothing has ``duty``."""
        s = scenario
        sites = list(s.sites)
        windows: list[Window | None] = []
        hours: list[float | None] = []
        sorties: list[int | None] = []
        home: list[int] = []
        for i, (fid, _count) in enumerate(fleets):
            if i < len(s.fleets):
                road = s.fleets[fid]
                d = road.duty
                windows.append(None if d is None or d.window is None else Window(Duty.day_hours(d.window)))
                hours.append(None if d is None else d.hours_per_day)
                sorties.append(None)
                home.append(sites.index(road.based_at))
            else:
                air = s.aircraft[fid]
                windows.append(None)
                hours.append(None)
                sorties.append(None if air.duty is None else air.duty.sorties_per_day)
                home.append(sites.index(air.based_at))
        if (
            all(w is None for w in windows)
            and all(h is None for h in hours)
            and all(n is None for n in sorties)
        ):
            return None
        roster = cls(windows, hours, sorties)
        for i, (_fid, count) in enumerate(fleets):
            if (hours[i] is not None or sorties[i] is not None) and count:
                roster.ledger[(home[i], i)] = [[-1, 0.0, count]]
        return roster

    # ------------------------------------------------------------------ the ledger
    def _sorted(self, key: tuple[int, int], now: float) -> list[list[Any]]:
        """The idle vehicles at ``key`` as ``[day, used, n]``, most hours (sorties) left first;
        records of earlier days count as unused today."""
        d = day_of(now)
        rows = self.ledger.get(key, [])
        merged: dict[float, int] = {}
        for day, used, n in rows:
            u = used if day == d else 0.0
            merged[u] = merged.get(u, 0) + n
        out = [[d, u, n] for u, n in sorted(merged.items()) if n > 0]
        self.ledger[key] = out
        return out

    def _take(self, key: tuple[int, int], n: int, now: float) -> list[tuple[int, float, int]]:
        rows = self._sorted(key, now)
        out = []
        while n > 0 and rows:
            day, used, k = rows[0]
            take = min(n, k)
            out.append((day, used, take))
            n -= take
            if take == k:
                rows.pop(0)
            else:
                rows[0][2] = k - take
        if n > 0:  # never expected: vehicles the ledger does not know are rested
            out.append((day_of(now), 0.0, n))
        return out

    def _put(self, key: tuple[int, int], day: int, used: float, n: int) -> None:
        rows = self.ledger.setdefault(key, [])
        for row in rows:
            if row[0] == day and row[1] == used:
                row[2] += n
                return
        rows.append([day, used, n])

    # ------------------------------------------------------------------ road convoys
    def convoy(self, site: int, fleets: dict[int, int], now: float) -> ConvoyDuty | None:
        """The duty clock of a convoy of ``fleets`` (fleet → vehicles) formed at ``site``,
        taking from the idle vehicles there those with the most hours left; None if none of
        its fleets has duty."""
        window: Hours | None = None
        crews: list[Crew] = []
        for f, n in sorted(fleets.items()):
            w = self.windows[f]
            if w is not None:
                window = w.hours if window is None else Duty.shared(window, w.hours)
            limit = self.hours[f]
            if limit is not None:
                crews += [Crew(f, limit, day, used, k) for day, used, k in self._take((site, f), n, now)]
        if window is None and not crews:
            return None
        return ConvoyDuty(None if window is None else Window(window), crews)

    def release(self, duty: ConvoyDuty, site: int, fleet: int, n: int, now: float) -> None:
        """``n`` vehicles of ``fleet`` leave the convoy and are idle at ``site``."""
        if self.hours[fleet] is None:
            return
        for day, used, k in duty.hand_back(fleet, n, now):
            self._put((site, fleet), day, used, k)

    def road_eta(
        self, fleet: int, pool: int, now: float, reach_h: float, load_h: float, leg_h: float, unload_h: float
    ) -> float | None:
        """Hours until a vehicle of ``fleet`` idle at ``pool`` (the one with the most hours
        left) has driven ``reach_h`` to the cargo, loaded, driven ``leg_h`` and unloaded,
        halting as its duty requires; None when the fleet has no duty."""
        window, limit = self.windows[fleet], self.hours[fleet]
        if window is None and limit is None:
            return None
        crews = []
        if limit is not None:
            rows = self._sorted((pool, fleet), now)
            day, used = (rows[0][0], rows[0][1]) if rows else (day_of(now), 0.0)
            crews.append(Crew(fleet, limit, day, used, 1))
        clock = ConvoyDuty(window, crews)
        t = clock.finish(now, reach_h) + load_h
        t = clock.finish(t, leg_h) + unload_h
        return t - now

    # ------------------------------------------------------------------ aircraft
    def airframe(self, site: int, fleet: int, now: float) -> Airframe | None:
        """The idle aircraft of ``fleet`` at ``site`` with the most sorties left today, taken
        for a sortie; None when the type has no duty."""
        limit = self.sorties[fleet]
        if limit is None:
            return None
        ((day, flown, _n),) = self._take((site, fleet), 1, now)
        return Airframe(fleet, limit, day, int(flown))

    def sortie_ready(self, plane: Airframe, t: float) -> float:
        """The first instant at or after ``t`` at which ``plane`` may depart on a sortie."""
        if plane.day == day_of(t) and plane.flown >= plane.limit:
            return next_midnight(t)
        return t

    def flew(self, plane: Airframe, depart: float) -> None:
        """``plane`` departed at ``depart``: one more sortie on that calendar day."""
        d = day_of(depart)
        plane.flown = plane.flown + 1 if plane.day == d else 1
        plane.day = d

    def landed(self, plane: Airframe, site: int) -> None:
        """``plane`` is idle at ``site``."""
        self._put((site, plane.fleet), plane.day, float(plane.flown), 1)

    def air_groups(
        self, site: int, fleet: int, idle: int, now: float, positioning: bool, reach_h: float, load_h: float
    ) -> list[tuple[float, int]]:
        """The ``idle`` aircraft of ``fleet`` at ``site`` not yet given a sortie in this plan,
        as ``(hours their crews' duty adds to a sortie's arrival, aircraft)``, least first.

        The sortie is flown ``reach_h`` in empty first when ``positioning`` (a sortie of its
        own), then loaded for ``load_h``; an aircraft that has flown its sorties for the day
        departs no earlier than 00:00 next day. The most rested aircraft are given sorties
        first, so those already given one in this plan are the most rested of the ledger.
        """
        limit = self.sorties[fleet]
        if limit is None:
            return [(0.0, idle)]
        rows = self._sorted((site, fleet), now)
        skip = sum(r[2] for r in rows) - idle
        groups: dict[float, int] = {}
        for _day, flown, n in rows:
            gone = min(skip, n)
            skip -= gone
            if n - gone <= 0:
                continue
            extra = _air_extra(limit, int(flown), now, positioning, reach_h, load_h)
            groups[extra] = groups.get(extra, 0) + n - gone
        return sorted(groups.items())


def _air_extra(limit: int, flown: int, now: float, positioning: bool, reach_h: float, load_h: float) -> float:
    """Hours an aircraft that has flown ``flown`` sorties today waits for its duty day before
    the loaded departure (after flying in if ``positioning``, and loading)."""
    t, day = now, day_of(now)
    if positioning:
        if flown >= limit:
            t, flown = next_midnight(t), 0
        day, flown = day_of(t), flown + 1
        t += reach_h
    t += load_h
    if day_of(t) != day:
        flown = 0
    if flown >= limit:
        t = next_midnight(t)
    return t - (now + reach_h + load_h)
