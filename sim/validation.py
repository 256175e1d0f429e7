"""Checks that need the whole scenario: references, cycles, reachability, provenance.

:mod:`sim.schema` checks each value on its own. Here we check that the parts fit together:
every site, fleet and phase named exists; phase dependencies have no cycle; every class a move
must carry has a fleet that can carry it and reach it; every move has a road; every source id
cited exists. Each check yields ``(path, message)`` pairs that the loader turns into
``FILE:LINE: key: message`` lines.
"""

from __future__ import annotations

import difflib
import graphlib
from collections.abc import Iterable, Iterator
from typing import Any

from .network import Network
from .problems import Path
from .schema import PERSONNEL, Scenario

Finding = tuple[Path, str]

ASSUMPTION = "assumption:"


def suggest(word: str, choices: Iterable[str]) -> str:
    """A "did you mean" suffix for a near miss, or a list of the choices."""
    options = sorted(str(c) for c in choices)
    close = difflib.get_close_matches(str(word), options, n=1, cutoff=0.6)
    if close:
        return f"; did you mean {close[0]!r}?"
    if not options:
        return "; none are defined"
    shown = ", ".join(options[:12]) + (", ..." if len(options) > 12 else "")
    return f"; known: {shown}"


def _ref(kind: str, name: str, known: Iterable[str]) -> str:
    return f"unknown {kind} {name!r}{suggest(name, known)}"


def check_scenario(s: Scenario) -> list[Finding]:
    """All cross-reference problems of a schema-valid scenario, in file order."""
    found: list[Finding] = []
    for check in (_check_classes, _check_fleets, _check_routes, _check_phases, _check_moves,
                  _check_observations):
        found.extend(check(s))
    return found


def _check_classes(s: Scenario) -> Iterator[Finding]:
    for sid, site in s.sites.items():
        for cls in site.equipment:
            if cls == PERSONNEL:
                yield ("sites", sid, "equipment", cls), "people go in the site's personnel: key, not in equipment"
            elif cls not in s.cargo:
                yield ("sites", sid, "equipment", cls), _ref("cargo class", cls, s.cargo) + \
                    " (declare it under cargo:)"


def _check_fleets(s: Scenario) -> Iterator[Finding]:
    classes = set(s.classes)
    for fid, fleet in s.fleets.items():
        if fleet.based_at not in s.sites:
            yield ("fleets", fid, "based_at"), _ref("site", fleet.based_at, s.sites)
        for cls in fleet.capacity:
            if cls not in classes:
                yield ("fleets", fid, "capacity", cls), _ref("cargo class", cls, classes)


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
            yield ("phases", i, "id"), f"duplicate phase id {ph.id!r} (also phases[{ids[ph.id]}]); ids must be unique"
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
        yield ("phases", first, "after"), "phases depend on each other in a cycle: " + \
            " -> ".join(cycle) + "; one of them must start on a day or after another phase"


def _check_moves(s: Scenario) -> Iterator[Finding]:
    net = Network.from_scenario(s)
    classes = set(s.classes)
    arriving: dict[str, set[str]] = {sid: set() for sid in s.sites}
    for ph in s.phases:
        for mv in ph.moves:
            if mv.from_ in s.sites and mv.to in arriving:
                arriving[mv.to].update(c for c, n in s.holdings(mv.from_).items() if n > 0)
    for i, ph in enumerate(s.phases):
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
            if not net.reachable(mv.from_, mv.to):
                yield (*here, "to"), f"no route joins {mv.from_!r} and {mv.to!r}; add a route (or a chain of routes) between them"
                continue
            held = s.holdings(mv.from_)
            moving = {c for c, n in held.items() if n > mv.keep.get(c, 0)} | arriving[mv.from_]
            for cls in [c for c in s.classes if c in moving]:
                carriers = [f for f, fl in s.fleets.items() if fl.capacity.get(cls, 0) > 0]
                if not carriers:
                    yield here, f"no fleet can carry {cls!r} from {mv.from_!r}; give a fleet capacity for {cls!r}"
                    continue
                if not any(s.fleets[f].based_at in s.sites and net.reachable(s.fleets[f].based_at, mv.from_)
                           and s.fleets[f].count > 0 for f in carriers):
                    yield here, f"no fleet that carries {cls!r} has vehicles that can reach {mv.from_!r} " + \
                        f"(carriers: {', '.join(carriers)}); add vehicles or a route"


def _check_observations(s: Scenario) -> Iterator[Finding]:
    for i, ob in enumerate(s.observations):
        if ob.site is not None and ob.site not in s.sites:
            yield ("observations", i, "site"), _ref("site", ob.site, s.sites)
        yield from (((("observations", i, "source")), m) for m in _citation_problems(ob.source, s))


def _citation_problems(text: str, s: Scenario) -> Iterator[str]:
    if text.strip().lower().startswith(ASSUMPTION):
        if len(text.strip()) < len(ASSUMPTION) + 8:
            yield "an assumption must give its reasoning after 'assumption:'"
        return
    ids = [t for t in text.replace(";", ",").replace(" ", ",").split(",") if t]
    if not ids:
        yield "cite a source id from sources:, or write 'assumption: <reasoning>'"
    for sid in ids:
        if sid not in s.sources:
            yield f"cites unknown source {sid!r}{suggest(sid, s.sources)}"


def check_citations(data: dict[str, Any], s: Scenario) -> list[Finding]:
    """Every ``cite`` string names known sources or states an assumption."""
    found: list[Finding] = []
    for path, value in _walk(data, ()):
        if path and path[-1] == "cite" or (len(path) >= 2 and path[-2] == "cite"):
            if isinstance(value, str):
                found.extend((path, m) for m in _citation_problems(value, s))
            elif not isinstance(value, dict):
                found.append((path, "cite must be a string or a mapping of field: string"))
    return found


def uncited_figures(data: dict[str, Any]) -> list[Finding]:
    """Numbers in the scenario that no ``cite`` covers (for ``validate --require-sources``).

    A ``cite`` string covers every figure in its object and below; a ``cite`` mapping covers
    the fields it names. Top-level run settings (``horizon_days``) and observations (which
    carry their own ``source``) are exempt.
    """
    found: list[Finding] = []

    def visit(node: Any, path: Path, covered: bool) -> None:
        if isinstance(node, dict):
            cite = node.get("cite")
            for key, value in node.items():
                if key == "cite":
                    continue
                here = covered or isinstance(cite, str) or (isinstance(cite, dict) and key in cite)
                visit(value, (*path, key), here)
        elif isinstance(node, list):
            for i, item in enumerate(node):
                visit(item, (*path, i), covered)
        elif isinstance(node, int | float) and not isinstance(node, bool) and not covered:
            found.append((path, f"figure {node!r} has no source: add cite: <source id> or "
                                "cite: 'assumption: <reasoning>' to its object"))

    for key, value in data.items():
        if key in ("observations", "sources", "horizon_days", "cite", "name", "description", "start"):
            continue
        visit(value, (key,), False)
    return found


def _walk(node: Any, path: Path) -> Iterator[tuple[Path, Any]]:
    if isinstance(node, dict):
        for k, v in node.items():
            yield (*path, k), v
            yield from _walk(v, (*path, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield (*path, i), v
            yield from _walk(v, (*path, i))
