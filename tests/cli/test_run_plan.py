"""The experiment's plumbing: one run plan, columns declared once, the public batch API, the
direction of imports between layers, and what each command imports."""

from __future__ import annotations

import csv
import dataclasses
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

import sim
from sim.cli import main
from sim.experiment.columns import COLUMNS, ids, signature
from sim.experiment.ensemble import Ensemble
from sim.experiment.plan import Point, RunPlan
from sim.experiment.runner import fingerprint, simulate_factors
from sim.experiment.store import RunStore

ROOT = Path(__file__).resolve().parents[2]
WORKED = ROOT / "scenarios/examples/worked-example.yaml"
LOAD = "fleets.trucks.load_hours={triangular: [1, 2, 4]}"


# ----------------------------------------------------------------------- the run plan
def test_run_plan_is_frozen_and_checked() -> None:
    plan = RunPlan(n=10, seed=3)
    with pytest.raises(dataclasses.FrozenInstanceError):
        plan.n = 20  # type: ignore[misc]
    assert RunPlan(jobs=0).jobs == (os.cpu_count() or 1)  # 0: every core, resolved once
    assert RunPlan(scheduler="tcp://127.0.0.1:8786").dask and not RunPlan().dask
    for bad in ({"n": 0}, {"chunk": 0}, {"seed": -1}, {"jobs": -2}, {"executor": "ray"}):
        with pytest.raises(ValueError):
            RunPlan(**bad)  # type: ignore[arg-type]


def test_simulate_many_takes_a_plan_or_keywords_not_both(tmp_path: Path) -> None:
    s = sim.load_scenario(WORKED)
    with pytest.raises(TypeError):
        sim.simulate_many(s, store=tmp_path / "a.sqlite", plan=RunPlan(n=2), seed=1)
    with pytest.raises(ValueError):
        sim.simulate_many(s, 3, store=tmp_path / "b.sqlite", plan=RunPlan(n=2))


def test_simulate_many_public_api_matches_single_runs(tmp_path: Path) -> None:
    s = sim.load_scenario(WORKED, [LOAD])
    path = tmp_path / "api" / "runs.sqlite"
    with sim.simulate_many(s, 5, path, seed=4, chunk=2) as store:
        got = store.read(0, 5, ["closure_h", "phases", "completed"])
        assert store.meta()["seed"] == "4" and store.meta()["chunk"] == "2"
    expected = [sim.simulate(s, seed=4, replication=i) for i in range(5)]
    assert got["rep"].tolist() == list(range(5))
    assert got["closure_h"].tolist() == [r.closure_h for r in expected]
    assert got["phases"].shape == (5, len(s.phases)) and got["completed"].all()
    # the same plan as an object: the store is complete, so nothing is simulated again
    notes: list[str] = []
    with sim.simulate_many([Point(s)], store=path, plan=RunPlan(n=5, seed=4, chunk=2), notice=notes.append):
        pass
    assert notes == [f"resuming: 5 of 5 replications already stored in {path}"]


def test_simulate_many_without_a_store_path_cleans_up() -> None:
    s = sim.load_scenario(WORKED)
    store = sim.simulate_many(s, 2, deterministic=True)
    path = store.path
    assert store.read(0, 2, ["closure_h"])["closure_h"].tolist() == [105.0, 105.0]
    store.close()
    assert not path.exists()


def test_a_store_without_fingerprint_opens_read_only_as_it_is(tmp_path: Path) -> None:
    path = tmp_path / "r.sqlite"
    sim.simulate_many(sim.load_scenario(WORKED), 3, path, deterministic=True).close()
    before = path.read_bytes()
    with RunStore(path) as store:
        assert store.read(0, 3, ["closure_h"])["closure_h"].tolist() == [105.0] * 3
        with pytest.raises(sqlite3.OperationalError):
            store.db.execute("DELETE FROM runs")
    assert path.read_bytes() == before
    with pytest.raises(FileNotFoundError):
        RunStore(tmp_path / "none.sqlite")


def test_ensemble_reads_the_plan_and_columns_by_name(tmp_path: Path) -> None:
    s = sim.load_scenario(WORKED, [LOAD])
    plan = RunPlan(n=6, seed=2, chunk=4)
    with sim.simulate_many(s, store=tmp_path / "r.sqlite", plan=plan) as store:
        ens = Ensemble(store, s, plan)
        summary = ens.summary()
        header, rows = ens.runs_rows()
    assert ens.n == 6 and summary["seed"] == 2 and summary["replications"] == 6
    assert list(summary["phases"]) == [p.id for p in s.phases] and list(summary["sites"]) == list(s.sites)
    assert header[:7] == [
        "root_seed",
        "replication",
        "completed",
        "closure_days",
        "closure_weeks",
        "closure95_days",
        "end_days",
    ]
    assert [r[1] for r in rows] == list(range(6)) and all(r[0] == 2 for r in rows)
    assert rows[0][3] == round(sim.simulate(s, seed=2).closure_h / 24, 4)


# ----------------------------------------------------------------------- simulate_factors
def test_simulate_factors_forwards_events_and_overrides(tmp_path: Path) -> None:
    # deterministic worked example: 105 h with 10 trucks, 59 h with 20; a 2-day pause from day 0
    # delays both by exactly 48 h
    points, store = simulate_factors(
        WORKED,
        [("fleets.trucks.count", ["10", "20"])],
        2,
        tmp_path / "s.sqlite",
        overrides=["convoy.max_vehicles=100"],
        events=["pause:day=0,days=2"],
        deterministic=True,
    )
    with store:
        closure = [store.read(p, 2, ["closure_h"])["closure_h"].tolist() for p in range(2)]
    assert [p.factors for p in points] == [{"fleets.trucks.count": 10}, {"fleets.trucks.count": 20}]
    assert all(len(p.scenario.events) == 1 for p in points)
    assert closure == [[153.0, 153.0], [107.0, 107.0]]


# ----------------------------------------------------------------------- one declaration
def test_store_table_and_fingerprint_follow_the_declaration(tmp_path: Path) -> None:
    s = sim.load_scenario(WORKED)
    plan = RunPlan(n=2, deterministic=True)
    path = tmp_path / "runs.sqlite"
    sim.simulate_many(s, store=path, plan=plan).close()
    with sqlite3.connect(path) as db:
        cols = [row[1] for row in db.execute("PRAGMA table_info(runs)")]
        meta = dict(db.execute("SELECT key, value FROM meta"))
    assert cols == ["point", "rep", *(c.name for c in COLUMNS)]
    assert meta["columns"] == signature() == fingerprint([Point(s)], plan)["columns"]
    # a store written with other columns is another experiment: started afresh
    with sqlite3.connect(path) as db:
        db.execute("UPDATE meta SET value='completed:bool:scalar' WHERE key='columns'")
    notes: list[str] = []
    sim.simulate_many(s, store=path, plan=plan, notice=notes.append).close()
    assert notes == [f"{path} held results of a different command; starting afresh"]


def test_runs_csv_columns_come_from_the_declaration(tmp_path: Path) -> None:
    assert main(["run", str(WORKED), "-n", "3", "--jobs", "1", "--out", str(tmp_path), "--no-plot"]) == 0
    header = next(csv.reader((tmp_path / "runs.csv").open()))
    s = sim.load_scenario(WORKED)
    declared = ["root_seed", "replication"]
    for c in COLUMNS:
        for i in ids(c, s):
            declared += [name.format(id=i) for name, _ in c.runs]
    assert header == declared
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert all(summary["sites"][sid]["empty_day"]["n"] == 3 for sid in s.sites)


# ----------------------------------------------------------------------- layers and imports
def _loaded(*args: str) -> set[str]:
    """Top-level packages (and sim modules) imported by ``posture ARGS`` in a fresh process."""
    code = (
        "import sys; from sim.cli import main; code = main(sys.argv[1:]); "
        "print(' '.join(sorted(sys.modules))); sys.exit(code)"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=120, cwd=ROOT
    )
    assert proc.returncode == 0, proc.stderr
    names = set(proc.stdout.splitlines()[-1].split())
    return {n.split(".")[0] for n in names} | {n for n in names if n.startswith("sim.")}


def test_help_and_validate_load_neither_engine_nor_plots() -> None:
    for args in (["--help"], ["validate", str(WORKED)]):
        loaded = _loaded(*args)
        assert not loaded & {"matplotlib", "distributed", "dask", "simpy", "sqlite3"}, args
        assert not {m for m in loaded if m.startswith(("sim.engine", "sim.outputs.plots"))}, args
        assert "sim.experiment.store" not in loaded and "sim.experiment.runner" not in loaded


@pytest.mark.parametrize("n", ["1", "3"])
def test_no_plot_run_never_imports_matplotlib(n: str, tmp_path: Path) -> None:
    loaded = _loaded("run", str(WORKED), "-n", n, "--jobs", "1", "--no-plot", "--out", str(tmp_path))
    assert "matplotlib" not in loaded and "distributed" not in loaded
    assert ("sqlite3" in loaded) == (n != "1")
    assert (tmp_path / "summary.json").exists()
