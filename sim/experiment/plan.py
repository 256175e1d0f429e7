"""What to run and how: the points of an experiment and its one run plan.

A :class:`Point` is one validated scenario to replicate, with the ``--vary`` values that made
it (none for ``posture run``); :func:`factor_points` builds the full grid of factor values
over a scenario file. A :class:`RunPlan` says how many replications of each point, from which
root seed, in chunks of what size and on which executor. It is built once, by the command line
or by the caller of :func:`sim.simulate_many`, and passed unchanged to the runner, the store's
fingerprint and the statistics, so no layer carries its own copy of the seed or the flags.

This module imports nothing heavy: the command line reads its defaults before any command runs.
"""

from __future__ import annotations

import itertools
import json
import math
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypedDict

if TYPE_CHECKING:
    from ..scenario.posterior import Posterior
    from ..scenario.schema import Scenario

DEFAULT_CHUNK = 25
EXECUTORS = ("local", "dask")


SCHEMES = ("tcp", "tls", "ws", "wss", "inproc", "ucx")
"""The address schemes a Dask scheduler may be reached by."""


class ExecutorError(Exception):
    """An executor could not be started or reached (not a problem with the scenario)."""


class StoreError(Exception):
    """A run store that cannot be used: not SQLite, not a posture store, damaged, tampered with
    (a chunk whose rows no longer match its checksum), or one that cannot be written."""


def scheduler_problem(address: str) -> str | None:
    """What is wrong with a Dask scheduler address (``None`` if it is well formed)."""
    scheme, sep, rest = address.strip().rpartition("://")
    if not sep:
        scheme, rest = "tcp", address.strip()
    if scheme not in SCHEMES:
        return f"unknown address scheme {scheme!r} in {address!r}; expected one of {', '.join(SCHEMES)}"
    if scheme == "inproc":
        return None
    host, colon, port = rest.rpartition(":")
    if not colon or not host.strip("[]"):
        return f"expected tcp://HOST:PORT, got {address!r}"
    if not port.isdigit() or not 0 < int(port) < 65536:
        return f"the port of {address!r} must be a number from 1 to 65535, got {port!r}"
    return None


@dataclass(frozen=True)
class RunPlan:
    """How to replicate: ``n`` replications from ``seed``, cut into chunks, on an executor.

    * ``n``: replications of each point (replication ``i`` draws from
      ``SeedSequence(seed, spawn_key=(i, stream))``, whatever runs it);
    * ``deterministic``: every distribution takes its central value;
    * ``chunk``: replications per task sent to a worker (part of what a store was made from);
    * ``jobs``: worker processes, ``1`` runs everything in this process, ``0`` means every core
      (resolved when the plan is made);
    * ``executor``: ``"local"`` (a process pool) or ``"dask"``; ``scheduler``, the address of a
      running Dask scheduler, implies ``"dask"``;
    * ``parameters``: a :class:`~sim.scenario.posterior.Posterior` each replication picks its
      parameter values from (``None``: the priors).

    A plan that cannot be run raises :class:`ValueError` naming the field.
    """

    n: int = 1
    seed: int = 0
    deterministic: bool = False
    chunk: int = DEFAULT_CHUNK
    jobs: int = 1
    executor: str = "local"
    scheduler: str | None = None
    parameters: Posterior | None = None

    def __post_init__(self) -> None:
        for name in ("n", "chunk"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, got {getattr(self, name)}")
        for name in ("seed", "jobs"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be 0 or more, got {getattr(self, name)}")
        if self.executor not in EXECUTORS:
            raise ValueError(f"executor must be 'local' or 'dask', got {self.executor!r}")
        if self.scheduler is not None and (problem := scheduler_problem(self.scheduler)):
            raise ValueError(f"scheduler: {problem}")
        if self.jobs == 0:
            object.__setattr__(self, "jobs", os.cpu_count() or 1)

    @property
    def dask(self) -> bool:
        """Whether replications run on Dask (``executor="dask"`` or a scheduler given)."""
        return self.executor == "dask" or bool(self.scheduler)


class PlanOptions(TypedDict, total=False):
    """The :class:`RunPlan` fields other than ``n``, as keyword arguments."""

    seed: int
    deterministic: bool
    chunk: int
    jobs: int
    executor: str
    scheduler: str | None
    parameters: Posterior | None


def make_plan(plan: RunPlan | None, n: int | None, options: PlanOptions) -> RunPlan:
    """The plan an API call asked for: ``plan`` (with ``n`` if given), or one from ``options``."""
    if plan is None:
        return RunPlan(n=1 if n is None else n, **options)
    if options:
        raise TypeError(f"give either a RunPlan or keyword arguments, not both: {', '.join(options)}")
    if n is not None and n != plan.n:
        raise ValueError(f"n={n} contradicts the plan's n={plan.n}")
    return plan


@dataclass(frozen=True)
class Point:
    """One scenario to replicate, with the factor values that made it (empty if none)."""

    scenario: Scenario
    factors: dict[str, Any] = field(default_factory=dict)


def parse_factor(text: str) -> tuple[str, list[str]]:
    """``key=v1,v2,v3`` into the key and its value strings.

    Values are split on ``;`` when there is one (so values may contain commas, such as
    distributions: ``key={uniform: [1, 2]};{uniform: [2, 4]}``), else on ``,``.
    """
    key, sep, values = text.partition("=")
    if not sep or not key.strip():
        raise ValueError(f"expected key=v1,v2,...; got {text!r}")
    parts = values.split(";") if ";" in values else values.split(",")
    found = [v.strip() for v in parts if v.strip()]
    if not found:
        raise ValueError(f"no values for {key.strip()}; expected {key.strip()}=v1,v2,...; got {text!r}")
    return key.strip(), found


def parse_factors(texts: Sequence[str]) -> list[tuple[str, list[str]]]:
    """Every ``--vary`` option parsed (:func:`parse_factor`); a key varied twice is refused."""
    factors = [parse_factor(text) for text in texts]
    keys = [key for key, _ in factors]
    for i, key in enumerate(keys):
        if key in keys[:i]:
            first = keys.index(key) + 1
            raise ValueError(
                f"{key} is varied twice (options {first} and {i + 1}); give all its values in one --vary"
            )
    return factors


def factor_points(
    path: Path | str,
    factors: Sequence[tuple[str, list[str]]],
    overrides: Sequence[str] = (),
    events: Sequence[str] = (),
    progress: Callable[[int, int], None] | None = None,
) -> list[Point]:
    """The full grid of factor values over a scenario file, each point validated.

    ``progress(done, total)`` is called as points are loaded (a grid of thousands of points
    over a large file takes minutes).

    Each point is the file, then ``overrides`` (``--set``), then its factor values, then
    ``events`` (``--event``). Values are checked exactly like ``--set`` overrides; a bad one
    raises :class:`~sim.scenario.problems.ScenarioError` naming the ``--vary`` key.
    """
    from ..scenario.loader import apply_events, apply_overrides, build_scenario
    from ..scenario.yamlsource import load_source

    points: list[Point] = []
    keys = [k for k, _ in factors]
    total = math.prod(len(values) for _, values in factors)
    for combo in itertools.product(*(values for _, values in factors)):
        if progress:
            progress(len(points), total)
        src = load_source(str(path))
        origins = apply_overrides(src, overrides)
        origins.update(apply_overrides(src, [f"{k}={v}" for k, v in zip(keys, combo, strict=True)], "--vary"))
        origins.update(apply_events(src, events))
        scenario = build_scenario(src, origins)
        labels = {k: _scalar(v) for k, v in zip(keys, combo, strict=True)}
        points.append(Point(scenario, labels))
    if progress:
        progress(len(points), total)
    return points


def _scalar(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


MAX_STORE_BYTES = 50 * 10**9
"""The disk a run's store may take: 50 GB of day-by-day results (``runs.sqlite``)."""
MAX_GRID_POINTS = 10_000
"""The most points a ``--vary`` grid may have (each is a scenario loaded and validated)."""


def grid_size(factors: Sequence[tuple[str, list[str]]]) -> int:
    """How many points the full grid of ``factors`` has."""
    size = 1
    for _, values in factors:
        size *= len(values)
    return size


def grid_problem(factors: Sequence[tuple[str, list[str]]]) -> str | None:
    """Why a ``--vary`` grid is refused before any point is built (``None`` if it is not)."""
    size = grid_size(factors)
    if size > MAX_GRID_POINTS:
        return f"the --vary grid has {size:,} points (limit {MAX_GRID_POINTS:,}); vary fewer values"
    return None


def stored_bytes(scenario: Scenario, n: int, points: int = 1) -> int:
    """What ``n`` replications of ``points`` scenarios like this one store: 8 bytes a value."""
    import math

    from .columns import shapes

    values = sum(math.prod(shape) for shape in shapes(scenario).values())
    return 8 * values * n * points


def _size(nbytes: float) -> str:
    for unit in ("B", "kB", "MB", "GB", "TB", "PB"):
        if nbytes < 1000 or unit == "PB":
            return f"{nbytes:.1f} {unit}" if unit != "B" else f"{int(nbytes)} B"
        nbytes /= 1000
    raise AssertionError("unreachable")


def budget_problem(scenario: Scenario, plan: RunPlan, points: int = 1) -> str | None:
    """Why ``plan`` over ``points`` such scenarios is refused before simulating (or ``None``).

    The stored curves and measures of every replication must fit in :data:`MAX_STORE_BYTES`.
    """
    need = stored_bytes(scenario, plan.n, points)
    if need <= MAX_STORE_BYTES:
        return None
    where = f" of {points:,} points" if points > 1 else ""
    return (
        f"-n {plan.n}{where} would store {_size(need)} of day-by-day results "
        f"(limit {_size(MAX_STORE_BYTES)} of disk); lower -n or the horizon"
    )
