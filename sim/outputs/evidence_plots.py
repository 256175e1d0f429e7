"""Evidence on a plot: observations and milestones, each labelled by its source, clear of the rest.

An observation (:class:`~sim.scenario.evidence.Observation`) is drawn by its form: a point as
a diamond, a range as an error bar from ``low`` to ``high``, a lower bound as a bar with an
arrow pointing up from it, an upper bound as a bar with an arrow pointing down from it. The
weaker its source, the lighter it is drawn: opacity ``0.25 + 0.75 x weight``. A milestone is
drawn in a strip along the top of the axes: a green triangle on its date, with a bar over the
``earliest``-``latest`` window. On the closure CDF, the 95 % and 100 % milestones are
vertical lines over their shaded windows instead.

Every mark is labelled with its source id (a milestone with its percent too). Labels are
placed only once the figure's layout is fixed (:func:`finish`): each tries positions around
its mark, nearest first, and takes the first that stays inside the axes and overlaps no other
label, mark, arrow, vertical line, legend, curve (:meth:`Board.avoid`) or bar
(:meth:`Board.block`), so dense evidence stays readable. Vertical lines (phase starts,
events, closure percentiles: :func:`vertical_mark`) are labelled the same way, rotated, from
the top of the axes down. The :class:`Board` of an axes collects what :func:`finish` places;
other plots label their own marks through it too (:meth:`Board.label`).
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..scenario.schema import Milestone, Observation, Scenario
from .plot_style import MAX_DRAWN, clip, plain, x_of

if TYPE_CHECKING:
    from matplotlib.artist import Artist
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.text import Text
    from matplotlib.transforms import Transform

MILESTONE = "#38761d"
STRIP_Y = 0.955
"""Height, in axes fractions, of the milestone strip along the top of an axes."""
ARROW_PT = 22.0
NOTE_SIZE = 7.5
Rect = tuple[float, float, float, float]  # x0, y0, x1, y1 in display pixels


def alpha_of(weight: float) -> float:
    """Opacity of a mark whose source has ``weight``: 1 at weight 1, 0.25 at weight 0."""
    return 0.25 + 0.75 * float(weight)


@dataclass
class _Note:
    x: float
    y: float
    text: str
    alpha: float
    strip: bool  # y in axes fractions (the milestone strip), else data
    own: tuple[float, float, float, float]  # the mark's extent around (x, y): dx0, dy0, dx1, dy1 in points
    low: float | None = None  # a range's low end (data): the mark reaches down to it
    window: tuple[float, float] | None = None  # a milestone's window (date numbers)


@dataclass
class Board:
    """What one axes shows of the evidence, to be labelled once the layout is fixed."""

    ax: Axes
    notes: list[_Note] = field(default_factory=list)
    marks: list[tuple[float, str, str]] = field(default_factory=list)  # x, text, colour
    arrows: list[tuple[float, float, bool, str, float]] = field(default_factory=list)
    kinds: set[str] = field(default_factory=set)  # what the legend should explain
    curves: list[tuple[Sequence[float], Sequence[float]]] = field(default_factory=list)  # steps (data)
    blocks: list[Rect] = field(default_factory=list)  # rectangles (data)

    def avoid(self, x: Iterable[float], y: Iterable[float]) -> None:
        """Keep labels off a curve drawn as steps (``where="post"``) through ``(x, y)``."""
        self.curves.append((list(x), list(y)))

    def block(self, x0: float, y0: float, x1: float, y1: float) -> None:
        """Keep labels off a rectangle (data coordinates), such as a bar."""
        self.blocks.append((x0, y0, x1, y1))

    def label(self, x: float, y: float, text: str, own: tuple[float, float, float, float]) -> None:
        """Queue a label for a mark at ``(x, y)`` whose extent is ``own`` (points around it)."""
        self.notes.append(_Note(x, y, text, 1.0, False, own))


def personnel_evidence(scenario: Scenario) -> tuple[list[Observation], dict[str, list[Observation]]]:
    """Personnel observations of the theatre, and of each site (in declared order)."""
    theatre = [ob for ob in scenario.observations if ob.metric == "personnel" and ob.site is None]
    sites: dict[str, list[Observation]] = {}
    for sid in scenario.sites:
        mine = [ob for ob in scenario.observations if ob.metric == "personnel" and ob.site == sid]
        if mine:
            sites[sid] = mine
    return theatre, sites


def highest(obs: Iterable[Observation]) -> float:
    """The highest finite value an observation draws (for the y limit)."""
    tops = [v for ob in obs for v in ob.bounds if abs(v) != float("inf")]
    return max(tops, default=0.0)


def draw_observations(board: Board, obs: Sequence[Observation], color: str = "black") -> None:
    """Each observation as a point, a range or a bound, its label queued on ``board``."""
    ax = board.ax
    for ob in obs:
        x, a = x_of(ob.date), alpha_of(ob.weight)
        if ob.weight < 1:
            board.kinds.add("light")
        text = plain(ob.source)
        if ob.value is not None:
            ax.plot([x], [ob.value], ls="none", marker="D", ms=6.5, color=color, alpha=a, zorder=6)
            board.notes.append(_Note(x, ob.value, text, a, False, (-4.5, -4.5, 4.5, 4.5)))
            board.kinds.add("point")
        elif ob.low is not None and ob.high is not None:
            mid, half = (ob.low + ob.high) / 2.0, (ob.high - ob.low) / 2.0
            bar = ax.errorbar(
                [x], [mid], yerr=[[half], [half]], fmt="none", ecolor=color, elinewidth=1.8, capsize=4.5
            )
            for part in (*bar[1], *bar[2]):
                part.set_alpha(a)
            board.notes.append(_Note(x, ob.high, text, a, False, (-5.0, 0.0, 5.0, 2.0), low=ob.low))
            board.kinds.add("range")
        else:
            up = ob.low is not None
            y = ob.low if ob.low is not None else ob.high
            assert y is not None
            ax.plot([x], [y], ls="none", marker="_", ms=9, mew=2.2, color=color, alpha=a, zorder=6)
            board.arrows.append((x, y, up, color, a))
            own = (-4.5, 0.0 if up else -ARROW_PT, 4.5, ARROW_PT if up else 0.0)
            board.notes.append(_Note(x, y, text, a, False, own))
            board.kinds.add("low" if up else "high")


def draw_milestones(board: Board, milestones: Sequence[Milestone]) -> None:
    """Milestones in a strip along the top: a triangle on the date, a bar over the window."""
    ax = board.ax
    trans = ax.get_xaxis_transform()
    for m in milestones:
        x, a = x_of(m.date), alpha_of(m.weight)
        lo, hi = (x_of(d) for d in m.window)
        if hi > lo:
            ax.plot([lo, hi], [STRIP_Y, STRIP_Y], transform=trans, color=MILESTONE, lw=2.2, alpha=a, zorder=6)
            ax.plot(
                [lo, hi],
                [STRIP_Y] * 2,
                transform=trans,
                ls="none",
                marker="|",
                ms=8,
                color=MILESTONE,
                alpha=a,
            )
        ax.plot(
            [x], [STRIP_Y], transform=trans, ls="none", marker="v", ms=8, color=MILESTONE, alpha=a, zorder=7
        )
        note = _Note(x, STRIP_Y, plain(f"{m.percent:g} % {m.source}"), a, True, (-5.0, -5.0, 5.0, 5.0))
        note.window = (lo, hi)
        board.notes.append(note)
        board.kinds.add("milestone")
        if m.weight < 1:
            board.kinds.add("light")


def closure_milestones(board: Board, milestones: Sequence[Milestone]) -> None:
    """The 95 % and 100 % milestones as vertical lines over their shaded windows (closure CDF)."""
    ax = board.ax
    for m in milestones:
        if m.percent < 95:
            continue
        lo, hi = (x_of(d) for d in m.window)
        a = alpha_of(m.weight)
        if hi > lo:
            ax.axvspan(lo, hi, color=MILESTONE, alpha=0.12 * a, lw=0)
        vertical_mark(board, x_of(m.date), f"observed {m.percent:g} % ({plain(m.source)})", MILESTONE, "-.")
        board.kinds.add("observed closure")


def vertical_mark(board: Board, x: float, text: str, color: str, ls: str = "--", lw: float = 0.9) -> None:
    """A vertical line at ``x``, its (already escaped) label queued on ``board``."""
    board.ax.axvline(x, color=color, ls=ls, lw=lw, zorder=3)
    board.marks.append((x, text, color))


def legend_handles(kinds: set[str]) -> list[Artist]:
    """Proxy artists explaining the evidence drawn (in a fixed order)."""
    from matplotlib.lines import Line2D

    spec: list[tuple[str, dict[str, Any], str]] = [
        ("point", {"marker": "D", "ms": 6}, "observation (label: source)"),
        ("range", {"marker": "|", "ms": 13, "mew": 1.8}, "observed range"),
        ("low", {"marker": "^", "ms": 7}, "lower bound (arrow up)"),
        ("high", {"marker": "v", "ms": 7}, "upper bound (arrow down)"),
        ("light", {"marker": "D", "ms": 6, "alpha": 0.45}, "lighter: source weight < 1"),
        ("milestone", {"marker": "v", "ms": 8, "color": MILESTONE}, "milestone: % done (bar: window)"),
        (
            "observed closure",
            {"marker": "|", "ms": 13, "mew": 1.5, "color": MILESTONE},
            "observed milestone (window shaded)",
        ),
    ]
    out: list[Artist] = []
    for kind, style, label in spec:
        if kind in kinds:
            out.append(Line2D([], [], ls="none", **{"color": "black", **style}, label=label))
    return out


# ----------------------------------------------------------------------------- placing labels
def finish(fig: Figure, boards: Sequence[Board]) -> Figure:
    """Fix the layout, then draw arrows and place every label of every board."""
    fig.draw_without_rendering()
    fig.set_layout_engine("none")
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    pt = fig.dpi / 72.0
    for board in boards:
        taken = _marks_of(board, pt) + _curves_of(board, pt) + _blocks_of(board) + _lines_of(board, pt)
        legend = board.ax.get_legend()
        if legend is not None:
            e = legend.get_window_extent(renderer)
            taken.append((e.x0, e.y0, e.x1, e.y1))
        _arrows(board, pt)
        _mark_labels(board, renderer, taken, pt)
        _note_labels(board, renderer, taken, pt)
    return fig


def _trans(board: Board, strip: bool) -> Transform:
    return board.ax.get_xaxis_transform() if strip else board.ax.transData


def _own_rect(board: Board, note: _Note, pt: float) -> Rect:
    """The display extent of a note's own mark."""
    cx, cy = _trans(board, note.strip).transform((note.x, note.y))
    x0, y0, x1, y1 = (
        cx + note.own[0] * pt,
        cy + note.own[1] * pt,
        cx + note.own[2] * pt,
        cy + note.own[3] * pt,
    )
    if note.window is not None:
        x0 = min(x0, float(board.ax.transData.transform((note.window[0], 0))[0]))
        x1 = max(x1, float(board.ax.transData.transform((note.window[1], 0))[0]))
    if note.low is not None:
        y0 = float(board.ax.transData.transform((note.x, note.low))[1]) - 2 * pt
    return (x0, y0, x1, y1)


def _marks_of(board: Board, pt: float) -> list[Rect]:
    """The extents of every drawn observation and milestone: what labels must not cover."""
    return [_own_rect(board, n, pt) for n in board.notes]


def _lines_of(board: Board, pt: float) -> list[Rect]:
    """The vertical lines (:func:`vertical_mark`), so that no label is drawn across one."""
    box = board.ax.bbox
    xs = [float(board.ax.transData.transform((x, 0))[0]) for x, _text, _color in board.marks]
    return [(x - 0.8 * pt, box.y0, x + 0.8 * pt, box.y1) for x in xs]


def _blocks_of(board: Board) -> list[Rect]:
    """The rectangles labels must stay off, in display pixels."""
    out: list[Rect] = []
    for x0, y0, x1, y1 in board.blocks:
        (a, b), (c, d) = board.ax.transData.transform([(x0, y0), (x1, y1)])
        out.append((min(a, c), min(b, d), max(a, c), max(b, d)))
    return out


def _curves_of(board: Board, pt: float) -> list[Rect]:
    """The curves labels must stay off, as boxes along their steps (each at most 6 points)."""
    out: list[Rect] = []
    pad, most = 1.5 * pt, 6 * pt
    for xs, ys in board.curves:
        corners: list[tuple[float, float]] = []
        for k, (x, y) in enumerate(zip(xs, ys, strict=True)):
            if k:
                corners.append((x, ys[k - 1]))  # the step's riser
            corners.append((x, y))
        box: Rect | None = None
        px, py = 0.0, 0.0
        for x, y in board.ax.transData.transform(corners) if corners else []:
            if box is None:
                box = (x, y, x, y)
            else:
                grown = (min(box[0], x), min(box[1], y), max(box[2], x), max(box[3], y))
                if grown[2] - grown[0] <= most and grown[3] - grown[1] <= most:
                    box = grown
                else:  # close this box; the next starts with the segment from the last corner
                    out.append((box[0] - pad, box[1] - pad, box[2] + pad, box[3] + pad))
                    box = (min(px, x), min(py, y), max(px, x), max(py, y))
            px, py = float(x), float(y)
        if box is not None:
            out.append((box[0] - pad, box[1] - pad, box[2] + pad, box[3] + pad))
    return out


def _arrows(board: Board, pt: float) -> None:
    """Arrows from the bounds, as long as the axes allow (at most 22 points)."""
    ax = board.ax
    inv = ax.transData.inverted()
    for x, y, up, color, alpha in board.arrows:
        cx, cy = ax.transData.transform((x, y))
        room = (ax.bbox.y1 - cy) if up else (cy - ax.bbox.y0)
        length = max(6.0 * pt, min(ARROW_PT * pt, room - 3 * pt))
        tip = inv.transform((cx, cy + (length if up else -length)))
        ax.annotate(
            "",
            xy=(x, float(tip[1])),
            xytext=(x, y),
            arrowprops={
                "arrowstyle": "-|>",
                "color": color,
                "alpha": alpha,
                "lw": 1.6,
                "shrinkA": 0,
                "shrinkB": 0,
            },
            annotation_clip=False,
        )


def _overlap(a: Rect, b: Rect) -> float:
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return w * h if w > 0 and h > 0 else 0.0


def _inside(r: Rect, box: Rect) -> bool:
    return r[0] >= box[0] and r[1] >= box[1] and r[2] <= box[2] and r[3] <= box[3]


def _best(candidates: Iterable[Rect], taken: list[Rect], box: Rect) -> Rect:
    """The first candidate inside ``box`` clear of ``taken``; else the one overlapping least."""
    best, score = None, float("inf")
    for r in candidates:
        s = sum(_overlap(r, t) for t in taken) + (0.0 if _inside(r, box) else 1e9 + 1e3 * _outside(r, box))
        if s == 0:
            return r
        if s < score:
            best, score = r, s
    assert best is not None
    return best


def _outside(r: Rect, box: Rect) -> float:
    return (
        max(0.0, box[0] - r[0]) + max(0.0, r[2] - box[2]) + max(0.0, box[1] - r[1]) + max(0.0, r[3] - box[3])
    )


def _size(board: Board, renderer: Any, text: str, rotation: float) -> tuple[float, float, Text]:
    t = board.ax.text(0, 0, text, fontsize=NOTE_SIZE, rotation=rotation, usetex=False, zorder=8)
    ext = t.get_window_extent(renderer)
    return ext.width, ext.height, t


def _box(board: Board) -> Rect:
    b = board.ax.bbox
    return (b.x0 + 2, b.y0 + 2, b.x1 - 2, b.y1 - 2)


def _mark_labels(board: Board, renderer: Any, taken: list[Rect], pt: float) -> None:
    """Rotated labels of vertical lines, from the top of the axes (below the milestone strip) down.

    Lines of one colour closer than 8 points share one label (the texts joined, wrapped if
    long), placed by the first of them.
    """
    ax = board.ax
    box = _box(board)
    top = box[3] - (((1 - STRIP_Y) * ax.bbox.height + 9 * pt) if "milestone" in board.kinds else 0.0)
    inv = ax.transData.inverted()
    groups: list[tuple[float, float, str, list[str]]] = []  # first and last x (pixels), colour, texts
    for x, text, color in sorted(board.marks, key=lambda m: (m[2], m[0])):
        px = float(ax.transData.transform((x, 0))[0])
        if groups and groups[-1][2] == color and px - groups[-1][1] < 8 * pt:
            groups[-1] = (groups[-1][0], px, color, [*groups[-1][3], text])
        else:
            groups.append((px, px, color, [text]))
    for first, last, color, texts in sorted(groups):
        text = "\n".join(textwrap.wrap(clip(_joined(texts), 4 * MAX_DRAWN), 60))
        w, h, t = _size(board, renderer, text, 90)
        steps = max(1, int((top - box[1] - h) // max(h * 0.25, 1.0)) + 1)
        cands = [
            (x0, top - h - k * h * 0.25, x0 + w, top - k * h * 0.25)
            for k in range(steps)
            for x0 in (last + 2 * pt, first - w - 2 * pt, first - w - 8 * pt)
        ]
        r = _best(cands, taken, box)
        taken.append(r)
        tx, ty = inv.transform((r[0], r[3]))
        t.set(x=float(tx), y=float(ty), ha="left", va="top", color=color)


def _joined(texts: list[str]) -> str:
    """Texts of one label: ``closure P10 d1, P50 d2`` (a first word they share is said once)."""
    head = texts[0].split(" ", 1)[0]
    if len(texts) > 1 and all(t.startswith(head + " ") for t in texts):
        return head + " " + ", ".join(t[len(head) + 1 :] for t in texts)
    return ", ".join(texts)


def _note_candidates(own: Rect, cx: float, cy: float, w: float, h: float, gap: float) -> list[Rect]:
    """Where a label may go: beside its mark first, then ever further out (above first)."""
    right, left, mid = own[2] + gap, own[0] - gap - w, cy - h / 2
    near = [(right, mid), (left, mid), (cx - w / 2, own[3] + gap), (cx - w / 2, own[1] - gap - h)]
    near += [(x0, mid + dy * h) for dy in (1.1, -1.1) for x0 in (right, left)]
    far = [
        (cx - w / 2 + i * 0.55 * w, cy - h / 2 + j * 1.15 * h)
        for j in range(-8, 15)
        for i in range(-5, 6)
        if abs(j) > 1 or abs(i) > 1
    ]
    far.sort(key=lambda p: (p[0] + w / 2 - cx) ** 2 + (1.0 if p[1] > cy else 1.6) * (p[1] + h / 2 - cy) ** 2)
    return [(x0, y0, x0 + w, y0 + h) for x0, y0 in near + far]


def _note_labels(board: Board, renderer: Any, taken: list[Rect], pt: float) -> None:
    """Source labels of observations and milestones, nearest free spot first."""
    ax = board.ax
    box = _box(board)
    inv = ax.transData.inverted()
    gap = 3 * pt
    for note in sorted(board.notes, key=lambda n: (n.strip, n.x, n.y)):
        w, h, t = _size(board, renderer, note.text, 0)
        own = _own_rect(board, note, pt)
        cx, cy = _trans(board, note.strip).transform((note.x, note.y))
        r = _best(_note_candidates(own, cx, cy, w, h, gap), [t_ for t_ in taken if t_ != own], box)
        taken.append(r)
        tx, ty = inv.transform((r[0], r[1]))
        t.set(x=float(tx), y=float(ty), ha="left", va="bottom", alpha=max(note.alpha, 0.55))
        t.set_bbox({"boxstyle": "square,pad=0.1", "facecolor": "white", "edgecolor": "none", "alpha": 0.7})
        dx = max(0.0, own[0] - r[2], r[0] - own[2])
        dy = max(0.0, own[1] - r[3], r[1] - own[3])
        if dx + dy > gap + 2 * pt:  # far from its mark: a leader line (in figure fractions: any dpi)
            fw, fh = ax.figure.bbox.size
            ax.annotate(
                "",
                xy=(float(cx) / fw, float(cy) / fh),
                xycoords="figure fraction",
                xytext=(float(min(max(cx, r[0]), r[2])) / fw, float(r[1] if r[1] > cy else r[3]) / fh),
                textcoords="figure fraction",
                arrowprops={"arrowstyle": "-", "color": "0.55", "lw": 0.6, "shrinkA": 0, "shrinkB": 4},
            )
