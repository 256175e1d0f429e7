"""Checks that need the whole scenario: references, cycles, reachability, provenance.

:mod:`sim.schema` checks each value on its own. Here we check that the parts fit together:
every site, fleet and phase named exists; phase dependencies have no cycle; every class a move
must carry has a fleet that can carry it and reach it; every move has a road; every source id
cited exists. Each check yields ``(path, message)`` pairs that the loader turns into
``FILE:LINE: key: message`` lines. A count or rate given as a distribution is checked at its
bounds (whether anything may move: its upper bound; shares adding up to at most 1: their upper
bounds; a crossing on a route: the route's lower bound) and roads at their central length.
"""

from __future__ import annotations

import graphlib
from collections.abc import Iterable, Iterator

from .drawn import central
from .events import CONDITIONS, Trigger
from .evidence import SITE_METRICS, shape_problems
from .fields import drawn_at, least, most
from .network import Network
from .problems import Path, suggest
from .provenance import citation_problems
from .schema import (
    PERSONNEL,
    CloseCrossingEvent,
    Duty,
    OpenCrossingEvent,
    PauseEvent,
    ReinforceEvent,
    ResumeEvent,
    Scenario,
    SetKeepEvent,
)

Finding = tuple[Path, str]


def _ref(kind: str, name: str, known: Iterable[str]) -> str:
    return f"unknown {kind} {name!r}{suggest(name, known)}"


def check_scenario(s: Scenario) -> list[Finding]:
    """All cross-reference problems of a schema-valid scenario, in file order."""
    found: list[Finding] = []
    for check in (
        _check_classes,
        _check_fleets,
        _check_routes,
        _check_phases,
        _check_moves,
        _check_air_and_crossings,
        _check_events,
        _check_observations,
    ):
        found.extend(check(s))
    return found


def _check_classes(s: Scenario) -> Iterator[Finding]:
    for sid, site in s.sites.items():
        for cls in site.equipment:
            if cls == PERSONNEL:
                yield (
                    ("sites", sid, "equipment", cls),
                    "people go in the site's personnel: key, not in equipment",
                )
            elif cls not in s.cargo:
                yield (
                    ("sites", sid, "equipment", cls),
                    _ref("cargo class", cls, s.cargo) + " (declare it under cargo:)",
                )


def _check_fleets(s: Scenario) -> Iterator[Finding]:
    classes = set(s.classes)
    for fid, fleet in s.fleets.items():
        if fleet.based_at not in s.sites:
            yield ("fleets", fid, "based_at"), _ref("site", fleet.based_at, s.sites)
        for cls in fleet.capacity:
            if cls not in classes:
                yield ("fleets", fid, "capacity", cls), _ref("cargo class", cls, classes)
    clash = Duty.clash({fid: f.duty.window for fid, f in s.fleets.items() if f.duty is not None})
    if clash is not None:
        yield ("fleets", clash[0], "duty", "window"), clash[1]


def _check_routes(s: Scenario) -> Iterator[Finding]:
    for i, r in enumerate(s.routes):
        for key, sid in (("from", r.from_), ("to", r.to)):
            if sid not in s.sites:
                yield ("routes", i, key), _ref("site", sid, s.sites)
        if r.from_ == r.to:
            yield ("routes", i, "to"), f"a route must join two different sites, got {r.to!r} twice"


def _check_phases(s: Scenario) -> Iterator[Finding]:
    ids: dict[str, int] = {}
    for i, ph in enumerate(s.phases):
        if ph.id in ids:
            yield (
                ("phases", i, "id"),
                f"duplicate phase id {ph.id!r} (also phases[{ids[ph.id]}]); ids must be unique",
            )
        ids.setdefault(ph.id, i)
    sorter: graphlib.TopologicalSorter[str] = graphlib.TopologicalSorter()
    for i, ph in enumerate(s.phases):
        for j, dep in enumerate(ph.after):
            if dep == ph.id:
                yield ("phases", i, "after", j), f"phase {ph.id!r} cannot start after itself"
            elif dep not in ids:
                yield ("phases", i, "after", j), _ref("phase", dep, ids)
        sorter.add(ph.id, *[d for d in ph.after if d in ids and d != ph.id])
    try:
        sorter.prepare()
    except graphlib.CycleError as exc:
        cycle = list(exc.args[1])
        first = min(ids[p] for p in cycle)
        yield (
            ("phases", first, "after"),
            "phases depend on each other in a cycle: "
            + " -> ".join(cycle)
            + "; one of them must start on a day or after another phase",
        )


def _air_ok(s: Scenario, cls: str, a: str, b: str) -> bool:
    """Whether some aircraft type can carry ``cls`` from airfield ``a`` to airfield ``b``."""
    tons = (s.cargo[cls].short_tons if cls in s.cargo else None) or 0.0
    for aid, ac in s.aircraft.items():
        cap = ac.capacity.get(cls, 0)
        if ac.max_short_tons is not None and tons > 0:
            cap = int(min(cap, ac.max_short_tons // tons))
        if cap <= 0 or most(ac.count) <= 0:
            continue
        fields = [s.sites[x].airfield for x in (a, b, ac.based_at) if x in s.sites]
        if len(fields) == 3 and all(f is not None and (f.types is None or aid in f.types) for f in fields):
            return True
    return False


def _closed_for_good(s: Scenario, by_day: float) -> frozenset[str]:
    return frozenset(
        cid
        for cid, c in s.crossings.items()
        if any(w.to_day is None and w.from_day <= by_day for w in c.closures)
    )


def _road_ok(s: Scenario, net: Network, cls: str, a: str, b: str, closed: frozenset[str]) -> str | None:
    """None if some fleet can take one unit of ``cls`` from a to b by road (a self-propelled
    class needs no fleet: a road its weight may use), else why not."""
    tons = (s.cargo[cls].short_tons if cls in s.cargo else None) or 0.0
    drives = cls in s.cargo and s.cargo[cls].self_propelled is not None
    able = [fid for fid, f in s.fleets.items() if f.capacity.get(cls, 0) > 0]
    carriers = [(fid, f) for fid, f in s.fleets.items() if f.capacity.get(cls, 0) > 0 and most(f.count) > 0]
    if not able and not drives:
        return "no fleet carries it"
    if not carriers and not drives:
        return f"the fleets that carry it ({', '.join(able)}) have no vehicles"
    if not net.reachable(a, b, closed):
        return "every route is shut by a crossing closed for good" if closed else "no route"
    if drives:
        return None if net.reachable(a, b, closed | net.too_weak(tons)) else "weight limits leave it no route"
    for _fid, f in carriers:
        if (
            f.based_at in s.sites
            and net.reachable(f.based_at, a, closed | net.too_weak(f.empty_short_tons))
            and net.reachable(a, b, closed | net.too_weak(f.empty_short_tons + tons))
        ):
            return None
    if any(
        net.reachable(a, b, closed)
        and not net.reachable(a, b, closed | net.too_weak(f.empty_short_tons + tons))
        for _fid, f in carriers
    ):
        return "weight limits at the crossings leave it no route"
    return f"no fleet that carries it ({', '.join(f for f, _ in carriers)}) can reach {a!r}"


def _check_moves(s: Scenario) -> Iterator[Finding]:
    net = Network.from_scenario(central(s))
    classes = set(s.classes)
    arriving: dict[str, set[str]] = {sid: set() for sid in s.sites}
    for ph in s.phases:
        for mv in ph.moves:
            if mv.from_ in s.sites and mv.to in arriving:
                arriving[mv.to].update(c for c, n in s.holdings(mv.from_).items() if most(n) > 0)
    for i, ph in enumerate(s.phases):
        closed = _closed_for_good(s, ph.start_day or 0.0)
        for j, mv in enumerate(ph.moves):
            here = ("phases", i, "moves", j)
            bad = False
            for key, sid in (("from", mv.from_), ("to", mv.to)):
                if sid not in s.sites:
                    bad = True
                    yield (*here, key), _ref("site", sid, s.sites)
            for cls in mv.keep:
                if cls not in classes:
                    yield (*here, "keep", cls), _ref("cargo class", cls, classes)
            if bad:
                continue
            if mv.from_ == mv.to:
                yield (*here, "to"), f"a move must go to another site, got {mv.to!r} twice"
                continue
            if not net.reachable(mv.from_, mv.to) and not s.aircraft:
                yield (
                    (*here, "to"),
                    (
                        f"no route joins {mv.from_!r} and {mv.to!r}; add a route "
                        "(or a chain of routes) between them"
                    ),
                )
                continue
            held = s.holdings(mv.from_)
            moving = {c for c, n in held.items() if most(n) > least(mv.keep.get(c, 0))} | arriving[mv.from_]
            for cls in [c for c in s.classes if c in moving]:
                yield from _carry_problems(
                    s,
                    net,
                    here,
                    cls,
                    mv.from_,
                    mv.to,
                    mv.mode or (s.cargo[cls].mode if cls in s.cargo else "any"),
                    closed,
                )


def _carry_problems(
    s: Scenario, net: Network, here: Path, cls: str, a: str, b: str, mode: str, closed: frozenset[str]
) -> Iterator[Finding]:
    if mode == "any" and cls in s.cargo and s.cargo[cls].self_propelled is not None:
        mode = "road"  # a self-propelled class flies only when its mode says air
    air = mode in ("air", "any") and _air_ok(s, cls, a, b)
    if air:
        return
    if mode == "air":
        yield (
            here,
            (
                f"{cls!r} must go by air, but no aircraft type that carries it can use airfields at "
                f"both {a!r} and {b!r}; add an airfield (and an aircraft with capacity for it)"
            ),
        )
        return
    why = _road_ok(s, net, cls, a, b, closed)
    if why is not None:
        yield here, f"{cls!r} cannot get from {a!r} to {b!r} ({why}); add a fleet, a route or airlift"


def _check_air_and_crossings(s: Scenario) -> Iterator[Finding]:
    classes = set(s.classes)
    for aid, ac in s.aircraft.items():
        if ac.based_at not in s.sites:
            yield ("aircraft", aid, "based_at"), _ref("site", ac.based_at, s.sites)
        elif s.sites[ac.based_at].airfield is None:
            yield (
                ("aircraft", aid, "based_at"),
                f"{ac.based_at!r} has no airfield; aircraft must be based at one",
            )
        for cls in ac.capacity:
            if cls not in classes:
                yield ("aircraft", aid, "capacity", cls), _ref("cargo class", cls, classes)
    for sid, site in s.sites.items():
        if site.airfield is not None:
            for k, t in enumerate(site.airfield.types or []):
                if t not in s.aircraft:
                    yield ("sites", sid, "airfield", "types", k), _ref("aircraft type", t, s.aircraft)
        for cls in site.prepare.hours if site.prepare is not None else ():
            if cls not in classes:
                yield ("sites", sid, "prepare", "hours", cls), _ref("cargo class", cls, classes)
        for cls, share in site.disposition.items():
            if cls == PERSONNEL or cls not in s.cargo:
                yield ("sites", sid, "disposition", cls), _ref("equipment class", cls, s.cargo)
            if (both := most(share.transfer) + most(share.destroy)) > 1.0 + 1e-9:
                yield (
                    ("sites", sid, "disposition", cls),
                    f"transfer + destroy is {both:g}{drawn_at(share.transfer, share.destroy)}; "
                    "the shares must add up to at most 1",
                )
    for i, air in enumerate(s.air_routes):
        for key, sid in (("from", air.from_), ("to", air.to)):
            if sid not in s.sites:
                yield ("air_routes", i, key), _ref("site", sid, s.sites)
            elif s.sites[sid].airfield is None:
                yield ("air_routes", i, key), f"{sid!r} has no airfield"
    used: set[str] = set()
    for i, r in enumerate(s.routes):
        for k, item in enumerate(r.crossings):
            cid = item if isinstance(item, str) else item.id
            used.add(cid)
            if cid not in s.crossings:
                yield ("routes", i, "crossings", k), _ref("crossing", cid, s.crossings)
            elif not isinstance(item, str) and item.at_km is not None and item.at_km > least(r.km):
                yield (
                    ("routes", i, "crossings", k, "at_km"),
                    f"at_km {item.at_km:g} is beyond the route's {least(r.km):g} km",
                )
    for cid, c in s.crossings.items():
        if cid not in used:
            yield ("crossings", cid), "this crossing is on no route; list it under a route's crossings:"
        if c.open_hours is not None and c.open_hours[0] == c.open_hours[1]:
            yield (
                ("crossings", cid, "open_hours"),
                "opening and closing hour are equal; omit open_hours for always open",
            )
        elif c.open_hours is not None and tuple(c.open_hours) == (24, 0):
            yield (
                ("crossings", cid, "open_hours"),
                "[24, 0] is never open (it opens at midnight and shuts at once); use [0, 24] or omit it",
            )
        for k, w in enumerate(c.closures):
            if w.to_day is not None and w.to_day < w.from_day:
                yield ("crossings", cid, "closures", k, "to_day"), "to_day is before from_day"


EVENT_NEEDS: dict[str, tuple[str, ...]] = {
    "reinforce": ("to", "from_"),
    "close_crossing": ("crossing",),
    "open_crossing": ("crossing",),
    "set_keep": ("site", "keep"),
    "start_phase": ("phase",),
    "cancel_phase": ("phase",),
}
"""The keys each event type must have (attribute names; ``from_`` is the ``from:`` key)."""


def _check_events(s: Scenario) -> Iterator[Finding]:
    phases = {p.id for p in s.phases}
    classes = set(s.classes)
    for i, ev in enumerate(s.events):
        here: Path = ("events", i)
        if ev.when is not None:
            dated = ev.day is not None or ev.date is not None
            yield from _check_when(s, ev.when, (*here, "when"), phases, dated)
        elif (ev.day is None) == (ev.date is None):
            yield (
                (*here, "day"),
                "give exactly one of day: (from day 0), date: (YYYY-MM-DD) or when: (a condition)",
            )
        elif ev.date is not None and ev.date < s.start:
            yield (*here, "date"), f"{ev.date} is before the scenario start {s.start}"
        if ev.after_days is not None and ev.when is None:
            yield (*here, "after_days"), "after_days goes with when: (for a dated event, add it to day:)"
        for key in EVENT_NEEDS.get(ev.type, ()):
            if getattr(ev, key) is None:
                yield here, f"a {ev.type} event needs {key.rstrip('_')}:"
        if isinstance(ev, PauseEvent | ResumeEvent):
            for k, sid in enumerate(ev.sites or []):
                if sid not in s.sites:
                    yield (*here, "sites", k), _ref("site", sid, s.sites)
            for k, pid in enumerate(ev.phases or []):
                if pid not in phases:
                    yield (*here, "phases", k), _ref("phase", pid, phases)
        elif isinstance(ev, ReinforceEvent):
            yield from _check_reinforce(s, ev, here, classes)
        elif isinstance(ev, SetKeepEvent):
            if ev.site is not None and ev.site not in s.sites:
                yield (*here, "site"), _ref("site", ev.site, s.sites)
            for cls in ev.keep or {}:
                if cls not in classes:
                    yield (*here, "keep", cls), _ref("cargo class", cls, classes)
        elif isinstance(ev, CloseCrossingEvent | OpenCrossingEvent):
            if ev.crossing is not None and ev.crossing not in s.crossings:
                yield (*here, "crossing"), _ref("crossing", ev.crossing, s.crossings)
        elif ev.phase is not None and ev.phase not in phases:  # start_phase, cancel_phase
            yield (*here, "phase"), _ref("phase", ev.phase, phases)


def _check_when(s: Scenario, when: Trigger, here: Path, phases: set[str], dated: bool) -> Iterator[Finding]:
    """A ``when:`` has exactly one condition, names real sites and phases, and no day or date."""
    if dated:
        yield here, "give when: or day:/date:, not both (a conditional event fires when its condition holds)"
    given = when.given()
    if len(given) != 1:
        got = " and ".join(given) if given else "none"
        yield here, f"give exactly one condition ({', '.join(CONDITIONS)}); got {got}"
    for key in given:
        if key == "site_below":
            assert when.site_below is not None
            if when.site_below.site not in s.sites:
                yield (*here, key, "site"), _ref("site", when.site_below.site, s.sites)
        elif key in ("phase_started", "phase_closed"):
            pid = getattr(when, key)
            if pid not in phases:
                yield (*here, key), _ref("phase", pid, phases)
        elif key == "site_empty" and when.site_empty not in s.sites:
            yield (*here, key), _ref("site", str(when.site_empty), s.sites)


def _check_reinforce(s: Scenario, ev: ReinforceEvent, here: Path, classes: set[str]) -> Iterator[Finding]:
    for key, sid in (("to", ev.to), ("from", ev.from_)):
        if sid is not None and sid not in s.sites:
            yield (*here, key), _ref("site", sid, s.sites)
    for cls in ev.equipment:
        if cls not in classes or cls == PERSONNEL:
            yield (*here, "equipment", cls), _ref("cargo class", cls, classes - {PERSONNEL})
    if ev.to in s.sites and ev.from_ in s.sites:
        if most(ev.personnel) <= 0 and not any(most(n) > 0 for n in ev.equipment.values()):
            yield here, "a reinforce event needs personnel: or equipment:"
        net = Network.from_scenario(central(s))
        units = {PERSONNEL: ev.personnel, **ev.equipment}
        for cls, n in units.items():
            if most(n) > 0 and cls in classes:
                mode = s.cargo[cls].mode if cls in s.cargo else "any"
                yield from _carry_problems(s, net, here, cls, ev.from_, ev.to, mode, frozenset())


def _check_observations(s: Scenario) -> Iterator[Finding]:
    """Each observation is one value or one range, of a metric that can have it."""
    classes = [c for c in s.classes if c != PERSONNEL]
    for i, ob in enumerate(s.observations):
        here: Path = ("observations", i)
        yield from shape_problems(here, ob)
        if ob.site is not None and ob.metric in SITE_METRICS:
            if ob.site not in s.sites:
                yield (*here, "site"), _ref("site", ob.site, s.sites)
            elif ob.metric == "sites_open" and not dict(zip(s.sites, s.in_theatre(), strict=True))[ob.site]:
                yield (*here, "site"), f"{ob.site} is not in theatre, so it is never counted as open"
        if ob.class_ is not None and ob.metric == "equipment" and ob.class_ not in classes:
            yield (*here, "class"), _ref("equipment class", ob.class_, classes)
        if ob.aircraft is not None and ob.metric == "sorties" and ob.aircraft not in s.aircraft:
            yield (*here, "aircraft"), _ref("aircraft type", ob.aircraft, s.aircraft)
        yield from (((*here, "source"), m) for m in citation_problems(ob.source, s))
    for i, ms in enumerate(s.milestones):
        here = ("milestones", i)
        if ms.earliest is not None and ms.earliest > ms.date:
            yield (*here, "earliest"), f"earliest ({ms.earliest}) is after date ({ms.date})"
        if ms.latest is not None and ms.latest < ms.date:
            yield (*here, "latest"), f"latest ({ms.latest}) is before date ({ms.date})"
        yield from (((*here, "source"), m) for m in citation_problems(ms.source, s))
