"""Calibration: what a scenario's evidence says about its parameters, by ABC-SMC (pyabc).

:func:`calibrate` runs pyabc's ABC-SMC on a scenario that declares ``parameters:`` and has
``observations:`` or ``milestones:``. The data are that evidence; the model is one
replication at a vector of parameter values, and the distance the weighted mean miss of
:mod:`.distance` (the scores of ``posture score``, weighted by each observation's weight).

* **Priors.** Each declared prior becomes a pyabc random variable: uniform, triangular,
  normal (truncated at 0 and at the top of its fields' range, as posture draws it),
  lognormal and exponential (:func:`scipy_prior`). A parameter whose prior is a single value
  (a plain number, or a distribution of no spread) is held fixed, not calibrated, and keeps
  that value in every particle. A value beyond the range of the fields naming a parameter
  acts as that range's end, as the engine fits it, and is written so.
* **Generations.** Generation 0 samples the prior (epsilon infinite, every particle
  accepted); each later one accepts at the median distance of the one before (pyabc's
  ``MedianEpsilon``) and perturbs with a multivariate normal kernel. The run stops after
  ``generations`` generations, once epsilon falls to ``min_epsilon``, or when the
  ``budget`` of simulations runs out (a generation that cannot finish within it is
  dropped).
* **Reproducibility.** Candidates are numbered and seeded one by one (:mod:`.sampling`), so
  a seed gives the same posterior whether they run in this process, in ``jobs`` worker
  processes or on Dask.
* **History.** pyabc keeps every generation in an SQLite database: ``db`` (written under a
  temporary name and renamed into place when the run ends) or a temporary file.

pyabc (the optional extra ``posture[calibrate]``) and scipy are imported only when a
calibration runs. :func:`predictive` replicates the scenario with its parameters drawn from
the posterior, for the posterior-predictive troop curve.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import math
import os
import tempfile
import warnings
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..scenario.distributions import Distribution
from ..scenario.posterior import Posterior, ranges
from ..scenario.problems import Problem, ScenarioError
from ..scenario.schema import Scenario
from .distance import EvidenceDistance, EvidenceModel, Skipped, Target, observed, pilot_scales, targets
from .plan import RunPlan
from .sampling import GenerationDone, confined, evaluator, ordered_sampler

DEFAULT_POPULATION = 200
DEFAULT_GENERATIONS = 8
DEFAULT_BUDGET = 10_000
MIN_POPULATION = 10
LEVEL = 0.9
"""The posterior interval reported: the central 90 %."""


@dataclass(frozen=True)
class Settings:
    """How to calibrate: particles per generation, when to stop, and how to run (seed, workers)."""

    population: int = DEFAULT_POPULATION
    generations: int = DEFAULT_GENERATIONS  # generation 0 (the prior) included
    min_epsilon: float = 0.0
    budget: int = DEFAULT_BUDGET  # simulations, all generations together
    plan: RunPlan = field(default_factory=RunPlan)  # seed, jobs, executor, scheduler

    def __post_init__(self) -> None:
        if self.population < MIN_POPULATION:
            raise ValueError(f"population must be at least {MIN_POPULATION}, got {self.population}")
        if self.generations < 1:
            raise ValueError(f"generations must be at least 1, got {self.generations}")
        if not (math.isfinite(self.min_epsilon) and self.min_epsilon >= 0):
            raise ValueError(f"min_epsilon must be a finite number >= 0, got {self.min_epsilon}")
        if self.budget < self.population:
            raise ValueError(
                f"budget ({self.budget:,}) is below population ({self.population:,}): generation 0 "
                f"alone runs {self.population:,} simulations"
            )

    def as_dict(self) -> dict[str, Any]:
        """The settings as ``calibration.json`` records them."""
        p = self.plan
        return {
            "population": self.population,
            "generations": self.generations,
            "min_epsilon": self.min_epsilon,
            "budget": self.budget,
            "seed": p.seed,
            "jobs": p.jobs,
            "executor": "dask" if p.dask else "local",
            "scheduler": p.scheduler,
        }


@dataclass(frozen=True)
class Generation:
    """One generation of the ABC-SMC run."""

    t: int
    epsilon: float | None  # None: infinite (generation 0 accepts every prior draw)
    particles: int
    evaluations: int  # candidates up to the last one kept (pyabc's count)
    simulations: int  # simulations run for it (a last batch may run past the last one kept)
    ess: float  # effective sample size of its weights

    @property
    def acceptance_rate(self) -> float:
        """Particles kept per candidate evaluated."""
        return self.particles / self.evaluations if self.evaluations else 0.0


@dataclass(frozen=True)
class Calibration:
    """The outcome of :func:`calibrate`: the weighted particles and how the run went."""

    scenario: Scenario
    settings: Settings
    names: tuple[str, ...]  # every declared parameter, in declared order
    free: tuple[str, ...]  # those calibrated
    fixed: Mapping[str, float]  # those held at one value
    values: np.ndarray = field(compare=False)  # (particles, names)
    weights: np.ndarray = field(compare=False)  # one per particle, summing to 1
    generations: tuple[Generation, ...]
    targets: tuple[Target, ...]
    skipped: tuple[Skipped, ...]
    simulations: int  # simulations run in all
    stopped: str  # "generations", "min_epsilon" or "budget"

    def column(self, name: str) -> np.ndarray:
        """One parameter's value in every particle."""
        return np.asarray(self.values[:, self.names.index(name)], dtype=float)

    def quantile(self, name: str, q: float) -> float:
        """A weighted quantile of one parameter: the least value whose weight share reaches ``q``."""
        x = self.column(name)
        order = np.argsort(x, kind="stable")
        share = np.cumsum(self.weights[order]) / float(np.sum(self.weights))
        k = int(np.searchsorted(share, q - 1e-12, side="left"))
        return float(x[order][min(k, len(x) - 1)])

    def interval(self, name: str, level: float = LEVEL) -> tuple[float, float]:
        """The central ``level`` posterior interval of one parameter."""
        return self.quantile(name, (1 - level) / 2), self.quantile(name, (1 + level) / 2)

    def mean(self, name: str) -> float:
        """The posterior mean of one parameter."""
        return float(np.sum(self.column(name) * self.weights) / np.sum(self.weights))

    def prior_interval(self, name: str, level: float = LEVEL) -> tuple[float, float]:
        """The central ``level`` interval of one parameter's prior (its value if fixed)."""
        if name in self.fixed:
            return self.fixed[name], self.fixed[name]
        low, high = ranges(self.scenario).get(name, (0.0, math.inf))
        rv = prior_rv(self.scenario.parameters[name].prior, high)
        a, b = (float(v) for v in rv.ppf([(1 - level) / 2, (1 + level) / 2]))
        return min(max(a, low), high), min(max(b, low), high)

    def posterior(self, label: str = "calibration") -> Posterior:
        """The particles as a :class:`~sim.scenario.posterior.Posterior`, as ``--parameters`` reads one."""
        rows = tuple(tuple(float(v) for v in row) for row in self.values)
        weights = tuple(float(w) for w in self.weights)
        digest = hashlib.sha256(repr((self.names, rows, weights)).encode()).hexdigest()
        return Posterior(label, self.names, rows, weights, digest)


# ----------------------------------------------------------------------------- priors
def point_value(prior: Distribution) -> float | None:
    """The one value a prior can take (``None`` if it has a spread)."""
    low, high = prior.bounds
    if low == high:
        return low
    p = prior.params
    if prior.family == "normal" and p[1] == 0:
        return max(p[0], 0.0)
    if (prior.family == "lognormal" and p[1] == 0) or (prior.family == "exponential" and p[0] == 0):
        return p[0]
    return None


def split_parameters(scenario: Scenario) -> tuple[dict[str, Distribution], dict[str, float]]:
    """The parameters to calibrate (their priors) and those held fixed (their values)."""
    free: dict[str, Distribution] = {}
    fixed: dict[str, float] = {}
    for name, param in scenario.parameters.items():
        value = point_value(param.prior)
        if value is None:
            free[name] = param.prior
        else:
            fixed[name] = value
    return free, fixed


def scipy_prior(prior: Distribution, high: float = math.inf) -> tuple[str, tuple[float, ...]]:
    """The scipy.stats distribution of a prior, and its positional arguments (as pyabc's ``RV``
    takes them); a normal is truncated at 0 and at ``high``."""
    p = prior.params
    if prior.family == "uniform":
        return "uniform", (p[0], p[1] - p[0])
    if prior.family == "triangular":
        return "triang", ((p[1] - p[0]) / (p[2] - p[0]), p[0], p[2] - p[0])
    if prior.family == "normal":
        return "truncnorm", (-p[0] / p[1], (high - p[0]) / p[1], p[0], p[1])
    if prior.family == "lognormal":
        return "lognorm", (p[1], 0.0, p[0])
    return "expon", (0.0, p[0])


def prior_rv(prior: Distribution, high: float = math.inf) -> Any:
    """A frozen scipy.stats distribution of a prior (for densities and quantiles)."""
    import scipy.stats  # type: ignore[import-untyped]  # comes with pyabc

    name, args = scipy_prior(prior, high)
    return getattr(scipy.stats, name)(*args)


# ----------------------------------------------------------------------------- refusals
def problems(scenario: Scenario, file: str) -> list[Problem]:
    """Why ``scenario`` (read from ``file``) cannot be calibrated: one problem per reason."""
    from ..scenario.yamlsource import load_source

    try:
        src = load_source(file)
        line: Callable[[tuple[str, ...]], int | str] = lambda path: src.line_of(path)  # noqa: E731
    except (ScenarioError, OSError):
        line = lambda path: 1  # noqa: E731
    out = []
    if not scenario.parameters:
        why = (
            "the scenario declares no parameter to calibrate; declare one under parameters: with a "
            "prior distribution, e.g. spd: {prior: {uniform: [20, 40]}}, and name it in a value as "
            "{param: spd}"
        )
        out.append(Problem(file, line(("parameters",)), "parameters", why))
    elif not split_parameters(scenario)[0]:
        why = (
            "every parameter is fixed (a single-value prior), so there is nothing to calibrate; "
            "give at least one a prior distribution such as {uniform: [0.6, 0.95]}"
        )
        out.append(Problem(file, line(("parameters",)), "parameters", why))
    found, skipped = targets(scenario)
    if not found:
        key = "observations" if scenario.observations or not scenario.milestones else "milestones"
        left = f" ({len(skipped)} left out: {', '.join(sorted({s.why for s in skipped}))})" if skipped else ""
        why = (
            f"nothing to calibrate on{left}: add observations dated from day 0 to the horizon, or "
            "milestones, with a weight above 0"
        )
        out.append(Problem(file, line((key,)), key, why))
    return out


# ----------------------------------------------------------------------------- the run
def calibrate(
    scenario: Scenario,
    settings: Settings | None = None,
    *,
    file: str = "<scenario>",
    db: Path | str | None = None,
    progress: Callable[[GenerationDone], None] | None = None,
) -> Calibration:
    """Calibrate ``scenario``'s parameters on its observations and milestones by ABC-SMC.

    ``settings`` says how (defaults: 200 particles, 8 generations, 10,000 simulations, seed 0,
    this process only); ``file`` names the scenario in problems; ``db`` is pyabc's SQLite
    history (``None``: a temporary file); ``progress`` is called as each generation ends.
    Raises :class:`~sim.scenario.problems.ScenarioError` if the scenario has nothing to
    calibrate or nothing to calibrate on, ``ModuleNotFoundError`` if pyabc is missing.
    """
    settings = settings or Settings()
    if found_problems := problems(scenario, file):
        raise ScenarioError(found_problems)
    import pyabc

    free, fixed = split_parameters(scenario)
    limits = ranges(scenario)
    found, skipped = targets(scenario, pilot_scales(scenario))
    model = EvidenceModel(scenario, settings.plan.seed, fixed, limits, found)
    prior = pyabc.Distribution(
        **{
            name: pyabc.RV(*_spec(scipy_prior(dist, limits.get(name, (0.0, math.inf))[1])))
            for name, dist in free.items()
        }
    )
    done: list[GenerationDone] = []

    def report(gen: GenerationDone) -> None:
        done.append(gen)
        if progress is not None:
            progress(gen)

    plan = settings.plan
    with _quiet(), confined(int(plan.seed)), evaluator(plan) as evaluate, _database(db) as url:
        sampler = ordered_sampler(plan, settings.budget, evaluate, report)
        abc = pyabc.ABCSMC(
            model,
            prior,
            EvidenceDistance(found),
            population_size=settings.population,
            sampler=sampler,
            eps=pyabc.MedianEpsilon(initial_epsilon=math.inf),
        )
        abc.new(url, observed(found))
        history = abc.run(
            minimum_epsilon=settings.min_epsilon,
            max_nr_populations=settings.generations,
            max_total_nr_simulations=settings.budget,
        )
        generations = _generations(history, [g for g in done if g.complete])
        frame, weights = history.get_distribution(m=0, t=history.max_t)
    names = tuple(scenario.parameters)
    values = np.empty((len(weights), len(names)))
    for k, name in enumerate(names):
        low, high = limits.get(name, (0.0, math.inf))
        column = np.full(len(weights), fixed[name]) if name in fixed else frame[name].to_numpy(dtype=float)
        values[:, k] = np.clip(column, low, high)
    return Calibration(
        scenario=scenario,
        settings=settings,
        names=names,
        free=tuple(free),
        fixed=fixed,
        values=values,
        weights=np.asarray(weights, dtype=float) / float(np.sum(weights)),
        generations=generations,
        targets=tuple(found),
        skipped=tuple(skipped),
        simulations=sampler.simulations,
        stopped=_stopped(settings, generations, sampler.exhausted),
    )


def _spec(spec: tuple[str, tuple[float, ...]]) -> tuple[Any, ...]:
    name, args = spec
    return (name, *args)


def _generations(history: Any, done: list[GenerationDone]) -> tuple[Generation, ...]:
    """Each completed generation, from pyabc's history and the sampler's reports."""
    pops = history.get_all_populations()
    pops = pops[pops["t"] >= 0].sort_values("t")
    out = []
    before = 0
    for (_, row), gen in zip(pops.iterrows(), done, strict=True):
        t = int(row["t"])
        _, w = history.get_distribution(m=0, t=t)
        w = np.asarray(w, dtype=float)
        eps = float(row["epsilon"])
        out.append(
            Generation(
                t=t,
                epsilon=eps if math.isfinite(eps) else None,
                particles=len(w),
                evaluations=int(row["samples"]),
                simulations=gen.simulations - before,
                ess=float(np.sum(w) ** 2 / np.sum(w**2)),
            )
        )
        before = gen.simulations
    return tuple(out)


def _stopped(settings: Settings, generations: tuple[Generation, ...], exhausted: bool) -> str:
    last = generations[-1].epsilon
    if exhausted:
        return "budget"
    if last is not None and last <= settings.min_epsilon:
        return "min_epsilon"
    if len(generations) >= settings.generations:
        return "generations"
    return "budget"


@contextmanager
def _quiet() -> Iterator[None]:
    """pyabc's log (its "ABC" loggers) and warnings kept off the console for the run, errors apart."""
    logger = logging.getLogger("ABC")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", module="pyabc")
            yield
    finally:
        logger.setLevel(level)


@contextmanager
def _database(db: Path | str | None) -> Iterator[str]:
    """pyabc's database URL: a temporary name beside ``db``, renamed to ``db`` if the run ends
    well and removed if not; or a temporary file."""
    if db is None:
        with tempfile.TemporaryDirectory(prefix="posture-calibrate-") as tmp:
            yield "sqlite:///" + str(Path(tmp) / "calibration.db")
        return
    target = Path(db).absolute()
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial")
    partial.unlink(missing_ok=True)
    try:
        yield "sqlite:///" + str(partial)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)


# ----------------------------------------------------------------------------- posterior predictive
@dataclass(frozen=True)
class Predictive:
    """Replications with parameters drawn from the posterior: the troop curve's bands."""

    n: int
    days: np.ndarray
    personnel: Mapping[str, np.ndarray]  # "p5" ... "p95" per day, in theatre
    sites: Mapping[str, Mapping[str, np.ndarray]]  # the same per site
    closure: Mapping[str, float | None]  # p10, p50, p90 in days (None: beyond the horizon)
    phase_starts: Mapping[str, tuple[float, str]]


def predictive(calibration: Calibration, n: int = 100) -> Predictive:
    """``n`` replications of the calibrated scenario, each drawing its parameters from the posterior."""
    from .columns import SCALE
    from .ensemble import Ensemble
    from .runner import simulate_many
    from .stats import describe

    s = calibration.scenario
    plan = dataclasses.replace(calibration.settings.plan, n=n, parameters=calibration.posterior())
    with simulate_many(s, store=None, plan=plan) as store:
        ens = Ensemble(store, s, plan)
        bands = ens.measure_bands()
        closure = describe(ens["closure_h"], SCALE["days"])
        return Predictive(
            n=ens.n,
            days=bands.days,
            personnel=bands.of("personnel"),
            sites={sid: bands.of(f"personnel@{sid}") for sid in s.sites},
            closure={q: closure.get(q) for q in ("p10", "p50", "p90")},
            phase_starts=dict(ens.phase_starts()),
        )
