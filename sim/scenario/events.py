"""Policy events: decisions and shocks, one model per event type.

``Event`` is a union discriminated by ``type``: each type takes its own keys and refuses the
keys of the others (``pause`` takes ``sites``, ``set_keep`` takes ``site``). What each type
does to a running withdrawal is :mod:`sim.engine.policy`'s to say.

An event happens on a ``day`` or ``date``, or, with ``when:`` (a :class:`Trigger`), the first
time a condition on the run's state holds, ``after_days`` later if given
(:mod:`sim.engine.triggers`).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from .fields import MAX_DAYS, Cite, CountQ, Date, Id, Model, PositiveCount, Real

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


class SiteBelow(Model):
    """``site_below``: fewer than ``personnel`` people at ``site``."""

    site: Id
    personnel: PositiveCount


class Trigger(Model):
    """``when:``: a condition on the state of the run; exactly one key is given.

    ``site_empty`` (the site holds no people and no equipment), ``phase_started``,
    ``phase_closed``, ``in_theatre_below`` (personnel in theatre, the road included, below
    N) or ``site_below`` (personnel at a site below N). Exactly one, and the names they give,
    are checked in :mod:`sim.scenario.validation`.
    """

    site_empty: Id | None = None
    phase_started: Id | None = None
    phase_closed: Id | None = None
    in_theatre_below: PositiveCount | None = None
    site_below: SiteBelow | None = None

    def given(self) -> list[str]:
        """The condition keys given, in declared order (valid: exactly one)."""
        return [k for k in CONDITIONS if getattr(self, k) is not None]

    def describe(self) -> dict[str, object]:
        """The condition as written, e.g. ``{"site_empty": "A"}`` (for reports)."""
        return self.model_dump(exclude_none=True)


CONDITIONS = ("site_empty", "phase_started", "phase_closed", "in_theatre_below", "site_below")
"""The keys of ``when:``, in the order documented."""


class EventBase(Model):
    """The keys every event takes: its ``type``, when (``day``, ``date`` or ``when``) and why.

    Each type is its own model below, adding only the keys that type uses; any other key is
    refused. Keys a type needs are optional here and checked in :mod:`sim.validation`, so
    that a missing one is reported as ``a TYPE event needs KEY:`` with the other references.
    """

    type: EventType
    day: EventDay | None = None
    date: Date | None = None
    when: Trigger | None = None
    after_days: EventDay | None = None
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
    personnel: CountQ = 0
    equipment: dict[Id, CountQ] = Field(default_factory=dict)
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
    keep: dict[Id, CountQ] | None = None


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
