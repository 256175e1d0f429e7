"""The notebook API (issue #13, item 6): the same replications as the command line, as tables."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

import sim
from sim.cli import main

ROOT = Path(__file__).resolve().parents[2]
WORKED = ROOT / "scenarios/examples/worked-example.yaml"
UNCERTAIN = "fleets.trucks.load_hours={triangular: [1, 2, 4]}"


def test_run_many_gives_the_replications_of_posture_run(tmp_path: Path) -> None:
    assert (
        main(
            [
                "run",
                str(WORKED),
                "--set",
                UNCERTAIN,
                "-n",
                "12",
                "--seed",
                "3",
                "-j",
                "1",
                "--no-plot",
                "--out",
                str(tmp_path),
            ]
        )
        == 0
    )
    with (tmp_path / "runs.csv").open(encoding="utf-8") as fh:
        cli = list(csv.reader(fh))
    runs = sim.run_many(WORKED, n=12, seed=3, jobs=1, overrides=[UNCERTAIN])
    table = runs.runs
    assert list(table.columns) == cli[0]
    assert [["" if v is None else str(v) for v in row] for row in table.itertuples(index=False)] == cli[1:]
    assert runs.n == 12 and not (tmp_path / "runs").exists()


def test_bands_are_dataframes_by_day_with_dates() -> None:
    runs = sim.run_many(sim.load_scenario(WORKED), n=3, deterministic=True, jobs=1)
    frame = runs.bands("percent_complete")
    assert list(frame.columns) == ["day", "date", "p5", "p10", "p25", "p50", "p75", "p90", "p95"]
    # the worked example: 20 % a convoy, convoys unloaded at 13 + 23 (k - 1) h
    assert list(frame["p50"][:6]) == [0, 20, 40, 60, 80, 100]
    assert str(frame["date"][0].date()) == "2026-01-01"
    assert runs.troop_bands()["in_theatre_p50"].max() == 0  # the example moves equipment only
    with pytest.raises(KeyError, match="no measure 'nope'; the measures are: personnel"):
        runs.bands("nope")


def test_a_loaded_scenario_takes_no_overrides() -> None:
    with pytest.raises(TypeError, match="give its path"):
        sim.run_many(sim.load_scenario(WORKED), n=2, overrides=["fleets.trucks.count=3"])


def test_result_repr_is_one_short_line() -> None:
    r = sim.simulate(sim.load_scenario(WORKED), deterministic=True)
    text = repr(r)
    assert "\n" not in text and len(text) < 200
    assert text.startswith("<Result 'Worked example") and "closure 4.38 days" in text
