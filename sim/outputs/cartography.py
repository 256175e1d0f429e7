"""Cartography for the theatre map, knowing nothing of scenarios: the projection, land,
coastlines, borders and country names, degree ticks, a scale bar, and labels that keep out of
each other's way (:class:`Labels`).

The projection is equirectangular about the map's centre, in km: x is the east-west distance
at the centre's latitude (longitude times its cosine), y the north-south distance, both from
the centre (:class:`Frame`). Distances read off the map are true along meridians and along
the centre's parallel, which is where the scale bar's km are exact; at theatre scale (a few
hundred to a couple of thousand km) the error elsewhere is a few per cent.

Coastlines, borders and country names come from Natural Earth (public domain), stored small in
``data/borders.npz`` (``data/README.md`` says what it holds and how it was made): no tiles, no
download, no network. Only the parts of lines near the map are drawn, so an SVG stays small.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import TYPE_CHECKING, Any

import numpy as np

from ..scenario.network import EARTH_KM
from .plot_style import plain

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

KM_PER_DEG = EARTH_KM * math.pi / 180.0
SEA, LAND, COAST, BORDER = "#dbe8f2", "#f5f2ea", "#6b8fae", "#6e6e6e"
BORDER_DASH = (0, (6, 2, 1, 2))
GRID_DEG, NO_COUNTRY = 0.1, 255
"""The country grid's cell size (degrees) and its value for no country (``data/README.md``)."""
NAME_SAMPLES = 40
"""Points across the map tried as places for country names."""
LINE_WEIGHT = 0.2
"""What lying on a line costs a label, against lying on a marker or another label (1)."""


@dataclass(frozen=True)
class Frame:
    """The projection (km east and north of the centre) and the map's extent in it."""

    lon0: float
    lat0: float
    box: tuple[float, float, float, float]  # x0, x1, y0, y1 (km)

    @property
    def kx(self) -> float:
        """Km per degree of longitude at the centre's latitude."""
        return KM_PER_DEG * math.cos(math.radians(self.lat0))

    def xy(self, lon: Any, lat: Any, *, wrap: bool = True) -> tuple[Any, Any]:
        """Projected km of degrees (numbers or arrays); each longitude taken a whole number of
        turns from where it is nearest the centre (so a map may span the 180th meridian)."""
        d = np.asarray(lon, dtype=float) - self.lon0
        d = d - 360.0 * np.round(d / 360.0) if wrap else d
        return d * self.kx, (np.asarray(lat) - self.lat0) * KM_PER_DEG

    def line_xy(self, line: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Projected km of a line of (lon, lat) degrees, turned as one piece (by its middle)."""
        mid = (line[:, 0].min() + line[:, 0].max()) / 2 - self.lon0
        x, y = self.xy(line[:, 0] - 360.0 * round(mid / 360.0), line[:, 1], wrap=False)
        return np.asarray(x), np.asarray(y)

    def lonlat(self, x: Any, y: Any) -> tuple[Any, Any]:
        """Degrees of projected km (numbers or arrays)."""
        return self.lon0 + x / self.kx, self.lat0 + y / KM_PER_DEG

    def inside(self, x: Any, y: Any, grow: float = 0.0) -> Any:
        x0, x1, y0, y1 = self.box
        gx, gy = grow * (x1 - x0), grow * (y1 - y0)
        return (x > x0 - gx) & (x < x1 + gx) & (y > y0 - gy) & (y < y1 + gy)


def frame_of(points: Sequence[tuple[float, float]]) -> Frame:
    """A frame around ``points`` (lon, lat): their box plus a margin, between 0.6 and 1.1 as
    tall as wide."""
    lon = np.sort(np.array([p[0] for p in points]) % 360.0)
    lat = np.array([p[1] for p in points])
    gaps = np.diff(np.r_[lon, lon[0] + 360.0])
    k = int(np.argmax(gaps))  # the sites lie on the circle outside their widest gap
    west, span = lon[(k + 1) % len(lon)], 360.0 - gaps[k]
    centre = (west + span / 2 + 180.0) % 360.0 - 180.0
    probe = Frame(float(centre), float(lat.min() + lat.max()) / 2, (0, 0, 0, 0))
    x, y = probe.xy(lon, lat)
    w, h = max(float(np.ptp(x)), 60.0), max(float(np.ptp(y)), 60.0)
    pad = 0.12 * max(w, h) + 40.0
    w, h = w + 2 * pad, h + 2 * pad
    w, h = max(w, h / 1.1), max(h, 0.6 * w)
    cx, cy = float(x.max() + x.min()) / 2, float(y.max() + y.min()) / 2
    return Frame(probe.lon0, probe.lat0, (cx - w / 2, cx + w / 2, cy - h / 2, cy + h / 2))


def borders() -> dict[str, np.ndarray]:
    """The arrays of ``data/borders.npz``, read from the installed package (never the network)."""
    with resources.files(__package__).joinpath("data/borders.npz").open("rb") as fh, np.load(fh) as z:
        return {k: z[k] for k in z.files}


def lines(data: dict[str, np.ndarray], layer: str) -> list[np.ndarray]:
    """The lines of ``coast`` or ``border`` as arrays of (lon, lat) degrees."""
    step = data[f"{layer}_step"].T.astype(np.int64)
    ends = data[f"{layer}_ends"]
    step[np.r_[0, ends[:-1]]] = data[f"{layer}_jump"]
    return np.split(np.cumsum(step, axis=0) / 1000.0, ends[:-1])


def draw_geography(ax: Axes, frame: Frame, data: dict[str, np.ndarray]) -> None:
    """Land, coastlines and borders: only the parts near the map, so an SVG stays small."""
    from matplotlib.patches import PathPatch
    from matplotlib.path import Path as MPath
    from matplotlib.transforms import Bbox

    x0, x1, y0, y1 = frame.box
    gx, gy = 0.05 * (x1 - x0), 0.05 * (y1 - y0)
    clip = Bbox([[x0 - gx, y0 - gy], [x1 + gx, y1 + gy]])
    land = []
    for ring in lines(data, "coast"):
        x, y = frame.line_xy(ring)
        pieces = _near(x, y, frame)
        if pieces or _spans(x, y, frame):
            part = MPath(np.c_[x, y]).clip_to_bbox(clip)
            if np.asarray(part.vertices).size:
                land.append(part)
        for px, py in pieces:
            ax.plot(px, py, color=COAST, lw=0.7, zorder=1)
    if land:
        ax.add_patch(PathPatch(MPath.make_compound_path(*land), facecolor=LAND, edgecolor="none", zorder=0))
    for line in lines(data, "border"):
        x, y = frame.line_xy(line)
        for px, py in _near(x, y, frame):
            ax.plot(px, py, color=BORDER, lw=1.0, ls=BORDER_DASH, zorder=1)


def _near(x: np.ndarray, y: np.ndarray, frame: Frame) -> list[tuple[np.ndarray, np.ndarray]]:
    """The runs of a line's segments whose boxes meet the map's box (grown by 5 %)."""
    x0, x1, y0, y1 = frame.box
    gx, gy = 0.05 * (x1 - x0), 0.05 * (y1 - y0)
    ax_, bx = x[:-1], x[1:]
    ay, by = y[:-1], y[1:]
    hit = (
        (np.maximum(ax_, bx) > x0 - gx)
        & (np.minimum(ax_, bx) < x1 + gx)
        & (np.maximum(ay, by) > y0 - gy)
        & (np.minimum(ay, by) < y1 + gy)
    )
    seg = np.flatnonzero(hit)
    if not len(seg):
        return []
    runs = np.split(seg, np.flatnonzero(np.diff(seg) > 1) + 1)
    return [(x[r[0] : r[-1] + 2], y[r[0] : r[-1] + 2]) for r in runs]


def _spans(x: np.ndarray, y: np.ndarray, frame: Frame) -> bool:
    """Whether a ring's box covers the whole map (land all around, no coast in view)."""
    x0, x1, y0, y1 = frame.box
    return bool(x.min() < x0 and x.max() > x1 and y.min() < y0 and y.max() > y1)


def country_names(
    ax: Axes, frame: Frame, data: dict[str, np.ndarray], sites: np.ndarray, labels: Labels
) -> None:
    """Each country that fills a part of the map named once, where it is deepest inside both
    the country and the map and clear of ``sites`` (km); near Natural Earth's label point
    breaks ties. The best few such places are offered to ``labels``."""
    x0, x1, y0, y1 = frame.box
    w, h = x1 - x0, y1 - y0
    across, down = NAME_SAMPLES, max(2, round(NAME_SAMPLES * h / w))
    x, y = (
        a.ravel()
        for a in np.meshgrid(
            x0 + w * (np.arange(across) + 0.5) / across, y0 + h * (np.arange(down) + 0.5) / down
        )
    )
    lon, lat = frame.lonlat(x, y)
    grid = data["country_grid"]
    rows = np.clip(((90.0 - lat) / GRID_DEG).astype(int), 0, grid.shape[0] - 1)
    who = grid[rows, ((lon + 180.0) / GRID_DEG).astype(int) % grid.shape[1]]
    edge = np.minimum.reduce([x - x0, x1 - x, y - y0, y1 - y])
    clear = _nearest(x, y, sites[:, 0], sites[:, 1]) if len(sites) else np.full(len(x), np.inf)
    lx, ly = frame.xy(data["label_xy"][:, 0] / 1000.0, data["label_xy"][:, 1] / 1000.0)
    for c in sorted(set(who.tolist()) - {NO_COUNTRY}):
        mine = who == c
        if mine.sum() < 0.03 * len(who):
            continue
        depth = np.minimum(edge[mine], _nearest(x[mine], y[mine], x[~mine], y[~mine]))
        score = (
            np.minimum(depth, 0.12 * w)
            + 0.5 * np.minimum(clear[mine], 0.15 * w)
            - 0.02 * np.hypot(x[mine] - lx[c], y[mine] - ly[c])
        )
        best = np.argsort(-score, kind="stable")[:5]
        spots: list[Where] = [
            ((float(x[mine][k]), float(y[mine][k])), (0.0, 0.0), "center", "center", 0.0) for k in best
        ]
        labels.add(
            ax,
            str(data["label_name"][c]).upper(),
            spots,
            "",
            bbox=None,
            color="#8c8c8c",
            fontsize=10,
            fontweight="bold",
            zorder=1.5,
        )


def _nearest(x: np.ndarray, y: np.ndarray, ox: np.ndarray, oy: np.ndarray) -> np.ndarray:
    """For each point (x, y), the distance to the nearest other point (ox, oy); inf if none."""
    if not len(ox):
        return np.full(len(x), np.inf)
    return np.asarray(np.min(np.hypot(x[:, None] - ox[None, :], y[:, None] - oy[None, :]), axis=1))


def nice(value: float) -> float:
    """The largest 1, 2 or 5 times a power of ten not above ``value`` (``value`` > 0)."""
    power = 10.0 ** math.floor(math.log10(value))
    return max(m * power for m in (1.0, 2.0, 5.0) if m * power <= value * (1 + 1e-9))


def degree_ticks(ax: Axes, frame: Frame) -> None:
    """Longitude and latitude ticks in whole degrees (or halves, quarters) on the km axes."""
    x0, x1, y0, y1 = frame.box
    lon_a, lat_a = frame.lonlat(x0, y0)
    lon_b, lat_b = frame.lonlat(x1, y1)
    for lo, hi, axis, hemi in ((lon_a, lon_b, ax.xaxis, "EW"), (lat_a, lat_b, ax.yaxis, "NS")):
        steps = (0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 45.0, 90.0)
        step = next((st for st in steps if (hi - lo) / st <= 7), 180.0)
        values = np.arange(math.ceil(lo / step) * step, hi, step)
        where = (
            frame.xy(values, frame.lat0, wrap=False)[0] if hemi == "EW" else frame.xy(frame.lon0, values)[1]
        )
        shown = (values + 180.0) % 360.0 - 180.0 if hemi == "EW" else values  # across the date line
        axis.set_ticks(list(where), [f"{abs(v):g}°{hemi[0] if v >= 0 else hemi[1]}" for v in shown])
    ax.tick_params(labelsize=8, length=3)


def scale_bar(ax: Axes, frame: Frame) -> None:
    """A km scale bar in the lower left corner (true at the map's centre latitude)."""
    from matplotlib.patches import Rectangle

    x0, x1, y0, y1 = frame.box
    w, h = x1 - x0, y1 - y0
    length = nice(w / 4.0)
    bx, by, bh = x0 + 0.04 * w, y0 + 0.05 * h, 0.012 * h
    for k in range(2):
        ax.add_patch(
            Rectangle(
                (bx + k * length / 2, by),
                length / 2,
                bh,
                facecolor="black" if k == 0 else "white",
                edgecolor="black",
                lw=0.8,
                zorder=9,
            )
        )
    for at, text in ((0.0, "0"), (length, f"{length:,.0f} km")):
        ax.text(bx + at, by + 1.6 * bh, text, ha="center", va="bottom", fontsize=7, zorder=9)


# ----------------------------------------------------------------------- labels
Where = tuple[tuple[float, float], tuple[float, float], str, str, float]
"""A label position: anchor (map km), offset (points), horizontal and vertical alignment, rotation."""


def around(at: tuple[float, float], radius_pt: float) -> list[Where]:
    """Label positions around a marker of ``radius_pt``: right, left, above, below, diagonals."""
    r, d = radius_pt + 3.0, (radius_pt + 2.0) * 0.75
    spots = [
        ((r, 0.0), "left", "center"),
        ((-r, 0.0), "right", "center"),
        ((0.0, r), "center", "bottom"),
        ((0.0, -r), "center", "top"),
        ((d, d), "left", "bottom"),
        ((-d, d), "right", "bottom"),
        ((d, -d), "left", "top"),
        ((-d, -d), "right", "top"),
    ]
    return [(at, offset, ha, va, 0.0) for offset, ha, va in spots]


@dataclass
class Labels:
    """Labels to place so that they overlap little, and the markers they should keep clear of.

    Each label is tried at each of its positions in turn and put at the first one that overlaps
    least (in display space) the markers and the labels placed before it; lying on a line
    (:meth:`line`) costs a fifth as much, hanging out of the map four times as much. Positions
    are fixed lists, so the same map comes out every time. A label added with ``optional`` is
    left out when even its best position costs more than a tenth of its area; :meth:`place`
    returns the ``optional`` texts of those left out.
    """

    items: list[tuple[Any, list[Where], str | None]] = field(default_factory=list)
    markers: list[tuple[float, float, float, float]] = field(
        default_factory=list
    )  # x, y (km), radius (pt), weight
    spacing: float = 5.0  # km between the markers along a line

    def add(self, ax: Axes, text: str, where: list[Where], optional: str | None = None, **style: Any) -> None:
        """A label of ``text`` (user text, drawn plain) to place at one of ``where``, on a pale
        box unless ``style`` says otherwise (a box, not a halo: an SVG keeps it as text)."""
        style.setdefault("zorder", 8)
        style.setdefault("bbox", {"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.7})
        ann = ax.annotate(
            plain(text),
            xy=where[0][0],
            xytext=(0.0, 0.0),
            textcoords="offset points",
            rotation_mode="anchor",
            annotation_clip=False,
            **style,
        )
        self.items.append((ann, where, optional))

    def line(self, x0: float, y0: float, x1: float, y1: float, radius_pt: float) -> None:
        """Keep labels off a straight line (km), as light markers of ``radius_pt`` along it."""
        n = max(2, math.ceil(math.hypot(x1 - x0, y1 - y0) / self.spacing))
        self.markers += [
            (x0 + (x1 - x0) * k / n, y0 + (y1 - y0) * k / n, radius_pt, LINE_WEIGHT) for k in range(n + 1)
        ]

    def place(self, fig: Figure, ax: Axes) -> list[str]:
        """Put each label at its best position, in the order added (the layout must be fixed);
        return the notes of the optional labels left out."""
        ax.apply_aspect()
        renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
        v = ax.get_window_extent(renderer)
        view = np.array([[v.x0, v.y0, v.x1, v.y1]])
        r = np.array([m[2] for m in self.markers]).reshape(-1) * fig.dpi / 72.0
        centres = ax.transData.transform(np.array([m[:2] for m in self.markers]).reshape(-1, 2))
        taken = np.column_stack([centres - r[:, None], centres + r[:, None]]) if len(r) else np.zeros((0, 4))
        weight = np.array([m[3] for m in self.markers], dtype=float)
        left_out = []
        for ann, where, optional in self.items:
            costs, areas = [], []
            for spot in where:
                _put(ann, spot)
                boxes = _boxes(ann, renderer)
                area = float(np.sum((boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])))
                outside = area - sum(float(_overlaps(b, view)[0]) for b in boxes)
                costs.append(sum(float(_overlaps(b, taken) @ weight) for b in boxes) + 4.0 * outside)
                areas.append(area)
            best = int(np.argmin(costs))
            if optional is not None and costs[best] > 0.1 * areas[best]:
                ann.set_visible(False)
                left_out += [optional] if optional else []
                continue
            _put(ann, where[best])
            boxes = _boxes(ann, renderer)
            taken = np.vstack([taken, boxes])
            weight = np.r_[weight, np.ones(len(boxes))]
        return left_out


def _boxes(ann: Any, renderer: Any) -> np.ndarray:
    """Boxes (rows of x0, y0, x1, y1 in display space) that cover a label: its box if it is
    level, else a row of squares along its slant (a slanted label's box would cover its road)."""
    b = ann.get_window_extent(renderer)
    angle = ann.get_rotation()
    if abs(math.sin(math.radians(angle))) < 0.05:
        return np.array([[b.x0, b.y0, b.x1, b.y1]])
    ann.set_rotation(0.0)
    level = ann.get_window_extent(renderer)
    ann.set_rotation(angle)
    w, h = level.width, max(level.height, 1.0)
    steps = np.linspace(-(w - h) / 2, (w - h) / 2, max(1, math.ceil(w / h)))
    cx = (b.x0 + b.x1) / 2 + steps * math.cos(math.radians(angle))
    cy = (b.y0 + b.y1) / 2 + steps * math.sin(math.radians(angle))
    return np.column_stack([cx - h / 2, cy - h / 2, cx + h / 2, cy + h / 2])


def _put(ann: Any, spot: Where) -> None:
    at, offset, ha, va, rotation = spot
    ann.xy = at
    ann.xyann = offset
    ann.set_horizontalalignment(ha)
    ann.set_verticalalignment(va)
    ann.set_rotation(rotation)


def _overlaps(box: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """Area of overlap of ``box`` with each of ``boxes`` (rows of x0, y0, x1, y1)."""
    w = np.minimum(box[2], boxes[:, 2]) - np.maximum(box[0], boxes[:, 0])
    h = np.minimum(box[3], boxes[:, 3]) - np.maximum(box[1], boxes[:, 1])
    return np.asarray(np.clip(w, 0, None) * np.clip(h, 0, None))
