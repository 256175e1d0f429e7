"""Realisation: one replication's counts and rates, drawn before the model is built.

A count or rate given as a distribution (:mod:`sim.scenario.drawn`) holds for a whole
replication. :func:`realise` draws each one once, from its own stream ``count/PATH`` (PATH its
dotted path, e.g. ``count/fleets.het.count``), so adding a distribution never shifts the
draws of the others; rounds counts half to even (Python's ``round``: 1.5 → 2, 2.5 → 2) and
keeps every value in its field's range. A deterministic run takes the central value,
rounded. The engine then reads plain numbers only.

A scenario with no such distribution comes back as the very same object, so its shared road
network and its results are untouched.
"""

from __future__ import annotations

from ..scenario.drawn import drawn, with_values
from ..scenario.schema import Scenario
from .streams import Streams

STREAM = "count/"
"""Prefix of the streams counts and rates are drawn from (the rest is the dotted path)."""


def draws(scenario: Scenario, streams: Streams) -> dict[str, float | int]:
    """This replication's value of every count and rate given as a distribution, by path."""
    out: dict[str, float | int] = {}
    for path, dist in drawn(scenario).items():
        value = dist.central if streams.deterministic else float(dist.sample(streams.rng(STREAM + path)))
        out[path] = dist.fit(value)
    return out


def realise(scenario: Scenario, streams: Streams) -> tuple[Scenario, dict[str, float | int]]:
    """``scenario`` with this replication's draws in place of its distributions, and the draws."""
    values = draws(scenario, streams)
    return with_values(scenario, values), values
