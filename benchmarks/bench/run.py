"""One benchmark run, start to end: trees, idle check, measurement groups, report, exit code.

:func:`run` opens the trees (:mod:`bench.trees`), checks in a child of each that ``import
sim`` loads that tree's code, measures the groups asked for, in the order of
:data:`bench.config.GROUPS`, and prints the report. A group whose child fails is reported and
the run goes on with the next group. Exit codes: 0 when the tool worked (and, in a full run,
every judged target passed), 1 when a full run has a FAIL, 2 when a measurement could not be
made, 130 on Ctrl-C (temporary worktrees are removed in every case).
"""

from __future__ import annotations

import dataclasses
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from . import commands, inproc, machine
from .config import GROUPS, Sizes
from .report import measurements, targets_table, write_json
from .samples import Samples
from .spawn import ChildError, Spawner
from .targets import evaluate
from .trees import Tree, TreeError, open_trees

_T0 = time.perf_counter()


def say(msg: str) -> None:
    print(f"[bench {time.perf_counter() - _T0:6.1f}s] {msg}", file=sys.stderr, flush=True)


def _groups(loop: bool) -> dict[str, Callable[[Spawner, list[Tree], Sizes, Samples], None]]:
    return {
        "iraq": inproc.iraq,
        "flagship": lambda sp, t, z, s: inproc.flagship(sp, t, z, s, loop=loop),
        "worked": inproc.worked,
        "cli": commands.cli,
        "jobs": commands.jobs,
        "rss": commands.rss,
    }


def _header(data: dict[str, Any], trees: list[Tree], probes: dict[str, Any], quick: bool) -> str:
    m = data["machine"]
    lines = [
        f"posture benchmarks{' (--quick: tiny sizes, targets not enforced)' if quick else ''}",
        f"machine: {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB, {m['implementation']} "
        f"{m['python']}, simpy {m['simpy']}, numpy {m['numpy']}",
    ]
    for t in trees:
        lines.append(f"{t.label}: {t.describe()}; sim from {probes[t.label]['sim_file']}")
    if not any(t.label == "base" for t in trees):
        lines.append("base: none (head only; ratios against base show —)")
    bg, la = data["background_cores_busy"], data["loadavg_start"]
    lines.append(
        f"background load before start: {'?' if bg is None else f'{bg:.2f}'} cores busy; "
        f"load average {'?' if la is None else f'{la[0]:.2f}'}"
    )
    return "\n".join(lines)


def run(
    base: str | None, head: str, sizes: Sizes, only: list[str], loop: bool, json_path: Path | None
) -> int:
    data: dict[str, Any] = {
        "sizes": dataclasses.asdict(sizes),
        "base_rev": base,
        "head_rev": head,
        "only": only,
    }
    data["machine"] = machine.facts()
    say(f"idle check ({sizes.idle_seconds:g} s)")
    data["background_cores_busy"] = machine.background_cores(sizes.idle_seconds)
    data["loadavg_start"] = machine.load_average()
    samples, errors, notes = Samples(), [], []
    workdir = Path(tempfile.mkdtemp(prefix="posture-bench-"))
    try:
        with open_trees(base, head, say=say) as trees:
            sp = Spawner(workdir, say)
            probes = {t.label: sp.probe(t) for t in trees}
            data["trees"] = [{**t.as_json(), **probes[t.label]} for t in trees]
            groups = _groups(loop)
            for name in GROUPS:
                if name not in only:
                    continue
                try:
                    groups[name](sp, trees, sizes, samples)
                except ChildError as exc:
                    errors.append(f"{name}: {exc}")
                    say(f"ERROR in {name}: {exc}")
            data["total_s"] = time.perf_counter() - _T0
            data["loadavg_end"] = machine.load_average()
            header = _header(data, trees, probes, sizes.quick)
    except (TreeError, ChildError) as exc:
        print(f"benchmark could not start: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted; temporary worktrees removed", file=sys.stderr)
        return 130
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    rows = evaluate(samples, sizes)
    bg = data["background_cores_busy"]
    if bg is not None and bg > 0.3:
        notes.append(
            f"other processes kept {bg:.1f} of {data['machine']['cores']} cores busy just before the "
            "run: every figure is pessimistic, the parallel ones most."
        )
    if any(r["result"] == "not judged" for r in rows):
        notes.append("--jobs 2 is judged only when the machine itself gives two processes ≥ 1.9× one.")
    print(header + "\n\nTargets (issue #9)\n\n" + targets_table(rows))
    print("\nMeasurements (medians; ratio = base/head, for rates head/base: > 1 means head is better)\n")
    print(measurements(samples, sizes))
    for note in notes + [f"ERROR {e}" for e in errors]:
        print(f"\nNOTE: {note}")
    judged = [r for r in rows if r["result"].strip("()") in ("PASS", "FAIL")]
    passed = sum(r["result"].strip("()") == "PASS" for r in judged)
    print(f"\n{passed} of {len(judged)} judged targets met; benchmark took {data['total_s']:.0f} s.")
    data.update(rows=rows, notes=notes, errors=errors, samples=samples.data, medians=samples.medians())
    if json_path is not None:
        write_json(json_path, data)
        print(f"wrote {json_path}")
    if errors:
        return 2
    return 0 if sizes.quick or passed == len(judged) else 1
