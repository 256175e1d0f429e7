"""Sampling ABC candidates in a fixed order, so a seed gives one posterior whatever runs it.

pyabc draws every proposal (which particle to perturb, the perturbation, a draw from the
prior) from numpy's **global** generator, and its parallel samplers reseed that generator
from the operating system in each worker and keep whichever candidates finish first: their
posterior changes with the number of workers and with timing. posture instead numbers the
candidates of each generation ``0, 1, 2, ...`` and evaluates candidate ``i`` of generation
``t`` with numpy's global generator seeded from
``SeedSequence(seed, spawn_key=(stream_key("calibrate"), t, i))`` and restored afterwards
(:func:`confined`), so a candidate's outcome depends on its number alone. Candidates go
out in batches (their size depends only on the acceptance rate so far, never on the number
of workers) and come back in order; the generation keeps the first ``population`` accepted
in that order, exactly what a single process evaluating them one after another would keep.

The global generator is the one piece of global random state posture touches, because pyabc
needs it; :func:`confined` seeds it for one candidate (or for one whole calibration, in the
calling process) and puts the previous state back.

Where candidates run: in this process (``jobs`` 1), a process pool of ``jobs`` workers, or
Dask (:func:`~.runner.dask_client`). The budget is a hard cap on the simulations run: a
batch never goes past it, and a generation that cannot finish within it is abandoned
(pyabc then stops with the generations before it). On Ctrl-C the pool's workers are killed
rather than waited for: a stopped calibration keeps nothing of the generation they were
computing.
"""

from __future__ import annotations

import math
import os
import signal
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..engine.streams import stream_key
from .plan import RunPlan

STREAM = "calibrate"
"""The name whose key seeds every candidate of a calibration."""
MIN_BATCH = 16
"""The fewest candidates sent out at once."""
TASKS_PER_WORKER = 4
"""A batch is cut into about this many tasks per worker (it changes nothing but the speed)."""

Evaluate = Callable[[bytes, int, int, Sequence[range]], list[list[Any]]]
"""Run the candidates numbered in each range (pickled pyabc ``simulate_one``, seed, generation);
one list of pyabc particles per range, in order."""
Progress = Callable[["GenerationDone"], None]


@dataclass(frozen=True)
class GenerationDone:
    """What the sampler reports when a generation is complete (or abandoned)."""

    t: int
    epsilon: float
    accepted: int
    evaluations: int  # candidates up to the last one kept (pyabc's count)
    simulations: int  # simulations run so far, in every generation
    complete: bool


def candidate_seed(seed: int, t: int, i: int) -> np.ndarray:
    """The legacy-numpy seed of candidate ``i`` of generation ``t``."""
    seq = np.random.SeedSequence(seed, spawn_key=(stream_key(STREAM), t, i))
    return seq.generate_state(4)


@contextmanager
def confined(seed: np.ndarray | int) -> Iterator[None]:
    """Seed numpy's global generator (what pyabc draws from) and restore its state on leaving."""
    saved = np.random.get_state()
    np.random.seed(seed)
    try:
        yield
    finally:
        np.random.set_state(saved)


def evaluate_candidates(payload: bytes, seed: int, t: int, numbers: range) -> list[Any]:
    """Run candidates ``numbers`` of generation ``t``: each a pyabc particle, in order."""
    import cloudpickle  # type: ignore[import-untyped]  # comes with pyabc

    simulate_one = cloudpickle.loads(payload)
    out = []
    for i in numbers:
        with confined(candidate_seed(seed, t, i)):
            out.append(simulate_one())
    return out


def split(numbers: range, parts: int) -> list[range]:
    """``numbers`` cut into at most ``parts`` consecutive, nearly equal ranges."""
    parts = max(1, min(parts, len(numbers)))
    size = math.ceil(len(numbers) / parts)
    return [range(lo, min(lo + size, numbers.stop)) for lo in range(numbers.start, numbers.stop, size)]


def _init_worker(parent: int) -> None:
    """Process-pool initializer: leave Ctrl-C to the parent, exit if the parent dies."""
    from .runner import _watch_parent

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _watch_parent(parent)


@contextmanager
def evaluator(plan: RunPlan) -> Iterator[Evaluate]:
    """Where candidates run, for the length of a calibration: this process, a pool, or Dask."""
    if plan.dask:
        from .runner import dask_client

        with dask_client(plan) as client:
            sent: dict[bytes, Any] = {}  # the generation's payload, scattered once

            def on_dask(payload: bytes, seed: int, t: int, chunks: Sequence[range]) -> list[list[Any]]:
                if payload not in sent:
                    sent.clear()
                    sent[payload] = client.scatter(payload, broadcast=True, hash=False)
                shared = sent[payload]
                futures = [client.submit(evaluate_candidates, shared, seed, t, c, pure=False) for c in chunks]
                return list(client.gather(futures))

            yield on_dask
    elif plan.jobs <= 1:
        yield lambda payload, seed, t, chunks: [evaluate_candidates(payload, seed, t, c) for c in chunks]
    else:
        pool = ProcessPoolExecutor(max_workers=plan.jobs, initializer=_init_worker, initargs=(os.getpid(),))
        try:

            def on_pool(payload: bytes, seed: int, t: int, chunks: Sequence[range]) -> list[list[Any]]:
                futures = [pool.submit(evaluate_candidates, payload, seed, t, c) for c in chunks]
                return [f.result() for f in futures]

            yield on_pool
        except BaseException:  # Ctrl-C or an error: the candidates in flight are not wanted
            from .runner import kill_workers

            kill_workers(pool)
            raise
        finally:
            pool.shutdown(wait=True, cancel_futures=True)


def batch_size(wanted: int, rate: float, left: int, population: int) -> int:
    """How many candidates to send out for ``wanted`` more acceptances at ``rate``, within ``left``."""
    guess = wanted if rate >= 1.0 else math.ceil(1.2 * wanted / max(rate, 1e-3))
    return max(0, min(left, 50 * population, max(MIN_BATCH, guess)))


def ordered_sampler(plan: RunPlan, budget: int, evaluate: Evaluate, progress: Progress | None = None) -> Any:
    """A pyabc sampler that evaluates numbered candidates in batches and keeps them in order."""
    import cloudpickle
    from pyabc.sampler import Sampler

    class OrderedSampler(Sampler):  # type: ignore[misc]  # pyabc is untyped
        """Keeps the first ``n`` accepted candidates in number order (see the module docstring)."""

        def __init__(self) -> None:
            super().__init__()
            self.simulations = 0
            self.exhausted = False
            self.rate = 1.0

        def sample_until_n_accepted(
            self,
            n: int,
            simulate_one: Callable[[], Any],
            t: int,
            *,
            max_eval: float = np.inf,
            all_accepted: bool = False,
            ana_vars: Any = None,
        ) -> Any:
            payload = cloudpickle.dumps(simulate_one)
            sample = self._create_empty_sample()
            kept = accepted = evaluated = 0
            parts = TASKS_PER_WORKER * max(1, plan.jobs)
            while accepted < n:
                left = budget - self.simulations
                if math.isfinite(max_eval):
                    left = min(left, int(max_eval) - evaluated)
                size = batch_size(n - accepted, self.rate, left, n)
                if size <= 0:
                    break
                numbers = range(evaluated, evaluated + size)
                batch = [p for chunk in evaluate(payload, plan.seed, t, split(numbers, parts)) for p in chunk]
                self.simulations += size
                evaluated += size
                for particle in batch:
                    if accepted == n:
                        break
                    sample.append(particle)
                    kept += 1
                    accepted += int(bool(particle.accepted))
                self.rate = max(accepted, 1) / kept
            self.nr_evaluations_ = kept
            self.exhausted = accepted < n and self.simulations >= budget
            if accepted < n:
                sample.ok = False
            if progress is not None:
                eps = float(ana_vars.eps(t)) if ana_vars is not None else math.nan
                progress(GenerationDone(t, eps, accepted, kept, self.simulations, accepted == n))
            return sample

    return OrderedSampler()
