#!/usr/bin/env python3
"""Profile the flagship and the Iraq-scale scenario; print the hot spots.

For each case, two lists: functions by *own* time (where the interpreter actually spends
its time) and ``sim`` functions by *cumulative* time (which call trees cost the most), each
with its share of the profiled total.

Two profilers:

* ``--tool pyinstrument`` (the default when it is installed: ``pip install pyinstrument``)
  samples the stack every millisecond (``--interval``). It still slows the run (about 2x
  here), but more evenly than cProfile, so its shares are closer to the real split of wall
  time. It does not count calls.
* ``--tool cprofile`` (standard library) traces every call and counts them, but adds a
  fixed cost per Python call, so code made of many tiny calls (the per-vehicle bookkeeping
  in ``sim.engine.world``) looks 2-3x heavier than it is. Use it for call counts; trust
  pyinstrument, or an A/B timing, for shares.

Usage::

    python benchmarks/profile_runs.py                      # flagship x200, Iraq x10
    python benchmarks/profile_runs.py --iraq-scale 100     # the full Iraq scale (slow)
    python benchmarks/profile_runs.py --tool cprofile --save /tmp/prof   # .prof files
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import tempfile
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def _short(func: tuple[str, int, str]) -> str:
    file, line, name = func
    p = Path(file)
    if "site-packages" in p.parts:
        i = p.parts.index("site-packages")
        where = "/".join(p.parts[i + 1 :])
    elif str(p).startswith(str(ROOT)):
        where = str(p.relative_to(ROOT))
    else:
        where = file
    return f"{where}:{line}({name})" if line else name


def report(stats: pstats.Stats, title: str, top: int) -> dict[str, Any]:
    """Print and return the top functions by own time and the top sim functions by cumtime."""
    raw: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    total = sum(v[2] for v in raw.values())  # sum of tottime = profiled time
    rows = [(func, cc, nc, tt, ct) for func, (cc, nc, tt, ct, _callers) in raw.items()]
    by_own = sorted(rows, key=lambda r: -r[3])[:top]
    by_cum = sorted((r for r in rows if "/sim/" in r[0][0]), key=lambda r: -r[4])[:top]
    _print_rows(
        title + " [cProfile]",
        total,
        [(_short(f), tt, ct, nc) for f, _c, nc, tt, ct in by_own],
        [(_short(f), tt, ct, nc) for f, _c, nc, tt, ct in by_cum],
    )
    return {
        "total_s": total,
        "own": [
            {
                "function": _short(f),
                "calls": nc,
                "own_s": tt,
                "cum_s": ct,
                "own_share": tt / total,
                "cum_share": ct / total,
            }
            for f, _c, nc, tt, ct in by_own
        ],
        "cum": [
            {
                "function": _short(f),
                "calls": nc,
                "own_s": tt,
                "cum_s": ct,
                "own_share": tt / total,
                "cum_share": ct / total,
            }
            for f, _c, nc, tt, ct in by_cum
        ],
    }


def _print_rows(
    title: str,
    total: float,
    own: list[tuple[str, float, float, int | None]],
    cum: list[tuple[str, float, float, int | None]],
) -> None:
    print(f"\n=== {title}: {total:.2f} s profiled ===")
    print(f"\n{'own %':>6} {'own s':>7} {'cum %':>6} {'calls':>10}  function (by own time)")
    for name, o, c, n in own:
        print(
            f"{100 * o / total:6.1f} {o:7.3f} {100 * c / total:6.1f} "
            f"{'' if n is None else format(n, ','):>10}  {name}"
        )
    print(f"\n{'cum %':>6} {'cum s':>7} {'own %':>6} {'calls':>10}  sim function (by cumulative time)")
    for name, o, c, n in cum:
        print(
            f"{100 * c / total:6.1f} {c:7.3f} {100 * o / total:6.1f} "
            f"{'' if n is None else format(n, ','):>10}  {name}"
        )


def sample(fn: Callable[[], None], title: str, top: int, interval: float = 0.001) -> None:
    """Profile ``fn`` with pyinstrument and print own / cumulative time per function."""
    from pyinstrument import Profiler

    prof = Profiler(interval=interval)
    prof.start()
    fn()
    prof.stop()
    root = prof.last_session.root_frame()
    own: dict[str, float] = defaultdict(float)
    cum: dict[str, float] = defaultdict(float)

    def name_of(frame: Any) -> str:
        path = Path(frame.file_path or "?")
        if "site-packages" in path.parts:
            where = "/".join(path.parts[path.parts.index("site-packages") + 1 :])
        elif str(path).startswith(str(ROOT)):
            where = str(path.relative_to(ROOT))
        else:
            where = frame.file_path_short or "?"
        return f"{where}:{frame.line_no}({frame.function})"

    stack: list[tuple[Any, str, frozenset[str]]] = [(root, "", frozenset())]
    while stack:
        frame, parent, seen = stack.pop()
        if frame.is_synthetic:  # "[self]" and hidden-frame leaves: time of the parent
            own[parent] += frame.time
            continue
        key = name_of(frame)
        if key not in seen:
            cum[key] += frame.time
        if not frame.children:
            own[key] += frame.time
        stack.extend((c, key, seen | {key}) for c in frame.children)
    total = root.time
    by_own = sorted(own.items(), key=lambda kv: -kv[1])[:top]
    by_cum = sorted(((k, v) for k, v in cum.items() if k.startswith("sim/")), key=lambda kv: -kv[1])[:top]
    _print_rows(
        title + " [pyinstrument]",
        total,
        [(k, v, cum.get(k, 0.0), None) for k, v in by_own],
        [(k, own.get(k, 0.0), v, None) for k, v in by_cum],
    )


def profile(fn: Any, save: Path | None, name: str) -> pstats.Stats:
    prof = cProfile.Profile()
    prof.enable()
    fn()
    prof.disable()
    if save:
        save.mkdir(parents=True, exist_ok=True)
        prof.dump_stats(save / f"{name}.prof")
    return pstats.Stats(prof)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--flagship", type=Path, default=ROOT / "scenarios" / "syria-2026.yaml")
    ap.add_argument("--reps", type=int, default=200, help="flagship replications [200]")
    ap.add_argument("--iraq-scale", type=float, default=10.0, help="Iraq scale factor [10]")
    ap.add_argument("--top", type=int, default=15)
    ap.add_argument(
        "--interval",
        type=float,
        default=0.001,
        help="pyinstrument sampling interval in seconds [0.001]; use 0.005 or more "
        "for long runs (less overhead)",
    )
    ap.add_argument("--save", type=Path, help="folder for .prof files (cprofile only)")
    ap.add_argument(
        "--tool",
        choices=("pyinstrument", "cprofile"),
        help="profiler [pyinstrument if installed, else cprofile]",
    )
    ap.add_argument("--only", choices=("flagship", "iraq"), nargs="+", default=["flagship", "iraq"])
    args = ap.parse_args(argv)
    if args.tool is None:
        try:
            import pyinstrument  # noqa: F401

            args.tool = "pyinstrument"
        except ImportError:
            args.tool = "cprofile"

    import sim

    sys.path.insert(0, str(HERE))
    import make_iraq_scale

    if "flagship" in args.only:
        scenario = sim.load_scenario(args.flagship)
        sim.simulate(scenario, seed=0)  # warm-up

        def flagship() -> None:
            for r in range(args.reps):
                sim.simulate(scenario, seed=0, replication=r)

        title = f"flagship {args.flagship.name}, {args.reps} replications"
        if args.tool == "pyinstrument":
            sample(flagship, title, args.top, args.interval)
        else:
            report(profile(flagship, args.save, "flagship"), title, args.top)

    if "iraq" in args.only:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "iraq.yaml"
            make_iraq_scale.write(args.iraq_scale, path)
            iraq = sim.load_scenario(path)
        title = f"Iraq scale x{args.iraq_scale:g}, one replication"

        def one() -> None:
            sim.simulate(iraq, seed=0)

        if args.tool == "pyinstrument":
            sample(one, title, args.top, args.interval)
        else:
            report(profile(one, args.save, f"iraq-{args.iraq_scale:g}"), title, args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
