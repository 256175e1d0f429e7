"""Results of many replications: percentiles, bands, runs table, fan chart and CDF.

Everything here is computed from the :class:`~sim.store.RunStore` in replication order, so
the files written are byte-identical however the replications were spread over workers,
executors or interrupted sessions.

Files written for ``posture run FILE -n N`` (N > 1):

* ``runs.csv``: one row per replication, with the root seed and replication index;
* ``summary.json``: the single-run keys, each now a mapping of P10/P50/P90, mean, 95 % CI,
  completed share (e.g. ``closure_weeks.p50``);
* ``troop_curve_bands.csv``: P10/P50/P90 per day for each site, the road and the total;
* ``fan_chart.png`` and ``closure_cdf.png``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
from rich.table import Table

from ..engine.results import rounded
from ..outputs.files import inside, write_csv, write_json
from ..outputs.plots import closure_cdf_figure, fan_chart_figure, save_figure
from ..scenario.schema import Scenario
from .stats import bands, describe
from .store import RunStore

BLOCK_BYTES = 64 * 2**20


class Ensemble:
    """The replications of one point, read from a store."""

    def __init__(
        self, scenario: Scenario, store: RunStore, point: int, seed: int, deterministic: bool, n: int
    ) -> None:
        self.scenario = scenario
        self.store = store
        self.point = point
        self.seed = seed
        self.deterministic = deterministic
        rows = list(store.scalars(point, n))
        self.reps = np.array([r[0] for r in rows], dtype=np.int64)
        self.completed = np.array([r[1] for r in rows], dtype=bool)
        self.closure_h = np.array([np.nan if r[2] is None else r[2] for r in rows], dtype=float)
        self.closure95_h = np.array([np.nan if r[3] is None else r[3] for r in rows], dtype=float)
        self.end_h = np.array([r[4] for r in rows], dtype=float)
        self.kernel_events = np.array([r[5] for r in rows], dtype=np.int64)
        n_ph, n_si = len(scenario.phases), len(scenario.sites)
        self.phases_h = np.array([r[6] for r in rows]).reshape(-1, n_ph)
        self.sites_h = np.array([r[7] for r in rows]).reshape(-1, n_si)

    @property
    def n(self) -> int:
        """Number of replications."""
        return len(self.reps)

    def summary(self) -> dict[str, Any]:
        """The ``summary.json`` mapping over all replications."""
        s = self.scenario
        day, week = 1 / 24.0, 1 / (24.0 * 7)
        out: dict[str, Any] = {
            "scenario": s.name,
            "start": s.start.isoformat(),
            "horizon_days": s.horizon_days,
            "seed": self.seed,
            "replications": self.n,
            "deterministic": self.deterministic,
            "completed": bool(self.completed.all()),
            "completed_share": round(float(self.completed.mean()), 6) if self.n else 0.0,
        }
        for key, hours in (("closure", self.closure_h), ("closure95", self.closure95_h)):
            out[f"{key}_days"] = describe(hours, day)
            out[f"{key}_weeks"] = describe(hours, week)
            out[f"{key}_date"] = {q: self._date(out[f"{key}_days"][q]) for q in ("p10", "p50", "p90")}
        out["phases"] = {
            pid: {"closure_days": describe(self.phases_h[:, i], day)}
            for i, pid in enumerate(p.id for p in s.phases)
        }
        out["sites"] = {
            sid: {"empty_day": describe(self.sites_h[:, i], day)} for i, sid in enumerate(s.sites)
        }
        return out

    def _date(self, days: float | None) -> str | None:
        if days is None:
            return None
        return (
            (dt.datetime.combine(self.scenario.start, dt.time()) + dt.timedelta(days=days)).date().isoformat()
        )

    def runs_rows(self) -> tuple[list[str], list[list[Any]]]:
        """Header and rows of ``runs.csv``."""
        s = self.scenario
        header = [
            "root_seed",
            "replication",
            "completed",
            "closure_days",
            "closure_weeks",
            "closure95_days",
            "end_days",
            *(f"phase_{p.id}_closure_days" for p in s.phases),
            *(f"site_{sid}_empty_day" for sid in s.sites),
        ]
        rows = []
        for i in range(self.n):
            c = self.closure_h[i]
            rows.append(
                [
                    self.seed,
                    int(self.reps[i]),
                    int(self.completed[i]),
                    _d(c),
                    _d(c, 7),
                    _d(self.closure95_h[i]),
                    _d(self.end_h[i]),
                    *(_d(x) for x in self.phases_h[i]),
                    *(_d(x) for x in self.sites_h[i]),
                ]
            )
        return header, rows

    def bands(self) -> tuple[np.ndarray, dict[str, dict[str, np.ndarray]]]:
        """Per-day percentile bands for each site, the road and the in-theatre total."""
        s = self.scenario
        n_days = int(np.floor(s.horizon_days)) + 1
        cols = len(s.sites) + 1
        mask = np.append(np.array(s.in_theatre(), dtype=bool), True)
        names = [*s.sites, "in_transit", "in_theatre"]
        out: dict[str, dict[str, list[np.ndarray]]] = {name: {} for name in names}
        per_day = max(1, self.n * cols * 4)
        step = max(1, min(n_days, BLOCK_BYTES // per_day))
        for lo in range(0, n_days, step):
            block = self.store.curve_block(self.point, self.n, (n_days, cols), slice(lo, lo + step))
            series = np.concatenate([block, block[:, :, mask].sum(axis=2, keepdims=True)], axis=2)
            for j, name in enumerate(names):
                for q, values in bands(series[:, :, j]).items():
                    out[name].setdefault(q, []).append(values)
        days = np.arange(n_days, dtype=float)
        return days, {name: {q: np.concatenate(v) for q, v in qs.items()} for name, qs in out.items()}

    def band_rows(
        self, days: np.ndarray, b: dict[str, dict[str, np.ndarray]]
    ) -> tuple[list[str], list[list[Any]]]:
        """Header and rows of ``troop_curve_bands.csv``."""
        header = ["day", "date"] + [f"{name}_{q}" for name in b for q in ("p10", "p50", "p90")]
        rows = []
        for k, day in enumerate(days):
            date = (self.scenario.start + dt.timedelta(days=int(day))).isoformat()
            rows.append(
                [
                    int(day),
                    date,
                    *(rounded(float(b[name][q][k]), 2) for name in b for q in ("p10", "p50", "p90")),
                ]
            )
        return header, rows

    def table(self) -> Table:
        """The console summary: P10/P50/P90, mean with CI and share finished per milestone."""
        s = self.scenario
        t = Table(title=f"{s.name} — {self.n:,} replications (seed {self.seed})", title_justify="left")
        for col in ("milestone (days)", "P10", "P50", "P90", "mean", "95 % CI", "finished"):
            t.add_column(col, justify="left" if col.startswith("milestone") else "right")
        day = 1 / 24.0
        rows = [("closure (100 %)", self.closure_h), ("closure (95 %)", self.closure95_h)]
        rows += [(f"phase {p.id}", self.phases_h[:, i]) for i, p in enumerate(s.phases)]
        rows += [
            (f"{sid} empty", self.sites_h[:, i])
            for i, sid in enumerate(s.sites)
            if np.isfinite(self.sites_h[:, i]).any()
        ]
        for label, hours in rows:
            d = describe(hours, day)
            ci = "—" if d["ci95"] is None else f"{d['ci95'][0]:.2f}–{d['ci95'][1]:.2f}"
            t.add_row(
                label, *(_fmt(d[q]) for q in ("p10", "p50", "p90", "mean")), ci, f"{d['completed_share']:.0%}"
            )
        return t

    def write(self, out_dir: Path, *, plot: bool = True) -> list[Path]:
        """Write runs.csv, summary.json, troop_curve_bands.csv and the plots."""
        days, b = self.bands()
        written = [
            write_csv(inside(out_dir, "runs.csv"), *self.runs_rows()),
            write_json(inside(out_dir, "summary.json"), self.summary()),
            write_csv(inside(out_dir, "troop_curve_bands.csv"), *self.band_rows(days, b)),
        ]
        if plot:
            p90 = describe(self.closure_h, 1 / 24.0)["p90"]
            extra = f"{self.n:,} replications, median and bands"
            written.append(
                save_figure(
                    fan_chart_figure(self.scenario, days, b["in_theatre"], extra, p90),
                    inside(out_dir, "fan_chart.png"),
                )
            )
            written.append(
                save_figure(
                    closure_cdf_figure(
                        self.scenario, [_d(h) for h in self.closure_h], [_d(h) for h in self.closure95_h]
                    ),
                    inside(out_dir, "closure_cdf.png"),
                )
            )
        return written


def _d(hours: float, per: float = 1.0) -> float | None:
    return None if not np.isfinite(hours) else round(float(hours) / 24.0 / per, 4)


def _fmt(x: float | None) -> str:
    return "beyond" if x is None else f"{x:.2f}"
