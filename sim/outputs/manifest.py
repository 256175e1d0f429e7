"""The manifest of an output folder: what made its files, and what they are.

Every command that writes results finishes by writing ``manifest.json`` in its folder. It
says how to make the files again and how to check them:

* ``posture_version`` and, where posture runs from a git checkout, ``git_commit``;
* ``command`` (the command name), ``argv`` (the command line as typed, when known) and
  ``options`` (every option's value after defaults, ``--set``, ``--event`` and
  ``--parameters`` included);
* ``scenarios``: each scenario file with the SHA-256 of its bytes;
* ``seed``, ``n``, ``deterministic`` and ``parameters`` (``"priors"`` or the posterior file
  and its SHA-256), from the run plan;
* ``started`` and ``finished`` (UTC, ISO 8601);
* ``files``: every file written, with its size and SHA-256 (the manifest itself excepted);
* ``removed``: the files of a previous run in this folder that this run did not write, and
  that were therefore deleted; ``kept``: a run store (``runs.sqlite``) this command did not
  use, which is kept for resuming (``--fresh`` discards it).

**A run owns its output folder.** Before writing the manifest, :func:`finish` deletes what a
previous run left that this one did not write: the files the previous manifest lists and,
for folders written before manifests, the file names posture writes. Nothing else is
touched, so a user's own files in the folder stay. The manifest is written last and
atomically: a folder whose manifest lists a file with another checksum was changed after
the run (:func:`check`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .files import inside, write_json

MANIFEST = "manifest.json"
STORE = "runs.sqlite"
POSTURE_FILES = (
    "summary.json",
    "troop_curve.csv",
    "events.csv",
    "daily.csv",
    "runs.csv",
    "troop_curve_bands.csv",
    "metric_bands.csv",
    "sweep.csv",
    "score.json",
    "troop_curve.png",
    "gantt.png",
    "throughput.png",
    "fan_chart.png",
    "closure_cdf.png",
    "sweep.png",
    "score.png",
    "map.png",
)
"""Files posture wrote before folders had manifests: removed when a new run does not write them."""


@dataclass(frozen=True)
class Trace:
    """What made a folder's files: the command, its options, its inputs and the run plan."""

    command: str
    options: Mapping[str, Any]
    scenarios: Sequence[Path] = ()
    argv: Sequence[str] | None = None
    plan: Mapping[str, Any] = field(default_factory=dict)
    started: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))


def sha256(path: Path) -> str:
    """The SHA-256 (hex) of a file's bytes, read in blocks."""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def git_commit(start: Path | None = None) -> str | None:
    """The commit checked out where posture's source lives, if it is a git checkout.

    Read from ``.git`` directly (no ``git`` process): ``HEAD``, then the ref it names, loose
    or packed. ``None`` outside a checkout, or if anything is unreadable.
    """
    here = (start or Path(__file__)).resolve()
    for folder in here.parents:
        git = folder / ".git"
        if git.is_dir():
            return _resolve_head(git)
    return None


def _resolve_head(git: Path) -> str | None:
    try:
        head = (git / "HEAD").read_text(encoding="utf-8").strip()
        if not head.startswith("ref: "):
            return head or None
        ref = head.removeprefix("ref: ")
        loose = git / ref
        if loose.is_file():
            return loose.read_text(encoding="utf-8").strip() or None
        packed = git / "packed-refs"
        if packed.is_file():
            for line in packed.read_text(encoding="utf-8").splitlines():
                sha, _, name = line.partition(" ")
                if name == ref:
                    return sha
    except (OSError, UnicodeDecodeError):
        return None
    return None


def _jsonable(value: Any) -> Any:
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def previous_files(out_dir: Path) -> list[str]:
    """The files a previous run left in ``out_dir``: its manifest's list, or posture's names."""
    listed: list[str] = []
    try:
        data = json.loads((out_dir / MANIFEST).read_text(encoding="utf-8"))
        listed = [str(f["path"]) for f in data.get("files", []) if isinstance(f, dict) and "path" in f]
    except (OSError, ValueError, AttributeError, TypeError):
        listed = []
    return sorted({*listed, *POSTURE_FILES})


def finish(out_dir: Path, written: Sequence[Path], trace: Trace, *, used_store: bool = False) -> Path:
    """Remove what a previous run left and this one did not write, then write the manifest.

    ``used_store``: this command read or wrote ``runs.sqlite`` (it is then listed with the
    files); otherwise a store in the folder is kept and listed under ``kept``.
    """
    from .. import __version__

    folder = Path(out_dir).resolve()
    mine = {Path(p).resolve() for p in written}
    removed: list[str] = []
    for name in previous_files(folder):
        path = inside(folder, name)
        if path in mine or name in (MANIFEST, STORE) or not path.is_file():
            continue
        path.unlink()
        removed.append(name)
    store = folder / STORE
    files = [Path(p).resolve() for p in written]
    if used_store and store.is_file() and store not in mine:
        files.append(store)
    kept = [STORE] if store.is_file() and not used_store else []
    manifest = {
        "posture_version": __version__,
        "git_commit": git_commit(),
        "command": trace.command,
        "argv": list(trace.argv) if trace.argv is not None else None,
        "options": _jsonable(dict(trace.options)),
        "scenarios": [{"path": str(p), "sha256": sha256(Path(p))} for p in trace.scenarios],
        **_jsonable(dict(trace.plan)),
        "started": trace.started.isoformat(timespec="seconds"),
        "finished": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "files": [
            {"path": p.relative_to(folder).as_posix(), "bytes": p.stat().st_size, "sha256": sha256(p)}
            for p in sorted(set(files))
            if p.is_file() and p.name != MANIFEST
        ],
        "removed": sorted(removed),
        "kept": kept,
    }
    return write_json(inside(folder, MANIFEST), manifest)


def check(out_dir: Path) -> list[str]:
    """What no longer matches the manifest in ``out_dir``: one line per missing or changed file."""
    folder = Path(out_dir)
    data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    problems = []
    for entry in data["files"]:
        path = folder / entry["path"]
        if not path.is_file():
            problems.append(f"{entry['path']}: missing")
        elif sha256(path) != entry["sha256"]:
            problems.append(f"{entry['path']}: changed since the run (SHA-256 differs)")
    return problems
