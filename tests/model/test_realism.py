"""Operational realism: each mechanism pinned by a small case computed by hand.

Unless a test says otherwise: trucks drive 50 km/h and take 1 h to load and 1 h to unload,
loading teams are unlimited, and A-B is 100 km (2 h).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sim
from tests.support.scenario_factory import load, scenario_dict, simple, truck

ROOT = Path(__file__).resolve().parents[2]
WORKED = ROOT / "scenarios/examples/worked-example.yaml"


def run(tmp_path: Path, data: dict[str, Any], **kw: Any) -> sim.Result:
    return sim.simulate(load(tmp_path, data), audit=True, deterministic=True, **kw)


# ----------------------------------------------------------------------------- crossings
def test_one_convoy_a_day_crossing_turns_simultaneous_convoys_into_days(tmp_path: Path) -> None:
    # 3 one-truck convoys leave at 1 h and reach the crossing (50 km in) at 2 h. It passes one
    # convoy a day: they cross at 2, 26 and 50 h, then drive 1 h and unload 1 h.
    data = simple(
        3,
        3,
        convoy={"max_vehicles": 1},
        crossings={"X": {"convoys_per_day": 1}},
        routes=[{"from": "A", "to": "B", "km": 100, "crossings": [{"id": "X", "at_km": 50}]}],
    )
    r = run(tmp_path, data)
    loaded = [c for c in r.convoys if c.kind == "loaded"]
    assert [c.unloaded_h for c in loaded] == [4.0, 28.0, 52.0]
    assert r.closure_h == 52.0
    assert r.waits["crossing_hours"] == {"X": 0.0 + 24.0 + 48.0}
    # waiting: the second convoy 2-26 h, the third 2-50 h
    assert r.daily["queue_X"][:4].tolist() == [2, 2, 1, 0]


def test_vehicles_per_hour_sets_the_time_through(tmp_path: Path) -> None:
    # 4 trucks at 2 vehicles an hour: 2 h through the crossing (midpoint by default).
    data = simple(
        4,
        4,
        crossings={"X": {"vehicles_per_hour": 2}},
        routes=[{"from": "A", "to": "B", "km": 100, "crossings": ["X"]}],
    )
    assert run(tmp_path, data).closure_h == 1 + 1 + 2 + 1 + 1


def test_closure_window_and_opening_hours(tmp_path: Path) -> None:
    # Closed on day 0: the convoy reaches it at 2 h and waits to 24 h. With opening hours
    # 06-18 as well, it waits to 30 h.
    route = [{"from": "A", "to": "B", "km": 100, "crossings": [{"id": "X", "at_km": 50}]}]
    data = simple(routes=route, crossings={"X": {"closures": [{"from_day": 0, "to_day": 1}]}})
    assert run(tmp_path, data).closure_h == 24 + 1 + 1
    data = simple(
        routes=route, crossings={"X": {"closures": [{"from_day": 0, "to_day": 1}], "open_hours": [6, 18]}}
    )
    (tmp_path / "b").mkdir()
    assert run(tmp_path / "b", data).closure_h == 30 + 1 + 1


def test_close_and_open_crossing_events(tmp_path: Path) -> None:
    route = [{"from": "A", "to": "B", "km": 100, "crossings": [{"id": "X", "at_km": 50}]}]
    data = simple(
        routes=route,
        crossings={"X": {}},
        events=[
            {"type": "close_crossing", "day": 0, "crossing": "X", "reason": "flood"},
            {"type": "open_crossing", "day": 0.5, "crossing": "X"},
        ],
    )
    assert run(tmp_path, data).closure_h == 12 + 1 + 1


def test_weight_limit_sends_loaded_vehicle_the_long_way(tmp_path: Path) -> None:
    # An HET weighs 20 t empty; with a 35 t Bradley it is 55 t, over the 30 t bridge on the
    # 100 km road, so it takes the 200 km road (4 h). Empty, it may use the bridge.
    data = scenario_dict(
        cargo={"tracked": {"short_tons": 35}},
        sites={"A": {"equipment": {"tracked": 1}}, "B": {}},
        fleets={"het": {**truck(1, "A", {"tracked": 1}), "empty_short_tons": 20}},
        crossings={"F": {"max_short_tons": 30}},
        routes=[{"from": "A", "to": "B", "km": 100, "crossings": ["F"]}, {"from": "A", "to": "B", "km": 200}],
        phases=[{"id": "out", "moves": [{"from": "A", "to": "B"}]}],
    )
    r = run(tmp_path, data)
    assert r.closure_h == 1 + 4 + 1


# ----------------------------------------------------------------------------- escorts
def test_one_escort_team_spaces_convoys_one_round_trip_apart(tmp_path: Path) -> None:
    # Both one-truck convoys are loaded at 1 h. The first leaves with the team, arrives 3 h,
    # is unloaded 4 h; the team drives back (2 h) and is free at 6 h, when the second leaves.
    data = simple(2, 2, convoy={"max_vehicles": 1, "escort_teams": 1})
    r = run(tmp_path, data)
    loaded = [c for c in r.convoys if c.kind == "loaded"]
    assert [c.depart_h for c in loaded] == [1.0, 6.0]
    assert loaded[1].depart_h - loaded[0].depart_h == 2 + 1 + 2  # one round trip
    assert r.closure_h == 9.0
    assert r.waits["escort_hours"] == 5.0
    assert r.binding_by_phase["out"]["resource"] == "escorts"


# ----------------------------------------------------------------------------- events
def test_pause_on_the_critical_path_delays_closure_by_exactly_p() -> None:
    base = sim.simulate(sim.load_scenario(WORKED)).closure_h
    for p in (1, 2.5):
        s = sim.load_scenario(WORKED)
        paused = s.model_copy(update={"events": [sim.scenario.schema.PauseEvent(day=0, days=p)]})
        assert sim.simulate(paused).closure_h == base + 24 * p


def test_pause_until_resume_for_one_site(tmp_path: Path) -> None:
    data = simple(
        events=[{"type": "pause", "day": 0, "sites": ["A"]}, {"type": "resume", "day": 2, "sites": ["A"]}]
    )
    assert run(tmp_path, data).closure_h == 48 + 4


def test_reinforcement_raises_the_site_on_its_day_and_conserves(tmp_path: Path) -> None:
    # 50 people new to the theatre appear at H at 24 h; the bus loads 24-25, drives 25-27,
    # unloads 27-28. The day-2 sample (48 h) shows Q at 100 + 50.
    data = scenario_dict(
        sites={"Q": {"personnel": 100}, "H": {"in_theatre": False}, "B": {}},
        fleets={"bus": truck(1, "H", {"personnel": 50})},
        routes=[{"from": "Q", "to": "H", "km": 100}, {"from": "Q", "to": "B", "km": 100}],
        phases=[
            {"id": "later", "start_day": 5, "moves": [{"from": "Q", "to": "B", "keep": {"personnel": 150}}]}
        ],
        events=[
            {
                "type": "reinforce",
                "day": 1,
                "to": "Q",
                "from": "H",
                "personnel": 50,
                "reason": "air defence crews",
                "source": "assumption: test",
            }
        ],
    )
    r = run(tmp_path, data)
    reinf = [c for c in r.convoys if c.kind == "loaded"]
    assert reinf[0].cargo == {"personnel": 50} and reinf[0].unloaded_h == 28.0
    q = r.sites.index("Q")
    assert r.personnel[1, q] == 100 and r.personnel[2, q] == 150
    for _t, totals, expected in r.snapshots:
        assert totals == expected
    assert r.snapshots[-1][1][-1] == 150  # 100 at start + 50 that came in


def test_set_keep_changes_the_end_state(tmp_path: Path) -> None:
    data = scenario_dict(
        sites={"A": {"personnel": 100}, "B": {}},
        fleets={"bus": truck(1, "A", {"personnel": 100})},
        routes=[{"from": "A", "to": "B", "km": 100}],
        phases=[{"id": "out", "moves": [{"from": "A", "to": "B"}]}],
        events=[{"type": "set_keep", "day": 0, "site": "A", "keep": {"personnel": 60}}],
    )
    r = run(tmp_path, data)
    assert r.convoys[0].cargo == {"personnel": 40}
    assert r.summary()["sites"]["A"]["personnel_at_end"] == 60


def test_start_and_cancel_phase(tmp_path: Path) -> None:
    data = scenario_dict(
        sites={"A": {"equipment": {"container": 1}}, "C": {"equipment": {"container": 1}}, "B": {}},
        fleets={"t": truck(2, "A", {"container": 1})},
        routes=[{"from": "A", "to": "B", "km": 100}, {"from": "A", "to": "C", "km": 100}],
        phases=[
            {"id": "p1", "start_day": 10, "moves": [{"from": "A", "to": "B"}]},
            {"id": "p2", "after": ["p1"], "moves": [{"from": "C", "to": "B"}]},
        ],
        events=[
            {"type": "start_phase", "day": 1, "phase": "p1"},
            {"type": "cancel_phase", "day": 0, "phase": "p2"},
        ],
    )
    r = run(tmp_path, data)
    assert r.phase_start_h == {"p1": 24.0, "p2": None}
    assert r.phase_closure_h == {"p1": 28.0, "p2": 0.0}
    assert r.closure_h == 28.0


# ----------------------------------------------------------------------------- airlift
def air_case(personnel: int, **extra: Any) -> dict[str, Any]:
    data = scenario_dict(
        sites={
            "A": {"personnel": personnel, "airfield": {"sorties_per_day": 24}},
            "B": {"airfield": {"sorties_per_day": 24}},
        },
        aircraft={
            "c130": {
                "count": 1,
                "based_at": "A",
                "capacity": {"personnel": 90},
                "speed_kmh": 500,
                "load_hours": 1,
                "unload_hours": 1,
            }
        },
        air_routes=[{"from": "A", "to": "B", "hours": 2}],
        routes=[{"from": "A", "to": "B", "km": 400}],
        phases=[{"id": "out", "moves": [{"from": "A", "to": "B"}]}],
    )
    data.update(extra)
    return data


def test_air_only_cargo_flies(tmp_path: Path) -> None:
    # 90 people, air only: load 0-1, slot at 1, fly 1-3, unload 3-4.
    data = air_case(90, cargo={"personnel": {"mode": "air"}})
    r = run(tmp_path, data)
    (sortie,) = r.convoys
    assert (sortie.mode, sortie.cargo, sortie.unloaded_h) == ("air", {"personnel": 90}, 4.0)
    assert r.daily["sorties"][0] == 1 and r.daily["arrived_air"][0] == 90


def test_mode_that_clears_soonest(tmp_path: Path) -> None:
    # Air clears 90 by 4 h; by road (400 km at 50 km/h) a bus would take 1 + 8 + 1 = 10 h.
    # So 90 fly, and the 10 left go by bus, arriving at 10 h.
    data = air_case(100, fleets={"bus": truck(1, "A", {"personnel": 50})})
    r = run(tmp_path, data)
    by_mode = {c.mode: c for c in r.convoys if c.kind == "loaded"}
    assert by_mode["air"].cargo == {"personnel": 90}
    assert by_mode["road"].cargo == {"personnel": 10}
    assert r.closure_h == 10.0


def test_sortie_slots_space_departures(tmp_path: Path) -> None:
    # 2 sorties a day at A: one departure every 12 h. Two C-130s both loaded at 1 h leave at
    # 1 h and 13 h.
    data = air_case(180, cargo={"personnel": {"mode": "air"}})
    data["sites"]["A"]["airfield"] = {"sorties_per_day": 2}
    data["aircraft"]["c130"]["count"] = 2
    r = run(tmp_path, data)
    assert sorted(c.depart_h for c in r.convoys) == [1.0, 13.0]
    assert r.closure_h == 13 + 2 + 1


# ----------------------------------------------------------------------------- availability
def test_availability_per_replication(tmp_path: Path) -> None:
    # Half of the 10 trucks are mission-capable: 10 containers a convoy, 10 convoys,
    # 9 x 23 + 13 = 220 h.
    s = sim.load_scenario(WORKED, ["fleets.trucks.availability=0.5"])
    assert sim.simulate(s).closure_h == 9 * 23 + 13


def test_breakdowns_and_disruptions_in_deterministic_mode(tmp_path: Path) -> None:
    # Expected 0.1 breakdowns on 100 km x 10 h repair = 1 h halt; a 50 % chance of a 4 h
    # delay = 2 h. Closure 1 + 2 + 2 + 1 + 1.
    data = simple(
        fleets={
            "t": {**truck(1, "A", {"container": 1}), "breakdowns": {"per_1000_km": 1, "repair_hours": 10}}
        },
        routes=[
            {"from": "A", "to": "B", "km": 100, "disruption": {"delay_probability": 0.5, "delay_hours": 4}}
        ],
    )
    assert run(tmp_path, data).closure_h == 7.0


def test_random_breakdowns_never_lose_cargo(tmp_path: Path) -> None:
    data = simple(
        40,
        10,
        fleets={
            "t": {
                **truck(10, "A", {"container": 1}),
                "breakdowns": {"per_1000_km": 5, "repair_hours": {"uniform": [1, 5]}, "policy": "leave"},
            }
        },
        routes=[
            {
                "from": "A",
                "to": "B",
                "km": 100,
                "disruption": {
                    "turn_back_probability": 0.2,
                    "delay_probability": 0.3,
                    "delay_hours": {"exponential": {"mean": 3}},
                },
            }
        ],
    )
    s = load(tmp_path, data)
    for rep in range(5):
        r = sim.simulate(s, seed=2, replication=rep, audit=True)
        assert r.completed
        assert r.disposition["retrograde"]["units"] == {"container": 40}
        assert r.snapshots[-1][1][0] == 40


# ----------------------------------------------------------------------------- disposition
def test_disposition_on_site(tmp_path: Path) -> None:
    # Half of 10 containers are destroyed, 2 h each with one team: done at 10 h. The other 5
    # are lifted by 5 trucks: unloaded at 4 h. The phase closes when the last is destroyed.
    data = simple(10, 5)
    data["sites"]["A"].update(
        {"disposition": {"container": {"destroy": 0.5, "hours": 2}}, "disposal_teams": 1}
    )
    r = run(tmp_path, data)
    assert r.closure_h == 10.0
    assert r.disposition["destroy"] == {"units": {"container": 5}, "short_tons": 50.0}
    assert r.disposition["retrograde"] == {"units": {"container": 5}, "short_tons": 50.0}
    assert r.site_empty_h["A"] == 10.0


# ----------------------------------------------------------------------------- more crossings and events
def test_convoy_detours_around_a_closed_crossing_when_that_is_sooner(tmp_path: Path) -> None:
    # A-B direct is 100 km through X, shut for days 0-5; A-Y-B is 150 km and open. Leaving at
    # 1 h, the detour arrives at 4 h (3 h drive) against 120 h + 1 h direct; unloaded at 5 h.
    data = simple(
        sites={"A": {"equipment": {"container": 1}}, "Y": {}, "B": {"in_theatre": False}},
        crossings={"X": {"closures": [{"from_day": 0, "to_day": 5}]}},
        routes=[
            {"from": "A", "to": "B", "km": 100, "crossings": [{"id": "X", "at_km": 50}]},
            {"from": "A", "to": "Y", "km": 75},
            {"from": "Y", "to": "B", "km": 75},
        ],
    )
    assert run(tmp_path, data).closure_h == 5.0
    # Closed only until 2.5 h, waiting is sooner: reach X at 2 h, cross at 2.5 h, arrive 3.5 h,
    # unloaded 4.5 h (the detour would give 5 h).
    data["crossings"]["X"]["closures"] = [{"from_day": 0, "to_day": 2.5 / 24}]
    (tmp_path / "b").mkdir()
    assert run(tmp_path / "b", data).closure_h == 4.5


def test_reinforcement_still_on_its_way_at_the_horizon_is_reported(tmp_path: Path) -> None:
    # Regression: an open reinforcement line made the result builder crash.
    s = sim.load_scenario(WORKED, events=["reinforce:day=29.9,to=A,from=B,equipment.container=1"])
    r = sim.simulate(s, audit=True)
    # It appears at B at 717.6 h, loads on an idle truck until 719.6 h and is on the 10 h road
    # at the 720 h horizon.
    assert not r.completed
    assert r.in_transit == {"container": 1} and r.remaining == {}


def test_set_keep_never_takes_a_moves_own_keep(tmp_path: Path) -> None:
    # The move keeps 10 containers; a later set_keep of personnel only must not release them.
    data = simple(10, 10, events=[{"type": "set_keep", "day": 0, "site": "A", "keep": {"personnel": 0}}])
    data["phases"][0]["moves"][0]["keep"] = {"container": 4}
    r = run(tmp_path, data)
    assert r.convoys[0].cargo == {"container": 6}
