"""Whole commands in child processes: wall time from start to exit, and peak memory.

* :func:`cli`: ``posture --help`` and ``posture validate scenarios/syria-2026.yaml`` for each
  tree, against the same interpreter running only ``import simpy, yaml`` (interpreter
  start-up and the two libraries every version needs). One round times the import floor,
  then ``--help`` for each tree, then ``validate`` for each tree; the median over rounds.
* :func:`jobs`: ``posture run FLAGSHIP -n N --jobs 1`` and ``--jobs 2`` (head only; start-up,
  store and summary included, as a user sees it), alternating, each round preceded by the
  machine's own 2-process speed-up (:func:`bench.machine.parallel_ceiling`).
* :func:`rss`: ``posture run FLAGSHIP -n N --jobs 2`` (head only) under a watcher child that
  samples the RSS of the command and its workers every 50 ms (psutil) and reads the exact
  peak of the largest process from ``getrusage(RUSAGE_CHILDREN)``.

Every run writes into its own fresh folder under the scratch folder (a leftover
``runs.sqlite`` would make ``posture run`` resume instead of run), deleted afterwards.
"""

from __future__ import annotations

import shutil
from typing import Any

from .config import FLAGSHIP, Sizes
from .machine import parallel_ceiling
from .samples import Samples
from .spawn import IMPORT_FLOOR, ChildError, Spawner
from .trees import Tree


def _check(r: dict[str, Any], what: str) -> dict[str, Any]:
    if r.get("rc") != 0:
        raise ChildError(f"{what} exited {r.get('rc')}: {str(r.get('stderr_tail', '')).strip()[-600:]}")
    return r


def cli(sp: Spawner, trees: list[Tree], sizes: Sizes, samples: Samples) -> None:
    """``--help`` and ``validate`` wall times per tree, and the ``import simpy, yaml`` floor."""
    head = next(t for t in trees if t.label == "head")
    flagship = str(head.root / FLAGSHIP)
    for i in range(sizes.cli_repeat):
        n = f"({i + 1}/{sizes.cli_repeat})"
        samples.add(
            "cli_import",
            "machine",
            _check(sp.wall(IMPORT_FLOOR, f"python -c 'import simpy, yaml' {n}"), "import"),
        )
        for t in trees:
            r = sp.wall(sp.cli(t, ["--help"]), f"{t.label}: posture --help {n}")
            samples.add("cli_help", t.label, _check(r, f"{t.label} posture --help"))
        for t in trees:
            r = sp.wall(sp.cli(t, ["validate", flagship]), f"{t.label}: posture validate {FLAGSHIP} {n}")
            samples.add("cli_validate", t.label, _check(r, f"{t.label} posture validate"))


def _run_argv(out: str, n: int, jobs: int, flagship: str) -> list[str]:
    return ["run", flagship, "-n", str(n), "--jobs", str(jobs), "--seed", "0", "--no-plot", "--out", out]


def jobs(sp: Spawner, trees: list[Tree], sizes: Sizes, samples: Samples) -> None:
    """``posture run -n N --jobs 1`` against ``--jobs 2`` (head), with the machine's ceiling."""
    head = next(t for t in trees if t.label == "head")
    flagship = str(head.root / FLAGSHIP)
    for i in range(sizes.jobs_repeat):
        n = f"({i + 1}/{sizes.jobs_repeat})"
        sp.say(f"machine: its own 2-process speed-up on pure-CPU work {n}")
        samples.add("ceiling", "machine", {"speedup": parallel_ceiling(sizes.ceiling_seconds)})
        for j in (1, 2):
            out = sp.workdir / f"jobs{j}-{i}"
            argv = _run_argv(str(out), sizes.jobs_n, j, flagship)
            r = sp.wall(sp.cli(head, argv), f"head: posture run {FLAGSHIP} -n {sizes.jobs_n} --jobs {j} {n}")
            shutil.rmtree(out, ignore_errors=True)
            r["reps_per_s"] = sizes.jobs_n / r["seconds"]
            samples.add(f"jobs{j}", head.label, _check(r, f"posture run --jobs {j}"))


def rss(sp: Spawner, trees: list[Tree], sizes: Sizes, samples: Samples) -> None:
    """Peak RSS of every process of ``posture run FLAGSHIP -n N --jobs 2`` (head)."""
    head = next(t for t in trees if t.label == "head")
    out = sp.workdir / "rss"
    cmd = sp.cli(head, _run_argv(str(out), sizes.rss_n, 2, str(head.root / FLAGSHIP)))
    r = sp.child(
        head,
        "watch",
        "--",
        *cmd,
        note=f"posture run {FLAGSHIP} -n {sizes.rss_n} --jobs 2 under a memory watcher",
    )
    store = out / "runs.sqlite"
    r["store_bytes"] = store.stat().st_size if store.exists() else None
    shutil.rmtree(out, ignore_errors=True)
    r["n"] = sizes.rss_n
    samples.add("rss", head.label, _check(r, "posture run --jobs 2 (memory)"))
