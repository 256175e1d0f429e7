#!/usr/bin/env python3
"""posture benchmarks: the targets of issue #9, head against base, in one table.

Measures one or two source trees of posture in fresh child processes, alternating base and
head, and prints each target next to its measured figure with PASS or FAIL. The parts live
in ``benchmarks/bench/`` (see its ``__init__``); this file only reads the command line.

Usage::

    python benchmarks/run_benchmarks.py                         # full: the worktree against cf6ead6
    python benchmarks/run_benchmarks.py --base HEAD~3 --head HEAD   # any two commits
    python benchmarks/run_benchmarks.py --quick                 # smoke: tiny sizes, head only, < 60 s
    python benchmarks/run_benchmarks.py --only iraq --iraq-repeat 1 --json bench.json

Exit codes: 0 the tool worked (and, in a full run, every judged target passed); 1 a full run
has a FAIL; 2 a measurement could not be made; 130 interrupted.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

from bench.config import DEFAULT_BASE, FULL, GROUPS, QUICK, WORKTREE, Sizes
from bench.run import run

# option -> the Sizes fields it sets
_SIZE_OPTIONS = {
    "iraq_repeat": "fresh children per tree for the large Iraq scale (default 3; --quick 1)",
    "iraq_base_repeat": "fresh children for base's large Iraq scale (each may take 45-110 s; default 1)",
    "iraq_small_repeat": "fresh children per tree for the small Iraq scale (default 3; --quick 1)",
    "flagship_reps": "flagship replications per child (default 200; --quick 5)",
    "flagship_repeat": "flagship children per tree (default 5; --quick 1)",
    "worked_repeat": "worked-example children per tree (default 5; --quick 1)",
    "cli_repeat": "rounds of the --help / validate timings (default 10; --quick 1)",
    "jobs_n": "replications of each `posture run --jobs J` (default 1000; --quick 20)",
    "jobs_repeat": "rounds of --jobs 1 / --jobs 2 (default 3; --quick 1)",
    "rss_n": "replications of the peak-memory run (default 10000; --quick 50)",
    "floor_procs": "processes of the bare-SimPy loop (default 100)",
}


def parse(argv: list[str]) -> argparse.Namespace:
    ap = argparse.ArgumentParser(
        description=(__doc__ or "").splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument(
        "--base",
        metavar="REV",
        help=f"commit to compare against, checked out into a temporary git worktree "
        f"(default {DEFAULT_BASE}; --quick: none)",
    )
    ap.add_argument("--no-base", action="store_true", help="measure head only; ratios against base show —")
    ap.add_argument(
        "--head",
        metavar="REV",
        default=WORKTREE,
        help=f"commit to measure, or '{WORKTREE}': the files on disk now (default)",
    )
    ap.add_argument(
        "--quick", action="store_true", help="tiny sizes: a smoke test of the tool, well under 60 s"
    )
    ap.add_argument(
        "--only", nargs="+", choices=GROUPS, default=list(GROUPS), help="measurement groups to run"
    )
    ap.add_argument(
        "--repeat", type=int, metavar="K", help="set every per-tree repeat count except --iraq-base-repeat"
    )
    ap.add_argument(
        "--iraq-scales", nargs=2, type=float, metavar=("SMALL", "LARGE"), help="default 1 100; --quick 1 3"
    )
    for field, text in _SIZE_OPTIONS.items():
        ap.add_argument("--" + field.replace("_", "-"), type=int, metavar="N", help=text)
    ap.add_argument(
        "--loop",
        action="store_true",
        help="flagship: a loop of sim.simulate even if sim.simulate_many exists",
    )
    ap.add_argument("--json", type=Path, metavar="FILE", help="also write every figure to FILE (atomically)")
    return ap.parse_args(argv)


def sizes(args: argparse.Namespace) -> Sizes:
    z = QUICK if args.quick else FULL
    if args.repeat is not None:
        z = dataclasses.replace(
            z,
            **{f: args.repeat for f in _SIZE_OPTIONS if f.endswith("_repeat") and f != "iraq_base_repeat"},
        )
    z = dataclasses.replace(z, **{f: getattr(args, f) for f in _SIZE_OPTIONS if getattr(args, f) is not None})
    if args.iraq_scales:
        z = dataclasses.replace(z, iraq_small=args.iraq_scales[0], iraq_large=args.iraq_scales[1])
    return z


def main(argv: list[str] | None = None) -> int:
    args = parse(sys.argv[1:] if argv is None else argv)
    base = None if args.no_base else (args.base or (None if args.quick else DEFAULT_BASE))
    return run(base, args.head, sizes(args), args.only, args.loop, args.json)


if __name__ == "__main__":
    sys.exit(main())
