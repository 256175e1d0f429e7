"""Reporting to the user: the console tables and the set of result files of each command.

For each kind of result, one function writes every file it produces into the output folder
and one renders the table a user sees in the terminal:

* one run (:class:`~sim.engine.results.Result`): :func:`write_run`, :func:`run_table`
  (closure in days, weeks and calendar date; 95 % closure; each phase; each site's last
  departure);
* many replications (:class:`~sim.experiment.ensemble.Ensemble`): :func:`write_ensemble`,
  :func:`ensemble_table` (P10/P50/P90, mean with CI and share finished per milestone);
* a sweep (:class:`~sim.experiment.sweep.Sweep`): :func:`write_sweep`, :func:`ranking_table`.

What goes in the files is computed by the engine and the experiment; this module only puts
it on disk and on screen. matplotlib is imported only when a plot is drawn.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ..engine.results import Result, date_at, hours_to_days
from ..experiment.columns import SCALE, in_unit
from ..experiment.stats import describe
from .files import inside, write_csv, write_json
from .terminal import PlainTable

if TYPE_CHECKING:
    from ..experiment.ensemble import Ensemble
    from ..experiment.sweep import Sweep


# ----------------------------------------------------------------------- one run
def write_run(result: Result, out_dir: Path | str, *, plot: bool = True) -> list[Path]:
    """Write one run's ``summary.json``, ``troop_curve.csv``, ``events.csv``, ``daily.csv``, plots."""
    written = [
        write_json(inside(out_dir, "summary.json"), result.summary()),
        write_csv(inside(out_dir, "troop_curve.csv"), *result.troop_curve_rows()),
        write_csv(inside(out_dir, "events.csv"), *result.convoy_rows()),
        write_csv(inside(out_dir, "daily.csv"), *result.daily_rows()),
    ]
    if plot:
        from .curve_plots import troop_curve_figure
        from .plots import gantt_figure, load_matplotlib, save_figure, throughput_figure

        load_matplotlib()

        written.append(save_figure(troop_curve_figure(result), inside(out_dir, "troop_curve.png")))
        written.append(save_figure(gantt_figure(result), inside(out_dir, "gantt.png")))
        written.append(save_figure(throughput_figure(result), inside(out_dir, "throughput.png")))
    return written


def _when(result: Result, hours: float | None) -> tuple[str, str, str]:
    if hours is None:
        return "—", "—", "not reached"
    d = hours_to_days(hours) or 0.0
    return f"{d:.2f}", f"{d / 7:.2f}", date_at(result.scenario.start, hours) or ""


def run_table(result: Result) -> PlainTable:
    """The one-run summary table."""
    s = result.scenario
    status = "completed" if result.completed else f"NOT completed within {s.horizon_days:g} days"
    t = PlainTable(title=f"{s.name} — {status}", title_justify="left")
    for col in ("milestone", "days", "weeks", "date"):
        t.add_column(col, justify="right" if col in ("days", "weeks") else "left")
    t.add_row("closure (100 %)", *_when(result, result.closure_h))
    t.add_row("closure (95 %)", *_when(result, result.closure95_h))
    for pid, h in result.phase_closure_h.items():
        t.add_row(f"phase {pid}", *_when(result, h))
    for sid, h in result.site_last_departure_h.items():
        if h is not None:
            t.add_row(f"last departure {sid}", *_when(result, h))
    if not result.completed:
        for sid, left in result.remaining.items():
            t.add_row(f"left at {sid}", ", ".join(f"{n:,} {c}" for c, n in left.items()), "", "")
        if result.in_transit:
            t.add_row("on the road", ", ".join(f"{n:,} {c}" for c, n in result.in_transit.items()), "", "")
        for why in result.binding:
            t.add_row("binding", why, "", "")
    return t


# ----------------------------------------------------------------------- many replications
def write_ensemble(ens: Ensemble, out_dir: Path | str, *, plot: bool = True) -> list[Path]:
    """Write ``runs.csv``, ``summary.json``, ``troop_curve_bands.csv``, ``metric_bands.csv``, plots."""
    from ..experiment.ensemble import measure_band_rows

    days, b = ens.bands()
    mb = ens.measure_bands()
    written = [
        write_csv(inside(out_dir, "runs.csv"), *ens.runs_rows()),
        write_json(inside(out_dir, "summary.json"), ens.summary()),
        write_csv(inside(out_dir, "troop_curve_bands.csv"), *ens.band_rows(days, b)),
        write_csv(inside(out_dir, "metric_bands.csv"), *measure_band_rows(ens.scenario, mb)),
    ]
    if plot:
        from .plots import load_matplotlib, save_figure

        load_matplotlib()
        from .curve_plots import closure_cdf_figure, fan_chart_figure

        s = ens.scenario
        closure = describe(ens["closure_h"], SCALE["days"])
        extra = f"{ens.n:,} replications, median and bands"
        sites = {sid: mb.of(f"personnel@{sid}") for sid in s.sites}
        fan = fan_chart_figure(s, mb.days, mb.of("personnel"), extra, closure, ens.phase_starts(), sites)
        written.append(save_figure(fan, inside(out_dir, "fan_chart.png")))
        cdf = closure_cdf_figure(
            ens.scenario,
            [in_unit(h, "days") for h in ens["closure_h"]],
            [in_unit(h, "days") for h in ens["closure95_h"]],
        )
        written.append(save_figure(cdf, inside(out_dir, "closure_cdf.png")))
    return written


def ensemble_table(ens: Ensemble) -> PlainTable:
    """The console summary: P10/P50/P90, mean with CI and share finished per milestone."""
    s = ens.scenario
    t = PlainTable(title=f"{s.name} — {ens.n:,} replications (seed {ens.plan.seed})", title_justify="left")
    for col in ("milestone (days)", "P10", "P50", "P90", "mean", "95 % CI", "finished"):
        t.add_column(col, justify="left" if col.startswith("milestone") else "right")
    for label, hours in ens.milestones():
        d = describe(hours, SCALE["days"])
        ci = "—" if d["ci95"] is None else f"{d['ci95'][0]:.2f}–{d['ci95'][1]:.2f}"
        t.add_row(
            label, *(_fmt(d[q]) for q in ("p10", "p50", "p90", "mean")), ci, f"{d['completed_share']:.0%}"
        )
    return t


def _fmt(x: float | None) -> str:
    return "beyond" if x is None else f"{x:.2f}"


# ----------------------------------------------------------------------- sweeps
def write_sweep(sweep: Sweep, out_dir: Path | str, *, plot: bool = True) -> list[Path]:
    """Write ``sweep.csv`` (and ``sweep.png``)."""
    written = [write_csv(inside(out_dir, "sweep.csv"), sweep.header, sweep.rows())]
    if plot:
        from .plots import load_matplotlib, save_figure, sweep_figure

        load_matplotlib()

        title = f"{sweep.name}: sweep of {sweep.n} replications per point"
        written.append(
            save_figure(sweep_figure(title, sweep.keys, sweep.records), inside(out_dir, "sweep.png"))
        )
    return written


def ranking_table(ranking: list[tuple[str, float | None]]) -> PlainTable:
    """What moves the median closure most: each parameter's range of P50, largest first."""
    t = PlainTable(title="What moves the median closure most", title_justify="left")
    t.add_column("parameter")
    t.add_column("range of P50 (weeks)", justify="right")
    for key, effect in ranking:
        t.add_row(key, "beyond horizon" if effect is None else f"{effect:.2f}")
    return t
