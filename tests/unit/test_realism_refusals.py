"""Realism keys the validator refuses: events, crossings and airlift that cannot work, and bad
``--event`` options. Each refusal names the key and says what is wrong.

The scenarios are :func:`tests.support.scenario_factory.simple` (containers at A, 100 km to
B, one-container trucks) with one part changed.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import sim
from tests.support.scenario_factory import load, scenario_dict, simple, truck

ROOT = Path(__file__).resolve().parents[2]
WORKED = ROOT / "scenarios/examples/worked-example.yaml"


@pytest.mark.parametrize(
    ("change", "key", "words"),
    [
        ({"events": [{"type": "pause", "day": 1, "sites": ["Z"]}]}, "events[0].sites[0]", "unknown site 'Z'"),
        (
            {"events": [{"type": "start_phase", "day": 1, "phase": "nope"}]},
            "events[0].phase",
            "unknown phase",
        ),
        ({"events": [{"type": "close_crossing", "day": 1}]}, "events[0]", "needs crossing"),
        ({"events": [{"type": "pause"}]}, "events[0].day", "exactly one of day"),
        ({"crossings": {"X": {}}}, "crossings.X", "on no route"),
        ({"cargo": {"container": {"mode": "air"}}}, "phases[0].moves[0]", "must go by air"),
    ],
)
def test_validation_of_realism_keys(tmp_path: Path, change: dict, key: str, words: str) -> None:
    data = simple(**change)
    with pytest.raises(sim.ScenarioError) as err:
        load(tmp_path, data)
    assert any(p.key == key and words in p.message for p in err.value.problems), err.value


def test_weight_limits_that_leave_no_route_are_refused(tmp_path: Path) -> None:
    data = scenario_dict(
        cargo={"tracked": {"short_tons": 35}},
        sites={"A": {"equipment": {"tracked": 1}}, "B": {}},
        fleets={"het": {**truck(1, "A", {"tracked": 1}), "empty_short_tons": 20}},
        crossings={"F": {"max_short_tons": 30}},
        routes=[{"from": "A", "to": "B", "km": 100, "crossings": ["F"]}],
        phases=[{"id": "out", "moves": [{"from": "A", "to": "B"}]}],
    )
    with pytest.raises(sim.ScenarioError, match="weight limits at the crossings leave it no route"):
        load(tmp_path, data)


def test_crossing_closed_for_good_on_the_only_route_is_refused(tmp_path: Path) -> None:
    data = simple(
        crossings={"X": {"closures": [{"from_day": 0}]}},
        routes=[{"from": "A", "to": "B", "km": 100, "crossings": ["X"]}],
    )
    with pytest.raises(sim.ScenarioError, match="crossing closed for good"):
        load(tmp_path, data)


@pytest.mark.parametrize(
    ("hours", "says"), [([6, 6], "are equal"), ([24, 0], "never open")], ids=["equal", "24-0"]
)
def test_opening_hours_that_never_open_are_refused(tmp_path: Path, hours: list[int], says: str) -> None:
    data = simple(
        crossings={"X": {"open_hours": hours}},
        routes=[{"from": "A", "to": "B", "km": 100, "crossings": ["X"]}],
    )
    with pytest.raises(sim.ScenarioError, match=f"crossings.X.open_hours: .*{says}"):
        load(tmp_path, data)


def test_bad_event_options_are_reported_per_option(tmp_path: Path) -> None:
    with pytest.raises(sim.ScenarioError) as err:
        sim.load_scenario(WORKED, events=["pause:day=0,sites=Z"])
    (p,) = err.value.problems
    assert str(p) == "--event:1: events[0].sites[0]: unknown site 'Z'; known: A, B"
    with pytest.raises(sim.ScenarioError) as err:
        sim.load_scenario(WORKED, events=["pause:day=0", "bogus"])
    assert str(err.value.problems[0]).startswith("--event:2: events: expected TYPE:key=value")
