"""Crew duty: driving hours per day, driving windows, sorties per day, each on a case computed
by hand (``docs/model.md``, "Crew duty").

Unless a test says otherwise: one truck carries one container from A to B (out of theatre),
300 km at 30 km/h (10 h of driving), with no loading or unloading time, leaving at 00:00.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import sim
from tests.support.scenario_factory import load, scenario_dict, simple, truck


def run(tmp_path: Path, data: dict[str, Any], **kw: Any) -> sim.Result:
    return sim.simulate(load(tmp_path, data), audit=True, deterministic=True, **kw)


def trip(duty: dict[str, Any] | None = None, km: float = 300, **parts: Any) -> dict[str, Any]:
    """One container, one truck (30 km/h, no loading time) with ``duty``, A-B ``km``."""
    fleet = truck(1, "A", {"container": 1}, speed=30, load=0, unload=0)
    if duty is not None:
        fleet["duty"] = duty
    return simple(fleets={"t": fleet}, routes=[{"from": "A", "to": "B", "km": km}], **parts)


def only_convoy(r: sim.Result) -> Any:
    (c,) = r.convoys
    return c


# ----------------------------------------------------------------------------- hours a day
def test_the_issue_case_eight_driving_hours_a_day(tmp_path: Path) -> None:
    # 8 h on day 0 (00-08, 240 km), halt 08-24, the last 60 km 24-26.
    c = only_convoy(run(tmp_path, trip({"hours_per_day": 8})))
    assert (c.depart_h, c.arrive_h, c.unloaded_h) == (0.0, 26.0, 26.0)
    assert (c.halts, c.halted_h) == (1, 16.0)


def test_without_duty_nothing_changes(tmp_path: Path) -> None:
    c = only_convoy(run(tmp_path, trip()))
    assert (c.arrive_h, c.halts, c.halted_h) == (10.0, 0, 0.0)


def test_a_day_of_enough_hours_never_halts(tmp_path: Path) -> None:
    c = only_convoy(run(tmp_path, trip({"hours_per_day": 10})))
    assert (c.arrive_h, c.halts) == (10.0, 0)


def test_hours_carry_over_between_trips_and_loading_is_not_driving(tmp_path: Path) -> None:
    # 5 h a day, A-B 100 km at 50 km/h, 1 h to load and to unload, 2 containers, 1 truck.
    # Load 0-1, drive 1-3 (2 h), unload 3-4, back empty 4-6 (4 h), load 6-7, drive 7-8 (5 h:
    # the day's allowance is spent), halt 8-24, drive 24-25, unload 25-26.
    fleet = {**truck(1, "A", {"container": 1}), "duty": {"hours_per_day": 5}}
    r = run(tmp_path, simple(2, 1, fleets={"t": fleet}))
    assert [(c.kind, c.depart_h, c.arrive_h, c.halts, c.halted_h) for c in r.convoys] == [
        ("loaded", 1.0, 3.0, 0, 0.0),
        ("empty", 4.0, 6.0, 0, 0.0),
        ("loaded", 7.0, 25.0, 1, 16.0),
    ]
    assert r.closure_h == 26.0


# ----------------------------------------------------------------------------- windows
def test_window_holds_the_convoy_at_its_origin_until_it_opens(tmp_path: Path) -> None:
    # Window 06-18: ready at 00:00, it leaves at 06:00 and drives 06-16. Waiting at the
    # origin is not a halt on the road.
    c = only_convoy(run(tmp_path, trip({"window": [6, 18]})))
    assert (c.depart_h, c.arrive_h, c.halts, c.halted_h) == (6.0, 16.0, 0, 0.0)


def test_window_closing_on_the_road_halts_until_it_opens_again(tmp_path: Path) -> None:
    # 450 km = 15 h: drive 06-18 (360 km), halt 18-30, drive 30-33.
    c = only_convoy(run(tmp_path, trip({"window": [6, 18]}, km=450)))
    assert (c.depart_h, c.arrive_h, c.halts, c.halted_h) == (6.0, 33.0, 1, 12.0)


def test_night_window_runs_past_midnight(tmp_path: Path) -> None:
    # Window 20-06: open at 00:00, drive 00-06 (6 h), halt 06-20, drive 20-24 (4 h).
    c = only_convoy(run(tmp_path, trip({"window": [20, 6]})))
    assert (c.depart_h, c.arrive_h, c.halts, c.halted_h) == (0.0, 24.0, 1, 14.0)


# ----------------------------------------------------------------------------- both limits
def test_both_limits_together(tmp_path: Path) -> None:
    # Window 06-20 and 8 h a day: leave 06:00, drive 06-14 (8 h, 240 km), halt; the next
    # day's allowance starts at 24:00 but the window opens at 30:00; drive 30-32.
    c = only_convoy(run(tmp_path, trip({"hours_per_day": 8, "window": [6, 20]})))
    assert (c.depart_h, c.arrive_h, c.halts, c.halted_h) == (6.0, 32.0, 1, 16.0)


def test_night_window_and_hours_across_midnight(tmp_path: Path) -> None:
    # Window 20-06, 8 h a day: drive 00-06 (6 h), halt 06-20 (window), drive 20-22 (8 h on
    # day 0), halt 22-24 (hours), drive 24-26 (day 1).
    c = only_convoy(run(tmp_path, trip({"hours_per_day": 8, "window": [20, 6]})))
    assert (c.arrive_h, c.halts, c.halted_h) == (26.0, 2, 16.0)


def test_a_convoy_of_two_fleets_obeys_both(tmp_path: Path) -> None:
    # Fleet a may drive 8 h a day, fleet b only 06-18; one of each in the same convoy:
    # leave 06:00, drive 06-14 (a's 8 h), halt to the window's opening on day 1 (30:00),
    # drive 30-32.
    a = {**truck(1, "A", {"container": 1}, speed=30, load=0, unload=0), "duty": {"hours_per_day": 8}}
    b = {**truck(1, "A", {"container": 1}, speed=30, load=0, unload=0), "duty": {"window": [6, 18]}}
    data = simple(2, fleets={"a": a, "b": b}, routes=[{"from": "A", "to": "B", "km": 300}])
    c = only_convoy(run(tmp_path, data))
    assert c.vehicles == {"a": 1, "b": 1}
    assert (c.depart_h, c.arrive_h, c.halts, c.halted_h) == (6.0, 32.0, 1, 16.0)


# ----------------------------------------------------------------------------- not driving
def test_a_crossing_wait_uses_no_driving_hours(tmp_path: Path) -> None:
    # 8 h a day; a crossing 120 km in (4 h) opens at 10:00. Drive 00-04 (4 h), wait 04-10
    # (not driving), drive 10-14 (8 h: 240 km), halt 14-24, drive 24-26.
    route = {"from": "A", "to": "B", "km": 300, "crossings": [{"id": "X", "at_km": 120}]}
    data = trip({"hours_per_day": 8}, crossings={"X": {"open_hours": [10, 24]}})
    data["routes"] = [route]
    r = run(tmp_path, data)
    c = only_convoy(r)
    assert (c.arrive_h, c.halts, c.halted_h) == (26.0, 1, 10.0)
    assert r.waits["crossing_hours"] == {"X": 6.0}


def test_a_disruption_delay_uses_no_driving_hours(tmp_path: Path) -> None:
    # 8 h a day; A-M 120 km (4 h) with a certain 5 h delay at its end, M-B 180 km (6 h).
    # Drive 00-04, delayed 04-09, drive 09-13 (8 h), halt 13-24, drive 24-26.
    fleet = {**truck(1, "A", {"container": 1}, speed=30, load=0, unload=0), "duty": {"hours_per_day": 8}}
    data = scenario_dict(
        sites={"A": {"equipment": {"container": 1}}, "M": {}, "B": {"in_theatre": False}},
        fleets={"t": fleet},
        routes=[
            {
                "from": "A",
                "to": "M",
                "km": 120,
                "disruption": {"delay_probability": 1, "delay_hours": 5},
            },
            {"from": "M", "to": "B", "km": 180},
        ],
        phases=[{"id": "out", "moves": [{"from": "A", "to": "B"}]}],
    )
    c = only_convoy(run(tmp_path, data))
    assert (c.arrive_h, c.halts, c.halted_h) == (26.0, 1, 11.0)


# ----------------------------------------------------------------------------- events.csv
def test_events_csv_reports_halts_and_halted_hours(tmp_path: Path) -> None:
    r = run(tmp_path, trip({"hours_per_day": 8}))
    header, rows = r.convoy_rows()
    assert header[:10] == [
        "convoy",
        "kind",
        "mode",
        "origin",
        "destination",
        "phases",
        "formed_day",
        "depart_day",
        "arrive_day",
        "unloaded_day",
    ]
    assert header[-2:] == ["halts", "halted_hours"]
    line = dict(zip(header, rows[0], strict=True))
    assert (line["halts"], line["halted_hours"], line["arrive_day"]) == (1, 16.0, round(26 / 24, 6))


def test_events_csv_written_by_posture_run(tmp_path: Path) -> None:
    from sim.cli import main

    path = tmp_path / "s.yaml"
    load(tmp_path, trip({"hours_per_day": 8}))  # writes s.yaml
    assert main(["run", str(path), "--out", str(tmp_path / "o"), "--no-plot", "--deterministic"]) == 0
    lines = (tmp_path / "o" / "events.csv").read_text().splitlines()
    assert lines[0].endswith(",halts,halted_hours")
    assert lines[1].endswith(",1,16.0")


# ----------------------------------------------------------------------------- aircraft
def air(personnel_mode: str = "air", **extra: Any) -> dict[str, Any]:
    """90 people at A for B, then (after that phase closes) 90 at B for C; one C-130 at A
    carrying 90, 1 h to load and 1 h to unload; 2 h flights; airfields of 24 sorties a day."""
    field = {"airfield": {"sorties_per_day": 24}}
    data = scenario_dict(
        cargo={"personnel": {"mode": personnel_mode}},
        sites={"A": {"personnel": 90, **field}, "B": dict(field), "C": dict(field)},
        aircraft={
            "c130": {
                "count": 1,
                "based_at": "A",
                "capacity": {"personnel": 90},
                "speed_kmh": 500,
                "load_hours": 1,
                "unload_hours": 1,
                "duty": {"sorties_per_day": 1},
            }
        },
        air_routes=[{"from": "A", "to": "B", "hours": 2}, {"from": "B", "to": "C", "hours": 2}],
        phases=[
            {"id": "p1", "moves": [{"from": "A", "to": "B"}]},
            {"id": "p2", "after": ["p1"], "moves": [{"from": "B", "to": "C"}]},
        ],
    )
    data.update(extra)
    return data


def test_one_sortie_a_day_flies_two_loads_on_consecutive_days(tmp_path: Path) -> None:
    # Day 0: load 0-1, depart 1, land at B 3, unloaded 4 (p1 closes). The second load at B
    # is loaded 4-5, but the aircraft has flown its sortie for day 0: it departs at 24:00,
    # lands at C 26, unloaded 27.
    r = run(tmp_path, air())
    assert [(c.origin, c.dest, c.depart_h, c.unloaded_h) for c in r.convoys] == [
        ("A", "B", 1.0, 4.0),
        ("B", "C", 24.0, 27.0),
    ]
    assert r.closure_h == 27.0
    assert r.daily["sorties"][:2].tolist() == [1, 1]


def test_two_sorties_a_day_fly_both_loads_on_day_zero(tmp_path: Path) -> None:
    data = air()
    data["aircraft"]["c130"]["duty"] = {"sorties_per_day": 2}
    r = run(tmp_path, data)
    assert [c.depart_h for c in r.convoys] == [1.0, 5.0]
    assert r.closure_h == 8.0


def test_positioning_flight_counts_as_a_sortie(tmp_path: Path) -> None:
    # The aircraft is at B, the people at A: it flies to A empty at 00:00 (day 0's sortie),
    # lands 2, loads 2-3, waits to 24:00, lands at B 26, unloaded 27.
    data = air()
    data["aircraft"]["c130"]["based_at"] = "B"
    data["phases"] = data["phases"][:1]
    r = run(tmp_path, data)
    assert [(c.kind, c.origin, c.depart_h, c.arrive_h) for c in r.convoys] == [
        ("empty", "B", 0.0, 2.0),
        ("loaded", "A", 24.0, 26.0),
    ]
    assert r.closure_h == 27.0


def test_dispatch_sends_road_when_waiting_for_the_aircraft_is_later(tmp_path: Path) -> None:
    # As above, but people may go by road too, and a bus for 90 waits at B (400 km to C at
    # 50 km/h, 1 h + 1 h). At 4 h the aircraft's estimate is 19 h of waiting + 1 + 2 + 1 = 23 h;
    # the bus's 1 + 8 + 1 = 10 h is sooner, so the bus goes: unloaded at 14 h. Without duty
    # the aircraft (4 h) would have gone: unloaded at 8 h.
    bus = truck(1, "B", {"personnel": 90})
    data = air("any", fleets={"bus": bus}, routes=[{"from": "B", "to": "C", "km": 400}])
    r = run(tmp_path, data)
    assert [(c.mode, c.origin, c.unloaded_h) for c in r.convoys] == [("air", "A", 4.0), ("road", "B", 14.0)]
    del data["aircraft"]["c130"]["duty"]
    (tmp_path / "free").mkdir()
    r = run(tmp_path / "free", data)
    assert [(c.mode, c.origin, c.unloaded_h) for c in r.convoys] == [("air", "A", 4.0), ("air", "B", 8.0)]


def test_dispatch_counts_road_halts_against_the_aircraft(tmp_path: Path) -> None:
    # 90 people, either mode, A-B: a bus for 90 (400 km at 50 km/h: 1 + 8 + 1 = 10 h) or a
    # C-130 that flies 9 h (1 + 9 + 1 = 11 h). Without duty the bus is sooner and goes. With 4
    # driving hours a day the bus would load 0-1, drive 1-5, halt to 24, drive 24-28, unload
    # 28-29: 29 h, so the aircraft goes (unloaded 11 h).
    data = air("any", fleets={"bus": truck(1, "A", {"personnel": 90})})
    data["routes"] = [{"from": "A", "to": "B", "km": 400}]
    data["air_routes"] = [{"from": "A", "to": "B", "hours": 9}]
    data["phases"] = data["phases"][:1]
    del data["aircraft"]["c130"]["duty"]
    r = run(tmp_path, data)
    assert [(c.mode, c.unloaded_h) for c in r.convoys] == [("road", 10.0)]
    data["fleets"]["bus"]["duty"] = {"hours_per_day": 4}
    (tmp_path / "duty").mkdir()
    r = run(tmp_path / "duty", data)
    assert [(c.mode, c.unloaded_h) for c in r.convoys] == [("air", 11.0)]


# ----------------------------------------------------------------------------- refusals
@pytest.mark.parametrize(
    ("duty", "key", "says"),
    [
        ({"hours_per_day": 0}, "fleets.t.duty.hours_per_day", "> 0 and <= 24"),
        ({"hours_per_day": 25}, "fleets.t.duty.hours_per_day", "> 0 and <= 24"),
        ({"window": [6, 6]}, "fleets.t.duty.window", "two different hours of the day from 0 to 24"),
        ({"window": [6, 25]}, "fleets.t.duty.window", "e.g. [6, 20]"),
        ({"window": [6]}, "fleets.t.duty.window", "[20, 6] for a night window"),
        ({"window": [24, 0]}, "fleets.t.duty.window", "two different hours"),
        ({}, "fleets.t.duty", "give hours_per_day:, window: or both"),
        ({"hours": 8}, "fleets.t.duty.hours", "unknown key"),
    ],
)
def test_bad_road_duty_is_refused_with_its_line(
    tmp_path: Path, duty: dict[str, Any], key: str, says: str
) -> None:
    from tests.support.scenario_factory import write

    path = write(tmp_path, trip(duty))
    with pytest.raises(sim.ScenarioError) as err:
        sim.load_scenario(path)
    (p,) = [p for p in err.value.problems if p.key == key]
    assert says in p.message, p
    text = path.read_text().splitlines()
    assert isinstance(p.line, int) and ("duty" in text[p.line - 1] or key.split(".")[-1] in text[p.line - 1])


@pytest.mark.parametrize("sorties", [0, 1.5, True, -1])
def test_bad_sorties_per_day_is_refused(tmp_path: Path, sorties: Any) -> None:
    from tests.support.scenario_factory import write

    data = air()
    data["aircraft"]["c130"]["duty"] = {"sorties_per_day": sorties}
    with pytest.raises(sim.ScenarioError) as err:
        sim.load_scenario(write(tmp_path, data))
    (p,) = err.value.problems
    assert p.key == "aircraft.c130.duty.sorties_per_day"
    assert "a whole number, 1 to 1000" in p.message


def test_fleets_whose_windows_never_meet_are_refused(tmp_path: Path) -> None:
    from tests.support.scenario_factory import write

    a = {**truck(1, "A", {"container": 1}), "duty": {"window": [6, 18]}}
    b = {**truck(1, "A", {"container": 1}), "duty": {"window": [18, 6]}}
    with pytest.raises(sim.ScenarioError) as err:
        sim.load_scenario(write(tmp_path, simple(fleets={"a": a, "b": b})))
    (p,) = err.value.problems
    assert p.key == "fleets.b.duty.window"
    assert "shares no hour of the day with the window of a" in p.message
