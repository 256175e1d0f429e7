"""Scores: how well the replications of a scenario agree with what history recorded.

A scenario's **observations** (dated values, ranges or bounds of a measure) and
**milestones** (when a share of the movement requirement was done) are compared with the
first ``plan.n`` replications in a :class:`~.store.RunStore`, the very replications
``posture run FILE -n N --seed S`` makes: scoring reads the store and never changes the
simulation. The rules (``docs/results.md``, "Scores"):

* an observation on date D is read at day ``d = (D - start).days`` (00:00 on D); ``d < 0``
  is "before day 0" and ``d > floor(horizon_days)`` "after the horizon": both are listed,
  neither is scored (nor is a key the scenario has no measure for: "no such measure");
* percentiles over the replications as the project's bands take them (numpy, linear
  interpolation): P5, P10, P25, P50, P75, P90, P95;
* inside80 / inside90: the observed interval ``[low, high]`` (a point is ``[v, v]``, a
  missing side infinite) overlaps ``[P10, P90]`` / ``[P5, P95]``;
* the point scored is ``y* = clip(P50, low, high)``; the interval score at 80 %
  (Gneiting & Raftery 2007) and the CRPS of the replications come from ``scoringrules``
  and are divided by the measure's scale: its largest daily P50, at least 1;
* milestones: censored percentiles of the hours at which the percent was first reached
  (a percentile falling on an unreached replication is "beyond", ``None``), as dates; the
  date error of the P50; whether the observed window overlaps ``[P10, P90]``;
* coverage: ``sum(weight * inside) / sum(weight)`` over scored observations and milestones.

Nothing here prints, draws or writes a file (:mod:`sim.outputs.scoring` does);
``scoringrules`` (which brings scipy) is imported only when scores are computed.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Unpack

import numpy as np

from ..engine import measures
from ..scenario.evidence import Milestone, Observation
from ..scenario.schema import Scenario
from .blocks import day_blocks
from .columns import MEASURES, shapes
from .plan import PlanOptions, RunPlan, make_plan
from .runner import Notice, Progress, simulate_many
from .stats import bands, censored_percentile
from .store import RunStore

QUANTILES = (5, 10, 25, 50, 75, 90, 95)
"""The percentiles reported for every observation."""
MILESTONE_QUANTILES = (5, 10, 50, 90, 95)
DEFAULT_N = 200
ALPHA = 0.2
"""The interval score is that of the central 80 % interval, P10-P90."""

Status = Literal["scored", "before day 0", "after the horizon", "no such measure"]


@dataclass(frozen=True)
class ObservationScore:
    """One observation against the replications (scores ``None`` unless ``status`` is "scored")."""

    observation: Observation
    key: str  # the measure, as named by sim.engine.measures.key_of
    day: int  # (date - start).days
    status: Status
    percentiles: Mapping[str, float] = field(default_factory=dict)  # "p5" ... "p95"
    scale: float | None = None  # largest daily P50 of the measure, at least 1
    point: float | None = None  # y* = clip(P50, low, high)
    inside80: bool | None = None  # [low, high] overlaps [P10, P90]
    inside90: bool | None = None  # [low, high] overlaps [P5, P95]
    interval_score_80: float | None = None  # normalised by scale
    crps: float | None = None  # normalised by scale

    @property
    def scored(self) -> bool:
        """Whether the observation falls between day 0 and the horizon, so it is scored."""
        return self.status == "scored"


@dataclass(frozen=True)
class MilestoneScore:
    """One milestone against the replications: percentile dates, date error, overlap."""

    milestone: Milestone
    days: Mapping[str, float | None]  # "p5" ... "p95": days since day 0; None: beyond
    dates: Mapping[str, dt.date | None]  # the dates of those instants; None: beyond
    reached_share: float  # share of replications that reached the percent
    date_error_days: int | None  # P50 date - observed date; None when P50 is beyond
    overlaps80: bool  # the observed window overlaps [P10, P90] (P90 beyond: open-ended)
    overlaps90: bool  # likewise with [P5, P95]


@dataclass(frozen=True)
class Coverage:
    """Weighted shares of observations and milestones inside the simulated bands (None: nothing)."""

    weighted80: float | None  # observations and milestones together, P10-P90
    weighted90: float | None  # ... P5-P95
    observations80: float | None
    observations90: float | None
    milestones80: float | None
    milestones90: float | None
    scored_observations: int
    observations: int
    milestones: int


@dataclass(frozen=True)
class Scorecard:
    """Everything ``posture score`` reports for one scenario."""

    scenario: Scenario
    plan: RunPlan
    n: int  # replications scored
    observations: tuple[ObservationScore, ...]
    milestones: tuple[MilestoneScore, ...]
    coverage: Coverage
    days: np.ndarray = field(compare=False)  # 0 ... floor(horizon_days)
    bands: Mapping[str, Mapping[str, np.ndarray]] = field(compare=False)  # key -> "p5"... -> per day

    @property
    def nothing_to_score(self) -> bool:
        """No scored observation or milestone carries any weight."""
        return self.coverage.weighted80 is None

    @property
    def mean_interval_score(self) -> float | None:
        """Mean normalised interval score over scored observations (unweighted)."""
        return _mean([o.interval_score_80 for o in self.observations if o.scored])

    @property
    def mean_crps(self) -> float | None:
        """Mean normalised CRPS over scored observations (unweighted)."""
        return _mean([o.crps for o in self.observations if o.scored])

    def date_of(self, day: float) -> dt.date:
        """The calendar date of an instant ``day`` days after 00:00 on day 0."""
        return date_at(self.scenario.start, day * 24.0)


# ----------------------------------------------------------------------------- rules
def observation_day(scenario: Scenario, ob: Observation) -> int:
    """The day index at which an observation is read (00:00 on its date)."""
    return (ob.date - scenario.start).days


def status_of(scenario: Scenario, day: int) -> Status:
    """Whether an observation on ``day`` is scored, or why not."""
    if day < 0:
        return "before day 0"
    if day > math.floor(scenario.horizon_days):
        return "after the horizon"
    return "scored"


def overlaps(low: float, high: float, lower: float, upper: float) -> bool:
    """Whether the intervals ``[low, high]`` and ``[lower, upper]`` share a point."""
    return low <= upper and high >= lower


def scored_point(p50: float, low: float, high: float) -> float:
    """The point of the observed interval nearest the simulated median."""
    return float(min(max(p50, low), high))


def date_at(start: dt.date, hours: float) -> dt.date:
    """The date of the instant ``hours`` after 00:00 on ``start``."""
    return (dt.datetime.combine(start, dt.time()) + dt.timedelta(hours=hours)).date()


def statuses(scenario: Scenario) -> list[Status]:
    """Each observation's status: scored, or why not (a day outside the run, a key it has no measure for)."""
    known = set(measures.keys(scenario))
    return [
        status_of(scenario, observation_day(scenario, ob))
        if measures.key_of(ob) in known
        else "no such measure"
        for ob in scenario.observations
    ]


def scorable(scenario: Scenario) -> bool:
    """Whether a scenario has anything to score: weight on a milestone or a scored observation."""
    scored = [ob for ob, st in zip(scenario.observations, statuses(scenario), strict=True) if st == "scored"]
    return sum(m.weight for m in scenario.milestones) + sum(ob.weight for ob in scored) > 0


# ----------------------------------------------------------------------------- computation
def scorecard(store: RunStore, scenario: Scenario, plan: RunPlan, point: int = 0) -> Scorecard:
    """Score the first ``plan.n`` replications of ``point`` in ``store`` against ``scenario``."""
    keyed = [(ob, measures.key_of(ob), observation_day(scenario, ob)) for ob in scenario.observations]
    status = statuses(scenario)
    inside = [(key, d) for (_, key, d), st in zip(keyed, status, strict=True) if st == "scored"]
    wanted = sorted({key for key, _ in inside} | ({"percent_complete"} if scenario.milestones else set()))
    read = store.read(point, plan.n, ["milestones"], shapes(scenario))
    if not len(read["rep"]):
        raise ValueError(f"{store.path} holds no replications of point {point}")
    days, band, samples = _measure_bands(store, scenario, len(read["rep"]), point, wanted, set(inside))
    obs = []
    for (ob, key, d), st in zip(keyed, status, strict=True):
        if st != "scored":
            obs.append(ObservationScore(ob, key, d, st))
            continue
        pct = {q: float(band[key][q][d]) for q in band[key]}
        scale = max(1.0, float(np.max(band[key]["p50"])))
        obs.append(score_observation(ob, key, d, pct, scale, samples[(key, d)]))
    hours = read["milestones"]
    ms = tuple(
        score_milestone(scenario.start, scenario.horizon_days, m, hours[:, k])
        for k, m in enumerate(scenario.milestones)
    )
    return Scorecard(
        scenario=scenario,
        plan=plan,
        n=len(read["rep"]),
        observations=tuple(obs),
        milestones=ms,
        coverage=coverage_of(obs, ms),
        days=days,
        bands=band,
    )


def score(
    scenario: Scenario,
    n: int | None = None,
    store: Path | str | None = None,
    *,
    plan: RunPlan | None = None,
    progress: Progress | None = None,
    notice: Notice | None = None,
    **options: Unpack[PlanOptions],
) -> Scorecard:
    """Replicate ``scenario`` (``n`` defaults to 200) and score it against its evidence.

    The replications are those of :func:`~.runner.simulate_many` with the same plan, stored
    in ``store`` (a SQLite file, reused and extended when it holds the same experiment;
    ``None``: a temporary file). How to run is ``plan`` or the plan's fields as keyword
    arguments (``seed``, ``jobs``, ``deterministic``, ...), as for ``simulate_many``.
    """
    if plan is None and n is None:
        n = DEFAULT_N
    plan = make_plan(plan, n, options)
    with simulate_many(scenario, store=store, plan=plan, progress=progress, notice=notice) as runs:
        return scorecard(runs, scenario, plan)


def _measure_bands(
    store: RunStore,
    scenario: Scenario,
    n: int,
    point: int,
    wanted: Sequence[str],
    observed: set[tuple[str, int]],
) -> tuple[np.ndarray, dict[str, dict[str, np.ndarray]], dict[tuple[str, int], np.ndarray]]:
    """Per-day percentiles of the ``wanted`` measures, and every replication's value where observed.

    The measures are read a block of days at a time, as the ensemble's bands are.
    """
    shape = shapes(scenario)[MEASURES]
    n_days = shape[0]
    names = measures.keys(scenario)
    cols = [names.index(k) for k in wanted]
    parts: dict[str, dict[str, list[np.ndarray]]] = {k: {} for k in wanted}
    samples: dict[tuple[str, int], np.ndarray] = {}
    for lo, whole in day_blocks(store, point, n, MEASURES, shape) if cols and n else ():
        block = whole[:, :, cols]
        for q, values in bands(block, QUANTILES).items():
            for j, key in enumerate(wanted):
                parts[key].setdefault(q, []).append(values[:, j])
        for key, d in observed:
            if lo <= d < lo + block.shape[1]:
                samples[(key, d)] = block[:, d - lo, wanted.index(key)].astype(float)
    band = {k: {q: np.concatenate(v) for q, v in qs.items()} for k, qs in parts.items()}
    return np.arange(n_days, dtype=float), band, samples


def score_observation(
    ob: Observation, key: str, day: int, pct: Mapping[str, float], scale: float, values: np.ndarray | None
) -> ObservationScore:
    """Coverage and the two scoring rules of one observation inside the horizon.

    ``values`` are the replications' values on that day (``None``: not known, so no CRPS).
    """
    import scoringrules as sr  # type: ignore[import-untyped]  # pulls scipy: only when scoring

    low, high = ob.bounds
    y = scored_point(pct["p50"], low, high)
    interval = float(sr.interval_score(y, pct["p10"], pct["p90"], ALPHA))
    crps = None if values is None else float(sr.crps_ensemble(y, values)) / scale
    return ObservationScore(
        observation=ob,
        key=key,
        day=day,
        status="scored",
        percentiles=pct,
        scale=scale,
        point=y,
        inside80=overlaps(low, high, pct["p10"], pct["p90"]),
        inside90=overlaps(low, high, pct["p5"], pct["p95"]),
        interval_score_80=interval / scale,
        crps=crps,
    )


def score_milestone(start: dt.date, horizon_days: float, m: Milestone, hours: np.ndarray) -> MilestoneScore:
    """Censored percentile dates of when ``m.percent`` was reached (``hours`` per replication,
    NaN: not reached), against the observed window."""
    censored = np.where(np.isfinite(hours), hours, np.inf)
    at = {f"p{q}": censored_percentile(censored, q) for q in MILESTONE_QUANTILES}
    dates = {q: None if h is None else date_at(start, h) for q, h in at.items()}
    days = {q: None if h is None else h / 24.0 for q, h in at.items()}
    # A percentile that is beyond fell after the horizon: as a lower end, the horizon's last
    # date; as an upper end, open.
    after = date_at(start, horizon_days * 24.0)
    earliest, latest = m.window

    def within(lo: str, hi: str) -> bool:
        lower, upper = dates[lo] or after, dates[hi] or dt.date.max
        return earliest <= upper and latest >= lower

    p50 = dates["p50"]
    return MilestoneScore(
        milestone=m,
        days=days,
        dates=dates,
        reached_share=float(np.isfinite(hours).mean()) if len(hours) else 0.0,
        date_error_days=None if p50 is None else (p50 - m.date).days,
        overlaps80=within("p10", "p90"),
        overlaps90=within("p5", "p95"),
    )


def _share(pairs: Sequence[tuple[float, bool]]) -> float | None:
    total = sum(w for w, _ in pairs)
    return sum(w for w, hit in pairs if hit) / total if total > 0 else None


def coverage_of(obs: Sequence[ObservationScore], ms: Sequence[MilestoneScore]) -> Coverage:
    """Weighted shares of scored observations and milestones inside the P10-P90 and P5-P95 bands."""
    scored = [o for o in obs if o.scored]
    o80 = [(o.observation.weight, bool(o.inside80)) for o in scored]
    o90 = [(o.observation.weight, bool(o.inside90)) for o in scored]
    m80 = [(m.milestone.weight, m.overlaps80) for m in ms]
    m90 = [(m.milestone.weight, m.overlaps90) for m in ms]
    return Coverage(
        weighted80=_share(o80 + m80),
        weighted90=_share(o90 + m90),
        observations80=_share(o80),
        observations90=_share(o90),
        milestones80=_share(m80),
        milestones90=_share(m90),
        scored_observations=len(scored),
        observations=len(obs),
        milestones=len(ms),
    )


def _mean(values: Sequence[float | None]) -> float | None:
    finite = [v for v in values if v is not None]
    return sum(finite) / len(finite) if finite else None
