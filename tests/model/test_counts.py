"""Counts and rates as distributions (issue #11, rule 6), each on a case computed by hand.

A count drawn once per replication: rounded half to even, kept in range, from its own stream,
the central value (rounded) in deterministic mode; ``per: occurrence`` refused; conservation
in every replication.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import sim
from sim.engine.realise import realise
from sim.engine.streams import Streams
from sim.scenario.fields import shown, total
from sim.scenario.problems import ScenarioError
from tests.support.scenario_factory import load, scenario_dict, truck

ROOT = Path(__file__).resolve().parents[2]
WORKED = ROOT / "scenarios/examples/worked-example.yaml"
LONG = "horizon_days=60"

# The worked example (100 containers, 2 a truck, 2 h to load, 300 km at 30 km/h, 1 h to unload)
# with n trucks: ceil(100 / 2n) trips of 23 h each way and back; the last one ends 13 h after
# it starts.  n=1: 50 trips, 49 x 23 + 13 = 1140 h; n=2: 25 trips, 24 x 23 + 13 = 565 h;
# n=3: 17 trips, 16 x 23 + 13 = 381 h.
BY_TRUCKS = {1: 1140.0, 2: 565.0, 3: 381.0}


def worked(*overrides: str) -> sim.Scenario:
    return sim.load_scenario(WORKED, [LONG, *overrides])


def test_the_hand_computed_closures_for_fixed_counts() -> None:
    for n, hours in BY_TRUCKS.items():
        assert sim.simulate(worked(f"fleets.trucks.count={n}"), deterministic=True).closure_h == hours


def test_a_fleet_count_distribution_gives_only_the_hand_computed_closures() -> None:
    s = worked("fleets.trucks.count={uniform: [1, 3]}")
    seen: dict[int, float] = {}
    for seed in range(30):
        r = sim.simulate(s, seed=seed)
        n = r.drawn["fleets.trucks.count"]
        assert isinstance(n, int) and n in BY_TRUCKS
        assert r.closure_h == BY_TRUCKS[n]
        seen[n] = r.closure_h
    assert set(seen) == {1, 2, 3}  # P(1) = P(3) = 1/4, P(2) = 1/2: all three in 30 seeds


@pytest.mark.parametrize(("dist", "n"), [("[1, 2]", 2), ("[2, 3]", 2), ("[3, 4]", 4)])
def test_central_values_round_half_to_even(dist: str, n: int) -> None:
    # central values 1.5, 2.5 and 3.5: rounded half to even to 2, 2 and 4
    s = worked(f"fleets.trucks.count={{uniform: {dist}}}")
    r = sim.simulate(s, deterministic=True)
    assert r.drawn == {"fleets.trucks.count": n}
    if n in BY_TRUCKS:
        assert r.closure_h == BY_TRUCKS[n]


def test_deterministic_mode_uses_the_central_value_rounded() -> None:
    s = worked("sites.A.personnel={triangular: [280, 1000, 3100]}", "fleets.trucks.capacity.personnel=10")
    real, drawn, _ = realise(s, Streams(0, deterministic=True))
    assert drawn == {"sites.A.personnel": 1000}
    assert real.sites["A"].personnel == 1000
    assert sim.simulate(s, deterministic=True).summary()["drawn"] == {"sites.A.personnel": 1000}


def test_a_scenario_without_count_distributions_is_the_same_object() -> None:
    s = worked()
    assert realise(s, Streams(3))[0] is s
    assert "drawn" not in sim.simulate(s, seed=3).summary()


def test_per_occurrence_is_refused_at_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    text = WORKED.read_text(encoding="utf-8").replace(
        "    count: 10\n", "    count: {uniform: [8, 12], per: occurrence}\n"
    )
    path.write_text(text, encoding="utf-8")
    line = text.splitlines().index("    count: {uniform: [8, 12], per: occurrence}") + 1
    with pytest.raises(ScenarioError) as err:
        sim.load_scenario(path)
    message = str(err.value)
    assert f"s.yaml:{line}: fleets.trucks.count:" in message
    assert "drawn once per replication" in message and "per: occurrence" in message


def test_per_replication_may_be_written(tmp_path: Path) -> None:
    s = worked("fleets.trucks.count={uniform: [1, 3], per: replication}")
    assert sim.simulate(s, seed=1).drawn["fleets.trucks.count"] in BY_TRUCKS


def people(tmp_path: Path, personnel: object, keep: object | None = None) -> sim.Scenario:
    move: dict[str, object] = {"from": "A", "to": "B"}
    if keep is not None:
        move["keep"] = {"personnel": keep}
    data = scenario_dict(
        sites={"A": {"personnel": personnel}, "B": {"in_theatre": False}},
        fleets={"bus": truck(4, "A", {"personnel": 30})},
        routes=[{"from": "A", "to": "B", "km": 100}],
        phases=[{"id": "out", "moves": [move]}],
    )
    return load(tmp_path, data)


def test_personnel_drawn_per_replication_and_conserved(tmp_path: Path) -> None:
    s = people(tmp_path, {"uniform": [50, 150]})
    draws = set()
    for seed in range(6):
        r = sim.simulate(s, seed=seed, audit=True)  # audit: conservation after every change
        n = r.drawn["sites.A.personnel"]
        assert isinstance(n, int) and 50 <= n <= 150
        draws.add(n)
        assert r.completed
        assert r.personnel[0].tolist() == [n, 0]  # day 0: the draw, all at A
        assert r.summary()["sites"]["B"]["personnel_at_end"] == n  # every one of them at B
    assert len(draws) > 1


def test_route_km_as_a_distribution() -> None:
    # 10 trucks, 5 trips; a trip is 2 h loading, km/30 h each way and 1 h unloading:
    # closure = 4 x (3 + km/15) + 3 + km/30 (km = 300: 105 h)
    s = worked("routes.0.km={uniform: [200, 400]}")
    kms = set()
    for seed in range(4):
        r = sim.simulate(s, seed=seed)
        km = r.drawn["routes.0.km"]
        assert 200 <= km <= 400
        kms.add(km)
        assert r.closure_h == pytest.approx(4 * (3 + km / 15) + 3 + km / 30)
    assert len(kms) == 4
    assert sim.simulate(s, deterministic=True).closure_h == 105.0


def test_streams_are_independent_of_other_distributions() -> None:
    one = worked("fleets.trucks.count={uniform: [1, 3]}")
    more = worked(
        "fleets.trucks.count={uniform: [1, 3]}",
        "routes.0.km={triangular: [250, 300, 400]}",
        "sites.A.equipment.container={uniform: [90, 110]}",
    )
    for seed in range(8):
        a = realise(one, Streams(seed, seed % 3))[1]
        b = realise(more, Streams(seed, seed % 3))[1]
        assert a["fleets.trucks.count"] == b["fleets.trucks.count"]
        assert list(b) == ["sites.A.equipment.container", "fleets.trucks.count", "routes.0.km"]


def test_keep_as_a_distribution_never_exceeds_the_holdings(tmp_path: Path) -> None:
    # 100 people at A keep a draw from 80 to 150: min(keep, 100) stay, the rest reach B
    s = people(tmp_path, 100, {"uniform": [80, 150]})
    seen = set()
    for seed in range(8):
        r = sim.simulate(s, seed=seed, audit=True)
        keep = r.drawn["phases.0.moves.0.keep.personnel"]
        stays = min(keep, 100)
        seen.add(keep > 100)
        assert r.summary()["sites"]["A"]["personnel_at_end"] == stays
        assert r.summary()["sites"]["B"]["personnel_at_end"] == 100 - stays
    assert seen == {True, False}


def test_counts_are_kept_in_range() -> None:
    # a normal may draw below 0 only after truncation at 0; teams are at least 1
    s = worked("convoy.escort_teams={uniform: [0, 2]}")
    for seed in range(20):
        assert realise(s, Streams(seed))[1]["convoy.escort_teams"] in (1, 2)


def test_validation_checks_counts_at_their_bounds() -> None:
    with pytest.raises(ScenarioError, match="upper bound"):
        worked("sites.A.disposition={container: {transfer: {uniform: [0.2, 0.6]}, destroy: 0.5}}")
    worked("sites.A.disposition={container: {transfer: {uniform: [0.2, 0.5]}, destroy: 0.5}}")
    with pytest.raises(ScenarioError, match="rounded central value >= 1"):
        worked("convoy.escort_teams={uniform: [0, 0.4]}")
    with pytest.raises(ScenarioError, match="within"):
        worked("fleets.trucks.count={normal: {mean: 1e9, sd: 3}}")


def test_counts_shown_readably() -> None:
    s = worked(
        "sites.A.equipment.container={triangular: [280, 1000, 3100]}", "routes.0.km={uniform: [250.5, 400]}"
    )
    assert shown(s.sites["A"].equipment["container"]) == "triangular 280–1,000–3,100"
    assert shown(s.routes[0].km) == "uniform 250.5–400"
    assert total([s.sites["A"].equipment["container"], 20]) == "1,020 central (300–3,120)"
    assert shown(1200) == "1,200" and total([1, 2]) == "3"


def test_ready_day_and_team_counts_as_distributions() -> None:
    # nothing is loaded at A before day ready_day: the worked example's 105 h start that late
    s = worked(
        "sites.A.ready_day={uniform: [1, 3]}",
        "sites.A.prepare={hours: {container: 0}, teams: {uniform: [1, 3]}}",
    )
    assert sim.simulate(s, deterministic=True).drawn == {"sites.A.ready_day": 2.0, "sites.A.prepare.teams": 2}
    for seed in range(3):
        r = sim.simulate(s, seed=seed)
        day = r.drawn["sites.A.ready_day"]
        assert 1 <= day <= 3 and r.drawn["sites.A.prepare.teams"] in (1, 2, 3)
        assert r.closure_h == pytest.approx(105 + 24 * day)


def test_aircraft_sorties_per_day_as_a_distribution() -> None:
    s = worked(
        "aircraft={c17: {count: 2, based_at: A, capacity: {container: 1}, speed_kmh: 700,"
        " duty: {sorties_per_day: {uniform: [1, 3]}}}}",
        "sites.A.airfield={sorties_per_day: {triangular: [5, 10, 20]}}",
        "sites.B.airfield={sorties_per_day: 10}",
    )
    r = sim.simulate(s, seed=2, audit=True)
    assert set(r.drawn) == {"sites.A.airfield.sorties_per_day", "aircraft.c17.duty.sorties_per_day"}
    assert r.drawn["aircraft.c17.duty.sorties_per_day"] in (1, 2, 3)
    assert 5 <= r.drawn["sites.A.airfield.sorties_per_day"] <= 20
