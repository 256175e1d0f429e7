"""Reporting a run to the user: the console summary and the set of result files.

:func:`write_run` writes everything one run produces into the output folder;
:func:`run_table` renders the summary a user sees in the terminal (closure in days, weeks and
calendar date; 95 % closure; each phase; each site's last departure).
"""

from __future__ import annotations

from pathlib import Path

from rich.table import Table

from ..engine.results import Result, date_at, hours_to_days
from .files import inside, write_csv, write_json
from .plots import gantt_figure, save_figure, throughput_figure, troop_curve_figure


def write_run(result: Result, out_dir: Path, *, plot: bool = True) -> list[Path]:
    """Write one run's ``summary.json``, ``troop_curve.csv``, ``events.csv`` and its plot."""
    written = [
        write_json(inside(out_dir, "summary.json"), result.summary()),
        write_csv(inside(out_dir, "troop_curve.csv"), *result.troop_curve_rows()),
        write_csv(inside(out_dir, "events.csv"), *result.convoy_rows()),
        write_csv(inside(out_dir, "daily.csv"), *result.daily_rows()),
    ]
    if plot:
        written.append(save_figure(troop_curve_figure(result), inside(out_dir, "troop_curve.png")))
        written.append(save_figure(gantt_figure(result), inside(out_dir, "gantt.png")))
        written.append(save_figure(throughput_figure(result), inside(out_dir, "throughput.png")))
    return written


def _when(result: Result, hours: float | None) -> tuple[str, str, str]:
    if hours is None:
        return "—", "—", "not reached"
    d = hours_to_days(hours) or 0.0
    return f"{d:.2f}", f"{d / 7:.2f}", date_at(result.scenario.start, hours) or ""


def run_table(result: Result) -> Table:
    """The one-run summary table."""
    s = result.scenario
    status = "completed" if result.completed else f"NOT completed within {s.horizon_days:g} days"
    t = Table(title=f"{s.name} — {status}", title_justify="left")
    for col in ("milestone", "days", "weeks", "date"):
        t.add_column(col, justify="right" if col in ("days", "weeks") else "left")
    t.add_row("closure (100 %)", *_when(result, result.closure_h))
    t.add_row("closure (95 %)", *_when(result, result.closure95_h))
    for pid, h in result.phase_closure_h.items():
        t.add_row(f"phase {pid}", *_when(result, h))
    for sid, h in result.site_last_departure_h.items():
        if h is not None:
            t.add_row(f"last departure {sid}", *_when(result, h))
    if not result.completed:
        for sid, left in result.remaining.items():
            t.add_row(f"left at {sid}", ", ".join(f"{n:,} {c}" for c, n in left.items()), "", "")
        if result.in_transit:
            t.add_row("on the road", ", ".join(f"{n:,} {c}" for c, n in result.in_transit.items()), "", "")
        for why in result.binding:
            t.add_row("binding", why, "", "")
    return t
