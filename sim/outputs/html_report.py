"""``report.html``: a run's results in one self-contained page, to open in any browser or send on.

``posture run`` writes it next to the other result files (``--no-report`` leaves it out), for
one run (:func:`write_run_report`) and for ``-n`` replications (:func:`write_ensemble_report`).
Its sections, in order:

* **Summary**: what the run is (:attr:`Result.what`, or "N replications (seed S)") and the
  closure table: days, weeks and dates of closure, 95 % closure, each phase and milestone
  (P10/P50/P90 with their dates, the mean and the share finished, for ``-n``);
* **Figures**: those written as files (troop curve or fan chart, closure CDF, map, Gantt chart,
  daily arrivals), as inline SVG whatever ``--format`` says, and a utilisation chart
  (:mod:`.utilisation_plot`) drawn only for the page; with ``--no-plot`` none are drawn;
* **Resources**: per phase the binding resource (busiest while the phase was open; for ``-n``
  its share of replications) and each resource's utilisation over the run;
* **Events**: each of the scenario's events, when it was due and, for one run, when it fired
  (replications do not record when events fire, so ``-n`` lists them without);
* **Scores** (``-n`` only, when the scenario has observations or milestones): the tables of
  ``posture score``, computed from the same replications (:func:`~sim.experiment.score.scorecard`
  reads the run's store; it does not simulate again), and the score chart;
* **Sources** and **Files** (:mod:`.report_provenance`): every source the scenario cites and
  where; the command line and the files written before the page, with their SHA-256.
  ``manifest.json`` is written after the page, so it, not the page, is the complete list (it
  adds ``report.html`` itself and the run store).

Everything from the user is escaped (:mod:`.html_page`). The page is written atomically.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..engine.results import Result, date_at
from ..experiment.columns import SCALE
from ..experiment.stats import describe
from ..scenario.schema import Scenario
from .files import inside, write_text
from .html_page import Html, Section, figure, join, note, page, rich_table, table, tag, today
from .plot_style import PlotInfo
from .report_provenance import REPORT, files_html, sources_html
from .utilisation_plot import bars_of, no_resources, utilisation_figure

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from ..experiment.ensemble import Ensemble
    from ..experiment.score import Scorecard
    from .manifest import Trace

CAPTIONS = {
    "troop_curve": "Troop curve: personnel in theatre and at each site, by day",
    "fan_chart": "Fan chart: personnel in theatre by day, median and percentile bands over the replications",
    "closure_cdf": "Closure CDF: probability the withdrawal is complete by each date",
    "map": "Map: the theatre, its roads, crossings and air routes",
    "gantt": "Gantt chart: when each base loaded convoys and sorties",
    "throughput": "Daily arrivals: what reached its destination each day",
    "utilisation": "Utilisation: each resource's busy share of its capacity over the run",
    "score": "Scores: the replications' bands against the observations",
}
"""What each figure shows, in the order the page shows them."""
Drawn = Mapping[str, "Figure | str"]


# ----------------------------------------------------------------------------- the two pages
def write_run_report(
    result: Result, out_dir: Path | str, figures: Drawn, written: Sequence[Path], trace: Trace, *, plot: bool
) -> Path:
    """Write ``report.html`` of one run (``figures``: those drawn for the files; ``plot``: draw
    the page's own figure too; ``written``: the files written so far; ``trace``: the command)."""
    s = result.scenario
    status = "completed" if result.completed else f"not completed within {s.horizon_days:g} days"
    lead = [tag("p", result.what, class_="what"), _status(result.completed, status)]
    own: dict[str, Figure | str] = {}
    if plot:
        bars = bars_of(result.utilisation)
        info = PlotInfo.now(s.name, result.seed, 1)
        own["utilisation"] = no_resources(bars) or utilisation_figure(s.name, bars, 1, info)
    sections = [
        Section("summary", "Summary", _run_summary(result)),
        Section("figures", "Figures", _figures({**figures, **own}, plot)),
        Section("resources", "Resources", _run_resources(result)),
        Section("events", "Events", _run_events(result)),
        Section("scores", "Scores", note(ONE_RUN_NOT_SCORED) if _has_evidence(s) else note(NO_EVIDENCE)),
        Section("sources", "Sources", sources_html(s)),
        Section("files", "Files", files_html(out_dir, written, trace)),
    ]
    return _write(out_dir, s, lead, sections)


def write_ensemble_report(
    ens: Ensemble, out_dir: Path | str, figures: Drawn, written: Sequence[Path], trace: Trace, *, plot: bool
) -> Path:
    """Write ``report.html`` of ``-n`` replications (arguments as :func:`write_run_report`)."""
    from ..experiment.score import scorable, scorecard

    s = ens.scenario
    done = float(ens["completed"].mean()) if ens.n else 0.0
    what = f"{ens.n:,} replications (seed {ens.plan.seed})" + (
        ", deterministic" if ens.plan.deterministic else ""
    )
    lead = [tag("p", what, class_="what"), _status(done == 1.0, f"{done:.0%} of replications completed")]
    card = scorecard(ens.store, s, ens.plan) if scorable(s) else None
    own: dict[str, Figure | str] = {}
    if plot:
        info = PlotInfo.now(s.name, ens.plan.seed, ens.n)
        bars = bars_of(ens.utilisation())
        own["utilisation"] = no_resources(bars) or utilisation_figure(s.name, bars, ens.n, info)
        if card is not None:
            from .score_plot import score_figure

            own["score"] = score_figure(card, info)
    sections = [
        Section("summary", "Summary", _ensemble_summary(ens)),
        Section("figures", "Figures", _figures({**figures, **own}, plot)),
        Section("resources", "Resources", _ensemble_resources(ens)),
        Section("events", "Events", _ensemble_events(s)),
        Section("scores", "Scores", _scores(card, s)),
        Section("sources", "Sources", sources_html(s)),
        Section("files", "Files", files_html(out_dir, written, trace, store=True)),
    ]
    return _write(out_dir, s, lead, sections)


def _write(out_dir: Path | str, s: Scenario, lead: list[Html], sections: list[Section]) -> Path:
    from .. import __version__

    start = f"day 0 is {s.start.isoformat()}; horizon {s.horizon_days:g} days"
    lead = [*lead, tag("p", start, class_="meta")]
    if s.description:
        lead.append(tag("p", s.description.strip(), class_="meta"))
    foot = note(f"Made by posture {__version__} on {today()}. Open offline: nothing here is fetched.")
    return write_text(inside(out_dir, REPORT), page(s.name, lead, sections, foot))


def _status(ok: bool, text: str) -> Html:
    return tag("p", text, class_="status-ok" if ok else "status-no")


def _figures(drawn: Mapping[str, Figure | str], plot: bool) -> Html:
    if not plot:
        return note("No figures: the run was made with --no-plot.")
    shown = [k for k in CAPTIONS if k in drawn] + [k for k in drawn if k not in CAPTIONS]
    return join(figure(k, CAPTIONS.get(k, k), drawn[k]) for k in shown)


# ----------------------------------------------------------------------------- summary
def _run_summary(result: Result) -> Html:
    """Closure (100 % and 95 %), each phase and each site's last departure: days, weeks, date."""
    s = result.scenario

    def when(label: str, hours: float | None) -> list[str]:
        if hours is None:
            return [label, "—", "—", "not reached"]
        d = hours / 24.0
        return [label, f"{d:.2f}", f"{d / 7:.2f}", date_at(s.start, hours) or ""]

    rows = [when("closure (100 %)", result.closure_h), when("closure (95 %)", result.closure95_h)]
    rows += [when(f"phase {pid}", h) for pid, h in result.phase_closure_h.items()]
    rows += [
        when(f"last departure {sid}", h) for sid, h in result.site_last_departure_h.items() if h is not None
    ]
    caption = f"days from day 0 ({s.start.isoformat()})"
    header = ["milestone", "days", "weeks", "date"]
    parts = [table(header, rows, numeric=(1, 2), caption=caption, classes=(None, None, None, "nowrap"))]
    if not result.completed:
        left = [
            [sid, ", ".join(f"{n:,} {c}" for c, n in cls.items())] for sid, cls in result.remaining.items()
        ]
        if result.in_transit:
            left.append(["on the road", ", ".join(f"{n:,} {c}" for c, n in result.in_transit.items())])
        parts.append(table(["left at the end", "what"], left, classes=(None, "wrap")))
    return join(parts)


def _ensemble_summary(ens: Ensemble) -> Html:
    """Per milestone: P10/P50/P90 in days and as dates, the P50 in weeks, the mean, the share finished."""
    s = ens.scenario
    rows = []
    for label, hours in ens.milestones():
        d = describe(hours, SCALE["days"])
        days = [d[q] for q in ("p10", "p50", "p90")]
        when = [date_at(s.start, None if x is None else x * 24.0) or "beyond" for x in days]
        rows.append(
            [
                label,
                *(_days(x) for x in days),
                _days(None if days[1] is None else days[1] / 7),
                *when,
                _days(d["mean"]),
                f"{d['completed_share']:.0%}",
            ]
        )
    header = [
        "milestone",
        "P10 days",
        "P50 days",
        "P90 days",
        "P50 weeks",
        "P10 date",
        "P50 date",
        "P90 date",
    ]
    caption = f"{ens.n:,} replications; days from day 0 ({s.start.isoformat()}); 'beyond': past the horizon"
    dates = (None,) * 5 + ("nowrap",) * 3
    body = table(
        [*header, "mean days", "finished"], rows, numeric=(1, 2, 3, 4, 8, 9), caption=caption, classes=dates
    )
    return join([body, note("The mean counts finished replications only; summary.json gives its 95 % CI.")])


def _days(x: float | None) -> str:
    return "beyond" if x is None else f"{x:.2f}"


# ----------------------------------------------------------------------------- resources
def _run_resources(result: Result) -> Html:
    rows = []
    for pid, b in result.binding_by_phase.items():
        name = (b or {}).get("resource")
        share = (b or {}).get("utilisation")
        rows.append([pid, name or "none", None if share is None else f"{share:.0%}"])
    parts = [
        table(["phase", "binding resource", "its utilisation while the phase was open"], rows, numeric=(2,))
        if rows
        else note("The scenario has no phases."),
    ]
    parts += [note(f"Not completed: {why}") for why in result.binding]
    util = [[name, f"{u:.1%}"] for name, u in result.utilisation.items()]
    parts.append(_utilisation_table(util, ["resource", "utilisation over the run"]))
    return join(parts)


def _ensemble_resources(ens: Ensemble) -> Html:
    rows = [
        [pid, ", ".join(f"{name} {share:.0%}" for name, share in shares.items())]
        for pid, shares in ens.binding().items()
    ]
    parts = [
        table(["phase", "binding resource (share of replications)"], rows, classes=(None, "wrap"))
        if rows
        else note("The scenario has no phases.")
    ]
    util = [
        [name, *(f"{u[q]:.1%}" for q in ("p10", "p50", "p90", "mean"))]
        for name, u in ens.utilisation().items()
    ]
    parts.append(_utilisation_table(util, ["resource", "P10", "P50", "P90", "mean"]))
    return join(parts)


def _utilisation_table(rows: list[list[str]], header: list[str]) -> Html:
    if not rows:
        return note("No resource's busy time is measured in this scenario.")
    what = "Utilisation: busy time over capacity × run length (docs/model.md, What the results show)."
    return join([table(header, rows, numeric=range(1, len(header))), note(what)])


# ----------------------------------------------------------------------------- events
BASE_KEYS = {"type", "day", "date", "when", "after_days", "reason", "source", "cite"}


def _due(ev: Any, s: Scenario) -> str:
    if ev.when is not None:
        cond = ", ".join(f"{k}: {v}" for k, v in ev.when.describe().items())
        return f"when {cond}" + (f", after {ev.after_days:g} days" if ev.after_days else "")
    if ev.date is not None:
        return f"{ev.date.isoformat()} (day {(ev.date - s.start).days})"
    return f"day {ev.day:g}" if ev.day is not None else "—"


def _details(ev: Any) -> str:
    data = ev.model_dump(by_alias=True, exclude_none=True)
    return "; ".join(f"{k}: {_value(v)}" for k, v in data.items() if k not in BASE_KEYS)


def _value(v: object) -> str:
    if isinstance(v, float):
        return f"{v:g}"
    if isinstance(v, list):
        return ", ".join(_value(x) for x in v)
    if isinstance(v, dict):
        return ", ".join(f"{k} {_value(x)}" for k, x in v.items())
    return str(v)


def _run_events(result: Result) -> Html:
    s = result.scenario
    if not s.events:
        return note("The scenario has no events.")
    rows = []
    for ev, fired in zip(s.events, result.events_fired(), strict=True):
        day = fired["fired_day"]
        rows.append(
            [
                ev.type,
                _due(ev, s),
                "never" if day is None else f"day {day:g}",
                _details(ev),
                ev.reason,
                ev.source,
            ]
        )
    header = ["event", "due", "fired", "what", "reason", "source"]
    return table(header, rows, classes=(None, None, None, "wrap", "wrap", None))


def _ensemble_events(s: Scenario) -> Html:
    if not s.events:
        return note("The scenario has no events.")
    rows = [[ev.type, _due(ev, s), _details(ev), ev.reason, ev.source] for ev in s.events]
    table_ = table(["event", "due", "what", "reason", "source"], rows, classes=(None, None, "wrap", "wrap"))
    why = "Replications do not record when each event fired; one run (-n 1) reports it."
    return join([table_, note(why)])


# ----------------------------------------------------------------------------- scores
ONE_RUN_NOT_SCORED = (
    "One run is not scored: scores compare the spread of many replications with the observations. "
    "Run with -n (or posture score) to see them."
)
NO_EVIDENCE = (
    "Nothing to score: the scenario has no observation between day 0 and the horizon and no milestone."
)


def _has_evidence(s: Scenario) -> bool:
    return bool(s.observations or s.milestones)


def _scores(card: Scorecard | None, s: Scenario) -> Html:
    if card is None:
        return note(NO_EVIDENCE)
    from rich.table import Table

    from .scoring import score_tables

    tables = [rich_table(t) for t in score_tables(card).renderables if isinstance(t, Table)]
    how = (
        f"Computed from the same {card.n:,} replications as the rest of this page, as posture score "
        "computes them (docs/results.md, Scores). IS: interval score at 80 %; CRPS: continuous ranked "
        "probability score; both divided by the measure's scale."
    )
    return join([note(how), *tables])
