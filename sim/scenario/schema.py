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

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BeforeValidator, Field, StringConstraints, model_validator

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
    AS_IS,
    MAX_DAYS,
    MAX_KM,
    PERSONNEL,
    Cite,
    Count,
    CountQ,
    Date,
    DayQ,
    Fraction,
    Hours,
    Id,
    KmQ,
    Mode,
    Model,
    PerDayQ,
    PerHourQ,
    PositiveCount,
    PositiveCountQ,
    Priority,
    Real,
    ShareQ,
    Speed,
    counted,
    rated,
)
from .parameters import Parameter

__all__ = [
    "EVENT_MODELS",
    "PERSONNEL",
    "Aircraft",
    "AircraftDuty",
    "CancelPhaseEvent",
    "Carrier",
    "CloseCrossingEvent",
    "Crossing",
    "Duty",
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
    "SelfPropelled",
    "SetKeepEvent",
    "StartPhaseEvent",
]


class SelfPropelled(Model):
    """Units of a class that drive themselves out: their pace, the people riding in each one,
    and their crews' duty (as a fleet's); ``docs/model.md``, "Self-propelled units"."""

    speed_kmh: Speed
    seats: Count = 0
    duty: Duty | None = None
    cite: Cite = None


MIN_SHORT_TONS = 0.001
"""The least weight of a cargo unit that is not weightless (0), in short tons (2 lb)."""


def _weight(value: float) -> float:
    if 0 < value < MIN_SHORT_TONS:
        raise ValueError(
            f"give 0 (weightless) or at least {MIN_SHORT_TONS:g} short tons (2 lb), got {value!r}"
        )
    return value


class CargoClass(Model):
    """A class of things that move, e.g. ``container`` or ``tracked``."""

    short_tons: Annotated[Real, Field(ge=0, le=1_000), AfterValidator(_weight)] | None = None
    mode: Mode = "any"
    self_propelled: SelfPropelled | None = None
    description: str | None = None
    cite: Cite = None


class Airfield(Model):
    """A runway at a site: how many sorties a day it handles, and which aircraft it takes."""

    sorties_per_day: PerDayQ
    types: list[Id] | None = None
    cite: Cite = None


class DispositionShare(Model):
    """What share of one class at a site is handed over or destroyed instead of lifted."""

    transfer: ShareQ = 0.0
    destroy: ShareQ = 0.0
    hours: Hours = 0.0
    cite: Cite = None


class Prepare(Model):
    """Work on a site's units before they can be loaded (dismantling, packing, sorting):
    hours per unit by class, on ``teams`` preparation teams (no limit if omitted)."""

    teams: PositiveCountQ | None = None
    hours: dict[Id, Hours] = Field(default_factory=dict)
    cite: Cite = None


class Site(Model):
    """A base, airfield or destination, with what it holds on day 0."""

    name: str | None = None
    lat: Annotated[Real, Field(ge=-90, le=90)] | None = None
    lon: Annotated[Real, Field(ge=-180, le=180)] | None = None
    personnel: CountQ = 0
    equipment: dict[Id, CountQ] = Field(default_factory=dict)
    loading_teams: PositiveCountQ | None = None
    min_personnel: CountQ = 0
    in_theatre: bool | None = None
    airfield: Airfield | None = None
    disposition: dict[Id, DispositionShare] = Field(default_factory=dict)
    disposal_teams: PositiveCountQ | None = None
    ready_day: DayQ = 0.0
    work_hours: Annotated[tuple[float, float], BeforeValidator(_window)] | None = None
    prepare: Prepare | None = None
    cite: Cite = None


class Breakdowns(Model):
    """Road breakdowns: how often, how long to repair, and what the convoy does."""

    per_1000_km: Annotated[Real, Field(ge=0, le=1_000), rated(1_000.0, positive=False), AS_IS]
    repair_hours: Hours
    policy: Literal["wait", "leave"] = "wait"
    cite: Cite = None


def _driving_hours(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 24:
        raise ValueError(
            "give the driving hours per vehicle in a calendar day: a number > 0 and <= 24 (e.g. 10), "
            f"got {value!r}"
        )
    return float(value)


def _window(value: Any) -> Any:
    hours = value if isinstance(value, list | tuple) else None
    if (
        hours is None
        or len(hours) != 2
        or not all(isinstance(h, int | float) and not isinstance(h, bool) and 0 <= h <= 24 for h in hours)
        or not Duty.day_hours((float(hours[0]), float(hours[1])))
    ):
        raise ValueError(
            "give [start, end]: two different hours of the day from 0 to 24, e.g. [6, 20] for 06:00-20:00, "
            f"or [20, 6] for a night window running past midnight; got {value!r}"
        )
    return (float(hours[0]), float(hours[1]))


def _sorties(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 1_000:
        raise ValueError(
            "give the sorties one aircraft may fly in a calendar day: a whole number, 1 to 1000 (e.g. 2), "
            f"got {value!r}"
        )
    return value


class Duty(Model):
    """When a fleet's crews may drive: driving hours per vehicle per calendar day, and the
    hours of the day in which driving is allowed (``[20, 6]`` runs past midnight)."""

    hours_per_day: Annotated[float, BeforeValidator(_driving_hours), rated(24.0), AS_IS] | None = None
    window: Annotated[tuple[float, float], BeforeValidator(_window)] | None = None
    cite: Cite = None

    @model_validator(mode="after")
    def _needs_a_limit(self) -> Duty:
        if self.hours_per_day is None and self.window is None:
            raise ValueError(
                "give hours_per_day:, window: or both (leave duty: out to drive around the clock)"
            )
        return self

    @staticmethod
    def day_hours(window: tuple[float, float] | None) -> tuple[tuple[float, float], ...]:
        """The hours of the day a window covers, as sorted ``(from, to)`` intervals within
        ``[0, 24]`` (none if it covers no time); no window covers the whole day."""
        if window is None:
            return ((0.0, 24.0),)
        a, b = window
        if a == b:
            return ()
        if a < b:
            return ((a, b),)
        return tuple(iv for iv in ((0.0, b), (a, 24.0)) if iv[1] > iv[0])

    @staticmethod
    def shared(
        a: tuple[tuple[float, float], ...], b: tuple[tuple[float, float], ...]
    ) -> tuple[tuple[float, float], ...]:
        """The hours of the day in both ``a`` and ``b`` (intervals as :meth:`day_hours` gives)."""
        out = [(max(x0, y0), min(x1, y1)) for x0, x1 in a for y0, y1 in b if min(x1, y1) > max(x0, y0)]
        return tuple(sorted(out))

    @staticmethod
    def clash(windows: dict[str, tuple[float, float] | None]) -> tuple[str, str] | None:
        """The first fleet (of fleet id → window) whose window shares no hour with those of
        the fleets before it, and why that is refused; None if every window meets.

        Vehicles of any fleets may form one convoy, which drives only inside every window.
        """
        common, seen = Duty.day_hours(None), list[str]()
        for fid, window in windows.items():
            if window is None:
                continue
            common = Duty.shared(common, Duty.day_hours(window))
            if not common:
                return fid, (
                    f"shares no hour of the day with the window{'s' if len(seen) > 1 else ''} of "
                    f"{', '.join(seen)}; their vehicles may form one convoy, which could never drive: "
                    "make the windows overlap"
                )
            seen.append(fid)
        return None


class AircraftDuty(Model):
    """Crew duty of an aircraft type: sorties (loaded or empty) per airframe per calendar day."""

    sorties_per_day: Annotated[int, BeforeValidator(_sorties), counted(1_000), AS_IS]
    cite: Cite = None


class Carrier(Model):
    """What road fleets and aircraft types share: how many, where, what one trip carries,
    how fast, how long loading takes and what share is available."""

    count: CountQ
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
    duty: Duty | None = None


class Aircraft(Carrier):
    """An aircraft type: airframes, what one sortie carries, and how fast it flies."""

    max_short_tons: Annotated[Real, Field(gt=0, le=1_000)] | None = None
    duty: AircraftDuty | None = None


class Closure(Model):
    """A window when a crossing is shut (days from day 0; no ``to_day`` means for good)."""

    from_day: Annotated[Real, Field(ge=0, le=MAX_DAYS)]
    to_day: Annotated[Real, Field(ge=0, le=MAX_DAYS)] | None = None
    cite: Cite = None


class Crossing(Model):
    """A border crossing or bridge on a route: throughput, hours, closures, weight limit."""

    name: str | None = None
    convoys_per_day: PerDayQ | None = None
    vehicles_per_hour: PerHourQ | None = None
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
    km: KmQ
    name: str | None = None
    crossings: list[Id | RouteCrossing] = Field(default_factory=list)
    disruption: Disruption | None = None
    cite: Cite = None


class Convoy(Model):
    """Rules that every convoy obeys, and the order in which idle vehicles serve cargo."""

    max_vehicles: PositiveCount | None = None
    escort_teams: PositiveCountQ | None = None
    dispatch: Literal["nearest", "farthest_from_destination", "largest_backlog"] = "nearest"
    cite: Cite = None


class Move(Model):
    """Take what a site holds (less ``keep``) to another site."""

    from_: Id = Field(alias="from")
    to: Id
    keep: dict[Id, CountQ] = Field(default_factory=dict)
    mode: Mode | None = None
    priority: Priority = 0
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
    parameters: dict[Id, Parameter] = Field(default_factory=dict)
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
