"""The source trees under test: the working checkout, or a commit in a temporary worktree.

``--head worktree`` (the default) measures :data:`config.ROOT` as it is on disk, uncommitted
changes included. Any other revision is checked out with ``git worktree add --detach`` into
a fresh temporary directory; :func:`open_trees` removes every worktree it added when it
exits, also on Ctrl-C (``KeyboardInterrupt``) and on SIGTERM or SIGHUP, which it turns into
``KeyboardInterrupt`` for the duration. A worktree is private to this run: nothing in the
main checkout changes, and ``git worktree list`` afterwards shows what it showed before.
"""

from __future__ import annotations

import contextlib
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

from .config import ROOT, WORKTREE


@dataclass(frozen=True)
class Tree:
    """One tree under test."""

    label: str  # "base" or "head"
    rev: str  # as given on the command line ("cf6ead6", "HEAD~3", "worktree")
    root: Path  # its top folder: children put this first on sys.path
    commit: str  # short hash of the commit it is (for the worktree: HEAD)
    dirty: bool  # uncommitted changes under sim/ (the worktree only)

    def describe(self) -> str:
        if self.rev == WORKTREE:
            what = f"working tree at {self.commit}" + (" + uncommitted changes in sim/" if self.dirty else "")
        elif self.commit.startswith(self.rev) or self.rev.startswith(self.commit):
            what = self.commit
        else:
            what = f"{self.rev} = {self.commit}"
        return f"{what} ({self.root})"

    def as_json(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "rev": self.rev,
            "root": str(self.root),
            "commit": self.commit,
            "dirty": self.dirty,
        }


class TreeError(RuntimeError):
    """A revision that cannot be resolved or checked out."""


def _git(*args: str) -> str:
    proc = subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise TreeError(f"git {' '.join(args)}: {proc.stderr.strip() or proc.stdout.strip()}")
    return proc.stdout.strip()


def _short(rev: str) -> str:
    return _git("rev-parse", "--short", f"{rev}^{{commit}}")


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


@contextlib.contextmanager
def _signals_interrupt() -> Iterator[None]:
    """SIGTERM and SIGHUP raise KeyboardInterrupt inside the block, so cleanup runs."""
    previous = {s: signal.signal(s, _interrupt) for s in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


def _compile(root: Path) -> None:
    """Byte-compile a tree's ``sim`` once, so no measurement pays for it."""
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", str(root / "sim")],
        capture_output=True,
        check=False,
    )


def _remove(path: Path) -> None:
    proc = subprocess.run(
        ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:  # the folder may be half gone already: drop the registration
        shutil.rmtree(path, ignore_errors=True)
        subprocess.run(["git", "-C", str(ROOT), "worktree", "prune"], capture_output=True, check=False)


@contextlib.contextmanager
def open_trees(base: str | None, head: str, say: Callable[[str], None] = print) -> Iterator[list[Tree]]:
    """The trees to measure, base first; temporary worktrees are removed on exit."""
    tmp: Path | None = None
    added: list[Path] = []
    with _signals_interrupt():
        try:
            trees: list[Tree] = []
            for label, rev in (("base", base), ("head", head)):
                if rev is None:
                    continue
                if rev == WORKTREE:
                    dirty = bool(_git("status", "--porcelain", "--", "sim"))
                    trees.append(Tree(label, rev, ROOT, _short("HEAD"), dirty))
                    continue
                commit = _short(rev)
                if tmp is None:
                    tmp = Path(tempfile.mkdtemp(prefix="posture-bench-trees-"))
                path = tmp / label
                say(f"checking out {rev} ({commit}) into a temporary worktree {path}")
                added.append(path)  # registered as soon as git starts writing it
                _git("worktree", "add", "--detach", "--quiet", str(path), commit)
                trees.append(Tree(label, rev, path, commit, False))
            for t in trees:
                _compile(t.root)
            yield trees
        finally:
            # a second Ctrl-C must not leave a worktree registered: ignore it while cleaning up
            sigint = signal.signal(signal.SIGINT, signal.SIG_IGN)
            try:
                for path in added:
                    say(f"removing the temporary worktree {path}")
                    _remove(path)
                if tmp is not None:
                    shutil.rmtree(tmp, ignore_errors=True)
            finally:
                signal.signal(signal.SIGINT, sigint)
