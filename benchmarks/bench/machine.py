"""What the numbers were measured on, and how much of it was free.

* :func:`facts`: CPU, cores, memory, OS, Python and library versions.
* :func:`background_cores`: cores kept busy by *other* processes over a short window just
  before the run (Linux ``/proc/stat``). A busy machine understates every figure, the
  parallel ones most.
* :func:`parallel_ceiling`: the speed-up this machine gives two worker processes of pure
  Python over one, pool start included. The ``--jobs 2`` target is only judged when this is
  at least 1.9: below that the machine, not posture, sets the figure.
* :func:`maxrss_bytes`, :func:`rss_bytes`: peak and current resident memory (children use
  these too, so this module imports nothing beyond the standard library).
"""

from __future__ import annotations

import os
import platform
import resource
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from importlib import metadata
from typing import Any

MIB = 2**20


def maxrss_bytes(who: int = resource.RUSAGE_SELF) -> int:
    """``ru_maxrss`` in bytes (Linux reports KiB, macOS bytes)."""
    v = resource.getrusage(who).ru_maxrss
    return v if sys.platform == "darwin" else v * 1024


def rss_bytes() -> int:
    """Current resident set size of this process (Linux ``/proc``; 0 if unknown)."""
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        return 0


def _cpu_name() -> str:
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _memory_gib() -> float | None:
    try:
        with open("/proc/meminfo") as fh:
            return round(int(fh.readline().split()[1]) * 1024 / 2**30, 1)
    except (OSError, ValueError, IndexError):
        return None


def facts() -> dict[str, Any]:
    """The machine and the Python environment (versions of the installed libraries)."""
    out: dict[str, Any] = {
        "cpu": _cpu_name(),
        "cores": os.cpu_count(),
        "memory_gib": _memory_gib(),
        "os": platform.platform(),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "executable": sys.executable,
    }
    for dist in ("simpy", "numpy", "pydantic", "networkx", "typer", "psutil"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[dist] = "missing"
    return out


def background_cores(seconds: float = 2.0) -> float | None:
    """Cores kept busy by other processes over ``seconds`` (None where unknown)."""

    def read() -> tuple[int, int]:
        with open("/proc/stat") as fh:
            f = [int(x) for x in fh.readline().split()[1:]]
        idle = f[3] + f[4]
        return sum(f) - idle, sum(f)

    try:
        b0, t0 = read()
        time.sleep(seconds)
        b1, t1 = read()
    except (OSError, ValueError, IndexError):
        return None
    return (b1 - b0) / max(1, t1 - t0) * (os.cpu_count() or 1)


def load_average() -> tuple[float, float, float] | None:
    try:
        return os.getloadavg()
    except OSError:
        return None


def _burn(n: int) -> int:
    x = 0
    for i in range(n):
        x += i * i
    return x


def parallel_ceiling(seconds: float = 0.5, tasks: int = 4) -> float:
    """Speed-up of a 2-process pool over a 1-process pool on ``tasks`` pure-CPU tasks.

    Each task takes about ``seconds`` on one free core; pool start-up is inside the timing,
    as it is for ``posture run --jobs``.
    """
    t0 = time.perf_counter()
    _burn(200_000)
    n = max(10_000, int(200_000 * seconds / max(1e-6, time.perf_counter() - t0)))
    walls: dict[int, float] = {}
    for jobs in (1, 2):
        t0 = time.perf_counter()
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            list(pool.map(_burn, [n] * tasks))
        walls[jobs] = time.perf_counter() - t0
    return walls[1] / walls[2]
