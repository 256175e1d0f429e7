"""Frozen forecasts: everything needed to score a forecast later, without running it again.

``posture forecast`` replicates a scenario once and freezes what the replications say into
one self-contained mapping (``forecast.json``, written by :mod:`sim.outputs.forecast`):

* who made it and how: the date it was issued, the posture version, the scenario's file, name
  and sha256, its ``--set``/``--event`` what-ifs, the seed, ``n``, ``deterministic`` and where
  the parameter values came from (``priors``, or a posterior file and its sha256);
* the closure (100 % and 95 %): censored percentiles P5-P95 in days and as dates, the share
  of replications that finished, and every replication's closure day (6 decimals, about
  0.1 s; ``null``: not within the horizon). A percentile that falls on an unfinished
  replication is ``null`` and listed under ``beyond_horizon``, never a date
  (:func:`~.stats.censored_percentile`);
* ``closed_by_week``: P(closed by the end of week k) for k = 1 ... while the week ends within
  the horizon (after it, the share of runs finished is only a lower bound, so none is given);
* the scenario's milestones and each site's empty day, as percentiles and per replication;
* the daily bands P5-P95 of every measure (:meth:`~.ensemble.Ensemble.measure_bands`);
* per-replication daily **samples** of the measures a later outcome is most often about (the
  personnel, the equipment, the percent complete and the sites open in theatre, and the
  personnel and equipment at each site in theatre), written as change points
  ``[day, value, day, value, ...]`` (the value holds until the next day listed), so a
  forecast of 1,000 replications stays well under a few MB.

:func:`read_forecast` reads such a file back, refusing a foreign or damaged one with one
``FILE:1: key: message`` problem. Nothing here writes a file.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ..scenario.problems import TOP, Problem, ScenarioError, dotted
from .blocks import day_blocks
from .columns import MEASURES, shapes
from .ensemble import MEASURE_PERCENTILES, Ensemble
from .score import date_at
from .stats import censored_percentile

FORMAT = "posture-forecast"
FORMAT_VERSION = 1
QUANTILES = MEASURE_PERCENTILES
"""The percentiles a forecast reports: P5, P10, P25, P50, P75, P90, P95."""
MAX_BYTES = 512 * 2**20
"""A forecast file larger than this is refused unread."""


@dataclass(frozen=True)
class Made:
    """How a forecast was made, beyond its replications: what the command line said."""

    file: str  # the scenario file, as given
    sha256: str  # of the scenario file's bytes
    issued: str  # ISO date-time, UTC
    version: str  # sim.__version__
    overrides: tuple[str, ...] = ()  # --set
    events: tuple[str, ...] = ()  # --event


def sampled_keys(keys: Sequence[str], theatre: Sequence[str]) -> list[str]:
    """The measures whose per-replication daily values a forecast keeps (in ``keys`` order)."""
    wanted = {"personnel", "equipment", "percent_complete", "sites_open"}
    wanted |= {f"{m}@{sid}" for sid in theatre for m in ("personnel", "equipment")}
    return [k for k in keys if k in wanted]


def build_forecast(ens: Ensemble, made: Made) -> dict[str, Any]:
    """The ``forecast.json`` mapping of the replications in ``ens``."""
    s, plan = ens.scenario, ens.plan
    theatre = [sid for sid, inside in zip(s.sites, s.in_theatre(), strict=True) if inside]
    mb = ens.measure_bands()
    source: dict[str, Any] = {"source": "priors"}
    if plan.parameters is not None:
        p = plan.parameters
        source = {"source": "posterior", "file": p.file, "sha256": p.digest, "rows": len(p.rows)}
    if s.parameters:
        values = ens["parameters"]
        source["values"] = {
            name: [round(float(v), 6) for v in values[:, k]] for k, name in enumerate(s.parameters)
        }
    keys = sampled_keys(mb.keys, theatre)
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "issued": made.issued,
        "posture_version": made.version,
        "scenario": {
            "file": made.file,
            "name": s.name,
            "sha256": made.sha256,
            "start": s.start.isoformat(),
            "horizon_days": s.horizon_days,
            "sites": list(s.sites),
            "in_theatre": theatre,
            "overrides": list(made.overrides),
            "events": list(made.events),
        },
        "seed": plan.seed,
        "n": ens.n,
        "deterministic": plan.deterministic,
        "parameters": source,
        "quantiles": list(QUANTILES),
        "closure": {"100": _hours(s.start, ens["closure_h"]), "95": _hours(s.start, ens["closure95_h"])},
        "closed_by_week": closed_by_week(s.start, s.horizon_days, ens["closure_h"], ens["closure95_h"]),
        "milestones": [
            {"percent": m.percent, "label": m.label, **_hours(s.start, ens["milestones"][:, k])}
            for k, m in enumerate(s.milestones)
        ],
        "sites": {sid: _hours(s.start, ens["sites"][:, k]) for k, sid in enumerate(s.sites)},
        "bands": {
            "days": len(mb.days),
            "keys": mb.keys,
            "percentiles": {
                key: {q: [round(float(v), 2) for v in series] for q, series in mb.of(key).items()}
                for key in mb.keys
            },
        },
        "samples": {"keys": keys, "series": _samples(ens, mb.keys, keys)},
    }


def closed_by_week(start: dt.date, horizon_days: float, *hours: np.ndarray) -> list[dict[str, Any]]:
    """P(closed by the end of week k), 100 % and 95 %, for each week ending within the horizon."""
    rows = []
    for week in range(1, math.floor(horizon_days / 7) + 1):
        end = 7 * week * 24.0
        shares = [float(np.mean(np.nan_to_num(h, nan=np.inf) <= end)) if len(h) else 0.0 for h in hours]
        rows.append(
            {
                "week": week,
                "date": date_at(start, end).isoformat(),
                "closure": round(shares[0], 6),
                "closure95": round(shares[1], 6),
            }
        )
    return rows


def _hours(start: dt.date, hours: np.ndarray) -> dict[str, Any]:
    """Censored percentiles (days and dates), the share reached, and each replication's day."""
    censored = np.where(np.isfinite(hours), hours, np.inf)
    days: dict[str, float | None] = {}
    for q in QUANTILES:
        h = censored_percentile(censored, q)
        days[f"p{q}"] = None if h is None else round(h / 24.0, 4)
    return {
        "reached_share": round(float(np.isfinite(hours).mean()), 6) if len(hours) else 0.0,
        "days": days,
        "dates": {q: None if d is None else date_at(start, d * 24.0).isoformat() for q, d in days.items()},
        "beyond_horizon": [q for q, d in days.items() if d is None],
        "replications": [round(float(h) / 24.0, 6) if math.isfinite(h) else None for h in hours],
    }


def _samples(ens: Ensemble, names: Sequence[str], keys: Sequence[str]) -> dict[str, list[list[float]]]:
    """Each kept measure of each replication as change points ``[day, value, ...]``."""
    shape = shapes(ens.scenario)[MEASURES]
    cols = [names.index(k) for k in keys]
    parts = [block[:, :, cols] for _, block in day_blocks(ens.store, ens.point, ens.n, MEASURES, shape)]
    values = np.round(np.concatenate(parts, axis=1), 3) if parts else np.zeros((ens.n, 0, len(cols)))
    return {key: [changes(values[r, :, j]) for r in range(ens.n)] for j, key in enumerate(keys)}


def changes(series: np.ndarray) -> list[float]:
    """A daily series as change points: day 0 and every day whose value differs from the day before."""
    if not len(series):
        return []
    at = np.concatenate([[0], np.flatnonzero(np.diff(series)) + 1])
    out: list[float] = []
    for d in at:
        v = float(series[d])
        out += [int(d), int(v) if v.is_integer() else v]
    return out


def expand(points: Sequence[float], n_days: int) -> np.ndarray:
    """The daily series (``n_days`` long) of change points made by :func:`changes`."""
    out = np.zeros(n_days)
    for k in range(0, len(points), 2):
        out[int(points[k]) :] = points[k + 1]
    return out


# ----------------------------------------------------------------------------- reading
class _Doc(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class ScenarioInfo(_Doc):
    """The scenario a forecast was made of."""

    file: str
    name: str
    sha256: str
    start: dt.date
    horizon_days: float = Field(gt=0)
    sites: list[str]
    in_theatre: list[str]
    overrides: list[str] = Field(default_factory=list)
    events: list[str] = Field(default_factory=list)


class Distribution(_Doc):
    """When something happened, over replications (days since day 0; None: not within the horizon)."""

    reached_share: float = Field(ge=0, le=1)
    days: dict[str, float | None]
    dates: dict[str, str | None]
    beyond_horizon: list[str]
    replications: list[float | None]


class Bands(_Doc):
    """Daily percentiles of every measure."""

    days: int = Field(ge=1)
    keys: list[str]
    percentiles: dict[str, dict[str, list[float]]]


class Samples(_Doc):
    """Per-replication daily values of some measures, as change points."""

    keys: list[str]
    series: dict[str, list[list[float]]]


class Forecast(_Doc):
    """A frozen forecast, as read back from ``forecast.json``."""

    format: Literal["posture-forecast"]
    format_version: Literal[1]
    issued: str
    posture_version: str
    scenario: ScenarioInfo
    seed: int
    n: int = Field(ge=1)
    deterministic: bool
    parameters: dict[str, Any]
    closure: dict[Literal["100", "95"], Distribution]
    closed_by_week: list[dict[str, Any]]
    milestones: list[dict[str, Any]]
    sites: dict[str, Distribution]
    bands: Bands
    samples: Samples

    @model_validator(mode="after")
    def _consistent(self) -> Forecast:
        """Every per-replication list has ``n`` entries and every band ``days`` values."""
        if set(self.closure) != {"100", "95"}:
            raise ValueError("closure must give both '100' and '95'")
        lists: list[tuple[str, Sequence[object]]] = [
            *((f"closure.{k}", d.replications) for k, d in self.closure.items()),
            *((f"sites.{k}", d.replications) for k, d in self.sites.items()),
            *((f"samples.series.{k}", v) for k, v in self.samples.series.items()),
        ]
        for where, values in lists:
            if len(values) != self.n:
                raise ValueError(f"{where} has {len(values)} replications, n is {self.n}")
        for key in self.bands.keys:
            qs = self.bands.percentiles.get(key, {})
            if sorted(qs) != sorted(f"p{q}" for q in QUANTILES) or any(
                len(v) != self.bands.days for v in qs.values()
            ):
                raise ValueError(f"bands.percentiles.{key} is not P5-P95 over {self.bands.days} days")
        needed = sampled_keys(self.bands.keys, self.scenario.in_theatre)
        needed += ["personnel", "percent_complete"]
        needed += [f"{m}@{sid}" for sid in self.scenario.in_theatre for m in ("personnel", "equipment")]
        missing = [k for k in dict.fromkeys(needed) if k not in self.samples.keys]
        missing += [k for k in self.samples.keys if k not in self.samples.series or k not in self.bands.keys]
        if missing:
            raise ValueError(f"samples or bands lack {', '.join(missing)}")
        return self

    def sample(self, key: str) -> np.ndarray:
        """``(n, days)``: every replication's daily values of a sampled measure."""
        return np.stack([expand(p, self.bands.days) for p in self.samples.series[key]])

    def band(self, key: str) -> dict[str, np.ndarray]:
        """One measure's daily percentiles by name (``"p5"`` ... ``"p95"``)."""
        return {q: np.asarray(v, dtype=float) for q, v in self.bands.percentiles[key].items()}

    def hours(self, which: Literal["100", "95"]) -> np.ndarray:
        """Every replication's closure in hours (NaN: not within the horizon)."""
        return np.array([np.nan if d is None else d * 24.0 for d in self.closure[which].replications])


def read_forecast(path: str | Path) -> Forecast:
    """Read ``forecast.json``, or raise :class:`ScenarioError` with one line saying what is wrong."""
    file = str(path)

    def refuse(key: str, message: str) -> ScenarioError:
        return ScenarioError([Problem(file, 1, key, message)])

    try:
        if Path(path).stat().st_size > MAX_BYTES:
            raise refuse(TOP, f"larger than {MAX_BYTES // 2**20} MB: not a forecast.json")
        data = json.loads(Path(path).read_bytes())
    except OSError as exc:
        raise refuse(TOP, f"cannot read the forecast: {exc.strerror or exc}") from None
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise refuse(TOP, f"not a JSON file ({exc}); give a forecast.json") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise refuse(
            "format", f"not a posture forecast (no format: {FORMAT}); make one with posture forecast"
        )
    if data.get("format_version") != FORMAT_VERSION:
        got = data.get("format_version")
        raise refuse("format_version", f"forecast format {got!r} is not {FORMAT_VERSION}; re-issue it")
    try:
        return Forecast.model_validate(data)
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        msg = str(err["msg"]).removeprefix("Value error, ")
        raise refuse(dotted(tuple(err["loc"])), f"damaged forecast: {msg}") from None
