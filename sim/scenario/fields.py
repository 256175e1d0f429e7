"""The value types of the scenario format: ids, counts, dates, durations, speeds, shares.

Every scenario part is a :class:`Model`: unknown keys are errors (a typo must never be
silently ignored) and values are frozen once built (a run cannot change its own inputs).
Quantities that may be uncertain (hours, speeds, shares) accept a number or a distribution
(:mod:`.distributions`) and are range-checked either way. Counts and rates (``CountQ``,
``PositiveCountQ``, ``KmQ``, ...) accept a :class:`Drawn` distribution too, drawn once per
replication by :mod:`sim.engine.realise`. Units: hours for durations, days for
scenario dates and horizons, km and km/h for road movement, short tons for weight.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    StringConstraints,
    ValidationInfo,
    ValidatorFunctionWrapHandler,
    WrapValidator,
)

from .distributions import KEYS, NUMBER_OR_DIST, Distribution, as_float, parse_distribution

PERSONNEL = "personnel"
"""The cargo class of people. It exists in every scenario, declared or not."""

ID_PATTERN = r"^[A-Za-z][A-Za-z0-9_-]*$"
Id = Annotated[str, StringConstraints(pattern=ID_PATTERN, max_length=64)]

MAX_COUNT = 100_000_000
MAX_HOURS = 100_000.0
MAX_KM = 50_000.0
MAX_DAYS = 3_660.0

Count = Annotated[int, Field(strict=True, ge=0, le=MAX_COUNT)]
PositiveCount = Annotated[int, Field(strict=True, ge=1, le=MAX_COUNT)]
Real = Annotated[float, Field(strict=True, allow_inf_nan=False)]
Cite = str | dict[str, str] | None


def _priority(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_COUNT:
        raise ValueError(
            f"priority must be an integer >= 0 and <= {MAX_COUNT} (lower is served first), got {value!r}"
        )
    return value


Priority = Annotated[int, BeforeValidator(_priority)]
"""A move's place in the order of service: an integer >= 0, lower served first."""


_YMD = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_NUMERIC = re.compile(r"[-+]?[0-9.]+")


def _no_number_dates(value: Any) -> Any:
    text = value.strip() if isinstance(value, str) else None
    if isinstance(value, bool | int | float) or (text is not None and _NUMERIC.fullmatch(text)):
        raise ValueError(f"expected a date as YYYY-MM-DD, got {value!r}")
    if isinstance(value, dt.datetime) or (text is not None and _YMD.match(text) and len(text) > 10):
        raise ValueError(f"give a date YYYY-MM-DD without a time, got {str(value)!r}")
    return value


Date = Annotated[dt.date, BeforeValidator(_no_number_dates)]
"""A calendar date written YYYY-MM-DD (numbers are refused, not read as Unix time, and so is
a time of day, even 00:00)."""


class ParamRef(BaseModel):
    """``{param: NAME}``: the value of the parameter NAME, declared under ``parameters:``.

    :func:`referred` reads it; this model only declares the form for the JSON Schema of a
    scenario file (:mod:`.jsonschema`)."""

    model_config = ConfigDict(extra="forbid")

    param: Id


def _written(number: type[int] | type[float], low: float, high: float, *, positive: bool, dist: type) -> Any:
    """The forms a value takes in a scenario file, for the JSON Schema (``json_schema_input_type``):
    a number in range, a distribution ``dist`` (:class:`Distribution`, or :class:`Drawn` for
    one drawn once per replication), or ``{param: NAME}``."""
    least = int(low) if number is int else low
    bound = Field(ge=1) if positive and number is int else Field(gt=least) if positive else Field(ge=least)
    return Annotated[number, bound, Field(le=high)] | dist | ParamRef


def _quantity_validator(low: float, high: float, *, positive: bool) -> BeforeValidator:
    def check(value: Any, info: ValidationInfo) -> Any:
        ref = referred(value, info)
        if ref is not None:
            value = ref.model_copy(update={"low": low, "high": high})
        if isinstance(value, Distribution):
            dist = value
        elif isinstance(value, dict):
            dist = parse_distribution(value)
        else:
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ValueError(f"expected {NUMBER_OR_DIST}, got {value!r}")
            v = as_float(value)
            if not math.isfinite(v):
                raise ValueError(f"must be a finite number, got {value!r}")
            if v < low or v > high or (positive and v <= 0):
                rel = "> 0" if positive else f">= {low:g}"
                raise ValueError(f"must be {rel} and <= {high:g}, got {value!r}")
            return v
        lo, hi = dist.bounds
        if lo < low or (hi > high and math.isfinite(hi)):
            raise ValueError(f"{subject(dist)} must stay within [{low:g}, {high:g}], got {dist.describe()}")
        if positive and dist.central <= 0:
            raise ValueError(f"{subject(dist)} must have a central value > 0, got {dist.describe()}")
        if not dist.central <= high:
            raise ValueError(
                f"{subject(dist)}'s central value (used by --deterministic) must be <= {high:g}, "
                f"got {dist.describe()}"
            )
        return dist

    return BeforeValidator(
        check, json_schema_input_type=_written(float, low, high, positive=positive, dist=Distribution)
    )


Hours = Annotated[float | Distribution, _quantity_validator(0.0, MAX_HOURS, positive=False)]
"""A duration in hours >= 0, or a distribution of one."""
Speed = Annotated[float | Distribution, _quantity_validator(0.0, 2_000.0, positive=True)]
"""A speed in km/h > 0, or a distribution of one."""
Fraction = Annotated[float | Distribution, _quantity_validator(0.0, 1.0, positive=False)]
"""A share between 0 and 1, or a distribution of one."""

ONCE = "counts and rates are drawn once per replication: per: occurrence is refused here (leave per: out)"


class Drawn(Distribution):
    """A distribution standing for a count or rate that holds for a whole replication.

    It is drawn once per replication (:mod:`sim.engine.realise`), rounded half to even if
    ``integer`` and kept within ``[low, high]``; the engine only ever sees the value drawn.
    """

    per: Literal["occurrence", "replication"] = "replication"
    integer: bool = False
    low: float = 0.0
    high: float = math.inf

    def fit(self, value: float) -> float | int:
        """A draw (or the central value) as the field takes it: rounded, within range."""
        if self.integer:
            return int(min(max(round(float(value)), self.low), self.high))
        return min(max(float(value), self.low), self.high)


class Param(Drawn):
    """A value that refers to a named parameter (``{param: tvar}``): the parameter's prior,
    drawn once per replication for the whole scenario and shared by every value naming it
    (:mod:`sim.engine.realise`), then fitted to each field (rounded for counts, kept in range).
    """

    name: str

    def describe(self) -> str:
        """The parameter's prior, as messages quote it after :func:`subject` names the parameter."""
        return f"{self.family}{list(self.params)}"


def subject(dist: Distribution) -> str:
    """What a message about a distribution calls it: the prior of a parameter, or itself."""
    return f"the prior of parameter {dist.name!r}" if isinstance(dist, Param) else "distribution"


PARAMETERS = "parameters"
"""The validation context key holding the priors of the declared parameters (name: prior, or
None for a prior that is not valid)."""


def referred(value: Any, info: ValidationInfo) -> Param | None:
    """The :class:`Param` a ``{param: NAME}`` mapping stands for, None if ``value`` is not one.

    Raises ``ValueError`` if it names no declared parameter, or one whose prior is not valid.
    """
    if not isinstance(value, dict) or "param" not in value:
        return None
    name = value["param"]
    if len(value) != 1 or not isinstance(name, str):
        raise ValueError(f"a reference to a parameter is {{param: NAME}} and nothing else, got {value!r}")
    priors: dict[str, Distribution | None] = (info.context or {}).get(PARAMETERS, {})
    if name not in priors:
        declared = ", ".join(map(repr, priors)) if priors else "none are declared under parameters:"
        raise ValueError(f"names no parameter {name!r}; declared: {declared}")
    prior = priors[name]
    if prior is None:
        raise ValueError(
            f"refers to parameter {name!r}, whose prior is not valid (see parameters.{name}.prior)"
        )
    return Param(family=prior.family, params=prior.params, per="replication", name=name)


def _drawn_validator(high: float, *, integer: bool, positive: bool) -> WrapValidator:
    """Accept a distribution (one per replication) besides what the plain type accepts."""
    floor = (1.0 if integer else 1e-3) if positive else 0.0

    def check(value: Any, handler: ValidatorFunctionWrapHandler, info: ValidationInfo) -> Any:
        value = referred(value, info) or value
        if not isinstance(value, dict | Distribution):
            return handler(value)
        if isinstance(value, Distribution):
            dist = value
        else:
            if value.get("per") == "occurrence":
                raise ValueError(ONCE)
            dist = parse_distribution({**value, "per": value.get("per", "replication")})
        hi = dist.bounds[1]
        if (hi > high and math.isfinite(hi)) or dist.central > high:
            raise ValueError(f"{subject(dist)} must stay within [0, {high:g}], got {dist.describe()}")
        fitted = Drawn(family=dist.family, params=dist.params, integer=integer, low=floor, high=high)
        drawn = Param(**fitted.model_dump(), name=dist.name) if isinstance(dist, Param) else fitted
        if positive and (round(dist.central) if integer else dist.central) <= 0:
            rel = "a rounded central value >= 1" if integer else "a central value > 0"
            raise ValueError(f"{subject(dist)} must have {rel}, got {dist.describe()}")
        return drawn

    number = int if integer else float
    form = _written(number, 0.0, high, positive=positive, dist=Drawn)
    return WrapValidator(check, json_schema_input_type=form)


def _dump(value: Any) -> Any:
    return value.model_dump() if isinstance(value, Distribution) else value


AS_IS = PlainSerializer(_dump, return_type=Any)
"""Serialises a value that may be a :class:`Drawn` (a number as it is, a distribution as a mapping)."""


def rated(high: float, *, positive: bool = True) -> WrapValidator:
    """Let a number (> 0 if ``positive``, else >= 0) and <= ``high`` (with its own validators)
    be a distribution, drawn once per replication, or a ``{param: NAME}``; annotate with
    :data:`AS_IS` as well."""
    return _drawn_validator(high, integer=False, positive=positive)


def counted(high: float) -> WrapValidator:
    """Let a whole number >= 1 and <= ``high`` (with its own validators) be a distribution too;
    annotate with :data:`AS_IS` as well."""
    return _drawn_validator(high, integer=True, positive=True)


CountQ = Annotated[Count, _drawn_validator(MAX_COUNT, integer=True, positive=False), AS_IS]
"""A count >= 0, or a distribution of one (drawn once per replication, rounded half to even).

Typed ``int``: the engine reads only realised scenarios (:mod:`sim.engine.realise`). Before
that a value may be a :class:`Drawn`; read it with :func:`least`, :func:`most` or
:func:`middle`."""
PositiveCountQ = Annotated[PositiveCount, _drawn_validator(MAX_COUNT, integer=True, positive=True), AS_IS]
"""A count >= 1, or a distribution of one (draws below 1 become 1)."""


ShareQ = Annotated[Real, Field(ge=0, le=1), _drawn_validator(1.0, integer=False, positive=False), AS_IS]
"""A share in [0, 1], or a distribution of one (drawn once per replication)."""
KmQ = Annotated[Real, Field(gt=0, le=MAX_KM), _drawn_validator(MAX_KM, integer=False, positive=True), AS_IS]
"""A distance in km > 0, or a distribution of one (drawn once per replication)."""
DayQ = Annotated[
    Real, Field(ge=0, le=MAX_DAYS), _drawn_validator(MAX_DAYS, integer=False, positive=False), AS_IS
]
"""A day from day 0, or a distribution of one (drawn once per replication)."""
PerDayQ = Annotated[
    Real, Field(gt=0, le=10_000), _drawn_validator(10_000, integer=False, positive=True), AS_IS
]
"""A rate per day > 0 and <= 10,000, or a distribution of one (drawn once per replication)."""
PerHourQ = Annotated[
    Real, Field(gt=0, le=100_000), _drawn_validator(100_000, integer=False, positive=True), AS_IS
]
"""A rate per hour > 0 and <= 100,000, or a distribution of one (drawn once per replication)."""


def least(value: float | Distribution) -> float:
    """The smallest value a count or rate can take (a distribution's lower bound, in range)."""
    if isinstance(value, Drawn):
        return max(value.bounds[0], value.low)
    return value.bounds[0] if isinstance(value, Distribution) else float(value)


def most(value: float | Distribution) -> float:
    """The largest value a count or rate can take (a distribution's upper bound, in range)."""
    if isinstance(value, Drawn):
        return min(value.bounds[1], value.high)
    return value.bounds[1] if isinstance(value, Distribution) else float(value)


def drawn_at(*values: float | Distribution) -> str:
    """`` with each distribution at its upper bound`` if any value is one (for messages)."""
    return (
        " with each distribution at its upper bound"
        if any(isinstance(v, Distribution) for v in values)
        else ""
    )


def middle(value: float | Distribution) -> float:
    """A count's or rate's central value (the value itself if it is a number)."""
    return value.central if isinstance(value, Distribution) else float(value)


def shown(value: float | Distribution, spec: str | None = None) -> str:
    """A count or rate for a table: ``1,200``, ``triangular 280–1,000–3,100`` or ``normal
    mean 35 sd 5``. ``spec`` formats each figure (default: ``,`` for a count, ``g`` else)."""
    if not isinstance(value, Distribution):
        return format(value, spec or ("," if isinstance(value, int) else "g"))
    if isinstance(value, Param):
        prior = Distribution(family=value.family, params=value.params)
        return f"parameter {value.name} ({shown(prior, spec)})"
    integer = isinstance(value, Drawn) and value.integer
    figures = [
        format(p, spec) if spec else (f"{int(p):,}" if p == int(p) else f"{p:,g}") if integer else f"{p:g}"
        for p in value.params
    ]
    if value.family in ("triangular", "uniform"):
        return f"{value.family} " + "–".join(figures)
    return f"{value.family} " + " ".join(f"{k} {v}" for k, v in zip(KEYS[value.family], figures, strict=True))


def shown_each(counts: dict[str, int]) -> str:
    """Counts by key for a table, in words: ``200 personnel, 40 mrap`` (:func:`shown` values)."""
    return ", ".join(f"{shown(v)} {k}" for k, v in counts.items())


def total(values: list[int]) -> str:
    """The sum of counts for a table: ``1,200``; one distribution as :func:`shown`; several
    as ``1,150 central (280–3,400)``: the sum of central values, then of the bounds."""
    if not any(isinstance(v, Distribution) for v in values):
        return f"{sum(values):,}"
    if len(given := [v for v in values if isinstance(v, Distribution) or v]) == 1:
        return shown(given[0])
    low, high = sum(map(least, values)), sum(map(most, values))
    return f"{sum(map(middle, values)):,.0f} central ({low:,.0f}–{high:,.0f})"


class Model(BaseModel):
    """Base for every scenario part: unknown keys are errors, and values are frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


Mode = Literal["road", "air", "any"]
