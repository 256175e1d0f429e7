"""The rules of the model (docs/model.md), each pinned by a case computed by hand."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import sim
from tests.support.scenario_factory import load, scenario_dict, truck

ROOT = Path(__file__).resolve().parents[2]


def test_worked_example_to_the_hour() -> None:
    # 100 containers, 10 trucks of 2, 300 km at 30 km/h, load 2 h, unload 1 h, no team limit:
    # 5 convoys of 20; round trip 2 + 10 + 1 + 10 = 23 h; closure 4 x 23 + 2 + 10 + 1 = 105 h.
    s = sim.load_scenario(ROOT / "scenarios/examples/worked-example.yaml")
    r = sim.simulate(s, audit=True)
    assert r.completed
    assert r.closure_h == 105.0
    assert r.closure_days == pytest.approx(4.375)
    assert r.closure_weeks == pytest.approx(4.375 / 7)
    assert r.summary()["closure_date"] == "2026-01-05"  # 4 days 9 hours after 2026-01-01
    loaded = [c for c in r.convoys if c.kind == "loaded"]
    assert [c.cargo["container"] for c in loaded] == [20] * 5
    assert [c.depart_h for c in loaded] == [2.0, 25.0, 48.0, 71.0, 94.0]
    assert [c.unloaded_h for c in loaded] == [13.0, 36.0, 59.0, 82.0, 105.0]
    # After the last convoy no cargo waits, so the trucks stay at B: 4 empty returns only.
    assert sum(c.kind == "empty" for c in r.convoys) == 4


def _keep_case(keep: int, min_personnel: int) -> dict:
    return scenario_dict(
        sites={
            "A": {"personnel": 100, "equipment": {"container": 10}, "min_personnel": min_personnel},
            "B": {},
        },
        fleets={"trucks": truck(10, "A", {"container": 1}), "buses": truck(2, "A", {"personnel": 50})},
        routes=[{"from": "A", "to": "B", "km": 100}],
        phases=[{"id": "out", "moves": [{"from": "A", "to": "B", "keep": {"personnel": keep}}]}],
    )


def test_keep_and_min_personnel(tmp_path: Path) -> None:
    # 100 people, keep 10 for good, hold 20 while equipment waits. At t=0 the 10 containers
    # and 80 people (100 - hold 20) load; depart 1 h, arrive 3 h, unloaded 4 h. The other 10
    # movers wait for a bus: empty B->A 4-6 h, load 6-7, drive 7-9, unload 9-10 h.
    r = sim.simulate(load(tmp_path, _keep_case(keep=10, min_personnel=20)), audit=True)
    assert r.closure_h == 10.0
    assert r.summary()["sites"]["A"]["personnel_at_end"] == 10
    first = r.convoys[0]
    assert first.cargo == {"container": 10, "personnel": 80}
    assert first.depart_h == 1.0
    assert r.site_empty_h["A"] is None  # the kept 10 never leave


def test_min_personnel_and_95_percent_closure(tmp_path: Path) -> None:
    # keep 0, hold 4: 96 people leave with the equipment and are unloaded at 4 h. 96 % of the
    # people and 100 % of the equipment have arrived, so 95 % closure is 4 h; the last 4 people
    # arrive at 10 h (as above), which is 100 % closure.
    r = sim.simulate(load(tmp_path, _keep_case(keep=0, min_personnel=4)), audit=True)
    assert r.closure95_h == 4.0
    assert r.closure_h == 10.0
    assert r.convoys[0].cargo["personnel"] == 96
    assert r.summary()["sites"]["A"]["personnel_at_end"] == 0
    assert r.site_empty_h["A"] == 7.0  # the bus leaves with the last 4 at 7 h


def test_after_chained_phases(tmp_path: Path) -> None:
    # p1: A->B (100 km, 2 h), 4 containers on 2 trucks of 2: load 0-1, drive 1-3, unload 3-4.
    # p2 opens when p1 closes (4 h): 2 containers at C, 50 km from B. One truck suffices:
    # empty 4-5, load 5-6, drive 6-7, unload 7-8.
    data = scenario_dict(
        sites={"A": {"equipment": {"container": 4}}, "B": {}, "C": {"equipment": {"container": 2}}},
        fleets={"trucks": truck(2, "A", {"container": 2})},
        routes=[{"from": "A", "to": "B", "km": 100}, {"from": "C", "to": "B", "km": 50}],
        phases=[
            {"id": "p1", "start_day": 0, "moves": [{"from": "A", "to": "B"}]},
            {"id": "p2", "after": ["p1"], "moves": [{"from": "C", "to": "B"}]},
        ],
    )
    r = sim.simulate(load(tmp_path, data), audit=True)
    assert r.phase_start_h == {"p1": 0.0, "p2": 4.0}
    assert r.phase_closure_h == {"p1": 4.0, "p2": 8.0}
    assert r.closure_h == 8.0
    empties = [c for c in r.convoys if c.kind == "empty"]
    assert [(c.origin, c.dest, c.vehicles) for c in empties] == [("B", "C", {"trucks": 1})]


def test_phase_waits_for_start_day_and_after(tmp_path: Path) -> None:
    data = scenario_dict(
        sites={"A": {"equipment": {"container": 2}}, "B": {}, "C": {"equipment": {"container": 2}}},
        fleets={"t": truck(1, "A", {"container": 2})},
        routes=[{"from": "A", "to": "B", "km": 100}, {"from": "C", "to": "B", "km": 50}],
        phases=[
            {"id": "p1", "moves": [{"from": "A", "to": "B"}]},
            {"id": "p2", "start_day": 1, "after": ["p1"], "moves": [{"from": "C", "to": "B"}]},
        ],
    )
    r = sim.simulate(load(tmp_path, data))
    assert r.phase_closure_h["p1"] == 4.0
    assert r.phase_start_h["p2"] == 24.0  # after p1 (4 h) and not before day 1
    assert r.closure_h == 24.0 + 1 + 1 + 1 + 1


def test_loading_teams_at_origin_and_destination(tmp_path: Path) -> None:
    # 10 vehicles, 2 teams at A: loaded in 5 rounds of 1 h, convoy leaves at 5 h, 2 h drive.
    # 3 teams at B: unloads finish at 8, 9, 10 (3 vehicles each) and 11 h (the last one).
    data = scenario_dict(
        sites={"A": {"equipment": {"container": 10}, "loading_teams": 2}, "B": {"loading_teams": 3}},
        fleets={"t": truck(10, "A", {"container": 1})},
        routes=[{"from": "A", "to": "B", "km": 100}],
        phases=[{"id": "out", "moves": [{"from": "A", "to": "B"}]}],
    )
    r = sim.simulate(load(tmp_path, data), audit=True)
    (c,) = r.convoys
    assert (c.depart_h, c.arrive_h, c.unloaded_h) == (5.0, 7.0, 11.0)
    assert r.closure_h == 11.0
    # 95 % of 10 containers needs all 10 (9.5 rounds up), so 95 % closure is also 11 h.
    assert r.closure95_h == 11.0


def test_max_vehicles_splits_convoys(tmp_path: Path) -> None:
    data = scenario_dict(
        sites={"A": {"equipment": {"container": 10}}, "B": {}},
        fleets={"t": truck(10, "A", {"container": 1})},
        routes=[{"from": "A", "to": "B", "km": 100}],
        convoy={"max_vehicles": 4},
        phases=[{"id": "out", "moves": [{"from": "A", "to": "B"}]}],
    )
    r = sim.simulate(load(tmp_path, data))
    assert [sum(c.vehicles.values()) for c in r.convoys] == [4, 4, 2]
    assert r.closure_h == 4.0


def test_no_more_vehicles_than_the_cargo_needs(tmp_path: Path) -> None:
    data = scenario_dict(
        sites={"A": {"equipment": {"container": 5}}, "B": {}},
        fleets={"t": truck(10, "A", {"container": 2})},
        routes=[{"from": "A", "to": "B", "km": 100}],
        phases=[{"id": "out", "moves": [{"from": "A", "to": "B"}]}],
    )
    r = sim.simulate(load(tmp_path, data))
    (c,) = r.convoys
    assert c.vehicles == {"t": 3}  # 2 + 2 + 1
    assert c.cargo == {"container": 5}


def test_idle_vehicles_go_to_the_nearest_cargo(tmp_path: Path) -> None:
    # One truck is needed at A. The truck at B (100 km) goes; the one at C (300 km) stays.
    data = scenario_dict(
        sites={"A": {"equipment": {"container": 2}}, "B": {}, "C": {}, "D": {}},
        fleets={"far": truck(1, "C", {"container": 2}), "near": truck(1, "B", {"container": 2})},
        routes=[
            {"from": "A", "to": "B", "km": 100},
            {"from": "A", "to": "C", "km": 300},
            {"from": "A", "to": "D", "km": 50},
        ],
        phases=[{"id": "out", "moves": [{"from": "A", "to": "D"}]}],
    )
    r = sim.simulate(load(tmp_path, data))
    empty, loaded = r.convoys
    assert (empty.kind, empty.origin, empty.dest, empty.vehicles) == ("empty", "B", "A", {"near": 1})
    assert (loaded.depart_h, r.closure_h) == (2.0 + 1.0, 2.0 + 1.0 + 1.0 + 1.0)


def test_slowest_vehicle_sets_the_pace(tmp_path: Path) -> None:
    data = scenario_dict(
        cargo={"container": {}, "tracked": {}},
        sites={"A": {"equipment": {"container": 1, "tracked": 1}}, "B": {}},
        fleets={
            "trucks": truck(1, "A", {"container": 1}, speed=50),
            "het": truck(1, "A", {"tracked": 1}, speed=25),
        },
        routes=[{"from": "A", "to": "B", "km": 100}],
        phases=[{"id": "out", "moves": [{"from": "A", "to": "B"}]}],
    )
    r = sim.simulate(load(tmp_path, data))
    (c,) = r.convoys
    assert c.arrive_h - c.depart_h == 4.0  # 100 km at the HET's 25 km/h


def test_multi_hop_route_uses_the_shortest_path(tmp_path: Path) -> None:
    data = scenario_dict(
        sites={"A": {"equipment": {"container": 1}}, "X": {}, "B": {}},
        fleets={"t": truck(1, "A", {"container": 1})},
        routes=[
            {"from": "A", "to": "X", "km": 50},
            {"from": "X", "to": "B", "km": 50},
            {"from": "A", "to": "B", "km": 150},
        ],
        phases=[{"id": "out", "moves": [{"from": "A", "to": "B"}]}],
    )
    r = sim.simulate(load(tmp_path, data))
    assert r.convoys[0].arrive_h - r.convoys[0].depart_h == 2.0  # 100 km via X


def test_horizon_stops_the_run_and_reports_what_is_left(tmp_path: Path) -> None:
    data = scenario_dict(
        horizon_days=1,
        sites={"A": {"equipment": {"container": 100}, "personnel": 10}, "B": {}},
        fleets={"t": truck(1, "A", {"container": 1, "personnel": 10})},
        routes=[{"from": "A", "to": "B", "km": 100}],
        phases=[{"id": "out", "moves": [{"from": "A", "to": "B"}]}],
    )
    r = sim.simulate(load(tmp_path, data), audit=True)
    assert not r.completed
    assert r.closure_h is None and r.end_h == 24.0
    summary = r.summary()
    assert summary["completed"] is False and summary["closure_date"] is None
    # Round trip 1 + 2 + 1 + 2 = 6 h: containers unloaded at 4, 10, 16 and 22 h; the truck is
    # back at A at 24 h, so 96 containers and the 10 people (last, after the equipment) are
    # left there and nothing is on the road.
    assert summary["remaining"] == {"A": {"container": 96, "personnel": 10}}
    assert summary["in_transit"] == {}
    assert any("out" in why for why in summary["binding"])


def test_conservation_at_every_step_of_the_examples() -> None:
    for path in sorted((ROOT / "scenarios").rglob("*.yaml")):
        s = sim.load_scenario(path)
        r = sim.simulate(s, audit=True, seed=3)
        assert r.snapshots, path
        for _t, totals, expected in r.snapshots:
            assert totals == expected, path
        # the daily troop curve conserves people too: sites + road is constant, except for
        # people new to the theatre (reinforcements), which may only add
        people = r.personnel.sum(axis=1) + r.transit_personnel
        ran = r.scenario  # the replication's own draw of any count given as a distribution
        external = sum(e.personnel for e in ran.events if e.type == "reinforce" and not e.from_stock)
        if external == 0:
            assert np.all(people == people[0]), path
        else:
            assert np.all(np.diff(people) >= 0) and people[-1] <= people[0] + external, path


def test_troop_curve_is_sampled_at_midnight(tmp_path: Path) -> None:
    # 30 people leave A at 1 h (day 0) and arrive at B (out of theatre) at 4 h.
    data = scenario_dict(
        sites={"A": {"personnel": 30}, "B": {}},
        fleets={"bus": truck(1, "A", {"personnel": 30})},
        routes=[{"from": "A", "to": "B", "km": 100}],
        phases=[{"id": "out", "start_day": 1, "moves": [{"from": "A", "to": "B"}]}],
    )
    r = sim.simulate(load(tmp_path, data))
    header, rows = r.troop_curve_rows()
    assert header == ["day", "date", "A", "B", "in_transit", "in_theatre"]
    assert rows[0] == [0, "2026-01-01", 30, 0, 0, 30]
    assert rows[1] == [1, "2026-01-02", 30, 0, 0, 30]  # the phase opens at 24 h, bus leaves 25 h
    assert rows[2] == [2, "2026-01-03", 0, 30, 0, 0]
    assert len(rows) == 31  # day 0 to the 30-day horizon
