"""Bands read each replication once, whatever the memory budget (issue #14).

Reading a block of days from every replication, block after block, read the whole column
once per block; blocks grow in number with ``n``, so a large ``-n`` run took time quadratic
in ``n``. :func:`sim.experiment.blocks.day_blocks` reads each replication's array once.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import sim
from sim.experiment import blocks
from sim.experiment.columns import CURVE, MEASURES, shapes
from sim.experiment.store import RunStore

from .test_loader_errors import BASE_TEXT, write

UNCERTAIN = BASE_TEXT.replace("speed_kmh: 30", "speed_kmh: {uniform: [20, 40]}")


@pytest.mark.parametrize("name", [CURVE, MEASURES])
@pytest.mark.parametrize("budget", [1, 500, 10**9], ids=["a day per block", "a few days", "all at once"])
def test_blocks_cover_every_day_and_read_each_replication_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, budget: int
) -> None:
    scenario = sim.load_scenario(write(tmp_path, UNCERTAIN))
    shape = shapes(scenario)[name]
    n = 6
    with sim.simulate_many(scenario, n, tmp_path / "runs.sqlite", jobs=1) as store:
        whole = store.block(0, n, name, shape, slice(0, shape[0]))
        reads: list[int] = []
        real = RunStore.arrays

        def counted(self: RunStore, *args: object) -> object:
            for array in real(self, *args):  # type: ignore[arg-type]
                reads.append(1)
                yield array

        monkeypatch.setattr(RunStore, "arrays", counted)
        got = list(blocks.day_blocks(store, 0, n, name, shape, budget))
    assert sum(reads) == n  # once each, not once per block
    step = blocks.day_step(n, shape, whole.itemsize, budget)
    assert [lo for lo, _ in got] == list(range(0, shape[0], step))
    np.testing.assert_array_equal(np.concatenate([b for _, b in got], axis=1), whole)
    assert not list(tmp_path.glob(".bands-*"))  # the scratch file is gone
