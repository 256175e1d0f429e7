"""Reporting scores: the console tables, ``score.json``, ``score.png`` and the markdown scoreboard.

What is reported is computed by :mod:`sim.experiment.score` (a
:class:`~sim.experiment.score.Scorecard` per scenario); this module only puts it on screen
and on disk:

* :func:`score_tables`: per observation its date, measure, observed value, P10/P50/P90,
  whether it is inside the bands, its normalised interval score and CRPS; then the
  milestones; then the coverage;
* :func:`write_score`: ``score.json`` (no NaN: ``null``) and, with ``plot``, ``score.png``
  (drawn by :mod:`.score_plot`, which loads matplotlib only when drawing);
* :func:`summary_table` and :func:`scoreboard`: one row per scored file, on screen and as a
  self-contained markdown table; :func:`targets`, where each file's scores go, and
  :func:`below`, the ``--fail-below`` verdict.

User text (scenario names, sources, labels) goes into rich as :class:`~rich.text.Text`, never
as markup.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich import box
from rich.console import Group
from rich.text import Text

from ..experiment.score import MilestoneScore, ObservationScore, Scorecard
from .files import inside, write_json, write_text
from .terminal import PlainTable, safe

BOARD_HEADER = (
    "File",
    "Scenario",
    "Scored observations",
    "Weighted P10–P90 coverage",
    "Weighted P5–P95 coverage",
    "Mean interval score (80 %, normalised)",
    "Mean CRPS (normalised)",
    "Milestone P50 date error (days)",
)


@dataclass(frozen=True)
class Entry:
    """One file of a ``posture score`` command: its scenario's name and its scores (``None``: nothing)."""

    file: str
    scenario: str
    card: Scorecard | None


def targets(files: Sequence[Path], out_dir: Path | None) -> list[Path]:
    """Each file's output folder: ``out_dir`` for one file, ``out_dir/<stem>`` for several, else
    ``results/<stem>-score/``. Two files in one folder are refused (:class:`ValueError`)."""
    out: list[Path] = []
    for file in files:
        if out_dir is None:
            out.append(Path("results") / f"{file.stem}-score")
        else:
            out.append(out_dir if len(files) == 1 else inside(out_dir, file.stem))
        twin = next(
            (f for f, t in zip(files, out[:-1], strict=False) if t.resolve() == out[-1].resolve()), None
        )
        if twin is not None:
            raise ValueError(f"{twin} and {file} would be scored into the same folder, {out[-1]}")
    return out


def below(entries: Sequence[Entry], share: float) -> str | None:
    """The ``--fail-below`` message: files whose weighted P10-P90 coverage is below ``share``."""
    short = [
        f"{e.file} {'nothing to score' if c is None else f'{c:.2f}'}"
        for e in entries
        if (c := None if e.card is None else e.card.coverage.weighted80) is None or c < share
    ]
    return f"weighted P10-P90 coverage below {share:g}: {'; '.join(short)}" if short else None


# ----------------------------------------------------------------------------- formatting
def number(x: float | None) -> str:
    """A value as a person reads it: ``34,000``, ``43.8``, ``0.25``; ``—`` for none."""
    if x is None or not math.isfinite(x):
        return "—"
    if abs(x) >= 100:
        return f"{x:,.0f}"
    return f"{x:.3g}"


def _share(x: float | None) -> str:
    return "—" if x is None else f"{x:.2f}"


def _score(x: float | None) -> str:
    return "—" if x is None else f"{x:.3f}"


def _day(d: dt.date | None) -> str:
    return "beyond" if d is None else d.isoformat()


def _window(m: MilestoneScore) -> str:
    earliest, latest = m.milestone.window
    if earliest == latest:
        return ""
    return f"{earliest.isoformat()}–{latest.isoformat()}"


def _inside(o: ObservationScore) -> str:
    if not o.scored:
        return "after horizon" if o.status == "after the horizon" else o.status
    if o.inside80:
        return "P10–90"
    return "P5–95" if o.inside90 else "no"


def _error(days: int | None) -> str:
    return "beyond" if days is None else f"{days:+d}"


# ----------------------------------------------------------------------------- console
WIDTH = 100
"""The console tables fit in this many columns (print them on a console at least this wide)."""


def _table(title: Text | str | None) -> PlainTable:
    """A compact table: a rule under the header, no outer frame."""
    return PlainTable(
        title=title,
        title_justify="left",
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        collapse_padding=True,
    )


def score_tables(card: Scorecard) -> Group:
    """The console report of one scorecard: observations, milestones, coverage."""
    s = card.scenario
    parts: list[PlainTable] = []
    title = safe(f"{s.name} — {card.n:,} replications (seed {card.plan.seed})")
    if card.observations:
        t = _table(title)
        for col in ("date", "measure", "observed", "P10", "P50", "P90", "inside", "IS", "CRPS"):
            t.add_column(col, justify="left" if col in ("date", "measure", "observed", "inside") else "right")
        for o in card.observations:
            p = o.percentiles
            t.add_row(
                o.observation.date.isoformat(),
                safe(o.key),
                safe(o.observation.describe()),
                *(number(p.get(q)) for q in ("p10", "p50", "p90")),
                _inside(o),
                _score(o.interval_score_80),
                _score(o.crps),
            )
        parts.append(t)
        title = Text("")
    if card.milestones:
        t = _table(title or None)
        for col in ("milestone", "observed", "window", "P10", "P50", "P90", "error", "overlaps"):
            t.add_column(col, justify="right" if col in ("milestone", "error") else "left")
        for m in card.milestones:
            t.add_row(
                f"{m.milestone.percent:g} %",
                m.milestone.date.isoformat(),
                _window(m),
                *(_day(m.dates[q]) for q in ("p10", "p50", "p90")),
                _error(m.date_error_days),
                "P10–90" if m.overlaps80 else ("P5–95" if m.overlaps90 else "no"),
            )
        parts.append(t)
    c = card.coverage
    t = _table("weighted coverage")
    for col in ("of", "count", "P10–P90", "P5–P95"):
        t.add_column(col, justify="left" if col == "of" else "right")
    t.add_row("observations", str(c.scored_observations), _share(c.observations80), _share(c.observations90))
    t.add_row("milestones", str(c.milestones), _share(c.milestones80), _share(c.milestones90))
    t.add_row("all", str(c.scored_observations + c.milestones), _share(c.weighted80), _share(c.weighted90))
    parts.append(t)
    return Group(*parts)


def _board_row(entry: Entry) -> list[str]:
    """File, scenario, scored observations, coverages, mean scores, milestone date errors."""
    card = entry.card
    if card is None or card.nothing_to_score:
        return [entry.file, entry.scenario, "nothing to score", "—", "—", "—", "—", "—"]
    c = card.coverage
    errors = "; ".join(f"{m.milestone.percent:g} %: {_error(m.date_error_days)}" for m in card.milestones)
    return [
        entry.file,
        entry.scenario,
        f"{c.scored_observations} of {c.observations}",
        _share(c.weighted80),
        _share(c.weighted90),
        _score(card.mean_interval_score),
        _score(card.mean_crps),
        errors or "—",
    ]


def summary_table(entries: Sequence[Entry]) -> PlainTable:
    """One row per file: what the markdown scoreboard holds, without the scenario names."""
    t = _table("scores")
    for col in ("file", "scored", "P10–90", "P5–95", "IS", "CRPS", "milestone errors (days)"):
        t.add_column(col, justify="right" if col in ("P10–90", "P5–95", "IS", "CRPS") else "left")
    for entry in entries:
        row = _board_row(entry)
        t.add_row(*(safe(cell) for cell in [Path(entry.file).name, *row[2:]]))
    return t


# ----------------------------------------------------------------------------- markdown
def _md(cell: str) -> str:
    return " ".join(cell.replace("\\", "\\\\").replace("|", "\\|").split())


def scoreboard(entries: Sequence[Entry], n: int, seed: int, version: str) -> str:
    """The markdown scoreboard: a line with n, seed and version, a table, and what it means."""
    lines = [
        f"Scored with posture {version}: n = {n} replications, seed {seed}.",
        "",
        "| " + " | ".join(BOARD_HEADER) + " |",
        "|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for entry in entries:
        file, *rest = (_md(cell) for cell in _board_row(entry))
        lines.append(f"| `{file}` | " + " | ".join(rest) + " |")
    lines += [
        "",
        "Coverage: the weighted share of scored observations and milestones whose observed value, "
        "range or window overlaps the simulated band. Interval score (80 %, Gneiting & Raftery "
        "2007) and CRPS: means over scored observations, each divided by its measure's largest "
        "daily P50 (at least 1); lower is better. Date error: simulated P50 date minus observed "
        "date, in days; beyond: the P50 falls after the horizon.",
    ]
    return "\n".join(lines) + "\n"


def write_scoreboard(path: Path | str, entries: Sequence[Entry], n: int, seed: int, version: str) -> Path:
    """Write the markdown scoreboard atomically."""
    return write_text(Path(path).resolve(), scoreboard(entries, n, seed, version))


# ----------------------------------------------------------------------------- score.json
def _num(x: float | None, digits: int = 4) -> float | None:
    return None if x is None or not math.isfinite(x) else round(float(x), digits)


def observation_json(o: ObservationScore) -> dict[str, Any]:
    """One observation's entry in ``score.json`` (and ``forecast_score.json``)."""
    ob = o.observation
    p = o.percentiles
    return {
        "date": ob.date.isoformat(),
        "key": o.key,
        "observed": {"value": ob.value, "low": ob.low, "high": ob.high},
        "weight": ob.weight,
        "label": ob.label,
        "source": ob.source,
        "day": o.day,
        "status": o.status,
        **{q: _num(p.get(q)) for q in ("p5", "p10", "p25", "p50", "p75", "p90", "p95")},
        "point": _num(o.point),
        "inside80": o.inside80,
        "inside90": o.inside90,
        "interval_score_80": _num(o.interval_score_80, 6),
        "crps": _num(o.crps, 6),
        "scale": _num(o.scale),
    }


def milestone_json(m: MilestoneScore) -> dict[str, Any]:
    """One milestone's entry in ``score.json`` (and ``forecast_score.json``)."""
    ms = m.milestone
    earliest, latest = ms.window
    return {
        "percent": ms.percent,
        "date": ms.date.isoformat(),
        "window": [earliest.isoformat(), latest.isoformat()],
        "weight": ms.weight,
        "label": ms.label,
        "source": ms.source,
        **{q: _day(d) if d is not None else None for q, d in m.dates.items()},
        **{f"{q}_day": _num(d) for q, d in m.days.items()},
        "reached_share": _num(m.reached_share, 6),
        "date_error_days": m.date_error_days,
        "overlaps": m.overlaps80,
        "overlaps90": m.overlaps90,
    }


def score_json(card: Scorecard, file: str | None = None) -> dict[str, Any]:
    """The ``score.json`` mapping: run settings, coverage, every observation and milestone."""
    s, c = card.scenario, card.coverage
    return {
        "scenario": s.name,
        **({"file": file} if file is not None else {}),
        "start": s.start.isoformat(),
        "horizon_days": s.horizon_days,
        "replications": card.n,
        "seed": card.plan.seed,
        "deterministic": card.plan.deterministic,
        "coverage": {
            "weighted80": _num(c.weighted80, 6),
            "weighted90": _num(c.weighted90, 6),
            "observations80": _num(c.observations80, 6),
            "observations90": _num(c.observations90, 6),
            "milestones80": _num(c.milestones80, 6),
            "milestones90": _num(c.milestones90, 6),
            "scored_observations": c.scored_observations,
            "observations": c.observations,
            "milestones": c.milestones,
        },
        "mean_interval_score_80": _num(card.mean_interval_score, 6),
        "mean_crps": _num(card.mean_crps, 6),
        "observations": [observation_json(o) for o in card.observations],
        "milestones": [milestone_json(m) for m in card.milestones],
    }


def write_score(
    card: Scorecard,
    out_dir: Path | str,
    *,
    plot: bool = True,
    file: str | None = None,
    fmt: str = "png",
    dpi: float = 150,
) -> list[Path]:
    """Write ``score.json`` (and ``score.<fmt>``, at ``dpi`` if PNG) into ``out_dir``."""
    written = [write_json(inside(out_dir, "score.json"), score_json(card, file))]
    if plot:
        from .plot_style import PlotInfo, save
        from .score_plot import score_figure

        info = PlotInfo.now(card.scenario.name, card.plan.seed, card.n)
        written.append(save(score_figure(card, info), inside(out_dir, f"score.{fmt}"), fmt, dpi))
    return written
