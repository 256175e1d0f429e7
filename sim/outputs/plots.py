"""Plots an analyst can paste into a brief: troop curves, fan charts, closure CDFs, sweeps.

Figures are built with matplotlib's object API (``Figure`` + Agg canvas): no pyplot, no
global state, no display needed. PNGs are written atomically without a timestamp or software
tag, so the same result gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter, date2num
from matplotlib.figure import Figure

from ..engine.results import Result
from ..scenario.schema import Observation, Scenario
from .files import write_atomic

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


def _x(when: dt.date | dt.datetime) -> float:
    """A date or time as matplotlib's float day number (what its date axes plot)."""
    if not isinstance(when, dt.datetime):
        when = dt.datetime.combine(when, dt.time())
    return float(date2num(when))


def _dates(start: dt.date, days: np.ndarray) -> np.ndarray:
    return _x(start) + np.asarray(days, dtype=float)


def _new_figure(width: float = 11.0, height: float = 6.0) -> Figure:
    fig = Figure(figsize=(width, height), dpi=110, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def save_figure(fig: Figure, path: Path) -> Path:
    """Write a figure as PNG atomically, with no metadata that varies between runs."""
    return write_atomic(path, lambda fh: fig.savefig(fh, format="png", metadata={"Software": None}))


def _view_days(scenario: Scenario, last_day: float | None) -> float:
    """How many days to show: to the end of the action plus a margin, within the horizon."""
    if last_day is None:
        return scenario.horizon_days
    return float(min(scenario.horizon_days, max(14.0, np.ceil(last_day * 1.15 + 3))))


def _shown(ob: Observation) -> float:
    """Where an observation is drawn: its value, else its finite bound (the middle of a range)."""
    lo, hi = ob.bounds
    if np.isfinite(lo) and np.isfinite(hi):
        return (lo + hi) / 2.0
    return lo if np.isfinite(lo) else hi


def _highest_observed(scenario: Scenario) -> float:
    return max((_shown(o) for o in scenario.observations if o.metric == "personnel"), default=0.0)


def _observations(ax: Axes, scenario: Scenario, since: dt.date, until: dt.date | None = None) -> None:
    """Dated observations as markers with labels: filled for theatre totals, hollow for one site."""
    shown = [
        ob
        for ob in scenario.observations
        if ob.metric == "personnel" and ob.date >= since and (until is None or ob.date < until)
    ]
    for i, ob in enumerate(shown):
        site = ob.site is not None
        ax.plot(
            [_x(ob.date)],
            [_shown(ob)],
            marker="o" if site else "D",
            ms=7,
            zorder=5,
            color="black",
            markerfacecolor="white" if site else "black",
        )
        text = (ob.label or ob.describe()) + (f" at {ob.site}" if site else "")
        ax.annotate(
            f"{text}\n({ob.source})",
            (_x(ob.date), _shown(ob)),
            xytext=(6, 8 + 16 * (i % 3)),
            textcoords="offset points",
            fontsize=7.5,
            arrowprops={"arrowstyle": "-", "color": "0.5", "lw": 0.6},
        )


def _axes_with_history(fig: Figure, scenario: Scenario) -> tuple[Axes, Axes | None]:
    """The main axes, plus a narrow left panel when observations go back over 30 days."""
    early = [ob for ob in scenario.observations if (scenario.start - ob.date).days > 30]
    if not early:
        return fig.add_subplot(), None
    hist, main = fig.subplots(1, 2, sharey=True, gridspec_kw={"width_ratios": [1, 4]})
    first = min(ob.date for ob in early)
    hist.set_xlim(_x(first - dt.timedelta(days=20)), _x(scenario.start - dt.timedelta(days=14)))
    _observations(hist, scenario, first, scenario.start - dt.timedelta(days=14))
    hist.set_title("earlier observations", fontsize=9, loc="left")
    hist.grid(True, alpha=0.3)
    loc = AutoDateLocator(maxticks=3)
    hist.xaxis.set_major_locator(loc)
    hist.xaxis.set_major_formatter(ConciseDateFormatter(loc))
    hist.set_ylabel("Personnel in theatre")
    return main, hist


def _phase_marks(ax: Axes, scenario: Scenario, starts: dict[str, float | None], top: float) -> None:
    for pid, h in starts.items():
        if h is None:
            continue
        when = _x(scenario.start) + h / 24.0
        ax.axvline(when, color="0.35", ls="--", lw=0.8)
        ax.text(when, top, f" {pid}", rotation=90, va="top", ha="left", fontsize=8, color="0.25")


def _event_marks(ax: Axes, scenario: Scenario, top: float) -> None:
    """Policy events as dotted red lines, labelled with their type."""
    for ev in scenario.events:
        when = _x(ev.date) if ev.date is not None else _x(scenario.start) + (ev.day or 0.0)
        ax.axvline(when, color="#a50021", ls=":", lw=1.0)
        ax.text(
            when, top * 0.72, f" {ev.type}", rotation=90, va="top", ha="left", fontsize=8, color="#a50021"
        )


def _style(ax: Axes, title: str, scenario: Scenario) -> None:
    ax.set_title(title, fontsize=13, loc="left")
    spec = ax.get_subplotspec()
    if spec is None or spec.colspan.start == 0:
        ax.set_ylabel("Personnel in theatre")
    ax.set_xlabel(f"Date (day 0 = {scenario.start.isoformat()})")
    loc = AutoDateLocator()
    ax.xaxis.set_major_locator(loc)
    ax.xaxis.set_major_formatter(ConciseDateFormatter(loc))
    ax.grid(True, alpha=0.3)
    ax.set_ylim(bottom=0)
    ax.yaxis.set_major_formatter(lambda v, _p: f"{v:,.0f}")


def troop_curve_figure(result: Result) -> Figure:
    """Personnel in theatre against date, stacked by site, with observations and phases."""
    s = result.scenario
    fig = _new_figure()
    ax, _hist = _axes_with_history(fig, s)
    last = result.closure_days if result.completed else result.end_h / 24.0
    view = _view_days(s, last)
    keep = result.days <= view
    days = result.days[keep]
    x = _dates(s.start, days)
    ids = [
        sid
        for i, (sid, inside) in enumerate(zip(result.sites, result.in_theatre_sites, strict=True))
        if inside and result.personnel[:, i].any()
    ]
    cols = [result.sites.index(sid) for sid in ids]
    layers = [result.personnel[keep][:, c] for c in cols] + [result.transit_personnel[keep]]
    labels = [s.sites[sid].name or sid for sid in ids] + ["on the road"]
    colors = [PALETTE[i % len(PALETTE)] for i in range(len(ids))] + ["#bfbfbf"]
    ax.stackplot(x, *layers, labels=labels, colors=colors, step="post", alpha=0.9)
    since = s.start - dt.timedelta(days=14)
    ax.set_xlim(_x(since), float(x[-1]))
    _observations(ax, s, since)
    top = (
        float(
            max(
                np.max(result.in_theatre[keep]) if len(days) else 0,
                _highest_observed(s),
            )
        )
        * 1.12
        + 1
    )
    ax.set_ylim(0, top)
    _phase_marks(ax, s, result.phase_start_h, top)
    _event_marks(ax, s, top)
    status = (
        f"closure day {result.closure_days:.1f} ({result.summary()['closure_date']})"
        if result.completed
        else f"NOT complete at the {s.horizon_days:g}-day horizon"
    )
    _style(ax, f"{s.name}\nPersonnel in theatre by site — {status}", s)
    ax.legend(loc="upper right", fontsize=9, framealpha=0.9)
    return fig


def fan_chart_figure(
    scenario: Scenario,
    days: np.ndarray,
    bands: dict[str, np.ndarray],
    title_extra: str,
    last_day: float | None,
) -> Figure:
    """Total personnel in theatre as P10–P90 and P25–P75 bands around the median."""
    fig = _new_figure()
    ax, _hist = _axes_with_history(fig, scenario)
    view = _view_days(scenario, last_day)
    keep = days <= view
    x = _dates(scenario.start, days[keep])
    ax.fill_between(
        x, bands["p10"][keep], bands["p90"][keep], step="post", color="#9dc3e6", alpha=0.6, label="P10–P90"
    )
    if "p25" in bands:
        ax.fill_between(
            x,
            bands["p25"][keep],
            bands["p75"][keep],
            step="post",
            color="#2e75b6",
            alpha=0.5,
            label="P25–P75",
        )
    ax.step(x, bands["p50"][keep], where="post", color="#1f4e79", lw=2, label="median (P50)")
    since = scenario.start - dt.timedelta(days=14)
    ax.set_xlim(_x(since), float(x[-1]))
    _observations(ax, scenario, since)
    top = float(max(np.max(bands["p90"][keep]), _highest_observed(scenario))) * 1.12 + 1
    ax.set_ylim(0, top)
    _style(ax, f"{scenario.name}\nPersonnel in theatre — {title_extra}", scenario)
    ax.legend(loc="upper right", fontsize=9)
    return fig


def closure_cdf_figure(
    scenario: Scenario,
    closure_days: Sequence[float | None],
    closure95_days: Sequence[float | None],
) -> Figure:
    """Probability that the withdrawal is complete by each date (100 % and 95 % closure)."""
    fig = _new_figure(10.0, 5.5)
    ax = fig.add_subplot()
    n = len(closure_days)
    for values, label, color in (
        (closure95_days, "95 % closure", "#c55a11"),
        (closure_days, "100 % closure", "#1f4e79"),
    ):
        done = np.sort(np.array([v for v in values if v is not None], dtype=float))
        if len(done) == 0:
            continue
        x = _dates(scenario.start, np.concatenate([[0.0], done]))
        y = np.concatenate([[0.0], np.arange(1, len(done) + 1) / n])
        ax.step(x, y, where="post", color=color, lw=2, label=label)
    ax.set_ylim(0, 1.02)
    ax.axhline(0.5, color="0.6", lw=0.7, ls=":")
    ax.axhline(0.9, color="0.6", lw=0.7, ls=":")
    ax.set_title(
        f"{scenario.name}\nProbability the withdrawal is complete by date ({n:,} replications)",
        fontsize=13,
        loc="left",
    )
    ax.set_ylabel("Probability complete")
    ax.set_xlabel(f"Date (day 0 = {scenario.start.isoformat()})")
    loc = AutoDateLocator()
    ax.xaxis.set_major_locator(loc)
    ax.xaxis.set_major_formatter(ConciseDateFormatter(loc))
    ax.yaxis.set_major_formatter(lambda v, _p: f"{v:.0%}")
    ax.grid(True, alpha=0.3)
    if any(not str(line.get_label()).startswith("_") for line in ax.get_lines()):
        ax.legend(loc="lower right")
    else:
        ax.set_xlim(_x(scenario.start), _x(scenario.start) + scenario.horizon_days)
        ax.text(
            0.5,
            0.5,
            f"no replication finished within the {scenario.horizon_days:g}-day horizon",
            transform=ax.transAxes,
            ha="center",
            va="center",
            fontsize=12,
            color="#a50021",
        )
    return fig


def gantt_figure(result: Result) -> Figure:
    """Each base from its first loading to empty (or its last departure), events marked."""
    s = result.scenario
    origin = _x(s.start)
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
    fig = _new_figure(11.0, 1.6 + 0.55 * max(1, len(rows)))
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
    ax.set_yticks(range(len(rows)), [s.sites[r[0]].name or r[0] for r in rows])
    ax.invert_yaxis()
    for ev in s.events:
        when = _x(ev.date) if ev.date is not None else origin + (ev.day or 0.0)
        ax.axvline(when, color="#a50021", lw=0.9, ls=":")
        ax.text(when, -0.6, f" {ev.type}", rotation=90, va="bottom", fontsize=7, color="#a50021")
    loc = AutoDateLocator()
    ax.xaxis.set_major_locator(loc)
    ax.xaxis.set_major_formatter(ConciseDateFormatter(loc))
    ax.grid(True, axis="x", alpha=0.3)
    ax.set_title(f"{s.name}\nEach base from first loading to empty", fontsize=12, loc="left")
    return fig


def throughput_figure(result: Result) -> Figure:
    """Units arriving per day, by road and by air."""
    s = result.scenario
    fig = _new_figure(11.0, 4.8)
    ax = fig.add_subplot()
    last = result.closure_days if result.completed else result.end_h / 24.0
    keep = result.days <= _view_days(s, last)
    x = _dates(s.start, result.days[keep])
    road = result.daily.get("arrived_road", np.zeros(len(result.days)))[keep]
    air = result.daily.get("arrived_air", np.zeros(len(result.days)))[keep]
    ax.bar(x, road, width=0.8, align="edge", color="#1f4e79", label="by road")
    ax.bar(x, air, width=0.8, align="edge", bottom=road, color="#c55a11", label="by air")
    ax.set_ylabel("Units arrived (people and equipment)")
    ax.set_title(f"{s.name}\nDaily throughput by mode", fontsize=12, loc="left")
    loc = AutoDateLocator()
    ax.xaxis.set_major_locator(loc)
    ax.xaxis.set_major_formatter(ConciseDateFormatter(loc))
    ax.grid(True, axis="y", alpha=0.3)
    ax.legend()
    return fig


def sweep_figure(title: str, keys: Sequence[str], records: Sequence[dict[str, Any]]) -> Figure:
    """Closure weeks (P50 with P10–P90 band) against each varied parameter."""
    fig = Figure(figsize=(5.5 * max(1, len(keys)), 4.8), dpi=110, layout="constrained")
    FigureCanvasAgg(fig)
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
            line = ax.plot(x, y, marker="o", label=name if g < 8 else None)[0]
            ax.fill_between(x, lo, hi, color=line.get_color(), alpha=0.18)
        ax.set_xlabel(key)
        ax.set_ylabel("closure (weeks): P50, band P10–P90")
        ax.grid(True, alpha=0.3)
        ax.set_ylim(bottom=0)
        if others:
            ax.legend(fontsize=8)
    fig.suptitle(title, fontsize=12)
    return fig


def _num(v: Any) -> float:
    return float(v) if isinstance(v, int | float) and not isinstance(v, bool) else float("nan")


def _nan(v: float | None) -> float:
    return float("nan") if v is None else v
