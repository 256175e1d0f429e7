"""Sanity checks: what a schema-valid scenario may not say though each value is in range.

* an empty ``sites: []`` or ``phases: []`` on a pause or resume (which would mean everything);
* a crossing listed more than once on one route (its effect would count twice);
* a site id that is a reserved word, a column name of the outputs (:data:`RESERVED_SITE_IDS`);
* more than :data:`MAX_VEHICLES` vehicles and aircraft in all (each is simulated one by one,
  so the work and memory of a run grow with the count; real theatres have thousands);
* dates the calendar cannot hold: ``start`` no earlier than :data:`FIRST_START`, the run's
  end (``start`` plus ``horizon_days``) no later than :data:`LAST_END`, and every other date
  within :data:`MAX_DAYS` days of ``start``.

Each check yields ``(path, message)`` pairs, as :mod:`.validation` does; the loader reports
them with the others.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator

from .events import PauseEvent, ResumeEvent
from .fields import MAX_DAYS, most
from .problems import Path
from .schema import Scenario

Finding = tuple[Path, str]

MAX_VEHICLES = 1_000_000
"""Vehicles and aircraft a scenario may hold in all, counting each distribution at its top."""

RESERVED_SITE_IDS = ("day", "date", "in_transit", "in_theatre", "personnel")
"""Words that name columns of the outputs (``troop_curve.csv``) or measures, never a site."""

FIRST_START = dt.date(1000, 1, 1)
LAST_END = dt.date(9000, 12, 31)
"""The calendar a run may use: from ``start`` to ``start + horizon_days`` within these dates,
which leaves room either side for the evidence (:data:`MAX_DAYS` around ``start``) and the
margins of the plots, whose dates must stay within years 1 to 9999."""


def check_sanity(s: Scenario) -> list[Finding]:
    """Every sanity problem of a schema-valid scenario."""
    return [
        *_check_calendar(s),
        *_check_site_ids(s),
        *_check_vehicles(s),
        *_check_routes(s),
        *_check_events(s),
    ]


def _check_vehicles(s: Scenario) -> Iterator[Finding]:
    counts: dict[Path, float] = {("fleets", fid, "count"): most(f.count) for fid, f in s.fleets.items()}
    counts.update({("aircraft", aid, "count"): most(a.count) for aid, a in s.aircraft.items()})
    total = sum(counts.values())
    if total > MAX_VEHICLES:
        largest = max(counts, key=lambda path: counts[path])
        yield (
            largest,
            f"the fleets and aircraft hold {total:,.0f} vehicles in all (limit {MAX_VEHICLES:,}, "
            "each is simulated one by one); lower the counts",
        )


def _check_site_ids(s: Scenario) -> Iterator[Finding]:
    for sid in s.sites:
        if sid in RESERVED_SITE_IDS:
            yield (
                ("sites", sid),
                f"{sid!r} is a reserved word (it names a column of the outputs); a site id may "
                f"not be any of: {', '.join(RESERVED_SITE_IDS)}",
            )


def _check_routes(s: Scenario) -> Iterator[Finding]:
    for i, r in enumerate(s.routes):
        seen: dict[str, int] = {}
        for k, item in enumerate(r.crossings):
            cid = item if isinstance(item, str) else item.id
            if cid in seen:
                yield (
                    ("routes", i, "crossings", k),
                    f"crossing {cid!r} is listed more than once on this route (also crossings"
                    f"[{seen[cid]}]); list each crossing once",
                )
            seen.setdefault(cid, k)


def _check_events(s: Scenario) -> Iterator[Finding]:
    for i, ev in enumerate(s.events):
        if isinstance(ev, PauseEvent | ResumeEvent):
            for key, what in (("sites", "site"), ("phases", "phase")):
                if getattr(ev, key) == []:
                    yield (
                        ("events", i, key),
                        f"an empty list: give at least one {what}, or leave {key} out to "
                        f"{ev.type} {'everywhere' if key == 'sites' else 'every phase'}",
                    )


def _dates(s: Scenario) -> Iterator[tuple[Path, dt.date]]:
    """Every date of the scenario but ``start``, with its path."""
    for i, ev in enumerate(s.events):
        if ev.date is not None:
            yield ("events", i, "date"), ev.date
    for i, ob in enumerate(s.observations):
        yield ("observations", i, "date"), ob.date
    for i, ms in enumerate(s.milestones):
        for key in ("date", "earliest", "latest"):
            if (d := getattr(ms, key)) is not None:
                yield ("milestones", i, key), d


def _check_calendar(s: Scenario) -> Iterator[Finding]:
    room = LAST_END.toordinal() - s.start.toordinal()
    if s.start < FIRST_START:
        yield ("start",), f"{s.start} is before {FIRST_START}, the earliest start the calendar allows"
    elif math.ceil(s.horizon_days) > room:
        yield (
            ("horizon_days",),
            f"the run would end after {LAST_END}, the last date the calendar allows; from start "
            f"{s.start} give at most {max(room, 0)} days, or an earlier start",
        )
    for path, d in _dates(s):
        if abs(d.toordinal() - s.start.toordinal()) > MAX_DAYS:
            yield (
                path,
                f"{d} is more than {MAX_DAYS:g} days from the scenario start {s.start}; give a "
                "date within that range",
            )
