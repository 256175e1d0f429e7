"""Named parameters: planning factors shared by every value that refers to them.

A scenario may declare planning factors under ``parameters:``, each with a prior::

    parameters:
      tvar:
        prior: {uniform: [0.6, 0.95]}
        cite: "P9"
    fleets:
      het:
        availability: {param: tvar}

Any quantity or count (and a duty's ``hours_per_day``) may be ``{param: NAME}``. Each
replication draws every parameter once, from its own stream ``param/NAME``, and every value
naming it takes that draw, fitted to its field (:mod:`sim.engine.realise`). A prior may be a
plain number: the parameter is then fixed, which is how a sweep or a sensitivity design sets
one (``--set parameters.tvar.prior=0.8``).

A posterior file (:mod:`.posterior`) may replace the priors for a run.
"""

from __future__ import annotations

import math
from typing import Annotated, Any

from pydantic import BeforeValidator

from .distributions import Distribution, parse_distribution
from .fields import Cite, Model

PRIOR_SHAPES = "a number (a fixed value) or a distribution such as {uniform: [0.6, 0.95]}"


def as_prior(value: Any) -> Distribution:
    """A prior from its scenario value, or ``ValueError``: a distribution drawn once per
    replication, or a plain number (a point mass, stored as ``uniform[v, v]``)."""
    if isinstance(value, Distribution):
        return value
    if isinstance(value, bool) or not isinstance(value, int | float | dict):
        raise ValueError(f"a prior is {PRIOR_SHAPES}, got {value!r}")
    if isinstance(value, dict):
        if value.get("per", "replication") != "replication":
            raise ValueError("a parameter is drawn once per replication: leave per: out of its prior")
        return parse_distribution({**value, "per": "replication"})
    v = float(value)
    if not math.isfinite(v) or v < 0:
        raise ValueError(f"a fixed prior must be a finite number >= 0, got {value!r}")
    return Distribution(family="uniform", params=(v, v), per="replication")


class Parameter(Model):
    """A named planning factor: its prior, and where it comes from."""

    prior: Annotated[Distribution, BeforeValidator(as_prior)]
    description: str | None = None
    cite: Cite = None

    @property
    def fixed(self) -> bool:
        """Whether the prior is a single value."""
        low, high = self.prior.bounds
        return low == high


def declared_priors(data: Any) -> dict[str, Distribution | None]:
    """The priors of the parameters declared in raw scenario data, by name (None where the
    prior is not valid: the schema reports why), for the validation of ``{param: NAME}``."""
    block = data.get("parameters") if isinstance(data, dict) else None
    if not isinstance(block, dict):
        return {}
    out: dict[str, Distribution | None] = {}
    for name, body in block.items():
        try:
            out[str(name)] = as_prior(body.get("prior")) if isinstance(body, dict) else None
        except ValueError:
            out[str(name)] = None
    return out
