"""Policy events: dated decisions and shocks, one model per event type.

``Event`` is a union discriminated by ``type``: each type takes its own keys and refuses the
keys of the others (``pause`` takes ``sites``, ``set_keep`` takes ``site``). What each type
does to a running withdrawal is :mod:`sim.engine.policy`'s to say.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from .fields import MAX_DAYS, Cite, Count, Date, Id, Model, Real

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
