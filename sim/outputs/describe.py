"""The summary of a valid scenario that ``posture validate`` prints (a rich table).

One row per part of the scenario: sites and their personnel, equipment per class, fleets,
routes, phases, aircraft, airfields, crossings, convoy rules, dispositions and events. Every
cell built from user text goes through :func:`.terminal.safe`, so names, ids and reasons are
printed as written: no console markup, no control characters.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..scenario.drawn import references
from ..scenario.fields import PERSONNEL, middle, shown, shown_each, total
from .terminal import PlainTable

if TYPE_CHECKING:
    from ..scenario.schema import Scenario


def summary_table(s: Scenario) -> PlainTable:
    """The one-screen summary ``posture validate`` prints; user text shown as written."""
    t = PlainTable(title=f"{s.name} — valid", title_justify="left", show_header=True)
    t.add_column("part")
    t.add_column("contents")
    classes = [c for c in s.classes if c != PERSONNEL]
    t.add_row("start / horizon", f"{s.start.isoformat()} (day 0), {s.horizon_days:g} days")
    used = references(s)
    for name, param in s.parameters.items():
        uses = len(used[name])
        where = f"used by {uses} value{'s' if uses != 1 else ''}" if uses else "not used by any value"
        t.add_row(f"parameter: {name}", f"{shown(param.prior)}; {where}")
    t.add_row(
        "sites",
        f"{len(s.sites)}: "
        + ", ".join(
            f"{sid} ({shown(x.personnel)} people)" if x.personnel else sid for sid, x in s.sites.items()
        ),
    )
    t.add_row("personnel", total([site.personnel for site in s.sites.values()]))
    for c in classes:
        n = [site.equipment.get(c, 0) for site in s.sites.values()]
        tons = s.cargo[c].short_tons
        t.add_row(
            f"equipment: {c}", total(n) + (f" ({sum(map(middle, n)) * tons:,.0f} short tons)" if tons else "")
        )
    for fid, f in s.fleets.items():
        cap = ", ".join(f"{k} {v}" for k, v in f.capacity.items())
        t.add_row(f"fleet: {fid}", f"{shown(f.count)} vehicles at {f.based_at}; carries {cap}")
    legs = ", ".join(f"{r.from_}–{r.to} {shown(r.km)} km" for r in s.routes)
    t.add_row("routes", f"{len(s.routes)}: {legs}")
    for ph in s.phases:
        when = f"after {', '.join(ph.after)}" if ph.after else f"day {ph.start_day or 0:g}"
        moves = "; ".join(
            f"{m.from_} → {m.to}" + (f" keep {shown_each(m.keep)}" if m.keep else "") for m in ph.moves
        )
        t.add_row(f"phase: {ph.id}", f"{when}: {moves}")
    for aid, ac in s.aircraft.items():
        cap = ", ".join(f"{k} {v}" for k, v in ac.capacity.items())
        t.add_row(f"aircraft: {aid}", f"{shown(ac.count)} at {ac.based_at}; a sortie carries {cap}")
    fields = [f"{sid} ({shown(x.airfield.sorties_per_day)}/day)" for sid, x in s.sites.items() if x.airfield]
    if fields:
        t.add_row("airfields", ", ".join(fields))
    for cid, cr in s.crossings.items():
        rules = [
            f"{shown(cr.convoys_per_day)} convoys/day" if cr.convoys_per_day else "",
            f"{shown(cr.vehicles_per_hour)} vehicles/h" if cr.vehicles_per_hour else "",
            f"open {cr.open_hours[0]:g}-{cr.open_hours[1]:g} h" if cr.open_hours else "",
            f"max {cr.max_short_tons:g} short tons" if cr.max_short_tons else "",
            f"{len(cr.closures)} closure window(s)" if cr.closures else "",
        ]
        t.add_row(f"crossing: {cid}", "; ".join(r for r in rules if r) or "no limits")
    rules = [
        f"at most {s.convoy.max_vehicles} vehicles" if s.convoy.max_vehicles else "",
        f"{shown(s.convoy.escort_teams)} escort teams" if s.convoy.escort_teams else "",
    ]
    if any(rules):
        t.add_row("convoys", "; ".join(r for r in rules if r))
    for sid, site in s.sites.items():
        for cls, share in site.disposition.items():
            t.add_row(
                f"disposition: {sid}",
                f"{cls}: transfer {shown(share.transfer, '.0%')}, destroy {shown(share.destroy, '.0%')}",
            )
    for ev in s.events:
        when = f"day {ev.day:g}" if ev.day is not None else str(ev.date)
        reason = (ev.reason or "").split(". ")[0][:90]
        t.add_row(f"event: {ev.type}", when + (f" — {reason}" if reason else ""))
    return t
