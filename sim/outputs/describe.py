"""The summary of a valid scenario that ``posture validate`` prints (a rich table).

One row per part of the scenario: sites and their personnel, equipment per class, fleets,
routes, phases, aircraft, airfields, crossings, convoy rules, dispositions and events. Every
cell built from user text goes through :func:`.terminal.safe`, so names, ids and reasons are
printed as written: no console markup, no control characters.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from ..scenario.drawn import references
from ..scenario.fields import PERSONNEL, middle, shown, shown_each, total
from .terminal import PlainTable

SHOWN = 40
"""At most this many items are named in a cell, and rows of one kind shown; the rest are counted."""

if TYPE_CHECKING:
    from ..scenario.distributions import Distribution
    from ..scenario.events import EventBase
    from ..scenario.schema import Crossing, Phase, Scenario


def _listed(items: Iterable[str], sep: str = ", ") -> str:
    """The first :data:`SHOWN` items joined, then how many more there are."""
    items = list(items)
    more = len(items) - SHOWN
    return sep.join(items[:SHOWN]) + (f"{sep}… and {more:,} more" if more > 0 else "")


def _rows(t: PlainTable, rows: Iterable[tuple[str, str]], kind: str) -> None:
    """Add the first :data:`SHOWN` rows, then one row counting the rest."""
    rows = list(rows)
    for row in rows[:SHOWN]:
        t.add_row(*row)
    if len(rows) > SHOWN:
        t.add_row(f"{kind}: …", f"and {len(rows) - SHOWN:,} more")


def summary_table(s: Scenario) -> PlainTable:
    """The one-screen summary ``posture validate`` prints; user text shown as written."""
    t = PlainTable(title=f"{s.name} — valid", title_justify="left", show_header=True)
    t.add_column("part")
    t.add_column("contents")
    classes = [c for c in s.classes if c != PERSONNEL]
    t.add_row("start / horizon", f"{s.start.isoformat()} (day 0), {s.horizon_days:g} days")
    used = references(s)
    _rows(
        t,
        (_parameter(name, param.prior, len(used[name])) for name, param in s.parameters.items()),
        "parameters",
    )
    t.add_row(
        "sites",
        f"{len(s.sites)}: "
        + _listed(
            f"{sid} ({shown(x.personnel)} people)" if x.personnel else sid for sid, x in s.sites.items()
        ),
    )
    t.add_row("personnel", total([site.personnel for site in s.sites.values()]))
    _rows(t, (_equipment(s, c) for c in classes), "equipment")
    _rows(
        t,
        (
            (f"fleet: {fid}", f"{shown(f.count)} vehicles at {f.based_at}; carries {_capacity(f.capacity)}")
            for fid, f in s.fleets.items()
        ),
        "fleets",
    )
    legs = _listed(f"{r.from_}–{r.to} {shown(r.km)} km" for r in s.routes)
    t.add_row("routes", f"{len(s.routes)}: {legs}")
    _rows(t, (_phase(ph) for ph in s.phases), "phases")
    _rows(
        t,
        (
            (
                f"aircraft: {aid}",
                f"{shown(ac.count)} at {ac.based_at}; a sortie carries {_capacity(ac.capacity)}",
            )
            for aid, ac in s.aircraft.items()
        ),
        "aircraft",
    )
    fields = [f"{sid} ({shown(x.airfield.sorties_per_day)}/day)" for sid, x in s.sites.items() if x.airfield]
    if fields:
        t.add_row("airfields", _listed(fields))
    _rows(t, ((f"crossing: {cid}", _crossing(cr)) for cid, cr in s.crossings.items()), "crossings")
    rules = [
        f"at most {s.convoy.max_vehicles} vehicles" if s.convoy.max_vehicles else "",
        f"{shown(s.convoy.escort_teams)} escort teams" if s.convoy.escort_teams else "",
    ]
    if any(rules):
        t.add_row("convoys", "; ".join(r for r in rules if r))
    _rows(
        t,
        (
            (
                f"disposition: {sid}",
                f"{cls}: transfer {shown(share.transfer, '.0%')}, destroy {shown(share.destroy, '.0%')}",
            )
            for sid, site in s.sites.items()
            for cls, share in site.disposition.items()
        ),
        "dispositions",
    )
    _rows(t, (_event(ev) for ev in s.events), "events")
    return t


def _parameter(name: str, prior: float | Distribution, uses: int) -> tuple[str, str]:
    where = f"used by {uses} value{'s' if uses != 1 else ''}" if uses else "not used by any value"
    return f"parameter: {name}", f"{shown(prior)}; {where}"


def _equipment(s: Scenario, c: str) -> tuple[str, str]:
    n = [site.equipment.get(c, 0) for site in s.sites.values()]
    tons = s.cargo[c].short_tons
    return f"equipment: {c}", total(n) + (f" ({sum(map(middle, n)) * tons:,.0f} short tons)" if tons else "")


def _capacity(capacity: dict[str, int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in capacity.items())


def _phase(ph: Phase) -> tuple[str, str]:
    when = f"after {', '.join(ph.after)}" if ph.after else f"day {ph.start_day or 0:g}"
    moves = _listed(
        (f"{m.from_} → {m.to}" + (f" keep {shown_each(m.keep)}" if m.keep else "") for m in ph.moves), "; "
    )
    return f"phase: {ph.id}", f"{when}: {moves}"


def _crossing(cr: Crossing) -> str:
    rules = [
        f"{shown(cr.convoys_per_day)} convoys/day" if cr.convoys_per_day else "",
        f"{shown(cr.vehicles_per_hour)} vehicles/h" if cr.vehicles_per_hour else "",
        f"open {cr.open_hours[0]:g}-{cr.open_hours[1]:g} h" if cr.open_hours else "",
        f"max {cr.max_short_tons:g} short tons" if cr.max_short_tons else "",
        f"{len(cr.closures)} closure window(s)" if cr.closures else "",
    ]
    return "; ".join(r for r in rules if r) or "no limits"


def _event(ev: EventBase) -> tuple[str, str]:
    when = f"day {ev.day:g}" if ev.day is not None else str(ev.date)
    reason = (ev.reason or "").split(". ")[0][:90]
    return f"event: {ev.type}", when + (f" — {reason}" if reason else "")
