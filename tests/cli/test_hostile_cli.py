"""Hostile input on the command line and the output side: one line and an exit status, never a traceback.

Each test runs ``posture`` (in this process, through :func:`sim.cli.main`) on input a user
could give by mistake or on purpose, and checks the exit status and the one line it prints:

* ``--vary`` given twice for one key, or without a key or values; a malformed ``--scheduler``;
* an ``--out`` that is a file, inside a file, or in a read-only folder: refused before
  anything is simulated; a ``runs.sqlite`` there that is not a posture store, or whose pages
  are damaged: refused, never used; a store that cannot be written (a full disk): one line;
* scenario text with console markup, control characters or mathtext: printed and drawn as
  written, control characters as their escapes (``\\x07``) in the figures and ``report.html``
  too, never raw on the terminal; ``MPLBACKEND`` set to nonsense; a file named ``...yaml``.
"""

from __future__ import annotations

import os
import re
import sqlite3
import sys
import warnings
from pathlib import Path

import pytest
import yaml

from sim.cli import main
from sim.experiment.plan import StoreError
from sim.experiment.store import RunStore

ROOT = Path(__file__).resolve().parents[2]
WORKED = ROOT / "scenarios/examples/worked-example.yaml"
FAST = ["--jobs", "1", "--deterministic"]
RAW_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
"""A control character as it would reach a terminal (a tab and a line break are allowed)."""


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
def _damage(store: Path, table: str) -> None:
    """Overwrite the header of ``table``'s root page: the SQLite file header stays intact."""
    db = sqlite3.connect(store)
    (root,) = db.execute("SELECT rootpage FROM sqlite_master WHERE name=?", (table,)).fetchone()
    (size,) = db.execute("PRAGMA page_size").fetchone()
    db.close()
    data = bytearray(store.read_bytes())
    data[(root - 1) * size : (root - 1) * size + 64] = b"\xff" * 64
    store.write_bytes(bytes(data))


@pytest.mark.parametrize(
    "kind", ["garbage", "foreign", "no-meta", "damaged-meta", "damaged-chunks", "damaged-runs"]
)
def test_a_store_that_is_not_ours_is_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, kind: str
) -> None:
    store = tmp_path / "runs.sqlite"
    if kind == "garbage":
        store.write_bytes(b"this is not a database at all" * 100)
    elif kind.startswith("damaged-"):
        code, _, err = _posture(capsys, "run", WORKED, "-n", 3, *FAST, "--no-plot", "--out", tmp_path)
        assert code == 0, err
        _damage(store, kind.removeprefix("damaged-"))
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
    assert str(store) in line and "delete it" in line and "--fresh" in line
    assert store.read_bytes() == before
    if kind.startswith("damaged-"):
        assert "is damaged (database disk image is malformed)" in line
        with pytest.raises(StoreError, match="is damaged"):
            RunStore(store)  # the read-only reader refuses it too
    code, _, err = _posture(capsys, "run", WORKED, "-n", 2, *FAST, "--no-plot", "--out", tmp_path, "--fresh")
    assert code == 0, err  # the advice works


def _full_after_opening(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the store's disk full once it is opened: SQLite may grow it by no further page."""
    opened = RunStore._open

    def full(self: RunStore, fingerprint: dict[str, str]) -> sqlite3.Connection:
        db = opened(self, fingerprint)
        (pages,) = db.execute("PRAGMA page_count").fetchone()
        db.execute(f"PRAGMA max_page_count = {pages}")
        return db

    monkeypatch.setattr(RunStore, "_open", full)


@pytest.mark.parametrize("command", ["run", "sweep"])
def test_a_full_disk_while_storing_is_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    _full_after_opening(monkeypatch)
    vary = ["--vary", "fleets.trucks.count=5,10"] if command == "sweep" else []
    code, _, err = _posture(capsys, command, WORKED, *vary, "-n", 30, *FAST, "--no-plot", "--out", tmp_path)
    assert code == 1  # as every write that fails (test_a_write_that_fails_is_one_line)
    assert _one_line(err) == (
        f"posture: cannot write {tmp_path / 'runs.sqlite'}: database or disk is full; "
        "free space or choose another --out"
    )


def test_a_sqlite_error_the_store_did_not_name_is_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full(*_a: object, **_k: object) -> None:
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(RunStore, "write", full)
    code, _, err = _posture(capsys, "run", WORKED, "-n", 3, *FAST, "--no-plot", "--out", tmp_path)
    assert code == 1
    assert _one_line(err) == (
        "posture: cannot write the run store: database or disk is full; free space or choose another --out"
    )


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


@pytest.mark.parametrize("n", [1, 2])
def test_control_characters_in_names_draw_and_report(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, n: int
) -> None:
    """BEL and ESC (``"\\a"``, ``"\\e"`` in the YAML) in the scenario's and a site's name: plots
    and report.html are written, the text shown as escapes; nothing raw reaches the terminal,
    matplotlib's warnings (printed on stderr outside pytest) included."""
    path = _hostile(tmp_path, "Bell\x07 \x1b[2J\x1b]0;owned\x07")
    text = path.read_text()
    assert "\\a" in text and "\\e[2J" in text  # written as YAML escapes
    out_dir = tmp_path / "out"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        code, out, err = _posture(capsys, "run", path, "-n", n, *FAST, "--out", out_dir)
    err += "".join(warnings.formatwarning(w.message, w.category, w.filename, w.lineno) for w in caught)
    assert code == 0, err
    assert "Traceback" not in err
    assert not RAW_CONTROL.search(out + err), repr(out + err)
    pngs = sorted(p.name for p in out_dir.glob("*.png"))
    assert pngs == (["gantt.png", "throughput.png"] if n == 1 else ["closure_cdf.png"]), pngs
    page = (out_dir / "report.html").read_text(encoding="utf-8")
    assert all(f'<figure id="fig-{png.removesuffix(".png")}"><svg ' in page for png in pngs)  # inline
    assert "Bell\\x07 \\x1b[2J\\x1b]0;owned\\x07" in page and not RAW_CONTROL.search(page)


def test_a_control_character_that_reaches_an_svg_is_replaced_not_fatal() -> None:
    """The last guard: text that reached a figure without ``plain`` (matplotlib writes control
    characters into the SVG as they are, which XML forbids) still embeds, as U+FFFD."""
    from sim.outputs.inline_svg import element_of

    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="10pt" height="10pt"><text>a\x07b\x1b[2J</text></svg>'
    )
    element = element_of(svg, "fig", "label")
    assert "a\ufffdb\ufffd[2J" in element and not RAW_CONTROL.search(element)


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


def test_a_5_mb_site_name_is_drawn_clipped_not_for_minutes(tmp_path: Path) -> None:
    # wrapping one 5 MB word for a figure label took ~27 s (textwrap is quadratic in a word's
    # length); figures now draw at most 200 characters of any text
    import time

    from sim.outputs.plot_style import MAX_DRAWN, plain

    from ..unit.test_loader_errors import BASE_TEXT, write

    name = "A" * 5_000_000
    path = write(tmp_path, BASE_TEXT.replace("{name: Site A,", f"{{name: {name},"))
    start = time.process_time()
    assert main(["run", str(path), "--out", str(tmp_path / "out")]) == 0
    took = time.process_time() - start
    assert took < 15.0 * (3 if sys.gettrace() is not None else 1), f"took {took:.1f} s"
    assert {"gantt.png", "throughput.png"} <= {p.name for p in (tmp_path / "out").iterdir()}
    assert (tmp_path / "out" / "report.html").stat().st_size > 0
    assert plain(name) == "A" * (MAX_DRAWN - 1) + "…"
