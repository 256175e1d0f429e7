"""Distance: how far one replication lies from a scenario's evidence (what calibration minimises).

``posture calibrate`` asks of one replication, run at one vector of parameter values, how far
it lies from the observations and milestones ``posture score`` scores it on. The rules
follow :mod:`.score` (``docs/results.md``, "Scores") and reuse its functions:

* an observation on date D is read from the measure :func:`~sim.engine.measures.key_of`
  names at day ``d = (D - start).days`` (00:00 on D); observations before day 0, after the
  horizon or about a measure the scenario does not have are skipped (and listed), as
  :func:`~.score.statuses` says, and so are those of weight 0;
* its **miss** is the distance from the simulated value to the observed interval
  ``[low, high]`` (0 inside; a point is ``[v, v]``, a missing side is open), divided by the
  measure's **scale**. ``posture score`` takes the largest daily P50 over replications; a
  single replication has no P50, so the scale is computed once, before calibrating, as the
  largest daily value of the measure in the deterministic run at the priors' central values
  (:func:`pilot_scales`), or the largest finite observed bound of that measure if larger,
  and at least 1;
* a milestone (``percent`` reached on a date, or within ``earliest``-``latest``) misses by
  the distance in days from the instant the replication first reached the percent to the
  window ``[earliest, latest + 1 day)`` (reached on a date means at any hour of it), divided
  by the horizon in days. A replication that never reached the percent counts as reaching it
  at the horizon, the earliest it could have (its miss is a lower bound);
* the **distance** is the weighted mean of the misses, each observation or milestone
  weighted by its ``weight``: 0 when every target is met, 0.1 when the replication misses
  by a tenth of each scale on average.

:class:`EvidenceModel` is the model pyabc calls (parameter values in, the simulated value of
each target out, as ``{"x": array}``) and :class:`EvidenceDistance` the distance it calls;
both are plain picklable objects, so workers can run them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from ..engine import measures
from ..engine.model import simulate
from ..engine.results import Result
from ..scenario.schema import Scenario
from .score import observation_day, statuses

SUMMARY = "x"
"""The key of the summary statistics pyabc passes between the model and the distance."""
REPLICATIONS = 2**31 - 1
"""Each model evaluation runs one replication, its index drawn below this."""


@dataclass(frozen=True)
class Target:
    """One observation or milestone a replication is compared with."""

    kind: Literal["observation", "milestone"]
    index: int  # position in scenario.observations or scenario.milestones
    label: str  # how tables and calibration.json name it
    key: str  # the measure (observations) or "percent_complete" (milestones)
    day: int  # the observation's day, or the milestone's date as a day
    low: float  # observed interval: the measure's, or the milestone's window in days
    high: float
    weight: float
    scale: float  # what a miss is divided by

    def miss(self, value: float) -> float:
        """How far ``value`` lies outside ``[low, high]``, in scales (0 inside)."""
        return max(self.low - value, value - self.high, 0.0) / self.scale


@dataclass(frozen=True)
class Skipped:
    """An observation or milestone calibration leaves out, and why."""

    label: str
    why: str


def _observation_label(scenario: Scenario, k: int) -> str:
    ob = scenario.observations[k]
    return ob.label or f"{measures.key_of(ob)} on {ob.date.isoformat()}"


def _milestone_label(scenario: Scenario, k: int) -> str:
    m = scenario.milestones[k]
    return m.label or f"{m.percent:g} % by {m.date.isoformat()}"


def targets(
    scenario: Scenario, scales: Mapping[str, float] | None = None
) -> tuple[list[Target], list[Skipped]]:
    """The observations and milestones calibration compares replications with, and those it skips.

    ``scales`` gives each measure's scale (see :func:`pilot_scales`); without it every scale
    is 1 (enough to list the targets).
    """
    scales = scales or {}
    found: list[Target] = []
    skipped: list[Skipped] = []
    for k, (ob, status) in enumerate(zip(scenario.observations, statuses(scenario), strict=True)):
        label = _observation_label(scenario, k)
        if status != "scored":
            skipped.append(Skipped(label, status))
        elif ob.weight <= 0:
            skipped.append(Skipped(label, "weight 0"))
        else:
            key = measures.key_of(ob)
            low, high = ob.bounds
            day = observation_day(scenario, ob)
            found.append(
                Target("observation", k, label, key, day, low, high, ob.weight, scales.get(key, 1.0))
            )
    horizon = float(scenario.horizon_days)
    for k, m in enumerate(scenario.milestones):
        label = _milestone_label(scenario, k)
        if m.weight <= 0:
            skipped.append(Skipped(label, "weight 0"))
            continue
        earliest, latest = m.window
        low = float((earliest - scenario.start).days)
        high = float((latest - scenario.start).days + 1)
        day = (m.date - scenario.start).days
        found.append(
            Target("milestone", k, label, "percent_complete", day, low, high, m.weight, max(1.0, horizon))
        )
    return found, skipped


def pilot_scales(scenario: Scenario) -> dict[str, float]:
    """Each measure's scale: its largest daily value in the deterministic run at the priors'
    central values, or the largest finite observed bound of it if larger; at least 1."""
    table = measures.table(simulate(scenario, deterministic=True))
    out = {key: max(1.0, float(np.max(table[:, k]))) for k, key in enumerate(measures.keys(scenario))}
    for ob in scenario.observations:
        key = measures.key_of(ob)
        if key in out:
            out[key] = max([out[key], *(float(v) for v in ob.bounds if math.isfinite(v))])
    return out


def simulated(result: Result, found: Sequence[Target]) -> np.ndarray:
    """The value of each target in one replication: the measure on the observation's day, or
    the day a milestone's percent was first reached (the horizon if never)."""
    table = measures.table(result)
    names = measures.keys(result.scenario)
    horizon = float(result.scenario.horizon_days)
    reached = result.milestones_h
    out = np.empty(len(found))
    for j, t in enumerate(found):
        if t.kind == "observation":
            out[j] = table[t.day, names.index(t.key)]
        else:
            hours = reached[t.index]
            out[j] = horizon if hours is None else min(hours / 24.0, horizon)
    return out


def distance(values: np.ndarray, found: Sequence[Target]) -> float:
    """The weighted mean miss of simulated ``values`` (one per target)."""
    total = sum(t.weight for t in found)
    return float(sum(t.weight * t.miss(float(v)) for t, v in zip(found, values, strict=True)) / total)


def observed(found: Sequence[Target]) -> dict[str, np.ndarray]:
    """The observed summary pyabc records: each target's interval at its finite end nearest
    the middle (the distance reads the intervals themselves, not this)."""
    points = []
    for t in found:
        ends = [v for v in (t.low, t.high) if math.isfinite(v)]
        points.append(sum(ends) / len(ends) if ends else 0.0)
    return {SUMMARY: np.array(points, dtype=float)}


class EvidenceModel:
    """The model pyabc calls: one replication at the given parameter values, read at each target.

    Parameters pyabc does not vary (``fixed``) keep their value; every value is kept within
    the range of the fields that use it (as the engine fits it anyway). The replication's
    index comes from numpy's global generator, which pyabc's sampling seeds for each
    candidate (:mod:`.sampling`), so a candidate's result depends on its seed alone.
    """

    def __init__(
        self,
        scenario: Scenario,
        seed: int,
        fixed: Mapping[str, float],
        ranges: Mapping[str, tuple[float, float]],
        found: Sequence[Target],
    ) -> None:
        self.scenario = scenario
        self.seed = seed
        self.fixed = dict(fixed)
        self.ranges = dict(ranges)
        self.targets = tuple(found)

    def values(self, pars: Mapping[str, Any]) -> dict[str, float]:
        """Every declared parameter's value for one candidate, within its fields' range."""
        given = {**self.fixed, **{str(k): float(v) for k, v in pars.items()}}
        out = {}
        for name in self.scenario.parameters:
            low, high = self.ranges.get(name, (0.0, math.inf))
            out[name] = min(max(given[name], low), high)
        return out

    def __call__(self, pars: Mapping[str, Any]) -> dict[str, np.ndarray]:
        replication = int(np.random.randint(0, REPLICATIONS))
        result = simulate(
            self.scenario, seed=self.seed, replication=replication, parameters=self.values(pars)
        )
        return {SUMMARY: simulated(result, self.targets)}


class EvidenceDistance:
    """The distance pyabc calls: the weighted mean miss of a model output (``x_0`` unused)."""

    def __init__(self, found: Sequence[Target]) -> None:
        self.targets = tuple(found)

    def __call__(self, x: Mapping[str, np.ndarray], x_0: Mapping[str, np.ndarray]) -> float:
        return distance(np.asarray(x[SUMMARY], dtype=float), self.targets)
