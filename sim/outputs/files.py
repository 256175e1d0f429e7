"""Writing result files safely: atomically, and only inside the folder the user named.

Every file is written to a temporary name in its final folder, flushed to disk, then renamed
over the target (``os.replace``, atomic on POSIX and Windows). An interrupted run therefore
leaves either the old file or the new one, never half a file. Names are joined to the output
folder and checked to stay inside it, so no scenario name or argument can write elsewhere.
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import IO, Any


def default_out_dir(scenario_path: str | Path) -> Path:
    """``results/<file stem>/`` under the current folder (``results/scenario/`` for a stem of dots)."""
    stem = Path(scenario_path).stem
    return Path("results") / (stem if stem.strip(".") else "scenario")


def out_dir_problem(out_dir: Path | str) -> str | None:
    """What stops result files being written in ``out_dir`` (``None`` if nothing does).

    Checked before anything is simulated: ``out_dir`` must be a folder, or a path whose nearest
    existing parent is a folder this process may write in.
    """
    path = Path(out_dir)
    if path.exists() and not path.is_dir():
        return f"--out {out_dir} is a file, not a folder; give a folder (it is created if missing)"
    existing = path.absolute()
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir():
        return f"--out {out_dir} cannot be made: {existing} is a file; give a folder outside it"
    if not os.access(existing, os.W_OK | os.X_OK):
        return f"--out {out_dir}: cannot write in {existing} (permission denied); give a writable folder"
    return None


def inside(out_dir: Path | str, name: str) -> Path:
    """``out_dir / name``, refusing any name that would land outside ``out_dir``."""
    base = Path(out_dir).resolve()
    target = (base / name).resolve()
    if target.parent != base and base not in target.parents:
        raise ValueError(f"refusing to write {name!r} outside {out_dir}")
    return target


def write_atomic(path: Path, writer: Callable[[IO[bytes]], None]) -> Path:
    """Write ``path`` through ``writer`` into a temporary file, then rename it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.chmod(tmp, 0o666 & ~_umask())
        with os.fdopen(fd, "wb") as fh:
            writer(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_text(path: Path, text: str) -> Path:
    """Atomically write UTF-8 text."""

    def put(fh: IO[bytes]) -> None:
        fh.write(text.encode("utf-8"))

    return write_atomic(path, put)


def write_json(path: Path, data: Any) -> Path:
    """Atomically write JSON (2-space indent, no NaN, trailing newline)."""
    return write_text(path, json.dumps(data, indent=2, allow_nan=False) + "\n")


def csv_text(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """Rows as CSV text; ``None`` becomes an empty cell."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    for row in rows:
        w.writerow(["" if v is None else v for v in row])
    return buf.getvalue()


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Path:
    """Atomically write a CSV table."""
    return write_text(path, csv_text(header, rows))
