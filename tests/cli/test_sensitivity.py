"""``posture sensitivity``: the files it writes, what it says, and what it refuses.

The scenario is the additive case of ``tests/model/test_sensitivity_sanity.py``: one truck,
one trip, closure = 24 ready_day + load_hours + 11 hours, nothing random but the parameters,
so every design row's outputs are known by hand.
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import pytest

from sim.cli import main
from tests.model.test_sensitivity_sanity import ADDITIVE, ONE_PARAMETER

ROOT = Path(__file__).resolve().parents[2]
WORKED = ROOT / "scenarios/examples/worked-example.yaml"


def _file(tmp_path: Path, text: str = ADDITIVE.replace("HORIZON", "30"), name: str = "add.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as fh:
        return list(csv.DictReader(fh))


def _hand_days(rd: float, lh: float) -> float:
    return (24 * rd + lh + 11) / 24


def test_morris_writes_indices_ranking_design_and_tornado(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    args = ["sensitivity", str(_file(tmp_path)), "-n", "1", "--trajectories", "4", "-j", "1", "--seed", "7"]
    code = main([*args, "--metric", "vehicle_trips@2026-01-03", "--out", str(out)])
    shown = capsys.readouterr()
    assert code == 0, shown.err
    assert "Morris indices" in shown.out and "wrote" in shown.out
    names = {p.name for p in out.iterdir()}
    assert {
        "sensitivity_indices.csv",
        "sensitivity_design.csv",
        "sensitivity_tornado.csv",
        "sensitivity.json",
        "tornado.png",
        "runs.sqlite",
    } <= names
    assert (out / "tornado.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    indices = _rows(out / "sensitivity_indices.csv")
    closure = [r for r in indices if r["output"] == "closure_p50"]
    # closure (days) = rd + lh / 24 + 11 / 24: mu* is the coefficient times the range
    assert [(r["rank"], r["parameter"]) for r in closure] == [("1", "rd"), ("2", "lh")]
    assert float(closure[0]["mu_star"]) == pytest.approx(4.0)
    assert float(closure[1]["mu_star"]) == pytest.approx(2.0)
    assert float(closure[0]["share"]) == pytest.approx(2 / 3, abs=1e-6)
    assert (
        closure[0]["low"] == "0.0" and closure[0]["high"] == "4.0" and closure[0]["bounds_from"] == "support"
    )

    # every design row: its outputs by hand; the metric: the one trip arrived by 00:00 on day 2
    for r in _rows(out / "sensitivity_design.csv"):
        hand = _hand_days(float(r["rd"]), float(r["lh"]))
        assert float(r["closure_p50"]) == pytest.approx(hand, abs=1e-4)
        assert float(r["vehicle_trips@2026-01-03"]) == (1.0 if hand <= 2 else 0.0)
        assert r["closure_p50_beyond_horizon"] == "False"

    tornado = [r for r in _rows(out / "sensitivity_tornado.csv") if r["output"] == "closure_p50"]
    assert [r["parameter"] for r in tornado] == ["rd", "lh"]  # by swing, largest first
    assert float(tornado[0]["baseline"]) == pytest.approx(_hand_days(2, 24), abs=1e-4)
    assert float(tornado[0]["swing"]) == pytest.approx(4.0, abs=1e-4)
    assert float(tornado[1]["swing"]) == pytest.approx(2.0, abs=1e-4)

    summary = json.loads((out / "sensitivity.json").read_text())
    assert summary["method"] == "morris" and summary["seed"] == 7 and summary["sampler_seed"] == 7
    assert summary["trajectories"] == 4 and summary["levels"] == 4
    assert summary["design_rows"] == 4 * 3 and summary["replications_per_point"] == 1
    assert summary["bounds"]["lh"] == {
        "low": 0.0,
        "high": 48.0,
        "centre": 24.0,
        "from": "support",
        "prior": "uniform[0.0, 48.0]",
    }
    ranking = summary["outputs"]["closure_p50"]["ranking"]
    assert [r["parameter"] for r in ranking] == ["rd", "lh"]
    rd = summary["outputs"]["closure_p50"]["indices"]["rd"]
    assert rd["mu_star"] == pytest.approx(4.0) and rd["mu_star_ci95"] == pytest.approx([4.0, 4.0])


def test_sobol_indices_come_with_confidence_intervals(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    args = ["sensitivity", str(_file(tmp_path)), "--method", "sobol", "--samples", "8", "-n", "1", "-j", "1"]
    # nobody is on the personnel roll: that measure never varies, so its indices are undefined
    code = main([*args, "--metric", "personnel@2026-01-02", "--no-plot", "--out", str(out)])
    shown = capsys.readouterr()
    assert code == 0, shown.err
    assert "Sobol indices" in shown.out
    said = " ".join(shown.out.split())  # the table wraps its caption at 80 columns
    assert "the output does not vary over the design: Sobol indices are undefined" in said
    assert not (out / "tornado.png").exists()
    rows = _rows(out / "sensitivity_indices.csv")
    assert list(rows[0])[6:] == ["S1", "S1_ci_low", "S1_ci_high", "ST", "ST_ci_low", "ST_ci_high", "share"]
    for r in rows:
        if r["output"] == "personnel@2026-01-02":
            assert [r[k] for k in list(r)[6:]] == [""] * 7
            continue
        for index in ("S1", "ST"):
            assert float(r[f"{index}_ci_low"]) <= float(r[index]) <= float(r[f"{index}_ci_high"])
    summary = json.loads((out / "sensitivity.json").read_text())
    assert summary["outputs"]["personnel@2026-01-02"]["varies"] is False
    assert summary["outputs"]["personnel@2026-01-02"]["indices"]["rd"] == {
        "S1": None,
        "S1_ci95": None,
        "ST": None,
        "ST_ci95": None,
    }
    assert summary["samples"] == 8 and summary["design_rows"] == 8 * (2 + 2)
    assert summary["bootstrap_seed"] == 1 and summary["second_order"] is False


def test_a_second_run_resumes_from_the_store(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["sensitivity", str(_file(tmp_path)), "-n", "1", "--trajectories", "2", "-j", "1", "--no-plot"]
    args += ["--out", str(tmp_path / "out")]
    assert main(args) == 0
    first = (tmp_path / "out/sensitivity_indices.csv").read_bytes()
    capsys.readouterr()
    assert main(args) == 0
    assert "resuming" in capsys.readouterr().err
    assert (tmp_path / "out/sensitivity_indices.csv").read_bytes() == first


def test_notices_fixed_unbounded_and_beyond_the_horizon(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = ONE_PARAMETER.replace("prior: {uniform: [20, 40]}", "prior: {normal: {mean: 30, sd: 6}}")
    text = text.replace("horizon_days: 30", "horizon_days: 0.6")
    path = _file(tmp_path, text, "one.yaml")
    args = ["sensitivity", str(path), "-n", "2", "--trajectories", "2", "-j", "1"]
    code = main([*args, "--set", "parameters.unused.prior=0.5", "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 0, err
    lines = err.strip().splitlines()
    assert "posture: fixed parameters left out of the design: unused" in lines
    assert (
        "posture: spd: normal[30.0, 6.0] is unbounded; it varies over its 5-95 % quantiles [20.13, 39.87]"
        in lines
    )
    # 0.6 days = 14.4 h: 2 to 4 h loading, 300 km at 20 to 40 km/h and 1 h unloading
    # finish only at the higher speeds
    assert any(
        line.startswith("posture: P50 closure (days): ") and "beyond the horizon" in line for line in lines
    )
    summary = json.loads((tmp_path / "out/sensitivity.json").read_text())
    assert summary["fixed"] == ["unused"] and list(summary["bounds"]) == ["spd"]
    assert 0 < summary["outputs"]["closure_p50"]["beyond_horizon_rows"] < summary["design_rows"]


def _refused(args: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    code = main(["sensitivity", *args])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


def test_a_scenario_without_parameters_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    line = _refused([str(WORKED)], capsys)
    assert line.startswith(f"{WORKED}:1: parameters: the scenario declares no parameters")


def test_a_scenario_whose_parameters_are_all_fixed_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _file(tmp_path)
    line = _refused([str(path), "--set", "parameters.rd.prior=1", "--set", "parameters.lh.prior=2"], capsys)
    at = path.read_text().splitlines().index("parameters:") + 1
    assert line.startswith(f"{path}:{at}: parameters: every declared parameter is fixed (rd, lh)")


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--method", "fast"], "posture: --method: unknown method 'fast'; expected morris or sobol"),
        (["--method", "sobol", "--samples", "50"], "posture: --samples: Sobol needs a power of 2"),
        (["--method", "sobol", "--samples", "4"], "posture: --samples: must be at least 8, got 4"),
        (["--samples", "64"], "posture: --samples: is for --method sobol; Morris takes --trajectories"),
        (["--method", "sobol", "--trajectories", "5"], "posture: --trajectories: is for --method morris"),
        (["--trajectories", "1"], "posture: --trajectories: must be at least 2, got 1"),
        (["--trajectories", "5000"], "posture: --trajectories: 5,000 with 2 varied parameters makes 15,000"),
        (["--metric", "personnel"], "posture: --metric: expected KEY@DATE"),
        (["--metric", "personnel@soon"], "posture: --metric: 'soon' is not a date"),
        (
            ["--metric", "personel@2026-01-02"],
            "posture: --metric: no measure 'personel'; did you mean 'personnel'?",
        ),
        (
            ["--metric", "personnel@2025-12-31"],
            "posture: --metric: 2025-12-31 is outside the run; give a date",
        ),
        (["--metric", "personnel@2026-02-01"], "from 2026-01-01 to 2026-01-31"),
    ],
)
def test_bad_options_are_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], expected: str
) -> None:
    line = _refused([str(_file(tmp_path)), *args, "--out", str(tmp_path / "out")], capsys)
    assert expected in line
    assert not (tmp_path / "out").exists()


def test_without_salib_it_says_what_to_install(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "SALib", None)
    line = _refused([str(_file(tmp_path))], capsys)
    assert line == "posture: posture sensitivity needs SALib: pip install 'posture-sim[sensitivity]'"


def test_help_lists_every_option(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sensitivity", "--help"]) == 0
    shown = capsys.readouterr().out
    for option in (
        "--method",
        "--replications",
        "--trajectories",
        "--samples",
        "--metric",
        "--seed",
        "--jobs",
        "--executor",
        "--scheduler",
        "--chunk",
        "--set",
        "--event",
        "--out",
        "--no-plot",
    ):
        assert option in shown


@pytest.mark.slow
def test_results_do_not_depend_on_the_number_of_workers(tmp_path: Path) -> None:
    path = _file(tmp_path, ONE_PARAMETER, "one.yaml")
    args = ["sensitivity", str(path), "-n", "4", "--method", "sobol", "--samples", "8", "--no-plot"]
    assert main([*args, "-j", "1", "--out", str(tmp_path / "one")]) == 0
    assert main([*args, "-j", "2", "--chunk", "3", "--out", str(tmp_path / "two")]) == 0
    for name in ("sensitivity_indices.csv", "sensitivity_design.csv", "sensitivity_tornado.csv"):
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes()
