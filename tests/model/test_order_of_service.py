"""Order of service (docs/model.md, "Order of service"): moves' ``priority`` and
``convoy.dispatch``, each pinned by a case computed by hand.

Unless a test says otherwise: one truck carrying 1 container, 50 km/h, 1 h to load and 1 h to
unload, no loading-team limit. The *star*: destination D, the near site N (1 container,
D-N 100 km = 2 h) and the far site F (2 containers, D-F 200 km = 4 h), no road between N and
F (N-F is 300 km through D). A trip from D is a round trip: to N 2 + 1 + 2 + 1 = 6 h, to F
4 + 1 + 4 + 1 = 10 h. Every order makes the same three trips, so closure is 6 + 10 + 10 =
26 h in each; what changes is which site is served when (the time a site is emptied is the
departure of its last container).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

import sim
from tests.support import strategies as gen
from tests.support.scenario_factory import load, scenario_dict, truck

ROOT = Path(__file__).resolve().parents[2]


def run(tmp_path: Path, data: dict[str, Any]) -> sim.Result:
    return sim.simulate(load(tmp_path, data), audit=True, deterministic=True)


def star(
    dispatch: str = "nearest",
    near: int | None = None,
    far: int | None = None,
    truck_at: str = "D",
    far_units: int = 2,
) -> dict[str, Any]:
    """The star; ``near`` and ``far`` are the priorities of the moves from N and from F."""
    moves: list[dict[str, Any]] = [{"from": "N", "to": "D"}, {"from": "F", "to": "D"}]
    for move, priority in zip(moves, (near, far), strict=True):
        if priority is not None:
            move["priority"] = priority
    return scenario_dict(
        sites={"D": {}, "N": {"equipment": {"container": 1}}, "F": {"equipment": {"container": far_units}}},
        fleets={"t": truck(1, truck_at, {"container": 1})},
        routes=[{"from": "D", "to": "N", "km": 100}, {"from": "D", "to": "F", "km": 200}],
        convoy={"dispatch": dispatch},
        phases=[{"id": "out", "moves": moves}],
    )


def trips(r: sim.Result) -> list[tuple[str, str, str, float]]:
    return [(c.kind, c.origin, c.dest, c.depart_h) for c in r.convoys]


def test_nearest_serves_the_near_site_first(tmp_path: Path) -> None:
    # From D, N (100 km) is nearer than F (200 km): N 0-6 h (leaves N at 3), then F twice,
    # 6-16 and 16-26 h (leaves F at 11 and 21).
    r = run(tmp_path, star("nearest"))
    assert [t[1] for t in trips(r) if t[0] == "loaded"] == ["N", "F", "F"]
    assert r.site_empty_h == {"D": None, "N": 3.0, "F": 21.0}
    assert r.closure_h == 26.0


def test_farthest_from_destination_serves_the_far_site_first(tmp_path: Path) -> None:
    # F is 200 km from D, N 100 km: F 0-10 h (leaves F at 5) and 10-20 h (leaves at 15), then
    # N 20-26 h (empty 20-22, load 22-23, leaves N at 23).
    r = run(tmp_path, star("farthest_from_destination"))
    assert trips(r) == [
        ("empty", "D", "F", 0.0),
        ("loaded", "F", "D", 5.0),
        ("empty", "D", "F", 10.0),
        ("loaded", "F", "D", 15.0),
        ("empty", "D", "N", 20.0),
        ("loaded", "N", "D", 23.0),
    ]
    assert r.site_empty_h == {"D": None, "N": 23.0, "F": 15.0}
    assert r.closure_h == 26.0


def test_largest_backlog_serves_the_most_units_first_then_the_nearest(tmp_path: Path) -> None:
    # At 0 h F has 2 containers waiting, N 1: F 0-10 h (leaves at 5). At 10 h both have 1: a
    # tie, so the nearest from D, N: 10-16 h (empty 10-12, load 12-13, leaves N at 13). Then F
    # 16-26 h (leaves F at 21). At 4 h the truck stands at F, the largest backlog: it loads.
    r = run(tmp_path, star("largest_backlog"))
    assert [t[1] for t in trips(r) if t[0] == "loaded"] == ["F", "N", "F"]
    assert r.site_empty_h == {"D": None, "N": 13.0, "F": 21.0}
    assert r.closure_h == 26.0


def test_priority_empties_the_far_site_first(tmp_path: Path) -> None:
    # nearest, but the move from F has priority 1 and the one from N priority 2: F is served
    # first, exactly as farthest_from_destination above (F empty at 15 h, N at 23 h).
    r = run(tmp_path, star("nearest", near=2, far=1))
    assert [t[1] for t in trips(r) if t[0] == "loaded"] == ["F", "F", "N"]
    assert r.site_empty_h == {"D": None, "N": 23.0, "F": 15.0}
    assert r.closure_h == 26.0
    # priority comes before the dispatch order: largest_backlog would take F (2 units) first
    # without priorities; with N at priority 0 (the default) and F at 1, N goes first.
    r = run(tmp_path, star("largest_backlog", far=1))
    assert [t[1] for t in trips(r) if t[0] == "loaded"] == ["N", "F", "F"]


def test_a_vehicle_leaves_lower_priority_cargo_where_it_stands(tmp_path: Path) -> None:
    # The truck stands at N (priority 2) and F holds 1 container (priority 1). It drives empty
    # N -> F, 300 km through D: 0-6; loads 6-7 (F empty at 7), drives 7-11, unloads 11-12; back
    # to N 12-14, loads 14-15 (N empty at 15), drives 15-17, unloads 17-18. Closure 18 h.
    r = run(tmp_path, star("nearest", near=2, far=1, truck_at="N", far_units=1))
    assert trips(r) == [
        ("empty", "N", "F", 0.0),
        ("loaded", "F", "D", 7.0),
        ("empty", "D", "N", 12.0),
        ("loaded", "N", "D", 15.0),
    ]
    assert r.site_empty_h == {"D": None, "N": 15.0, "F": 7.0}
    assert r.closure_h == 18.0
    # Without priorities it loads where it stands: N 0-4 h (leaves at 1), then F: empty 4-8,
    # load 8-9, drive 9-13, unload 13-14. Closure 14 h: the order of service cost 4 h.
    r = run(tmp_path, star("nearest", truck_at="N", far_units=1))
    assert r.site_empty_h == {"D": None, "N": 1.0, "F": 9.0}
    assert r.closure_h == 14.0


@pytest.mark.parametrize("dispatch", ["farthest_from_destination", "largest_backlog"])
def test_ties_go_to_the_nearest(tmp_path: Path, dispatch: str) -> None:
    # A and B (declared in that order) are both 200 km from D and hold 1 container each, so
    # they tie on distance to the destination and on backlog. The truck stands at T, 100 km
    # from A and 50 km from B: the nearest, B, goes first although A is declared first.
    # Empty T -> B 0-1, load 1-2 (B empty at 2), drive 2-6, unload 6-7; empty D -> A 7-11
    # (the direct road; through T and B it is 350 km), load 11-12 (A empty at 12), drive
    # 12-16, unload 16-17. Closure 17 h.
    data = scenario_dict(
        sites={
            "D": {},
            "A": {"equipment": {"container": 1}},
            "B": {"equipment": {"container": 1}},
            "T": {},
        },
        fleets={"t": truck(1, "T", {"container": 1})},
        routes=[
            {"from": "D", "to": "A", "km": 200},
            {"from": "D", "to": "B", "km": 200},
            {"from": "T", "to": "A", "km": 100},
            {"from": "T", "to": "B", "km": 50},
        ],
        convoy={"dispatch": dispatch},
        phases=[{"id": "out", "moves": [{"from": "A", "to": "D"}, {"from": "B", "to": "D"}]}],
    )
    r = run(tmp_path, data)
    assert trips(r) == [
        ("empty", "T", "B", 0.0),
        ("loaded", "B", "D", 2.0),
        ("empty", "D", "A", 7.0),
        ("loaded", "A", "D", 12.0),
    ]
    assert (r.site_empty_h["B"], r.site_empty_h["A"], r.closure_h) == (2.0, 12.0, 17.0)


def test_priorities_load_in_their_own_convoys_first_on_the_teams(tmp_path: Path) -> None:
    # A holds 2 containers; the first move A -> B keeps 1 (priority 2), the second takes that
    # one (priority 1). Two trucks at A, one loading team at A. The priority-1 convoy forms
    # first: loads 0-1, leaves at 1; the priority-2 convoy loads 1-2, leaves at 2. Without
    # priorities both trucks make one convoy, which waits for its second truck: leaves at 2.
    def case(first: int, second: int) -> dict[str, Any]:
        return scenario_dict(
            sites={"A": {"equipment": {"container": 2}, "loading_teams": 1}, "B": {}},
            fleets={"t": truck(2, "A", {"container": 1})},
            routes=[{"from": "A", "to": "B", "km": 100}],
            phases=[
                {
                    "id": "out",
                    "moves": [
                        {"from": "A", "to": "B", "keep": {"container": 1}, "priority": first},
                        {"from": "A", "to": "B", "priority": second},
                    ],
                }
            ],
        )

    r = run(tmp_path, case(2, 1))
    assert [(c.depart_h, c.vehicles) for c in r.convoys] == [(1.0, {"t": 1}), (2.0, {"t": 1})]
    r = run(tmp_path, case(0, 0))
    assert [(c.depart_h, c.vehicles) for c in r.convoys] == [(2.0, {"t": 2})]


def test_aircraft_serve_priority_first(tmp_path: Path) -> None:
    # 90 air-only people at C (1 h from B) and 90 at A (2 h from B); one C-130 of 90 at B,
    # 1 h to load and unload. Without priorities the airfields are served in declared order,
    # C first: C empty at 2 h, A at 7 h. With A's move at priority 1 and C's at 2: fly B -> A
    # 0-2, load 2-3 (A empty at 3), fly 3-5, unload 5-6; B -> C 6-7, load 7-8 (C empty at 8),
    # fly 8-9, unload 9-10. Closure 10 h either way.
    def case(a: int, c: int) -> dict[str, Any]:
        field = {"sorties_per_day": 24}
        return scenario_dict(
            cargo={"personnel": {"mode": "air"}},
            sites={
                "B": {"airfield": field},
                "C": {"personnel": 90, "airfield": field},
                "A": {"personnel": 90, "airfield": field},
            },
            aircraft={
                "c130": {
                    "count": 1,
                    "based_at": "B",
                    "capacity": {"personnel": 90},
                    "speed_kmh": 500,
                    "load_hours": 1,
                    "unload_hours": 1,
                }
            },
            air_routes=[{"from": "B", "to": "C", "hours": 1}, {"from": "B", "to": "A", "hours": 2}],
            phases=[
                {
                    "id": "out",
                    "moves": [
                        {"from": "C", "to": "B", "priority": c},
                        {"from": "A", "to": "B", "priority": a},
                    ],
                }
            ],
        )

    r = run(tmp_path, case(0, 0))
    assert (r.site_empty_h["C"], r.site_empty_h["A"], r.closure_h) == (2.0, 7.0, 10.0)
    r = run(tmp_path, case(1, 2))
    assert (r.site_empty_h["A"], r.site_empty_h["C"], r.closure_h) == (3.0, 8.0, 10.0)


@pytest.mark.parametrize(
    "path",
    [
        "scenarios/syria-2026.yaml",
        "scenarios/examples/two-fleets.yaml",
        "scenarios/examples/phased-keep.yaml",
    ],
)
def test_one_priority_everywhere_changes_nothing(tmp_path: Path, path: str) -> None:
    # Every move at priority 3 (no reinforcements) is one tier: the tiered dispatch must give
    # exactly what the plain one gives.
    data = yaml.safe_load((ROOT / path).read_text())
    if any(ev.get("type") == "reinforce" for ev in data.get("events", [])):
        pytest.skip("reinforcements have priority 0: two tiers")
    for phase in data["phases"]:
        for move in phase["moves"]:
            move["priority"] = 3
    base = sim.simulate(sim.load_scenario(ROOT / path), seed=7)
    ranked = sim.simulate(load(tmp_path, data), seed=7)
    assert ranked.convoys == base.convoys
    assert ranked.closure_h == base.closure_h


@pytest.mark.parametrize(
    ("change", "key", "words"),
    [
        ({"priority": -1}, "phases[0].moves[1].priority", "priority must be an integer >= 0"),
        ({"priority": 1.5}, "phases[0].moves[1].priority", "priority must be an integer >= 0"),
        ({"priority": True}, "phases[0].moves[1].priority", "priority must be an integer >= 0"),
        ({"priority": "high"}, "phases[0].moves[1].priority", "priority must be an integer >= 0"),
    ],
)
def test_priority_must_be_a_whole_number(
    tmp_path: Path, change: dict[str, Any], key: str, words: str
) -> None:
    data = star()
    data["phases"][0]["moves"][1].update(change)
    with pytest.raises(sim.ScenarioError) as err:
        load(tmp_path, data)
    assert any(p.key == key and words in p.message for p in err.value.problems), err.value


def test_dispatch_must_be_a_known_order(tmp_path: Path) -> None:
    with pytest.raises(sim.ScenarioError) as err:
        load(tmp_path, star("fastest"))
    (problem,) = err.value.problems
    assert problem.key == "convoy.dispatch"
    assert "'nearest', 'farthest_from_destination' or 'largest_backlog'" in problem.message


def test_set_overrides_reach_the_new_keys(tmp_path: Path) -> None:
    s = load(tmp_path, star(), ["convoy.dispatch=farthest_from_destination", "phases.out.moves.0.priority=1"])
    assert s.convoy.dispatch == "farthest_from_destination"
    assert [mv.priority for mv in s.phases[0].moves] == [1, 0]


# ----------------------------------------------------------------------------- random scenarios
ORDERS = ["nearest", "farthest_from_destination", "largest_backlog"]
RANDOM = settings(settings.get_profile("posture"), max_examples=40)
"""40 random scenarios a test (about 15 s on 2 cores); the ``slow`` marker keeps them out of
the quick command."""


def _with_order(data: dict[str, Any], dispatch: str, priorities: list[int]) -> dict[str, Any]:
    data.setdefault("convoy", {})["dispatch"] = dispatch
    moves = [mv for phase in data["phases"] for mv in phase["moves"]]
    for mv, p in zip(moves, priorities * len(moves), strict=False):
        mv["priority"] = p
    return data


@pytest.mark.slow
@RANDOM
@given(
    data=gen.scenario_dicts(),
    seed=st.integers(0, 2**32 - 1),
    deterministic=st.booleans(),
    dispatch=st.sampled_from(ORDERS),
    priorities=st.lists(st.integers(0, 3), min_size=1, max_size=6),
)
def test_every_order_conserves_and_repeats(
    data: dict[str, Any], seed: int, deterministic: bool, dispatch: str, priorities: list[int]
) -> None:
    # audit=True checks conservation at every change of state; the same seed, the same run.
    data = _with_order(data, dispatch, priorities)
    r = gen.run(gen.build(data), seed=seed, deterministic=deterministic)
    again = sim.simulate(gen.build(data), seed=seed, deterministic=deterministic)
    assert r.convoy_rows() == again.convoy_rows()


@pytest.mark.slow
@RANDOM
@given(
    data=gen.scenario_dicts(events=[e for e in gen.EVENT_KINDS if e != "reinforce"]),
    seed=st.integers(0, 2**32 - 1),
    deterministic=st.booleans(),
    priority=st.integers(1, 5),
)
def test_one_tier_is_the_plain_dispatch(
    data: dict[str, Any], seed: int, deterministic: bool, priority: int
) -> None:
    # nearest with every move at one priority (no reinforcement, which has 0) is one tier.
    base = sim.simulate(gen.build(data), seed=seed, deterministic=deterministic)
    data = _with_order(data, "nearest", [priority])
    r = sim.simulate(gen.build(data), seed=seed, deterministic=deterministic)
    assert (r.convoy_rows(), r.closure_h) == (base.convoy_rows(), base.closure_h)
