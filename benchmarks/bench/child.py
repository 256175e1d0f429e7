"""What runs inside a fresh child process: one measurement, one JSON line on stdout.

Started as ``python -P benchmarks/bench/child.py --root TREE KIND ...`` (see
:mod:`bench.spawn`). ``-P`` keeps the script's own folder off ``sys.path``; the first thing
this script does is put ``TREE`` first on it, so ``import sim`` loads that tree's code and
not the installed (editable) package. Every result carries ``sim_file``, which the parent
checks lies inside ``TREE``.

Only the public API that every commit has is used: ``sim.load_scenario(path)`` and
``sim.simulate(scenario, seed=, replication=)`` returning a Result with ``kernel_events``,
``convoys`` and ``closure_h``. A batch API ``sim.simulate_many(scenario, n, seed=)`` is used
for ``reps`` when the tree has one with that shape (``jobs=1`` where it takes that), else a
loop of ``sim.simulate``; ``--loop`` forces the loop.

Kinds:

``probe``                    where ``sim`` comes from, and which API the tree has;
``single PATH``              one replication of PATH (seed 0), repeated for a median;
``reps PATH --n N``          N replications in this process, after one warm-up;
``floor EVENTS``             the bare-SimPy floor for EVENTS kernel events (:mod:`bench.floor`);
``watch -- CMD ...``         run CMD, sample the memory of its process tree (psutil), exact
                             peak of the largest process from ``getrusage(RUSAGE_CHILDREN)``.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import inspect
import json
import resource
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import ModuleType
from typing import Any

MARK = "BENCH-JSON "  # prefix of the one result line on stdout


def _sim() -> ModuleType:
    sim = importlib.import_module("sim")
    return sim


def _bench(name: str) -> ModuleType:
    """A module of this package, found at the end of sys.path (never before the tree)."""
    return importlib.import_module(f"bench.{name}")


def _vehicle_trips(result: Any) -> int | None:
    try:
        return int(sum(sum(c.vehicles.values()) for c in result.convoys))
    except (AttributeError, TypeError):
        return None


def probe(args: argparse.Namespace) -> dict[str, Any]:
    sim = _sim()
    importlib.import_module("sim.cli")
    return {
        "version": getattr(sim, "__version__", None),
        "has_simulate_many": _batch_api(sim) is not None,
        "public": sorted(getattr(sim, "__all__", [])),
    }


def single(args: argparse.Namespace) -> dict[str, Any]:
    """One replication (seed 0, replication 0), repeated for about ``--min-seconds``."""
    sim = _sim()
    machine = _bench("machine")
    t0 = time.perf_counter()
    scenario = sim.load_scenario(args.path)
    load_s = time.perf_counter() - t0
    if args.warmup:
        sim.simulate(scenario, seed=0)
    gc.collect()
    rss_before = machine.rss_bytes()
    t0 = time.perf_counter()
    res = sim.simulate(scenario, seed=0)
    times = [time.perf_counter() - t0]
    peak = machine.maxrss_bytes()
    while sum(times) < args.min_seconds and len(times) < args.max_runs:
        if times[-1] > 0.05:  # a full collection costs ~10 ms: only where that is noise
            gc.collect()
        t0 = time.perf_counter()
        sim.simulate(scenario, seed=0)
        times.append(time.perf_counter() - t0)
    return {
        "load_s": load_s,
        "first_s": times[0],
        "seconds": statistics.median(times),
        "runs": len(times),
        "times_s": times,
        "kernel_events": res.kernel_events,
        "convoys": len(res.convoys),
        "vehicle_trips": _vehicle_trips(res),
        "closure_h": res.closure_h,
        "rss_before_bytes": rss_before,
        "peak_rss_bytes": peak,
    }


def _batch_api(sim: ModuleType) -> tuple[Any, dict[str, Any]] | None:
    """``sim.simulate_many`` and its keywords, if it takes ``(scenario, n, seed=...)``.

    Where it also takes ``jobs``, ``jobs=1`` keeps it in this process. Whatever it returns
    is closed afterwards if it can be (a store of results, say, with a temporary file).
    """
    many = getattr(sim, "simulate_many", None)
    if many is None:
        return None
    try:
        sig = inspect.signature(many)
    except (TypeError, ValueError):
        return None
    params = list(sig.parameters.values())
    if not params or params[0].name != "scenario":
        return None
    for kwargs in ({"seed": 0, "jobs": 1}, {"seed": 0}):
        try:
            sig.bind(object(), 1, **kwargs)
        except TypeError:
            continue
        return many, kwargs
    return None


def reps(args: argparse.Namespace) -> dict[str, Any]:
    """``--n`` replications of PATH in this process, after one warm-up replication."""
    sim = _sim()
    scenario = sim.load_scenario(args.path)
    first = sim.simulate(scenario, seed=0)
    batch = None if args.loop else _batch_api(sim)
    gc.collect()
    t0 = time.perf_counter()
    if batch is not None:
        many, kwargs = batch
        out = many(scenario, args.n, **kwargs)
        seconds = time.perf_counter() - t0
        close = getattr(out, "close", None)
        if callable(close):
            close()
    else:
        for r in range(args.n):
            sim.simulate(scenario, seed=0, replication=r)
        seconds = time.perf_counter() - t0
    return {
        "api": "sim.simulate_many" if batch is not None else "loop of sim.simulate",
        "n": args.n,
        "seconds": seconds,
        "s_per_rep": seconds / args.n,
        "reps_per_s": args.n / seconds,
        "kernel_events": first.kernel_events,
        "convoys": len(first.convoys),
        "closure_h": first.closure_h,
    }


def floor(args: argparse.Namespace) -> dict[str, Any]:
    return dict(_bench("floor").seconds_for(args.events, args.procs))


def watch(args: argparse.Namespace) -> dict[str, Any]:
    """Run a command; peak RSS of it, of each descendant, and of the tree summed."""
    machine = _bench("machine")
    try:
        import psutil  # type: ignore[import-untyped]
    except ImportError:
        psutil = None
    t0 = time.perf_counter()
    proc = subprocess.Popen(args.cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peaks = {"parent": 0, "worker": 0, "tree": 0}
    seen: set[int] = set()
    stop = threading.Event()

    def sample() -> None:
        try:
            p = psutil.Process(proc.pid)
        except psutil.Error:
            return
        while not stop.is_set():
            try:
                mine = p.memory_info().rss
                kids = p.children(recursive=True)
            except psutil.Error:
                break
            theirs = []
            for k in kids:
                try:
                    theirs.append(k.memory_info().rss)
                    seen.add(k.pid)
                except psutil.Error:
                    pass
            peaks["parent"] = max(peaks["parent"], mine)
            peaks["worker"] = max([peaks["worker"], *theirs])
            peaks["tree"] = max(peaks["tree"], mine + sum(theirs))
            stop.wait(0.05)

    th = threading.Thread(target=sample, daemon=True)
    if psutil is not None:
        th.start()
    out, err = proc.communicate()
    stop.set()
    if psutil is not None:
        th.join()
    exact = machine.maxrss_bytes(resource.RUSAGE_CHILDREN)
    return {
        "rc": proc.returncode,
        "wall_s": time.perf_counter() - t0,
        "sampled": psutil is not None,
        "peak_parent_bytes": peaks["parent"],
        "peak_worker_bytes": peaks["worker"],
        "peak_tree_bytes": peaks["tree"],
        "workers_seen": len(seen),
        "max_single_process_bytes": exact,
        "peak_any_process_bytes": max(exact, peaks["parent"], peaks["worker"]),
        "stdout_tail": out[-1500:],
        "stderr_tail": err[-1500:],
    }


KINDS = {"probe": probe, "single": single, "reps": reps, "floor": floor, "watch": watch}


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="child.py")
    ap.add_argument("--root", type=Path, required=True, help="the tree whose sim to import")
    sub = ap.add_subparsers(dest="kind", required=True)
    sub.add_parser("probe")
    p = sub.add_parser("single")
    p.add_argument("path")
    p.add_argument("--warmup", action="store_true")
    p.add_argument("--min-seconds", type=float, default=0.0)
    p.add_argument("--max-runs", type=int, default=1)
    p = sub.add_parser("reps")
    p.add_argument("path")
    p.add_argument("--n", type=int, required=True)
    p.add_argument("--loop", action="store_true", help="a loop of sim.simulate even if a batch API exists")
    p = sub.add_parser("floor")
    p.add_argument("events", type=int)
    p.add_argument("--procs", type=int, default=100)
    p = sub.add_parser("watch")
    p.add_argument("cmd", nargs=argparse.REMAINDER)
    args = ap.parse_args(argv)
    if args.kind == "watch" and args.cmd[:1] == ["--"]:
        args.cmd = args.cmd[1:]

    sys.path.insert(0, str(args.root.resolve()))
    sys.path.append(str(Path(__file__).resolve().parent.parent))  # benchmarks/, for bench.*
    out = KINDS[args.kind](args)
    sim = sys.modules.get("sim")
    out["sim_file"] = getattr(sim, "__file__", None) if sim is not None else None
    out["peak_rss_self_bytes"] = _bench("machine").maxrss_bytes()
    print(MARK + json.dumps(out), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
