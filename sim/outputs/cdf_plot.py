"""``closure_cdf.png``: the share of replications complete by each date, against the evidence.

Two step curves, the 100 % closure and the 95 % closure, over the dates the replications
actually finish (plus a margin, and any 95 % or 100 % milestone): the axis is not the whole
horizon, so the curves use the width. On the 100 % curve:

* the closure P10, P50 and P90 (as in the console table and ``summary.json``: replications
  that did not finish count as later than any that did) are vertical lines, labelled with
  their dates;
* where the curve first reaches 50 % and 90 % is a dot, labelled with its date and day;
* a curve that never reaches 100 % says, in the legend, what share finished.

The observed 95 % and 100 % milestones are vertical lines over their shaded windows
(:func:`~.evidence_plots.closure_milestones`). Labels stay off the curves and the legend
(:func:`~.evidence_plots.finish`). matplotlib is imported only when drawing.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from ..experiment.stats import describe
from ..scenario.schema import Scenario
from .evidence_plots import Board, closure_milestones, finish, legend_handles, vertical_mark
from .plot_style import PlotInfo, date_axis, new_figure, plain, x_of

if TYPE_CHECKING:
    from matplotlib.artist import Artist
    from matplotlib.figure import Figure

FULL, NINETY_FIVE, CLOSURE = "#332288", "#CC6677", "#AA4499"
CROSSINGS = (0.5, 0.9)
_LS = {"p10": ":", "p50": "-", "p90": ":"}


def _finished(values: Sequence[float | None]) -> np.ndarray:
    return np.sort(np.array([v for v in values if v is not None and math.isfinite(v)], dtype=float))


def crossing(done: np.ndarray, n: int, level: float) -> float | None:
    """The first day the share of ``n`` replications finished (``done``, sorted) reaches ``level``."""
    k = math.ceil(level * n - 1e-9)
    return float(done[k - 1]) if 1 <= k <= len(done) else None


def _window(scenario: Scenario, finished: list[np.ndarray]) -> tuple[float, float] | None:
    """The days to show: the finishes and the 95 % / 100 % milestone windows, plus a margin."""
    days = [float(d) for done in finished for d in done]
    for m in scenario.milestones:
        if m.percent >= 95:
            days += [float((d - scenario.start).days) for d in (*m.window, m.date)]
    if not days:
        return None
    first, last = min(days), max(days)
    margin = max(1.0, 0.07 * (last - first))
    return first - margin, last + margin


def closure_cdf_figure(
    scenario: Scenario,
    closure_days: Sequence[float | None],
    closure95_days: Sequence[float | None],
    info: PlotInfo | None = None,
) -> Figure:
    """Probability that the withdrawal is complete by each date (100 % and 95 % closure)."""
    fig = new_figure(10.0, 5.8, info)
    ax = fig.add_subplot()
    board = Board(ax)
    n = len(closure_days)
    origin = x_of(scenario.start)
    full, ninety_five = _finished(closure_days), _finished(closure95_days)
    window = _window(scenario, [full, ninety_five])
    lo, hi = window if window is not None else (0.0, scenario.horizon_days)
    handles: list[Artist] = []
    for done, label, color, ls in (
        (ninety_five, "95 % closure", NINETY_FIVE, "--"),
        (full, "100 % closure", FULL, "-"),
    ):
        if len(done) == 0 or n == 0:
            continue
        xs = origin + np.concatenate([[lo], done, [hi]])
        y = np.concatenate([[0.0], np.arange(1, len(done) + 1) / n, [len(done) / n]])
        handles += ax.step(xs, y, where="post", color=color, ls=ls, lw=2, label=label)
        board.avoid(xs, y)
    for level in CROSSINGS:
        ax.axhline(level, color="0.6", lw=0.7, ls=":")
    if len(full) and n:
        handles += _percentiles(board, scenario, closure_days)
        _crossings(board, scenario, full, n)
        if len(full) < n:
            handles.append(
                _note(f"{len(full) / n:.0%} finished within the {scenario.horizon_days:g}-day horizon")
            )
    else:
        ax.text(
            0.5,
            0.5,
            f"no replication finished within the {scenario.horizon_days:g}-day horizon",
            transform=ax.transAxes,
            ha="center",
            va="center",
            fontsize=12,
            color="#882255",
        )
    ax.set_xlim(origin + lo, origin + hi)
    ax.set_ylim(0, 1.04)
    title = f"{scenario.name}\nProbability the withdrawal is complete by date ({n:,} replications)"
    ax.set_title(plain(title), fontsize=11.5, loc="left", usetex=False)
    ax.set_ylabel("Probability complete")
    ax.set_xlabel(f"Date (day 0 = {scenario.start.isoformat()})")
    date_axis(ax)
    ax.yaxis.set_major_formatter(lambda v, _p: f"{v:.0%}")
    ax.grid(True, alpha=0.3)
    closure_milestones(board, scenario.milestones)
    extra = legend_handles(board.kinds)
    if handles or extra:
        ax.legend(handles=[*handles, *extra], loc="lower right", fontsize=8.5, framealpha=0.9)
    return finish(fig, [board])


def _percentiles(board: Board, scenario: Scenario, closure_days: Sequence[float | None]) -> list[Artist]:
    """The closure P10, P50 and P90 as labelled vertical lines; their legend entry."""
    from matplotlib.lines import Line2D

    d = describe(list(closure_days))
    reached = []
    for q in ("p10", "p50", "p90"):
        at = d[q]
        if at is not None:
            when = scenario.start + dt.timedelta(days=float(at))
            vertical_mark(
                board, x_of(scenario.start) + at, f"closure {q.upper()} {when:%d %b}", CLOSURE, _LS[q], 1.2
            )
            reached.append(q.upper())
    beyond = [q.upper() for q in ("p10", "p50", "p90") if d[q] is None]
    text = f"closure {', '.join(reached)}" if reached else ""
    if beyond:
        text += ("; " if text else "closure ") + f"{', '.join(beyond)} beyond the horizon"
    return [Line2D([], [], color=CLOSURE, lw=1.2, label=text)]


def _crossings(board: Board, scenario: Scenario, done: np.ndarray, n: int) -> None:
    """A dot where the 100 % curve first reaches 50 % and 90 %, labelled with its date and day."""
    for level in CROSSINGS:
        day = crossing(done, n, level)
        if day is None:
            continue
        x = x_of(scenario.start) + day
        share = math.ceil(level * n - 1e-9) / n
        board.ax.plot([x], [share], ls="none", marker="o", ms=6, color=FULL, mec="white", zorder=7)
        when = dt.datetime.combine(scenario.start, dt.time()) + dt.timedelta(days=day)
        board.label(x, share, f"{level:.0%} by {when:%d %b} (day {day:.1f})", (-4.0, -4.0, 4.0, 4.0))


def _note(text: str) -> Artist:
    from matplotlib.lines import Line2D

    return Line2D([], [], ls="none", label=text)
