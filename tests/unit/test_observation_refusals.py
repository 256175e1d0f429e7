"""Bad observation and milestone entries are refused at the exact key, one line each."""

from __future__ import annotations

from pathlib import Path

import pytest

import sim

HEAD = """name: t
start: 2026-01-01
horizon_days: 10
cargo: {box: {short_tons: 1}}
sites:
  A: {personnel: 10, equipment: {box: 5}}
  B: {in_theatre: false}
fleets:
  t: {count: 2, based_at: A, capacity: {box: 1, personnel: 5}, speed_kmh: 50}
routes: [{from: A, to: B, km: 100}]
phases: [{id: p, moves: [{from: A, to: B}]}]
"""
SRC = 'source: "assumption: a test entry"'


def _problems(tmp_path: Path, entry: str, key: str = "observations") -> list[str]:
    path = tmp_path / "s.yaml"
    path.write_text(HEAD + f"{key}:\n  - {{date: 2026-01-02, {entry}, {SRC}}}\n")
    with pytest.raises(sim.ScenarioError) as err:
        sim.load_scenario(path)
    return [str(p) for p in err.value.problems]


@pytest.mark.parametrize(
    ("entry", "where", "says"),
    [
        ("metric: bogus, value: 5", "observations[0].metric", "'personnel', 'percent_complete'"),
        ("low: 9, high: 3", "observations[0].high", "high (3) is below low (9); swap them"),
        ("value: 4, high: 3", "observations[0].value", "give either value or a range"),
        ("metric: personnel", "observations[0].value", "give value, or a range with low and/or high"),
        ("site: C, value: 1", "observations[0].site", "unknown site 'C'"),
        (
            "metric: equipment, class: crate, low: 1",
            "observations[0].class",
            "unknown equipment class 'crate'",
        ),
        ("metric: percent_complete, value: 130", "observations[0].value", "between 0 and 100, got 130"),
        ("metric: percent_complete, high: 101", "observations[0].high", "between 0 and 100, got 101"),
        (
            "metric: vehicle_trips, site: A, value: 1",
            "observations[0].site",
            "vehicle_trips is for the whole",
        ),
        ("metric: sites_open, site: A, value: 2", "observations[0].value", "0 or 1, got 2"),
        ("metric: sites_open, site: B, value: 0", "observations[0].site", "B is not in theatre"),
        (
            "metric: personnel, class: box, value: 1",
            "observations[0].class",
            "class goes with metric: equipment",
        ),
        (
            "metric: sorties, aircraft: c17, value: 1",
            "observations[0].aircraft",
            "unknown aircraft type 'c17'",
        ),
        ("value: 1, weight: 1.5", "observations[0].weight", "less than or equal to 1"),
    ],
)
def test_bad_observations(tmp_path: Path, entry: str, where: str, says: str) -> None:
    problems = _problems(tmp_path, entry)
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"{tmp_path / 's.yaml'}:13: {where}: "), problems[0]
    assert says in problems[0]


@pytest.mark.parametrize(
    ("entry", "where", "says"),
    [
        ("percent: 150", "milestones[0].percent", "less than or equal to 100"),
        ("percent: 50, earliest: 2026-01-04", "milestones[0].earliest", "is after date"),
        ("percent: 50, latest: 2025-12-30", "milestones[0].latest", "is before date"),
    ],
)
def test_bad_milestones(tmp_path: Path, entry: str, where: str, says: str) -> None:
    problems = _problems(tmp_path, entry, "milestones")
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"{tmp_path / 's.yaml'}:13: {where}: ") and says in problems[0]


def test_the_old_form_is_shorthand_for_a_personnel_value(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(HEAD + f"observations:\n  - {{date: 2026-01-02, personnel: 7, site: A, {SRC}}}\n")
    ob = sim.load_scenario(path).observations[0]
    assert (ob.metric, ob.value, ob.bounds, ob.site) == ("personnel", 7, (7, 7), "A")
