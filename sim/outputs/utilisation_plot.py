"""The utilisation chart of ``report.html``: how busy each resource was over the run.

A resource's utilisation is its busy time over its capacity times the length of the run
(``summary.json``'s ``utilisation``, 0 to 1; ``docs/model.md``). The chart has one horizontal
bar per resource, in the order the run reports them (fleets and aircraft types, crossings,
airfields, loading teams, escorts, preparation and disposal teams), coloured by kind:

* one run: the bar is the run's utilisation, with its value written at the end;
* many replications: the bar is the P50 over the replications, with a whisker from P10 to P90,
  and the P50 written at the end.

The resource that bound a phase is usually the longest bar, but not always: binding is measured
while the phase was open, utilisation over the whole run. The report's binding table says which.
matplotlib is imported only when drawing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .plot_style import PlotInfo, new_figure, palette, plain

if TYPE_CHECKING:
    from matplotlib.figure import Figure

KINDS = ("fleet", "crossing", "airfield", "loading", "escorts", "preparation", "disposal")
"""The kinds of resource, in the order a run reports them (the part of a name before ``:``)."""
BAR_INCHES = 0.3
"""Height of the figure per resource."""


@dataclass(frozen=True)
class Bar:
    """One resource's utilisation: a single run's value, or the P50 with P10 and P90."""

    name: str
    p50: float
    p10: float | None = None
    p90: float | None = None


def bars_of(utilisation: Mapping[str, float | Mapping[str, float]]) -> list[Bar]:
    """Bars from a ``summary.json`` ``utilisation`` mapping: one run's shares, or ``{p10, p50, p90}``."""
    out = []
    for name, value in utilisation.items():
        if isinstance(value, Mapping):
            out.append(Bar(name, float(value["p50"]), float(value["p10"]), float(value["p90"])))
        else:
            out.append(Bar(name, float(value)))
    return out


def kind_of(name: str) -> str:
    """The kind of a resource name: ``fleet:het`` is a fleet, ``escorts`` the escort teams."""
    return name.split(":", 1)[0]


def no_resources(bars: list[Bar]) -> str | None:
    """Why there is no chart (the scenario declares no resource), or ``None``."""
    return None if bars else "the scenario declares no resource whose busy time is measured"


def utilisation_figure(scenario: str, bars: list[Bar], n: int, info: PlotInfo | None = None) -> Figure:
    """Horizontal bars of each resource's utilisation (``n``: replications; whiskers when over 1)."""
    fig = new_figure(10.0, 1.6 + BAR_INCHES * max(len(bars), 1), info)
    ax = fig.add_subplot()
    kinds = [k for k in KINDS if any(kind_of(b.name) == k for b in bars)]
    kinds += sorted({kind_of(b.name) for b in bars} - set(kinds))
    colour = {k: s.color for k, s in zip(kinds, palette(len(kinds)), strict=True)}
    ys = list(range(len(bars)))[::-1]
    for y, bar in zip(ys, bars, strict=True):
        ax.barh(y, bar.p50 * 100, height=0.62, color=colour[kind_of(bar.name)], alpha=0.85)
        right = bar.p50
        if bar.p10 is not None and bar.p90 is not None:
            ax.errorbar(
                bar.p50 * 100,
                y,
                xerr=[[max(bar.p50 - bar.p10, 0) * 100], [max(bar.p90 - bar.p50, 0) * 100]],
                fmt="none",
                ecolor="0.15",
                elinewidth=1.1,
                capsize=3,
            )
            right = bar.p90
        ax.text(right * 100 + 1.2, y, f"{bar.p50:.0%}", va="center", ha="left", fontsize=8.5)
    ax.set_yticks(ys, [plain(b.name) for b in bars], fontsize=9)
    ax.set_xlim(0, 112)
    ax.set_xticks(range(0, 101, 20), [f"{v} %" for v in range(0, 101, 20)])
    ax.set_ylim(-0.7, len(bars) - 0.3)
    ax.grid(True, axis="x", alpha=0.3)
    ax.set_axisbelow(True)
    what = (
        f"P50 over {n:,} replications, whiskers P10–P90"
        if n > 1
        else "one run: busy time over capacity × run length"
    )
    ax.set_title(plain(f"{scenario}\nUtilisation of each resource ({what})"), loc="left", fontsize=11)
    ax.set_xlabel("Share of capacity busy over the run")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return fig
