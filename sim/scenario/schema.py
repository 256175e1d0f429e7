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

from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from .events import (
    EVENT_MODELS,
    CancelPhaseEvent,
    CloseCrossingEvent,
    Event,
    EventBase,
    OpenCrossingEvent,
    PauseEvent,
    ReinforceEvent,
    ResumeEvent,
    SetKeepEvent,
    StartPhaseEvent,
)
from .evidence import Milestone, Observation
from .fields import (
    MAX_DAYS,
    MAX_KM,
    PERSONNEL,
    Cite,
    Count,
    Date,
    Fraction,
    Hours,
    Id,
    Mode,
    Model,
    PositiveCount,
    Real,
    Speed,
)

__all__ = [
    "EVENT_MODELS",
    "PERSONNEL",
    "Aircraft",
    "CancelPhaseEvent",
    "Carrier",
    "CloseCrossingEvent",
    "Crossing",
    "Event",
    "EventBase",
    "Fleet",
    "Milestone",
    "Model",
    "Observation",
    "OpenCrossingEvent",
    "PauseEvent",
    "ReinforceEvent",
    "ResumeEvent",
    "RouteCrossing",
    "Scenario",
    "SetKeepEvent",
    "StartPhaseEvent",
]


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


class SourceRef(Model):
    """A document that figures in the scenario cite by id."""

    title: str
    url: str | None = None
    publisher: str | None = None
    date: Date | None = None
    notes: str | None = None


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
    milestones: list[Milestone] = Field(default_factory=list)
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
