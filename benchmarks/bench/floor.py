"""The bare-SimPy floor: what SimPy alone needs for a given number of kernel events.

``procs`` processes each loop ``yield env.timeout(d)`` with ``d`` drawn from a seeded
``random.Random``. Counted the way ``sim.simulate`` counts ``Result.kernel_events``: SimPy
events scheduled (``env._eid``), with the creation of the environment inside the timing.
A model can never be faster than this per kernel event; the ratio of a replication's time to
the floor's time for the same number of events says how much Python the model spends per
event on top of the kernel.

This module needs only SimPy, so a child process can run it beside either tree.
"""

from __future__ import annotations

import random
import time
from collections.abc import Generator
from typing import Any


def run(events: int, procs: int = 100, seed: int = 12345) -> tuple[int, float]:
    """About ``events`` kernel events of a bare timeout loop: ``(events scheduled, seconds)``."""
    import simpy

    procs = max(1, min(procs, events))
    waits = max(1, round(events / procs) - 1)  # each process also costs its Initialize event
    t0 = time.perf_counter()
    env = simpy.Environment()
    draw = random.Random(seed).random

    def proc(n: int) -> Generator[Any, Any, None]:
        timeout = env.timeout
        for _ in range(n):
            yield timeout(draw())

    for _ in range(procs):
        env.process(proc(waits))
    env.run()
    seconds = time.perf_counter() - t0
    return next(env._eid), seconds


def seconds_for(events: int, procs: int = 100) -> dict[str, float]:
    """The floor's time for exactly ``events`` events, scaled from one run of about that many."""
    done, seconds = run(events, procs)
    return {
        "events_run": done,
        "seconds_run": seconds,
        "events_per_s": done / seconds,
        "seconds": seconds * events / done,
    }
