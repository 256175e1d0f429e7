"""The run store: replication results streamed to a SQLite file as chunks finish.

Why SQLite rather than a Parquet dataset: it is in the standard library (no extra
dependency), and one transaction per chunk makes each chunk either wholly stored or absent,
which is exactly what resuming after Ctrl-C or SIGTERM needs. A chunk's rows and its entry in
the ``chunks`` table are committed together; a resumed run skips every chunk already there.

``meta`` records what the results were computed *from* (a fingerprint of the validated
scenarios, the seed, the chunk size, the deterministic flag). A store whose fingerprint
differs from the current command is stale and is started afresh. The number of replications
is not part of it: raising ``-n`` computes only the new chunks, and lowering it reads the
first ``n``.

Each replication is one row: scalar results as columns, arrays (phase closures, site empty
times, the daily personnel curve) as little-endian binary blobs. Readers stream rows back in
replication order, so memory does not grow with the number of replications except in the
final percentile pass, which reads the curves one block of days at a time.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS chunks (
    point INTEGER NOT NULL, start INTEGER NOT NULL, stop INTEGER NOT NULL,
    session INTEGER NOT NULL, PRIMARY KEY (point, start)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS runs (
    point INTEGER NOT NULL, rep INTEGER NOT NULL, completed INTEGER NOT NULL,
    closure_h REAL, closure95_h REAL, end_h REAL NOT NULL, kernel_events INTEGER NOT NULL,
    phases BLOB NOT NULL, sites BLOB NOT NULL, curve BLOB NOT NULL,
    PRIMARY KEY (point, rep)) WITHOUT ROWID;
"""


@dataclass
class ChunkResult:
    """Compact arrays for a run of consecutive replications of one sweep point."""

    point: int
    start: int
    completed: np.ndarray  # (k,) bool
    closure_h: np.ndarray  # (k,) float, NaN if unfinished
    closure95_h: np.ndarray  # (k,)
    end_h: np.ndarray  # (k,)
    kernel_events: np.ndarray  # (k,) int
    phases_h: np.ndarray  # (k, phases) float, NaN if not closed
    sites_empty_h: np.ndarray  # (k, sites)
    curve: np.ndarray  # (k, days, sites + 1) int32: personnel per site, then on the road

    @property
    def stop(self) -> int:
        """One past the last replication index."""
        return self.start + len(self.completed)


def _f(x: float) -> float | None:
    return None if np.isnan(x) else float(x)


class RunStore:
    """A SQLite file of replication results, safe to resume."""

    def __init__(self, path: Path, fingerprint: dict[str, str]) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self.fresh = False
        self.db = self._open(fingerprint)
        row = self.db.execute("SELECT value FROM meta WHERE key='session'").fetchone()
        self.session = int(row[0]) + 1 if row else 1
        with self.db:
            self.db.execute("INSERT OR REPLACE INTO meta VALUES ('session', ?)", (str(self.session),))

    def _open(self, fingerprint: dict[str, str]) -> sqlite3.Connection:
        db = sqlite3.connect(self.path)
        db.executescript(SCHEMA)
        stored = dict(db.execute("SELECT key, value FROM meta WHERE key != 'session'").fetchall())
        if stored and stored != fingerprint:
            db.close()
            self.path.unlink()
            db = sqlite3.connect(self.path)
            db.executescript(SCHEMA)
            stored = {}
            self.fresh = True
        if not stored:
            with db:
                db.executemany("INSERT INTO meta VALUES (?, ?)", sorted(fingerprint.items()))
        db.execute("PRAGMA synchronous=NORMAL")
        return db

    def done_chunks(self) -> set[tuple[int, int, int]]:
        """``(point, start, stop)`` of every chunk already stored."""
        return {(p, a, b) for p, a, b in self.db.execute("SELECT point, start, stop FROM chunks")}

    def write(self, chunk: ChunkResult) -> None:
        """Store a chunk and mark it done, in one transaction."""
        rows = [
            (
                chunk.point,
                chunk.start + i,
                int(chunk.completed[i]),
                _f(chunk.closure_h[i]),
                _f(chunk.closure95_h[i]),
                float(chunk.end_h[i]),
                int(chunk.kernel_events[i]),
                chunk.phases_h[i].astype("<f8").tobytes(),
                chunk.sites_empty_h[i].astype("<f8").tobytes(),
                chunk.curve[i].astype("<i4").tobytes(),
            )
            for i in range(len(chunk.completed))
        ]
        with self.db:
            self.db.executemany("INSERT OR REPLACE INTO runs VALUES (?,?,?,?,?,?,?,?,?,?)", rows)
            self.db.execute(
                "INSERT OR REPLACE INTO chunks VALUES (?,?,?,?)",
                (chunk.point, chunk.start, chunk.stop, self.session),
            )

    def scalars(
        self, point: int, n: int
    ) -> Iterator[tuple[int, bool, float | None, float | None, float, int, np.ndarray, np.ndarray]]:
        """Rows of one point in replication order, without the curves."""
        q = (
            "SELECT rep, completed, closure_h, closure95_h, end_h, kernel_events, phases, sites "
            "FROM runs WHERE point=? AND rep<? ORDER BY rep"
        )
        for rep, comp, c, c95, end, ev, ph, si in self.db.execute(q, (point, n)):
            yield (rep, bool(comp), c, c95, end, ev, np.frombuffer(ph, "<f8"), np.frombuffer(si, "<f8"))

    def curve_block(self, point: int, n: int, shape: tuple[int, int], days: slice) -> np.ndarray:
        """Personnel curves of replications 0..n-1 of one point for a block of days."""
        q = "SELECT curve FROM runs WHERE point=? AND rep<? ORDER BY rep"
        blocks = [
            np.frombuffer(blob, "<i4").reshape(shape)[days] for (blob,) in self.db.execute(q, (point, n))
        ]
        return np.stack(blocks) if blocks else np.zeros((0, *shape), dtype=np.int32)[:, days]

    def finalize(self) -> None:
        """Rewrite a finished store canonically, so equal results give equal bytes.

        Session markers are cleared and the file is rebuilt with ``VACUUM INTO`` (tables are
        ``WITHOUT ROWID``, so pages follow the primary keys, not the order chunks arrived in).
        """
        with self.db:
            self.db.execute("DELETE FROM meta WHERE key='session'")
            self.db.execute("UPDATE chunks SET session=0")
        tmp = self.path.with_name(f".{self.path.name}.tmp")
        tmp.unlink(missing_ok=True)
        self.db.execute("VACUUM INTO ?", (str(tmp),))
        self.db.close()
        os.replace(tmp, self.path)
        self.db = sqlite3.connect(self.path)

    def close(self) -> None:
        """Close the database."""
        self.db.close()
