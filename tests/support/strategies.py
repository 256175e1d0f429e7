"""Hypothesis strategies that generate VALID scenarios, and helpers to load and run them.

:func:`scenario_dicts` draws a scenario as the plain mapping a YAML file would hold
(``datetime.date`` for dates, so :func:`yaml.safe_dump` writes them as YAML dates). Every
mapping it draws passes :func:`sim.scenario.loader.build_scenario`; the generator makes that true by
construction rather than by filtering:

* sites ``S0..Sn`` (1-20) joined by a **random spanning tree** of routes (10-500 km) plus
  extra edges (parallel routes allowed), so the network is connected;
* every cargo class is carried by at least one road fleet with ``count >= 1`` (a class
  nobody carries is added to a random fleet's capacity);
* crossings never close for good (every closure window and every ``close_crossing`` event is
  finite), and a crossing with a **weight limit** sits only on extra edges, never on a tree
  edge, so every class keeps a weight-free road between any two sites;
* a move with ``mode: air`` only joins two airfields that admit every type, and then a
  ``universal`` aircraft (every class, no weight limit) is based at such an airfield; every
  site has ``lat``/``lon`` so great-circle flight times exist;
* ``after`` only names earlier phases (a DAG); ``start_phase``/``cancel_phase`` name real
  phases; ``reinforce`` events start at ``R``, an out-of-theatre site on the road network.

Keyword switches turn feature groups off, so a test can ask for the scenarios its claim
covers (e.g. no ``set_keep``/``reinforce`` for the keep invariant, no randomness for the
monotonicity property).
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Iterable
from typing import Any

import yaml
from hypothesis import strategies as st

import sim
from sim.scenario.loader import build_scenario
from sim.scenario.yamlsource import parse_yaml

START = dt.date(2026, 1, 1)
EVENT_KINDS = (
    "pause",
    "resume",
    "reinforce",
    "set_keep",
    "close_crossing",
    "open_crossing",
    "start_phase",
    "cancel_phase",
)

quarters = st.integers(0, 16).map(lambda q: q / 4)  # 0, 0.25, ..., 4 hours


# ----------------------------------------------------------------------------- loading
def to_yaml(data: dict[str, Any]) -> str:
    """The scenario mapping as YAML text (dates as YAML dates)."""
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def build(data: dict[str, Any], file: str = "generated.yaml") -> sim.Scenario:
    """Load a scenario mapping through the real YAML reader and validator."""
    return build_scenario(parse_yaml(to_yaml(data), file))


def run(scenario: sim.Scenario, **kw: Any) -> sim.Result:
    """One replication (audit on unless told otherwise)."""
    kw.setdefault("audit", True)
    return sim.simulate(scenario, **kw)


# ----------------------------------------------------------------------------- quantities
def _hours(draw: st.DrawFn, low: float, high: float, dists: bool) -> Any:
    """A duration in [low, high]: a quarter-hour figure, or (sometimes) a distribution."""
    value = draw(st.integers(int(low * 4), int(high * 4))) / 4
    if not dists or not draw(st.booleans()):
        return value
    family = draw(st.sampled_from(["triangular", "uniform", "exponential", "lognormal", "normal"]))
    per = draw(st.sampled_from([None, None, "replication"]))
    if family == "triangular":
        lo = draw(st.integers(int(low * 4), int(value * 4))) / 4
        hi = draw(st.integers(int(value * 4), int(high * 4))) / 4
        out: dict[str, Any] = {"triangular": [lo, value, hi]}
    elif family == "uniform":
        lo = draw(st.integers(int(low * 4), int(value * 4))) / 4
        out = {"uniform": [lo, value]}
    elif family == "exponential":
        out = {"exponential": {"mean": value}}
    elif family == "lognormal":
        out = {"lognormal": {"median": max(value, 0.25), "sigma": draw(st.sampled_from([0.1, 0.3, 0.5]))}}
    else:
        out = {"normal": {"mean": value, "sd": draw(st.sampled_from([0.0, 0.25, 1.0]))}}
    if per:
        out["per"] = per
    return out


def _speed(draw: st.DrawFn, low: int, high: int, dists: bool) -> Any:
    mode = draw(st.integers(low, high))
    if not dists or not draw(st.booleans()):
        return mode
    family = draw(st.sampled_from(["triangular", "uniform", "lognormal"]))
    if family == "triangular":
        return {"triangular": [draw(st.integers(low, mode)), mode, draw(st.integers(mode, high))]}
    if family == "uniform":
        return {"uniform": [draw(st.integers(low, mode)), mode]}
    return {"lognormal": {"median": mode, "sigma": 0.1}}


def _subset(
    draw: st.DrawFn, items: Iterable[str], min_size: int = 0, max_size: int | None = None
) -> list[str]:
    items = list(items)
    if not items:
        return []
    return draw(
        st.lists(st.sampled_from(items), min_size=min_size, max_size=max_size or len(items), unique=True)
    )


def _day(draw: st.DrawFn, horizon: float) -> dict[str, Any]:
    """When an event happens: ``day:`` (quarter days) or, sometimes, ``date:``."""
    if draw(st.integers(0, 4)) == 0:
        return {"date": START + dt.timedelta(days=draw(st.integers(0, int(horizon))))}
    return {"day": draw(st.integers(0, int(horizon * 4))) / 4}


# ----------------------------------------------------------------------------- scenarios
@st.composite
def scenario_dicts(
    draw: st.DrawFn,
    *,
    max_sites: int = 20,
    max_classes: int = 2,
    max_fleets: int = 4,
    max_phases: int = 5,
    max_moves: int = 3,
    max_events: int = 4,
    max_units: int = 60,
    max_personnel: int = 600,
    events: Iterable[str] = EVENT_KINDS,
    air: bool = True,
    crossings: bool = True,
    weight_limits: bool = True,
    dists: bool = True,
    hazards: bool = True,
    disposition: bool = True,
    escorts: bool = True,
    teams: bool = True,
    min_personnel: bool = True,
    max_vehicles: bool = True,
    extra_routes: bool = True,
    time_windows: bool = True,
) -> dict[str, Any]:
    """A valid scenario mapping. See the module docstring for how validity is ensured.

    ``dists`` allows distributions and availability < 1; ``hazards`` allows breakdowns and
    route disruptions (both are inert in deterministic runs except for their expected
    delays); ``events`` names the event types that may be drawn.
    """
    events = tuple(events)
    horizon = draw(st.integers(30, 120))

    # cargo classes: 0-max_classes equipment classes; personnel sometimes declared explicitly
    n_cls = draw(st.integers(0, max_classes))
    cargo: dict[str, Any] = {}
    for i in range(n_cls):
        spec: dict[str, Any] = {}
        if draw(st.booleans()):
            spec["short_tons"] = draw(st.integers(1, 70))
        if draw(st.integers(0, 5)) == 0:
            spec["mode"] = "road"
        cargo[f"c{i}"] = spec
    equipment = list(cargo)
    if draw(st.integers(0, 5)) == 0:  # personnel declared: takes its declared place in the order
        cargo["personnel"] = {}
        if draw(st.booleans()):
            cargo = {"personnel": {}, **{k: v for k, v in cargo.items() if k != "personnel"}}
    classes = [*equipment, "personnel"]

    # sites
    n_sites = draw(st.integers(1, max_sites))
    ids = [f"S{i}" for i in range(n_sites)]
    sites: dict[str, Any] = {}
    for sid in ids:
        site: dict[str, Any] = {
            "lat": draw(st.integers(3000, 3700)) / 100,
            "lon": draw(st.integers(3500, 4500)) / 100,
        }
        if draw(st.integers(0, 3)):
            site["personnel"] = draw(st.integers(0, max_personnel))
        held = {c: draw(st.integers(0, max_units)) for c in equipment if draw(st.booleans())}
        if held:
            site["equipment"] = held
        if teams and draw(st.integers(0, 3)) == 0:
            site["loading_teams"] = draw(st.integers(1, 6))
        if min_personnel and draw(st.integers(0, 4)) == 0:
            site["min_personnel"] = draw(st.integers(0, 100))
        if draw(st.integers(0, 5)) == 0:
            site["in_theatre"] = draw(st.booleans())
        if air and draw(st.integers(0, 2)) == 0:
            site["airfield"] = {"sorties_per_day": draw(st.integers(1, 48))}
        if disposition and equipment and draw(st.integers(0, 5)) == 0:
            shares = {}
            for c in _subset(draw, equipment, 1):
                destroy = draw(st.integers(0, 10)) / 10
                transfer = draw(st.integers(0, 10 - int(destroy * 10))) / 10
                shares[c] = {"destroy": destroy, "transfer": transfer, "hours": _hours(draw, 0, 4, dists)}
            site["disposition"] = shares
            if draw(st.booleans()):
                site["disposal_teams"] = draw(st.integers(1, 4))
        sites[sid] = site
    reinforce = "reinforce" in events and draw(st.booleans())
    all_ids = list(ids)
    if reinforce:  # an out-of-theatre staging site that reinforcements start from
        sites["R"] = {"in_theatre": False, "lat": 30.0, "lon": 35.0}
        all_ids.append("R")

    # routes: a random spanning tree (weight-free), then extra edges
    routes: list[dict[str, Any]] = []
    for i in range(1, len(all_ids)):
        j = draw(st.integers(0, i - 1))
        routes.append({"from": all_ids[j], "to": all_ids[i], "km": draw(st.integers(10, 500))})
    tree = len(routes)
    if extra_routes and len(all_ids) > 1:
        for _ in range(draw(st.integers(0, len(all_ids)))):
            a, b = draw(st.lists(st.sampled_from(all_ids), min_size=2, max_size=2, unique=True))
            routes.append({"from": a, "to": b, "km": draw(st.integers(10, 500))})
    if hazards:
        for r in routes:
            if draw(st.integers(0, 5)) == 0:
                r["disruption"] = {
                    "delay_probability": draw(st.integers(0, 10)) / 10,
                    "delay_hours": _hours(draw, 0, 12, dists),
                    "turn_back_probability": draw(st.integers(0, 3)) / 10,
                }

    # crossings: weight limits only on extra edges, every closure finite
    xing: dict[str, Any] = {}
    if crossings and routes:
        for k in range(draw(st.integers(0, 3))):
            cid = f"X{k}"
            spec = {}
            if draw(st.booleans()):
                spec["convoys_per_day"] = draw(st.sampled_from([0.5, 1, 2, 4, 12, 24]))
            if draw(st.booleans()):
                spec["vehicles_per_hour"] = draw(st.integers(1, 120))
            if time_windows and draw(st.integers(0, 3)) == 0:
                h0, h1 = draw(st.lists(st.integers(0, 24), min_size=2, max_size=2, unique=True))
                if {h0, h1} == {0, 24}:
                    h0, h1 = 0, 24  # [24, 0] is never open, and refused
                spec["open_hours"] = [h0, h1]
            windows = []
            for _ in range(draw(st.integers(0, 2)) if time_windows else 0):
                start = draw(st.integers(0, horizon * 4)) / 4
                windows.append({"from_day": start, "to_day": start + draw(st.integers(1, 40)) / 4})
            if windows:
                spec["closures"] = windows
            weighted = weight_limits and len(routes) > tree and draw(st.integers(0, 2)) == 0
            if weighted:
                spec["max_short_tons"] = draw(st.integers(5, 80))
                pool = list(range(tree, len(routes)))
            else:
                pool = list(range(len(routes)))
            on = draw(st.lists(st.sampled_from(pool), min_size=1, max_size=2, unique=True))
            for ri in on:
                r = routes[ri]
                item: Any = cid
                if draw(st.booleans()):
                    item = {"id": cid, "at_km": draw(st.integers(0, int(r["km"])))}
                r.setdefault("crossings", []).append(item)
            xing[cid] = spec

    # road fleets; then make sure every class has a carrier
    fleets: dict[str, Any] = {}
    for k in range(draw(st.integers(1, max_fleets))):
        carried = _subset(draw, classes, 1, 3)
        cap = {c: draw(st.integers(1, 60)) if c == "personnel" else draw(st.integers(1, 4)) for c in carried}
        f: dict[str, Any] = {
            "count": draw(st.integers(1, 40)),
            "based_at": draw(st.sampled_from(all_ids)),
            "capacity": cap,
            "speed_kmh": _speed(draw, 20, 60, dists),
            "load_hours": _hours(draw, 0, 4, dists),
            "unload_hours": _hours(draw, 0, 4, dists),
        }
        if weight_limits and draw(st.integers(0, 2)) == 0:
            f["empty_short_tons"] = draw(st.integers(0, 25))
        if dists and draw(st.integers(0, 4)) == 0:
            f["availability"] = draw(st.sampled_from([0.5, 0.8, 0.9, {"uniform": [0.7, 0.9]}]))
            if draw(st.integers(0, 2)) == 0:
                f["availability_per"] = "day"
        if hazards and draw(st.integers(0, 4)) == 0:
            f["breakdowns"] = {
                "per_1000_km": draw(st.integers(0, 20)) / 10,
                "repair_hours": _hours(draw, 0, 12, dists),
                "policy": draw(st.sampled_from(["wait", "leave"])),
            }
        fleets[f"f{k}"] = f
    for c in classes:
        if not any(c in f["capacity"] for f in fleets.values()):
            f = fleets[draw(st.sampled_from(sorted(fleets)))]
            f["capacity"][c] = draw(st.integers(1, 60)) if c == "personnel" else draw(st.integers(1, 4))

    # aircraft, airfields and air routes
    aircraft: dict[str, Any] = {}
    fields = [sid for sid in ids if "airfield" in sites[sid]]
    air_routes: list[dict[str, Any]] = []
    universal = False
    if fields:
        for k in range(draw(st.integers(0, 2))):
            carried = _subset(draw, classes, 1, 3)
            a: dict[str, Any] = {
                "count": draw(st.integers(1, 6)),
                "based_at": draw(st.sampled_from(fields)),
                "capacity": {
                    c: draw(st.integers(20, 150)) if c == "personnel" else draw(st.integers(1, 4))
                    for c in carried
                },
                "speed_kmh": _speed(draw, 300, 800, dists),
                "load_hours": _hours(draw, 0, 3, dists),
                "unload_hours": _hours(draw, 0, 3, dists),
            }
            if draw(st.integers(0, 3)) == 0:
                a["max_short_tons"] = draw(st.integers(10, 80))
            aircraft[f"a{k}"] = a
        for sid in fields:
            if aircraft and draw(st.integers(0, 4)) == 0:
                sites[sid]["airfield"]["types"] = _subset(draw, aircraft)
        if len(fields) >= 2 and draw(st.integers(0, 2)) == 0:
            universal = True
            base = draw(st.sampled_from(fields))
            sites[base]["airfield"].pop("types", None)
            aircraft["universal"] = {
                "count": draw(st.integers(1, 4)),
                "based_at": base,
                "capacity": {c: 100 if c == "personnel" else 2 for c in classes},
                "speed_kmh": 500,
                "load_hours": 1,
                "unload_hours": 1,
            }
        for _ in range(draw(st.integers(0, 2)) if len(fields) >= 2 else 0):
            a_, b_ = draw(st.lists(st.sampled_from(fields), min_size=2, max_size=2, unique=True))
            air_routes.append({"from": a_, "to": b_, "hours": _hours(draw, 0.25, 4, dists)})
    open_fields = [sid for sid in fields if "types" not in sites[sid]["airfield"]]

    # phases: a DAG through `after` on earlier phases
    phases: list[dict[str, Any]] = []
    n_ph = draw(st.integers(1, max_phases))
    for i in range(n_ph):
        ph: dict[str, Any] = {"id": f"p{i}"}
        if draw(st.booleans()):
            ph["start_day"] = draw(st.integers(0, int(horizon * 4 * 0.6))) / 4
        if i and draw(st.booleans()):
            ph["after"] = _subset(draw, [f"p{j}" for j in range(i)], 1, 2)
        moves = []
        if n_sites > 1:
            for _ in range(draw(st.integers(0, max_moves))):
                a_, b_ = draw(st.lists(st.sampled_from(ids), min_size=2, max_size=2, unique=True))
                mv: dict[str, Any] = {"from": a_, "to": b_}
                if draw(st.integers(0, 2)) == 0:
                    mv["keep"] = {
                        c: draw(st.integers(0, 200 if c == "personnel" else 20))
                        for c in _subset(draw, classes, 1)
                    }
                if universal and a_ in open_fields and b_ in open_fields and draw(st.booleans()):
                    mv["mode"] = "air"
                elif draw(st.integers(0, 4)) == 0:
                    mv["mode"] = draw(st.sampled_from(["road", "any"]))
                moves.append(mv)
        ph["moves"] = moves
        phases.append(ph)
    phase_ids = [p["id"] for p in phases]

    # events
    evs: list[dict[str, Any]] = []
    kinds = [
        k
        for k in events
        if (k != "reinforce" or reinforce) and (k not in ("close_crossing", "open_crossing") or xing)
    ]
    for _ in range(draw(st.integers(0, max_events)) if kinds else 0):
        kind = draw(st.sampled_from(kinds))
        ev: dict[str, Any] = {"type": kind, **_day(draw, horizon)}
        if kind in ("pause", "resume"):
            if kind == "pause":
                ev["days"] = draw(st.integers(1, 40)) / 4
            which = draw(st.sampled_from(["all", "sites", "phases"]))
            if which == "sites":
                ev["sites"] = _subset(draw, ids, 1, 3)
            elif which == "phases":
                ev["phases"] = _subset(draw, phase_ids, 1, 3)
        elif kind == "reinforce":
            ev["from"] = "R"
            ev["to"] = draw(st.sampled_from(ids))
            ev["personnel"] = draw(st.integers(0, 200))
            extra = {c: draw(st.integers(1, 20)) for c in _subset(draw, equipment)}
            if extra:
                ev["equipment"] = extra
            if ev["personnel"] == 0 and not extra:
                ev["personnel"] = 1
        elif kind == "set_keep":
            ev["site"] = draw(st.sampled_from(ids))
            ev["keep"] = {
                c: draw(st.integers(0, 300 if c == "personnel" else 30)) for c in _subset(draw, classes, 1)
            }
        elif kind == "close_crossing":
            ev["crossing"] = draw(st.sampled_from(sorted(xing)))
            ev["days"] = draw(st.integers(1, 40)) / 4
        elif kind == "open_crossing":
            ev["crossing"] = draw(st.sampled_from(sorted(xing)))
        else:
            ev["phase"] = draw(st.sampled_from(phase_ids))
        evs.append(ev)

    convoy: dict[str, Any] = {}
    if max_vehicles and draw(st.booleans()):
        convoy["max_vehicles"] = draw(st.integers(1, 20))
    if escorts and draw(st.integers(0, 2)) == 0:
        convoy["escort_teams"] = draw(st.integers(1, 5))

    data: dict[str, Any] = {
        "name": "generated",
        "start": START,
        "horizon_days": horizon,
        "cargo": cargo,
        "sites": sites,
        "fleets": fleets,
        "routes": routes,
        "phases": phases,
    }
    for key, value in (
        ("aircraft", aircraft),
        ("air_routes", air_routes),
        ("crossings", xing),
        ("convoy", convoy),
        ("events", evs),
    ):
        if value:
            data[key] = value
    return data


# ----------------------------------------------------------------------------- more lift
LIFT_KINDS = ("vehicles", "capacity", "aircraft", "sorties", "escorts")


@st.composite
def more_lift(
    draw: st.DrawFn, data: dict[str, Any], kinds: Iterable[str] = LIFT_KINDS
) -> tuple[str, dict[str, Any]]:
    """A copy of ``data`` with strictly more lift of one kind, and a label saying what.

    vehicles: a fleet's ``count`` grows; capacity: one class in one fleet's ``capacity``
    grows; aircraft: an aircraft type's ``count`` grows; sorties: an airfield's
    ``sorties_per_day`` grows; escorts: ``convoy.escort_teams`` grows (only when set: no
    ``escort_teams`` already means no limit).
    """
    options = []
    kinds = tuple(kinds)
    if "vehicles" in kinds:
        options += [("vehicles", fid) for fid in data["fleets"]]
    if "capacity" in kinds:
        options += [("capacity", (fid, c)) for fid, f in data["fleets"].items() for c in f["capacity"]]
    if "aircraft" in kinds:
        options += [("aircraft", aid) for aid in data.get("aircraft", {})]
    if "sorties" in kinds:
        options += [("sorties", sid) for sid, s in data["sites"].items() if "airfield" in s]
    if "escorts" in kinds and data.get("convoy", {}).get("escort_teams"):
        options += [("escorts", None)]
    kind, what = draw(st.sampled_from(options))
    more = copy.deepcopy(data)
    step = draw(st.integers(1, 10))
    if kind == "vehicles":
        more["fleets"][what]["count"] += step
        label = f"fleets.{what}.count +{step}"
    elif kind == "capacity":
        fid, c = what
        more["fleets"][fid]["capacity"][c] += step
        label = f"fleets.{fid}.capacity.{c} +{step}"
    elif kind == "aircraft":
        more["aircraft"][what]["count"] += step
        label = f"aircraft.{what}.count +{step}"
    elif kind == "sorties":
        more["sites"][what]["airfield"]["sorties_per_day"] += step
        label = f"sites.{what}.airfield.sorties_per_day +{step}"
    else:
        more["convoy"]["escort_teams"] += step
        label = f"convoy.escort_teams +{step}"
    return label, more


def closure_or_inf(r: sim.Result) -> float:
    """Closure in hours, or infinity for a run that did not close within the horizon."""
    return float("inf") if r.closure_h is None else r.closure_h
