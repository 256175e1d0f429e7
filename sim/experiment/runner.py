"""Many runs: replications and sweep points, spread over executors, streamed to a store.

The API follows desmod's split: :func:`sim.simulate` runs one replication;
:func:`simulate_many` runs the replications of a :class:`~.plan.RunPlan` for each of a list of
scenarios ("points"); :func:`simulate_factors` builds the points as the full grid of
``--vary`` factors over a scenario file, each point checked like a ``--set`` override.

How work is spread:

* replications are cut into chunks of consecutive indices; chunk boundaries depend only on
  ``n`` and the chunk size, never on the number of workers, so a run can resume with a
  different ``--jobs``;
* workers receive the validated scenarios and the plan once (a process-pool initializer, or
  one Dask ``scatter``) and then only ``(point, start, stop)`` triples; they send back the
  declared columns (:mod:`.columns`) as compact numpy arrays
  (:class:`~.store.ChunkResult`), never logs or data frames;
* replication ``i`` of every point draws from ``SeedSequence(seed, spawn_key=(i, stream))``,
  so results are identical whatever the executor, and sweep points share their random
  numbers (common random numbers).

Executors: ``local`` (a process pool, the default; with one job everything runs in this
process) and ``dask`` (``dask.distributed``: a local cluster, or an existing scheduler;
imported only when asked for).
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import itertools
import json
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Unpack

from .. import __version__
from ..engine.model import MODEL_REVISION, simulate
from ..scenario.schema import Scenario
from .columns import allocate, fill, signature
from .plan import ExecutorError, PlanOptions, Point, RunPlan, factor_points, make_plan
from .store import ChunkResult, RunStore

Task = tuple[int, int, int]  # (point, start, stop)
Progress = Callable[[int, int], None]
Notice = Callable[[str], None]


def replicate(scenario: Scenario, plan: RunPlan, point: int, start: int, stop: int) -> ChunkResult:
    """Run replications ``start..stop-1`` of one scenario and pack their columns compactly."""
    values = allocate(scenario, stop - start)
    for i, rep in enumerate(range(start, stop)):
        result = simulate(
            scenario,
            seed=plan.seed,
            replication=rep,
            deterministic=plan.deterministic,
            parameters=plan.parameters,
        )
        fill(values, i, result)
    return ChunkResult(point, start, stop, values)


# ----------------------------------------------------------------------- local workers
Context = tuple[list[Scenario], RunPlan]
_WORKER: Context | None = None


PARENT_POLL = 0.5  # seconds between a worker's checks that the run's process is alive
_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def _init_worker(scenarios: list[Scenario], plan: RunPlan, parent: int | None = None) -> None:
    """Process-pool initializer: keep the scenarios and the plan; leave Ctrl-C to the parent.

    ``parent`` is the pid of the process running the pool: the worker exits as soon as it
    finds that process gone (see :func:`_watch_parent`), so a run killed with SIGKILL leaves
    no workers computing chunks nobody will store.
    """
    global _WORKER
    _WORKER = (scenarios, plan)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if parent is not None:
        _watch_parent(parent)


def _watch_parent(parent: int) -> None:
    """Exit this worker (``os._exit(1)``) within about :data:`PARENT_POLL` s of the parent's death.

    On Linux, when the worker is the parent's own child, the kernel is also asked to SIGKILL it
    when the parent dies (``PR_SET_PDEATHSIG``: immediate). Everywhere, a daemon thread
    polls: the parent is gone when ``os.getppid()`` changes (the worker was re-parented) or,
    for a worker started through an intermediary such as a fork server, when ``parent`` no
    longer runs.
    """
    ppid = os.getppid()
    direct = ppid == parent
    if direct and sys.platform.startswith("linux"):
        _ask_kernel_for_parent_death_signal()

    def orphaned() -> bool:
        return os.getppid() != ppid or (not direct and not _alive(parent))

    if orphaned():  # the parent died before the kernel was asked to tell us
        os._exit(1)

    def watch() -> None:
        while not orphaned():
            time.sleep(PARENT_POLL)
        os._exit(1)

    threading.Thread(target=watch, name="posture-parent-watch", daemon=True).start()


def _ask_kernel_for_parent_death_signal() -> None:
    """``prctl(PR_SET_PDEATHSIG, SIGKILL)`` if libc offers it; the polling thread is the fallback."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)  # the running process, libc included
        libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
    except (OSError, AttributeError):  # pragma: no cover - no usable libc
        pass


def _alive(pid: int) -> bool:
    """Whether ``pid`` runs (on Linux a zombie, dead but not yet reaped, counts as gone)."""
    if Path("/proc/self/stat").exists():
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            return False
        return stat.rpartition(")")[2].split()[:1] != ["Z"]
    try:  # pragma: no cover - no /proc: ask the kernel
        os.kill(pid, 0)
    except ProcessLookupError:  # pragma: no cover
        return False
    except PermissionError:  # pragma: no cover
        pass
    return True  # pragma: no cover


def _run_task(point: int, start: int, stop: int) -> ChunkResult:
    assert _WORKER is not None, "worker not initialised"
    return _run_shared(_WORKER, point, start, stop)


def _run_shared(context: Context, point: int, start: int, stop: int) -> ChunkResult:
    """Dask task: the context arrives once per worker as a scattered object."""
    scenarios, plan = context
    return replicate(scenarios[point], plan, point, start, stop)


# ----------------------------------------------------------------------- executors
OnResult = Callable[[ChunkResult], None]


def _drain(
    submit: Callable[[Task], Future[ChunkResult]], tasks: Iterable[Task], window: int, on_result: OnResult
) -> None:
    """Keep at most ``window`` tasks in flight, handing each result on as it completes.

    A finished chunk is dropped as soon as it is stored: neither the task list's futures nor
    their results accumulate, so memory does not grow with the number of replications.
    """
    queue = iter(tasks)
    running: set[Future[ChunkResult]] = {submit(t) for t in itertools.islice(queue, window)}
    while running:
        done, running = wait(running, return_when=FIRST_COMPLETED)
        for fut in done:
            on_result(fut.result())
        running |= {submit(t) for t in itertools.islice(queue, len(done))}


def run_tasks(tasks: Iterable[Task], scenarios: list[Scenario], plan: RunPlan, on_result: OnResult) -> None:
    """Run tasks on the plan's executor, handing each chunk to ``on_result`` as it finishes.

    ``tasks`` is taken lazily, a few at a time per worker; nothing starts if it is empty.
    """
    queue = iter(tasks)
    first = next(queue, None)
    if first is None:
        return
    tasks = itertools.chain([first], queue)
    if plan.dask:
        _run_dask(tasks, scenarios, plan, on_result)
    elif plan.jobs <= 1:
        for point, start, stop in tasks:
            on_result(replicate(scenarios[point], plan, point, start, stop))
    else:
        pool = ProcessPoolExecutor(
            max_workers=plan.jobs, initializer=_init_worker, initargs=(scenarios, plan, os.getpid())
        )
        try:
            _drain(lambda t: pool.submit(_run_task, *t), tasks, 4 * plan.jobs, on_result)
        except BaseException:  # Ctrl-C or an error: chunks in flight would not be stored
            kill_workers(pool)
            raise
        finally:
            pool.shutdown(wait=True, cancel_futures=True)


def kill_workers(pool: ProcessPoolExecutor) -> None:
    """Stop a pool's workers at once, rather than wait for the tasks they are running.

    After Ctrl-C or an error nothing they are computing will be kept (a chunk is stored only
    whole, a calibration keeps nothing of an unfinished generation), so waiting would only
    delay the exit by as long as a task takes. Workers ignore SIGINT and forked ones carry
    the parent's SIGTERM handler, so they are killed.
    """
    for proc in list((getattr(pool, "_processes", None) or {}).values()):
        with contextlib.suppress(OSError, ValueError):  # already gone, or closed
            proc.kill()


def _run_dask(tasks: Iterable[Task], scenarios: list[Scenario], plan: RunPlan, on_result: OnResult) -> None:
    with dask_client(plan) as client:
        context = client.scatter((scenarios, plan), broadcast=True)
        pool = client.get_executor(pure=False)
        _drain(lambda t: pool.submit(_run_shared, context, *t), tasks, 4 * max(1, plan.jobs), on_result)


@contextmanager
def dask_client(plan: RunPlan) -> Iterator[Any]:
    """A ``distributed.Client`` of the plan's scheduler, or of a local cluster of ``plan.jobs``
    single-threaded workers; closed (with its cluster) on leaving. Raises
    :class:`~.plan.ExecutorError` if Dask is missing or the scheduler cannot be reached."""
    try:
        from distributed import Client, LocalCluster
    except ImportError:  # pragma: no cover - depends on the optional extra
        raise ExecutorError(
            "the dask executor needs the optional extra: pip install 'posture-sim[dask]'"
        ) from None
    cluster = None
    if plan.scheduler:
        try:
            client = Client(plan.scheduler, timeout="20s")
        except (OSError, TimeoutError) as exc:
            raise ExecutorError(f"cannot reach the Dask scheduler at {plan.scheduler}: {exc}") from None
    else:
        cluster = LocalCluster(
            n_workers=max(1, plan.jobs),
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        )
        client = Client(cluster)
    try:
        yield client
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


# ----------------------------------------------------------------------- experiments
def chunk_tasks(points: int, n: int, chunk: int) -> Iterator[Task]:
    """Every ``(point, start, stop)`` task, replications cut into fixed-size chunks, made as
    they are taken: a run of ``-n 10**9`` starts at once, without a list of every chunk."""
    return ((p, s, min(s + chunk, n)) for p in range(points) for s in range(0, n, chunk))


def is_task(task: Task, points: int, n: int, chunk: int) -> bool:
    """Whether ``task`` is one of :func:`chunk_tasks` (a stored chunk of this very plan)."""
    p, start, stop = task
    return 0 <= p < points and 0 <= start < n and start % chunk == 0 and stop == min(start + chunk, n)


def fingerprint(points: Sequence[Point], plan: RunPlan) -> dict[str, str]:
    """What a stored result was computed from; a store with another fingerprint is stale."""
    h = hashlib.sha256()
    for p in points:
        h.update(p.scenario.model_dump_json().encode())
        h.update(json.dumps(p.factors, sort_keys=True, default=str).encode())
    return {
        "scenarios": h.hexdigest(),
        "seed": str(plan.seed),
        "deterministic": str(plan.deterministic),
        "chunk": str(plan.chunk),
        "columns": signature(),
        "parameters": plan.parameters.digest if plan.parameters else "priors",
        "posture": __version__,
        "model": str(MODEL_REVISION),
        "format": "3",
    }


def as_points(scenario: Scenario | Point | Sequence[Scenario | Point]) -> list[Point]:
    """A scenario, a point, or a list of either, as a list of points."""
    items = [scenario] if isinstance(scenario, Scenario | Point) else list(scenario)
    return [p if isinstance(p, Point) else Point(p) for p in items]


def simulate_many(
    scenario: Scenario | Point | Sequence[Scenario | Point],
    n: int | None = None,
    store: Path | str | None = None,
    *,
    plan: RunPlan | None = None,
    progress: Progress | None = None,
    notice: Notice | None = None,
    **options: Unpack[PlanOptions],
) -> RunStore:
    """Run ``n`` replications of every point into a :class:`~.store.RunStore`, resuming if possible.

    ``scenario`` is one scenario (or :class:`~.plan.Point`) or a list of them, the points of a
    sweep. How to run is either ``plan`` or the :class:`~.plan.RunPlan` fields as keyword
    arguments (``seed``, ``deterministic``, ``chunk``, ``jobs``, ``executor``, ``scheduler``,
    ``parameters``);
    ``n`` may be given with a plan only if it agrees. ``store`` is the SQLite file (created with
    its folder; ``None``: a temporary file removed when the store is closed). A store that
    already holds chunks of the same experiment is resumed or extended.

    ``progress(done, total)`` is called as replications complete; ``notice`` receives one-line
    messages about resuming. Returns the open, finalized store; close it (or use it in a
    ``with`` block) when done.
    """
    plan = make_plan(plan, n, options)
    points = as_points(scenario)
    out = RunStore(store, fingerprint(points, plan))
    done = {t for t in out.done_chunks() if is_task(t, len(points), plan.n, plan.chunk)}
    todo = (t for t in chunk_tasks(len(points), plan.n, plan.chunk) if t not in done)
    total = len(points) * plan.n
    finished = sum(stop - start for _, start, stop in done)
    if notice and finished:
        notice(f"resuming: {finished:,} of {total:,} replications already stored in {out.path}")
    elif notice and out.fresh:
        notice(f"{out.path} held results of a different command; starting afresh")
    if progress:
        progress(finished, total)

    def record(result: ChunkResult) -> None:
        nonlocal finished
        out.write(result)
        finished += len(result)
        if progress:
            progress(finished, total)

    run_tasks(todo, [p.scenario for p in points], plan, record)
    out.finalize()
    return out


def simulate_factors(
    path: Path | str,
    factors: Sequence[tuple[str, list[str]]],
    n: int | None = None,
    store: Path | str | None = None,
    *,
    plan: RunPlan | None = None,
    overrides: Sequence[str] = (),
    events: Sequence[str] = (),
    progress: Progress | None = None,
    notice: Notice | None = None,
    **options: Unpack[PlanOptions],
) -> tuple[list[Point], RunStore]:
    """Replicate every point of a factor grid over a file (common random numbers across points).

    ``overrides`` (``--set``) and ``events`` (``--event``) apply to every point; the rest is
    as for :func:`simulate_many`.
    """
    points = factor_points(path, factors, overrides, events)
    runs = simulate_many(points, n, store, plan=plan, progress=progress, notice=notice, **options)
    return points, runs
