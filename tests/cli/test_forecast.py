"""``posture forecast`` and ``posture score FORECAST.json --observations OBS.yaml``, by hand.

The worked example, run ``--deterministic``, is known exactly (tests/cli/test_score.py): equipment
at A at 00:00 on days 0-4 is 100, 80, 40, 20, 0; the last convoy leaves A at 94 h and is
unloaded at B at 105 h (closure: day 4.375, 2026-01-05); 50 % is first done at 59 h (during
2026-01-03). With truck speed a parameter ``spd`` (v km/h), closure is 15 + 2700 / v hours
(tests/cli/test_parameters_cli.py), so each replication's closure and every censored outcome
probability follow by hand from the speeds the forecast records.
"""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

import sim
from sim.cli import main
from sim.experiment.forecast import changes, expand, read_forecast
from sim.experiment.forecast_score import score_forecast
from sim.outputs.forecast import json_text, write_forecast, write_score
from sim.scenario.outcomes import read_outcomes

ROOT = Path(__file__).resolve().parents[2]
WORKED = ROOT / "scenarios/examples/worked-example.yaml"
CITE = "assumption: made up for the test"


def posture(*args: str | Path) -> int:
    return main([str(a) for a in args])


def write_yaml(path: Path, data: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def outcome(**keys: Any) -> dict[str, Any]:
    return {**keys, "source": CITE}


@pytest.fixture(scope="module")
def worked(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The deterministic worked example's forecast (3 identical replications)."""
    out = tmp_path_factory.mktemp("worked")
    args = ("forecast", WORKED, "-n", "3", "-j", "1", "--deterministic", "--issued", "2026-01-01")
    assert posture(*args, "--no-plot", "--out", out) == 0
    return out / "forecast.json"


@pytest.fixture
def speed_scenario(tmp_path: Path) -> Path:
    data = yaml.safe_load(WORKED.read_text(encoding="utf-8"))
    data["parameters"] = {"spd": {"prior": {"uniform": [20, 60]}, "cite": CITE}}
    data["fleets"]["trucks"]["speed_kmh"] = {"param": "spd"}
    return write_yaml(tmp_path / "speed.yaml", data)


def closure_h(speed: float) -> float:
    return 15 + 2700 / speed


# ----------------------------------------------------------------------------- the forecast
def test_the_deterministic_worked_example_forecast_by_hand(worked: Path) -> None:
    fc = json.loads(worked.read_text(encoding="utf-8"))
    assert fc["format"] == "posture-forecast" and fc["n"] == 3 and fc["deterministic"] is True
    assert fc["issued"] == "2026-01-01T00:00:00Z" and fc["parameters"] == {"source": "priors"}
    assert fc["scenario"]["sha256"] == hashlib.sha256(WORKED.read_bytes()).hexdigest()
    assert fc["scenario"]["start"] == "2026-01-01" and fc["scenario"]["in_theatre"] == ["A"]
    closure = fc["closure"]["100"]
    assert closure["replications"] == [pytest.approx(105 / 24, abs=1e-4)] * 3
    assert set(closure["dates"].values()) == {"2026-01-05"} and closure["beyond_horizon"] == []
    assert closure["reached_share"] == 1.0
    # weeks ending within the 30-day horizon: 4; closure at 105 h < 168 h, the end of week 1
    assert [w["week"] for w in fc["closed_by_week"]] == [1, 2, 3, 4]
    assert fc["closed_by_week"][0] == {"week": 1, "date": "2026-01-08", "closure": 1.0, "closure95": 1.0}
    assert fc["sites"]["A"]["days"]["p50"] == round(94 / 24, 4)  # the last convoy leaves A at 94 h
    assert fc["samples"]["series"]["equipment@A"] == [[0, 100, 1, 80, 2, 40, 3, 20, 4, 0]] * 3
    band = fc["bands"]["percentiles"]["equipment@A"]
    assert band["p5"][:6] == band["p95"][:6] == [100, 80, 40, 20, 0, 0]


def test_a_deterministic_forecast_scored_by_hand(worked: Path, tmp_path: Path) -> None:
    obs = write_yaml(
        tmp_path / "obs.yaml",
        {
            "observations": [
                outcome(date="2026-01-02", metric="equipment", site="A", value=80),
                outcome(date="2025-12-30", metric="equipment", value=100),
                outcome(date="2026-02-15", metric="equipment", value=0),
            ],
            "milestones": [outcome(percent=50, date="2026-01-03")],
            "outcomes": [
                outcome(site_open="A", date="2026-01-04"),  # 20 left at 00:00: open
                outcome(site_open="A", date="2026-01-05", weight=0.5),  # empty since 94 h
                outcome(complete_by="2026-01-05"),  # 96 h < 105 h: not yet
                outcome(complete_by="2026-01-06"),  # 120 h: done
                outcome(not_complete_by="2026-01-05"),
                outcome(site_reinforced="A", date="2026-01-10"),  # nobody ever arrives at A
            ],
        },
    )
    out = tmp_path / "score"
    assert posture("score", worked, "--observations", obs, "--no-plot", "--out", out) == 0
    sc = json.loads((out / "forecast_score.json").read_text(encoding="utf-8"))
    first, before, after = sc["observations"]
    assert (first["status"], first["inside80"], first["crps"]) == ("scored", True, 0.0)
    assert (before["status"], after["status"]) == ("before day 0", "after the horizon")
    assert sc["milestones"][0]["p50"] == "2026-01-03" and sc["milestones"][0]["overlaps"] is True
    floor = 1 / 4  # n = 3
    expected = [(1.0, 0.0, 0.0), (0.0, 1.0, math.log(4)), (0.0, 1.0, math.log(4)), (1.0, 0.0, 0.0)]
    expected += [(1.0, 0.0, 0.0), (0.0, 1.0, math.log(4))]
    got = [(o["probability"], o["brier"], o["log_score"]) for o in sc["outcomes"]]
    assert got == [pytest.approx(e) for e in expected]
    assert [o["clipped"] for o in sc["outcomes"]] == [p < floor for p, _, _ in expected]
    weights = [1, 0.5, 1, 1, 1, 1]
    assert sc["mean_brier"] == pytest.approx(
        sum(w * b for w, (_, b, _) in zip(weights, expected, strict=True)) / 5.5, abs=1e-6
    )
    assert sc["log_score_floor"] == pytest.approx(0.25)


def test_censored_probabilities_follow_each_replications_speed(speed_scenario: Path, tmp_path: Path) -> None:
    out = tmp_path / "fc"
    args = ("forecast", speed_scenario, "-n", "60", "-j", "1", "--no-plot", "--out", out)
    assert posture(*args, "--set", "horizon_days=4.2") == 0  # the run stops at 100.8 h
    fc = json.loads((out / "forecast.json").read_text(encoding="utf-8"))
    speeds = np.array(fc["parameters"]["values"]["spd"])
    hours = np.array([closure_h(v) for v in speeds])
    done = hours <= 4.2 * 24
    assert fc["closure"]["100"]["replications"] == [
        pytest.approx(h / 24, abs=1e-4) if ok else None for h, ok in zip(hours, done, strict=True)
    ]
    assert fc["closure"]["100"]["reached_share"] == pytest.approx(done.mean())
    # P(finished) = P(v >= 2700 / 85.8) = (60 - 31.47) / 40 = 0.71: P95 falls on an unfinished run
    assert 0.45 < done.mean() < 0.95 and "p95" in fc["closure"]["100"]["beyond_horizon"]
    assert fc["closure"]["100"]["dates"]["p95"] is None and fc["closed_by_week"] == []
    obs = write_yaml(
        tmp_path / "obs.yaml",
        {"outcomes": [outcome(complete_by="2026-01-04"), outcome(not_complete_by="2026-01-05")]},
    )
    scored = score_forecast(read_forecast(out / "forecast.json"), read_outcomes(obs))
    by_72h, by_96h = scored.outcomes
    assert by_72h.probability == pytest.approx(np.mean(hours <= 72))  # v >= 47.4
    assert by_96h.probability == pytest.approx(np.mean(hours > 96))  # v < 33.3
    assert by_96h.brier == pytest.approx((1 - np.mean(hours > 96)) ** 2)


def test_a_posterior_forecast_records_its_file(speed_scenario: Path, tmp_path: Path) -> None:
    post = tmp_path / "posterior.csv"
    post.write_text("spd,weight\n30,1\n50,1\n", encoding="utf-8")
    out = tmp_path / "fc"
    args = ("forecast", speed_scenario, "-n", "20", "-j", "1", "--no-plot", "--out", out)
    assert posture(*args, "--parameters", post) == 0
    fc = read_forecast(out / "forecast.json")
    assert fc.parameters["source"] == "posterior" and fc.parameters["file"] == str(post)
    assert fc.parameters["sha256"] == hashlib.sha256(post.read_bytes()).hexdigest()
    speeds = np.array(fc.parameters["values"]["spd"])
    assert set(speeds) <= {30.0, 50.0}
    obs = write_yaml(tmp_path / "obs.yaml", {"outcomes": [outcome(complete_by="2026-01-04")]})
    # at 50 km/h closure is 69 h, at 30 km/h 105 h: complete by 72 h exactly when v = 50
    assert score_forecast(fc, read_outcomes(obs)).outcomes[0].probability == np.mean(speeds == 50)


def test_change_points_and_the_json_text_round_trip() -> None:
    series = np.array([5.0, 5.0, 3.0, 3.0, 3.5, 0.0, 0.0])
    assert changes(series) == [0, 5, 2, 3, 4, 3.5, 5, 0]
    assert list(expand(changes(series), 7)) == list(series)
    data = {"a": [1, 2.5, None], "b": {"c": [[0, 1], [0, 2]], "d": "x"}, "e": [], "f": {}}
    assert json.loads(json_text(data)) == data
    assert '"a": [1, 2.5, null]' in json_text(data)


# ----------------------------------------------------------------------------- refusals
def one_line(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "Traceback" not in err[0], err
    return err[0]


def test_what_score_refuses_with_a_forecast(
    worked: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    obs = write_yaml(tmp_path / "obs.yaml", {"outcomes": [outcome(complete_by="2026-01-06")]})
    assert posture("score", worked) == 2
    assert "give --observations OBS.yaml" in one_line(capsys)
    assert posture("score", worked, WORKED, "--observations", obs) == 2
    assert "not both" in one_line(capsys)
    assert posture("score", WORKED, "--observations", obs) == 2
    assert "--observations scores frozen forecasts" in one_line(capsys)
    assert posture("score", worked, "--observations", obs, "-n", "50", "--seed", "3") == 2
    assert one_line(capsys).startswith("posture: -n, --seed: a frozen forecast is scored as issued")
    assert posture("forecast", WORKED, "--issued", "23 Feb", "--out", tmp_path / "x") == 2
    assert "--issued: expected a date YYYY-MM-DD" in one_line(capsys)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"\x89PNG\r\n\x1a\n\x00", ":1: (top level): not a JSON file"),
        (b'{"a": 1}', ":1: format: not a posture forecast"),
        (b'{"format": "posture-forecast", "format_version": 7}', ":1: format_version: forecast format 7"),
    ],
)
def test_a_foreign_or_corrupt_json_is_one_line(
    content: bytes, expected: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_bytes(content)
    obs = write_yaml(tmp_path / "obs.yaml", {"outcomes": [outcome(complete_by="2026-01-06")]})
    assert posture("score", bad, "--observations", obs) == 2
    line = one_line(capsys)
    assert line.startswith(str(bad)) and expected in line


def test_a_damaged_forecast_is_one_line(
    worked: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fc = json.loads(worked.read_text(encoding="utf-8"))
    fc["closure"]["95"]["replications"].pop()
    bad = tmp_path / "forecast.json"
    bad.write_text(json.dumps(fc), encoding="utf-8")
    obs = write_yaml(tmp_path / "obs.yaml", {"outcomes": [outcome(complete_by="2026-01-06")]})
    assert posture("score", bad, "--observations", obs) == 2
    assert (
        one_line(capsys) == f"{bad}:1: (top level): damaged forecast: closure.95 has 2 replications, n is 3"
    )
    fc = json.loads(worked.read_text(encoding="utf-8"))
    del fc["samples"]["series"]["equipment@A"]
    bad.write_text(json.dumps(fc), encoding="utf-8")
    assert posture("score", bad, "--observations", obs) == 2
    assert one_line(capsys) == f"{bad}:1: (top level): damaged forecast: samples or bands lack equipment@A"


def test_outcome_file_problems_name_file_line_and_key(
    worked: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    obs = tmp_path / "obs.yaml"
    obs.write_text(
        "outcomes:\n"
        "  - {site_open: A, complete_by: 2026-01-05, source: x}\n"
        "  - {not_complete_by: 2026-01-05, percent: 90, source: x}\n"
        "  - {complete_by: 2026-01-05, sorce: x}\n"
        "  - {site_reinforced: A, date: 2026-01-05, weight: 2, source: x}\n",
        encoding="utf-8",
    )
    assert posture("score", worked, "--observations", obs) == 2
    assert capsys.readouterr().err.strip().splitlines() == [
        f"{obs}:2: outcomes[0]: give exactly one of site_open, site_reinforced, complete_by, "
        "not_complete_by; this entry gives site_open and complete_by",
        f"{obs}:3: outcomes[1].percent: input should be 95 or 100 (got 90)",
        f"{obs}:4: outcomes[2].sorce: unknown key 'sorce'; did you mean 'source'?",
        f"{obs}:4: outcomes[2].source: required key is missing",
        f"{obs}:5: outcomes[3].weight: input should be less than or equal to 1 (got 2)",
    ]
    obs.write_text(
        "observations:\n"
        "  - {date: 2026-01-02, metric: equipment, site: Z, value: 3, source: x}\n"
        "  - {date: 2026-01-02, metric: sites_open, site: B, value: 1, source: x}\n"
        "outcomes:\n"
        "  - {site_open: B, date: 2026-01-03, source: x}\n",
        encoding="utf-8",
    )
    assert posture("score", worked, "--observations", obs) == 2
    assert capsys.readouterr().err.strip().splitlines() == [
        f"{obs}:2: observations[0].site: the forecast has no site 'Z'; known: A, B",
        f"{obs}:3: observations[1].site: B is not in theatre, so it is never counted as open",
        f"{obs}:5: outcomes[0].site_open: the forecast has no in-theatre site 'B'; known: A",
    ]


# ----------------------------------------------------------------------------- the shipped forecasts
@pytest.mark.parametrize("name", ["syria-2026", "syria-2026-iran-war"])
def test_the_shipped_scores_are_those_of_the_shipped_forecasts(name: str) -> None:
    folder = ROOT / "forecasts" / name
    fc = read_forecast(folder / "forecast.json")
    assert fc.issued == "2026-02-23T00:00:00Z" and fc.scenario.start.isoformat() == "2026-02-23"
    scored = score_forecast(fc, read_outcomes(ROOT / "forecasts/observed-since-day0.yaml"))
    shipped = json.loads((folder / "score/forecast_score.json").read_text(encoding="utf-8"))
    assert [o["probability"] for o in shipped["outcomes"]] == [
        pytest.approx(o.probability, abs=1e-6) for o in scored.outcomes
    ]


def test_outcome_file_cross_checks(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    obs = tmp_path / "obs.yaml"
    obs.write_text(
        "observations:\n"
        "  - {date: 2026-01-02, value: 3, low: 1, source: S1}\n"
        "  - {date: 2026-01-02, low: 5, high: 4, source: S1}\n"
        "  - {date: 2026-01-02, metric: vehicle_trips, site: A, value: 1, source: S1}\n"
        "  - {date: 2026-01-02, metric: personnel, class: box, value: 1, source: S1}\n"
        "  - {date: 2026-01-02, metric: percent_complete, value: 120, source: S2}\n"
        "milestones:\n"
        "  - {percent: 50, date: 2026-01-03, earliest: 2026-01-04, source: S1}\n"
        "outcomes:\n"
        "  - {complete_by: 2026-01-06, source: ' '}\n"
        "sources:\n"
        "  S1: {title: a report}\n",
        encoding="utf-8",
    )
    with pytest.raises(sim.ScenarioError) as exc:
        read_outcomes(obs)
    assert [str(p) for p in exc.value.problems] == [
        f"{obs}:2: observations[0].value: give either value or a range (low and/or high), not both",
        f"{obs}:3: observations[1].high: high (4) is below low (5); swap them",
        f"{obs}:4: observations[2].site: vehicle_trips is for the whole theatre; site goes with personnel, "
        "equipment, sites_open",
        f"{obs}:5: observations[3].class: class goes with metric: equipment, not personnel",
        f"{obs}:6: observations[4].value: a percent must be between 0 and 100, got 120",
        f"{obs}:6: observations[4].source: cites unknown source 'S2'; known: S1",
        f"{obs}:8: milestones[0].earliest: earliest (2026-01-04) is after date (2026-01-03)",
        f"{obs}:10: outcomes[0].source: name the source: an id from sources:, or 'assumption: <reasoning>'",
    ]
    obs.write_text("- 1\n", encoding="utf-8")
    with pytest.raises(sim.ScenarioError, match="the top level is a list; expected a mapping"):
        read_outcomes(obs)


def test_several_forecasts_and_the_figures(worked: Path, tmp_path: Path) -> None:
    for name in ("one", "two"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "forecast.json").write_bytes(worked.read_bytes())
    obs = write_yaml(
        tmp_path / "obs.yaml",
        {
            "observations": [outcome(date="2026-01-02", metric="equipment", site="A", value=80)],
            "outcomes": [outcome(site_open="A", date="2026-01-04"), outcome(complete_by="2026-01-06")],
        },
    )
    files = [tmp_path / "one/forecast.json", tmp_path / "two/forecast.json"]
    assert posture("score", *files, "--observations", obs, "--no-plot", "--out", tmp_path / "s") == 0
    for name in ("one", "two"):
        assert json.loads((tmp_path / "s" / name / "forecast_score.json").read_text())["mean_brier"] == 0
    fc = read_forecast(worked)
    scored = score_forecast(fc, read_outcomes(obs))
    written = write_score(scored, tmp_path / "fig") + write_forecast(
        json.loads(worked.read_text(encoding="utf-8")), tmp_path / "fig"
    )
    assert [p.name for p in written] == [
        "forecast_score.json",
        "forecast_score.png",
        "forecast.json",
        "forecast.png",
    ]
    assert all(p.read_bytes()[:4] == b"\x89PNG" for p in written if p.suffix == ".png")
