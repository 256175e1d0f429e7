"""Issue #14, integrity: each chunk of ``runs.sqlite`` carries a checksum; a store whose rows
were changed is refused with one line (exit 2) and left as it is; an old-format store is
started afresh (docs/results.md, runs.sqlite; docs/reliability.md)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from sim.cli import main
from sim.experiment.plan import StoreError
from sim.experiment.store import RunStore

ROOT = Path(__file__).resolve().parents[2]
WORKED = ROOT / "scenarios/examples/worked-example.yaml"
RUN = ["run", str(WORKED), "-n", "6", "--chunk", "4", "--jobs", "1", "--deterministic", "--no-plot"]


def _posture(capsys: pytest.CaptureFixture[str], out: Path) -> tuple[int, str, str]:
    code = main([*RUN, "--out", str(out)])
    got = capsys.readouterr()
    return code, got.out, got.err


def _store(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> Path:
    code, _, err = _posture(capsys, tmp_path)
    assert code == 0, err
    return tmp_path / "runs.sqlite"


def _edit(store: Path, sql: str) -> None:
    db = sqlite3.connect(store)
    with db:
        db.execute(sql)
    db.close()


def _flip_curve_byte(store: Path, rep: int) -> None:
    db = sqlite3.connect(store)
    (blob,) = db.execute("SELECT curve FROM runs WHERE point=0 AND rep=?", (rep,)).fetchone()
    changed = bytearray(blob)
    changed[len(changed) // 2] ^= 0x01
    with db:
        db.execute("UPDATE runs SET curve=? WHERE point=0 AND rep=?", (bytes(changed), rep))
    db.close()


@pytest.mark.parametrize(
    ("tamper", "where"),
    [
        (lambda s: _flip_curve_byte(s, 5), "replications 4..5 of point 0"),
        (lambda s: _edit(s, "UPDATE runs SET closure_h = closure_h + 1 WHERE rep = 1"), "replications 0..3"),
        (lambda s: _edit(s, "DELETE FROM runs WHERE rep = 2"), "replications 0..3"),
    ],
    ids=["curve-byte", "closure", "missing-row"],
)
def test_a_tampered_store_is_refused_and_left_untouched(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, tamper: object, where: str
) -> None:
    store = _store(capsys, tmp_path)
    assert callable(tamper)
    tamper(store)
    before = store.read_bytes()
    code, _, err = _posture(capsys, tmp_path)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    assert str(store) in lines[0] and where in lines[0] and "checksum" in lines[0] and "delete it" in lines[0]
    assert store.read_bytes() == before
    with pytest.raises(StoreError, match="checksum"):
        RunStore(store)  # the read-only reader refuses it too


def test_an_untampered_store_resumes(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    store = _store(capsys, tmp_path)
    before = store.read_bytes()
    code, out, err = _posture(capsys, tmp_path)
    assert code == 0, err
    assert "resuming: 6 of 6" in err + out
    assert store.read_bytes() == before
    db = sqlite3.connect(store)
    sums = db.execute("SELECT checksum FROM chunks ORDER BY point, start").fetchall()
    db.close()
    assert len(sums) == 2 and all(len(s) == 64 for (s,) in sums)


def test_a_previous_format_store_is_started_afresh(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    store = _store(capsys, tmp_path)
    fresh = store.read_bytes()
    db = sqlite3.connect(store)  # what format 2 wrote: no checksum column
    with db:
        db.executescript(
            "CREATE TABLE old AS SELECT point, start, stop, session FROM chunks; DROP TABLE chunks;"
            "CREATE TABLE chunks (point INTEGER NOT NULL, start INTEGER NOT NULL, stop INTEGER NOT NULL,"
            " session INTEGER NOT NULL, PRIMARY KEY (point, start)) WITHOUT ROWID;"
            "INSERT INTO chunks SELECT * FROM old; DROP TABLE old;"
            "UPDATE meta SET value = '2' WHERE key = 'format';"
        )
    db.close()
    code, out, err = _posture(capsys, tmp_path)
    assert code == 0, err
    assert "starting afresh" in err + out
    assert store.read_bytes() == fresh
