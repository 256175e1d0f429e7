"""Many runs: replications and sweep points, spread over executors, streamed to a store.

The API follows desmod's split: :func:`sim.model.simulate` runs one replication;
:func:`simulate_many` runs ``n`` replications of each of a list of scenarios ("points");
:func:`simulate_factors` builds the points as the full grid of ``--vary`` factors over a
scenario file, each point checked like a ``--set`` override.

How work is spread:

* replications are cut into chunks of consecutive indices; chunk boundaries depend only on
  ``n`` and the chunk size, never on the number of workers, so a run can resume with a
  different ``--jobs``;
* workers receive the validated scenarios once (a process-pool initializer, or one Dask
  ``scatter``) and then only ``(point, start, stop)`` triples; they send back compact numpy
  arrays (:class:`~sim.store.ChunkResult`), never logs or data frames;
* replication ``i`` of every point draws from ``SeedSequence(seed, spawn_key=(i, stream))``,
  so results are identical whatever the executor, and sweep points share their random
  numbers (common random numbers).

Executors: ``local`` (a process pool, the default; with one job everything runs in this
process) and ``dask`` (``dask.distributed``: a local cluster, or an existing scheduler).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import signal
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..engine.model import simulate
from ..scenario.loader import apply_events, apply_overrides, build_scenario
from ..scenario.schema import Scenario
from ..scenario.yamlsource import load_source
from .store import ChunkResult, RunStore

DEFAULT_CHUNK = 25


class ExecutorError(Exception):
    """An executor could not be started or reached (not a problem with the scenario)."""


Task = tuple[int, int, int]  # (point, start, stop)


@dataclass(frozen=True)
class Point:
    """One scenario to replicate, with the factor values that made it (empty if none)."""

    scenario: Scenario
    factors: dict[str, Any] = field(default_factory=dict)


def replicate(
    scenario: Scenario, seed: int, point: int, start: int, stop: int, deterministic: bool = False
) -> ChunkResult:
    """Run replications ``start..stop-1`` of one scenario and pack them compactly."""
    k = stop - start
    n_days = int(np.floor(scenario.horizon_days)) + 1
    n_sites, n_phases = len(scenario.sites), len(scenario.phases)
    out = ChunkResult(
        point=point,
        start=start,
        completed=np.zeros(k, bool),
        closure_h=np.full(k, np.nan),
        closure95_h=np.full(k, np.nan),
        end_h=np.zeros(k),
        kernel_events=np.zeros(k, np.int64),
        phases_h=np.full((k, n_phases), np.nan),
        sites_empty_h=np.full((k, n_sites), np.nan),
        curve=np.zeros((k, n_days, n_sites + 1), np.int32),
    )
    for i, rep in enumerate(range(start, stop)):
        r = simulate(scenario, seed=seed, replication=rep, deterministic=deterministic)
        out.completed[i] = r.completed
        out.closure_h[i] = np.nan if r.closure_h is None else r.closure_h
        out.closure95_h[i] = np.nan if r.closure95_h is None else r.closure95_h
        out.end_h[i] = r.end_h
        out.kernel_events[i] = r.kernel_events
        out.phases_h[i] = [np.nan if h is None else h for h in r.phase_closure_h.values()]
        out.sites_empty_h[i] = [np.nan if h is None else h for h in r.site_empty_h.values()]
        out.curve[i, :, :n_sites] = r.personnel
        out.curve[i, :, n_sites] = r.transit_personnel
    return out


# ----------------------------------------------------------------------- local workers
_WORKER: tuple[list[Scenario], int, bool] | None = None


def _init_worker(scenarios: list[Scenario], seed: int, deterministic: bool) -> None:
    """Process-pool initializer: keep the scenarios; leave Ctrl-C to the parent."""
    global _WORKER
    _WORKER = (scenarios, seed, deterministic)
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _run_task(point: int, start: int, stop: int) -> ChunkResult:
    assert _WORKER is not None, "worker not initialised"
    scenarios, seed, deterministic = _WORKER
    return replicate(scenarios[point], seed, point, start, stop, deterministic)


def _run_shared(context: tuple[list[Scenario], int, bool], point: int, start: int, stop: int) -> ChunkResult:
    """Dask task: the context arrives once per worker as a scattered object."""
    scenarios, seed, deterministic = context
    return replicate(scenarios[point], seed, point, start, stop, deterministic)


# ----------------------------------------------------------------------- executors
OnResult = Callable[[ChunkResult], None]


def _drain(futures: Iterable[Future[ChunkResult]], on_result: OnResult) -> None:
    for fut in as_completed(list(futures)):
        on_result(fut.result())


def run_tasks(
    tasks: Sequence[Task],
    scenarios: list[Scenario],
    seed: int,
    deterministic: bool,
    on_result: OnResult,
    *,
    jobs: int = 1,
    executor: str = "local",
    scheduler: str | None = None,
) -> None:
    """Run tasks on the chosen executor, handing each chunk to ``on_result`` as it finishes."""
    if not tasks:
        return
    if executor == "dask" or scheduler:
        _run_dask(tasks, scenarios, seed, deterministic, on_result, jobs, scheduler)
    elif jobs <= 1:
        for point, start, stop in tasks:
            on_result(replicate(scenarios[point], seed, point, start, stop, deterministic))
    else:
        pool = ProcessPoolExecutor(
            max_workers=jobs, initializer=_init_worker, initargs=(scenarios, seed, deterministic)
        )
        try:
            _drain((pool.submit(_run_task, *t) for t in tasks), on_result)
        finally:
            pool.shutdown(wait=True, cancel_futures=True)


def _run_dask(
    tasks: Sequence[Task],
    scenarios: list[Scenario],
    seed: int,
    deterministic: bool,
    on_result: OnResult,
    jobs: int,
    scheduler: str | None,
) -> None:
    try:
        from distributed import Client, LocalCluster
    except ImportError:  # pragma: no cover - depends on the optional extra
        raise ExecutorError(
            "the dask executor needs the optional extra: pip install 'posture[dask]'"
        ) from None
    cluster = None
    if scheduler:
        try:
            client = Client(scheduler, timeout="20s")
        except (OSError, TimeoutError) as exc:
            raise ExecutorError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from None
    else:
        cluster = LocalCluster(
            n_workers=max(1, jobs),
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        )
        client = Client(cluster)
    try:
        context = client.scatter((scenarios, seed, deterministic), broadcast=True)
        pool = client.get_executor(pure=False)
        _drain((pool.submit(_run_shared, context, *t) for t in tasks), on_result)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


# ----------------------------------------------------------------------- experiments
def chunk_tasks(points: int, n: int, chunk: int = DEFAULT_CHUNK) -> list[Task]:
    """Every ``(point, start, stop)`` task, replications cut into fixed-size chunks."""
    return [(p, s, min(s + chunk, n)) for p in range(points) for s in range(0, n, chunk)]


def fingerprint(
    points: Sequence[Point], n: int, seed: int, deterministic: bool, chunk: int
) -> dict[str, str]:
    """What a stored result was computed from; a store with another fingerprint is stale."""
    h = hashlib.sha256()
    for p in points:
        h.update(p.scenario.model_dump_json().encode())
        h.update(json.dumps(p.factors, sort_keys=True, default=str).encode())
    return {
        "scenarios": h.hexdigest(),
        "seed": str(seed),
        "deterministic": str(deterministic),
        "chunk": str(chunk),
        "format": "2",
    }


def simulate_many(
    points: Sequence[Point],
    n: int,
    store_path: Path,
    *,
    seed: int = 0,
    deterministic: bool = False,
    jobs: int = 1,
    executor: str = "local",
    scheduler: str | None = None,
    chunk: int = DEFAULT_CHUNK,
    progress: Callable[[int, int], None] | None = None,
    notice: Callable[[str], None] | None = None,
) -> RunStore:
    """Run ``n`` replications of every point into a :class:`RunStore`, resuming if possible.

    ``progress(done, total)`` is called as replications complete; ``notice`` receives one-line
    messages about resuming. Returns the open, finalized store.
    """
    store = RunStore(store_path, fingerprint(points, n, seed, deterministic, chunk))
    done = store.done_chunks()
    todo = [t for t in chunk_tasks(len(points), n, chunk) if t not in done]
    total = len(points) * n
    finished = total - sum(stop - start for _, start, stop in todo)
    if notice and finished:
        notice(f"resuming: {finished:,} of {total:,} replications already stored in {store_path}")
    elif notice and store.fresh:
        notice(f"{store_path} held results of a different command; starting afresh")
    if progress:
        progress(finished, total)

    def record(result: ChunkResult) -> None:
        nonlocal finished
        store.write(result)
        finished += len(result.completed)
        if progress:
            progress(finished, total)

    run_tasks(
        todo,
        [p.scenario for p in points],
        seed,
        deterministic,
        record,
        jobs=jobs,
        executor=executor,
        scheduler=scheduler,
    )
    store.finalize()
    return store


def parse_factor(text: str) -> tuple[str, list[str]]:
    """``key=v1,v2,v3`` into the key and its value strings.

    Values are split on ``;`` when there is one (so values may contain commas, such as
    distributions: ``key={uniform: [1, 2]};{uniform: [2, 4]}``), else on ``,``.
    """
    key, sep, values = text.partition("=")
    if not sep or not key.strip() or not values.strip():
        raise ValueError(f"expected key=v1,v2,...; got {text!r}")
    parts = values.split(";") if ";" in values else values.split(",")
    return key.strip(), [v.strip() for v in parts if v.strip()]


def factor_points(
    path: Path,
    factors: Sequence[tuple[str, list[str]]],
    overrides: Sequence[str] = (),
    events: Sequence[str] = (),
) -> list[Point]:
    """The full grid of factor values over a scenario file, each point validated.

    Values are checked exactly like ``--set`` overrides; a bad one raises
    :class:`~sim.problems.ScenarioError` naming the ``--vary`` key.
    """
    points = []
    keys = [k for k, _ in factors]
    for combo in itertools.product(*(values for _, values in factors)):
        src = load_source(str(path))
        origins = apply_overrides(src, overrides)
        origins.update(apply_overrides(src, [f"{k}={v}" for k, v in zip(keys, combo, strict=True)], "--vary"))
        origins.update(apply_events(src, events))
        scenario = build_scenario(src, origins)
        labels = {k: _scalar(v) for k, v in zip(keys, combo, strict=True)}
        points.append(Point(scenario, labels))
    return points


def _scalar(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


def simulate_factors(
    path: Path, factors: Sequence[tuple[str, list[str]]], n: int, store_path: Path, **kwargs: Any
) -> tuple[list[Point], RunStore]:
    """Replicate every point of a factor grid (common random numbers across points)."""
    points = factor_points(path, factors, kwargs.pop("overrides", ()))
    return points, simulate_many(points, n, store_path, **kwargs)
