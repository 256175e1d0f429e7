"""Self-propelled units, each on a case computed by hand (``docs/model.md``, "Self-propelled
units").

Unless a test says otherwise: 10 MRAPs (20 short tons, 50 km/h, 4 seats) and 40 people at A,
to B (out of theatre) 100 km away, in one phase; one bus (capacity 40 people, 50 km/h, no
loading time) at A for the people the seats do not take; ``convoy.max_vehicles`` 5.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import sim
from tests.support.scenario_factory import load, scenario_dict, truck


def run(tmp_path: Path, data: dict[str, Any], **kw: Any) -> sim.Result:
    return sim.simulate(load(tmp_path, data), audit=True, deterministic=True, **kw)


def mraps(
    units: int = 10,
    people: int = 40,
    km: float = 100,
    seats: int = 4,
    duty: dict[str, Any] | None = None,
    site: dict[str, Any] | None = None,
    **parts: Any,
) -> dict[str, Any]:
    drive: dict[str, Any] = {"speed_kmh": 50, "seats": seats}
    if duty is not None:
        drive["duty"] = duty
    data = scenario_dict(
        cargo={"mrap": {"short_tons": 20, "self_propelled": drive}},
        sites={
            "A": {"personnel": people, "equipment": {"mrap": units}, **(site or {})},
            "B": {"in_theatre": False},
        },
        fleets={"bus": truck(1, "A", {"personnel": 40}, load=0, unload=0)},
        routes=[{"from": "A", "to": "B", "km": km}],
        phases=[{"id": "out", "moves": [{"from": "A", "to": "B"}]}],
        convoy={"max_vehicles": 5},
    )
    data.update(parts)
    return data


def rows(r: sim.Result) -> list[tuple[Any, ...]]:
    """(fleet or class, vehicles, mraps, people, depart, arrive) of each convoy."""
    return [
        (
            c.self_propelled or ",".join(c.vehicles),
            sum(c.vehicles.values()),
            c.cargo.get("mrap", 0),
            c.cargo.get("personnel", 0),
            c.depart_h,
            c.arrive_h,
        )
        for c in r.convoys
    ]


# ----------------------------------------------------------------------------- the issue case
def test_ten_mraps_form_two_convoys_of_five_with_their_riders(tmp_path: Path) -> None:
    # max_vehicles 5: two convoys of 5 MRAPs, 5 x 4 = 20 riders each; no loading time, leave
    # at 00:00, 100 km / 50 km/h = 2 h; units and riders arrive at 02:00. The bus has nothing
    # left to carry.
    r = run(tmp_path, mraps())
    assert rows(r) == [("mrap", 5, 5, 20, 0.0, 2.0), ("mrap", 5, 5, 20, 0.0, 2.0)]
    assert r.closure_h == 2.0
    assert r.personnel[-1, r.sites.index("A")] == 0
    assert r.equipment[-1, r.sites.index("B")] == 10  # the units stay at B, as cargo


def test_units_that_arrived_are_cargo_and_drive_on_in_the_next_phase(tmp_path: Path) -> None:
    # Phase 2 (after phase 1 closes at 02:00) takes everything at B on to C, 50 km (1 h):
    # the units drive on with the same riders and arrive at 03:00; the bus is never needed.
    data = mraps()
    data["sites"]["C"] = {"in_theatre": False}
    data["routes"].append({"from": "B", "to": "C", "km": 50})
    data["phases"].append({"id": "on", "after": ["out"], "moves": [{"from": "B", "to": "C"}]})
    r = run(tmp_path, data)
    assert [(c.origin, c.dest, *row) for c, row in zip(r.convoys, rows(r), strict=True)] == [
        ("A", "B", "mrap", 5, 5, 20, 0.0, 2.0),
        ("A", "B", "mrap", 5, 5, 20, 0.0, 2.0),
        ("B", "C", "mrap", 5, 5, 20, 2.0, 3.0),
        ("B", "C", "mrap", 5, 5, 20, 2.0, 3.0),
    ]
    assert r.equipment[-1, r.sites.index("C")] == 10


def test_events_csv_has_the_new_last_column(tmp_path: Path) -> None:
    r = run(tmp_path, mraps())
    header, body = r.convoy_rows()
    assert header[-1] == "self_propelled"
    assert header[-3:-1] == ["halts", "halted_hours"]
    first = dict(zip(header, body[0], strict=True))
    assert (first["mode"], first["vehicles"], first["vehicles_bus"]) == ("road", 5, 0)
    assert (first["mrap"], first["personnel"], first["self_propelled"]) == (5, 20, "mrap")


def test_without_self_propelled_classes_events_csv_has_no_new_column(tmp_path: Path) -> None:
    data = mraps()
    del data["cargo"]["mrap"]["self_propelled"]
    data["fleets"]["hauler"] = truck(10, "A", {"mrap": 1}, load=0, unload=0)
    header, _ = run(tmp_path, data).convoy_rows()
    assert header[-1] == "halted_hours"


def test_seats_take_only_what_they_can_and_the_bus_takes_the_rest(tmp_path: Path) -> None:
    # 2 seats: 10 + 10 riders; the bus takes the other 20 in the same instant.
    r = run(tmp_path, mraps(seats=2))
    assert sorted(rows(r)) == sorted(
        [("mrap", 5, 5, 10, 0.0, 2.0), ("mrap", 5, 5, 10, 0.0, 2.0), ("bus", 1, 0, 20, 0.0, 2.0)]
    )


def test_units_alone_without_seats(tmp_path: Path) -> None:
    r = run(tmp_path, mraps(seats=0, people=0))
    assert rows(r) == [("mrap", 5, 5, 0, 0.0, 2.0), ("mrap", 5, 5, 0, 0.0, 2.0)]


# ----------------------------------------------------------------------------- who may ride
def test_riders_are_limited_by_min_personnel(tmp_path: Path) -> None:
    # min_personnel 20 is held while equipment waits to leave: only 20 may ride, all in the
    # first convoy. Once both convoys have left (00:00), nothing waits: the bus takes the 20.
    r = run(tmp_path, mraps(site={"min_personnel": 20}))
    assert rows(r) == [
        ("mrap", 5, 5, 20, 0.0, 2.0),
        ("mrap", 5, 5, 0, 0.0, 2.0),
        ("bus", 1, 0, 20, 0.0, 2.0),
    ]


def test_riders_respect_keep(tmp_path: Path) -> None:
    # keep 30 people: 10 may go, all in the first convoy; 30 stay at A.
    data = mraps()
    data["phases"][0]["moves"][0]["keep"] = {"personnel": 30}
    r = run(tmp_path, data)
    assert rows(r) == [("mrap", 5, 5, 10, 0.0, 2.0), ("mrap", 5, 5, 0, 0.0, 2.0)]
    assert r.personnel[-1, r.sites.index("A")] == 30


def test_trucks_never_carry_a_self_propelled_class(tmp_path: Path) -> None:
    data = mraps()
    data["fleets"]["hauler"] = truck(10, "A", {"mrap": 1}, load=0, unload=0)
    r = run(tmp_path, data)
    assert rows(r) == [("mrap", 5, 5, 20, 0.0, 2.0), ("mrap", 5, 5, 20, 0.0, 2.0)]


# ----------------------------------------------------------------------------- duty, escorts
def test_duty_hours_halt_the_units_on_the_road(tmp_path: Path) -> None:
    # 600 km, 10 h a day: drive 00-10 (500 km), halt 10-24, drive 24-26.
    r = run(tmp_path, mraps(km=600, duty={"hours_per_day": 10}))
    assert [(c.depart_h, c.arrive_h, c.halts, c.halted_h) for c in r.convoys] == [(0.0, 26.0, 1, 14.0)] * 2


def test_a_window_holds_them_at_the_site_and_the_troop_curve_falls_when_they_leave(
    tmp_path: Path,
) -> None:
    # Window 06-18, 1000 km (20 h): leave 06:00, drive 06-18 (600 km), halt 18-30, drive
    # 30-38. At 00:00 on day 0 the 40 people are at A; on day 1 they are on the road (still in
    # theatre); on day 2 they are at B, out of theatre.
    r = run(tmp_path, mraps(km=1000, duty={"window": [6, 18]}))
    assert [(c.depart_h, c.arrive_h, c.halts, c.halted_h) for c in r.convoys] == [(6.0, 38.0, 1, 12.0)] * 2
    a = r.sites.index("A")
    assert list(r.personnel[:3, a]) == [40, 0, 0]
    assert list(r.transit_personnel[:3]) == [0, 40, 0]
    assert list(r.in_theatre[:3]) == [40, 40, 0]
    assert list(r.equipment[:3, a]) == [10, 0, 0]


def test_escort_team_is_shared_like_any_loaded_convoy(tmp_path: Path) -> None:
    # One escort team: the first convoy leaves at 00:00 and arrives at 02:00; the team is back
    # at 04:00 (one outbound drive later) and the second convoy leaves then, arriving 06:00.
    r = run(tmp_path, mraps(convoy={"max_vehicles": 5, "escort_teams": 1}))
    assert [(c.depart_h, c.arrive_h, c.escort_wait_h) for c in r.convoys] == [
        (0.0, 2.0, 0.0),
        (4.0, 6.0, 4.0),
    ]


# ----------------------------------------------------------------------------- crossings
def heavy(tons: float) -> dict[str, Any]:
    # A-B direct 100 km over a bridge bearing 60 short tons, or 200 km around it.
    data = mraps(people=0, seats=0)
    data["cargo"]["mrap"]["short_tons"] = tons
    data["crossings"] = {"F": {"max_short_tons": 60}}
    data["routes"] = [
        {"from": "A", "to": "B", "km": 100, "crossings": ["F"]},
        {"from": "A", "to": "B", "km": 200},
    ]
    return data


def test_a_unit_light_enough_takes_the_bridge(tmp_path: Path) -> None:
    r = run(tmp_path, heavy(60))
    assert [c.arrive_h for c in r.convoys] == [2.0, 2.0]


def test_a_unit_too_heavy_for_the_bridge_drives_around(tmp_path: Path) -> None:
    # 70 short tons > 60: the 200 km road, 4 h.
    r = run(tmp_path, heavy(70))
    assert [c.arrive_h for c in r.convoys] == [4.0, 4.0]


def test_a_crossing_passes_the_units_one_by_one(tmp_path: Path) -> None:
    # 2 vehicles an hour at a crossing 50 km out (1 h): the 5 units of the first convoy pass
    # in 2.5 h (01:00-03:30), then the second convoy's in 2.5 h (03:30-06:00); each drives the
    # last 50 km in 1 h.
    data = mraps(people=0, seats=0)
    data["crossings"] = {"X": {"vehicles_per_hour": 2}}
    data["routes"] = [{"from": "A", "to": "B", "km": 100, "crossings": [{"id": "X", "at_km": 50}]}]
    r = run(tmp_path, data)
    assert [c.arrive_h for c in r.convoys] == [4.5, 7.0]


# ----------------------------------------------------------------------------- order of service
def test_an_order_of_service_gives_the_same_convoys(tmp_path: Path) -> None:
    data = mraps(convoy={"max_vehicles": 5, "dispatch": "largest_backlog"})
    assert rows(run(tmp_path, data)) == rows(run(tmp_path, mraps()))


def test_priorities_send_the_first_move_first_with_its_own_riders(tmp_path: Path) -> None:
    # Two sites; C's move has priority 0 and A's priority 1: both leave at 00:00 (units need no
    # vehicles), each with riders of its own line only.
    data = mraps()
    data["sites"]["C"] = {"personnel": 4, "equipment": {"mrap": 2}}
    data["routes"].append({"from": "C", "to": "B", "km": 50})
    data["fleets"]["bus"]["count"] = 0
    data["fleets"]["bus2"] = truck(1, "C", {"personnel": 40}, load=0, unload=0)
    data["phases"][0]["moves"] = [
        {"from": "A", "to": "B", "priority": 1},
        {"from": "C", "to": "B", "priority": 0},
    ]
    r = run(tmp_path, data)
    assert [(c.origin, *row) for c, row in zip(r.convoys, rows(r), strict=True)] == [
        ("C", "mrap", 2, 2, 4, 0.0, 1.0),
        ("A", "mrap", 5, 5, 20, 0.0, 2.0),
        ("A", "mrap", 5, 5, 20, 0.0, 2.0),
    ]


# ----------------------------------------------------------------------------- conservation
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_conservation_with_random_speeds_and_turn_backs(tmp_path: Path, seed: int) -> None:
    data = mraps(seats=2, duty={"hours_per_day": 1.5})
    data["cargo"]["mrap"]["self_propelled"]["speed_kmh"] = {"triangular": [30, 50, 60]}
    data["routes"][0]["disruption"] = {
        "turn_back_probability": 0.5,
        "delay_probability": 0.5,
        "delay_hours": 3,
    }
    r = sim.simulate(load(tmp_path, data), seed=seed, audit=True)
    assert r.snapshots and all(t == e for _, t, e in r.snapshots)
    assert r.completed
    arrived = sum(c.cargo.get("mrap", 0) for c in r.convoys if c.arrive_h is not None and not c.turned_back)
    assert arrived == 10


# ----------------------------------------------------------------------------- validation
def test_no_fleet_is_needed_for_a_self_propelled_class(tmp_path: Path) -> None:
    load(tmp_path, mraps())  # the bus carries people only; nothing carries MRAPs


def test_a_self_propelled_class_with_no_road_its_weight_may_use_is_refused(tmp_path: Path) -> None:
    data = heavy(70)
    data["routes"] = data["routes"][:1]
    with pytest.raises(sim.ScenarioError, match=r"'mrap' cannot get from 'A' to 'B' \(weight limits"):
        load(tmp_path, data)


@pytest.mark.parametrize(
    ("drive", "message"),
    [
        ({"speed_kmh": 0, "seats": 4}, "speed_kmh"),
        ({"speed_kmh": 50, "seats": 1.5}, "seats"),
        ({"speed_kmh": 50, "seats": -1}, "seats"),
        ({"speed_kmh": 50, "duty": {}}, "duty"),
        ({"speed_kmh": 50, "duty": {"hours_per_day": 25}}, "duty"),
        ({"seats": 4}, "speed_kmh"),
    ],
)
def test_bad_keys_are_refused(tmp_path: Path, drive: dict[str, Any], message: str) -> None:
    data = mraps()
    data["cargo"]["mrap"]["self_propelled"] = drive
    with pytest.raises(sim.ScenarioError, match=message):
        load(tmp_path, data)


def test_seats_are_not_a_carrier_for_people_in_the_checks(tmp_path: Path) -> None:
    # Riders depend on min_personnel, keep and seats at run time: people still need a fleet.
    data = mraps()
    data["fleets"] = {}
    with pytest.raises(sim.ScenarioError, match="'personnel' cannot get from 'A' to 'B'"):
        load(tmp_path, data)


# ----------------------------------------------------------------------------- aircraft
def airlift(mode: str) -> dict[str, Any]:
    # A C-17 at A can carry one MRAP to B (600 km great circle, 600 km/h: 1 h), sooner than the
    # 2 h drive; the class's mode decides.
    data = mraps(people=0, seats=0, units=1)
    data["cargo"]["mrap"]["mode"] = mode
    field = {"airfield": {"sorties_per_day": 10}}
    data["sites"]["A"].update(lat=0.0, lon=0.0, **field)
    data["sites"]["B"].update(lat=0.0, lon=5.395, **field)
    data["aircraft"] = {"c17": {"count": 1, "based_at": "A", "capacity": {"mrap": 1}, "speed_kmh": 600}}
    return data


def test_a_self_propelled_class_of_mode_any_drives_even_when_flying_is_sooner(tmp_path: Path) -> None:
    r = run(tmp_path, airlift("any"))
    assert [(c.mode, c.self_propelled, c.arrive_h) for c in r.convoys] == [("road", "mrap", 2.0)]


def test_a_self_propelled_class_of_mode_air_flies(tmp_path: Path) -> None:
    r = run(tmp_path, airlift("air"))
    assert [(c.mode, c.self_propelled) for c in r.convoys] == [("air", "")]
