"""Frozen forecasts on disk and on screen: ``forecast.json``, ``forecast_score.json``, tables, plots.

What is reported is computed by :mod:`sim.experiment.forecast` (the forecast mapping) and
:mod:`sim.experiment.forecast_score` (a :class:`~sim.experiment.forecast_score.ForecastScore`);
this module only writes and shows it:

* :func:`write_forecast`: ``forecast.json`` (atomic; no NaN) and, with ``plot``,
  ``forecast.png``: the troop fan (people in theatre, P5-P95, P25-P75, P50) and the closure
  CDF (100 % and 95 %, the share of replications closed by each date);
* :func:`forecast_table`: the console summary (closure percentiles, P(closed by the end of
  week k), each site's empty day);
* :func:`write_score`: ``forecast_score.json`` and, with ``plot``, ``forecast_score.png``: the
  same two panels with the observations drawn on the fan (and on a fan per other observed
  measure) and the censored outcomes marked on the closure CDF with their probability;
* :func:`score_tables`: the console report of a score.

matplotlib is imported only when a figure is drawn, with its object API (no pyplot).
"""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from rich import box
from rich.console import Group
from rich.text import Text

from ..experiment.forecast import Forecast
from ..experiment.forecast_score import ForecastScore, OutcomeScore
from ..scenario.outcomes import describe
from .files import inside, write_json, write_text
from .scoring import milestone_json, number, observation_json
from .terminal import PlainTable, safe

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

BAND = "#1f4e79"
CDF95 = "#7f7f7f"
HAPPENED = "#c00000"
WEEKS_SHOWN = 12
"""The console shows P(closed by the end of week k) up to this week (forecast.json has all)."""


def _table(title: Text | str | None) -> PlainTable:
    return PlainTable(
        title=title,
        title_justify="left",
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        collapse_padding=True,
    )


def _date(d: str | None) -> str:
    return "beyond" if d is None else d


def _p(x: float | None) -> str:
    return "—" if x is None else f"{x:.3f}"


# ----------------------------------------------------------------------------- the forecast
def write_forecast(fc: dict[str, Any], out_dir: Path, *, plot: bool = True) -> list[Path]:
    """Write ``forecast.json`` (and ``forecast.png``) into ``out_dir``."""
    written = [write_text(inside(out_dir, "forecast.json"), json_text(fc) + "\n")]
    if plot:
        from ..experiment.forecast import Forecast as Read
        from .plot_style import save as save_figure

        written.append(save_figure(figure(Read.model_validate(fc)), inside(out_dir, "forecast.png")))
    return written


def json_text(data: Any, depth: int = 0) -> str:
    """JSON with mappings indented and each list of numbers on one line (no NaN).

    A forecast is mostly long lists of numbers: one per line, ``indent=2`` would make it five
    times longer to no one's benefit.
    """
    pad, inner = "  " * depth, "  " * (depth + 1)
    if isinstance(data, dict) and data:
        items = [f"{inner}{json.dumps(str(k))}: {json_text(v, depth + 1)}" for k, v in data.items()]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(data, list) and any(isinstance(v, dict | list) for v in data):
        return "[\n" + ",\n".join(inner + json_text(v, depth + 1) for v in data) + "\n" + pad + "]"
    return json.dumps(data, allow_nan=False, separators=(", ", ": "))


def forecast_table(fc: dict[str, Any]) -> Group:
    """The console summary of a forecast mapping."""
    s = fc["scenario"]
    title = safe(
        f"{s['name']} — forecast of {fc['n']:,} replications (seed {fc['seed']}), issued {fc['issued']}"
    )
    t = _table(None)
    for col in ("closure", "P10", "P50", "P90", "P95", "finished"):
        t.add_column(col, justify="left" if col == "closure" else "right")
    for which, label in (("100", "100 %"), ("95", "95 %")):
        c = fc["closure"][which]
        t.add_row(
            label, *(_date(c["dates"][q]) for q in ("p10", "p50", "p90", "p95")), _p(c["reached_share"])
        )
    weeks = _table(Text(""))
    for col in ("week ends", "P(closed)", "P(95 % closed)"):
        weeks.add_column(col, justify="left" if col == "week ends" else "right")
    for row in fc["closed_by_week"][:WEEKS_SHOWN]:
        weeks.add_row(f"{row['week']}: {row['date']}", _p(row["closure"]), _p(row["closure95"]))
    sites = _table(Text(""))
    for col in ("site empty", "P10", "P50", "P90", "emptied"):
        sites.add_column(col, justify="left" if col == "site empty" else "right")
    for sid in s["in_theatre"]:
        e = fc["sites"][sid]
        sites.add_row(sid, *(_date(e["dates"][q]) for q in ("p10", "p50", "p90")), _p(e["reached_share"]))
    return Group(title, t, weeks, sites)


# ----------------------------------------------------------------------------- the score
def score_json(sc: ForecastScore) -> dict[str, Any]:
    """The ``forecast_score.json`` mapping."""
    fc, c = sc.forecast, sc.coverage
    return {
        "forecast": sc.file,
        "observations_file": sc.outcomes_file,
        "scenario": fc.scenario.name,
        "scenario_sha256": fc.scenario.sha256,
        "issued": fc.issued,
        "start": fc.scenario.start.isoformat(),
        "horizon_days": fc.scenario.horizon_days,
        "replications": fc.n,
        "seed": fc.seed,
        "parameters": fc.parameters.get("source"),
        "log_score_floor": 1.0 / (fc.n + 1),
        "coverage": {
            "weighted80": c.weighted80,
            "weighted90": c.weighted90,
            "scored_observations": c.scored_observations,
            "observations": c.observations,
            "milestones": c.milestones,
        },
        "mean_crps": sc.mean_crps,
        "mean_brier": sc.mean_brier,
        "mean_log_score": sc.mean_log_score,
        "observations": [observation_json(o) for o in sc.observations],
        "milestones": [milestone_json(m) for m in sc.milestones],
        "outcomes": [_outcome_json(o) for o in sc.outcomes],
    }


def _outcome_json(o: OutcomeScore) -> dict[str, Any]:
    oc = o.outcome
    return {
        "kind": o.kind,
        "outcome": describe(oc),
        **oc.model_dump(mode="json", exclude={"weight", "label", "source"}),
        "weight": oc.weight,
        "label": oc.label,
        "source": oc.source,
        "day": o.day,
        "status": o.status,
        "probability": o.probability,
        "brier": o.brier,
        "log_score": o.log_score,
        "clipped": o.clipped,
    }


def write_score(sc: ForecastScore, out_dir: Path, *, plot: bool = True) -> list[Path]:
    """Write ``forecast_score.json`` (and ``forecast_score.png``) into ``out_dir``."""
    data = _finite(score_json(sc))
    written = [write_json(inside(out_dir, "forecast_score.json"), data)]
    if plot:
        from .plot_style import save as save_figure

        written.append(save_figure(figure(sc.forecast, sc), inside(out_dir, "forecast_score.png")))
    return written


def _finite(x: Any) -> Any:
    """``x`` with every non-finite float as ``None`` and floats rounded to 6 places."""
    if isinstance(x, dict):
        return {k: _finite(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_finite(v) for v in x]
    if isinstance(x, float):
        return round(x, 6) if math.isfinite(x) else None
    return x


def score_tables(sc: ForecastScore) -> Group:
    """The console report: observations, milestones, censored outcomes, the means."""
    fc = sc.forecast
    parts: list[PlainTable | Text] = [
        safe(
            f"{fc.scenario.name} — forecast issued {fc.issued}, {fc.n:,} replications, scored against "
            f"{Path(sc.outcomes_file).name}"
        )
    ]
    if sc.observations:
        t = _table(None)
        for col in ("date", "measure", "observed", "P10", "P50", "P90", "inside", "IS", "CRPS"):
            t.add_column(col, justify="left" if col in ("date", "measure", "observed", "inside") else "right")
        for o in sc.observations:
            p = o.percentiles
            inside_ = (
                o.status if not o.scored else ("P10–90" if o.inside80 else "P5–95" if o.inside90 else "no")
            )
            t.add_row(
                o.observation.date.isoformat(),
                safe(o.key),
                safe(o.observation.describe()),
                *(number(p.get(q)) for q in ("p10", "p50", "p90")),
                inside_,
                _p(o.interval_score_80),
                _p(o.crps),
            )
        parts.append(t)
    if sc.milestones:
        t = _table(None)
        for col in ("milestone", "observed", "P10", "P50", "P90", "overlaps"):
            t.add_column(col, justify="left")
        for m in sc.milestones:
            t.add_row(
                f"{m.milestone.percent:g} %",
                m.milestone.date.isoformat(),
                *(_date(None if m.dates[q] is None else str(m.dates[q])) for q in ("p10", "p50", "p90")),
                "P10–90" if m.overlaps80 else ("P5–95" if m.overlaps90 else "no"),
            )
        parts.append(t)
    if sc.outcomes:
        t = _table(None)
        for col in ("outcome", "weight", "P(happened)", "Brier", "log"):
            t.add_column(col, justify="left" if col == "outcome" else "right")
        for oc in sc.outcomes:
            prob = (
                oc.status if not oc.scored else f"{oc.probability:.3f}" + (" (clipped)" if oc.clipped else "")
            )
            t.add_row(
                safe(describe(oc.outcome)), f"{oc.outcome.weight:g}", prob, _p(oc.brier), _p(oc.log_score)
            )
        parts.append(t)
    means = _table("summary")
    for col in ("P10–P90 coverage", "P5–P95 coverage", "mean CRPS", "mean Brier", "mean log score"):
        means.add_column(col, justify="right")
    c = sc.coverage
    means.add_row(
        _p(c.weighted80), _p(c.weighted90), _p(sc.mean_crps), _p(sc.mean_brier), _p(sc.mean_log_score)
    )
    parts.append(means)
    return Group(*parts)


# ----------------------------------------------------------------------------- the figure
def figure(fc: Forecast, sc: ForecastScore | None = None) -> Figure:
    """The closure CDF and the troop fan (plus a fan per other observed measure, with a score)."""
    from .plot_style import date_axis, new_figure, plain, x_of

    main = "personnel" if max(fc.bands.percentiles["personnel"]["p95"]) > 0 else "equipment"
    keys = [main]
    if sc is not None:
        keys += sorted({o.key for o in sc.observations if o.scored and o.key != main})[:1]
    fig = new_figure(4.6 * (1 + len(keys)) + 0.6, 4.4)
    x0 = x_of(fc.scenario.start)
    last = _last_day(fc, sc)
    cdf = fig.add_subplot(1, 1 + len(keys), 1)
    _draw_cdf(cdf, fc, x0)
    if sc is not None:
        _draw_outcomes(cdf, sc, x0)
    for i, key in enumerate(keys):
        ax = fig.add_subplot(1, 1 + len(keys), i + 2)
        _draw_fan(ax, fc, key, x0, last)
        if sc is not None:
            from .score_plot import _draw_observation

            top = ax.get_ylim()[1]
            for o in sc.observations:
                if o.scored and o.key == key:
                    _draw_observation(ax, x0 + o.day, o, 0.1 * top)
    for ax in fig.axes:
        ax.set_xlim(x0 - 1, x0 + last)
        date_axis(ax, maxticks=6)
        ax.tick_params(labelsize=8)
        ax.grid(True, alpha=0.3)
    what = "scored against later observations" if sc is not None else "as issued"
    fig.suptitle(plain(f"{fc.scenario.name}: forecast {what}"), fontsize=10, x=0.01, ha="left")
    lines = [
        f"issued {fc.issued}; {fc.n:,} replications, seed {fc.seed}; parameters: "
        f"{fc.parameters.get('source', 'priors')}; posture {fc.posture_version}"
    ]
    if sc is not None and any(o.scored for o in sc.outcomes):
        lines.append(
            "Red dots on the closure panel: the probability the forecast gave to each outcome observed:"
        )
        scored = [o for o in sc.outcomes if o.scored]
        lines += [
            f"  {k}. {describe(o.outcome)}: p = {o.probability:.2f}" for k, o in enumerate(scored, start=1)
        ]
    fig.supxlabel(
        plain("\n".join(lines)),
        x=0.01,
        ha="left",
        fontsize=7.5,
        color="0.3",
    )
    return fig


def _last_day(fc: Forecast, sc: ForecastScore | None) -> float:
    """The last day shown: the P95 closure (or the horizon), the later observations, a margin."""
    days = [d for d in (fc.closure["100"].days.get("p95"), fc.closure["95"].days.get("p95")) if d is not None]
    last = max(days) if len(days) == 2 else float(fc.scenario.horizon_days)
    if sc is not None:
        last = max(
            [last, *(o.day for o in sc.outcomes if o.scored), *(o.day for o in sc.observations if o.scored)]
        )
    return min(float(fc.scenario.horizon_days), last * 1.1 + 2)


def _draw_cdf(ax: Axes, fc: Forecast, x0: float) -> None:
    """The share of replications closed by each date: 100 % and 95 % closure."""
    lines: tuple[tuple[Literal["100", "95"], str, str, str], ...] = (
        ("95", CDF95, "--", "95 % closure"),
        ("100", BAND, "-", "closure (100 %)"),
    )
    for which, color, style, label in lines:
        days = np.sort([d for d in fc.closure[which].replications if d is not None])
        share = np.arange(1, len(days) + 1) / fc.n
        xs = np.concatenate([[0.0], days, [fc.scenario.horizon_days]])
        ys = np.concatenate([[0.0], share, [share[-1] if len(share) else 0.0]])
        ax.step(x0 + xs, ys, where="post", color=color, ls=style, lw=1.4, label=label)
    ax.set_ylim(0, 1.05)
    ax.set_title("P(closed by date)", fontsize=10, loc="left")
    ax.legend(fontsize=7.5, loc="lower right", frameon=False)


def _draw_outcomes(ax: Axes, sc: ForecastScore, x0: float) -> None:
    """Each scored censored outcome: a dashed line at its date, a dot at the probability it got."""
    for k, o in enumerate((o for o in sc.outcomes if o.scored), start=1):
        assert o.probability is not None
        x = x0 + o.day
        ax.axvline(x, color=HAPPENED, lw=0.8, ls=":", alpha=0.6)
        ax.plot([x], [o.probability], "o", color=HAPPENED, ms=5, zorder=5)
        ax.annotate(str(k), xy=(x, o.probability), xytext=(4, 3), textcoords="offset points", fontsize=8)


def _draw_fan(ax: Axes, fc: Forecast, key: str, x0: float, last: float) -> None:
    """P5-P95, P25-P75 and P50 of one measure over the days shown."""
    band = fc.band(key)
    xs = x0 + np.arange(fc.bands.days, dtype=float)
    ax.fill_between(xs, band["p5"], band["p95"], step="post", color=BAND, alpha=0.15, lw=0, label="P5–P95")
    ax.fill_between(xs, band["p25"], band["p75"], step="post", color=BAND, alpha=0.3, lw=0, label="P25–P75")
    ax.step(xs, band["p50"], where="post", color=BAND, lw=1.2, label="P50")
    shown = np.arange(fc.bands.days) <= last
    top = float(np.max(band["p95"][shown], initial=1.0)) * 1.15
    ax.set_ylim(0, max(top, 1.0))
    from matplotlib.ticker import MaxNLocator

    ax.set_title(
        f"{key}" + (" in theatre" if key in ("personnel", "equipment") else ""), fontsize=10, loc="left"
    )
    ax.yaxis.set_major_locator(MaxNLocator(nbins="auto", steps=[1, 2, 2.5, 5, 10], integer=True))
    ax.yaxis.set_major_formatter(lambda v, _p: f"{v:,.0f}")
    ax.legend(fontsize=7.5, loc="upper right", frameon=False)


def issued_now() -> str:
    """The current UTC date-time, to the second, as ``forecast.json`` records it."""
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
