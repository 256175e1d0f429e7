"""Issue #14: a killed run leaves no workers behind, and a store's bytes do not depend on its
history (docs/reliability.md)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil  # installed with the test extra (a dependency of dask.distributed)
import pytest

from sim.experiment.runner import _alive

ROOT = Path(__file__).resolve().parents[2]
SYRIA = ROOT / "scenarios/syria-2026.yaml"
WORKED = ROOT / "scenarios/examples/worked-example.yaml"


def _gone(proc: psutil.Process) -> bool:
    """Dead, or a zombie its new parent has not reaped yet (it computes nothing)."""
    try:
        return proc.status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def _kill_all(procs: list[psutil.Process]) -> None:
    for proc in procs:
        with contextlib.suppress(psutil.NoSuchProcess):
            proc.kill()


@pytest.mark.slow  # a real 2-worker run of the flagship, killed once its workers are up
def test_workers_exit_when_the_run_is_killed(tmp_path: Path) -> None:
    cmd = [sys.executable, "-m", "sim.cli", "run", str(SYRIA), "-n", "2000", "--jobs", "2", "--no-plot"]
    with (tmp_path / "stderr.txt").open("wb") as err:
        run = subprocess.Popen([*cmd, "--out", str(tmp_path / "out")], stdout=subprocess.DEVNULL, stderr=err)
    workers: list[psutil.Process] = []
    try:
        parent = psutil.Process(run.pid)
        deadline = time.monotonic() + 120
        while len(workers) < 2:
            if run.poll() is not None:
                pytest.fail(f"the run ended (exit {run.returncode}) before its workers started")
            if time.monotonic() > deadline:
                pytest.fail("the run's two workers did not start within 120 s")
            time.sleep(0.1)
            workers = [p for p in parent.children() if not _gone(p)]
        time.sleep(1.0)  # let them pick up chunks: busy workers are the case that lingered
        assert all(not _gone(w) for w in workers), "a worker ended on its own"

        os.kill(run.pid, signal.SIGKILL)
        run.wait(timeout=30)
        killed = time.monotonic()
        while time.monotonic() - killed < 5 and not all(_gone(w) for w in workers):
            time.sleep(0.05)
        left = [w.pid for w in workers if not _gone(w)]
        assert not left, f"workers {left} still running 5 s after the run was killed"
    finally:
        if run.poll() is None:
            run.kill()
            run.wait(timeout=30)
        _kill_all(workers)


def test_alive_counts_a_zombie_as_gone() -> None:
    assert _alive(os.getpid())
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    try:
        deadline = time.monotonic() + 30
        while not _gone(psutil.Process(child.pid)) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert not _alive(child.pid)  # exited, not yet reaped
    finally:
        child.wait(timeout=30)
    assert not _alive(child.pid)


def _run(n: int, out: Path) -> None:
    cmd = [sys.executable, "-m", "sim.cli", "run", str(WORKED), "-n", str(n), "--jobs", "1", "--no-plot"]
    subprocess.run([*cmd, "--out", str(out)], check=True, capture_output=True, timeout=300)


def test_extended_store_is_byte_identical_to_a_fresh_one(tmp_path: Path) -> None:
    extended, fresh = tmp_path / "extended", tmp_path / "fresh"
    _run(20, extended)
    _run(40, extended)
    _run(40, fresh)
    a, b = (extended / "runs.sqlite").read_bytes(), (fresh / "runs.sqlite").read_bytes()
    assert a[:100] == b[:100], "the SQLite headers differ (schema cookie, change counter...)"
    assert a == b
