"""The parent's side of a child process: how it is started, and what comes back.

Every measurement runs in a fresh interpreter (``sys.executable -P``) so that no tree's
code, cache or memory carries over into the other's. Two kinds of child:

* :meth:`Spawner.child` runs ``bench/child.py --root TREE KIND ...`` and returns the JSON it
  prints; it refuses the answer unless ``sim_file`` lies inside ``TREE``;
* :meth:`Spawner.wall` times a whole command, e.g. :meth:`Spawner.cli` (posture's own entry
  point, ``sim.cli.main``, imported from ``TREE``), against :data:`IMPORT_FLOOR` (the same
  interpreter doing nothing but ``import simpy, yaml``).

Children start in a scratch folder with ``PYTHONPATH`` and coverage hooks removed from the
environment, so nothing but ``--root`` decides which ``sim`` they load.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .child import MARK
from .config import CHILD
from .trees import Tree

TIMEOUT = 3600  # seconds; a child that takes longer is stuck, not slow
IMPORT_FLOOR = [sys.executable, "-P", "-c", "import simpy, yaml"]
_DROP = ("PYTHONPATH", "PYTHONSTARTUP", "PYTHONHOME", "COVERAGE_PROCESS_START", "COVERAGE_PROCESS_CONFIG")


class ChildError(RuntimeError):
    """A child that failed, printed no result, or imported ``sim`` from the wrong tree."""


def _cli_source(root: Path, argv: list[str], then: str = "") -> str:
    return (
        f"import sys; sys.path.insert(0, {str(root)!r}); sys.argv = ['posture', *{argv!r}]; "
        f"from sim.cli import main; {then or f'sys.exit(main({argv!r}))'}"
    )


def _inside(file: str | None, root: Path) -> bool:
    return file is not None and Path(file).resolve().is_relative_to(root.resolve() / "sim")


class Spawner:
    """Starts children in ``workdir`` and logs each through ``say``."""

    def __init__(self, workdir: Path, say: Callable[[str], None]) -> None:
        self.workdir = workdir
        self.say = say
        self.env = {k: v for k, v in os.environ.items() if k not in _DROP}
        self.env.setdefault("MPLBACKEND", "Agg")

    def child(self, tree: Tree, kind: str, *args: str, note: str = "") -> dict[str, Any]:
        """Run one child measurement for ``tree`` and return its JSON result."""
        cmd = [sys.executable, "-P", str(CHILD), "--root", str(tree.root), kind, *args]
        self.say(f"{tree.label}: {note or kind}")
        try:
            proc = subprocess.run(
                cmd,
                cwd=self.workdir,
                env=self.env,
                capture_output=True,
                text=True,
                timeout=TIMEOUT,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise ChildError(f"{tree.label} {kind} {' '.join(args)}: no answer after {TIMEOUT} s") from exc
        lines = [ln for ln in proc.stdout.splitlines() if ln.startswith(MARK)]
        if proc.returncode != 0 or not lines:
            tail = (proc.stderr or proc.stdout).strip()[-800:]
            raise ChildError(f"{tree.label} {kind} {' '.join(args)} exited {proc.returncode}: {tail}")
        out: dict[str, Any] = json.loads(lines[-1][len(MARK) :])
        if out.get("sim_file") is not None and not _inside(out["sim_file"], tree.root):
            raise ChildError(f"{tree.label}: child imported sim from {out['sim_file']}, not {tree.root}")
        return out

    def cli(self, tree: Tree, argv: list[str]) -> list[str]:
        """The command line of ``posture ARGV`` running ``tree``'s code."""
        return [sys.executable, "-P", "-c", _cli_source(tree.root, argv)]

    def wall(self, cmd: list[str], label: str) -> dict[str, Any]:
        """Wall time of a whole command, start-up included; its exit code and stderr tail."""
        self.say(label)
        t0 = time.perf_counter()
        try:
            proc = subprocess.run(
                cmd,
                cwd=self.workdir,
                env=self.env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                timeout=TIMEOUT,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise ChildError(f"{label}: no answer after {TIMEOUT} s") from exc
        seconds = time.perf_counter() - t0
        return {"seconds": seconds, "rc": proc.returncode, "stderr_tail": proc.stderr.decode()[-800:]}

    def probe(self, tree: Tree) -> dict[str, Any]:
        """Where ``sim`` comes from in both kinds of child; raises unless inside ``tree``."""
        out = self.child(tree, "probe", note="probe: which sim does a child import?")
        src = _cli_source(tree.root, ["--help"], then="import sim; print(sim.__file__)")
        proc = subprocess.run(
            [sys.executable, "-P", "-c", src],
            cwd=self.workdir,
            env=self.env,
            capture_output=True,
            text=True,
            check=False,
        )
        cli_file = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else None
        if proc.returncode != 0 or not _inside(cli_file, tree.root):
            raise ChildError(
                f"{tree.label}: the command-line child imported sim from {cli_file} "
                f"(exit {proc.returncode}: {proc.stderr.strip()[-400:]})"
            )
        out["cli_sim_file"] = cli_file
        return out
