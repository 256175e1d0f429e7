"""Sweeps: closure across a grid of parameter values, on common random numbers.

``posture sweep FILE --vary fleets.het.count=20,40,60 --vary convoy.max_vehicles=50,100``
runs every combination. Replication ``i`` uses the same random streams at every point, so
differences between points come from the parameters, not from noise.

Outputs: ``sweep.csv`` (one tidy row per point: the parameters, P10/P50/P90 of closure and
95 % closure in weeks, mean, completed share), ``sweep.png`` (closure weeks against each
varied parameter with its P10–P90 band), and a ranking of the parameters by how far they move
the median (the range of the mean P50 across each parameter's values, averaged over the
other parameters).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ..outputs.files import inside, write_csv
from ..outputs.plots import save_figure
from .ensemble import Ensemble
from .runner import Point
from .stats import describe
from .store import RunStore

WEEK = 1 / (24.0 * 7)


def sweep_rows(
    points: Sequence[Point], store: RunStore, seed: int, deterministic: bool, n: int
) -> tuple[list[str], list[dict[str, Any]]]:
    """One record per point: parameters, closure and 95 % closure percentiles (weeks)."""
    keys = list(points[0].factors) if points else []
    records = []
    for i, p in enumerate(points):
        ens = Ensemble(p.scenario, store, i, seed, deterministic, n)
        c, c95 = describe(ens.closure_h, WEEK), describe(ens.closure95_h, WEEK)
        records.append(
            {
                **p.factors,
                "replications": ens.n,
                "closure_weeks_p10": c["p10"],
                "closure_weeks_p50": c["p50"],
                "closure_weeks_p90": c["p90"],
                "closure_weeks_mean": c["mean"],
                "closure95_weeks_p10": c95["p10"],
                "closure95_weeks_p50": c95["p50"],
                "closure95_weeks_p90": c95["p90"],
                "completed_share": c["completed_share"],
            }
        )
    header = [
        *keys,
        "replications",
        "closure_weeks_p10",
        "closure_weeks_p50",
        "closure_weeks_p90",
        "closure_weeks_mean",
        "closure95_weeks_p10",
        "closure95_weeks_p50",
        "closure95_weeks_p90",
        "completed_share",
    ]
    return header, records


def ranking(keys: Sequence[str], records: Sequence[dict[str, Any]]) -> list[tuple[str, float | None]]:
    """Parameters ordered by how far they move the P50 of closure (weeks), largest first.

    For each parameter, the P50 is averaged over the other parameters at each of its values;
    the effect is the range of those averages. Points whose P50 is beyond the horizon make the
    effect unknown (``None``), listed last.
    """
    effects: list[tuple[str, float | None]] = []
    for key in keys:
        by_value: dict[str, list[float | None]] = {}
        for rec in records:
            by_value.setdefault(repr(rec[key]), []).append(rec["closure_weeks_p50"])
        means = [
            None if any(v is None for v in vs) else float(np.mean([float(v or 0.0) for v in vs]))
            for vs in by_value.values()
        ]
        effect = None if any(m is None for m in means) else max(means) - min(means)  # type: ignore[type-var, operator]
        effects.append((key, None if effect is None else round(effect, 4)))
    return sorted(effects, key=lambda kv: (kv[1] is None, -(kv[1] or 0.0)))


def sweep_figure(title: str, keys: Sequence[str], records: Sequence[dict[str, Any]]) -> Figure:
    """Closure weeks (P50 with P10–P90 band) against each varied parameter."""
    fig = Figure(figsize=(5.5 * max(1, len(keys)), 4.8), dpi=110, layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(1, max(1, len(keys)), squeeze=False)[0]
    for ax, key in zip(axes, keys, strict=False):
        others = [k for k in keys if k != key]
        groups: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
        for rec in records:
            groups.setdefault(tuple(rec[k] for k in others), []).append(rec)
        for g, (label, recs) in enumerate(sorted(groups.items(), key=lambda kv: repr(kv[0]))):
            recs = sorted(recs, key=lambda r: _num(r[key]))
            x = [_num(r[key]) for r in recs]
            y = np.array([_nan(r["closure_weeks_p50"]) for r in recs])
            lo = np.array([_nan(r["closure_weeks_p10"]) for r in recs])
            hi = np.array([_nan(r["closure_weeks_p90"]) for r in recs])
            name = ", ".join(f"{k}={v}" for k, v in zip(others, label, strict=True)) or "P50"
            line = ax.plot(x, y, marker="o", label=name if g < 8 else None)[0]
            ax.fill_between(x, lo, hi, color=line.get_color(), alpha=0.18)
        ax.set_xlabel(key)
        ax.set_ylabel("closure (weeks): P50, band P10–P90")
        ax.grid(True, alpha=0.3)
        ax.set_ylim(bottom=0)
        if others:
            ax.legend(fontsize=8)
    fig.suptitle(title, fontsize=12)
    return fig


def _num(v: Any) -> float:
    return float(v) if isinstance(v, int | float) and not isinstance(v, bool) else float("nan")


def _nan(v: float | None) -> float:
    return float("nan") if v is None else v


def write_sweep(
    points: Sequence[Point],
    store: RunStore,
    out_dir: Path,
    seed: int,
    deterministic: bool,
    n: int,
    title: str,
    *,
    plot: bool = True,
) -> tuple[list[Path], list[tuple[str, float | None]]]:
    """Write ``sweep.csv`` (and ``sweep.png``); return the files and the ranking."""
    header, records = sweep_rows(points, store, seed, deterministic, n)
    keys = list(points[0].factors) if points else []
    written = [write_csv(inside(out_dir, "sweep.csv"), header, ([r[h] for h in header] for r in records))]
    if plot:
        written.append(save_figure(sweep_figure(title, keys, records), inside(out_dir, "sweep.png")))
    return written, ranking(keys, records)
