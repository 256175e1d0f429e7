"""The value types of the scenario format: ids, counts, dates, durations, speeds, shares.

Every scenario part is a :class:`Model`: unknown keys are errors (a typo must never be
silently ignored) and values are frozen once built (a run cannot change its own inputs).
Quantities that may be uncertain (hours, speeds, shares) accept a number or a distribution
(:mod:`.distributions`) and are range-checked either way. Units: hours for durations, days for
scenario dates and horizons, km and km/h for road movement, short tons for weight.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

from .distributions import NUMBER_OR_DIST, Distribution, as_float, parse_distribution

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


def _no_number_dates(value: Any) -> Any:
    if isinstance(value, bool | int | float):
        raise ValueError(f"expected a date as YYYY-MM-DD, got {value!r}")
    return value


Date = Annotated[dt.date, BeforeValidator(_no_number_dates)]
"""A calendar date written YYYY-MM-DD (numbers are refused, not read as Unix time)."""


def _quantity_validator(low: float, high: float, *, positive: bool) -> BeforeValidator:
    def check(value: Any) -> Any:
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
            raise ValueError(f"distribution must stay within [{low:g}, {high:g}], got {dist.describe()}")
        if positive and dist.central <= 0:
            raise ValueError(f"distribution must have a central value > 0, got {dist.describe()}")
        return dist

    return BeforeValidator(check)


Hours = Annotated[float | Distribution, _quantity_validator(0.0, MAX_HOURS, positive=False)]
"""A duration in hours >= 0, or a distribution of one."""
Speed = Annotated[float | Distribution, _quantity_validator(0.0, 2_000.0, positive=True)]
"""A speed in km/h > 0, or a distribution of one."""
Fraction = Annotated[float | Distribution, _quantity_validator(0.0, 1.0, positive=False)]
"""A share between 0 and 1, or a distribution of one."""


class Model(BaseModel):
    """Base for every scenario part: unknown keys are errors, and values are frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


Mode = Literal["road", "air", "any"]
