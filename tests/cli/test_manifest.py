"""Traceable, tidy output folders (issue #13, items 1, 2 and 9).

``manifest.json`` says what made a folder's files; a run owns its folder (what a previous run
left and this one did not write is removed, a user's own files stay); ``--fresh`` discards a
store; stores of another posture version or model revision are not reused; ``-n`` summaries
aggregate utilisation and the binding resource; a single run says what it is.

The worked example (100 containers, 10 trucks, 300 km at 30 km/h) closes at 105 h = 4.375
days on 2026-01-05 (docs/model.md).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

import sim
from sim.cli import main
from sim.outputs.manifest import check, git_commit

ROOT = Path(__file__).resolve().parents[2]
WORKED = ROOT / "scenarios/examples/worked-example.yaml"


def posture(*args: str | Path) -> int:
    return main([str(a) for a in args])


def manifest(folder: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    return data


def test_the_manifest_says_what_made_every_file(tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = ("run", WORKED, "-n", "3", "-j", "1", "--no-plot", "--out", out, "--seed", "4")
    assert posture(*args, "--set", "fleets.trucks.count=12", "--event", "pause:day=1,days=1") == 0
    m = manifest(out)
    assert m["posture_version"] == sim.__version__
    assert m["git_commit"] == git_commit()
    assert m["command"] == "run"
    assert m["argv"] == [
        "posture",
        *map(str, args),
        "--set",
        "fleets.trucks.count=12",
        "--event",
        "pause:day=1,days=1",
    ]
    assert m["options"]["--set"] == ["fleets.trucks.count=12"]
    assert m["options"]["--event"] == ["pause:day=1,days=1"]
    assert m["options"]["--parameters"] is None
    assert m["scenarios"] == [
        {"path": str(WORKED), "sha256": hashlib.sha256(WORKED.read_bytes()).hexdigest()}
    ]
    assert (m["seed"], m["n"], m["deterministic"], m["parameters"]) == (4, 3, False, "priors")
    assert m["started"] <= m["finished"]
    listed = {f["path"]: f for f in m["files"]}
    assert set(listed) == {p.name for p in out.iterdir()} - {"manifest.json"}
    for name, entry in listed.items():
        data = (out / name).read_bytes()
        assert entry == {"path": name, "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    assert check(out) == []
    (out / "runs.csv").write_text("changed\n", encoding="utf-8")
    assert check(out) == ["runs.csv: changed since the run (SHA-256 differs)"]


def test_a_run_owns_its_folder_but_keeps_the_users_files_and_the_store(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert posture("run", WORKED, "-n", "2", "-j", "1", "--no-plot", "--out", out) == 0
    (out / "notes.txt").write_text("mine\n", encoding="utf-8")
    capsys.readouterr()
    assert posture("run", WORKED, "--no-plot", "--out", out) == 0
    names = {p.name for p in out.iterdir()}
    assert names == {
        "summary.json",
        "troop_curve.csv",
        "events.csv",
        "daily.csv",
        "report.html",
        "manifest.json",
        "notes.txt",
        "runs.sqlite",
    }
    m = manifest(out)
    assert m["removed"] == ["metric_bands.csv", "runs.csv", "troop_curve_bands.csv"]
    assert m["kept"] == ["runs.sqlite"]
    assert "removed 3 file(s) of a previous run" in capsys.readouterr().err


def test_fresh_discards_the_store(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    assert posture("run", WORKED, "-n", "2", "-j", "1", "--no-plot", "--out", out) == 0
    capsys.readouterr()
    assert posture("run", WORKED, "-n", "2", "-j", "1", "--no-plot", "--out", out) == 0
    assert "resuming: 2 of 2 replications already stored" in capsys.readouterr().err
    assert posture("run", WORKED, "-n", "2", "-j", "1", "--no-plot", "--out", out, "--fresh") == 0
    err = capsys.readouterr().err
    assert "--fresh: discarded the stored replications" in err and "resuming" not in err


def test_a_store_of_another_version_or_model_revision_is_not_reused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from sim.experiment import runner

    out = tmp_path / "out"
    assert posture("run", WORKED, "-n", "2", "-j", "1", "--no-plot", "--out", out) == 0
    capsys.readouterr()
    monkeypatch.setattr(runner, "MODEL_REVISION", runner.MODEL_REVISION + 1)
    assert posture("run", WORKED, "-n", "2", "-j", "1", "--no-plot", "--out", out) == 0
    assert "held results of a different command; starting afresh" in capsys.readouterr().err
    monkeypatch.setattr(runner, "__version__", "0.0.0-old")
    assert posture("run", WORKED, "-n", "2", "-j", "1", "--no-plot", "--out", out) == 0
    assert "starting afresh" in capsys.readouterr().err


def test_n_summaries_aggregate_utilisation_and_the_binding_resource(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert posture("run", WORKED, "-n", "3", "-j", "1", "--deterministic", "--no-plot", "--out", out) == 0
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    one = sim.simulate(sim.load_scenario(WORKED), deterministic=True)
    u = one.utilisation["fleet:trucks"]
    assert summary["utilisation"]["fleet:trucks"] == {"p10": u, "p50": u, "p90": u, "mean": u}
    assert summary["phases"]["empty_A"]["binding"] == {"fleet:trucks": 1.0}
    assert one.binding_by_phase["empty_A"]["resource"] == "fleet:trucks"


def test_the_n_table_gives_days_weeks_and_dates(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        posture("run", WORKED, "-n", "2", "-j", "1", "--deterministic", "--no-plot", "--out", tmp_path) == 0
    )
    text = capsys.readouterr().out
    row = next(line for line in text.splitlines() if "closure (100 %)" in line)
    assert [c.strip() for c in row.strip("│ ").split("│")][1:] == [
        "4.38",
        "4.38",
        "4.38",
        "0.6",
        "2026-01-05",
        "100%",
    ]
    assert "What bound each phase" in text and "fleet:trucks 100%" in text


@pytest.mark.parametrize(
    ("args", "what"),
    [
        (["--deterministic"], "the deterministic plan (every distribution at its central value)"),
        ([], "the only outcome (nothing in the scenario is drawn at random)"),
        (
            ["--seed", "3", "--set", "fleets.trucks.load_hours={triangular: [1, 2, 4]}"],
            "one random replication (seed 3, replication 0)",
        ),
    ],
)
def test_a_single_run_says_what_it_is(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], what: str
) -> None:
    assert posture("run", WORKED, "--no-plot", "--out", tmp_path, *args) == 0
    assert what in capsys.readouterr().out
    assert json.loads((tmp_path / "summary.json").read_text(encoding="utf-8"))["what"] == what
