"""Plots an analyst can paste into a brief: the figure basics, and the plots of outcomes.

Figures are built with matplotlib's object API (``Figure`` + Agg canvas): no pyplot, no
global state, no display needed. PNGs are written atomically without a timestamp or software
tag, so the same result gives the same bytes. matplotlib is imported inside the functions
that draw, never when this module is imported.

This module holds what every figure shares (a new figure, a date axis, the date window a
time plot shows, user text made safe from mathtext) and the plots that draw no evidence: the
Gantt chart of bases, daily throughput and sweeps (their date axes still reach the last
observation or milestone). The curves drawn against the evidence (troop curve, fan chart,
closure CDF) are in :mod:`.curve_plots`; the evidence itself in :mod:`.evidence_plots`.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..engine.results import Result
from ..scenario.schema import Scenario
from .files import write_atomic

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

PALETTE = [
    "#1f4e79",
    "#c55a11",
    "#548235",
    "#7f6000",
    "#7030a0",
    "#2e75b6",
    "#bf9000",
    "#a50021",
    "#00827f",
    "#595959",
]
LEAD_DAYS = 14.0
"""Days shown before day 0 on the personnel plots."""
HISTORY_DAYS = 30
"""Observations further back than this before day 0 go to a narrow panel of their own."""


def load_matplotlib() -> None:
    """Import matplotlib whatever ``MPLBACKEND`` says (figures here are files, drawn with Agg).

    matplotlib refuses to import under an unknown ``MPLBACKEND``; nothing here uses a backend
    (no pyplot: each figure gets its own Agg canvas), so the variable is set aside while
    matplotlib is first imported, then put back for any other user of it.
    """
    if "matplotlib" in sys.modules:
        return
    saved = os.environ.pop("MPLBACKEND", None)
    try:
        import matplotlib  # noqa: F401
    finally:
        if saved is not None:
            os.environ["MPLBACKEND"] = saved


def plain(text: str) -> str:
    """User text as matplotlib should print it: ``$`` escaped, so it never turns into mathtext."""
    return text.replace("$", r"\$")


def x_of(when: dt.date | dt.datetime) -> float:
    """A date or time as matplotlib's float day number (what its date axes plot)."""
    load_matplotlib()
    from matplotlib.dates import date2num

    if not isinstance(when, dt.datetime):
        when = dt.datetime.combine(when, dt.time())
    return float(date2num(when))


def dates(start: dt.date, days: np.ndarray) -> np.ndarray:
    """Day numbers since ``start`` as matplotlib date numbers."""
    return x_of(start) + np.asarray(days, dtype=float)


def new_figure(width: float = 11.0, height: float = 6.0) -> Figure:
    """An empty figure with constrained layout on an Agg canvas."""
    load_matplotlib()
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=110, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def save_figure(fig: Figure, path: Path) -> Path:
    """Write a figure as PNG atomically, with no metadata that varies between runs."""
    return write_atomic(path, lambda fh: fig.savefig(fh, format="png", metadata={"Software": None}))


def date_axis(ax: Axes, maxticks: int | None = None) -> None:
    """Concise date ticks on the x axis."""
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter

    loc = AutoDateLocator() if maxticks is None else AutoDateLocator(maxticks=maxticks)
    ax.xaxis.set_major_locator(loc)
    ax.xaxis.set_major_formatter(ConciseDateFormatter(loc))


def few_dates(ax: Axes, first: dt.date, last: dt.date) -> None:
    """About three date ticks on a narrow panel from ``first`` to ``last``: years, months or days."""
    from matplotlib.ticker import FixedFormatter, FixedLocator

    span = (last - first).days
    ticks: list[dt.date] = []
    if span > 3 * 365:
        step = max(1, round(span / 365 / 3))
        ticks = [dt.date(y, 1, 1) for y in range(first.year + 1, last.year + 1, step)]
        fmt = "%Y"
    elif span > 75:
        step = max(1, round(span / 30.4 / 3))
        months = range(first.year * 12 + first.month, last.year * 12 + last.month + 1, step)
        ticks = [dt.date(m // 12 - (m % 12 == 0), m % 12 or 12, 1) for m in months]
        fmt = "%b\n%Y"
    else:
        step = max(1, round(span / 3))
        ticks = [first + dt.timedelta(days=d) for d in range(0, span + 1, step)]
        fmt = "%d %b\n%Y"
    ticks = [d for d in ticks if first <= d <= last]
    ax.xaxis.set_major_locator(FixedLocator([x_of(d) for d in ticks]))
    ax.xaxis.set_major_formatter(FixedFormatter([d.strftime(fmt) for d in ticks]))


def view_days(scenario: Scenario, last_day: float | None) -> float:
    """How many days of the run to show: to its end plus a margin, within the horizon."""
    if last_day is None:
        return scenario.horizon_days
    return float(min(scenario.horizon_days, max(14.0, np.ceil(last_day * 1.15 + 3))))


def evidence_end(scenario: Scenario) -> dt.date | None:
    """The last date any observation or milestone (or its window) names."""
    found = [ob.date for ob in scenario.observations] + [m.window[1] for m in scenario.milestones]
    return max(found + [m.date for m in scenario.milestones], default=None)


def shown_days(scenario: Scenario, last_day: float | None) -> float:
    """Days after day 0 a time plot shows: the run (:func:`view_days`) and all the evidence."""
    days = view_days(scenario, last_day)
    end = evidence_end(scenario)
    if end is not None:
        days = max(days, (end - scenario.start).days + max(4.0, 0.08 * days))
    return days


def recent_start(scenario: Scenario) -> float:
    """Left end of the personnel plots: 14 days before day 0, or the first recent observation."""
    recent = [
        ob.date
        for ob in scenario.observations
        if ob.metric == "personnel" and (scenario.start - ob.date).days <= HISTORY_DAYS
    ]
    first = min([x_of(d) - 3.0 for d in recent], default=np.inf)
    return float(min(x_of(scenario.start) - LEAD_DAYS, first))


def style_axes(ax: Axes, title: str, ylabel: str | None, scenario: Scenario) -> None:
    """Title, labels, date ticks, grid and thousands separators of a personnel plot."""
    ax.set_title(plain(title), fontsize=12, loc="left", usetex=False)
    if ylabel:
        ax.set_ylabel(ylabel)
    ax.set_xlabel(f"Date (day 0 = {scenario.start.isoformat()})")
    date_axis(ax)
    ax.grid(True, alpha=0.3)
    ax.yaxis.set_major_formatter(lambda v, _p: f"{v:,.0f}")


def gantt_figure(result: Result) -> Figure:
    """Each base from its first loading to empty (or its last departure), events marked."""
    s = result.scenario
    origin = x_of(s.start)
    rows = []
    for sid in result.sites:
        starts = [
            c.formed_h
            for c in result.convoys
            if c.origin == sid and c.kind == "loaded" and c.depart_h is not None
        ]
        if not starts:
            continue
        end = result.site_empty_h[sid] or result.site_last_departure_h[sid] or max(starts)
        rows.append((sid, min(starts), end, result.site_empty_h[sid] is not None))
    fig = new_figure(11.0, 1.6 + 0.55 * max(1, len(rows)))
    ax = fig.add_subplot()
    for k, (_sid, a, b, empty) in enumerate(rows):
        ax.barh(
            k,
            (b - a) / 24.0,
            left=origin + a / 24.0,
            height=0.5,
            color=PALETTE[k % len(PALETTE)],
            alpha=0.85,
        )
        note = "empty" if empty else "residual stays"
        ax.text(origin + b / 24.0, k, f"  {note}, day {b / 24:.1f}", va="center", fontsize=8)
    ax.set_yticks(range(len(rows)), [plain(s.sites[r[0]].name or r[0]) for r in rows])
    ax.invert_yaxis()
    for ev in s.events:
        when = x_of(ev.date) if ev.date is not None else origin + (ev.day or 0.0)
        ax.axvline(when, color="#a50021", lw=0.9, ls=":")
        ax.text(when, -0.6, f" {ev.type}", rotation=90, va="bottom", fontsize=7, color="#a50021")
    _reach_evidence(ax, s)
    date_axis(ax)
    ax.grid(True, axis="x", alpha=0.3)
    ax.set_title(plain(f"{s.name}\nEach base from first loading to empty"), fontsize=12, loc="left")
    return fig


def _reach_evidence(ax: Axes, scenario: Scenario) -> None:
    """Widen the x axis, if needed, to the last observation or milestone (plus 2 days)."""
    end = evidence_end(scenario)
    if end is not None:
        left, right = ax.get_xlim()
        ax.set_xlim(left, max(right, x_of(end) + 2.0))


def throughput_figure(result: Result) -> Figure:
    """Units arriving per day, by road and by air."""
    s = result.scenario
    fig = new_figure(11.0, 4.8)
    ax = fig.add_subplot()
    last = result.closure_days if result.completed else result.end_h / 24.0
    keep = result.days <= view_days(s, last)
    x = dates(s.start, result.days[keep])
    road = result.daily.get("arrived_road", np.zeros(len(result.days)))[keep]
    air = result.daily.get("arrived_air", np.zeros(len(result.days)))[keep]
    ax.bar(x, road, width=0.8, align="edge", color="#1f4e79", label="by road")
    ax.bar(x, air, width=0.8, align="edge", bottom=road, color="#c55a11", label="by air")
    ax.set_ylabel("Units arrived (people and equipment)")
    ax.set_title(plain(f"{s.name}\nDaily throughput by mode"), fontsize=12, loc="left")
    _reach_evidence(ax, s)
    date_axis(ax)
    ax.grid(True, axis="y", alpha=0.3)
    ax.legend()
    return fig


def sweep_figure(title: str, keys: Sequence[str], records: Sequence[dict[str, Any]]) -> Figure:
    """Closure weeks (P50 with P10–P90 band) against each varied parameter."""
    fig = new_figure(5.5 * max(1, len(keys)), 4.8)
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
            line = ax.plot(x, y, marker="o", label=plain(name) if g < 8 else None)[0]
            ax.fill_between(x, lo, hi, color=line.get_color(), alpha=0.18)
        ax.set_xlabel(plain(key))
        ax.set_ylabel("closure (weeks): P50, band P10–P90")
        ax.grid(True, alpha=0.3)
        ax.set_ylim(bottom=0)
        if others:
            ax.legend(fontsize=8)
    fig.suptitle(plain(title), fontsize=12)
    return fig


def _num(v: Any) -> float:
    return float(v) if isinstance(v, int | float) and not isinstance(v, bool) else float("nan")


def _nan(v: float | None) -> float:
    return float("nan") if v is None else v
