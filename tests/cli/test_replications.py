"""Replications, executors, the result store, resume and sweeps, through the command line
and the runner."""

from __future__ import annotations

import csv
import json
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import sim
from sim.cli import main

ROOT = Path(__file__).resolve().parents[2]
WORKED = ROOT / "scenarios/examples/worked-example.yaml"
UNCERTAIN = [
    "--set",
    "fleets.trucks.load_hours={triangular: [1, 2, 4]}",
    "--set",
    "fleets.trucks.speed_kmh={normal: {mean: 30, sd: 4}}",
]


def test_one_replication_equals_the_single_run(tmp_path: Path) -> None:
    s = sim.load_scenario(WORKED, UNCERTAIN[1::2])
    single = sim.simulate(s, seed=9)
    assert (
        main(["run", str(WORKED), *UNCERTAIN, "-n", "1", "--seed", "9", "--out", str(tmp_path), "--no-plot"])
        == 0
    )
    assert json.loads((tmp_path / "summary.json").read_text())["closure_days"] == round(
        single.closure_h / 24, 4
    )
    assert (
        main(
            [
                "run",
                str(WORKED),
                *UNCERTAIN,
                "-n",
                "3",
                "--seed",
                "9",
                "--out",
                str(tmp_path / "m"),
                "--no-plot",
                "--jobs",
                "1",
            ]
        )
        == 0
    )
    first = next(csv.DictReader((tmp_path / "m/runs.csv").open()))
    assert (first["root_seed"], first["replication"]) == ("9", "0")
    assert float(first["closure_days"]) == round(single.closure_h / 24, 4)


def _mc(out: Path, *extra: str) -> None:
    assert (
        main(
            [
                "run",
                str(WORKED),
                *UNCERTAIN,
                "-n",
                "60",
                "--chunk",
                "7",
                "--seed",
                "5",
                "--out",
                str(out),
                *extra,
            ]
        )
        == 0
    )


def test_results_identical_for_one_job_two_jobs_and_dask(tmp_path: Path) -> None:
    _mc(tmp_path / "one", "--jobs", "1")
    _mc(tmp_path / "two", "--jobs", "2")
    _mc(tmp_path / "dask", "--executor", "dask", "--jobs", "2")
    names = sorted(p.name for p in (tmp_path / "one").iterdir())
    assert names == [  # no fan_chart.png: the worked example has no personnel
        "closure_cdf.png",
        "manifest.json",
        "metric_bands.csv",
        "report.html",
        "runs.csv",
        "runs.sqlite",
        "summary.json",
        "troop_curve_bands.csv",
    ]
    for name in names:
        if name in ("manifest.json", "report.html"):  # say how each was made: options and times differ
            continue
        ref = (tmp_path / "one" / name).read_bytes()
        assert (tmp_path / "two" / name).read_bytes() == ref, name
        assert (tmp_path / "dask" / name).read_bytes() == ref, name


def test_dask_against_a_local_cluster_scheduler(tmp_path: Path) -> None:
    from distributed import LocalCluster

    _mc(tmp_path / "ref", "--jobs", "1", "--no-plot")
    with LocalCluster(
        n_workers=1, threads_per_worker=1, host="127.0.0.1", dashboard_address=None, processes=True
    ) as cluster:
        _mc(tmp_path / "remote", "--scheduler", cluster.scheduler_address, "--no-plot")
    for name in ("runs.csv", "summary.json", "troop_curve_bands.csv"):
        assert (tmp_path / "remote" / name).read_bytes() == (tmp_path / "ref" / name).read_bytes()


def test_summary_percentiles_and_runs_table(tmp_path: Path) -> None:
    _mc(tmp_path, "--jobs", "1", "--no-plot")
    summary = json.loads((tmp_path / "summary.json").read_text())
    rows = list(csv.DictReader((tmp_path / "runs.csv").open()))
    assert len(rows) == 60 and [int(r["replication"]) for r in rows] == list(range(60))
    closure = np.array([float(r["closure_days"]) for r in rows])
    assert summary["closure_days"]["p50"] == pytest.approx(np.percentile(closure, 50), abs=1e-4)
    assert summary["closure_weeks"]["p90"] == pytest.approx(np.percentile(closure / 7, 90), abs=1e-4)
    lo, hi = summary["closure_days"]["ci95"]
    assert lo < closure.mean() < hi
    assert summary["closure_days"]["completed_share"] == 1.0
    bands = list(csv.DictReader((tmp_path / "troop_curve_bands.csv").open()))
    assert len(bands) == 31 and "in_theatre_p50" in bands[0] and "A_p90" in bands[0]


def test_resume_after_sigterm_gives_identical_bytes(tmp_path: Path) -> None:
    args = [
        sys.executable,
        "-m",
        "sim.cli",
        "run",
        str(WORKED),
        *UNCERTAIN,
        "-n",
        "400",
        "--chunk",
        "10",
        "--jobs",
        "1",
        "--seed",
        "3",
        "--no-plot",
    ]
    whole, part = tmp_path / "whole", tmp_path / "part"
    subprocess.run([*args, "--out", str(whole)], check=True, capture_output=True, timeout=300)
    proc = subprocess.Popen(
        [*args, "--out", str(part)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    db = part / "runs.sqlite"
    deadline = time.time() + 120
    stored = 0
    while time.time() < deadline and stored < 30:
        time.sleep(0.05)
        if db.exists():
            try:
                with sqlite3.connect(db, timeout=0.1) as con:
                    stored = con.execute("SELECT COUNT(*) FROM runs").fetchone()[0]
            except sqlite3.OperationalError:
                pass
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    if proc.returncode == 0:
        pytest.fail("the run finished before it could be interrupted; raise -n")
    assert proc.returncode == 130
    assert err.strip().endswith("interrupted; finished result files were kept")
    with sqlite3.connect(db) as con:
        kept = con.execute("SELECT COUNT(*) FROM runs").fetchone()[0]
    assert 0 < kept < 400 and kept % 10 == 0  # whole chunks only
    again = subprocess.run([*args, "--out", str(part)], capture_output=True, text=True, timeout=300)
    assert again.returncode == 0
    assert f"resuming: {kept:,} of 400 replications already stored" in again.stderr
    for name in ("runs.csv", "summary.json", "troop_curve_bands.csv", "runs.sqlite"):
        assert (part / name).read_bytes() == (whole / name).read_bytes(), name


def test_sweep_table_is_hand_computable(tmp_path: Path) -> None:
    # Deterministic worked example: 10 trucks -> 105 h; 20 trucks -> 3 convoys, 2 x 23 + 13 = 59 h;
    # 50 trucks -> 1 convoy, 13 h. max_vehicles 100 vs 5 (5 vehicles per convoy changes nothing:
    # every convoy still loads and leaves together). So only the fleet moves the P50.
    out = tmp_path / "sweep"
    assert (
        main(
            [
                "sweep",
                str(WORKED),
                "--vary",
                "fleets.trucks.count=10,20,50",
                "--vary",
                "convoy.max_vehicles=5,100",
                "-n",
                "4",
                "--deterministic",
                "--out",
                str(out),
                "--jobs",
                "1",
            ]
        )
        == 0
    )
    rows = list(csv.DictReader((out / "sweep.csv").open()))
    assert len(rows) == 6
    expected = {"10": 105 / 168, "20": 59 / 168, "50": 13 / 168}
    for r in rows:
        assert float(r["closure_weeks_p50"]) == pytest.approx(expected[r["fleets.trucks.count"]], abs=1e-4)
        assert r["completed_share"] == "1.0"
    assert (out / "sweep.png").stat().st_size > 0


def test_sweep_points_share_random_numbers(tmp_path: Path) -> None:
    # max_vehicles 50 vs 100 cannot matter for 10 trucks, so with common random numbers each
    # replication gives the same closure at both points.
    from sim.experiment.runner import simulate_factors

    _points, store = simulate_factors(
        WORKED,
        [("convoy.max_vehicles", ["50", "100"])],
        8,
        tmp_path / "s.sqlite",
        overrides=UNCERTAIN[1::2],
        seed=11,
    )
    a = store.read(0, 8, ["closure_h"])["closure_h"].tolist()
    b = store.read(1, 8, ["closure_h"])["closure_h"].tolist()
    store.close()
    assert a == b and len(set(a)) > 1


def test_sweep_bad_vary_value_exits_2(tmp_path: Path) -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "sim.cli",
            "sweep",
            str(WORKED),
            "--vary",
            "fleets.trucks.count=10,many",
            "--out",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert "fleets.trucks.count" in proc.stderr and "valid integer" in proc.stderr


def test_raising_n_computes_only_the_new_replications(tmp_path: Path) -> None:
    first, grown, fresh = tmp_path / "a", tmp_path / "a", tmp_path / "fresh"
    _mc(first, "--jobs", "1", "--no-plot")  # 60 replications, chunks of 7
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "sim.cli",
            "run",
            str(WORKED),
            *UNCERTAIN,
            "-n",
            "75",
            "--chunk",
            "7",
            "--seed",
            "5",
            "--out",
            str(grown),
            "--no-plot",
            "--jobs",
            "1",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0
    assert "resuming: 56 of 75 replications already stored" in proc.stderr  # 8 whole chunks of 7
    assert (
        main(
            [
                "run",
                str(WORKED),
                *UNCERTAIN,
                "-n",
                "75",
                "--chunk",
                "7",
                "--seed",
                "5",
                "--out",
                str(fresh),
                "--no-plot",
                "--jobs",
                "1",
            ]
        )
        == 0
    )
    for name in ("runs.csv", "summary.json", "troop_curve_bands.csv"):
        assert (grown / name).read_bytes() == (fresh / name).read_bytes(), name


@pytest.mark.slow  # waits for Dask's connection time-out (about 20 s)
def test_unreachable_scheduler_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "sim.cli",
            "run",
            str(WORKED),
            "-n",
            "2",
            "--scheduler",
            "tcp://127.0.0.1:9",
            "--out",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in proc.stderr
