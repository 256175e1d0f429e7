"""Sweeps: closure across a grid of parameter values, on common random numbers.

``posture sweep FILE --vary fleets.het.count=20,40,60 --vary convoy.max_vehicles=50,100``
runs every combination (the grid is built by :func:`~.plan.factor_points`). Replication ``i``
uses the same random streams at every point, so differences between points come from the
parameters, not from noise.

:func:`summarise_sweep` reads the store into a :class:`Sweep`: one tidy record per point (the
parameters, P10/P50/P90 of closure and 95 % closure in weeks, mean, completed share) and a
ranking of the parameters by how far they move the median (the range of the mean P50 across
each parameter's values, averaged over the other parameters). Writing ``sweep.csv`` and
drawing ``sweep.png`` is :mod:`sim.outputs.report`'s job.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .columns import SCALE
from .ensemble import Ensemble
from .plan import Point, RunPlan
from .stats import describe
from .store import RunStore

STATS = ("p10", "p50", "p90", "mean")


@dataclass(frozen=True)
class Sweep:
    """A sweep's summary: one record per point, in grid order."""

    name: str  # the scenario's name
    n: int  # replications per point
    keys: list[str]  # the varied parameters, in --vary order
    header: list[str]  # the columns of sweep.csv
    records: list[dict[str, Any]]

    def rows(self) -> list[list[Any]]:
        """The records as rows under :attr:`header`."""
        return [[r[h] for h in self.header] for r in self.records]

    @property
    def ranking(self) -> list[tuple[str, float | None]]:
        """The parameters by how far they move the P50 of closure; see :func:`ranking`."""
        return ranking(self.keys, self.records)


def summarise_sweep(points: Sequence[Point], store: RunStore, plan: RunPlan) -> Sweep:
    """One record per point: parameters, closure and 95 % closure percentiles (weeks)."""
    keys = list(points[0].factors) if points else []
    header = [
        *keys,
        "replications",
        *(f"closure_weeks_{q}" for q in STATS),
        *(f"closure95_weeks_{q}" for q in STATS[:3]),
        "completed_share",
    ]
    records = []
    for i, p in enumerate(points):
        ens = Ensemble(store, p.scenario, plan, point=i)
        c = describe(ens["closure_h"], SCALE["weeks"])
        c95 = describe(ens["closure95_h"], SCALE["weeks"])
        records.append(
            {
                **p.factors,
                "replications": ens.n,
                **{f"closure_weeks_{q}": c[q] for q in STATS},
                **{f"closure95_weeks_{q}": c95[q] for q in STATS[:3]},
                "completed_share": c["completed_share"],
            }
        )
    name = points[0].scenario.name if points else ""
    return Sweep(name, plan.n, keys, header, records)


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
        known = [m for m in means if m is not None]
        effect = None if len(known) < len(means) else max(known) - min(known)
        effects.append((key, None if effect is None else round(effect, 4)))
    return sorted(effects, key=lambda kv: (kv[1] is None, -(kv[1] or 0.0)))
