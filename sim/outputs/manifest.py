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
the run. :func:`verify` (``posture verify DIR``, ``sim.verify``) checks every file it lists,
and a run store it does not list (``kept``) against the store's own chunk checksums;
:func:`vouch` checks one file posture reads back (a frozen ``forecast.json``) against the
manifest beside it. A manifest that is missing, not JSON or not a manifest raises
:class:`ManifestError`: nothing can then be checked.

A manifest catches files changed by accident or by a tool after the run. It is not a
signature: whoever edits a file and its manifest entry together is not detected.
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


def _within(folder: Path, name: str) -> Path | None:
    """``folder / name`` if it stays inside ``folder`` (``None`` for ``../x`` or ``/etc/x``)."""
    try:
        return inside(folder, name)
    except (ValueError, OSError):
        return None


def previous_files(out_dir: Path) -> list[str]:
    """The files a previous run left in ``out_dir``: its manifest's list, or posture's names.

    A listed path that would lie outside the folder is left out: nothing outside is touched.
    """
    listed: list[str] = []
    try:
        data = json.loads((out_dir / MANIFEST).read_text(encoding="utf-8"))
        listed = [str(f["path"]) for f in data.get("files", []) if isinstance(f, dict) and "path" in f]
    except (OSError, ValueError, AttributeError, TypeError):
        listed = []
    return sorted({name for name in {*listed, *POSTURE_FILES} if _within(out_dir, name) is not None})


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


class ManifestError(Exception):
    """A ``manifest.json`` that cannot vouch for anything: missing, not JSON, not a manifest."""


@dataclass(frozen=True)
class Mismatch:
    """A file that does not match the manifest: its ``path`` (relative) and ``what`` is wrong."""

    path: str
    what: str

    def __str__(self) -> str:
        return f"{self.path}: {self.what}"


@dataclass(frozen=True)
class Verification:
    """What :func:`verify` found: ``files`` listed in the manifest, and every ``problem``.

    ``store``: a run store the manifest does not list (``kept``) was checked against its own
    chunk checksums. ``ok`` when nothing is wrong.
    """

    folder: Path
    files: int
    problems: tuple[Mismatch, ...] = ()
    store: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems


def read_manifest(out_dir: Path | str) -> list[dict[str, Any]]:
    """The ``files`` entries of the manifest in ``out_dir``, each with a ``path`` and a ``sha256``.

    Raises :class:`ManifestError` (one line, naming the file) when there is none to read.
    """
    folder = Path(out_dir)
    path = folder / MANIFEST
    if not folder.is_dir():
        what = "is a file, not a folder" if folder.exists() else "does not exist"
        raise ManifestError(f"{folder} {what}; give a results folder (the one holding {MANIFEST})")
    if not path.is_file():
        raise ManifestError(
            f"{folder} has no {MANIFEST}, so nothing in it can be checked; "
            "give a folder written by a posture command"
        )
    redo = "run the command that wrote the folder again"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise ManifestError(f"{path}: not UTF-8 text, so it cannot vouch for the files; {redo}") from None
    except json.JSONDecodeError as exc:
        raise ManifestError(
            f"{path}:{exc.lineno}: not valid JSON ({exc.msg}, column {exc.colno}); "
            f"it cannot vouch for the files; {redo}"
        ) from None
    except OSError as exc:
        raise ManifestError(f"{path}: cannot be read ({exc.strerror or exc}); {redo}") from None
    files = data.get("files") if isinstance(data, dict) else None
    if not isinstance(files, list):
        raise ManifestError(f"{path}: files: missing or not a list, so it is not a posture manifest; {redo}")
    for i, entry in enumerate(files):
        if not (
            isinstance(entry, dict)
            and isinstance(entry.get("path"), str)
            and isinstance(entry.get("sha256"), str)
        ):
            raise ManifestError(f"{path}: files[{i}]: expected a path and a sha256; {redo}")
    return files


def _mismatch(folder: Path, entry: Mapping[str, Any]) -> Mismatch | None:
    name = str(entry["path"])
    path = _within(folder, name)
    if path is None:
        return Mismatch(name, "listed in manifest.json but outside the folder (the manifest was changed)")
    if not path.is_file():
        return Mismatch(name, "missing")
    size = entry.get("bytes")
    if (isinstance(size, int) and path.stat().st_size != size) or sha256(path) != entry["sha256"]:
        return Mismatch(name, "changed since the run (SHA-256 differs)")
    return None


def _store_problem(folder: Path) -> Mismatch | None:
    """What is wrong with a run store that the manifest does not list (its chunk checksums)."""
    from ..experiment.plan import StoreError
    from ..experiment.store import RunStore

    path = folder / STORE
    try:
        RunStore(path).close()
    except StoreError as exc:
        return Mismatch(STORE, str(exc).removeprefix(f"{path} "))
    except OSError as exc:
        return Mismatch(STORE, f"cannot be read ({exc.strerror or exc})")
    return None


def verify(out_dir: Path | str) -> Verification:
    """Check every file the manifest in ``out_dir`` lists (size and SHA-256), and a kept store.

    Raises :class:`ManifestError` if the manifest is missing or unreadable.
    """
    folder = Path(out_dir)
    files = read_manifest(folder)
    problems = [m for entry in files if (m := _mismatch(folder, entry)) is not None]
    listed = {str(entry["path"]) for entry in files}
    store = (folder / STORE).is_file() and STORE not in listed
    if store and (m := _store_problem(folder)) is not None:
        problems.append(m)
    return Verification(folder, len(files), tuple(problems), store)


def check(out_dir: Path) -> list[str]:
    """What no longer matches the manifest in ``out_dir``: one line per missing or changed file."""
    return [str(m) for m in verify(out_dir).problems]


def vouch(path: Path | str) -> str | None:
    """What is wrong with ``path`` if the ``manifest.json`` beside it lists it with another
    SHA-256 (``None``: unchanged, or not listed, or no manifest there).

    For a file posture reads back, such as a frozen ``forecast.json``. A manifest there that
    cannot be read raises :class:`ManifestError`: it cannot vouch for the file.
    """
    file = Path(path)
    folder = file.resolve().parent
    if not file.is_file() or not (folder / MANIFEST).is_file():
        return None
    for entry in read_manifest(folder):
        if _within(folder, str(entry["path"])) == file.resolve():
            m = _mismatch(folder, entry)
            return None if m is None else f"{file}: {m.what}, so {folder / MANIFEST} does not vouch for it"
    return None
