"""Reading every replication a block of days at a time, each replication read once.

Percentile bands need, for each day, that day's value in every replication; the store keeps
one array per replication, all days together. Reading a block of days from every
replication, block after block, reads the whole column once per block, and the number of
blocks grows with ``n``: a 1,000-site, 3,660-day run took time quadratic in ``n``. Here a
column that fits in the memory budget is read once and cut into blocks; a larger one is
read once into a day-major scratch file (``.bands-*`` beside the store, removed after), and
the blocks come from that file. Either way each replication's array is read once, so the
work is linear in ``n`` and memory stays within the budget.
"""

from __future__ import annotations

import math
import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from .columns import column
from .store import RunStore

BLOCK_BYTES = 16 * 2**20
"""Memory for one block of days over every replication."""


def day_step(n: int, shape: tuple[int, ...], itemsize: int, budget: int | None = None) -> int:
    """How many days of ``n`` replications of arrays of ``shape`` fit in ``budget`` bytes
    (:data:`BLOCK_BYTES` if not given)."""
    per_day = max(1, n * math.prod(shape[1:]) * itemsize)
    return max(1, min(shape[0], (BLOCK_BYTES if budget is None else budget) // per_day))


def day_blocks(
    store: RunStore, point: int, n: int, name: str, shape: tuple[int, ...], budget: int | None = None
) -> Iterator[tuple[int, np.ndarray]]:
    """``(first day, block)`` pairs covering every day of column ``name`` for replications
    ``0..n-1`` of ``point``; each block has shape ``(replications, days, *shape[1:])``."""
    n_days = shape[0]
    dtype = np.dtype(column(name).dtype)
    step = day_step(n, shape, dtype.itemsize, budget)
    if step >= n_days:
        whole = store.block(point, n, name, shape, slice(0, n_days))
        if n_days:
            yield 0, whole
        return
    with tempfile.TemporaryDirectory(dir=Path(store.path).parent, prefix=".bands-") as folder:
        scratch = np.lib.format.open_memmap(
            Path(folder) / "day-major.npy", mode="w+", dtype=dtype, shape=(n_days, n, *shape[1:])
        )
        k = 0
        for k, array in enumerate(store.arrays(point, n, name, shape), start=1):
            scratch[:, k - 1] = array
        for lo in range(0, n_days, step):
            yield lo, np.ascontiguousarray(scratch[lo : lo + step, :k].swapaxes(0, 1))
        del scratch
