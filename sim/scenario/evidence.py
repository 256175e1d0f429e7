"""Evidence: what was observed during a real withdrawal, to score a run against.

An **observation** is one dated fact about one metric: a point value (``value``), or a range
(``low`` and/or ``high``; only one of them is a one-sided bound), with the weight its source
deserves (0-1). The metrics, each read at 00:00 on the date:

================== ====================================================================
``personnel``      people in theatre, or at ``site``
``percent_complete`` 100 x (units of the movement requirement arrived or disposed of) /
                   (the whole requirement); people and equipment together
``sites_open``     in-theatre sites still holding people or equipment; with ``site``: 0 or 1
``equipment``      equipment units in theatre, or at ``site``; of one ``class`` if given
``vehicle_trips``  cumulative loaded road-vehicle trips that have arrived
``sorties``        cumulative loaded sorties that have arrived; of one ``aircraft`` type if given
================== ====================================================================

The older form ``{date, personnel: N}`` is shorthand for ``metric: personnel, value: N``.

A **milestone** says when a share of the requirement was done: ``percent`` on ``date``,
optionally with the window ``earliest``-``latest`` the sources allow.

Cross-field rules (a range the right way round, a site only where a metric has one, a
percent within 0-100) are checked in :mod:`.validation`, which can name the exact key.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any, Literal

from pydantic import Field, model_validator

from .fields import Date, Id, Model, Real

Metric = Literal["personnel", "percent_complete", "sites_open", "equipment", "vehicle_trips", "sorties"]
METRICS: tuple[str, ...] = (
    "personnel",
    "percent_complete",
    "sites_open",
    "equipment",
    "vehicle_trips",
    "sorties",
)
NonNegative = Annotated[Real, Field(ge=0)]
Weight = Annotated[Real, Field(ge=0, le=1)]


class Observation(Model):
    """A dated, sourced fact about one metric: a value, a range or a one-sided bound."""

    date: Date
    metric: Metric = "personnel"
    value: NonNegative | None = None
    low: NonNegative | None = None
    high: NonNegative | None = None
    personnel: NonNegative | None = None
    site: Id | None = None
    class_: Id | None = Field(default=None, alias="class")
    aircraft: Id | None = None
    weight: Weight = 1.0
    label: str | None = None
    source: str

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        """``personnel: N`` alone means ``metric: personnel, value: N``."""
        shorthand = (
            isinstance(data, dict) and "personnel" in data and not {"value", "low", "high"} & set(data)
        )
        if shorthand and data.get("metric", "personnel") == "personnel":
            data = {**data, "value": data["personnel"], "metric": "personnel"}
        return data

    @property
    def bounds(self) -> tuple[float, float]:
        """The observed interval: ``(value, value)`` for a point, infinite where unbounded."""
        if self.value is not None:
            return (self.value, self.value)
        return (
            self.low if self.low is not None else float("-inf"),
            self.high if self.high is not None else float("inf"),
        )

    @property
    def is_point(self) -> bool:
        """Whether the observation is one value rather than a range or bound."""
        return self.value is not None

    def describe(self) -> str:
        """The observation as a person would say it: ``34,000``, ``2,000-2,300``, ``< 3,000``."""
        if self.value is not None:
            return f"{self.value:,.10g}"
        if self.low is not None and self.high is not None:
            return f"{self.low:,.10g}–{self.high:,.10g}"
        if self.high is not None:
            return f"≤ {self.high:,.10g}"
        return f"≥ {self.low:,.10g}"


class Milestone(Model):
    """When a share of the movement requirement was done."""

    percent: Annotated[Real, Field(gt=0, le=100)]
    date: Date
    earliest: Date | None = None
    latest: Date | None = None
    weight: Weight = 1.0
    label: str | None = None
    source: str

    @property
    def window(self) -> tuple[Date, Date]:
        """The dates the sources allow (the date itself when no window is given)."""
        return (self.earliest or self.date, self.latest or self.date)


SITE_METRICS = ("personnel", "equipment", "sites_open")
"""The metrics an observation may give for one ``site``."""


def shape_problems(
    here: tuple[str | int, ...], ob: Observation
) -> Iterator[tuple[tuple[str | int, ...], str]]:
    """What is wrong with one observation on its own (references to sites, classes and
    aircraft are the scenario's to check): one value or one range, of a metric that can have
    it, with ``site``, ``class`` and ``aircraft`` only where the metric takes them."""
    given = [k for k in ("value", "low", "high") if getattr(ob, k) is not None]
    if ob.value is not None and (ob.low is not None or ob.high is not None):
        yield (*here, "value"), "give either value or a range (low and/or high), not both"
    elif not given:
        yield (*here, "value"), "give value, or a range with low and/or high"
    if ob.low is not None and ob.high is not None and ob.low > ob.high:
        yield (*here, "high"), f"high ({ob.high:g}) is below low ({ob.low:g}); swap them"
    for key in given:
        v = getattr(ob, key)
        if ob.metric == "percent_complete" and v > 100:
            yield (*here, key), f"a percent must be between 0 and 100, got {v:g}"
        if ob.metric == "sites_open" and ob.site is not None and v not in (0, 1):
            yield (*here, key), f"sites_open of one site is 0 or 1, got {v:g}"
    if ob.site is not None and ob.metric not in SITE_METRICS:
        yield (
            (*here, "site"),
            f"{ob.metric} is for the whole theatre; site goes with {', '.join(SITE_METRICS)}",
        )
    if ob.class_ is not None and ob.metric != "equipment":
        yield (*here, "class"), f"class goes with metric: equipment, not {ob.metric}"
    if ob.aircraft is not None and ob.metric != "sorties":
        yield (*here, "aircraft"), f"aircraft goes with metric: sorties, not {ob.metric}"
