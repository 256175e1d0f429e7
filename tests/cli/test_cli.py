"""The ``posture`` command line end to end: files written, exit codes, messages."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import sim
from sim.cli import main

ROOT = Path(__file__).resolve().parents[2]
WORKED = ROOT / "scenarios/examples/worked-example.yaml"


def run_cli(*args: str | Path) -> tuple[int, str, str]:
    """Run ``posture`` in a subprocess, as a user would."""
    proc = subprocess.run(
        [sys.executable, "-m", "sim.cli", *map(str, args)], capture_output=True, text=True, timeout=120
    )
    return proc.returncode, proc.stdout, proc.stderr


def test_validate_good_file_prints_summary(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(WORKED)]) == 0
    shown = capsys.readouterr().out
    for word in (
        "valid",
        "sites",
        "equipment: container",
        "100",
        "fleet: trucks",
        "routes",
        "phase: empty_A",
    ):
        assert word in shown


def test_validate_bad_file_exits_2_with_one_line_per_problem(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    text = WORKED.read_text().replace("count: 10", "count: -3").replace("km: 300", "km: far")
    bad.write_text(text)
    code, _out, err = run_cli("validate", bad)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(f"{bad}:15: fleets.trucks.count: ")
    assert "greater than or equal to 0" in lines[0]
    assert lines[1].startswith(f"{bad}:23: routes[0].km: ")
    assert "Traceback" not in err


def test_missing_file_exits_2_without_traceback() -> None:
    code, _, err = run_cli("run", "no-such-file.yaml")
    assert code == 2
    assert err.strip() == "no-such-file.yaml:1: (top level): no such file; check the path"


def test_require_sources_flags_uncited_figures(tmp_path: Path) -> None:
    bare = tmp_path / "bare.yaml"
    bare.write_text(
        WORKED.read_text().replace('    cite: "assumption: teaching example"\nroutes:', "routes:")
    )
    assert main(["validate", str(bare)]) == 0
    code, _, err = run_cli("validate", "--require-sources", bare)
    assert code == 2
    assert "fleets.trucks.count: figure 10 has no source" in err


def test_run_writes_all_result_files(tmp_path: Path) -> None:
    out = tmp_path / "out"
    code, stdout, err = run_cli("run", WORKED, "--out", out)
    assert code == 0, err
    for name in ("summary.json", "troop_curve.csv", "events.csv", "gantt.png", "throughput.png"):
        assert (out / name).stat().st_size > 0
    assert not (out / "troop_curve.png").exists()  # no personnel: the troop curve would be empty
    assert "troop_curve.png not drawn: the scenario has no personnel" in err
    summary = json.loads((out / "summary.json").read_text())
    assert summary["closure_days"] == 4.375
    assert summary["closure_weeks"] == 0.625
    assert summary["closure_date"] == "2026-01-05"
    assert summary["closure95_days"] == 4.375
    assert summary["completed"] is True
    assert summary["phases"]["empty_A"]["closure_days"] == 4.375
    assert summary["sites"]["A"]["empty_day"] == pytest.approx(94 / 24, abs=1e-4)
    assert "closure (100 %)" in stdout and "4.38" in stdout
    events = (out / "events.csv").read_text().splitlines()
    assert events[0].startswith("convoy,kind,mode,origin,destination,phases,formed_day,depart_day")
    assert len(events) == 1 + 9  # 5 loaded convoys and 4 empty returns


def test_run_set_override_changes_the_answer(tmp_path: Path) -> None:
    # 20 trucks carry 40 a trip: 3 convoys, closure 2 x 23 + 13 = 59 h.
    out = tmp_path / "o"
    assert main(["run", str(WORKED), "--out", str(out), "--set", "fleets.trucks.count=20", "--no-plot"]) == 0
    assert json.loads((out / "summary.json").read_text())["closure_days"] == pytest.approx(59 / 24, abs=1e-4)


def test_run_bad_override_exits_2(tmp_path: Path) -> None:
    code, _, err = run_cli("run", WORKED, "--out", tmp_path, "--set", "fleets.trucks.cuont=3")
    assert code == 2
    assert err.strip() == (
        "--set:1: fleets.trucks.cuont: unknown key 'cuont' in fleets.trucks; did you mean 'count'?"
    )
    assert not any(tmp_path.iterdir())


def test_same_command_gives_byte_identical_files(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    for d in (a, b):
        assert main(["run", str(WORKED), "--out", str(d), "--seed", "7"]) == 0
    for name in ("summary.json", "troop_curve.csv", "events.csv", "gantt.png", "throughput.png"):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


def test_usage_errors_exit_2() -> None:
    code, _, err = run_cli("run")
    assert code == 2
    assert "Missing argument" in err
    code, _, _ = run_cli("frobnicate")
    assert code == 2


# ----------------------------------------------------------------------------- what-ifs
def test_event_option_on_the_command_line(tmp_path: Path) -> None:
    import json

    from sim.cli import main

    assert (
        main(["run", str(WORKED), "--event", "pause:day=0,days=2", "--out", str(tmp_path), "--no-plot"]) == 0
    )
    assert json.loads((tmp_path / "summary.json").read_text())["closure_days"] == 4.375 + 2
    s = sim.load_scenario(
        WORKED, events=["{type: reinforce, day: 1, to: A, from: B, equipment: {container: 4}}"]
    )
    assert s.events[0].equipment == {"container": 4}
