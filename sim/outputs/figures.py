"""Which figures each kind of result gets, and why a figure is left out.

A command draws the figures of its result through one of these, then saves them with
:func:`save_all`:

* one run (:func:`run_figures`): ``troop_curve``, ``gantt``, ``throughput``;
* many replications (:func:`ensemble_figures`): ``fan_chart``, ``closure_cdf``;
* a sweep (:func:`sweep_figures`): ``sweep``.

Each maps a file stem to its figure, or to the reason it is not drawn: a figure that would
be empty (a troop curve of a scenario without personnel, a Gantt chart where no base loaded
a convoy, a closure CDF where no replication finished) is never written; :func:`save_all`
says why instead, through the command's ``notice``. Every figure carries the footer of its
:class:`~.plot_style.PlotInfo`. matplotlib is imported only when drawing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Union

import numpy as np

from ..engine.results import Result
from ..experiment.columns import in_unit
from .files import inside
from .plot_style import DEFAULT_DPI, PlotInfo, save

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from ..experiment.ensemble import Ensemble, MeasureBands
    from ..experiment.sweep import Sweep

Drawn = Mapping[str, Union["Figure", str]]
"""Figures by file stem; a string in place of a figure says why it is not drawn."""


def run_figures(result: Result, info: PlotInfo) -> dict[str, Figure | str]:
    """The troop curve, the Gantt chart and the daily arrivals of one run."""
    from .curve_plots import no_personnel, troop_curve_figure
    from .plots import arrivals, gantt_figure, gantt_rows, throughput_figure

    out: dict[str, Figure | str] = {}
    peak = float(np.max(result.in_theatre, initial=0))
    out["troop_curve"] = no_personnel(result.scenario, peak) or troop_curve_figure(result, info)
    out["gantt"] = gantt_figure(result, info) if gantt_rows(result) else "no base loaded a convoy"
    moved = any(v.any() for v in arrivals(result).values())
    out["throughput"] = throughput_figure(result, info) if moved else "nothing arrived during the run"
    return out


def ensemble_figures(ens: Ensemble, bands: MeasureBands, info: PlotInfo) -> dict[str, Figure | str]:
    """The fan chart and the closure CDF of many replications (``bands``: their measure bands)."""
    from ..experiment.columns import SCALE
    from ..experiment.stats import describe
    from .cdf_plot import closure_cdf_figure
    from .curve_plots import fan_chart_figure, no_personnel

    s = ens.scenario
    out: dict[str, Figure | str] = {}
    theatre = bands.of("personnel")
    why = no_personnel(s, float(np.max(theatre["p95"], initial=0)))
    if why is None:
        closure = describe(ens["closure_h"], SCALE["days"])
        extra = f"{ens.n:,} replications, median and bands"
        sites = {sid: bands.of(f"personnel@{sid}") for sid in s.sites}
        out["fan_chart"] = fan_chart_figure(
            s, bands.days, theatre, extra, closure, ens.phase_starts(), sites, info
        )
    else:
        out["fan_chart"] = why
    full = [in_unit(h, "days") for h in ens["closure_h"]]
    ninety_five = [in_unit(h, "days") for h in ens["closure95_h"]]
    if any(d is not None for d in [*full, *ninety_five]):
        out["closure_cdf"] = closure_cdf_figure(s, full, ninety_five, info)
    else:
        out["closure_cdf"] = f"no replication finished within the {s.horizon_days:g}-day horizon"
    return out


def sweep_figures(sweep: Sweep, info: PlotInfo) -> dict[str, Figure | str]:
    """Closure against each varied parameter."""
    from .sweep_plot import blank_reason, sweep_figure

    title = f"{sweep.name}: sweep of {sweep.n:,} replications per point"
    why = blank_reason(sweep.records)
    return {"sweep": why or sweep_figure(title, sweep.keys, sweep.records, info)}


def save_all(
    figures: Drawn,
    out_dir: Path | str,
    fmt: str = "png",
    dpi: float = DEFAULT_DPI,
    notice: Callable[[str], None] | None = None,
) -> list[Path]:
    """Save each figure as ``<stem>.<fmt>`` in ``out_dir``; say why each other one is not drawn."""
    written = []
    for stem, fig in figures.items():
        if isinstance(fig, str):
            if notice is not None:
                notice(f"{stem}.{fmt} not drawn: {fig}")
        else:
            written.append(save(fig, inside(out_dir, f"{stem}.{fmt}"), fmt, dpi))
    return written
