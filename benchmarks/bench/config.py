"""Where things are, and how big a run is.

A run's size is one frozen :class:`Sizes`: :data:`FULL` for the measured run, :data:`QUICK`
for the smoke run (tiny sizes, every measurement still exercised). Command-line options
replace single fields (``dataclasses.replace``), so every figure a run used is in the JSON.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent  # benchmarks/bench
BENCHMARKS = BENCH_DIR.parent  # benchmarks/ (holds make_iraq_scale.py)
ROOT = BENCHMARKS.parent  # the checkout this benchmark runs from
CHILD = BENCH_DIR / "child.py"

# The commit before issue #9 ("Engine foundation") began.
DEFAULT_BASE = "cf6ead6"
# ``--head worktree``: the files as they are now in ROOT, uncommitted changes included.
WORKTREE = "worktree"

FLAGSHIP = "scenarios/syria-2026.yaml"
WORKED = "scenarios/examples/worked-example.yaml"

# Every measurement group, for ``--only``; a run measures them in this order.
GROUPS = ("iraq", "flagship", "worked", "cli", "jobs", "rss")


@dataclass(frozen=True)
class Sizes:
    """How much of each measurement one run does."""

    quick: bool
    iraq_small: float  # Iraq scale factor of the per-trip reference (1)
    iraq_large: float  # the Iraq-scale replication of the targets (100)
    iraq_repeat: int  # fresh children per tree for the large one
    iraq_base_repeat: int  # ... for the base tree (each may take 45-110 s)
    iraq_small_repeat: int  # fresh children per tree for the small one
    single_seconds: float  # a child repeats a small replication for about this long
    single_max_runs: int  # ... at most this many times, and reports the median
    floor_procs: int  # processes of the bare-SimPy loop
    flagship_reps: int  # replications per flagship child
    flagship_repeat: int  # flagship children per tree
    worked_repeat: int  # worked-example children per tree
    cli_repeat: int  # rounds of the command-line timings
    jobs_n: int  # replications of each `posture run --jobs J`
    jobs_repeat: int  # rounds of jobs=1, jobs=2 (and the machine's own speed-up)
    rss_n: int  # replications of the peak-memory run (`--jobs 2`)
    idle_seconds: float  # window of the idle check before the run
    ceiling_seconds: float  # length of one task of the machine's 2-process check


FULL = Sizes(
    quick=False,
    iraq_small=1.0,
    iraq_large=100.0,
    iraq_repeat=3,
    iraq_base_repeat=1,
    iraq_small_repeat=3,
    single_seconds=2.0,
    single_max_runs=7,
    floor_procs=100,
    flagship_reps=200,
    flagship_repeat=5,
    worked_repeat=5,
    cli_repeat=10,
    jobs_n=1_000,
    jobs_repeat=3,
    rss_n=10_000,
    idle_seconds=2.0,
    ceiling_seconds=0.5,
)

QUICK = Sizes(
    quick=True,
    iraq_small=1.0,
    iraq_large=3.0,
    iraq_repeat=1,
    iraq_base_repeat=1,
    iraq_small_repeat=1,
    single_seconds=0.3,
    single_max_runs=3,
    floor_procs=100,
    flagship_reps=5,
    flagship_repeat=1,
    worked_repeat=1,
    cli_repeat=1,
    jobs_n=20,
    jobs_repeat=1,
    rss_n=50,
    idle_seconds=0.5,
    ceiling_seconds=0.1,
)
