"""Personnel over dates, drawn against the evidence: the troop curve and the fan chart.

* :func:`troop_curve_figure` (one run): personnel in theatre stacked by site, phase starts
  and events as vertical lines;
* :func:`fan_chart_figure` (many replications): personnel in theatre as a median with
  P25-P75 and P10-P90 bands, phase starts and the closure P10, P50 and P90 as vertical lines;
* :func:`no_personnel`: why either would be empty (a scenario without personnel).

The closure CDF is :mod:`.cdf_plot` (its :func:`closure_cdf_figure` is importable from here
too, for callers written before it moved).

On the two personnel plots, observations of the theatre total are drawn on the main axes
and observations of one site in a small panel per site, against that site's own curve (or
its bands); observations more than 30 days before day 0 go to a narrow panel on the left;
milestones run along the top. Only ``personnel`` observations are drawn here (the other
metrics are the score plot's). Every date axis reaches the last observation or milestone
and still shows the whole run (:func:`~.plots.shown_days`). How evidence is drawn and
labelled is :mod:`.evidence_plots`.
"""

from __future__ import annotations

import datetime as dt
import textwrap
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np

from ..engine.results import Result, date_at
from ..scenario.schema import Observation, Scenario
from .cdf_plot import closure_cdf_figure
from .evidence_plots import (
    Board,
    draw_milestones,
    draw_observations,
    finish,
    highest,
    legend_handles,
    personnel_evidence,
    vertical_mark,
)
from .plot_style import PlotInfo, clip, date_axis, dates, new_figure, palette, plain, x_of
from .plots import EVENT, HISTORY_DAYS, few_dates, recent_start, run_title, shown_days, style_axes

if TYPE_CHECKING:
    from matplotlib.artist import Artist
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["closure_cdf_figure", "fan_chart_figure", "no_personnel", "troop_curve_figure"]
PHASE = "0.3"
CLOSURE = "#AA4499"
PANELS_PER_ROW = 3
MAX_STRIPS = 4
BAND_LIGHT, BAND_DARK, MEDIAN = "#9dc3e6", "#2e75b6", "#1f4e79"


def _is_early(scenario: Scenario, ob: Observation) -> bool:
    return (scenario.start - ob.date).days > HISTORY_DAYS


def _layout(
    scenario: Scenario, sites: Sequence[str], info: PlotInfo | None
) -> tuple[Figure, Axes, dict[str, Axes]]:
    """The main axes and one panel per site, keyed ``""`` and by site id; history panels too.

    Up to :data:`MAX_STRIPS` sites get a strip each under the main axes, sharing its date
    axis; more go to a grid, :data:`PANELS_PER_ROW` to a row, each with its own date axis.
    Where observations go back more than 30 days before day 0, a narrow panel on the left
    (keyed ``"<"`` + the key of the panel it belongs to) shows them.
    """
    theatre, by_site = personnel_evidence(scenario)
    old = {key for key, obs in [("", theatre), *by_site.items()] if any(_is_early(scenario, o) for o in obs)}
    strips = len(sites) <= MAX_STRIPS
    wide = "" in old or (strips and bool(old & set(sites)))
    rows = len(sites) if strips else -(-len(sites) // PANELS_PER_ROW)
    fig = new_figure(12.0, 6.4 + (2.0 if strips else 2.4) * rows, info)
    grid = fig.add_gridspec(
        1 + rows, 2 if wide else 1, height_ratios=[3.4] + [1.45] * rows, width_ratios=[1, 4] if wide else None
    )
    out: dict[str, Axes] = {"": fig.add_subplot(grid[0, -1])}
    if "" in old:
        out["<"] = fig.add_subplot(grid[0, 0])
    for k, sid in enumerate(sites):
        if strips:
            out[sid] = fig.add_subplot(grid[1 + k, -1], sharex=out[""])
            if sid in old:
                out["<" + sid] = fig.add_subplot(grid[1 + k, 0])
        else:
            r, c = divmod(k, PANELS_PER_ROW)
            sub = grid[1 + r, :].subgridspec(1, min(PANELS_PER_ROW, len(sites)))
            out[sid] = fig.add_subplot(sub[0, c])
    return fig, out[""], out


def _history(hist: Axes, obs: list[Observation], ylabel: str | None) -> Board:
    """A narrow panel of observations more than 30 days before day 0."""
    board = Board(hist)
    draw_observations(board, obs)
    first, last = min(ob.date for ob in obs), max(ob.date for ob in obs)
    pad = dt.timedelta(days=max(45.0, 0.15 * (last - first).days))
    hist.set_xlim(x_of(first - pad), x_of(last + pad))
    hist.set_ylim(0, highest(obs) * 1.2 + 1)
    hist.set_title("earlier", fontsize=9, loc="left")
    if ylabel:
        hist.set_ylabel(ylabel)
    hist.grid(True, alpha=0.3)
    hist.yaxis.set_major_formatter(lambda v, _p: f"{v:,.0f}")
    few_dates(hist, first - pad, last + pad)
    return board


def _site_panel(
    axes: dict[str, Axes],
    scenario: Scenario,
    sid: str,
    obs: list[Observation],
    window: tuple[float, float],
    peak: float,
) -> list[Board]:
    """A panel for one site: its observations against its own curve (drawn by the caller)."""
    ax = axes[sid]
    recent = [ob for ob in obs if "<" + sid not in axes or not _is_early(scenario, ob)]
    board = Board(ax)
    draw_observations(board, recent)
    if ax.get_shared_x_axes().joined(ax, axes[""]):  # a strip: the main axes' dates and ticks
        ax.set_xlim(*window)
    else:
        left = min([window[0], *(x_of(ob.date) - 3.0 for ob in obs)])
        ax.set_xlim(left, max([window[1], *(x_of(ob.date) + 2.0 for ob in obs)]))
        date_axis(ax, maxticks=8)
    ax.set_ylim(0, max(peak, highest(obs)) * 1.3 + 1)
    name = scenario.sites[sid].name
    title = f"Personnel at {sid}" + (f" ({name})" if name else "")
    ax.set_title(plain(textwrap.shorten(title, 90, placeholder="…")), fontsize=9, loc="left", usetex=False)
    ax.grid(True, alpha=0.3)
    ax.yaxis.set_major_formatter(lambda v, _p: f"{v:,.0f}")
    boards = [board]
    if "<" + sid in axes:
        boards.append(_history(axes["<" + sid], [ob for ob in obs if _is_early(scenario, ob)], None))
    return boards


def _finish(
    fig: Figure, axes: dict[str, Axes], s: Scenario, boards: list[Board], handles: list[Artist]
) -> Figure:
    """The theatre's history panel, the date label on the lowest strip, the legend; labels placed."""
    main = axes[""]
    if "<" in axes:
        theatre, _ = personnel_evidence(s)
        early = [ob for ob in theatre if _is_early(s, ob)]
        boards.append(_history(axes["<"], early, "Personnel in theatre"))
    strips = [
        ax for key, ax in axes.items() if key and key[0] != "<" and ax.get_shared_x_axes().joined(ax, main)
    ]
    if strips:
        main.set_xlabel("")
        strips[-1].set_xlabel(f"Date (day 0 = {s.start.isoformat()})")
    _legend(main, handles, set().union(*(b.kinds for b in boards)))
    return finish(fig, boards)


def _legend(ax: Axes, handles: list[Artist], kinds: set[str]) -> None:
    ax.legend(
        handles=[*handles, *legend_handles(kinds)],
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        borderaxespad=0.0,
        fontsize=8.5,
        frameon=False,
    )


def _line(color: str, ls: str, label: str, lw: float = 1.0) -> Artist:
    from matplotlib.lines import Line2D

    return Line2D([], [], color=color, ls=ls, lw=lw, label=label)


def _top(values: float, obs: Sequence[Observation], milestones: bool) -> float:
    """The y limit of a personnel plot: headroom for labels (and the milestone strip)."""
    return (max(values, highest(obs)) * 1.15 + 1) * (1.08 if milestones else 1.0)


def _main(ax: Axes, s: Scenario, window: tuple[float, float], top: float) -> Board:
    """The main axes' window and y limit; its theatre observations and milestones."""
    theatre, _ = personnel_evidence(s)
    recent = [ob for ob in theatre if not _is_early(s, ob)]
    ax.set_xlim(*window)
    ax.set_ylim(0, _top(top, recent, bool(s.milestones)))
    board = Board(ax)
    draw_observations(board, recent)
    draw_milestones(board, s.milestones)
    return board


def no_personnel(scenario: Scenario, peak: float) -> str | None:
    """Why a personnel plot would be empty (no personnel, no personnel observation), else ``None``."""
    theatre, by_site = personnel_evidence(scenario)
    if peak > 0 or theatre or by_site:
        return None
    return "the scenario has no personnel (the plot would be empty)"


def troop_curve_figure(result: Result, info: PlotInfo | None = None) -> Figure:
    """Personnel in theatre against date, stacked by site, with the evidence, phases and events."""
    from matplotlib.patches import Patch

    s = result.scenario
    _, by_site = personnel_evidence(s)
    span = shown_days(s, result.closure_days if result.completed else result.end_h / 24.0)
    keep = result.days <= span
    x = dates(s.start, result.days[keep])
    fig, ax, axes = _layout(s, list(by_site), info)
    ids = [
        sid
        for i, (sid, inside) in enumerate(zip(result.sites, result.in_theatre_sites, strict=True))
        if inside and result.personnel[:, i].any()
    ]
    order = ids + [sid for sid in s.sites if sid not in ids]
    style = dict(zip(order, palette(len(order)), strict=True))
    color = {sid: st.color for sid, st in style.items()}
    people = result.personnel[keep]
    layers = [people[:, result.sites.index(sid)] for sid in ids] + [result.transit_personnel[keep]]
    names = [_wrap(s.sites[sid].name or sid) for sid in ids] + ["on the road"]
    colors = [color[sid] for sid in ids] + ["#DDDDDD"]
    hatches = [style[sid].hatch for sid in ids] + [""]
    for layer, hatch in zip(
        ax.stackplot(x, *layers, colors=colors, step="post", alpha=0.9, edgecolor="white", lw=0.3),
        hatches,
        strict=True,
    ):
        layer.set_hatch(hatch)  # one by one: stackplot takes a list of hatches only from matplotlib 3.9
    handles: list[Artist] = [
        Patch(facecolor=c, hatch=h, alpha=0.9, label=n)
        for n, c, h in zip(names, colors, hatches, strict=True)
    ]
    window = (recent_start(s), x_of(s.start) + span)
    board = _main(ax, s, window, float(np.max(result.in_theatre[keep], initial=0)))
    board.avoid(x, result.in_theatre[keep])
    starts = {pid: (h / 24.0, "run") for pid, h in result.phase_start_h.items() if h is not None}
    handles += _phase_marks(board, s, starts)
    for ev in s.events:
        when = x_of(ev.date) if ev.date is not None else x_of(s.start) + (ev.day or 0.0)
        vertical_mark(board, when, ev.type, EVENT, ":", 1.1)
    if s.events:
        handles.append(_line(EVENT, ":", "policy event", 1.1))
    status = (
        f"closure day {result.closure_days:.1f} ({result.summary()['closure_date']})"
        if result.completed
        else f"NOT complete at the {s.horizon_days:g}-day horizon"
    )
    style_axes(ax, run_title(result, f"Personnel in theatre by site — {status}"), "Personnel in theatre", s)
    boards = [board]
    for sid in by_site:
        own = people[:, result.sites.index(sid)]
        axes[sid].fill_between(x, own, step="post", color=color[sid], alpha=0.25, lw=0)
        axes[sid].step(x, own, where="post", color=color[sid], lw=1.6)
        boards += _site_panel(axes, s, sid, by_site[sid], window, float(np.max(own, initial=0)))
    return _finish(fig, axes, s, boards, handles)


def fan_chart_figure(
    scenario: Scenario,
    days: np.ndarray,
    bands: Mapping[str, np.ndarray],
    title_extra: str,
    closure: Mapping[str, float | None],
    phase_starts: Mapping[str, tuple[float, str]] | None = None,
    site_bands: Mapping[str, Mapping[str, np.ndarray]] | None = None,
    info: PlotInfo | None = None,
) -> Figure:
    """Personnel in theatre as P10–P90 and P25–P75 bands around the median, against the evidence.

    ``bands``: per-day ``p10`` ... ``p90`` of the theatre total; ``closure``: the closure's
    ``p10``, ``p50`` and ``p90`` in days (``None``: beyond the horizon); ``phase_starts``:
    ``(day, how)`` per phase, ``how`` being ``"P50"`` or ``"start_day"``; ``site_bands``: the
    same bands as ``bands`` per site (drawn for the sites with observations).
    """
    s = scenario
    _, by_site = personnel_evidence(s)
    site_bands = site_bands or {}
    sites = [sid for sid in by_site if sid in site_bands]
    span = shown_days(s, closure.get("p90"))
    keep = days <= span
    x = dates(s.start, days[keep])
    fig, ax, axes = _layout(s, sites, info)
    handles = _bands(ax, x, bands, keep)
    window = (recent_start(s), x_of(s.start) + span)
    board = _main(ax, s, window, float(np.max(bands["p90"][keep], initial=0)))
    board.avoid(x, bands["p50"][keep])
    handles += _phase_marks(board, s, phase_starts or {})
    for q in ("p10", "p50", "p90"):
        at = closure.get(q)
        if at is not None:
            when = date_at(s.start, at * 24.0)
            vertical_mark(board, x_of(s.start) + at, f"closure {q.upper()} {when}", CLOSURE, _Q[q], 1.3)
    reached = [q.upper() for q in ("p10", "p50", "p90") if closure.get(q) is not None]
    beyond = [q.upper() for q in ("p10", "p50", "p90") if closure.get(q) is None]
    if reached or beyond:
        note = f"{', '.join(beyond)} beyond the horizon" if beyond else ""
        handles.append(
            _line(
                CLOSURE,
                "-",
                f"closure {', '.join(reached)}" + (f"; {note}" if reached and note else note),
                1.3,
            )
        )
    style_axes(ax, f"{s.name}\nPersonnel in theatre — {title_extra}", "Personnel in theatre", s)
    boards = [board]
    for sid in sites:
        _bands(axes[sid], x, site_bands[sid], keep)
        peak = float(np.max(site_bands[sid]["p90"][keep], initial=0))
        boards += _site_panel(axes, s, sid, by_site[sid], window, peak)
    return _finish(fig, axes, s, boards, handles)


_STYLE = {"run": "--", "start_day": "--", "P50": "-."}
_HOW = {
    "run": "phase opens",
    "start_day": "phase opens (its start_day)",
    "P50": "phase opens (P50 over replications)",
}


def _phase_marks(board: Board, s: Scenario, starts: Mapping[str, tuple[float, str]]) -> list[Artist]:
    """A vertical line where phases open (one label for those opening together); legend handles."""
    same: dict[tuple[float, str], list[str]] = {}
    for pid, (day, how) in starts.items():
        same.setdefault((day, how), []).append(pid)
    for (day, how), ids in sorted(same.items()):
        vertical_mark(
            board,
            x_of(s.start) + day,
            f"{', '.join(ids)} open{'s' if len(ids) == 1 else ''}",
            PHASE,
            _STYLE[how],
        )
    return [_line(PHASE, _STYLE[how], _HOW[how]) for how in _HOW if any(h == how for _d, h in same)]


_Q = {"p10": ":", "p50": "-", "p90": ":"}


def _bands(ax: Axes, x: np.ndarray, bands: Mapping[str, np.ndarray], keep: np.ndarray) -> list[Artist]:
    """P10–P90 and P25–P75 bands and the median, as steps; their legend handles."""
    out: list[Artist] = [
        ax.fill_between(
            x,
            bands["p10"][keep],
            bands["p90"][keep],
            step="post",
            color=BAND_LIGHT,
            alpha=0.6,
            lw=0,
            label="P10–P90",
        )
    ]
    if "p25" in bands:
        out.append(
            ax.fill_between(
                x,
                bands["p25"][keep],
                bands["p75"][keep],
                step="post",
                color=BAND_DARK,
                alpha=0.5,
                lw=0,
                label="P25–P75",
            )
        )
    out.append(ax.step(x, bands["p50"][keep], where="post", color=MEDIAN, lw=2, label="median (P50)")[0])
    return out


def _wrap(name: str) -> str:
    return plain("\n".join(textwrap.wrap(clip(name), 30)) or name)
