"""Random streams: one named, independent generator per source of randomness.

A replication's randomness derives from the root seed and the replication index through
:class:`numpy.random.SeedSequence`. Each *source* of randomness (loading times, unloading
times, speeds, availability, breakdowns, ...) draws from its own stream, keyed by a stable
hash of its name::

    SeedSequence(entropy=root_seed, spawn_key=(replication, stream_key(name)))

so adding a new random source never shifts the draws of the others, results do not depend on
how replications are spread over workers, and sweep points that share a seed share their
draws (common random numbers). No global random state is touched anywhere.

In deterministic mode every quantity takes its central value (the mode of a triangular, the
mean of the others) and no generator is ever created.
"""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np

from ..scenario.distributions import Distribution, Quantity


def stream_key(name: str) -> int:
    """A stable 32-bit key for a stream name (Python's ``hash`` is salted per process)."""
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=4).digest(), "big")


class Streams:
    """The random streams of one replication."""

    def __init__(self, seed: int, replication: int = 0, *, deterministic: bool = False) -> None:
        self.seed = int(seed)
        self.replication = int(replication)
        self.deterministic = deterministic
        self._rngs: dict[str, np.random.Generator] = {}
        self._fixed: dict[str, float] = {}

    def rng(self, name: str) -> np.random.Generator:
        """The generator for one named source of randomness."""
        gen = self._rngs.get(name)
        if gen is None:
            seq = np.random.SeedSequence(self.seed, spawn_key=(self.replication, stream_key(name)))
            gen = self._rngs[name] = np.random.Generator(np.random.PCG64(seq))
        return gen

    def draw(self, value: Quantity, stream: str, key: str = "") -> float:
        """One value of a quantity.

        Fixed numbers come back unchanged. A distribution ``per: occurrence`` is drawn afresh
        from ``stream``; one ``per: replication`` is drawn once and remembered under ``key``.
        """
        if not isinstance(value, Distribution):
            return float(value)
        if self.deterministic:
            return value.central
        if value.per == "replication":
            memo = f"{stream}/{key}"
            if memo not in self._fixed:
                self._fixed[memo] = float(value.sample(self.rng(f"{stream}/{key}")))
            return self._fixed[memo]
        return float(value.sample(self.rng(stream)))

    def draws(self, value: Quantity, stream: str, n: int, key: str = "") -> Any:
        """``n`` values of a quantity as a float array (one per occurrence)."""
        if not isinstance(value, Distribution) or self.deterministic or value.per == "replication":
            return np.full(n, self.draw(value, stream, key))
        return np.asarray(value.sample(self.rng(stream), n), dtype=float)

    def chance(self, p: float, stream: str) -> bool:
        """A Bernoulli trial with probability ``p`` (never true in deterministic mode)."""
        if self.deterministic or p <= 0.0:
            return False
        return bool(self.rng(stream).random() < p)
