"""``--parameters posterior.csv`` and the parameter columns (issue #12), through ``posture``.

The scenario is the worked example with truck speed as parameter ``spd`` (closure at speed v:
4 x (3 + 600 / v) + 3 + 300 / v hours), so every replication's closure says which
posterior row it used.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
import yaml

from sim.cli import main

ROOT = Path(__file__).resolve().parents[2]
WORKED = ROOT / "scenarios/examples/worked-example.yaml"


def closure_days(speed: float) -> float:
    return (4 * (3 + 600 / speed) + 3 + 300 / speed) / 24


@pytest.fixture
def scenario(tmp_path: Path) -> Path:
    data = yaml.safe_load(WORKED.read_text(encoding="utf-8"))
    data["parameters"] = {
        "spd": {"prior": {"uniform": [20, 60]}, "cite": "assumption: a test range"},
        "lh": {"prior": {"uniform": [1, 3]}, "cite": "assumption: a test range"},
    }
    data["fleets"]["trucks"]["speed_kmh"] = {"param": "spd"}
    path = tmp_path / "param.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def posture(*args: str | Path) -> int:
    return main([str(a) for a in args])


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_runs_csv_and_summary_record_each_replications_parameters(scenario: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert posture("run", scenario, "-n", "6", "-j", "1", "--no-plot", "--out", out) == 0
    table = rows(out / "runs.csv")
    assert [r["replication"] for r in table] == [str(i) for i in range(6)]
    for r in table:
        speed = float(r["param_spd"])
        assert 20 <= speed <= 60 and 1 <= float(r["param_lh"]) <= 3
        assert float(r["closure_days"]) == pytest.approx(closure_days(speed), abs=1e-3)
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    block = summary["parameters"]
    assert block["source"] == "priors"
    assert block["values"]["spd"] == pytest.approx([float(r["param_spd"]) for r in table], abs=1e-4)


def test_a_posterior_replaces_the_priors_row_by_weight(scenario: Path, tmp_path: Path) -> None:
    post = tmp_path / "posterior.csv"
    post.write_text("spd,lh,weight\n30,1,1\n60,2,3\n45,3,0\n", encoding="utf-8")
    out = tmp_path / "out"
    assert (
        posture("run", scenario, "-n", "40", "-j", "1", "--no-plot", "--out", out, "--parameters", post) == 0
    )
    speeds = [float(r["param_spd"]) for r in rows(out / "runs.csv")]
    assert set(speeds) == {30.0, 60.0}  # the weight-0 row is never picked
    assert 20 <= speeds.count(60.0) <= 38  # P = 3/4 over 40 picks: outside 20..38 has P < 1e-5
    for r in rows(out / "runs.csv"):
        assert float(r["closure_days"]) == pytest.approx(closure_days(float(r["param_spd"])), abs=1e-3)
    source = json.loads((out / "summary.json").read_text(encoding="utf-8"))["parameters"]["source"]
    assert source.startswith(f"posterior {post}")


def test_the_pick_is_seeded_whatever_the_number_of_jobs(scenario: Path, tmp_path: Path) -> None:
    post = tmp_path / "posterior.csv"
    post.write_text("spd,lh,weight\n30,1,1\n60,2,1\n", encoding="utf-8")
    picked = []
    for jobs in ("1", "2"):
        out = tmp_path / f"out{jobs}"
        args = ("run", scenario, "-n", "12", "--chunk", "5", "-j", jobs, "--no-plot", "--out", out)
        assert posture(*args, "--parameters", post) == 0
        picked.append([r["param_spd"] for r in rows(out / "runs.csv")])
    assert picked[0] == picked[1]


def test_a_single_run_takes_a_posterior_row(scenario: Path, tmp_path: Path) -> None:
    post = tmp_path / "posterior.csv"
    post.write_text("lh,spd,weight\n2,50,1\n", encoding="utf-8")  # column order is free
    out = tmp_path / "one"
    assert posture("run", scenario, "--no-plot", "--out", out, "--parameters", post) == 0
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["parameters"] == {"spd": 50.0, "lh": 2.0}


@pytest.mark.parametrize(
    ("text", "lines"),
    [
        (
            "spd,foo,weight\n30,1,1\n",
            [
                ":1: foo: the scenario declares no such parameter (declared: spd, lh)",
                ":1: lh: the scenario declares",
            ],
        ),
        ("spd,lh\n30,1\n", [":1: weight: missing; give each row's weight"]),
        ("spd,lh,weight\n30,1,-2\n", [":2: weight: a weight must be a finite number >= 0; got -2"]),
        ("spd,lh,weight\n30,x,1\n", [":2: lh: expected a number, got 'x'"]),
        ("spd,lh,weight\n3000,1,1\n", [":2: spd: must lie in [0, 2000]"]),
        ("spd,lh,weight\n30,1,0\n", [":2: weight: the weights sum to 0"]),
        ("spd,lh,weight\n", [":2: weight: the file has no rows"]),
        ("spd,lh,weight\n30,1\n", [":2: row: has 2 cells, the header 3"]),
        ("", [":1: --parameters: expected a header row"]),
    ],
)
def test_bad_posterior_files_are_refused_line_by_line(
    scenario: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, lines: list[str]
) -> None:
    post = tmp_path / "posterior.csv"
    post.write_text(text, encoding="utf-8")
    assert posture("run", scenario, "--no-plot", "--out", tmp_path / "o", "--parameters", post) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    for line in lines:
        assert f"{post}{line}" in err, err
    assert not (tmp_path / "o").exists()


def test_a_missing_posterior_file_is_one_line(
    scenario: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert posture("run", scenario, "--parameters", tmp_path / "none.csv") == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        f"{tmp_path / 'none.csv'}:1: --parameters: cannot read the file: No such file or directory"
    ]
