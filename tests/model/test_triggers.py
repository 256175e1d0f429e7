"""Conditional events (``when:``): each rule pinned by a small case computed by hand.

The rules (docs/model.md, "Conditional events"): an event with ``when:`` fires once, at the
end of the first instant at which its condition holds (before the dispatcher runs at that
instant), or ``after_days`` later; a run stops without waiting for a conditional event whose
condition has not held; ``summary.json`` lists every event with ``fired_day`` (``null``: never).

Unless a test says otherwise: trucks and buses drive 50 km/h and take 1 h to load and 1 h to
unload, loading teams are unlimited, and every road is 100 km (2 h). The refusals at the end
are ``FILE:LINE: key: message`` lines, as in tests/unit/test_event_types.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import sim
from sim.scenario.loader import parse_event_option
from tests.support.scenario_factory import load, scenario_dict, simple, truck

ROOT = Path(__file__).resolve().parents[2]
WORKED = ROOT / "scenarios/examples/worked-example.yaml"


def run(tmp_path: Path, data: dict[str, Any]) -> sim.Result:
    return sim.simulate(load(tmp_path, data), audit=True, deterministic=True)


def fired(r: sim.Result) -> list[float | None]:
    return [e["fired_day"] for e in r.summary()["events"]]


# ----------------------------------------------------------------------------- site_empty
def test_a_pause_after_the_site_is_empty_changes_nothing() -> None:
    """Worked example (105 h): convoys leave A at 2, 25, 48, 71 and 94 h, so A holds nothing
    from 94 h. A 2-day pause ``when: {site_empty: A}`` with ``after_days: 1`` fires at
    94 + 24 = 118 h, after the closure: nothing is left to pause, closure stays 105 h, and the
    run ends when the event has fired (118 h), like a dated event after the closure."""
    base = sim.simulate(sim.load_scenario(WORKED), deterministic=True)
    ev = "{type: pause, when: {site_empty: A}, after_days: 1, days: 2}"
    r = sim.simulate(sim.load_scenario(WORKED, events=[ev]), deterministic=True, audit=True)
    assert base.site_empty_h["A"] == 94.0
    assert r.closure_h == base.closure_h == 105.0
    assert r.end_h == 118.0
    assert r.summary()["end_days"] == round(118 / 24, 4)
    assert r.summary()["events"] == [
        {
            "type": "pause",
            "day": None,
            "when": {"site_empty": "A"},
            "after_days": 1.0,
            "fired_day": round(118 / 24, 4),
        }
    ]
    assert [(c.depart_h, c.unloaded_h) for c in r.convoys] == [
        (c.depart_h, c.unloaded_h) for c in base.convoys
    ]


def test_a_site_that_starts_empty_fires_at_once(tmp_path: Path) -> None:
    """B holds nothing at 0 h: ``site_empty: B`` holds at the end of instant 0, before the
    dispatcher, so a 1-day pause on A fires first and nothing loads until 24 h: closure
    24 + 4 = 28 h."""
    data = simple(events=[{"type": "pause", "when": {"site_empty": "B"}, "sites": ["A"], "days": 1}])
    r = run(tmp_path, data)
    assert fired(r) == [0.0]
    assert r.closure_h == 28.0


# ----------------------------------------------------------------------------- phase_closed
def set_keep_on_close() -> dict[str, Any]:
    """Q: 100 people, bus of 50 at Q; A: 2 containers, truck of 2 at A; both go to B.

    Without the event: the truck loads 0-1, drives 1-3, unloads 3-4 (``a_out`` closes at
    4 h); the bus carries 50 (unloaded 3-4), drives back empty 4-6, loads 6-7, drives 7-9,
    unloads 9-10: closure 10 h.
    """
    return scenario_dict(
        sites={"Q": {"personnel": 100}, "A": {"equipment": {"container": 2}}, "B": {"in_theatre": False}},
        fleets={"bus": truck(1, "Q", {"personnel": 50}), "t": truck(1, "A", {"container": 2})},
        routes=[{"from": "Q", "to": "B", "km": 100}, {"from": "A", "to": "B", "km": 100}],
        phases=[
            {"id": "a_out", "moves": [{"from": "A", "to": "B"}]},
            {"id": "q_out", "moves": [{"from": "Q", "to": "B"}]},
        ],
    )


def test_set_keep_when_a_phase_closes(tmp_path: Path) -> None:
    """``set_keep`` Q to 50 people ``when: {phase_closed: a_out}``: at 4 h ``a_out`` closes and
    the bus has just unloaded the first 50. At the end of that instant (before the dispatcher)
    the event cuts ``q_out`` to what it has already taken, 50, all arrived: ``q_out`` closes at
    4 h too, the bus stays at B, 50 people stay at Q. Closure 4 h (10 h without the event)."""
    data = set_keep_on_close()
    assert run(tmp_path, data).closure_h == 10.0
    data["events"] = [
        {"type": "set_keep", "when": {"phase_closed": "a_out"}, "site": "Q", "keep": {"personnel": 50}}
    ]
    (tmp_path / "b").mkdir()
    r = run(tmp_path / "b", data)
    assert r.phase_closure_h == {"a_out": 4.0, "q_out": 4.0}
    assert r.closure_h == 4.0 == r.end_h
    assert fired(r) == [round(4 / 24, 4)]
    assert r.summary()["sites"]["Q"]["personnel_at_end"] == 50
    assert [c.kind for c in r.convoys] == ["loaded", "loaded"]


def test_phase_closed_starts_the_next_phase(tmp_path: Path) -> None:
    """p1 (1 container A to B) closes at 4 h; p2 (1 container C to B) has ``start_day: 10``.
    ``start_phase p2 when: {phase_closed: p1}`` opens p2 at 4 h: the truck at B drives empty
    to C 4-6, loads 6-7, drives 7-9, unloads 9-10: closure 10 h (250 h without the event)."""
    data = simple(events=[{"type": "start_phase", "when": {"phase_closed": "p1"}, "phase": "p2"}])
    data["sites"]["C"] = {"equipment": {"container": 1}}
    data["routes"].append({"from": "B", "to": "C", "km": 100})
    data["phases"] = [
        {"id": "p1", "moves": [{"from": "A", "to": "B"}]},
        {"id": "p2", "start_day": 10, "moves": [{"from": "C", "to": "B"}]},
    ]
    r = run(tmp_path, data)
    assert r.phase_start_h == {"p1": 0.0, "p2": 4.0}
    assert r.closure_h == 10.0


def test_a_condition_that_holds_when_the_run_would_stop_still_fires(tmp_path: Path) -> None:
    """The only phase closes at 4 h; nothing else is pending, so the run would stop then. A
    ``reinforce`` of 1 container from B to A ``when: {phase_closed: out}`` is noticed in that
    same instant and fires: the container appears at B, where the truck has just unloaded;
    it loads 4-5, drives 5-7, unloads 7-8. Closure stays 4 h; the run ends at 8 h, completed."""
    event = {"type": "reinforce", "when": {"phase_closed": "out"}, "from": "B", "to": "A"}
    r = run(tmp_path, simple(events=[{**event, "equipment": {"container": 1}}]))
    assert fired(r) == [round(4 / 24, 4)]
    assert r.closure_h == 4.0 and r.end_h == 8.0 and r.completed


# ----------------------------------------------------------------------------- phase_started
def test_phase_started_with_after_days_delays_a_reinforcement(tmp_path: Path) -> None:
    """``out`` (1 container A to B) opens at 24 h (``start_day: 1``); the truck loads 24-25,
    drives 25-27, unloads 27-28: ``out`` closes at 28 h. A reinforcement of 10 people from H
    (outside the theatre) to A ``when: {phase_started: out}`` with ``after_days: 0.5`` fires
    at 24 + 12 = 36 h: the bus at H loads 36-37, drives 37-39, unloads 39-40. Closure stays
    28 h (a reinforcement is no phase), the run ends at 40 h, and the troop curve shows A
    at 0 on day 1 and 10 on day 2."""
    data = simple(
        events=[
            {
                "type": "reinforce",
                "when": {"phase_started": "out"},
                "after_days": 0.5,
                "from": "H",
                "to": "A",
                "personnel": 10,
            }
        ]
    )
    data["phases"][0]["start_day"] = 1
    data["sites"]["H"] = {"in_theatre": False}
    data["fleets"]["bus"] = truck(1, "H", {"personnel": 10})
    data["routes"].append({"from": "H", "to": "A", "km": 100})
    r = run(tmp_path, data)
    reinf = [c for c in r.convoys if c.cargo == {"personnel": 10}]
    assert [(c.formed_h, c.depart_h, c.unloaded_h) for c in reinf] == [(36.0, 37.0, 40.0)]
    assert r.closure_h == 28.0 and r.end_h == 40.0 and r.completed
    assert fired(r) == [1.5]
    a = r.sites.index("A")
    assert (r.personnel[1, a], r.personnel[2, a]) == (0, 10)


# ----------------------------------------------------------------------------- in_theatre_below
def bus_case(**event: Any) -> dict[str, Any]:
    """Q (in theatre): 100 people; B outside the theatre; one bus of 50 at Q.

    Without events: trips unload at 4 h and 10 h (load 0-1, drive 1-3, unload 3-4; empty
    4-6, load 6-7, drive 7-9, unload 9-10): closure 10 h. People on the road count as in
    theatre, so personnel in theatre is 100 until 4 h, 50 until 10 h, then 0.
    """
    return scenario_dict(
        sites={"Q": {"personnel": 100}, "B": {"in_theatre": False}},
        fleets={"bus": truck(1, "Q", {"personnel": 50})},
        routes=[{"from": "Q", "to": "B", "km": 100}],
        phases=[{"id": "out", "moves": [{"from": "Q", "to": "B"}]}],
        events=[event] if event else [],
    )


def test_in_theatre_below_counts_the_road(tmp_path: Path) -> None:
    """``pause`` for 1 day ``when: {in_theatre_below: 60}``: the 50 who leave at 1 h are still
    in theatre on the road; the count falls to 50 when they are unloaded at 4 h, so the pause
    runs 4-28 h. No empty bus is sent for paused cargo: at 28 h the bus drives to Q 28-30,
    loads 30-31, drives 31-33, unloads 33-34: closure 34 h."""
    assert run(tmp_path, bus_case()).closure_h == 10.0
    (tmp_path / "b").mkdir()
    r = run(tmp_path / "b", bus_case(type="pause", when={"in_theatre_below": 60}, days=1))
    assert fired(r) == [round(4 / 24, 4)]
    assert r.closure_h == 34.0


def test_site_below_counts_people_still_loading(tmp_path: Path) -> None:
    """``site_below: {site: Q, personnel: 60}``: the first 50 are loaded 0-1 and still count
    at Q until they leave at 1 h, when Q falls to 50. A 1-day pause of Q fires then (1-25 h):
    the bus, unloaded at B at 4 h, is not sent for the paused 50; at 25 h it drives empty
    25-27, loads 27-28, drives 28-30, unloads 30-31: closure 31 h."""
    data = bus_case(type="pause", when={"site_below": {"site": "Q", "personnel": 60}}, sites=["Q"], days=1)
    r = run(tmp_path, data)
    assert fired(r) == [round(1 / 24, 4)]
    assert r.closure_h == 31.0


# ----------------------------------------------------------------------------- never
def test_a_condition_that_never_holds_is_reported_and_the_run_ends(tmp_path: Path) -> None:
    """The move keeps 10 of Q's 100 people (90 move: unloaded at 4 h and 10 h), so personnel
    in theatre never falls below 5. The event never fires (``fired_day: null``) and does not
    hold the run open: it ends at the closure, 10 h, not at the horizon. With a dated pause
    on day 0.5 as well, the run ends when that fires (12 h); it is listed with its day."""
    data = bus_case(type="reinforce", when={"in_theatre_below": 5}, to="Q", **{"from": "B"}, personnel=1)
    data["phases"][0]["moves"][0]["keep"] = {"personnel": 10}
    r = run(tmp_path, data)
    assert r.completed and r.closure_h == 10.0 == r.end_h
    assert fired(r) == [None]
    data["events"].append({"type": "pause", "day": 0.5, "days": 0.5, "sites": ["Q"]})
    (tmp_path / "b").mkdir()
    r = run(tmp_path / "b", data)
    assert r.completed and r.closure_h == 10.0 and r.end_h == 12.0
    assert r.summary()["events"] == [
        {
            "type": "reinforce",
            "day": None,
            "when": {"in_theatre_below": 5},
            "after_days": None,
            "fired_day": None,
        },
        {"type": "pause", "day": 0.5, "when": None, "after_days": None, "fired_day": 0.5},
    ]


def test_scenarios_without_conditions_report_their_dated_events() -> None:
    r = sim.simulate(sim.load_scenario(WORKED, events=["pause:day=1,days=1"]), deterministic=True)
    assert r.closure_h == 128.0
    assert r.summary()["events"] == [
        {"type": "pause", "day": 1.0, "when": None, "after_days": None, "fired_day": 1.0}
    ]
    assert sim.simulate(sim.load_scenario(WORKED)).summary()["events"] == []


# ----------------------------------------------------------------------------- --event
def test_the_command_line_takes_when_as_a_mapping_or_dotted_keys() -> None:
    assert parse_event_option("set_keep:when.site_empty=A,site=A,keep.personnel=5") == {
        "type": "set_keep",
        "when": {"site_empty": "A"},
        "site": "A",
        "keep": {"personnel": 5},
    }
    assert parse_event_option("pause:when.site_below.site=A,when.site_below.personnel=3,days=1") == {
        "type": "pause",
        "when": {"site_below": {"site": "A", "personnel": 3}},
        "days": 1,
    }
    dotted = sim.load_scenario(WORKED, events=["pause:when.site_empty=A,after_days=1,days=2"])
    mapping = sim.load_scenario(
        WORKED, events=["{type: pause, when: {site_empty: A}, after_days: 1, days: 2}"]
    )
    assert dotted.events == mapping.events
    (ev,) = dotted.events
    assert ev.when is not None and ev.when.site_empty == "A" and ev.after_days == 1.0


# ----------------------------------------------------------------------------- refusals
BASE = """\
name: Triggers
start: 2026-01-01
horizon_days: 30
cargo:
  container: {short_tons: 10}
sites:
  A: {personnel: 20, equipment: {container: 10}}
  B: {}
fleets:
  trucks: {count: 4, based_at: A, capacity: {container: 1, personnel: 10}, speed_kmh: 50}
routes:
  - {from: A, to: B, km: 100}
phases:
  - id: out
    moves:
      - {from: A, to: B}
events:
  - type: set_keep
    site: A
    keep: {personnel: 5}
"""
EVENT_LINE = BASE.count("\n") - 2  # the line of "- type: set_keep"


def refusals(tmp_path: Path, extra: str, events: list[str] | None = None) -> list[str]:
    path = tmp_path / "t.yaml"
    path.write_text(BASE + extra, encoding="utf-8")
    with pytest.raises(sim.ScenarioError) as err:
        sim.load_scenario(path, events=events or [])
    return [str(p).replace(str(path), "FILE") for p in err.value.problems]


def test_the_refusal_base_loads_with_a_condition(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text(BASE + "    when: {site_empty: A}\n    after_days: 2\n", encoding="utf-8")
    (ev,) = sim.load_scenario(path).events
    assert ev.when is not None and ev.when.given() == ["site_empty"] and ev.after_days == 2.0


def test_when_and_day_together(tmp_path: Path) -> None:
    line = EVENT_LINE + 3
    assert refusals(tmp_path, "    day: 1\n    when: {site_empty: A}\n") == [
        f"FILE:{line + 1}: events[0].when: give when: or day:/date:, not both "
        "(a conditional event fires when its condition holds)"
    ]


def test_neither_when_nor_day(tmp_path: Path) -> None:
    assert refusals(tmp_path, "") == [
        f"FILE:{EVENT_LINE}: events[0].day: give exactly one of day: (from day 0), "
        "date: (YYYY-MM-DD) or when: (a condition)"
    ]


def test_after_days_needs_when(tmp_path: Path) -> None:
    assert refusals(tmp_path, "    day: 1\n    after_days: 2\n") == [
        f"FILE:{EVENT_LINE + 4}: events[0].after_days: after_days goes with when: "
        "(for a dated event, add it to day:)"
    ]


def test_unknown_site_and_phase_get_a_suggestion(tmp_path: Path) -> None:
    assert refusals(tmp_path, "    when: {site_empty: AA}\n") == [
        f"FILE:{EVENT_LINE + 3}: events[0].when.site_empty: unknown site 'AA'; did you mean 'A'?"
    ]
    assert refusals(tmp_path, "    when: {phase_closed: outt}\n") == [
        f"FILE:{EVENT_LINE + 3}: events[0].when.phase_closed: unknown phase 'outt'; did you mean 'out'?"
    ]
    assert refusals(tmp_path, "    when:\n      site_below: {site: C, personnel: 3}\n") == [
        f"FILE:{EVENT_LINE + 4}: events[0].when.site_below.site: unknown site 'C'; known: A, B"
    ]


def test_exactly_one_condition(tmp_path: Path) -> None:
    listed = "site_empty, phase_started, phase_closed, in_theatre_below, site_below"
    assert refusals(tmp_path, "    when: {site_empty: A, phase_closed: out}\n") == [
        f"FILE:{EVENT_LINE + 3}: events[0].when: give exactly one condition ({listed}); "
        "got site_empty and phase_closed"
    ]
    assert refusals(tmp_path, "    when: {}\n") == [
        f"FILE:{EVENT_LINE + 3}: events[0].when: give exactly one condition ({listed}); got none"
    ]


def test_a_misspelt_or_bad_condition(tmp_path: Path) -> None:
    shown = refusals(tmp_path, "    when: {site_emtpy: A}\n")
    assert shown == [
        f"FILE:{EVENT_LINE + 3}: events[0].when.site_emtpy: "
        "unknown key 'site_emtpy'; did you mean 'site_empty'?"
    ]
    (shown,) = refusals(tmp_path, "    when: {in_theatre_below: 0}\n")
    assert shown.startswith(
        f"FILE:{EVENT_LINE + 3}: events[0].when.in_theatre_below: input should be greater than"
    )


def test_refusals_from_the_command_line() -> None:
    with pytest.raises(sim.ScenarioError) as err:
        sim.load_scenario(
            WORKED, events=["pause:day=1,when.site_empty=Z", "pause:when.phase_started=empty_a"]
        )
    assert [str(p) for p in err.value.problems] == [
        "--event:1: events[0].when: give when: or day:/date:, not both "
        "(a conditional event fires when its condition holds)",
        "--event:1: events[0].when.site_empty: unknown site 'Z'; known: A, B",
        "--event:2: events[1].when.phase_started: unknown phase 'empty_a'; did you mean 'empty_A'?",
    ]
