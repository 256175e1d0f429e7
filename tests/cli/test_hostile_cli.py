"""Hostile input on the command line and the output side: one line and an exit status, never a traceback.

Each test runs ``posture`` (in this process, through :func:`sim.cli.main`) on input a user
could give by mistake or on purpose, and checks the exit status and the one line it prints:

* ``--vary`` given twice for one key, or without a key or values; a malformed ``--scheduler``;
* an ``--out`` that is a file, inside a file, or in a read-only folder: refused before
  anything is simulated; a ``runs.sqlite`` there that is not a posture store: refused, never used;
* scenario text with console markup, control characters or mathtext: printed and drawn as
  written; ``MPLBACKEND`` set to nonsense; a file named ``...yaml``.
"""

from __future__ import annotations

import os
import sqlite3
import sys
from pathlib import Path

import pytest
import yaml

from sim.cli import main

ROOT = Path(__file__).resolve().parents[2]
WORKED = ROOT / "scenarios/examples/worked-example.yaml"
FAST = ["--jobs", "1", "--deterministic"]


def _posture(capsys: pytest.CaptureFixture[str], *args: object) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    got = capsys.readouterr()
    return code, got.out, got.err


def _one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


def _hostile(tmp_path: Path, text: str, name: str = "hostile.yaml") -> Path:
    """The worked example with ``text`` in its name, a site name and an event's reason."""
    data = yaml.safe_load(WORKED.read_text())
    data["name"] = text
    data["sites"]["A"]["name"] = text
    data["events"] = [
        {
            "type": "pause",
            "day": 1,
            "days": 1,
            "reason": text,
            "cite": "assumption: hostile text must print as written",
        },
    ]
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    return path


# ----------------------------------------------------------------------------- --vary
@pytest.mark.parametrize(
    ("vary", "says"),
    [
        (["fleets.trucks.count=5,10", "fleets.trucks.count=20,40"], "varied twice"),
        (["fleets.trucks.count=,,,"], "no values for fleets.trucks.count"),
        (["=5"], "expected key=v1,v2"),
        (["fleets.trucks.count="], "no values for fleets.trucks.count"),
    ],
)
def test_bad_vary_is_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, vary: list[str], says: str
) -> None:
    args = [a for v in vary for a in ("--vary", v)]
    code, _, err = _posture(capsys, "sweep", WORKED, *args, "-n", 1, *FAST, "--out", tmp_path / "s")
    assert code == 2
    line = _one_line(err)
    assert line.startswith("posture: --vary: ") and says in line
    assert not (tmp_path / "s").exists()


# ----------------------------------------------------------------------------- --scheduler
@pytest.mark.parametrize("address", ["tcp://", "foo://x:1", "tcp://host:notaport", ":::", "tcp://h:99999"])
def test_malformed_scheduler_is_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, address: str
) -> None:
    code, _, err = _posture(capsys, "run", WORKED, "-n", 2, "--scheduler", address, "--out", tmp_path / "r")
    assert code == 2
    assert _one_line(err).startswith("posture: --scheduler: ")


# ----------------------------------------------------------------------------- --out
def test_out_that_is_a_file_is_refused_before_simulating(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sim.engine.model

    def boom(*_a: object, **_k: object) -> None:
        raise AssertionError("simulated before checking --out")

    monkeypatch.setattr(sim.engine.model, "simulate", boom)
    afile = tmp_path / "afile"
    afile.write_text("x")
    for out in (afile, afile / "inside"):
        code, _, err = _posture(capsys, "run", WORKED, *FAST, "--no-plot", "--out", out)
        assert code == 2
        line = _one_line(err)
        assert "is a file" in line and "give a folder" in line
    assert afile.read_text() == "x"


@pytest.mark.skipif(sys.platform == "win32" or os.geteuid() == 0, reason="root writes anywhere")
def test_out_in_a_read_only_folder_is_refused(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        code, _, err = _posture(
            capsys,
            "sweep",
            WORKED,
            "--vary",
            "fleets.trucks.count=5",
            "-n",
            1,
            *FAST,
            "--out",
            locked / "out",
        )
    finally:
        locked.chmod(0o755)
    assert code == 2
    assert "permission denied" in _one_line(err)


def test_out_without_write_permission_is_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same refusal as a read-only folder, as root too (``os.access`` says no)."""
    access = os.access
    monkeypatch.setattr(os, "access", lambda p, m, **k: Path(p) != tmp_path and access(p, m, **k))
    code, _, err = _posture(capsys, "run", WORKED, *FAST, "--no-plot", "--out", tmp_path / "new" / "out")
    assert code == 2
    line = _one_line(err)
    assert f"cannot write in {tmp_path}" in line and "permission denied" in line
    assert not (tmp_path / "new").exists()


def test_a_write_that_fails_is_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sim.outputs.files

    def full(*_a: object, **_k: object) -> None:
        raise OSError(28, "No space left on device", str(tmp_path / "summary.json"))

    monkeypatch.setattr(sim.outputs.files, "write_text", full)
    monkeypatch.setattr("sim.outputs.report.write_json", lambda *_a, **_k: full())
    code, _, err = _posture(capsys, "run", WORKED, *FAST, "--no-plot", "--out", tmp_path)
    assert code == 1
    assert "No space left on device" in _one_line(err)


# ----------------------------------------------------------------------------- runs.sqlite
@pytest.mark.parametrize("kind", ["garbage", "foreign", "no-meta"])
def test_a_store_that_is_not_ours_is_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, kind: str
) -> None:
    store = tmp_path / "runs.sqlite"
    if kind == "garbage":
        store.write_bytes(b"this is not a database at all" * 100)
    else:
        db = sqlite3.connect(store)
        if kind == "foreign":
            db.execute("CREATE TABLE customers (id INTEGER, name TEXT)")
        else:
            db.executescript(
                "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
                "CREATE TABLE chunks (x); CREATE TABLE runs (y);"
            )
        db.commit()
        db.close()
    before = store.read_bytes()
    code, _, err = _posture(capsys, "run", WORKED, "-n", 2, *FAST, "--no-plot", "--out", tmp_path)
    assert code == 2
    line = _one_line(err)
    assert str(store) in line and "delete it" in line
    assert store.read_bytes() == before


# ----------------------------------------------------------------------------- user text
@pytest.mark.parametrize(
    "text", ["[/]", "[link=https://example.com]click[/link] [bold]x", "\x1b[2J\x1b]0;owned\x07"]
)
def test_user_text_is_printed_as_written(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, text: str
) -> None:
    path = _hostile(tmp_path, text)
    shown = text.replace("\x1b", "\\x1b").replace("\x07", "\\x07")
    code, out, err = _posture(capsys, "validate", path)
    assert (code, err) == (0, "")
    assert shown in out and "\x1b" not in out and "\x07" not in out
    code, out, err = _posture(capsys, "run", path, *FAST, "--no-plot", "--out", tmp_path / "one")
    assert code == 0 and shown in out and "\x1b" not in out
    code, out, err = _posture(capsys, "run", path, "-n", 2, *FAST, "--no-plot", "--out", tmp_path / "many")
    assert code == 0 and shown in out and "\x1b" not in out


def test_problem_lines_escape_control_characters(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _posture(capsys, "validate", WORKED, "--set", "fleets.trucks.\x1b[2J=1")
    assert code == 2
    assert "\\x1b[2J" in _one_line(err) and "\x1b" not in err


def test_score_tables_print_user_text_as_written(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = _hostile(tmp_path, "[/] \x1b[2J")
    data = yaml.safe_load(path.read_text())
    data["milestones"] = [
        {"percent": 100, "date": "2026-01-05", "label": "[/]", "source": "assumption: [/] \x1b[2J as written"}
    ]
    path.write_text(yaml.safe_dump(data))
    code, out, err = _posture(capsys, "score", path, "-n", 2, *FAST, "--no-plot", "--out", tmp_path / "sc")
    assert code == 0, err
    assert "[/] \\x1b[2J" in out and "\x1b" not in out


MATH = r"$\frac{$ a $x^$ \$"


def _mathtext(tmp_path: Path) -> Path:
    path = _hostile(tmp_path, MATH)
    data = yaml.safe_load(path.read_text())
    cite = f"assumption: {MATH} must draw as written"
    data["observations"] = [
        {"date": "2026-01-03", "metric": "equipment", "value": 5, "label": MATH, "source": cite}
    ]
    data["milestones"] = [{"percent": 100, "date": "2026-01-05", "label": MATH, "source": cite}]
    data["sites"]["B"]["name"] = MATH
    path.write_text(yaml.safe_dump(data))
    return path


def test_mathtext_in_user_text_draws_as_written(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = _mathtext(tmp_path)
    for args in (
        ["run", path, *FAST, "--out", tmp_path / "one"],
        ["run", path, "-n", 2, *FAST, "--out", tmp_path / "many"],
        ["sweep", path, "--vary", "fleets.trucks.count=5,10", "-n", 1, *FAST, "--out", tmp_path / "sw"],
        ["score", path, "-n", 2, *FAST, "--out", tmp_path / "sc"],
    ):
        code, _, err = _posture(capsys, *args)
        assert code == 0, err
    # run: gantt, throughput; run -n: closure CDF; sweep; score (no personnel: no troop curve, no fan chart)
    assert len(list(tmp_path.rglob("*.png"))) == 5


def test_a_bogus_mplbackend_still_draws(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MPLBACKEND", "bogus")
    for name in [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")]:
        monkeypatch.delitem(sys.modules, name)
    code, _, err = _posture(capsys, "run", WORKED, *FAST, "--out", tmp_path)
    assert code == 0, err
    assert os.environ["MPLBACKEND"] == "bogus"
    assert sorted(p.name for p in tmp_path.glob("*.png")) == ["gantt.png", "throughput.png"]


# ----------------------------------------------------------------------------- default folder
def test_a_file_named_dots_writes_to_a_safe_default_folder(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    (work / "...yaml").write_text(WORKED.read_text())
    monkeypatch.chdir(work)
    code, _, err = _posture(capsys, "run", "...yaml", *FAST, "--no-plot")
    assert code == 0, err
    assert (work / "results" / "scenario" / "summary.json").is_file()
    assert not (work / "summary.json").exists() and not (tmp_path / "summary.json").exists()
