"""The theatre map (``map.png``): where the sites are, the roads, crossings and air routes between
them, and what a run moved over them.

Sites are drawn at their ``lat``/``lon`` as circles whose area is proportional to their
personnel on day 0 (a site with none, such as a destination, gets a small open marker; a
replication set's map uses each count's central value); an airfield has a ring. Roads are
straight lines between their two sites (a scenario gives no road geometry), each crossing
marked at its ``at_km`` share of the route with its name and weight limit; declared air routes
and the airfield pairs flown are dashed arcs, with an arrow from origin to destination.

The flow of a run (:func:`flow_of`) is drawn over the roads as line width proportional to
loaded vehicle trips: each loaded road convoy counts its vehicles once on every route it drove
to the end (the engine records them in ``ConvoyRecord.routes``); vehicles of self-propelled
units count as vehicles. Loaded sorties are counted per (origin, destination) pair of airfields
and written on their arc. Replications (``run -n``) keep no per-route counts, so their map has
no flow and says so under the map. Sites without ``lat``/``lon`` are listed there too.

The projection, land, borders, country names and label placing are :mod:`.cartography`'s. Labels are placed
one by one (sites, then crossings, roads and air routes), each at the first of a few positions
around its anchor that overlaps least what is placed already. (adjustText does this by
iterated repulsion; a fixed list of positions is enough here, and keeps the map the same from
run to run.)
"""

from __future__ import annotations

import math
import textwrap
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from ..engine.results import Result
from ..scenario.drawn import central
from ..scenario.fields import middle
from ..scenario.network import crossing_points
from ..scenario.schema import Scenario
from .cartography import (
    BORDER,
    BORDER_DASH,
    COAST,
    LINE_WEIGHT,
    SEA,
    Labels,
    Where,
    around,
    borders,
    country_names,
    degree_ticks,
    draw_geography,
    frame_of,
    nice,
    scale_bar,
)
from .plot_style import MAX_DRAWN, PlotInfo, clip, new_figure, plain

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

ROAD, FLOW, AIR, CROSSING, SITE = "#9a9a9a", "#0072b2", "#e69f00", "#d55e00", "#009e73"
"""Okabe–Ito colours for what carries meaning (flow, air, crossings, sites): safe for colour-blind readers."""
MAX_FLOW_PT = 10.0
"""Line width (points) of the route with the most loaded vehicle trips."""
MAX_SITE_PT2 = 1600.0
"""Marker area (points squared) of the site with the most personnel on day 0."""
EMPTY_SITE_PT2 = 36.0
"""Marker area of a site with no personnel on day 0 (a site with a few has at least 9)."""
MAP_WIDTH_IN, LEGEND_IN, FOOT_IN, TICKS_IN = 8.0, 3.3, 0.35, 0.3
"""Inches across the map and its legend, kept under everything for the footer, and taken by the
ticks under the map."""
AIR_DASH = (0, (5, 3))
Point = tuple[float, float]
NOTE_CHARS = 150
"""Characters per line of the notes under the map."""
NO_FLOW_N = "replications keep no per-route counts; run one replication (-n 1) to see the flow"


@dataclass(frozen=True)
class Flow:
    """What a run moved: loaded vehicle trips per route (index in ``scenario.routes``) and
    loaded sorties per (origin, destination) airfield pair; ``what`` says which run it was."""

    road: dict[int, int] = field(default_factory=dict)
    air: dict[tuple[str, str], int] = field(default_factory=dict)
    what: str = ""


def flow_of(result: Result) -> Flow:
    """Count the loaded vehicle trips per route and loaded sorties per airfield pair of a run."""
    road: dict[int, int] = {}
    air: dict[tuple[str, str], int] = {}
    for c in result.convoys:
        if c.kind != "loaded":
            continue
        n = sum(c.vehicles.values())
        if c.mode == "air":
            if c.depart_h is not None:
                air[(c.origin, c.dest)] = air.get((c.origin, c.dest), 0) + n
            continue
        for r in c.routes:
            road[r] = road.get(r, 0) + n
    return Flow(road, air, result.what)


def map_problem(scenario: Scenario) -> str | None:
    """Why no map can be drawn (no site has both ``lat`` and ``lon``), or ``None``."""
    if any(s.lat is not None and s.lon is not None for s in scenario.sites.values()):
        return None
    return "no site has lat and lon (give them under sites.<id> to get a theatre map)"


def run_map(result: Result, info: PlotInfo | None = None) -> Figure | str:
    """The map of one run with its flow, or why there is none."""
    return map_problem(result.scenario) or map_figure(result.scenario, flow_of(result), info=info)


def replications_map(scenario: Scenario, info: PlotInfo | None = None) -> Figure | str:
    """The map of a set of replications: no flow (they keep no per-route counts), or why none."""
    return map_problem(scenario) or map_figure(scenario, None, NO_FLOW_N, info)


def map_figure(
    scenario: Scenario, flow: Flow | None = None, no_flow: str = "", info: PlotInfo | None = None
) -> Figure:
    """The theatre map of ``scenario``, with ``flow`` drawn if given (else ``no_flow`` says why)."""
    s = central(scenario)
    placed = {
        sid: (float(x.lon), float(x.lat))
        for sid, x in s.sites.items()
        if x.lat is not None and x.lon is not None
    }
    if not placed:
        raise ValueError(map_problem(s))
    frame = frame_of(list(placed.values()))
    x0, x1, y0, y1 = frame.box
    notes = _notes(s, placed, flow, no_flow)
    # a fixed layout, in inches: the map keeps its shape, the legend its column on the right
    map_h = MAP_WIDTH_IN * (y1 - y0) / (x1 - x0)
    left, right, top, bottom = 0.7, 0.25 + LEGEND_IN, 0.75, 0.4 + FOOT_IN
    width, height = left + MAP_WIDTH_IN + right, top + map_h + bottom
    fig = new_figure(width, height, info)
    fig.set_layout_engine("none")
    ax = fig.add_axes((left / width, bottom / height, MAP_WIDTH_IN / width, map_h / height))
    ax.set_facecolor(SEA)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal")
    data = borders()
    xy = {sid: frame.xy(*p) for sid, p in placed.items()}
    draw_geography(ax, frame, data)
    labels = Labels(spacing=0.012 * (x1 - x0))
    handles: list[Any] = []
    sizes: list[tuple[str, float]] = []
    _sites(ax, s, xy, labels, sizes)
    if any(s.sites[sid].airfield is not None for sid in xy):
        handles.append(_key("airfield (ring)", marker="o", ls="", ms=16, mfc="none", mec="black", mew=1.2))
    _roads(ax, s, xy, flow, labels, handles)
    _air(ax, s, xy, flow, labels, handles)
    handles.append(_key("border (Natural Earth)", color=BORDER, lw=1.0, ls=BORDER_DASH))
    handles.append(_key("coastline", color=COAST, lw=0.7))
    country_names(ax, frame, data, np.array(list(xy.values()), dtype=float).reshape(-1, 2), labels)
    degree_ticks(ax, frame)
    scale_bar(ax, frame)
    what = f"the loaded trips of {flow.what}" if flow is not None and flow.what else "no flow"
    ax.set_title(
        plain(f"{s.name}\nTheatre map: sites, roads, air routes and {what}"), fontsize=11, loc="left"
    )
    _legends(fig, ax, sizes, handles)
    hidden = labels.place(fig, ax)
    if hidden:
        hidden_names = "; ".join(clip(h, 60) for h in hidden)
        notes += textwrap.wrap(
            clip(f"Not labelled for lack of room: {hidden_names}.", 4 * MAX_DRAWN), NOTE_CHARS
        )
    _fit(fig, ax, notes)
    return fig


def _legends(fig: Figure, ax: Axes, sizes: list[tuple[str, float]], handles: list[Any]) -> None:
    """The key of site sizes in one row at the top of the column right of the map, the legend
    of everything else below it."""
    at = 1.0 + 0.2 / MAP_WIDTH_IN
    box = ax.get_position()
    w_pt, h_pt = box.width * fig.get_figwidth() * 72.0, box.height * fig.get_figheight() * 72.0
    big = max(math.sqrt(area) for _, area in sizes) / 2
    ax.text(at, 1.0, "Sites: personnel on day 0 (circle area)", transform=ax.transAxes, fontsize=8, va="top")
    row, x = 1.0 - (16.0 + big) / h_pt, at + 2.0 / w_pt
    for text, area in sizes:
        r = math.sqrt(area) / 2
        fill: dict[str, Any] = (
            {"color": SITE, "alpha": 0.55} if text != "none" else {"facecolors": "white", "linewidths": 1.6}
        )
        ax.scatter(
            [x + r / w_pt], [row], s=area, edgecolors="#00563f", transform=ax.transAxes, clip_on=False, **fill
        )
        ax.text(x + (2 * r + 4) / w_pt, row, text, transform=ax.transAxes, fontsize=8, va="center")
        x += (2 * r + 4 + 6 * len(text) + 14) / w_pt
    ax.legend(
        handles=handles,
        loc="upper left",
        bbox_to_anchor=(at, row - (big + 14.0) / h_pt),
        fontsize=8,
        frameon=False,
        borderaxespad=0.0,
        labelspacing=1.1,
        handlelength=3.2,
    )


def _fit(fig: Figure, ax: Axes, notes: list[str]) -> None:
    """Write the notes under the map, and make the figure taller if they or the legend need it."""
    from matplotlib.legend import Legend

    if notes:
        ax.set_xlabel(plain("\n".join(notes)), fontsize=8, loc="left")
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    notes_in = ax.xaxis.label.get_window_extent(renderer).height / fig.dpi if notes else 0.0
    lowest = min(
        ax.get_window_extent(renderer).y0 / fig.dpi - TICKS_IN - notes_in,
        *(a.get_window_extent(renderer).y0 / fig.dpi for a in ax.get_children() if isinstance(a, Legend)),
    )
    grow = FOOT_IN - lowest
    if grow > 0:
        w, h = fig.get_size_inches()
        fig.set_size_inches(w, h + grow)
        box = ax.get_position()
        ax.set_position((box.x0, (box.y0 * h + grow) / (h + grow), box.width, box.height * h / (h + grow)))
        for text in fig.texts:  # the footer keeps its place at the bottom
            x, y = text.get_position()
            text.set_position((x, y * h / (h + grow)))


def _notes(s: Scenario, placed: dict[str, Point], flow: Flow | None, no_flow: str) -> list[str]:
    """What the map leaves out, one line each (sites and roads without coordinates, the flow)."""
    missing = [sid for sid in s.sites if sid not in placed]
    roads = [f"{r.from_}–{r.to}" for r in s.routes if r.from_ not in placed or r.to not in placed]
    text = [f"Not on the map (no lat/lon): {', '.join(missing)}." if missing else ""]
    text.append(f"Roads not drawn (an end has no lat/lon): {', '.join(roads)}." if roads else "")
    text.append("" if flow is not None else f"No flow drawn: {no_flow or 'no run given'}.")
    return [line for t in text if t for line in textwrap.wrap(clip(t, 4 * MAX_DRAWN), NOTE_CHARS)]


def _short(name: str | None, sid: str) -> str:
    """A site's or crossing's name up to its first bracket or comma (its id if it has none)."""
    if not name:
        return sid
    return name.split(" (")[0].split(",")[0].strip() or sid


def _key(label: str, **style: Any) -> Any:
    """A legend entry: an empty line or marker drawn in ``style``."""
    from matplotlib.lines import Line2D

    return Line2D([], [], label=label, **style)


def _sites(
    ax: Axes, s: Scenario, xy: dict[str, Point], labels: Labels, keys: list[tuple[str, float]]
) -> None:
    """Sites as circles of area proportional to personnel on day 0, airfields ringed; ``keys``
    gets the key of sizes (label, marker area in points squared)."""
    people = {sid: round(middle(s.sites[sid].personnel)) for sid in xy}
    top = max(people.values(), default=0)
    for sid, (x, y) in xy.items():
        site, n = s.sites[sid], people[sid]
        area = max(9.0, MAX_SITE_PT2 * n / top) if n else EMPTY_SITE_PT2
        fill: dict[str, Any] = (
            {"color": SITE, "alpha": 0.55, "linewidths": 1.0}
            if n
            else {"facecolors": "white", "linewidths": 1.6}
        )
        ax.scatter([x], [y], s=area, edgecolors="#00563f", zorder=6, gid=f"site-{sid}", **fill)
        radius = math.sqrt(area) / 2
        if site.airfield is not None:
            radius += 4.0
            ax.scatter(
                [x], [y], s=(2 * radius) ** 2, facecolors="none", edgecolors="black", linewidths=1.2, zorder=6
            )
        labels.markers.append((x, y, radius, 1.0))
        text = _short(site.name, sid) + (f"\n{n:,} personnel" if n else "")
        labels.add(ax, text, around((x, y), radius), fontsize=8, color="#1a1a1a", fontweight="bold")
    sizes = sorted({nice(top), nice(top / 4.0)} if top else set(), reverse=True)
    keys += [(f"{ref:,.0f}", MAX_SITE_PT2 * ref / top) for ref in sizes] + [("none", EMPTY_SITE_PT2)]


def _roads(
    ax: Axes, s: Scenario, xy: dict[str, Point], flow: Flow | None, labels: Labels, handles: list[Any]
) -> None:
    """Each route as a grey line, its flow over it as a blue band, its crossings as diamonds."""
    top = max(flow.road.values(), default=0) if flow is not None else 0
    scale = MAX_FLOW_PT / top if top else 0.0
    named: set[str] = set()
    for i, r in enumerate(s.routes):
        if r.from_ not in xy or r.to not in xy:
            continue
        (ax_, ay), (bx, by) = xy[r.from_], xy[r.to]
        ax.plot([ax_, bx], [ay, by], color=ROAD, lw=1.4, zorder=3, solid_capstyle="round")
        trips = flow.road.get(i, 0) if flow is not None else 0
        if trips:
            ax.plot(
                [ax_, bx],
                [ay, by],
                color=FLOW,
                lw=trips * scale,
                alpha=0.8,
                zorder=4,
                solid_capstyle="butt",
                gid=f"flow-{i}",
            )
        angle = math.degrees(math.atan2(by - ay, bx - ax_))
        angle = angle - 180.0 if angle > 90.0 else angle + 180.0 if angle <= -90.0 else angle
        off = trips * scale / 2 + 6.0
        nx, ny = -math.sin(math.radians(angle)) * off, math.cos(math.radians(angle)) * off
        spots: list[Where] = [
            ((ax_ + t * (bx - ax_), ay + t * (by - ay)), (nx * side, ny * side), "center", "center", angle)
            for t in (0.5, 0.38, 0.62, 0.27, 0.73)
            for side in (1.0, -1.0)
        ]
        text = f"{r.km:,.0f} km" + (f" · {trips:,} trips" if flow is not None else "")
        labels.line(ax_, ay, bx, by, max(1.5, trips * scale / 2))
        note = f"{_short(s.sites[r.from_].name, r.from_)}–{_short(s.sites[r.to].name, r.to)}: {text}"
        labels.add(ax, text, spots, note, fontsize=7, color="#1d3b55")
        for cid, at in crossing_points(s, i):
            t = at / r.km if r.km else 0.5
            cx, cy = ax_ + t * (bx - ax_), ay + t * (by - ay)
            ax.plot(cx, cy, marker="D", ms=8, color=CROSSING, mec="white", mew=1.0, zorder=7, ls="")
            labels.markers.append((cx, cy, 5.0, 1.0))
            c = s.crossings[cid]
            at_site = [_short(s.sites[e].name, e) for e, te in ((r.from_, 0.0), (r.to, 1.0)) if t == te]
            name = "" if _short(c.name, cid) in at_site else _short(c.name, cid)
            limit = "" if c.max_short_tons is None else f"max {c.max_short_tons:g} short tons"
            if cid not in named and (name or limit):
                text = "\n".join(part for part in (name, limit) if part)
                labels.add(ax, text, around((cx, cy), 5.0), fontsize=7, color="#8a3000", fontstyle="italic")
            named.add(cid)
    if any(r.from_ in xy and r.to in xy for r in s.routes):
        handles.append(_key("road (straight: no geometry given)", color=ROAD, lw=1.4))
    refs = sorted({nice(top), nice(top / 3.0), nice(top / 10.0)}, reverse=True) if top else []
    handles += [
        _key(f"{n:,.0f} loaded vehicle trips", color=FLOW, lw=n * scale, alpha=0.8) for n in refs if n >= 1
    ]
    if s.crossings:
        handles.append(
            _key("crossing, with any weight limit", color=CROSSING, marker="D", ms=8, mec="white", ls="")
        )


def _air(
    ax: Axes, s: Scenario, xy: dict[str, Point], flow: Flow | None, labels: Labels, handles: list[Any]
) -> None:
    """Declared air routes and the airfield pairs flown, as dashed arcs with an arrow midway."""
    hours = {(r.from_, r.to): middle(r.hours) for r in s.air_routes}
    flown = flow.air if flow is not None else {}
    pairs = list(dict.fromkeys([*flown, *(p for p in hours if p not in flown and p[::-1] not in flown)]))
    shown = [(a, b) for a, b in pairs if a in xy and b in xy and a != b]
    for a, b in shown:
        p0, p1 = np.array(xy[a]), np.array(xy[b])
        d = p1 - p0
        ctrl = (p0 + p1) / 2 + 0.18 * np.array([-d[1], d[0]])
        t = np.linspace(0.0, 1.0, 41)[:, None]
        curve = (1 - t) ** 2 * p0 + 2 * (1 - t) * t * ctrl + t**2 * p1
        sorties = flown.get((a, b), 0)
        ax.plot(curve[:, 0], curve[:, 1], color=AIR, lw=2.0 if sorties else 1.2, ls=AIR_DASH, zorder=5)
        labels.markers += [(float(cx), float(cy), 2.0, LINE_WEIGHT) for cx, cy in curve[::2]]
        arrow = {"arrowstyle": "-|>", "color": AIR, "lw": 1.5, "mutation_scale": 14}
        ax.annotate("", xy=tuple(curve[22]), xytext=tuple(curve[19]), arrowprops=arrow, zorder=5)
        h = hours.get((a, b), hours.get((b, a)))
        parts = [f"{sorties:,} loaded sorties"] if sorties else []
        parts += [] if h is None else [f"{h:g} h flight"]
        u = (ctrl - (p0 + p1) / 2) / (np.hypot(*d) or 1.0) / 0.18  # unit vector to the outside of the arc
        ux, uy = (float(v) if abs(v) > 0.3 else 0.0 for v in u)
        spots: list[Where] = [
            (
                (float(curve[k, 0]), float(curve[k, 1])),
                (8.0 * g * u[0], 8.0 * g * u[1]),
                _h(g * ux),
                _v(g * uy),
                0.0,
            )
            for k in (20, 14, 26, 9, 31)
            for g in (1.0, -1.0)
        ]
        text = ", ".join(parts) or "air route"
        note = f"{_short(s.sites[a].name, a)}–{_short(s.sites[b].name, b)} by air: {text}"
        labels.add(ax, text, spots, note, fontsize=7, color="#8a5a00")
    if shown:
        handles.append(_key("air route or sorties flown", color=AIR, lw=2.0, ls=AIR_DASH))


def _h(dx: float) -> str:
    return "left" if dx > 0 else "right" if dx < 0 else "center"


def _v(dy: float) -> str:
    return "bottom" if dy > 0 else "top" if dy < 0 else "center"
