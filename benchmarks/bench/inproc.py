"""Replication timing inside a child process, base and head alternating.

Each child loads one scenario and times ``sim.simulate`` in its own process (no start-up,
no file output in the timing):

* **Iraq scale** (:func:`iraq`): ``benchmarks/make_iraq_scale.py`` writes the scenario once
  at the small and at the large factor (1 and 100; ``--quick``: 1 and 3), into the scratch
  folder, and both trees run the same file. The large replication runs once per child with
  no warm-up (it is what a user waits for), and its child's peak RSS is that of the run;
  the small one repeats for a median. After every head run of the large one, a child runs
  the bare-SimPy floor (:mod:`bench.floor`) for the same number of kernel events.
* **Flagship** (:func:`flagship`): replications per second of ``scenarios/syria-2026.yaml``
  in one process, after one warm-up replication.
* **Worked example** (:func:`worked`): one replication of
  ``scenarios/examples/worked-example.yaml``, after a warm-up, repeated for a median.

Scenario files come from the head tree, so both trees do the same work; each result carries
``kernel_events`` and ``convoys`` so that the report can say whether they did.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

from .config import BENCHMARKS, FLAGSHIP, WORKED, Sizes
from .samples import Samples
from .spawn import Spawner
from .trees import Tree


def _make_iraq_scale() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_iraq_scale", BENCHMARKS / "make_iraq_scale.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def iraq_files(workdir: Path, scales: list[float]) -> dict[float, Path]:
    """The synthetic Iraq-scale scenario at each factor, written into ``workdir``."""
    gen = _make_iraq_scale()
    out = {}
    for s in scales:
        out[s] = workdir / f"iraq-x{s:g}.yaml"
        gen.write(s, out[s])
    return out


def _head(trees: list[Tree]) -> Tree:
    return next(t for t in trees if t.label == "head")


def iraq(sp: Spawner, trees: list[Tree], sizes: Sizes, samples: Samples) -> None:
    """Iraq scale, small then large, alternating trees; the floor after each head run."""
    files = iraq_files(sp.workdir, [sizes.iraq_small, sizes.iraq_large])
    small, large = f"x{sizes.iraq_small:g}", f"x{sizes.iraq_large:g}"
    for i in range(sizes.iraq_small_repeat):
        for t in trees:
            r = sp.child(
                t,
                "single",
                str(files[sizes.iraq_small]),
                "--min-seconds",
                str(sizes.single_seconds),
                "--max-runs",
                str(sizes.single_max_runs),
                note=f"Iraq {small}, one replication, median of repeats ({i + 1}/{sizes.iraq_small_repeat})",
            )
            samples.add("iraq_small", t.label, r)
    head = _head(trees)
    want = {t.label: (sizes.iraq_base_repeat if t.label == "base" else sizes.iraq_repeat) for t in trees}
    for i in range(max(want.values())):
        for t in trees:
            if i >= want[t.label]:
                continue
            r = sp.child(
                t,
                "single",
                str(files[sizes.iraq_large]),
                note=f"Iraq {large}, one replication ({i + 1}/{want[t.label]})",
            )
            samples.add("iraq_large", t.label, r)
            if t is head:
                events = int(r["kernel_events"])
                f = sp.child(
                    head,
                    "floor",
                    str(events),
                    "--procs",
                    str(sizes.floor_procs),
                    note=f"bare-SimPy floor for {events:,} kernel events",
                )
                samples.add("floor", "machine", f)


def flagship(sp: Spawner, trees: list[Tree], sizes: Sizes, samples: Samples, loop: bool = False) -> None:
    """Flagship replications per second in one process, alternating trees."""
    path = _head(trees).root / FLAGSHIP
    extra = ["--loop"] if loop else []
    for i in range(sizes.flagship_repeat):
        for t in trees:
            r = sp.child(
                t,
                "reps",
                str(path),
                "--n",
                str(sizes.flagship_reps),
                *extra,
                note=f"flagship, {sizes.flagship_reps} replications in one process "
                f"({i + 1}/{sizes.flagship_repeat})",
            )
            samples.add("flagship", t.label, r)


def worked(sp: Spawner, trees: list[Tree], sizes: Sizes, samples: Samples) -> None:
    """The worked example, one replication in-process (median of repeats), alternating trees."""
    path = _head(trees).root / WORKED
    seconds = 0.2 if sizes.quick else 1.0
    for i in range(sizes.worked_repeat):
        for t in trees:
            r = sp.child(
                t,
                "single",
                str(path),
                "--warmup",
                "--min-seconds",
                str(seconds),
                "--max-runs",
                "1000",
                note=f"worked example, one replication, median of repeats ({i + 1}/{sizes.worked_repeat})",
            )
            samples.add("worked", t.label, r)
