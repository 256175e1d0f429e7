"""Realisation: one replication's parameters, counts and rates, drawn before the model is built.

A count or rate given as a distribution (:mod:`sim.scenario.drawn`) holds for a whole
replication. :func:`realise` draws each one once, from its own stream ``count/PATH`` (PATH its
dotted path, e.g. ``count/fleets.het.count``), so adding a distribution never shifts the
draws of the others; rounds counts half to even (Python's ``round``: 1.5 → 2, 2.5 → 2) and
keeps every value in its field's range. A deterministic run takes the central value,
rounded. The engine then reads plain numbers only.

A named parameter (:mod:`sim.scenario.parameters`) is drawn once per replication from its
prior, from the stream ``param/NAME``, and every value that refers to it (``{param: NAME}``)
takes that draw, fitted to its own field. Given parameter values (a sensitivity design
point) replace the draws; given a :class:`~sim.scenario.posterior.Posterior`, each
replication picks one of its rows by weight, from the stream ``posterior``.

A scenario with no such distribution comes back as the very same object, so its shared road
network and its results are untouched.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..scenario.drawn import drawn, with_values
from ..scenario.fields import Param
from ..scenario.posterior import Posterior
from ..scenario.schema import Scenario
from .streams import Streams

STREAM = "count/"
"""Prefix of the streams counts and rates are drawn from (the rest is the dotted path)."""
PARAM = "param/"
"""Prefix of the streams parameters are drawn from (the rest is the parameter's name)."""
POSTERIOR = "posterior"
"""The stream a posterior row is picked from."""

Given = Posterior | Mapping[str, float] | None
"""Where parameter values come from, besides the priors: a posterior, fixed values, or none."""


def parameters(scenario: Scenario, streams: Streams, given: Given = None) -> dict[str, float]:
    """This replication's value of every declared parameter, by name (declared order)."""
    chosen: Mapping[str, float] = {}
    if isinstance(given, Posterior):
        chosen = given.pick(streams.rng(POSTERIOR))
    elif given is not None:
        chosen = given
    out: dict[str, float] = {}
    for name, param in scenario.parameters.items():
        if name in chosen:
            out[name] = float(chosen[name])
        elif streams.deterministic:
            out[name] = param.prior.central
        else:
            out[name] = float(param.prior.sample(streams.rng(PARAM + name)))
    return out


def draws(
    scenario: Scenario, streams: Streams, values: Mapping[str, float] | None = None
) -> dict[str, float | int]:
    """This replication's value of every count, rate and parameter reference, by path."""
    values = values or {}
    out: dict[str, float | int] = {}
    for path, dist in drawn(scenario).items():
        if isinstance(dist, Param):
            value = values[dist.name]
        elif streams.deterministic:
            value = dist.central
        else:
            value = float(dist.sample(streams.rng(STREAM + path)))
        out[path] = dist.fit(value)
    return out


def realise(
    scenario: Scenario, streams: Streams, given: Given = None
) -> tuple[Scenario, dict[str, float | int], dict[str, float]]:
    """``scenario`` with this replication's draws in place of its distributions, the draws
    of counts and rates (parameter references left out), and the parameter values."""
    values = parameters(scenario, streams, given)
    found = draws(scenario, streams, values)
    counts = {p: v for p, v in found.items() if not isinstance(drawn(scenario)[p], Param)}
    return with_values(scenario, found), counts, values
