"""The run store: replication results streamed to a SQLite file as chunks finish.

Why SQLite rather than a Parquet dataset: it is in the standard library (no extra
dependency), and one transaction per chunk makes each chunk either wholly stored or absent,
which is exactly what resuming after Ctrl-C or SIGTERM needs. A chunk's rows and its entry in
the ``chunks`` table are committed together; a resumed run skips every chunk already there.

``meta`` records what the results were computed *from* (a fingerprint of the validated
scenarios, the seed, the chunk size, the deterministic flag, the columns). A store whose
fingerprint differs from the current command is stale and is started afresh. The number of
replications is not part of it: raising ``-n`` computes only the new chunks, and lowering it
reads the first ``n``.

Each chunk carries a checksum (:func:`_digest`: SHA-256 of its rows in key order), written in
the transaction that stores its rows. Opening an existing store checks every chunk against
it, before anything is written, and refuses a store whose rows were changed
(:class:`StoreError`), so a tampered store is reported and never silently used.

Every SQLite error on a store becomes one of two things a user can act on
(:func:`failure`): a damaged or foreign file is a :class:`StoreError` (refused; delete it or
use ``--fresh``), a write the disk would not take (full, read-only, locked, an I/O error) is
an :class:`OSError` naming the file (the command line prints ``cannot write PATH: ...``).

Each replication is one row of ``runs``, whose columns are those declared in
:mod:`.columns`: scalars as SQL columns, arrays (phase closures, site empty times, the daily
personnel curve) as little-endian binary blobs. Readers ask for columns by name and get them
back in replication order, so memory does not grow with the number of replications except in
the final percentile pass, which reads the curves one block of days at a time
(:meth:`RunStore.block`).
"""

from __future__ import annotations

import errno
import hashlib
import os
import sqlite3
import struct
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

import numpy as np

from .columns import COLUMNS, DAILY, Column, column
from .plan import StoreError


def _sql_type(c: Column) -> str:
    if c.shape != "scalar":
        return "BLOB NOT NULL"
    sql = "REAL" if np.dtype(c.dtype).kind == "f" else "INTEGER"
    return sql if c.nullable else f"{sql} NOT NULL"


def _blob_dtype(c: Column) -> np.dtype[Any]:
    return np.dtype(c.dtype).newbyteorder("<")


SCHEMA = f"""
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS chunks (
    point INTEGER NOT NULL, start INTEGER NOT NULL, stop INTEGER NOT NULL,
    session INTEGER NOT NULL, checksum TEXT NOT NULL, PRIMARY KEY (point, start)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS runs (
    point INTEGER NOT NULL, rep INTEGER NOT NULL,
    {", ".join(f"{c.name} {_sql_type(c)}" for c in COLUMNS)},
    PRIMARY KEY (point, rep)) WITHOUT ROWID;
"""
_INSERT = f"INSERT OR REPLACE INTO runs VALUES (?, ?, {', '.join('?' for _ in COLUMNS)})"


_TABLES = {"meta", "chunks", "runs"}
_FRESH = "delete it (or run again with --fresh, or choose another --out) to start afresh"
_FULL = "free space or choose another --out"


def failure(path: Path, exc: sqlite3.Error) -> Exception:
    """What a SQLite error on the store at ``path`` means to a user, as the exception to raise.

    A damaged file (``database disk image is malformed``) or one that is not SQLite is a
    :class:`StoreError` saying how to start afresh; a full disk, a read-only file, a lock held
    by another command or an I/O error is an :class:`OSError` naming the file. Errors that are
    neither (a bug in posture, such as a malformed query) are returned unchanged.
    """
    code = getattr(exc, "sqlite_errorcode", None)
    primary = code & 0xFF if isinstance(code, int) else None
    text = str(exc)
    if primary == sqlite3.SQLITE_NOTADB or "not a database" in text:
        return StoreError(f"{path} is not a posture run store ({text}); {_FRESH}")
    if primary == sqlite3.SQLITE_CORRUPT or "malformed" in text:
        return StoreError(f"{path} is damaged ({text}); {_FRESH}")
    if primary == sqlite3.SQLITE_FULL or "full" in text:
        return OSError(errno.ENOSPC, f"{text}; {_FULL}", str(path))
    if primary in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED) or "locked" in text:
        return OSError(
            errno.EBUSY,
            f"{text} (is another posture command using it?); wait or choose another --out",
            str(path),
        )
    if isinstance(exc, sqlite3.OperationalError):
        return OSError(errno.EIO, f"{text}; check the disk or choose another --out", str(path))
    if type(exc) is sqlite3.DatabaseError:
        return StoreError(f"{path} is not a readable posture run store ({text}); {_FRESH}")
    return exc


@contextmanager
def _sqlite(path: Path) -> Iterator[None]:
    """Raise what a SQLite error inside the block means (:func:`failure`), never the error itself."""
    try:
        yield
    except sqlite3.Error as exc:
        raise failure(path, exc) from None


def _check_ours(db: sqlite3.Connection, path: Path, *, empty: bool = True) -> None:
    """Refuse a database that is not a posture store (:class:`StoreError`), or is empty
    unless ``empty``.

    A file that is not SQLite raises :class:`sqlite3.DatabaseError` here, on first read.
    """
    tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    if not tables and not empty:
        raise StoreError(f"{path} is an empty SQLite database, not a posture run store; {_FRESH}")
    if not tables:
        return
    if not tables >= _TABLES or tables - _TABLES:
        found = ", ".join(sorted(tables))
        raise StoreError(
            f"{path} is a SQLite database but not a posture run store (tables: {found}); {_FRESH}"
        )
    if not db.execute("SELECT COUNT(*) FROM meta WHERE key != 'session'").fetchone()[0]:
        raise StoreError(f"{path} is a posture run store without its meta records; {_FRESH}")


@dataclass
class ChunkResult:
    """Consecutive replications ``start..stop-1`` of one point, as compact arrays.

    ``values`` maps each declared column to an array of shape ``(stop - start, *shape)``.
    """

    point: int
    start: int
    stop: int
    values: dict[str, np.ndarray]

    def __len__(self) -> int:
        return self.stop - self.start


def _encode(c: Column, value: Any) -> Any:
    """One replication's value as SQLite stores it."""
    if c.shape != "scalar":
        return np.asarray(value).astype(_blob_dtype(c)).tobytes()
    kind = np.dtype(c.dtype).kind
    if kind == "f":
        return None if np.isnan(value) else float(value)
    return int(value)


def _decode(c: Column, raw: Any) -> Any:
    if c.shape != "scalar":
        return np.frombuffer(raw, _blob_dtype(c))
    if raw is None:
        return np.nan
    return bool(raw) if np.dtype(c.dtype).kind == "b" else raw


def _digest(db: sqlite3.Connection, point: int, start: int, stop: int) -> str:
    """SHA-256 (hex) of a chunk's rows of ``runs`` as SQLite returns them, in key order.

    Each value is hashed with its type, so a changed, added or removed row, or a changed
    type, changes the digest. Read back through SQLite both when a chunk is written (inside
    its transaction) and when it is checked, so the digest never depends on how a value was
    handed to SQLite.
    """
    h = hashlib.sha256(struct.pack("<3q", point, start, stop))
    query = "SELECT * FROM runs WHERE point=? AND rep>=? AND rep<? ORDER BY rep"
    for row in db.execute(query, (point, start, stop)):
        for v in row:
            if v is None:
                h.update(b"n")
            elif isinstance(v, float):
                h.update(b"f" + struct.pack("<d", v + 0.0))  # -0.0 may come back as 0.0
            elif isinstance(v, int):
                h.update(b"i" + struct.pack("<q", v))
            else:
                raw = v if isinstance(v, bytes) else str(v).encode()
                h.update(b"b" if isinstance(v, bytes) else b"s")
                h.update(struct.pack("<Q", len(raw)) + raw)
    return h.hexdigest()


def _verify(db: sqlite3.Connection, path: Path) -> None:
    """Refuse (:class:`StoreError`) a store whose rows do not match a chunk's checksum.

    Every page of ``meta`` and ``chunks`` and every stored chunk's rows are read, so damage is found
    here rather than later, part way through a command.
    """
    with _sqlite(path):
        db.execute("SELECT key, value FROM meta").fetchall()
        query = "SELECT point, start, stop, checksum FROM chunks ORDER BY point, start"
        chunks = db.execute(query).fetchall()
        for point, start, stop, checksum in chunks:
            if _digest(db, point, start, stop) != checksum:
                raise StoreError(
                    f"{path} was changed after it was written: replications {start}..{stop - 1} "
                    f"of point {point} do not match their checksum; {_FRESH}"
                )


_ORDER = {"meta": "key", "chunks": "point, start", "runs": "point, rep"}


def _rebuild(source: Path, target: Path) -> None:
    """Copy a store into a new file whose bytes depend only on its rows.

    A fixed sequence of transactions on a new database: the schema (so the schema cookie and
    the change counter in the header are always the same), then the rows of each table in
    primary-key order (so pages, rowids and free space do not depend on the order in which
    chunks arrived or were replaced).
    """
    db = sqlite3.connect(target)
    try:
        db.executescript(SCHEMA)
        db.execute("ATTACH DATABASE ? AS src", (str(source),))
        with db:
            for table, key in _ORDER.items():
                db.execute(f"INSERT INTO main.{table} SELECT * FROM src.{table} ORDER BY {key}")
        db.execute("DETACH DATABASE src")
    except BaseException:
        db.close()
        target.unlink(missing_ok=True)
        raise
    db.close()


class RunStore:
    """A SQLite file of replication results, safe to resume.

    With a ``fingerprint`` (what the results are computed from), the store is opened for
    writing: created if missing, started afresh if it holds another experiment. Without one,
    an existing store is opened read-only, as it is. ``path=None`` keeps the file in a
    temporary folder that :meth:`close` removes. A store is a context manager that closes it.
    """

    def __init__(self, path: Path | str | None, fingerprint: dict[str, str] | None = None) -> None:
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        if path is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="posture-")
            self.path = Path(self._tmp.name) / "runs.sqlite"
        else:
            self.path = Path(path)
        self.fresh = False
        self.session = 0
        if fingerprint is None:
            if not self.path.is_file():
                raise FileNotFoundError(f"no run store at {self.path}")
            with _sqlite(self.path):
                self.db = sqlite3.connect(self.path.resolve().as_uri() + "?mode=ro", uri=True)
            try:
                with _sqlite(self.path):
                    _check_ours(self.db, self.path, empty=False)
            except BaseException:
                self.db.close()
                raise
            self._checked()
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = self._open(fingerprint)
        self._checked()
        try:
            with _sqlite(self.path):
                row = self.db.execute("SELECT value FROM meta WHERE key='session'").fetchone()
                self.session = int(row[0]) + 1 if row else 1
                with self.db:
                    self.db.execute("INSERT OR REPLACE INTO meta VALUES ('session', ?)", (str(self.session),))
        except BaseException:
            self.db.close()
            raise

    def _checked(self) -> None:
        """Check every chunk against its checksum (:func:`_verify`); close the store if one fails."""
        try:
            _verify(self.db, self.path)
        except BaseException:
            self.db.close()
            raise

    def _open(self, fingerprint: dict[str, str]) -> sqlite3.Connection:
        """The store opened for writing: checked to be ours, started afresh if it is stale."""
        with _sqlite(self.path):
            db = sqlite3.connect(self.path)
        try:
            with _sqlite(self.path):
                _check_ours(db, self.path)
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
        except BaseException:
            db.close()
            raise
        return db

    def meta(self) -> dict[str, str]:
        """What the stored results were computed from."""
        with _sqlite(self.path):
            return dict(self.db.execute("SELECT key, value FROM meta").fetchall())

    def done_chunks(self) -> set[tuple[int, int, int]]:
        """``(point, start, stop)`` of every chunk already stored."""
        with _sqlite(self.path):
            return {(p, a, b) for p, a, b in self.db.execute("SELECT point, start, stop FROM chunks")}

    def write(self, chunk: ChunkResult) -> None:
        """Store a chunk and mark it done, with its checksum, in one transaction."""
        arrays = [chunk.values[c.name] for c in COLUMNS]
        rows = [
            (chunk.point, chunk.start + i, *(_encode(c, a[i]) for c, a in zip(COLUMNS, arrays, strict=True)))
            for i in range(len(chunk))
        ]
        point, start, stop = int(chunk.point), int(chunk.start), int(chunk.stop)
        with _sqlite(self.path), self.db:
            self.db.executemany(_INSERT, rows)
            self.db.execute(
                "INSERT OR REPLACE INTO chunks VALUES (?,?,?,?,?)",
                (point, start, stop, self.session, _digest(self.db, point, start, stop)),
            )

    def read(
        self,
        point: int,
        n: int,
        names: Sequence[str] | None = None,
        shapes: Mapping[str, tuple[int, ...]] | None = None,
    ) -> dict[str, np.ndarray]:
        """Columns of replications ``0..n-1`` of one point, in replication order.

        ``names`` defaults to every column but the curve (read it with :meth:`block`). Each
        array has one row per replication; ``"rep"`` holds the replication indices. Arrays are
        ``(n, *shapes[name])`` when ``shapes`` gives the name, else flat per replication.
        """
        cols = (
            [column(name) for name in names]
            if names is not None
            else [c for c in COLUMNS if c.shape not in DAILY]
        )
        query = (
            f"SELECT rep{''.join(f', {c.name}' for c in cols)} FROM runs WHERE point=? AND rep<? ORDER BY rep"
        )
        lists: list[list[Any]] = [[] for _ in range(len(cols) + 1)]
        with _sqlite(self.path):
            for row in self.db.execute(query, (point, n)):
                lists[0].append(row[0])
                for j, c in enumerate(cols, start=1):
                    lists[j].append(_decode(c, row[j]))
        out = {"rep": np.array(lists[0], dtype=np.int64)}
        for c, values in zip(cols, lists[1:], strict=True):
            shape = (shapes or {}).get(c.name)
            if c.shape == "scalar":
                out[c.name] = np.array(values, dtype=c.dtype)
            elif values and shape is not None and 0 in shape:
                out[c.name] = np.zeros((len(values), *shape), dtype=c.dtype)
            elif values:
                stacked = np.stack(values)
                out[c.name] = stacked if shape is None else stacked.reshape(-1, *shape)
            else:
                out[c.name] = np.zeros((0, *(shape or (0,))), dtype=c.dtype)
        return out

    def block(self, point: int, n: int, name: str, shape: tuple[int, ...], rows: slice) -> np.ndarray:
        """One array column of replications ``0..n-1``, each cut to ``[rows]``: a block of days.

        Each replication's blob is copied into the block as it is read and then let go, so the
        memory needed is the block's, not the whole column's.
        """
        cut = (len(range(shape[0])[rows]), *shape[1:])
        out = np.empty((n, *cut), dtype=column(name).dtype)
        k = 0
        for k, array in enumerate(self.arrays(point, n, name, shape), start=1):
            out[k - 1] = array[rows]
        return out[:k]

    def arrays(self, point: int, n: int, name: str, shape: tuple[int, ...]) -> Iterator[np.ndarray]:
        """Each of replications ``0..n-1``'s array of one column, in order, read one at a time."""
        c = column(name)
        query = f"SELECT {c.name} FROM runs WHERE point=? AND rep<? ORDER BY rep"
        with _sqlite(self.path):
            for (blob,) in self.db.execute(query, (point, n)):
                yield np.frombuffer(blob, _blob_dtype(c)).reshape(shape)

    def finalize(self) -> None:
        """Rewrite a finished store canonically, so equal results give equal bytes.

        Session markers are cleared and the file is rebuilt from scratch (:func:`_rebuild`):
        a new database gets the schema in its fixed order, then every table's rows in
        primary-key order, so the file depends only on the results, never on how many
        sessions wrote them (``VACUUM INTO`` would carry the old file's schema cookie over).
        """
        tmp = self.path.with_name(f".{self.path.name}.tmp")
        with _sqlite(self.path):
            with self.db:
                self.db.execute("DELETE FROM meta WHERE key='session'")
                self.db.execute("UPDATE chunks SET session=0")
            tmp.unlink(missing_ok=True)
            _rebuild(self.path, tmp)
            self.db.close()
            os.replace(tmp, self.path)
            self.db = sqlite3.connect(self.path)

    def close(self) -> None:
        """Close the database (and remove it if it lived in a temporary folder)."""
        self.db.close()
        if self._tmp is not None:
            self._tmp.cleanup()

    def __enter__(self) -> RunStore:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
