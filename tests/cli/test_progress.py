"""Issue #14: long runs show progress (docs/cli.md, "Progress").

The replications bar is drawn only when standard error is a terminal. Under pytest it is
not, so the tests set ``TTY_COMPATIBLE``, the variable by which rich is told that a stream is
(``1``) or is not (``0``) a terminal, and read the escape sequences the bar writes: its
label, replications done out of the total, the rate, and the erase that makes it transient.
A real ``python -m sim`` is started for the terminal, since rich decides whether to redraw
when the console is made, at import.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from sim.cli import main

ROOT = Path(__file__).resolve().parents[2]
WORKED = ROOT / "scenarios/examples/worked-example.yaml"
RANDOM = "fleets.trucks.load_hours={triangular: [1, 2, 4]}"
ARGS = ["--set", RANDOM, "-n", "30", "--chunk", "5", "--jobs", "1", "--no-plot"]


def _stderr(capsys: pytest.CaptureFixture[str], *args: object) -> str:
    code = main([str(a) for a in args])
    err = capsys.readouterr().err
    assert code == 0, err
    return err


@pytest.mark.parametrize(("command", "label"), [("run", "replications"), ("sweep", "2 points")])
def test_a_terminal_sees_the_replications_bar(tmp_path: Path, command: str, label: str) -> None:
    vary = ["--vary", "fleets.trucks.count=10,20"] if command == "sweep" else []
    env = {**os.environ, "TTY_COMPATIBLE": "1", "TERM": "xterm-256color", "COLUMNS": "100"}
    argv = [sys.executable, "-m", "sim", command, str(WORKED), *vary, *ARGS, "--out", str(tmp_path)]
    done = subprocess.run(argv, env=env, capture_output=True, timeout=120)
    err = done.stderr.decode()  # as bytes: the bar's carriage returns kept
    assert done.returncode == 0, err
    total = 60 if command == "sweep" else 30
    assert f"{label} " in err and f"{total}/{total}" in err, err
    drawings = [d for d in re.split(r"[\r\n]", err) if d.startswith(f"\x1b[2K{label} ")]
    assert drawings, err  # redrawn in place (erase the line, draw it again) as chunks finish
    assert f"{total}/{total}" in drawings[-1] and " rep/s " in drawings[-1]
    assert err.endswith("\x1b[1A\x1b[2K")  # transient: gone when the run ends
    assert "Traceback" not in err


def test_redirected_output_stays_clean(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("TTY_COMPATIBLE", "0")
    err = _stderr(capsys, "run", WORKED, *ARGS, "--out", tmp_path)
    assert err == ""


def test_the_bar_label_is_shown_as_written(monkeypatch: pytest.MonkeyPatch) -> None:
    # score labels its bar with a file name: markup, format braces and control characters in
    # it are shown as written (escaped), never interpreted
    import io

    from rich.console import Console

    from sim.cli import options

    screen = io.StringIO()
    monkeypatch.setattr(options, "err", Console(file=screen, force_terminal=True, width=100))
    with options.progress_bar("[bold]{0}\x1b]0;owned\a.yaml") as update:
        update(1, 2)
    shown = screen.getvalue()
    assert "[bold]{0}\\x1b]0;owned\\x07.yaml" in shown
    assert "\x1b]0;owned" not in shown and "\a" not in shown
