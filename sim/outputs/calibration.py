"""Reporting a calibration: ``posterior.csv``, ``calibration.json``, two plots and the console tables.

What is reported is computed by :mod:`sim.experiment.calibrate` (a
:class:`~sim.experiment.calibrate.Calibration`); this module only puts it on disk and on
screen:

* ``posterior.csv``: one column per declared parameter (fixed ones too, at their value) and
  ``weight``, one row per particle of the last generation, exactly as
  :func:`sim.scenario.posterior.read_posterior` reads it (``--parameters posterior.csv``);
  values are written in full (shortest round-trip) precision, so a seed gives the same bytes;
* ``calibration.json``: the run's settings, each parameter's prior and posterior summary,
  the targets and what was left out, and per generation its epsilon, acceptance rate and
  effective sample size (no NaN or infinity: ``null``);
* ``posterior_marginals.png``: per calibrated parameter, the prior density against the
  weighted posterior histogram and its 90 % interval;
* ``posterior_predictive.png``: the troop curve's bands over replications drawing their
  parameters from the posterior, against the observations (the fan chart of ``posture run
  -n``, :func:`~.curve_plots.fan_chart_figure`).

Every file is written atomically; matplotlib is imported only when drawing.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from rich.console import Group

from ..experiment.calibrate import LEVEL, Calibration, Predictive, prior_rv
from ..scenario.distributions import Distribution
from ..scenario.posterior import WEIGHT, ranges
from .files import csv_text, inside, write_json, write_text
from .terminal import PlainTable

if TYPE_CHECKING:
    from matplotlib.figure import Figure

POSTERIOR = "posterior.csv"
SUMMARY = "calibration.json"
MARGINALS = "posterior_marginals.png"
PREDICTIVE = "posterior_predictive.png"


def posterior_text(cal: Calibration) -> str:
    """``posterior.csv``: the parameters in declared order, then ``weight``; one row per particle."""
    rows = ([*(float(v) for v in row), float(w)] for row, w in zip(cal.values, cal.weights, strict=True))
    return csv_text([*cal.names, WEIGHT], rows)


def prior_text(prior: Distribution) -> str:
    """A prior, short: ``uniform[20, 60]``, ``triangular[8, 12, 12]``, ``normal[35, 5]``; a
    fixed one, its value."""
    low, high = prior.bounds
    if low == high:
        return f"{low:g}"
    return f"{prior.family}[{', '.join(f'{v:g}' for v in prior.params)}]"


def _num(x: float | None, digits: int = 6) -> float | None:
    return None if x is None or not math.isfinite(x) else round(float(x), digits)


def _ratio(cal: Calibration, name: str) -> float | None:
    """The posterior 90 % interval's width over the prior's (None: the prior has no width)."""
    lo, hi = cal.interval(name)
    plo, phi = cal.prior_interval(name)
    return (hi - lo) / (phi - plo) if phi > plo else None


def _parameter_json(cal: Calibration, name: str) -> dict[str, Any]:
    prior = cal.scenario.parameters[name].prior
    fixed = name in cal.fixed
    lo, hi = cal.interval(name)
    return {
        "prior": prior_text(prior),
        "calibrated": not fixed,
        "fixed_value": _num(cal.fixed[name]) if fixed else None,
        "prior_interval90": [_num(v) for v in cal.prior_interval(name)],
        "posterior": {
            "mean": _num(cal.mean(name)),
            "p5": _num(lo),
            "p50": _num(cal.quantile(name, 0.5)),
            "p95": _num(hi),
        },
        "width_ratio90": _num(_ratio(cal, name), 4),
    }


def calibration_json(cal: Calibration, file: str | None = None) -> dict[str, Any]:
    """The ``calibration.json`` mapping."""
    s = cal.scenario
    return {
        "scenario": s.name,
        "file": file,
        "start": s.start.isoformat(),
        "settings": cal.settings.as_dict(),
        "method": {
            "algorithm": "ABC-SMC (pyabc), median epsilon, multivariate normal perturbation",
            "generation_0": "the prior sample: epsilon infinite, every particle accepted",
            "distance": "weighted mean miss of the observations and milestones (docs/results.md)",
        },
        "stopped": cal.stopped,
        "simulations": cal.simulations,
        "particles": len(cal.weights),
        "effective_sample_size": _num(float(np.sum(cal.weights) ** 2 / np.sum(cal.weights**2)), 3),
        "parameters": {name: _parameter_json(cal, name) for name in cal.names},
        "targets": [
            {
                "kind": t.kind,
                "label": t.label,
                "measure": t.key,
                "day": t.day,
                "low": _num(t.low),
                "high": _num(t.high),
                "weight": t.weight,
                "scale": _num(t.scale),
            }
            for t in cal.targets
        ],
        "left_out": [{"label": k.label, "why": k.why} for k in cal.skipped],
        "generations": [
            {
                "t": g.t,
                "epsilon": _num(g.epsilon, 9),
                "particles": g.particles,
                "evaluations": g.evaluations,
                "acceptance_rate": _num(g.acceptance_rate, 6),
                "effective_sample_size": _num(g.ess, 3),
                "simulations": g.simulations,
            }
            for g in cal.generations
        ],
    }


def write_calibration(
    cal: Calibration,
    out_dir: Path | str,
    *,
    predictive: Predictive | None = None,
    file: str | None = None,
) -> list[Path]:
    """Write ``posterior.csv`` and ``calibration.json``, and the plots if ``predictive`` is given."""
    written = [
        write_text(inside(out_dir, POSTERIOR), posterior_text(cal)),
        write_json(inside(out_dir, SUMMARY), calibration_json(cal, file)),
    ]
    if predictive is not None:
        from .plot_style import load_matplotlib, save

        load_matplotlib()
        written.append(save(marginals_figure(cal), inside(out_dir, MARGINALS)))
        written.append(save(predictive_figure(cal, predictive), inside(out_dir, PREDICTIVE)))
    return written


# ----------------------------------------------------------------------------- plots
def marginals_figure(cal: Calibration) -> Figure:
    """Per calibrated parameter: the prior's density, the posterior's weighted histogram and its
    90 % interval."""
    from .plot_style import PlotInfo, new_figure, plain

    names = list(cal.free)
    cols = 2 if len(names) == 4 else min(3, len(names))
    rows = math.ceil(len(names) / cols)
    info = PlotInfo.now(cal.scenario.name, cal.settings.plan.seed, cal.simulations)
    fig = new_figure(4.2 * cols, 3.4 * rows + 0.8, info)
    axes = fig.subplots(rows, cols, squeeze=False)
    limits = ranges(cal.scenario)
    for k, name in enumerate(names):
        ax = axes[k // cols][k % cols]
        _marginal(ax, cal, name, limits.get(name, (0.0, math.inf)))
        if k == 0:
            ax.legend(fontsize=7, loc="best")
    for k in range(len(names), rows * cols):
        axes[k // cols][k % cols].set_visible(False)
    fixed = ", ".join(f"{n} = {v:g}" for n, v in cal.fixed.items())
    title = f"{cal.scenario.name}\nPrior and posterior of each parameter ({len(cal.weights):,} particles"
    title += f"; held fixed: {fixed})" if fixed else ")"
    fig.suptitle(plain(title), x=0.01, ha="left", fontsize=11)
    return fig


def _marginal(ax: Any, cal: Calibration, name: str, limits: tuple[float, float]) -> None:
    from .plot_style import palette

    styles = palette(10)
    posterior_colour, prior_colour = styles[0].color, styles[9].color  # indigo; dark grey
    x = cal.column(name)
    prior = cal.scenario.parameters[name].prior
    plo, phi = cal.prior_interval(name, 0.998)
    low = min(plo, float(x.min()))
    high = max(phi, float(x.max()))
    pad = 0.02 * (high - low or 1.0)
    grid = np.linspace(low - pad, high + pad, 400)
    density = prior_rv(prior, limits[1]).pdf(grid)
    count = int(min(30, max(10, 2 * math.sqrt(len(x)))))
    bins = np.linspace(low, high, count + 1) if high > low else 10
    ax.hist(
        x,
        bins=bins,
        weights=cal.weights,
        density=True,
        color=posterior_colour,
        alpha=0.55,
        label="posterior (weighted particles)",
    )
    ax.plot(grid, density, color=prior_colour, lw=1.6, ls="--", label="prior")
    lo, hi = cal.interval(name)
    ax.axvspan(lo, hi, color=posterior_colour, alpha=0.12, lw=0, label=f"posterior {LEVEL:.0%} interval")
    ax.set_title(f"{name}: {lo:.3g} – {hi:.3g}", loc="left", fontsize=10)
    ax.set_ylabel("density")
    ax.set_xlabel(f"{name} (prior {prior_text(prior)})")
    ax.grid(True, alpha=0.3)


def predictive_figure(cal: Calibration, pred: Predictive) -> Figure:
    """The troop curve over replications drawing their parameters from the posterior, against
    the observations and milestones."""
    from .curve_plots import fan_chart_figure
    from .plot_style import PlotInfo

    extra = f"posterior predictive, {pred.n:,} replications drawing parameters from the posterior"
    info = PlotInfo.now(cal.scenario.name, cal.settings.plan.seed, pred.n)
    return fan_chart_figure(
        cal.scenario, pred.days, pred.personnel, extra, pred.closure, pred.phase_starts, pred.sites, info
    )


# ----------------------------------------------------------------------------- console
def _g(x: float) -> str:
    return f"{x:.4g}"


def _span(ends: tuple[float, float]) -> str:
    return f"{ends[0]:.3g}–{ends[1]:.3g}"


def calibration_tables(cal: Calibration) -> Group:
    """The generations, then each parameter's prior and posterior."""
    gens = PlainTable(
        title=f"{cal.scenario.name} — ABC-SMC, {len(cal.weights):,} particles, seed {cal.settings.plan.seed}",
        title_justify="left",
        caption=f"stopped: {_STOPPED[cal.stopped]}; {cal.simulations:,} simulations in all",
        caption_justify="left",
    )
    for col in ("generation", "epsilon", "accepted / evaluated", "acceptance", "ESS"):
        gens.add_column(col, justify="right")
    for g in cal.generations:
        eps = "∞ (prior)" if g.epsilon is None else _g(g.epsilon)
        gens.add_row(
            str(g.t), eps, f"{g.particles:,} / {g.evaluations:,}", f"{g.acceptance_rate:.1%}", f"{g.ess:.0f}"
        )
    params = PlainTable(
        title="Parameters: prior and posterior 90 % intervals",
        title_justify="left",
        caption="width: the posterior interval's width over the prior's",
        caption_justify="left",
    )
    for col in ("parameter", "prior", "prior 90 %", "median", "posterior 90 %", "width"):
        params.add_column(col, justify="left" if col in ("parameter", "prior") else "right")
    for name in cal.names:
        prior = prior_text(cal.scenario.parameters[name].prior)
        if name in cal.fixed:
            params.add_row(name, prior, "fixed", _g(cal.fixed[name]), "", "")
            continue
        ratio = _ratio(cal, name)
        params.add_row(
            name,
            prior,
            _span(cal.prior_interval(name)),
            _g(cal.quantile(name, 0.5)),
            _span(cal.interval(name)),
            "" if ratio is None else f"{ratio:.0%}",
        )
    return Group(gens, params)


_STOPPED = {
    "generations": "the last generation was reached",
    "min_epsilon": "epsilon reached --min-epsilon",
    "budget": "the simulation budget ran out",
}
