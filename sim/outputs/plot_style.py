"""The look every posture figure shares: canvas, palette, date axes, footer and file formats.

Every plot module draws through this one, so a figure pasted into a brief looks the same
whoever drew it:

* :func:`new_figure`: an empty figure with constrained layout on its own Agg canvas (no
  pyplot, no global state, no display); :func:`load_matplotlib` imports matplotlib whatever
  ``MPLBACKEND`` says;
* :func:`palette`: ``n`` colour-blind-safe styles. The colours are Paul Tol's *muted*
  scheme (nine colours, told apart under every common colour-vision deficiency) and a dark
  grey; after ten, the colours repeat with another line style, marker and hatch, so no two
  of any number of series look alike;
* :func:`date_axis`: date ticks that always name the month and year of the first tick, and
  the month (and year) again wherever it changes (``8 / Feb 2026, 15, 22, 1 / Mar, 8``);
* :func:`footer`: a small grey line along the bottom with the scenario, the seed, the
  replications, the posture version and the date (a :class:`PlotInfo`), so a figure cut
  out of its folder still says what made it;
* :func:`save`: the figure as PNG, SVG or PDF at a given dpi, written atomically and without
  metadata that changes from run to run. SVG keeps text as text (searchable, editable) and
  PDF embeds TrueType fonts.

matplotlib is imported inside the functions that draw, never when this module is imported.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .files import write_atomic
from .terminal import printable

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

FORMATS = ("png", "svg", "pdf")
"""The file formats a figure can be written in (``--format``)."""
DEFAULT_DPI = 150
"""Resolution of PNG figures (``--dpi``); SVG and PDF are vector formats and ignore it."""
COLOURS = (
    "#332288",  # indigo
    "#CC6677",  # rose
    "#44AA99",  # teal
    "#DDCC77",  # sand
    "#882255",  # wine
    "#88CCEE",  # cyan
    "#117733",  # green
    "#999933",  # olive
    "#AA4499",  # purple
    "#4D4D4D",  # dark grey
)
"""Paul Tol's muted scheme (https://personal.sron.nl/~pault/) and a dark grey."""
LINE_STYLES = ("-", "--", ":", "-.")
MARKERS = ("o", "s", "^", "D", "v", "P", "X")
HATCHES = ("", "//", "\\\\", "xx", "..", "oo")
FOOTER_INCHES = 0.24
"""Height kept free along the bottom of a figure for its footer."""
FOOTER = "posture-footer"
"""The ``gid`` of a footer's text."""


@dataclass(frozen=True)
class Style:
    """How one series is drawn: colour, line style, marker, and hatch for filled areas."""

    color: str
    ls: str
    marker: str
    hatch: str


def palette(n: int) -> list[Style]:
    """``n`` series styles, no two alike: ten colours, then each again with another style."""
    out = []
    for i in range(max(0, n)):
        cycle = i // len(COLOURS)
        out.append(
            Style(
                COLOURS[i % len(COLOURS)],
                LINE_STYLES[cycle % len(LINE_STYLES)],
                MARKERS[cycle % len(MARKERS)],
                HATCHES[cycle % len(HATCHES)],
            )
        )
    return out


@dataclass(frozen=True)
class PlotInfo:
    """What a figure's footer says made it."""

    scenario: str  # the scenario's name
    seed: int | None  # the root seed (None: not known)
    n: int  # replications (per point, for a sweep)
    version: str  # posture's version
    date: dt.date  # the day the figure was drawn (UTC)
    per_point: bool = False

    @classmethod
    def now(cls, scenario: str, seed: int | None, n: int, *, per_point: bool = False) -> PlotInfo:
        """The footer of a figure drawn today (UTC) by this version of posture."""
        from .. import __version__

        return cls(scenario, seed, n, __version__, dt.datetime.now(dt.UTC).date(), per_point)

    def text(self) -> str:
        """The footer line: ``scenario · seed S · N replications · posture V · YYYY-MM-DD``."""
        reps = f"{self.n:,} replication{'' if self.n == 1 else 's'}" + (
            " per point" if self.per_point else ""
        )
        seed = [] if self.seed is None else [f"seed {self.seed}"]
        parts = [self.scenario, *seed, reps, f"posture {self.version}", self.date.isoformat()]
        return plain(" · ".join(parts))


def load_matplotlib() -> None:
    """Import matplotlib whatever ``MPLBACKEND`` says (figures here are files, drawn with Agg).

    matplotlib refuses to import under an unknown ``MPLBACKEND``; nothing here uses a backend
    (no pyplot: each figure gets its own Agg canvas), so the variable is set aside while
    matplotlib is first imported, then put back for any other user of it.
    """
    if "matplotlib" in sys.modules:
        return
    saved = os.environ.pop("MPLBACKEND", None)
    try:
        import matplotlib  # noqa: F401
    finally:
        if saved is not None:
            os.environ["MPLBACKEND"] = saved


MAX_DRAWN = 200
"""The most characters of one piece of user text a figure draws."""


def plain(text: str) -> str:
    """User text as matplotlib should draw it: every figure's text from a scenario goes through here.

    ``$`` is escaped, so it never turns into mathtext; every non-printable character but the
    line break is shown as its escape (``\\x1b``, ``\\u202e``), as the terminal shows it
    (:func:`~.terminal.printable`). A control character drawn as it is would make the SVG
    invalid XML (``report.html`` could not embed it), and matplotlib's warning about its
    missing glyph would write it raw to the terminal. Text longer than :data:`MAX_DRAWN`
    characters is cut with "…": a 5 MB site name made matplotlib's layout run for minutes,
    and a long label collapses the axes anyway (the files and ``report.html`` keep it whole).
    """
    return printable(clip(text), keep="\n").replace("$", r"\$")


def clip(text: str, limit: int = MAX_DRAWN) -> str:
    """``text`` cut to ``limit`` characters with "…": before wrapping it, too (``textwrap``
    takes time quadratic in the length of one long word)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def new_figure(width: float = 11.0, height: float = 6.0, info: PlotInfo | None = None) -> Figure:
    """An empty figure with constrained layout on an Agg canvas (with ``info``: its footer)."""
    load_matplotlib()
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=DEFAULT_DPI, layout="constrained")
    FigureCanvasAgg(fig)
    if info is not None:
        footer(fig, info)
    return fig


def footer(fig: Figure, info: PlotInfo) -> None:
    """A small grey line along the bottom of ``fig``: what made it (:meth:`PlotInfo.text`).

    Room is kept for it whatever the figure's layout: a constrained layout lays the figure
    out above it; a fixed layout has its axes moved up to make room.
    """
    from matplotlib.layout_engine import ConstrainedLayoutEngine

    room = FOOTER_INCHES / fig.get_figheight()
    engine = fig.get_layout_engine()
    if isinstance(engine, ConstrainedLayoutEngine):
        engine.set(rect=(0.0, room, 1.0, 1.0 - room))
    else:
        for ax in fig.axes:
            box = ax.get_position()
            ax.set_position((box.x0, room + box.y0 * (1 - room), box.width, box.height * (1 - room)))
    fig.text(
        0.008,
        0.3 * room,
        info.text(),
        fontsize=7,
        color="0.4",
        ha="left",
        va="bottom",
        usetex=False,
        gid=FOOTER,
    )


def save(fig: Figure, path: Path | str, fmt: str | None = None, dpi: float = DEFAULT_DPI) -> Path:
    """Write ``fig`` atomically as ``fmt`` (PNG, SVG or PDF; default: ``path``'s suffix).

    The file takes the format's suffix. Nothing that varies between runs goes in (no date,
    no software tag, fixed SVG ids), so the same figure gives the same bytes.
    """
    path = Path(path)
    fmt = (fmt or path.suffix.lstrip(".") or "png").lower()
    if fmt not in FORMATS:
        raise ValueError(f"unknown figure format {fmt!r}: expected one of {', '.join(FORMATS)}")
    path = path.with_suffix("." + fmt)
    load_matplotlib()
    from matplotlib import rc_context

    metadata: dict[str, dict[str, Any]] = {
        "png": {"Software": None},
        "svg": {"Date": None, "Creator": None},
        "pdf": {"CreationDate": None, "ModDate": None, "Creator": None, "Producer": None},
    }

    def put(fh: Any) -> None:
        with rc_context({"svg.fonttype": "none", "svg.hashsalt": "posture", "pdf.fonttype": 42}):
            fig.savefig(fh, format=fmt, dpi=dpi, metadata=metadata[fmt])

    return write_atomic(path, put)


# ----------------------------------------------------------------------------- date axes
def x_of(when: dt.date | dt.datetime) -> float:
    """A date or time as matplotlib's float day number (what its date axes plot)."""
    load_matplotlib()
    from matplotlib.dates import date2num

    if not isinstance(when, dt.datetime):
        when = dt.datetime.combine(when, dt.time())
    return float(date2num(when))  # type: ignore[no-untyped-call]


def dates(start: dt.date, days: np.ndarray) -> np.ndarray:
    """Day numbers since ``start`` as matplotlib date numbers."""
    return x_of(start) + np.asarray(days, dtype=float)


def date_axis(ax: Axes, maxticks: int | None = None, minticks: int = 5) -> None:
    """Date ticks on the x axis that name the first tick's month and year, and each change."""
    from matplotlib.dates import AutoDateLocator

    loc = AutoDateLocator(minticks=minticks, maxticks=maxticks)  # type: ignore[no-untyped-call]
    ax.xaxis.set_major_locator(loc)
    ax.xaxis.set_major_formatter(_month_formatter())


def _month_formatter() -> Any:
    from matplotlib.dates import num2date
    from matplotlib.ticker import Formatter

    class MonthNaming(Formatter):
        """Day numbers, months or years; the first shown tick carries its month and year."""

        def __call__(self, x: float, pos: int | None = None) -> str:
            d = num2date(x)  # type: ignore[no-untyped-call]
            return f"{d.day} {d:%b %Y}"

        def format_ticks(self, values: Sequence[float]) -> list[str]:
            shown = self._shown(values)
            return date_labels([num2date(v) for v in values], shown)  # type: ignore[no-untyped-call]

        def _shown(self, values: Sequence[float]) -> list[bool]:
            if self.axis is None:
                return [True] * len(values)
            lo, hi = sorted(self.axis.get_view_interval())
            pad = 1e-6 * max(hi - lo, 1e-9)
            return [lo - pad <= v <= hi + pad for v in values]

    return MonthNaming()


def date_labels(when: Sequence[dt.datetime], shown: Sequence[bool] | None = None) -> list[str]:
    """Tick labels for ``when`` (evenly spaced ticks) that name the first shown tick in full.

    The unit follows the spacing: hours (the day named at the first tick and each new day),
    days (the month and year named at the first tick, the month at each new month, the year
    at each new year), months (the year at the first tick and each new year), or years.
    """
    shown = list(shown) if shown is not None else [True] * len(when)
    step = (when[1] - when[0]).total_seconds() / 86400 if len(when) > 1 else 1.0
    out: list[str] = []
    prev: dt.datetime | None = None
    for d, visible in zip(when, shown, strict=True):
        if not visible:
            out.append("")
            continue
        new_day = prev is None or d.date() != prev.date()
        new_month = prev is None or (d.year, d.month) != (prev.year, prev.month)
        new_year = prev is None or d.year != prev.year
        if step < 1:
            label = f"{d:%H:%M}" + (f"\n{d.day} {d:%b %Y}" if new_day else "")
        elif step < 28:
            label = f"{d.day}" + (f"\n{d:%b %Y}" if new_year else f"\n{d:%b}" if new_month else "")
        elif step < 365:
            label = f"{d:%b}" + (f"\n{d.year}" if new_year else "")
        else:
            label = f"{d.year}"
        out.append(label)
        prev = d
    return out
