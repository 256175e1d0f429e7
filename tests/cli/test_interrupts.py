"""Issue #14: Ctrl-C stops every long command cleanly (docs/cli.md, "Interrupting and resuming").

Each test starts a real ``python -m sim`` in its own session (process group) on a copy of a
small scenario, waits until the command is working (a chunk of replications stored, or a
calibration database opened), then sends SIGINT to the whole group, as a terminal's Ctrl-C
does. The command must exit 130 within 10 s with exactly one line on standard error after
the signal, no traceback, and leave no worker process behind. ``run`` and ``calibrate`` use two worker
processes (``--jobs 2``), whose workers get the SIGINT too.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import psutil  # installed with the test extra (a dependency of dask.distributed)
import pytest
import yaml

from tests.support.calibration import CITE, synthetic

pytestmark = pytest.mark.slow  # six real commands, each started and interrupted: about 10 s

LINE = "posture: interrupted; finished result files were kept"
MANY = ["-n", "100000", "--chunk", "2"]  # never finishes before the signal; chunks stored early


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The synthetic calibration scenario (two speed parameters) with observations to fit."""
    data = synthetic()
    data["observations"] = [
        {"date": f"2026-01-0{day}", "metric": metric, "value": value, "source": CITE}
        for day, left in ((2, 800), (3, 600), (4, 400))
        for metric, value in (("personnel", left), ("equipment", left // 10))
    ]
    path = tmp_path_factory.mktemp("interrupts") / "synthetic.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def _chunks(store: Path) -> int:
    """Chunks stored so far in a store another process is writing (0 if it cannot say yet)."""
    if not store.is_file():
        return 0
    try:
        with contextlib.closing(sqlite3.connect(store, timeout=0.1)) as db:
            return int(db.execute("SELECT COUNT(*) FROM chunks").fetchone()[0])
    except sqlite3.Error:
        return 0


def _stored(out: Path) -> Callable[[Path], bool]:
    return lambda tmp: _chunks(tmp / out / "runs.sqlite") > 0


def _temp_store(tmp: Path) -> bool:
    return any(_chunks(store) > 0 for store in (tmp / "tmpdir").glob("posture-*/runs.sqlite"))


def _calibrating(tmp: Path) -> bool:
    return (tmp / "cal").is_dir() and any((tmp / "cal").iterdir())


CASES: dict[str, tuple[list[str], Callable[[Path], bool]]] = {
    "run": (["run", "S", *MANY, "-j", "2", "--no-plot", "--out", "out"], _stored(Path("out"))),
    "sweep": (
        ["sweep", "S", "--vary", "fleets.buses.count=5,6", *MANY, "-j", "1", "--no-plot", "--out", "sw"],
        _stored(Path("sw")),
    ),
    "sensitivity": (
        ["sensitivity", "S", "--trajectories", "4", *MANY, "-j", "1", "--no-plot", "--out", "sa"],
        _stored(Path("sa")),
    ),
    "forecast": (["forecast", "S", *MANY, "-j", "1", "--no-plot", "--out", "fc"], _temp_store),
    "score": (["score", "S", *MANY, "-j", "1", "--no-plot", "--out", "sc"], _stored(Path("sc"))),
    "calibrate": (
        [
            "calibrate",
            "S",
            "--population",
            "20000",  # slices of 2,500 candidates: long enough to show a pool that waits for them
            "--budget",
            "100000",
            "-j",
            "2",
            "--no-plot",
            "--out",
            "cal",
        ],
        _calibrating,
    ),
}


def _gone(proc: psutil.Process) -> bool:
    """Dead, or a zombie nobody has reaped yet (it computes nothing)."""
    try:
        return proc.status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def _wait_until_working(
    command: str, proc: subprocess.Popen[bytes], tmp: Path, jobs: int, errors: Path
) -> list[psutil.Process]:
    """Wait until ``command`` is working (and its ``jobs`` workers, if more than 1, are up);
    return its child processes."""
    deadline = time.monotonic() + 60
    working = CASES[command][1]
    children: list[psutil.Process] = []
    while not working(tmp) or (jobs > 1 and len(children) < jobs):
        if proc.poll() is not None:
            text = errors.read_text(errors="replace")
            pytest.fail(f"{command} ended (exit {proc.returncode}) before it could be interrupted: {text}")
        if time.monotonic() > deadline:
            pytest.fail(f"{command} did not start working (with {jobs} workers) within 60 s")
        time.sleep(0.05)
        children = psutil.Process(proc.pid).children(recursive=True)
    time.sleep(0.5)  # well inside the work: workers set up and busy, chunks in flight
    return psutil.Process(proc.pid).children(recursive=True)


@pytest.mark.parametrize("command", list(CASES))
def test_ctrl_c_is_exit_130_and_one_line(command: str, scenario: Path, tmp_path: Path) -> None:
    args = CASES[command][0]
    jobs = int(args[args.index("-j") + 1])
    (tmp_path / "tmpdir").mkdir()
    copy = tmp_path / scenario.name
    copy.write_bytes(scenario.read_bytes())
    argv = [sys.executable, "-m", "sim", *(str(copy) if a == "S" else a for a in args)]
    env = {**os.environ, "TMPDIR": str(tmp_path / "tmpdir"), "COLUMNS": "200"}
    errors = tmp_path / "stderr.txt"
    with errors.open("wb") as err:
        proc = subprocess.Popen(
            argv, cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=err, start_new_session=True
        )
    children: list[psutil.Process] = []
    try:
        children = _wait_until_working(command, proc, tmp_path, jobs, errors)
        before = errors.stat().st_size
        os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C: the whole foreground group gets it
        signalled = time.monotonic()
        code = proc.wait(timeout=60)
        took = time.monotonic() - signalled
        while time.monotonic() - signalled < took + 5 and not all(_gone(c) for c in children):
            time.sleep(0.05)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)
        for child in children:
            with contextlib.suppress(psutil.NoSuchProcess):
                child.kill()
    text = errors.read_text(errors="replace")
    after = errors.read_bytes()[before:].decode(errors="replace")  # what the signal made it print
    assert code == 130, text
    assert "Traceback" not in text
    assert [line for line in after.splitlines() if line.strip()] == [LINE]
    assert not [c.pid for c in children if not _gone(c)], "worker processes outlived the command"
    # calibrate -j 2 used to take 23 s here: it waited for the tasks its workers were running
    assert took < 10, f"{command} took {took:.1f} s to stop"
