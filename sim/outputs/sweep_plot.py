"""``sweep.png``: closure against each varied parameter, one panel per parameter.

Each panel puts one ``--vary`` key on the x axis and draws the median closure (P50, in
weeks) with its P10-P90 band, one series per combination of the other keys' values:

* numeric values (counts, hours) sit on a numeric axis, joined by a line over a band, and
  the series (and their legend) are in numeric order: 50, 70, 100, not 100, 50, 70;
* any other values (distributions such as ``{triangular: [1, 2, 4]}``, words) are
  categories in the order given, each point a marker with a P10-P90 error bar, series side
  by side, so a swept distribution still shows its effect;
* a point whose median closure is beyond the horizon is a triangle at the top of the panel.

Axis labels are the dotted keys made readable (``fleets.trucks.count`` → ``trucks:
count``); ``sweep.csv`` keeps the exact keys. matplotlib is imported only when drawing.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .plot_style import PlotInfo, new_figure, palette, plain

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

MAX_LEGEND = 12
"""Series named in a panel's legend; the rest are counted in a last entry."""
DODGE = 0.5
"""Width, in category steps, over which the series of a categorical panel are spread."""


def readable(key: str) -> str:
    """A dotted key as an axis label: ``fleets.trucks.count`` → ``trucks: count``.

    The collection (``fleets``, ``sites``) is dropped when a named item follows it, and kept
    before a position (``phases.0.start_day`` → ``phases 0: start day``); underscores are spaces.
    """
    parts = key.split(".")

    def words(ps: Sequence[str]) -> str:
        return " ".join(p.replace("_", " ") for p in ps)

    if len(parts) == 1:
        return words(parts)
    if len(parts) == 2:
        return f"{parts[0]}: {words(parts[1:])}"
    head = f"{parts[0]} {parts[1]}" if parts[1].isdigit() else parts[1]
    return f"{head}: {words(parts[2:])}"


def is_number(v: Any) -> bool:
    """Whether a swept value is a number (a bool is not)."""
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


def shown(v: Any) -> str:
    """A swept value as a tick or legend label."""
    if is_number(v):
        return f"{v:g}"
    return textwrap.shorten(str(v), 30, placeholder="…")


def value_order(records: Sequence[dict[str, Any]], key: str) -> list[Any]:
    """The distinct values of ``key``: in numeric order if all are numbers, else as given."""
    seen: list[Any] = []
    for rec in records:
        if not any(_same(rec[key], v) for v in seen):
            seen.append(rec[key])
    if all(is_number(v) for v in seen):
        return sorted(seen, key=float)
    return seen


def _same(a: Any, b: Any) -> bool:
    return type(a) is type(b) and a == b


def _rank(order: list[Any], v: Any) -> int:
    return next(i for i, o in enumerate(order) if _same(o, v))


def blank_reason(records: Sequence[dict[str, Any]]) -> str | None:
    """Why a sweep plot would show nothing (no point has a median closure), else ``None``."""
    if not records:
        return "the sweep has no points"
    if all(rec.get("closure_weeks_p50") is None for rec in records):
        return "no point's median closure is within the horizon"
    return None


def sweep_figure(
    title: str, keys: Sequence[str], records: Sequence[dict[str, Any]], info: PlotInfo | None = None
) -> Figure:
    """Closure weeks (P50 with the P10-P90 band) against each varied parameter."""
    fig = new_figure(max(6.5, 5.6 * max(1, len(keys))), 5.6, info)
    axes = fig.subplots(1, max(1, len(keys)), squeeze=False)[0]
    orders = {k: value_order(records, k) for k in keys}
    for ax, key in zip(axes, keys, strict=False):
        _panel(ax, key, [k for k in keys if k != key], records, orders)
    fig.suptitle(plain(title), x=0.01, ha="left", fontsize=11.5)
    return fig


def _panel(
    ax: Axes, key: str, others: list[str], records: Sequence[dict[str, Any]], orders: dict[str, list[Any]]
) -> None:
    """One key's panel: a series per combination of the other keys' values."""
    from matplotlib.lines import Line2D

    numeric = all(is_number(v) for v in orders[key])
    groups: dict[tuple[int, ...], list[dict[str, Any]]] = {}
    for rec in records:
        groups.setdefault(tuple(_rank(orders[k], rec[k]) for k in others), []).append(rec)
    ranked = sorted(groups)
    beyond = False
    for g, (rank, style) in enumerate(zip(ranked, palette(len(ranked)), strict=True)):
        recs = sorted(groups[rank], key=lambda r: _rank(orders[key], r[key]))
        pos = [_rank(orders[key], r[key]) for r in recs]
        shift = (g + 0.5) / len(ranked) * DODGE - DODGE / 2 if len(ranked) > 1 else 0.0
        x = np.array([float(r[key]) for r in recs] if numeric else [p + shift for p in pos])
        y, lo, hi = (np.array([_nan(r[f"closure_weeks_{q}"]) for r in recs]) for q in ("p50", "p10", "p90"))
        name = ", ".join(shown(orders[k][i]) for k, i in zip(others, rank, strict=True)) or "P50"
        label = plain(name) if g < MAX_LEGEND else None
        if numeric and len(x) > 1:
            ax.plot(x, y, color=style.color, ls=style.ls, marker=style.marker, ms=5, label=label)
            ax.fill_between(x, lo, hi, color=style.color, alpha=0.15, lw=0)
        else:
            ax.errorbar(
                x,
                y,
                yerr=[np.maximum(y - lo, 0), np.maximum(hi - y, 0)],
                color=style.color,
                ls="none",
                marker=style.marker,
                ms=6,
                capsize=4,
                label=label,
            )
        out = np.isnan(y)
        if out.any():
            beyond = True
            ax.plot(
                x[out],
                [0.97] * int(out.sum()),
                ls="none",
                marker="^",
                ms=8,
                color=style.color,
                transform=ax.get_xaxis_transform(),
                clip_on=False,
            )
    if numeric and len(orders[key]) <= MAX_LEGEND:
        ax.set_xticks([float(v) for v in orders[key]], [shown(v) for v in orders[key]])
    elif not numeric:
        ax.set_xticks(range(len(orders[key])), [plain(shown(v)) for v in orders[key]])
        ax.set_xlim(-0.6, len(orders[key]) - 0.4)
        if max(len(shown(v)) for v in orders[key]) * len(orders[key]) > 48:
            ax.tick_params(axis="x", labelrotation=15)
    ax.set_xlabel(plain(readable(key)))
    ax.set_ylabel("closure (weeks): P50, P10–P90")
    ax.grid(True, alpha=0.3)
    top = max(
        [v for r in records for v in (r.get("closure_weeks_p90"), r.get("closure_weeks_p50")) if v],
        default=1.0,
    )
    ax.set_ylim(0, top * 1.12)
    handles, labels = ax.get_legend_handles_labels()
    if len(ranked) > MAX_LEGEND:
        handles.append(Line2D([], [], ls="none"))
        labels.append(f"… and {len(ranked) - MAX_LEGEND} more")
    if beyond:
        handles.append(Line2D([], [], ls="none", marker="^", ms=8, color="0.3"))
        labels.append("P50 beyond the horizon")
    if others or beyond:
        ax.legend(
            handles,
            labels,
            title=plain(", ".join(readable(k) for k in others)) or None,
            loc="upper center",
            bbox_to_anchor=(0.5, -0.16),
            ncols=min(4, max(1, len(labels))),
            fontsize=8,
            title_fontsize=8.5,
            frameon=False,
        )


def _nan(v: float | None) -> float:
    return float("nan") if v is None else float(v)
