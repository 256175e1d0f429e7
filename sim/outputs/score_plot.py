"""``score.png``: each observed measure's simulated bands, with the observations on them.

One small panel per measure with a scored observation (and ``percent_complete`` when there
are milestones): the P5-P95 and P10-P90 bands and the P50 against the date, the
observations as points (values), error bars (ranges) and arrows (bounds: up for a lower
bound, down for an upper one), black when they overlap the P10-P90 band and orange when not;
milestones as horizontal error bars over their windows at the height of their percent.

The figure's look (canvas, date ticks, footer) is :mod:`.plot_style`'s; matplotlib is imported
inside :func:`score_figure` only, with its object API (no pyplot).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from ..engine.measures import keys as measure_keys
from ..experiment.score import MilestoneScore, ObservationScore, Scorecard
from .plot_style import PlotInfo, date_axis, new_figure, plain, x_of

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

BAND = "#332288"
INSIDE = "black"
OUTSIDE = "#EE7733"


def _panels(card: Scorecard) -> list[str]:
    """The measures with scored observations (and percent complete for milestones), in key order."""
    keys = {o.key for o in card.observations if o.scored}
    if card.milestones:
        keys.add("percent_complete")
    return [k for k in measure_keys(card.scenario) if k in keys]


def _view(card: Scorecard) -> tuple[float, float]:
    """Days shown: from day 0 (or the earliest window) to the last observation or milestone, plus a margin."""
    s = card.scenario
    firsts = [0.0] + [float((m.milestone.window[0] - s.start).days) for m in card.milestones]
    lasts = [float(o.day) for o in card.observations if o.scored]
    for m in card.milestones:
        lasts.append(float((m.milestone.window[1] - s.start).days))
        lasts += [d for d in (m.days["p90"], m.days["p95"]) if d is not None]
    first, last = min(firsts), max(lasts, default=float(card.days[-1]))
    margin = max(2.0, 0.08 * (last - first))
    return first - margin, last + margin


def _draw_observation(ax: Axes, x: float, o: ObservationScore, reach: float) -> None:
    """A value as a diamond, a range as an error bar, a bound as an arrow away from it."""
    color = INSIDE if o.inside80 else OUTSIDE
    low, high = o.observation.bounds
    if o.observation.is_point:
        ax.plot([x], [low], "D", ms=5, color=color, zorder=5)
    elif math.isfinite(low) and math.isfinite(high):
        mid = (low + high) / 2
        ax.errorbar(
            [x],
            [mid],
            yerr=[[mid - low], [high - mid]],
            fmt="none",
            ecolor=color,
            capsize=3,
            lw=1.4,
            zorder=6,
        )
    else:
        y, to = (low, low + reach) if math.isfinite(low) else (high, high - reach)
        ax.plot([x], [y], "_", ms=9, mew=1.6, color=color, zorder=5)
        ax.annotate(
            "",
            xy=(x, to),
            xytext=(x, y),
            arrowprops={"arrowstyle": "-|>", "color": color, "lw": 1.3},
            zorder=6,
        )


def _draw_milestone(ax: Axes, m: MilestoneScore) -> None:
    """A milestone: a dot on its date at its percent, a horizontal error bar over its window."""
    earliest, latest = m.milestone.window
    x = x_of(m.milestone.date)
    ax.errorbar(
        [x],
        [m.milestone.percent],
        xerr=[[x - x_of(earliest)], [x_of(latest) - x]],
        fmt="o",
        ms=4,
        color=INSIDE if m.overlaps80 else OUTSIDE,
        capsize=3,
        lw=1.4,
        zorder=5,
    )


def score_figure(card: Scorecard, info: PlotInfo | None = None) -> Figure:
    """One panel per measure observed: P5-P95, P10-P90 and P50 over dates, observations, milestones."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch
    from matplotlib.ticker import MaxNLocator

    s = card.scenario
    keys = _panels(card)
    cols = min(3, max(1, len(keys)))
    rows = max(1, math.ceil(len(keys) / cols))
    fig = new_figure(4.4 * cols + 0.4, 3.1 * rows + 1.2, info)
    first, last = _view(card)
    x0 = x_of(s.start)
    xs = x0 + card.days
    for i, key in enumerate(keys):
        ax = fig.add_subplot(rows, cols, i + 1)
        band = card.bands[key]
        shown = [o for o in card.observations if o.scored and o.key == key]
        finite = [v for o in shown for v in o.observation.bounds if math.isfinite(v)]
        in_view = (card.days >= first) & (card.days <= last)
        top = max([float(np.max(band["p95"][in_view], initial=0.0)), *finite, 1.0]) * 1.15
        if key == "percent_complete":
            top = max(top, 105.0)
        ax.fill_between(xs, band["p5"], band["p95"], step="post", color=BAND, alpha=0.15, lw=0)
        ax.fill_between(xs, band["p10"], band["p90"], step="post", color=BAND, alpha=0.3, lw=0)
        ax.step(xs, band["p50"], where="post", color=BAND, lw=1.2)
        for o in shown:
            _draw_observation(ax, x0 + o.day, o, 0.1 * top)
        if key == "percent_complete":
            for m in card.milestones:
                _draw_milestone(ax, m)
        ax.set_xlim(x0 + first, x0 + last)
        ax.set_ylim(0, top)
        ax.set_title(plain(key), fontsize=10, loc="left")
        date_axis(ax, maxticks=6, minticks=3)
        ax.yaxis.set_major_locator(MaxNLocator(nbins="auto", steps=[1, 2, 2.5, 5, 10], integer=True))
        ax.yaxis.set_major_formatter(lambda v, _p: f"{v:,.0f}")
        ax.tick_params(labelsize=8)
        ax.grid(True, alpha=0.3)
    if not keys:
        ax = fig.add_subplot()
        ax.axis("off")
        ax.text(0.5, 0.5, "nothing to score", ha="center", va="center", fontsize=12)
    handles = [
        Line2D([], [], color=BAND, lw=1.2, label="simulated P50"),
        Patch(color=BAND, alpha=0.45, label="P10–P90"),
        Patch(color=BAND, alpha=0.15, label="P5–P95"),
        Line2D([], [], ls="none", marker="D", color=INSIDE, label="observed: overlaps P10–P90"),
        Line2D([], [], ls="none", marker="D", color=OUTSIDE, label="outside P10–P90"),
    ]
    if card.milestones:
        handles.append(Line2D([], [], marker="o", ms=4, color="0.3", label="milestone (window)"))
    coverage = "—" if card.coverage.weighted80 is None else f"{card.coverage.weighted80:.2f}"
    note = (
        f"weighted P10–P90 coverage {coverage}. Ranges: error bars; bounds: arrows; "
        "milestones: windows on percent_complete."
    )
    fig.legend(
        handles=handles,
        loc="outside upper center",
        ncols=len(handles),
        fontsize=8,
        frameon=False,
        title=plain(f"{s.name}: {note}"),
        title_fontsize=8,
    )
    return fig
