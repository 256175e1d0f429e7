"""Scoring a frozen forecast against what was observed after it was issued.

``posture score FORECAST.json --observations OBS.yaml`` reads the forecast
(:func:`~.forecast.read_forecast`) and the outcomes (:func:`~sim.scenario.outcomes.read_outcomes`)
and scores them without simulating anything:

* **observations** as ``posture score`` scores them (:func:`~.score.score_observation`): the
  day's P5-P95 from the forecast's bands, inside80 / inside90, the interval score at 80 %, and
  the CRPS of the replications' values on that day where the forecast kept them (its
  sampled measures; elsewhere the CRPS is not given, never guessed from percentiles);
* **milestones** as ``posture score`` scores them (:func:`~.score.score_milestone`), from the
  replications' daily percent complete: a replication reached ``percent`` during the day
  before the first 00:00 at which it had (taken as that day's noon), so its date is exact and
  its hour is not;
* **censored outcomes** (``site_open``, ``site_reinforced``, ``complete_by``,
  ``not_complete_by``): the probability ``p`` the forecast gave to what happened (the share of
  its replications in which it did), the Brier score ``(1 - p)^2`` and the log score
  ``-ln max(p, 1 / (n + 1))``. The clip keeps the log score finite when no replication saw it
  happen: it scores as if one more replication had. Lower is better for both.

Dates before day 0 are listed as "before day 0" and dates after the horizon as "after the
horizon"; neither is scored. A site, equipment class or aircraft type the forecast does not
have is refused (``FILE:LINE: key: message``), as is a ``site_open`` of a site not in theatre.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from ..engine import measures
from ..scenario.evidence import Observation
from ..scenario.outcomes import Censored, CompleteBy, Kind, NotCompleteBy, Outcomes, date_of, kind, site_of
from ..scenario.outcomes import unknown_site as site_message
from ..scenario.problems import Path, Problem, ScenarioError, suggest
from .forecast import Forecast
from .score import (
    Coverage,
    MilestoneScore,
    ObservationScore,
    Status,
    coverage_of,
    score_milestone,
    score_observation,
)

OutcomeStatus = Literal["scored", "before day 0", "after the horizon"]


@dataclass(frozen=True)
class OutcomeScore:
    """One censored outcome against the forecast (scores ``None`` unless it is scored)."""

    outcome: Censored
    kind: Kind
    day: int  # (date - start).days: read at 00:00 on it
    status: OutcomeStatus
    probability: float | None = None  # the share of replications in which it happened
    brier: float | None = None  # (1 - p)^2
    log_score: float | None = None  # -ln max(p, 1 / (n + 1))
    clipped: bool = False  # p was below 1 / (n + 1)

    @property
    def scored(self) -> bool:
        """Whether the date falls between day 0 and the horizon, so it is scored."""
        return self.status == "scored"


@dataclass(frozen=True)
class ForecastScore:
    """Everything ``posture score FORECAST.json --observations OBS.yaml`` reports."""

    forecast: Forecast
    file: str  # the forecast file
    outcomes_file: str
    observations: tuple[ObservationScore, ...]
    milestones: tuple[MilestoneScore, ...]
    outcomes: tuple[OutcomeScore, ...]
    coverage: Coverage

    @property
    def mean_brier(self) -> float | None:
        """The weighted mean Brier score of the scored outcomes (None: none carries weight)."""
        return _weighted([(o.outcome.weight, o.brier) for o in self.outcomes if o.scored])

    @property
    def mean_log_score(self) -> float | None:
        """The weighted mean log score of the scored outcomes (None: none carries weight)."""
        return _weighted([(o.outcome.weight, o.log_score) for o in self.outcomes if o.scored])

    @property
    def mean_crps(self) -> float | None:
        """The mean normalised CRPS over scored observations that have one (unweighted)."""
        values = [o.crps for o in self.observations if o.scored and o.crps is not None]
        return sum(values) / len(values) if values else None


def score_forecast(fc: Forecast, oc: Outcomes, file: str = "forecast.json") -> ForecastScore:
    """Score the frozen forecast ``fc`` against the outcomes ``oc``; raise :class:`ScenarioError`
    if the outcomes name a site, class or aircraft type the forecast does not have."""
    problems = _problems(fc, oc)
    if problems:
        raise ScenarioError(problems)
    obs = tuple(_observation(fc, ob) for ob in oc.observations)
    pc = fc.sample("percent_complete") if oc.milestones else np.zeros((fc.n, 0))
    ms = tuple(
        score_milestone(fc.scenario.start, fc.scenario.horizon_days, m, _reached(pc, m.percent))
        for m in oc.milestones
    )
    outs = tuple(score_outcome(fc, o) for o in oc.outcomes)
    return ForecastScore(fc, file, oc.file, obs, ms, outs, coverage_of(obs, ms))


def probability(fc: Forecast, outcome: Censored) -> float:
    """The share of the forecast's replications in which ``outcome`` happened (its date within
    day 0 ... the horizon)."""
    day = (date_of(outcome) - fc.scenario.start).days
    if isinstance(outcome, CompleteBy | NotCompleteBy):
        hours = fc.hours("100" if outcome.percent == 100 else "95")
        done = float(np.mean(np.nan_to_num(hours, nan=np.inf) <= day * 24.0))
        return done if isinstance(outcome, CompleteBy) else 1.0 - done
    site = site_of(outcome)
    people = fc.sample(f"personnel@{site}")  # (n, days)
    if kind(outcome) == "site_open":
        return float(np.mean(people[:, day] + fc.sample(f"equipment@{site}")[:, day] > 0))
    grew = np.diff(people[:, : day + 1], axis=1) > 0
    return float(np.mean(grew.any(axis=1)))


def score_outcome(fc: Forecast, outcome: Censored) -> OutcomeScore:
    """The probability, Brier score and log score of one censored outcome."""
    day = (date_of(outcome) - fc.scenario.start).days
    status = _status(fc, day)
    if status != "scored":
        return OutcomeScore(outcome, kind(outcome), day, status)
    p = probability(fc, outcome)
    floor = 1.0 / (fc.n + 1)
    return OutcomeScore(
        outcome=outcome,
        kind=kind(outcome),
        day=day,
        status="scored",
        probability=p,
        brier=(1.0 - p) ** 2,
        log_score=0.0 - math.log(max(p, floor)),  # 0.0 - : never -0.0
        clipped=p < floor,
    )


def _status(fc: Forecast, day: int) -> OutcomeStatus:
    if day < 0:
        return "before day 0"
    if day > math.floor(fc.scenario.horizon_days) or day >= fc.bands.days:
        return "after the horizon"
    return "scored"


def _observation(fc: Forecast, ob: Observation) -> ObservationScore:
    key = measures.key_of(ob)
    day = (ob.date - fc.scenario.start).days
    status: Status = _status(fc, day)
    if status != "scored":
        return ObservationScore(ob, key, day, status)
    band = fc.band(key)
    pct = {q: float(v[day]) for q, v in band.items()}
    scale = max(1.0, float(np.max(band["p50"])))
    values = fc.sample(key)[:, day] if key in fc.samples.keys else None
    return score_observation(ob, key, day, pct, scale, values)


def _reached(pc: np.ndarray, percent: float) -> np.ndarray:
    """Per replication, when ``percent`` was reached, in hours (NaN: never): noon of the day before
    the first 00:00 at which it was done (0 if it was done at 00:00 on day 0)."""
    if not pc.shape[1]:
        return np.full(len(pc), np.nan)
    hit = pc >= percent - 1e-9
    first = np.argmax(hit, axis=1)
    hours = np.where(first > 0, first * 24.0 - 12.0, 0.0)
    return np.where(hit.any(axis=1), hours, np.nan)


def _problems(fc: Forecast, oc: Outcomes) -> list[Problem]:
    """Sites, classes and aircraft types the forecast does not have."""
    theatre = fc.scenario.in_theatre
    keys = fc.bands.keys
    found: list[Problem] = []
    for i, ob in enumerate(oc.observations):
        if measures.key_of(ob) in keys:
            continue
        here: Path = ("observations", i)
        if ob.site is not None and ob.site in fc.scenario.sites:
            why = f"{ob.site} is not in theatre, so it is never counted as open"
            found.append(oc.problem((*here, "site"), why))
        elif ob.site is not None:
            sites = theatre if ob.metric == "sites_open" else fc.scenario.sites
            found.append(oc.problem((*here, "site"), _unknown("site", ob.site, sites)))
        elif ob.class_ is not None:
            classes = [k.partition(".")[2] for k in keys if k.startswith("equipment.")]
            found.append(oc.problem((*here, "class"), _unknown("equipment class", ob.class_, classes)))
        elif ob.aircraft is not None:
            types = [k.partition(".")[2] for k in keys if k.startswith("sorties.")]
            found.append(oc.problem((*here, "aircraft"), _unknown("aircraft type", ob.aircraft, types)))
        else:
            found.append(oc.problem((*here, "metric"), f"the forecast has no measure {ob.metric!r}"))
    for i, o in enumerate(oc.outcomes):
        site = site_of(o)
        if site is not None and site not in theatre:
            found.append(oc.problem(("outcomes", i, kind(o)), site_message(site, theatre)))
    return sorted(found, key=lambda p: int(p.line))


def _unknown(what: str, name: str, known: Sequence[str]) -> str:
    return f"the forecast has no {what} {name!r}{suggest(name, known)}"


def _weighted(pairs: Sequence[tuple[float, float | None]]) -> float | None:
    total = sum(w for w, v in pairs if v is not None)
    if not total > 0:
        return None
    return sum(w * v for w, v in pairs if v is not None) / total
