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

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from ..engine.results import Result, date_at, hours_to_days
from ..experiment.columns import SCALE
from ..experiment.stats import describe
from .files import inside, write_csv, write_json
from .plot_style import DEFAULT_DPI, PlotInfo
from .terminal import PlainTable

if TYPE_CHECKING:
    from ..experiment.ensemble import Ensemble
    from ..experiment.sweep import Sweep
    from .manifest import Trace

Notice = Callable[[str], None]
"""Where a command hears what it should tell the user (a plot not drawn, and why)."""


# ----------------------------------------------------------------------- one run
def write_run(
    result: Result,
    out_dir: Path | str,
    *,
    plot: bool = True,
    fmt: str = "png",
    dpi: float = DEFAULT_DPI,
    notice: Notice | None = None,
    html: Trace | None = None,
) -> list[Path]:
    """Write one run's ``summary.json``, ``troop_curve.csv``, ``events.csv``, ``daily.csv``, plots.

    Plots (:func:`~.figures.run_figures`) are written as ``fmt`` at ``dpi``; ``notice`` hears
    why a plot that would be empty is not drawn. With ``html`` (what made the files), also
    ``report.html`` (:mod:`.html_report`), last, with the same figures inline.
    """
    written = [
        write_json(inside(out_dir, "summary.json"), result.summary()),
        write_csv(inside(out_dir, "troop_curve.csv"), *result.troop_curve_rows()),
        write_csv(inside(out_dir, "events.csv"), *result.convoy_rows()),
        write_csv(inside(out_dir, "daily.csv"), *result.daily_rows()),
    ]
    if plot:
        from .figures import run_figures, save_all
        from .map_plot import run_map

        info = PlotInfo.now(result.scenario.name, result.seed, 1)
        figures = {**run_figures(result, info), "map": run_map(result, info)}
        written += save_all(figures, out_dir, fmt, dpi, notice)
    if html is not None:
        from .html_report import write_run_report

        drawn = figures if plot else {}
        written.append(write_run_report(result, out_dir, drawn, written, html, plot=plot))
    return written


def _when(result: Result, hours: float | None) -> tuple[str, str, str]:
    if hours is None:
        return "—", "—", "not reached"
    d = hours_to_days(hours) or 0.0
    return f"{d:.2f}", f"{d / 7:.2f}", date_at(result.scenario.start, hours) or ""


def run_table(result: Result) -> PlainTable:
    """The one-run summary table (print :attr:`Result.what` with it: what the run is)."""
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
def write_ensemble(
    ens: Ensemble,
    out_dir: Path | str,
    *,
    plot: bool = True,
    fmt: str = "png",
    dpi: float = DEFAULT_DPI,
    notice: Notice | None = None,
    html: Trace | None = None,
) -> list[Path]:
    """Write ``runs.csv``, ``summary.json``, ``troop_curve_bands.csv``, ``metric_bands.csv``, plots
    (:func:`~.figures.ensemble_figures`) and, with ``html``, ``report.html`` (as for :func:`write_run`)."""
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
        from .figures import ensemble_figures, save_all
        from .map_plot import replications_map

        info = PlotInfo.now(ens.scenario.name, ens.plan.seed, ens.n)
        figures = {**ensemble_figures(ens, mb, info), "map": replications_map(ens.scenario, info)}
        written += save_all(figures, out_dir, fmt, dpi, notice)
    if html is not None:
        from .html_report import write_ensemble_report

        drawn = figures if plot else {}
        written.append(write_ensemble_report(ens, out_dir, drawn, written, html, plot=plot))
    return written


def ensemble_table(ens: Ensemble) -> PlainTable:
    """The console summary: P10/P50/P90 in days, the P50 in weeks and as a date, and the share
    finished, per milestone; then, per phase, what bound it most often. The mean and its 95 %
    confidence interval are in ``summary.json``."""
    s = ens.scenario
    t = PlainTable(
        title=f"{s.name} — {ens.n:,} replications (seed {ens.plan.seed})",
        title_justify="left",
        caption=f"days from day 0 ({s.start.isoformat()}); mean and 95 % CI in summary.json",
        caption_justify="left",
    )
    for col in ("milestone (days)", "P10", "P50", "P90", "P50 wk", "P50 date", "finished"):
        t.add_column(col, justify="left" if col.startswith(("milestone", "P50 date")) else "right")
    for label, hours in ens.milestones():
        d = describe(hours, SCALE["days"])
        p50 = d["p50"]
        when = "beyond" if p50 is None else date_at(s.start, p50 * 24.0) or ""
        weeks = "beyond" if p50 is None else f"{p50 / 7:.1f}"
        t.add_row(
            label, *(_fmt(d[q]) for q in ("p10", "p50", "p90")), weeks, when, f"{d['completed_share']:.0%}"
        )
    return t


def binding_table(ens: Ensemble) -> PlainTable | None:
    """Per phase, the resources that bound it (busiest while it was open), by share of
    replications; ``None`` if the scenario has no phases."""
    binding = ens.binding()
    if not binding:
        return None
    t = PlainTable(title="What bound each phase (share of replications)", title_justify="left")
    t.add_column("phase")
    t.add_column("binding resource")
    for pid, shares in binding.items():
        shown = [f"{name} {share:.0%}" for name, share in shares.items()]
        t.add_row(pid, ", ".join(shown[:3]) + (", …" if len(shown) > 3 else ""))
    return t


def _fmt(x: float | None) -> str:
    return "beyond" if x is None else f"{x:.2f}"


# ----------------------------------------------------------------------- sweeps
def write_sweep(
    sweep: Sweep,
    out_dir: Path | str,
    *,
    plot: bool = True,
    fmt: str = "png",
    dpi: float = DEFAULT_DPI,
    notice: Notice | None = None,
    seed: int | None = None,
) -> list[Path]:
    """Write ``sweep.csv`` (and the sweep plot, as for :func:`write_run`; ``seed``: the
    root seed, for its footer)."""
    written = [write_csv(inside(out_dir, "sweep.csv"), sweep.header, sweep.rows())]
    if plot:
        from .figures import save_all, sweep_figures

        info = PlotInfo.now(sweep.name, seed, sweep.n, per_point=True)
        written += save_all(sweep_figures(sweep, info), out_dir, fmt, dpi, notice)
    return written


def ranking_table(ranking: list[tuple[str, float | None]]) -> PlainTable:
    """What moves the median closure most: each parameter's range of P50, largest first."""
    t = PlainTable(title="What moves the median closure most", title_justify="left")
    t.add_column("parameter")
    t.add_column("range of P50 (weeks)", justify="right")
    for key, effect in ranking:
        t.add_row(key, "beyond horizon" if effect is None else f"{effect:.2f}")
    return t
