"""The scenario file format: every key, its type, unit, range and default.

This module is the user contract in code. Each model forbids unknown keys (a typo must never
be silently ignored) and is frozen once built (a run cannot change its own inputs). Ranges
are checked here; references between parts (a move naming a site, a phase naming a phase)
are checked in :mod:`sim.validation`, which can see the whole scenario.

Units: hours for durations, days for scenario dates and horizons, km and km/h for road
movement, short tons for weight. ``docs/scenario-format.md`` documents every field.

Any figure may carry provenance through a ``cite`` key on the object that holds it: either
one string for the whole object, or a mapping from field name to a string. A string is one
or more source ids from the top-level ``sources`` (comma separated), or it begins with
``assumption:`` and gives the reasoning.
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


class CargoClass(Model):
    """A class of things that move, e.g. ``container`` or ``tracked``."""

    short_tons: Annotated[Real, Field(ge=0, le=1_000)] | None = None
    mode: Mode = "any"
    description: str | None = None
    cite: Cite = None


class Airfield(Model):
    """A runway at a site: how many sorties a day it handles, and which aircraft it takes."""

    sorties_per_day: Annotated[Real, Field(gt=0, le=10_000)]
    types: list[Id] | None = None
    cite: Cite = None


class DispositionShare(Model):
    """What share of one class at a site is handed over or destroyed instead of lifted."""

    transfer: Annotated[Real, Field(ge=0, le=1)] = 0.0
    destroy: Annotated[Real, Field(ge=0, le=1)] = 0.0
    hours: Hours = 0.0
    cite: Cite = None


class Site(Model):
    """A base, airfield or destination, with what it holds on day 0."""

    name: str | None = None
    lat: Annotated[Real, Field(ge=-90, le=90)] | None = None
    lon: Annotated[Real, Field(ge=-180, le=180)] | None = None
    personnel: Count = 0
    equipment: dict[Id, Count] = Field(default_factory=dict)
    loading_teams: PositiveCount | None = None
    min_personnel: Count = 0
    in_theatre: bool | None = None
    airfield: Airfield | None = None
    disposition: dict[Id, DispositionShare] = Field(default_factory=dict)
    disposal_teams: PositiveCount | None = None
    cite: Cite = None


class Breakdowns(Model):
    """Road breakdowns: how often, how long to repair, and what the convoy does."""

    per_1000_km: Annotated[Real, Field(ge=0, le=1_000)]
    repair_hours: Hours
    policy: Literal["wait", "leave"] = "wait"
    cite: Cite = None


class Carrier(Model):
    """What road fleets and aircraft types share: how many, where, what one trip carries,
    how fast, how long loading takes and what share is available."""

    count: Count
    based_at: Id
    capacity: dict[Id, PositiveCount]
    speed_kmh: Speed
    load_hours: Hours = 0.0
    unload_hours: Hours = 0.0
    availability: Fraction = 1.0
    description: str | None = None
    cite: Cite = None


class Fleet(Carrier):
    """Vehicles of one type: where they start, what they carry and how fast."""

    empty_short_tons: Annotated[Real, Field(ge=0, le=1_000)] = 0.0
    availability_per: Literal["replication", "day"] = "replication"
    breakdowns: Breakdowns | None = None


class Aircraft(Carrier):
    """An aircraft type: airframes, what one sortie carries, and how fast it flies."""

    max_short_tons: Annotated[Real, Field(gt=0, le=1_000)] | None = None


class Closure(Model):
    """A window when a crossing is shut (days from day 0; no ``to_day`` means for good)."""

    from_day: Annotated[Real, Field(ge=0, le=MAX_DAYS)]
    to_day: Annotated[Real, Field(ge=0, le=MAX_DAYS)] | None = None
    cite: Cite = None


class Crossing(Model):
    """A border crossing or bridge on a route: throughput, hours, closures, weight limit."""

    name: str | None = None
    convoys_per_day: Annotated[Real, Field(gt=0, le=10_000)] | None = None
    vehicles_per_hour: Annotated[Real, Field(gt=0, le=100_000)] | None = None
    open_hours: tuple[Annotated[Real, Field(ge=0, le=24)], Annotated[Real, Field(ge=0, le=24)]] | None = None
    closures: list[Closure] = Field(default_factory=list)
    max_short_tons: Annotated[Real, Field(gt=0, le=10_000)] | None = None
    cite: Cite = None


class RouteCrossing(Model):
    """Where on a route a crossing lies (km from the route's ``from`` end)."""

    id: Id
    at_km: Annotated[Real, Field(ge=0, le=MAX_KM)] | None = None


class Disruption(Model):
    """Per-trip chance of a delay (roadblock, attack, protest) or of being turned back."""

    delay_probability: Annotated[Real, Field(ge=0, le=1)] = 0.0
    delay_hours: Hours = 0.0
    turn_back_probability: Annotated[Real, Field(ge=0, le=1)] = 0.0
    cite: Cite = None


class AirRoute(Model):
    """A flight time given directly instead of from great-circle distance and speed."""

    from_: Id = Field(alias="from")
    to: Id
    hours: Hours
    cite: Cite = None


class Route(Model):
    """A road between two sites, usable in both directions."""

    from_: Id = Field(alias="from")
    to: Id
    km: Annotated[Real, Field(gt=0, le=MAX_KM)]
    name: str | None = None
    crossings: list[Id | RouteCrossing] = Field(default_factory=list)
    disruption: Disruption | None = None
    cite: Cite = None


class Convoy(Model):
    """Rules that every convoy obeys."""

    max_vehicles: PositiveCount | None = None
    escort_teams: PositiveCount | None = None
    cite: Cite = None


class Move(Model):
    """Take what a site holds (less ``keep``) to another site."""

    from_: Id = Field(alias="from")
    to: Id
    keep: dict[Id, Count] = Field(default_factory=dict)
    mode: Mode | None = None
    cite: Cite = None


class Phase(Model):
    """A step of the withdrawal: starts on a day, or after other phases close."""

    id: Id
    start_day: Annotated[Real, Field(ge=0, le=MAX_DAYS)] | None = None
    after: list[Id] = Field(default_factory=list)
    moves: list[Move] = Field(default_factory=list)
    description: str | None = None
    cite: Cite = None


class Observation(Model):
    """A dated, sourced fact drawn on the troop curve."""

    date: Date
    personnel: Count
    site: Id | None = None
    label: str | None = None
    source: str


class SourceRef(Model):
    """A document that figures in the scenario cite by id."""

    title: str
    url: str | None = None
    publisher: str | None = None
    date: Date | None = None
    notes: str | None = None


EventType = Literal[
    "pause",
    "resume",
    "reinforce",
    "close_crossing",
    "open_crossing",
    "set_keep",
    "start_phase",
    "cancel_phase",
]

EventDay = Annotated[Real, Field(ge=0, le=MAX_DAYS)]
EventDays = Annotated[Real, Field(gt=0, le=MAX_DAYS)]


class EventBase(Model):
    """The keys every event takes: its ``type``, when (``day`` or ``date``) and why.

    Each type is its own model below, adding only the keys that type uses; any other key is
    refused. Keys a type needs are optional here and checked in :mod:`sim.validation`, so
    that a missing one is reported as ``a TYPE event needs KEY:`` with the other references.
    """

    type: EventType
    day: EventDay | None = None
    date: Date | None = None
    reason: str | None = None
    source: str | None = None
    cite: Cite = None


class PauseEvent(EventBase):
    """No loading or departure for ``sites`` / ``phases`` (neither: everything), for ``days``
    (omitted: until a resume)."""

    type: Literal["pause"] = "pause"
    sites: list[Id] | None = None
    phases: list[Id] | None = None
    days: EventDays | None = None


class ResumeEvent(EventBase):
    """End the pauses on ``sites`` / ``phases`` (neither: every pause)."""

    type: Literal["resume"] = "resume"
    sites: list[Id] | None = None
    phases: list[Id] | None = None


class ReinforceEvent(EventBase):
    """``personnel`` and ``equipment`` must reach ``to`` from ``from`` (new to the theatre,
    unless ``from_stock``)."""

    type: Literal["reinforce"] = "reinforce"
    to: Id | None = None
    from_: Id | None = Field(default=None, alias="from")
    personnel: Count = 0
    equipment: dict[Id, Count] = Field(default_factory=dict)
    from_stock: bool = False


class CloseCrossingEvent(EventBase):
    """The ``crossing`` shuts for ``days`` (omitted: until an open_crossing)."""

    type: Literal["close_crossing"] = "close_crossing"
    crossing: Id | None = None
    days: EventDays | None = None


class OpenCrossingEvent(EventBase):
    """The ``crossing`` opens now, ending any closure in force."""

    type: Literal["open_crossing"] = "open_crossing"
    crossing: Id | None = None


class SetKeepEvent(EventBase):
    """A new end state for ``site``: it keeps ``keep`` (classes not named: 0)."""

    type: Literal["set_keep"] = "set_keep"
    site: Id | None = None
    keep: dict[Id, Count] | None = None


class StartPhaseEvent(EventBase):
    """The ``phase`` opens now, whatever its ``start_day`` or ``after``."""

    type: Literal["start_phase"] = "start_phase"
    phase: Id | None = None


class CancelPhaseEvent(EventBase):
    """The ``phase`` takes nothing more; it closes when what is on the road arrives."""

    type: Literal["cancel_phase"] = "cancel_phase"
    phase: Id | None = None


Event = Annotated[
    PauseEvent
    | ResumeEvent
    | ReinforceEvent
    | CloseCrossingEvent
    | OpenCrossingEvent
    | SetKeepEvent
    | StartPhaseEvent
    | CancelPhaseEvent,
    Field(discriminator="type"),
]
"""A dated policy decision or shock: one of the event models, chosen by its ``type``."""

EVENT_MODELS: dict[str, type[EventBase]] = {
    "pause": PauseEvent,
    "resume": ResumeEvent,
    "reinforce": ReinforceEvent,
    "close_crossing": CloseCrossingEvent,
    "open_crossing": OpenCrossingEvent,
    "set_keep": SetKeepEvent,
    "start_phase": StartPhaseEvent,
    "cancel_phase": CancelPhaseEvent,
}
"""The model of each event type, in the order of :data:`EventType`."""


class Scenario(Model):
    """A whole scenario: the theatre, the lift and the plan."""

    name: Annotated[str, StringConstraints(min_length=1, max_length=300)]
    description: str | None = None
    start: Date
    horizon_days: Annotated[Real, Field(gt=0, le=MAX_DAYS)]
    cargo: dict[Id, CargoClass] = Field(default_factory=dict)
    sites: dict[Id, Site]
    fleets: dict[Id, Fleet] = Field(default_factory=dict)
    aircraft: dict[Id, Aircraft] = Field(default_factory=dict)
    routes: list[Route] = Field(default_factory=list)
    air_routes: list[AirRoute] = Field(default_factory=list)
    crossings: dict[Id, Crossing] = Field(default_factory=dict)
    convoy: Convoy = Field(default_factory=Convoy)
    phases: list[Phase] = Field(default_factory=list)
    events: list[Event] = Field(default_factory=list)
    observations: list[Observation] = Field(default_factory=list)
    sources: dict[str, SourceRef] = Field(default_factory=dict)
    cite: Cite = None

    @property
    def classes(self) -> list[str]:
        """Cargo classes in a fixed order: declared order, personnel last unless declared."""
        names = list(self.cargo)
        if PERSONNEL not in names:
            names.append(PERSONNEL)
        return names

    def in_theatre(self) -> list[bool]:
        """Per site (declared order): does it count as in theatre?

        An explicit ``in_theatre`` wins; otherwise a site that is only ever the destination
        of moves (never an origin) is outside the theatre, and every other site is inside.
        """
        origins = {mv.from_ for ph in self.phases for mv in ph.moves}
        dests = {mv.to for ph in self.phases for mv in ph.moves}
        return [
            site.in_theatre if site.in_theatre is not None else not (sid in dests and sid not in origins)
            for sid, site in self.sites.items()
        ]

    def holdings(self, site_id: str) -> dict[str, int]:
        """What a site holds on day 0, by class (personnel included)."""
        site = self.sites[site_id]
        out = dict(site.equipment)
        out[PERSONNEL] = site.personnel
        return out
