"""The targets of issue #9 ("Engine foundation"): each measured figure next to its limit.

Each :class:`Target` turns the samples into one row: the figure for base and for head, the
figure that is judged, the limit, and PASS or FAIL. A row whose figure could not be measured
(no ``--base``, or its group was left out with ``--only``) shows "—" and is not judged; the
``--jobs 2`` row is not judged either unless the machine itself gave two processes of pure
Python at least :data:`MIN_CEILING` times the speed of one during the run. In ``--quick``
mode the verdicts are shown in brackets: the sizes are too small to mean anything.

Ratios against base are base / head (how many times faster head is); ratios against a
reference (bare SimPy, ``import simpy, yaml``, the small Iraq scale) are tree / reference.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .config import Sizes
from .machine import MIB
from .samples import Samples, ratio

MIN_CEILING = 1.9  # the machine's own 2-process speed-up below which --jobs 2 is not judged

Pair = tuple[float | None, float | None, float | None]  # (base figure, head figure, judged figure)


@dataclass(frozen=True)
class Target:
    key: str
    what: str  # may contain {large}, {small}, {rss_n}
    op: str  # ">=", "<=", "<"
    limit: float
    unit: str  # of the judged figure: "x" or "MiB"
    figures: Callable[[Samples, Sizes], Pair]
    shown: str  # how base and head figures print: "s", "rep/s", "x", "MiB"


def _secs(s: Samples, measure: str, field: str = "seconds") -> tuple[float | None, float | None]:
    return s.median(measure, "base", field), s.median(measure, "head", field)


def _vs_base(measure: str, field: str = "seconds") -> Callable[[Samples, Sizes], Pair]:
    def f(s: Samples, z: Sizes) -> Pair:
        b, h = _secs(s, measure, field)
        return b, h, ratio(b, h)

    return f


def _flagship(s: Samples, z: Sizes) -> Pair:
    b, h = _secs(s, "flagship", "s_per_rep")
    return (None if b is None else 1 / b), (None if h is None else 1 / h), ratio(b, h)


def _vs_floor(s: Samples, z: Sizes) -> Pair:
    floor = s.median("floor", "machine", "seconds")
    b, h = _secs(s, "iraq_large")
    return ratio(b, floor), ratio(h, floor), ratio(h, floor)


def _per_trip(who: str, s: Samples) -> float | None:
    big = ratio(s.median("iraq_large", who, "seconds"), s.median("iraq_large", who, "vehicle_trips"))
    small = ratio(s.median("iraq_small", who, "seconds"), s.median("iraq_small", who, "vehicle_trips"))
    return ratio(big, small)


def _trip_growth(s: Samples, z: Sizes) -> Pair:
    h = _per_trip("head", s)
    return _per_trip("base", s), h, h


def _jobs(s: Samples, z: Sizes) -> Pair:
    sp = ratio(s.median("jobs1", "head", "seconds"), s.median("jobs2", "head", "seconds"))
    return None, sp, sp


def _vs_import(measure: str) -> Callable[[Samples, Sizes], Pair]:
    def f(s: Samples, z: Sizes) -> Pair:
        floor = s.median("cli_import", "machine", "seconds")
        b, h = _secs(s, measure)
        return ratio(b, floor), ratio(h, floor), ratio(h, floor)

    return f


def _mib(x: float | None) -> float | None:
    return None if x is None else x / MIB


def _rss_flagship(s: Samples, z: Sizes) -> Pair:
    h = _mib(s.maximum("rss", "head", "peak_any_process_bytes"))
    return _mib(s.maximum("rss", "base", "peak_any_process_bytes")), h, h


def _rss_iraq(s: Samples, z: Sizes) -> Pair:
    h = _mib(s.maximum("iraq_large", "head", "peak_rss_bytes"))
    return _mib(s.maximum("iraq_large", "base", "peak_rss_bytes")), h, h


TARGETS = [
    Target("iraq_vs_base", "Iraq {large}, one replication: head against base", ">=", 10, "x",
           _vs_base("iraq_large"), "s"),
    Target("iraq_vs_floor", "Iraq {large}, one replication, against bare SimPy for the same kernel events",
           "<=", 20, "x", _vs_floor, "x"),
    Target("trip_growth", "cost per vehicle trip, Iraq {large} against {small}", "<=", 1.3, "x",
           _trip_growth, "x"),
    Target("flagship_vs_base", "flagship replications/s, one process: head against base", ">=", 5, "x",
           _flagship, "rep/s"),
    Target("jobs2", "flagship posture run --jobs 2 against --jobs 1 (head)", ">=", 1.8, "x", _jobs, "x"),
    Target("worked_vs_base", "worked example, one replication in-process: head against base", ">=", 3, "x",
           _vs_base("worked"), "s"),
    Target("help", "posture --help, against python -c 'import simpy, yaml'", "<=", 4, "x",
           _vs_import("cli_help"), "x"),
    Target("validate", "posture validate syria-2026.yaml, against the same", "<=", 6, "x",
           _vs_import("cli_validate"), "x"),
    Target("rss_flagship", "peak RSS of any process, flagship -n {rss_n} --jobs 2", "<", 250, "MiB",
           _rss_flagship, "MiB"),
    Target("rss_iraq", "peak RSS, Iraq {large}", "<", 400, "MiB", _rss_iraq, "MiB"),
]  # fmt: skip

_OPS = {">=": operator.ge, "<=": operator.le, "<": operator.lt}
_SIGN = {">=": "≥", "<=": "≤", "<": "<"}


def fmt(x: float | None, unit: str) -> str:
    """One figure for a table cell ("—" when unknown)."""
    if x is None:
        return "—"
    if unit == "s":
        if x >= 10:
            return f"{x:,.1f} s"
        return f"{x:.2f} s" if x >= 1 else (f"{1e3 * x:.1f} ms" if x >= 1e-3 else f"{1e6 * x:.0f} µs")
    if unit == "x":
        return f"{x:,.1f}×" if x >= 10 else f"{x:.2f}×"
    if unit == "MiB":
        return f"{x:,.0f} MiB"
    if unit == "rep/s":
        return f"{x:,.1f} rep/s"
    return f"{x:,.0f} {unit}" if abs(x) >= 100 else f"{x:.3g} {unit}"


def evaluate(s: Samples, z: Sizes) -> list[dict[str, Any]]:
    """One row per target: what, base, head, measured, target, result (and the raw figures)."""
    ceiling = s.median("ceiling", "machine", "speedup")
    rows = []
    for t in TARGETS:
        base, head, judged = t.figures(s, z)
        what = t.what.format(large=f"×{z.iraq_large:g}", small=f"×{z.iraq_small:g}", rss_n=f"{z.rss_n:,}")
        if judged is None:
            verdict = "—"
        elif t.key == "jobs2" and (ceiling is None or ceiling < MIN_CEILING):
            verdict = "not judged"
        else:
            verdict = "PASS" if _OPS[t.op](judged, t.limit) else "FAIL"
        if t.key == "jobs2" and ceiling is not None:
            what += f"; machine gave {ceiling:.2f}× (judged at ≥ {MIN_CEILING}×)"
        if z.quick and verdict in ("PASS", "FAIL"):
            verdict = f"({verdict})"
        limit = f"{t.limit:g}×" if t.unit == "x" else f"{t.limit:g} MiB"
        rows.append(
            {
                "key": t.key,
                "what": what,
                "base": fmt(base, t.shown),
                "head": fmt(head, t.shown),
                "measured": fmt(judged, t.unit),
                "target": f"{_SIGN[t.op]} {limit}",
                "result": verdict,
                "base_value": base,
                "head_value": head,
                "value": judged,
                "limit": t.limit,
                "op": t.op,
            }
        )
    return rows
