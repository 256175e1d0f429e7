"""Plots an analyst can paste into a brief: the date window of time plots, and the run plots.

This module holds what the time plots share (the date window a plot shows, so that every
date axis reaches the last observation or milestone; the narrow history panel's ticks; the
personnel plots' axes) and the two plots of one run that draw no personnel evidence: the
Gantt chart of bases and the daily arrivals. The look of every figure (canvas, palette, date
ticks, footer, file formats) is :mod:`.plot_style`; the curves drawn against the evidence
(troop curve, fan chart) are :mod:`.curve_plots`, the closure CDF :mod:`.cdf_plot`, sweeps
:mod:`.sweep_plot`; evidence and labels :mod:`.evidence_plots`.

Daily arrivals are counted from the convoy log, each convoy's cargo on the day its unloading
finished, people and equipment apart: a person and a container are not the same unit.
matplotlib is imported inside the functions that draw, never when this module is imported.
"""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..engine.results import Result
from ..scenario.fields import PERSONNEL
from ..scenario.schema import Scenario
from .evidence_plots import Board, finish, vertical_mark
from .plot_style import (
    DEFAULT_DPI,
    PlotInfo,
    clip,
    date_axis,
    dates,
    load_matplotlib,
    new_figure,
    palette,
    plain,
    save,
    x_of,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "arrivals",
    "evidence_end",
    "few_dates",
    "gantt_figure",
    "gantt_rows",
    "load_matplotlib",
    "new_figure",
    "plain",
    "recent_start",
    "run_title",
    "save_figure",
    "shown_days",
    "style_axes",
    "throughput_figure",
    "view_days",
    "x_of",
]
EVENT = "#882255"
"""Policy events' lines (Tol's wine)."""
ROAD, AIR = "#332288", "#88CCEE"
LEAD_DAYS = 14.0
"""Days shown before day 0 on the personnel plots."""
HISTORY_DAYS = 30
"""Observations further back than this before day 0 go to a narrow panel of their own."""


def save_figure(fig: Figure, path: Path | str, fmt: str | None = None, dpi: float = DEFAULT_DPI) -> Path:
    """Write a figure atomically (:func:`.plot_style.save`; the format from ``path`` by default)."""
    return save(fig, path, fmt, dpi)


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


def run_title(result: Result, what: str) -> str:
    """A one-run plot's title: the scenario, what is drawn, and what this run is (``Result.what``)."""
    return plain(f"{result.scenario.name}\n{what}\n{result.what}")


def gantt_figure(result: Result, info: PlotInfo | None = None) -> Figure:
    """Each base from its first loading to empty (or its last departure), events marked."""
    s = result.scenario
    origin = x_of(s.start)
    rows = gantt_rows(result)
    fig = new_figure(11.0, 2.4 + 0.55 * max(1, len(rows)), info)
    ax = fig.add_subplot()
    board = Board(ax)
    for k, ((_sid, a, b, empty), style) in enumerate(zip(rows, palette(len(rows)), strict=True)):
        ax.barh(k, (b - a) / 24.0, left=origin + a / 24.0, height=0.5, color=style.color, hatch=style.hatch)
        ax.barh(k, (b - a) / 24.0, left=origin + a / 24.0, height=0.5, fill=False, lw=0.6, ec="0.25")
        board.block(origin + a / 24.0, k - 0.25, origin + b / 24.0, k + 0.25)
        note = "empty" if empty else "residual stays"
        board.label(origin + b / 24.0, k, f"{note}, day {b / 24:.1f}", (-1.0, -9.0, 1.0, 9.0))
    ax.set_yticks(range(len(rows)), [_wrap(s.sites[r[0]].name or r[0]) for r in rows])
    ax.set_ylim(len(rows) - 0.4, -1.2 if s.events else -0.8)
    for ev in s.events:
        when = x_of(ev.date) if ev.date is not None else origin + (ev.day or 0.0)
        vertical_mark(board, when, plain(ev.type), EVENT, ":", 1.1)
    left, right = ax.get_xlim()
    ax.set_xlim(left, right + 0.22 * (right - left))  # room for the labels at the bars' ends
    _reach_evidence(ax, s)
    date_axis(ax)
    ax.set_xlabel(f"Date (day 0 = {s.start.isoformat()})")
    ax.grid(True, axis="x", alpha=0.3)
    what = "Each base from first loading to empty" + ("; dotted lines: policy events" if s.events else "")
    ax.set_title(run_title(result, what), fontsize=11, loc="left")
    return finish(fig, [board])


def gantt_rows(result: Result) -> list[tuple[str, float, float, bool]]:
    """Each base that loaded a convoy: its id, first loading and end (hours), and whether it emptied."""
    rows = []
    for sid in result.sites:
        starts = [
            c.formed_h
            for c in result.convoys
            if c.origin == sid and c.kind == "loaded" and c.depart_h is not None
        ]
        if starts:
            end = result.site_empty_h[sid] or result.site_last_departure_h[sid] or max(starts)
            rows.append((sid, min(starts), end, result.site_empty_h[sid] is not None))
    return rows


def _wrap(name: str) -> str:
    return plain("\n".join(textwrap.wrap(clip(name), 34)) or name)


def _reach_evidence(ax: Axes, scenario: Scenario) -> None:
    """Widen the x axis, if needed, to the last observation or milestone (plus 2 days)."""
    end = evidence_end(scenario)
    if end is not None:
        left, right = ax.get_xlim()
        ax.set_xlim(left, max(right, x_of(end) + 2.0))


def arrivals(result: Result) -> dict[tuple[str, str], np.ndarray]:
    """Units arriving per day by kind (``people``, ``equipment``) and mode (``road``, ``air``).

    Counted from the convoy log: each loaded convoy that was not turned back, its cargo on
    the day its unloading finished (a vehicle left behind for repair is counted with its
    convoy). Reinforcements coming in are not arrivals of the withdrawal and are left out.
    """
    out = {
        (kind, mode): np.zeros(len(result.days))
        for kind in ("people", "equipment")
        for mode in ("road", "air")
    }
    for c in result.convoys:
        if c.kind != "loaded" or c.turned_back or c.unloaded_h is None or set(c.phases) == {"reinforce"}:
            continue
        day = int(c.unloaded_h // 24)
        if day >= len(result.days):
            continue
        for cls, units in c.cargo.items():
            out["people" if cls == PERSONNEL else "equipment", "air" if c.mode == "air" else "road"][day] += (
                units
            )
    return out


def throughput_figure(result: Result, info: PlotInfo | None = None) -> Figure:
    """Arrivals per day by road and by air: people and equipment in panels of their own."""
    from matplotlib.ticker import MaxNLocator

    s = result.scenario
    last = result.closure_days if result.completed else result.end_h / 24.0
    keep = result.days <= view_days(s, last)
    x = dates(s.start, result.days[keep])
    got = arrivals(result)
    kinds = [k for k in ("people", "equipment") if got[k, "road"].any() or got[k, "air"].any()] or ["people"]
    fig = new_figure(11.0, 1.9 + 2.5 * len(kinds), info)
    axes = fig.subplots(len(kinds), 1, sharex=True, squeeze=False)[:, 0]
    classes = ", ".join(c for c in s.classes if c != PERSONNEL)
    flown = any(got[k, "air"].any() for k in kinds)
    for ax, kind in zip(axes, kinds, strict=True):
        road, air = got[kind, "road"][keep], got[kind, "air"][keep]
        ax.bar(x, road, width=0.8, align="edge", color=ROAD, label="by road")
        if flown:
            ax.bar(
                x,
                air,
                width=0.8,
                align="edge",
                bottom=road,
                color=AIR,
                label="by air",
                hatch="//",
                ec="white",
                lw=0,
            )
        what = "People" if kind == "people" else f"Equipment units ({classes})"
        ax.set_title(plain(f"{what} arrived per day"), fontsize=9.5, loc="left")
        ax.set_ylabel("people" if kind == "people" else "units")
        ax.set_ylim(0, max(1.0, float(np.max(road + air, initial=0))) * 1.08)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True, steps=[1, 2, 5, 10]))
        ax.yaxis.set_major_formatter(lambda v, _p: f"{v:,.0f}")
        ax.grid(True, axis="y", alpha=0.3)
        _reach_evidence(ax, s)
        date_axis(ax)
    fig.legend(*axes[0].get_legend_handles_labels(), loc="outside upper right", fontsize=8.5, frameon=False)
    axes[-1].set_xlabel(
        f"Date (day 0 = {s.start.isoformat()}); each convoy counted on the day it finished unloading"
    )
    fig.suptitle(run_title(result, "Daily arrivals by mode"), x=0.01, ha="left", fontsize=11)
    return fig
