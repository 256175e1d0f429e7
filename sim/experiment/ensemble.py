"""What many replications of one point say together: percentiles, bands, the runs table.

Everything here is computed from the :class:`~.store.RunStore` in replication order, from
the columns declared in :mod:`.columns`, so the results are identical however the
replications were spread over workers, executors or interrupted sessions. Nothing here writes
a file or draws: :mod:`sim.outputs.report` does (``runs.csv``, ``summary.json``,
``troop_curve_bands.csv``, the fan chart and the closure CDF, the console table).

* :meth:`Ensemble.summary`: the ``summary.json`` mapping, every reported column as a
  statistics object (P10/P50/P90, mean with 95 % CI, completed share);
* :meth:`Ensemble.runs_rows`: one row per replication, with the root seed and its index;
* :meth:`Ensemble.bands` and :meth:`Ensemble.band_rows`: per-day P10/P50/P90 of each site,
  the road and the in-theatre total (``troop_curve_bands.csv``);
* :meth:`Ensemble.measure_bands` and :func:`measure_band_rows`: per-day P5-P95 of every
  measure of :mod:`sim.engine.measures` (``metric_bands.csv``), as :class:`MeasureBands`;
* :meth:`Ensemble.phase_starts`: when each phase opened, for the fan chart's marks;
* :meth:`Ensemble.milestones`: the rows of the console table, as hours per replication.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from ..engine import measures
from ..engine.results import rounded
from ..scenario.schema import Scenario
from .blocks import day_blocks
from .columns import COLUMNS, CURVE, MEASURES, SCALE, Column, Unit, column, ids, in_unit, shapes
from .plan import RunPlan
from .stats import bands, censored_percentile, describe
from .store import RunStore

QUANTILES = ("p10", "p50", "p90")
MEASURE_PERCENTILES = (5, 10, 25, 50, 75, 90, 95)
"""The percentiles of ``metric_bands.csv``, in its column order."""
StartHow = Literal["start_day", "P50"]


@dataclass(frozen=True)
class MeasureBands:
    """Per-day percentiles over replications of every measure of one scenario."""

    days: np.ndarray  # (days,): 0, 1, ... floor(horizon_days)
    keys: list[str]  # measures.keys(scenario), the second axis of values
    values: np.ndarray  # (days, keys, percentiles), percentiles as in MEASURE_PERCENTILES

    def of(self, key: str) -> dict[str, np.ndarray]:
        """One measure's bands by percentile name (``"p5"`` ... ``"p95"``), one value per day."""
        k = self.keys.index(key)
        return {f"p{q}": self.values[:, k, j] for j, q in enumerate(MEASURE_PERCENTILES)}


class Ensemble:
    """The first ``plan.n`` replications of one point, read from a store."""

    def __init__(self, store: RunStore, scenario: Scenario, plan: RunPlan, point: int = 0) -> None:
        self.store = store
        self.scenario = scenario
        self.plan = plan
        self.point = point
        self.values = store.read(point, plan.n, shapes=shapes(scenario))

    def __getitem__(self, name: str) -> np.ndarray:
        """One column over replications (``"rep"``: the replication indices)."""
        return self.values[name]

    @property
    def n(self) -> int:
        """Number of replications."""
        return len(self.values["rep"])

    def series(self, col: Column) -> list[tuple[str, np.ndarray]]:
        """``(id, one value per replication)`` for each phase or site of a column, or ``("", ...)``."""
        values = self.values[col.name]
        if col.shape == "scalar":
            return [("", values)]
        return [(i, values[:, k]) for k, i in enumerate(ids(col, self.scenario))]

    def summary(self) -> dict[str, Any]:
        """The ``summary.json`` mapping over all replications."""
        s = self.scenario
        done = self.values["completed"]
        out: dict[str, Any] = {
            "scenario": s.name,
            "start": s.start.isoformat(),
            "horizon_days": s.horizon_days,
            "seed": self.plan.seed,
            "replications": self.n,
            "deterministic": self.plan.deterministic,
            "completed": bool(done.all()),
            "completed_share": round(float(done.mean()), 6) if self.n else 0.0,
        }
        for col in COLUMNS:
            if not col.summary and col.dates is None:
                continue
            for key in (*(k for k, _ in col.summary), *([col.dates] if col.dates else [])):
                if "{id}" in key:  # the mapping of ids exists even when there are none
                    parts = key.split(".")
                    _container(out, parts[: next(k for k, part in enumerate(parts) if "{id}" in part)])
            for i, hours in self.series(col):
                for key, unit in col.summary:
                    _put(out, _path(key, i), describe(hours, SCALE[unit]))
                if col.dates:
                    days = describe(hours, SCALE["days"])
                    _put(out, _path(col.dates, i), {q: self._date(days[q]) for q in QUANTILES})
        out["utilisation"] = self.utilisation()
        for pid, shares in self.binding().items():
            _put(out, ["phases", pid, "binding"], shares)
        if s.parameters:
            out["parameters"] = self.parameters()
        return out

    def utilisation(self) -> dict[str, dict[str, float]]:
        """Each resource's utilisation over the run: P10/P50/P90 and mean over replications."""
        values = self.values["utilisation"]
        out = {}
        for k, name in enumerate(ids(column("utilisation"), self.scenario)):
            u = values[:, k]
            if not len(u):
                continue
            p10, p50, p90 = np.percentile(u, [10, 50, 90])
            out[name] = {
                "p10": round(float(p10), 4),
                "p50": round(float(p50), 4),
                "p90": round(float(p90), 4),
                "mean": round(float(u.mean()), 4),
            }
        return out

    def binding(self) -> dict[str, dict[str, float]]:
        """Per phase, the share of replications in which each resource was binding (the
        busiest while the phase was open), largest first; ``"none"``: nothing was busy."""
        names = ids(column("utilisation"), self.scenario)
        values = self.values["binding"]
        out = {}
        for k, phase in enumerate(self.scenario.phases):
            picks = values[:, k]
            counts = {(names[i] if i >= 0 else "none"): int((picks == i).sum()) for i in sorted(set(picks))}
            ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
            out[phase.id] = {name: round(c / max(len(picks), 1), 4) for name, c in ranked}
        return out

    def parameters(self) -> dict[str, Any]:
        """Where the parameter values came from, and each replication's value, by name."""
        values = self.values["parameters"]
        source = self.plan.parameters.describe() if self.plan.parameters else "priors"
        return {
            "source": source,
            "replication": [int(r) for r in self.values["rep"]],
            "values": {
                name: [round(float(v), 6) for v in values[:, k]]
                for k, name in enumerate(self.scenario.parameters)
            },
        }

    def _date(self, days: float | None) -> str | None:
        if days is None:
            return None
        return (
            (dt.datetime.combine(self.scenario.start, dt.time()) + dt.timedelta(days=days)).date().isoformat()
        )

    def runs_rows(self) -> tuple[list[str], list[list[Any]]]:
        """Header and rows of ``runs.csv``."""
        header = ["root_seed", "replication"]
        cells: list[tuple[Column, np.ndarray, Unit | None]] = []
        for col in COLUMNS:
            if not col.runs:
                continue
            for i, values in self.series(col):
                for name, unit in col.runs:
                    header.append(name.format(id=i))
                    cells.append((col, values, unit))
        rows = [
            [self.plan.seed, int(rep), *(_cell(col, values[k], unit) for col, values, unit in cells)]
            for k, rep in enumerate(self.values["rep"])
        ]
        return header, rows

    def milestones(self) -> list[tuple[str, np.ndarray]]:
        """The console table's rows: a label and hours per replication (NaN: not reached)."""
        rows = []
        for col in COLUMNS:
            if col.label is None:
                continue
            for i, hours in self.series(col):
                if col.label_if_reached and not np.isfinite(hours).any():
                    continue
                rows.append((col.label.format(id=i), hours))
        return rows

    def bands(self) -> tuple[np.ndarray, dict[str, dict[str, np.ndarray]]]:
        """Per-day percentile bands for each site, the road and the in-theatre total."""
        s = self.scenario
        n_days, cols = shapes(s)[CURVE]
        mask = np.append(np.array(s.in_theatre(), dtype=bool), True)
        names = [*s.sites, "in_transit", "in_theatre"]
        out: dict[str, dict[str, list[np.ndarray]]] = {name: {} for name in names}
        for _, block in day_blocks(self.store, self.point, self.n, CURVE, (n_days, cols)):
            series = np.concatenate([block, block[:, :, mask].sum(axis=2, keepdims=True)], axis=2)
            for j, name in enumerate(names):
                for q, values in bands(series[:, :, j]).items():
                    out[name].setdefault(q, []).append(values)
        days = np.arange(n_days, dtype=float)
        return days, {name: {q: np.concatenate(v) for q, v in qs.items()} for name, qs in out.items()}

    def measure_bands(self) -> MeasureBands:
        """Per-day P5/P10/P25/P50/P75/P90/P95 of every measure, read a block of days at a time."""
        keys = measures.keys(self.scenario)
        n_days, n_keys = shapes(self.scenario)[MEASURES]
        qs = MEASURE_PERCENTILES
        out = np.full((n_days, n_keys, len(qs)), np.nan)
        for lo, block in day_blocks(self.store, self.point, self.n, MEASURES, (n_days, n_keys)):
            if len(block) == 0:
                continue
            days = block.shape[1]
            pct = bands(block.reshape(len(block), days * n_keys), qs)
            out[lo : lo + days] = np.stack([pct[f"p{q}"] for q in qs], axis=-1).reshape(days, n_keys, len(qs))
        return MeasureBands(np.arange(n_days, dtype=float), keys, out)

    def phase_starts(self) -> dict[str, tuple[float, StartHow]]:
        """When each phase opened, in days: ``(day, how)``.

        ``"P50"``: the median over replications of ``max(start_day, closure of every phase in
        after)``, for a phase that waits for others; ``"start_day"``: the scheduled day, for a
        phase that waits for none, or whose start an event may move (``start_phase``,
        ``cancel_phase``), where the replications do not record it (day 0 without a
        ``start_day``). A phase that waits for others and whose median is beyond the horizon,
        or that an event may move, is left out.
        """
        s = self.scenario
        moved = {getattr(ev, "phase", None) for ev in s.events if ev.type in ("start_phase", "cancel_phase")}
        order = [p.id for p in s.phases]
        closed = self.values["phases"]
        out: dict[str, tuple[float, StartHow]] = {}
        for ph in s.phases:
            if ph.after and ph.id not in moved and self.n:
                hours = np.full(self.n, (ph.start_day or 0.0) * 24.0)
                for dep in ph.after:
                    hours = np.maximum(hours, closed[:, order.index(dep)])
                p50 = censored_percentile(np.where(np.isfinite(hours), hours, np.inf), 50)
                if p50 is not None:
                    out[ph.id] = (p50 / 24.0, "P50")
            elif not ph.after:
                out[ph.id] = (float(ph.start_day or 0.0), "start_day")
        return out

    def band_rows(
        self, days: np.ndarray, b: dict[str, dict[str, np.ndarray]]
    ) -> tuple[list[str], list[list[Any]]]:
        """Header and rows of ``troop_curve_bands.csv``."""
        header = ["day", "date"] + [f"{name}_{q}" for name in b for q in QUANTILES]
        rows = []
        for k, day in enumerate(days):
            date = (self.scenario.start + dt.timedelta(days=int(day))).isoformat()
            rows.append(
                [int(day), date, *(rounded(float(b[name][q][k]), 2) for name in b for q in QUANTILES)]
            )
        return header, rows


def measure_band_rows(scenario: Scenario, mb: MeasureBands) -> tuple[list[str], Iterator[list[Any]]]:
    """Header and rows of ``metric_bands.csv``: one row per day and measure, day by day."""
    header = ["day", "date", "measure", *(f"p{q}" for q in MEASURE_PERCENTILES)]

    def rows() -> Iterator[list[Any]]:
        for k, day in enumerate(mb.days):
            date = (scenario.start + dt.timedelta(days=int(day))).isoformat()
            for j, key in enumerate(mb.keys):
                yield [int(day), date, key, *(rounded(float(v), 2) for v in mb.values[k, j])]

    return header, rows()


def _path(key: str, id_: str) -> list[str]:
    """A dotted ``summary.json`` key as its parts, ``{id}`` filled (ids may contain dots)."""
    return [part.format(id=id_) for part in key.split(".")]


def _container(out: dict[str, Any], path: list[str]) -> dict[str, Any]:
    node = out
    for part in path:
        node = node.setdefault(part, {})
    return node


def _put(out: dict[str, Any], path: list[str], value: Any) -> None:
    _container(out, path[:-1])[path[-1]] = value


def _cell(col: Column, value: Any, unit: Unit | None) -> Any:
    """One ``runs.csv`` cell: hours in a unit, or the stored value (flags and counts as integers)."""
    if unit is not None:
        return in_unit(value, unit)
    return int(value) if np.dtype(col.dtype).kind in "biu" else rounded(float(value))
