"""Global sensitivity: which declared parameters move closure, by Morris or Sobol (SALib).

* bounds (:func:`bounds`): a bounded prior (uniform, triangular) varies over its support; an
  unbounded one (normal, truncated at 0 as the engine draws it; lognormal; exponential) over
  its 5-95 % quantiles; a fixed parameter (a plain-number prior) is left out.
* design (:func:`make_design`): SALib's sampler, uniform over the bounds, seeded with the root
  seed: ``r`` Morris trajectories on 4 levels (``r * (D + 1)`` rows), or Saltelli's scheme for
  Sobol first and total order (``N * (D + 2)`` rows, ``N`` a power of 2); plus a one-at-a-time
  design for the tornado: all central (the baseline), then each parameter at low and at high.
* points (:func:`layout`): each distinct row is the scenario with every varied parameter's
  prior replaced by the point mass at the row's value, replicated ``plan.n`` times through the
  runner on common random numbers.
* outputs per point (:func:`point_outputs`): ``closure_p50``, the P50 over replications of
  closure (100 %) in days; ``closure95_p50``, the P50 of the day 95 % of the movement was
  done; each ``--metric KEY@DATE``, the P50 of that measure at 00:00 on DATE. A replication
  that did not finish counts as finishing at the horizon; a P50 that depends on one is a
  lower bound, flagged "beyond the horizon" (the indices then understate effects past it).
* indices (:func:`analyse`): Morris mu* (days per move across a parameter's whole range), mu,
  sigma, with a bootstrap 95 % CI of mu*; Sobol S1 and ST with bootstrap 95 % CIs. Parameters
  rank by mu* or ST. Sobol indices of an output that does not vary are undefined (``None``).

Nothing here writes or prints (:mod:`sim.outputs.sensitivity` does); SALib and its scipy are
imported only when a design is sampled or analysed.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from statistics import NormalDist

import numpy as np

from ..engine import measures
from ..scenario.distributions import Distribution
from ..scenario.parameters import as_prior
from ..scenario.problems import suggest
from ..scenario.schema import Scenario
from .columns import MEASURES, shapes
from .plan import MAX_GRID_POINTS, Point, RunPlan
from .runner import Notice, Progress, simulate_many
from .stats import censored_percentile
from .store import RunStore

METHODS = ("morris", "sobol")
LEVELS = 4
"""Morris grid levels (SALib's default; even, so every step is a move of 2/3 of the range)."""
DEFAULT_SIZE = {"morris": 10, "sobol": 64}
"""Default trajectories (Morris ``r``) and base samples (Sobol ``N``)."""
MIN_SIZE = {"morris": 2, "sobol": 8}
RESAMPLES = 1000
"""Bootstrap resamples of the confidence intervals."""
CONF = 0.95
QUANTILES = (0.05, 0.95)
"""The bounds of an unbounded prior."""
MEASURE = {"morris": "mu_star", "sobol": "ST"}
"""What each method ranks the parameters by."""
INDICES = {"morris": ("mu_star", "mu_star_conf", "mu", "sigma"), "sobol": ("S1", "S1_conf", "ST", "ST_conf")}


class DesignError(Exception):
    """A sensitivity analysis that cannot be made: ``key`` (a scenario key or an option) and why."""

    def __init__(self, key: str, message: str) -> None:
        self.key = key
        self.message = message
        super().__init__(f"{key}: {message}")


class MissingSALib(Exception):
    """SALib, the optional extra ``[sensitivity]``, is not installed."""


def require_salib() -> None:
    """Raise :class:`MissingSALib` unless SALib's samplers and analysers can be imported."""
    import importlib

    try:
        for module in (
            "SALib",
            "SALib.sample.morris",
            "SALib.sample.sobol",
            "SALib.analyze.morris",
            "SALib.analyze.sobol",
        ):
            importlib.import_module(module)
    except ImportError:
        raise MissingSALib(
            "posture sensitivity needs SALib: pip install 'posture-sim[sensitivity]'"
        ) from None


# ----------------------------------------------------------------------------- bounds
@dataclass(frozen=True)
class Bound:
    """The range a parameter varies over, its central value and where the range comes from."""

    name: str
    low: float
    high: float
    centre: float  # the prior's central value, kept within [low, high]: the tornado's baseline
    source: str  # "support" or "5-95 % quantiles"
    prior: str  # the prior as written (family and parameters)


def prior_range(prior: Distribution) -> tuple[float, float, str]:
    """``(low, high, source)``: a bounded prior's support, else its 5-95 % quantiles."""
    p = prior.params
    if prior.family in ("uniform", "triangular"):
        low, high = prior.bounds
        return low, high, "support"
    if prior.family == "lognormal":
        z = NormalDist().inv_cdf(QUANTILES[1])
        return p[0] * math.exp(-z * p[1]), p[0] * math.exp(z * p[1]), "5-95 % quantiles"
    if prior.family == "exponential":
        return -p[0] * math.log(1 - QUANTILES[0]), -p[0] * math.log(1 - QUANTILES[1]), "5-95 % quantiles"
    mean, sd = p  # normal, truncated at 0 as the engine draws it
    if sd == 0:
        return max(mean, 0.0), max(mean, 0.0), "5-95 % quantiles"
    dist = NormalDist(mean, sd)
    below = dist.cdf(0.0)
    low, high = (max(0.0, dist.inv_cdf(below + q * (1 - below))) for q in QUANTILES)
    return low, high, "5-95 % quantiles"


def bounds(scenario: Scenario) -> tuple[list[Bound], list[str]]:
    """The varied parameters' bounds (declared order) and the names of the fixed ones."""
    varied, fixed = [], []
    for name, param in scenario.parameters.items():
        low, high, source = prior_range(param.prior)
        if not high > low:
            fixed.append(name)
            continue
        centre = min(max(param.prior.central, low), high)
        varied.append(
            Bound(name, low, high, centre, source, f"{param.prior.family}{list(param.prior.params)}")
        )
    return varied, fixed


# ----------------------------------------------------------------------------- outputs
@dataclass(frozen=True)
class Output:
    """One quantity each point is reduced to: a P50 over its replications."""

    key: str  # column name in the result files
    label: str  # axis and table label
    column: str | None = None  # for a closure: the store column of hours (NaN: not finished)
    measure: str | None = None  # for a metric: its key in sim.engine.measures
    day: int | None = None  # for a metric: the day it is read at (00:00)


CLOSURE = Output("closure_p50", "P50 closure (days)", "closure_h")
CLOSURE95 = Output("closure95_p50", "P50 95 % closure (days)", "closure95_h")


def metric_output(text: str, scenario: Scenario) -> Output:
    """``--metric KEY@DATE`` as an :class:`Output`, or :class:`DesignError` saying what is wrong."""
    key, sep, date_text = text.strip().rpartition("@")
    shape = "KEY@DATE (DATE as YYYY-MM-DD), e.g. personnel@2026-02-01"
    if not sep or not key:
        raise DesignError("--metric", f"expected {shape}, got {text!r}")
    try:
        date = dt.date.fromisoformat(date_text.strip())
    except ValueError:
        raise DesignError("--metric", f"{date_text!r} is not a date; expected {shape}") from None
    known = measures.keys(scenario)
    if key not in known:
        raise DesignError("--metric", f"no measure {key!r}{suggest(key, known)}")
    day = (date - scenario.start).days
    last = math.floor(scenario.horizon_days)
    if not 0 <= day <= last:
        end = scenario.start + dt.timedelta(days=last)
        raise DesignError(
            "--metric", f"{date} is outside the run; give a date from {scenario.start} to {end}"
        )
    return Output(f"{key}@{date}", f"P50 {key} on {date}", measure=key, day=day)


# ----------------------------------------------------------------------------- design
@dataclass(frozen=True)
class Design:
    """The SALib design over the varied parameters and the one-at-a-time design of the tornado."""

    method: str
    bounds: tuple[Bound, ...]
    size: int  # Morris trajectories r, or Sobol base samples N
    seed: int  # the sampler's seed (the root seed)
    rows: np.ndarray  # (design rows, D): parameter values
    tornado: np.ndarray  # (2D + 1, D): the baseline, then each parameter at low and at high

    @property
    def names(self) -> list[str]:
        """The varied parameters, in declared order."""
        return [b.name for b in self.bounds]


def problem(varied: Sequence[Bound]) -> dict[str, object]:
    """SALib's problem definition of the varied parameters."""
    return {
        "num_vars": len(varied),
        "names": [b.name for b in varied],
        "bounds": [[b.low, b.high] for b in varied],
    }


def make_design(scenario: Scenario, method: str, size: int | None = None, seed: int = 0) -> Design:
    """Sample the design of ``method`` (``size``: Morris ``r`` or Sobol ``N``) over ``scenario``'s
    varied parameters, or raise :class:`DesignError`."""
    if method not in METHODS:
        raise DesignError("--method", f"unknown method {method!r}; expected morris or sobol")
    varied, fixed = bounds(scenario)
    if not scenario.parameters:
        raise DesignError(
            "parameters",
            "the scenario declares no parameters; declare some under parameters: "
            "(NAME: {prior: ...}) and refer to them as {param: NAME}",
        )
    if not varied:
        raise DesignError(
            "parameters",
            f"every declared parameter is fixed ({', '.join(fixed)}); give at least one a distribution "
            "as its prior, e.g. {uniform: [low, high]}",
        )
    size = DEFAULT_SIZE[method] if size is None else size
    if why := size_problem(method, size, len(varied)):
        raise DesignError("--trajectories" if method == "morris" else "--samples", why)
    if method == "morris":
        from SALib.sample import morris

        rows = morris.sample(problem(varied), size, num_levels=LEVELS, seed=seed)
    else:
        from SALib.sample import sobol

        rows = sobol.sample(problem(varied), size, calc_second_order=False, seed=seed)
    return Design(method, tuple(varied), size, seed, np.asarray(rows, dtype=float), tornado_rows(varied))


def size_problem(method: str, size: int, d: int) -> str | None:
    """Why ``size`` (Morris ``r`` or Sobol ``N``) over ``d`` parameters is refused (``None``: it is not)."""
    rows = size * (d + (1 if method == "morris" else 2))
    if size < MIN_SIZE[method]:
        return f"must be at least {MIN_SIZE[method]}, got {size}"
    if method == "sobol" and size & (size - 1):
        return f"Sobol needs a power of 2 (e.g. 64 or 128), got {size}"
    if rows > MAX_GRID_POINTS:
        return f"{size:,} with {d} varied parameters makes {rows:,} design points (limit {MAX_GRID_POINTS:,})"
    return None


def tornado_rows(varied: Sequence[Bound]) -> np.ndarray:
    """The baseline (every parameter central), then each parameter at its low and high bound."""
    base = np.array([b.centre for b in varied], dtype=float)
    rows = np.tile(base, (2 * len(varied) + 1, 1))
    for k, b in enumerate(varied):
        rows[2 * k + 1, k], rows[2 * k + 2, k] = b.low, b.high
    return rows


def fixed_at(scenario: Scenario, values: dict[str, float]) -> Scenario:
    """``scenario`` with each named parameter's prior replaced by the point mass at its value."""
    params = dict(scenario.parameters)
    for name, value in values.items():
        params[name] = params[name].model_copy(update={"prior": as_prior(float(value))})
    return scenario.model_copy(update={"parameters": params})


@dataclass(frozen=True)
class Layout:
    """The distinct points to replicate, and which point each design and tornado row is."""

    points: list[Point]
    design: np.ndarray  # point index of each design row
    tornado: np.ndarray  # point index of each tornado row


def layout(scenario: Scenario, design: Design) -> Layout:
    """One :class:`~.plan.Point` per distinct row of the design and the tornado."""
    index: dict[tuple[float, ...], int] = {}
    points: list[Point] = []

    def place(rows: np.ndarray) -> np.ndarray:
        out = []
        for row in rows:
            key = tuple(float(v) for v in row)
            if key not in index:
                values = dict(zip(design.names, key, strict=True))
                index[key] = len(points)
                points.append(Point(fixed_at(scenario, values), values))
            out.append(index[key])
        return np.array(out, dtype=np.int64)

    rows = place(design.rows)
    return Layout(points, rows, place(design.tornado))


def point_outputs(
    store: RunStore, scenario: Scenario, points: int, plan: RunPlan, outputs: Sequence[Output]
) -> tuple[np.ndarray, np.ndarray]:
    """Each output of each point (``(points, outputs)``) and whether it lies beyond the horizon."""
    horizon = scenario.horizon_days * 24.0
    keys = measures.keys(scenario)
    n_days, n_keys = shapes(scenario)[MEASURES]
    values = np.full((points, len(outputs)), np.nan)
    beyond = np.zeros((points, len(outputs)), dtype=bool)
    for p in range(points):
        read = store.read(p, plan.n, ["closure_h", "closure95_h"])
        if not len(read["rep"]):
            raise ValueError(f"{store.path} holds no replications of point {p}")
        day_values: dict[int, np.ndarray] = {}
        for j, out in enumerate(outputs):
            if out.column is not None:
                hours = np.asarray(read[out.column], dtype=float)
                beyond[p, j] = censored_percentile(np.where(np.isfinite(hours), hours, np.inf), 50) is None
                values[p, j] = float(np.percentile(np.where(np.isfinite(hours), hours, horizon), 50)) / 24.0
            else:
                assert out.day is not None and out.measure is not None
                if out.day not in day_values:
                    rows = slice(out.day, out.day + 1)
                    day_values[out.day] = store.block(p, plan.n, MEASURES, (n_days, n_keys), rows)[:, 0, :]
                values[p, j] = float(np.percentile(day_values[out.day][:, keys.index(out.measure)], 50))
    return values, beyond


# ----------------------------------------------------------------------------- analysis
@dataclass(frozen=True)
class Indices:
    """One output's sensitivity indices, by index name (see :data:`INDICES`), per parameter."""

    output: Output
    method: str
    names: tuple[str, ...]
    values: dict[str, tuple[float | None, ...]]  # None: undefined (an output that does not vary)
    varies: bool  # whether the output differs between design rows

    def ranking(self) -> list[tuple[str, float | None, float | None]]:
        """``(parameter, mu* or ST, share of the total)``, largest first; undefined last."""
        measure = self.values[MEASURE[self.method]]
        known = [max(v, 0.0) for v in measure if v is not None]
        total = sum(known)
        rows = [
            (name, v, None if v is None or total <= 0 else max(v, 0.0) / total)
            for name, v in zip(self.names, measure, strict=True)
        ]
        return sorted(rows, key=lambda r: (r[1] is None, -(r[1] or 0.0)))


def analyse(
    method: str, spec: dict[str, object], rows: np.ndarray, y: np.ndarray, output: Output, seed: int
) -> Indices:
    """The indices of ``method`` from the design ``rows`` and one output ``y`` per row.

    ``seed`` (at least 1: SALib's Sobol analysis falls back to numpy's global random state on
    0) seeds the bootstrap of the confidence intervals (``conf``: half the 95 % interval).
    """
    if seed < 1:
        raise ValueError(f"the bootstrap seed must be at least 1, got {seed}")
    names = tuple(str(n) for n in spec["names"])  # type: ignore[attr-defined]
    y = np.asarray(y, dtype=float)
    varies = bool(np.ptp(y) > 0) if len(y) else False
    if method == "morris":
        from SALib.analyze import morris

        res = morris.analyze(
            spec, rows, y, num_resamples=RESAMPLES, conf_level=CONF, num_levels=LEVELS, seed=seed
        )
    elif not varies:  # every index is 0/0: undefined, not zero
        return Indices(output, method, names, {k: (None,) * len(names) for k in INDICES[method]}, varies)
    else:
        from SALib.analyze import sobol

        res = sobol.analyze(
            spec, y, calc_second_order=False, num_resamples=RESAMPLES, conf_level=CONF, seed=seed
        )
    values = {k: tuple(_number(v) for v in np.asarray(res[k], dtype=float)) for k in INDICES[method]}
    return Indices(output, method, names, values, varies)


def _number(v: float) -> float | None:
    return float(v) if math.isfinite(v) else None


# ----------------------------------------------------------------------------- the whole analysis
@dataclass(frozen=True)
class Sensitivity:
    """A sensitivity analysis: its design, every point's outputs, the indices and the tornado."""

    scenario: Scenario
    plan: RunPlan
    design: Design
    fixed: tuple[str, ...]  # declared parameters left out (a fixed prior)
    outputs: tuple[Output, ...]
    points: int  # distinct points replicated
    y: np.ndarray  # (design rows, outputs)
    y_beyond: np.ndarray  # (design rows, outputs): the P50 depends on a run counted at the horizon
    tornado: np.ndarray  # (2D + 1, outputs)
    tornado_beyond: np.ndarray  # (2D + 1, outputs)
    indices: tuple[Indices, ...]

    @property
    def bootstrap_seed(self) -> int:
        """The seed of the confidence intervals' bootstrap (:func:`analyse`): the root seed + 1."""
        return self.plan.seed + 1


def summarise(
    scenario: Scenario,
    design: Design,
    where: Layout,
    store: RunStore,
    plan: RunPlan,
    outputs: Sequence[Output] = (CLOSURE, CLOSURE95),
) -> Sensitivity:
    """Read every point's outputs from ``store`` and compute the indices of each output."""
    values, beyond = point_outputs(store, scenario, len(where.points), plan, outputs)
    y, tornado = values[where.design], values[where.tornado]
    found = tuple(
        analyse(design.method, problem(design.bounds), design.rows, y[:, j], out, plan.seed + 1)
        for j, out in enumerate(outputs)
    )
    fixed = tuple(bounds(scenario)[1])
    at = (y, beyond[where.design], tornado, beyond[where.tornado])
    return Sensitivity(scenario, plan, design, fixed, tuple(outputs), len(where.points), *at, found)


def run_sensitivity(
    scenario: Scenario,
    method: str = "morris",
    *,
    plan: RunPlan,
    size: int | None = None,
    metrics: Sequence[str] = (),
    store: Path | str | None = None,
    progress: Progress | None = None,
    notice: Notice | None = None,
) -> Sensitivity:
    """The whole analysis of ``scenario``: design, replications (``plan.n`` per point, through
    :func:`~.runner.simulate_many` into ``store``), outputs and indices.

    ``metrics`` are ``KEY@DATE`` strings (:func:`metric_output`); bad input raises
    :class:`DesignError`; a missing SALib, :class:`MissingSALib`.
    """
    require_salib()
    outputs = (CLOSURE, CLOSURE95, *(metric_output(m, scenario) for m in metrics))
    design = make_design(scenario, method, size, plan.seed)
    where = layout(scenario, design)
    with simulate_many(where.points, store=store, plan=plan, progress=progress, notice=notice) as runs:
        return summarise(scenario, design, where, runs, plan, outputs)
