"""Many replications in a notebook: :func:`run_many` and the in-memory :class:`Runs`.

The command line keeps replications in a store so that long runs resume; a notebook wants
them in memory, as tables::

    import sim
    runs = sim.run_many("scenarios/syria-2026.yaml", n=200, seed=1, jobs=2)
    runs.runs                    # one row per replication (runs.csv), a pandas DataFrame
    runs.bands("personnel")      # per-day P5 ... P95 of a measure (metric_bands.csv)
    runs.troop_bands()           # per-day P10/P50/P90 per site and in theatre
    runs.summary()               # the summary.json mapping
    runs.plot_fan()              # the fan chart, a matplotlib Figure

:func:`run_many` runs through the same runner as ``posture run -n`` (same seeds, same
answers, ``jobs`` and Dask alike) into a temporary store, reads every table it offers into
memory, and removes the store: nothing is left on disk, and the object can be kept, pickled
or passed around. A scenario may be given as a path or a loaded :class:`~sim.Scenario`.
pandas is imported when a table is asked for, matplotlib when a plot is.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Unpack

import numpy as np

from ..experiment.columns import SCALE, in_unit
from ..experiment.plan import PlanOptions, Point, RunPlan, make_plan
from ..experiment.stats import describe
from ..scenario.schema import Scenario

if TYPE_CHECKING:
    from ..experiment.ensemble import Ensemble, MeasureBands


class Runs:
    """The replications of one scenario, held in memory (see the module's docstring)."""

    def __init__(self, ens: Ensemble) -> None:
        self.scenario: Scenario = ens.scenario
        self.plan: RunPlan = ens.plan
        self.n: int = ens.n
        self._summary = ens.summary()
        self._runs = ens.runs_rows()
        self._days, self._troop = ens.bands()
        self._measures: MeasureBands = ens.measure_bands()
        self._phase_starts = ens.phase_starts()
        self._closure_h = np.array(ens["closure_h"], dtype=float)
        self._closure95_h = np.array(ens["closure95_h"], dtype=float)

    def __repr__(self) -> str:
        p50 = self._summary["closure_days"]["p50"]
        closure = "median closure beyond the horizon" if p50 is None else f"median closure {p50:.2f} days"
        return f"<Runs {self.scenario.name!r}: {self.n:,} replications (seed {self.plan.seed}), {closure}>"

    @property
    def runs(self) -> Any:
        """One row per replication, as ``runs.csv`` (a pandas DataFrame)."""
        import pandas as pd

        header, rows = self._runs
        return pd.DataFrame(rows, columns=header)

    def summary(self) -> dict[str, Any]:
        """The ``summary.json`` mapping: statistics of every milestone over the replications."""
        return dict(self._summary)

    def metrics(self) -> list[str]:
        """The measures :meth:`bands` takes (``personnel``, ``personnel@SITE``, ...)."""
        return list(self._measures.keys)

    def bands(self, metric: str = "personnel") -> Any:
        """Per-day P5, P10, P25, P50, P75, P90 and P95 of one measure (a pandas DataFrame with
        ``day`` and ``date``); :meth:`metrics` lists the measures."""
        import pandas as pd

        if metric not in self._measures.keys:
            raise KeyError(f"no measure {metric!r}; the measures are: {', '.join(self._measures.keys)}")
        frame = pd.DataFrame({"day": self._measures.days.astype(int)})
        frame["date"] = pd.Timestamp(self.scenario.start) + pd.to_timedelta(frame["day"], unit="D")
        for name, values in self._measures.of(metric).items():
            frame[name] = values
        return frame

    def troop_bands(self) -> Any:
        """Per-day P10/P50/P90 of personnel at each site, on the road and in theatre, as
        ``troop_curve_bands.csv`` (a pandas DataFrame, one column per series and percentile)."""
        import pandas as pd

        frame = pd.DataFrame({"day": self._days.astype(int)})
        frame["date"] = pd.Timestamp(self.scenario.start) + pd.to_timedelta(frame["day"], unit="D")
        for name, qs in self._troop.items():
            for q, values in qs.items():
                frame[f"{name}_{q}"] = values
        return frame

    def closure_days(self, share: int = 100) -> Any:
        """Each replication's closure (100 %) or 95 % closure in days, NaN if not reached."""
        hours = self._closure_h if share == 100 else self._closure95_h
        return hours / 24.0

    def plot_fan(self) -> Any:
        """The fan chart of personnel in theatre (``fan_chart.png``), a matplotlib Figure."""
        from .curve_plots import fan_chart_figure
        from .plots import load_matplotlib

        load_matplotlib()
        mb = self._measures
        closure = describe(self._closure_h, SCALE["days"])
        extra = f"{self.n:,} replications, median and bands"
        sites = {sid: mb.of(f"personnel@{sid}") for sid in self.scenario.sites}
        return fan_chart_figure(
            self.scenario, mb.days, mb.of("personnel"), extra, closure, self._phase_starts, sites
        )

    def plot_cdf(self) -> Any:
        """The closure CDF (``closure_cdf.png``), a matplotlib Figure."""
        from .curve_plots import closure_cdf_figure
        from .plots import load_matplotlib

        load_matplotlib()
        return closure_cdf_figure(
            self.scenario,
            [in_unit(float(h), "days") for h in self._closure_h],
            [in_unit(float(h), "days") for h in self._closure95_h],
        )


def run_many(
    scenario: Scenario | str | Path,
    n: int = 100,
    *,
    overrides: list[str] | None = None,
    events: list[str] | None = None,
    plan: RunPlan | None = None,
    posterior: str | Path | None = None,
    **options: Unpack[PlanOptions],
) -> Runs:
    """Run ``n`` replications of ``scenario`` and keep them in memory as :class:`Runs`.

    ``scenario`` is a loaded scenario or a path (then ``overrides`` and ``events`` apply as
    ``--set`` and ``--event``). How to run is ``plan`` or the :class:`~sim.RunPlan` fields as
    keyword arguments (``seed``, ``jobs``, ``deterministic``, ``executor``, ``scheduler``,
    ``chunk``). ``posterior`` is a posterior file to draw parameters from (as ``--parameters``).
    """
    from ..experiment.ensemble import Ensemble
    from ..experiment.runner import simulate_many
    from ..scenario.loader import load_scenario

    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario, overrides or [], events or [])
    elif overrides or events:
        raise TypeError("overrides and events apply to a scenario file; give its path")
    the_plan = make_plan(plan, n, options)
    if posterior is not None:
        from dataclasses import replace

        from ..scenario.posterior import read_posterior

        the_plan = replace(the_plan, parameters=read_posterior(posterior, scenario))
    with simulate_many([Point(scenario)], store=None, plan=the_plan) as store:
        return Runs(Ensemble(store, scenario, the_plan))
