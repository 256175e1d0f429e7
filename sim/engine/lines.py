"""Movement requirements and fleets as the model sees them: numbered, per class index.

A :class:`Line` is one TPFDD-style movement requirement: so many units of each class from
one site to another, opened by a phase (or by a reinforcement). It counts what has been
put on convoys, what has left and what has arrived, and is *done* when every required unit
has arrived and every disposal on site has finished. A :class:`FleetSpec` is a fleet or an
aircraft type with its capacity per class and this replication's count.

Both are plain records; only :class:`~sim.engine.world.World` changes them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..scenario.schema import Scenario
from .streams import Streams


@dataclass
class Line:
    """A movement requirement: ``req`` units per class from ``origin`` to ``dest``.

    ``taken`` counts units put on convoys (loading or gone), ``departed`` units that have
    left the origin, ``arrived`` units unloaded at the destination.
    """

    index: int
    phase: int  # -1 for a reinforcement
    origin: int
    dest: int
    keep: list[int]
    req: list[int]
    taken: list[int]
    departed: list[int]
    arrived: list[int]
    mode: str | None = None
    disposing: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.disposing:
            self.disposing = [0] * len(self.req)

    def done(self) -> bool:
        """Every required unit has arrived and every disposal on site is finished."""
        return self.arrived == self.req and not any(self.disposing)


@dataclass
class FleetSpec:
    """A fleet or aircraft type as the model sees it: numbered, capacity per class index.

    ``cap`` already respects an aircraft's ``max_short_tons``; ``count`` is the number of
    mission-capable vehicles this replication (``availability`` applied).
    """

    index: int
    id: str
    mode: str  # "road" or "air"
    home: int
    count: int
    cap: list[int]
    classes: int  # how many classes it can carry (specialists are used first)
    tare: float  # empty weight, short tons
    spec: Any


def specialists_first(cls: int) -> Callable[[FleetSpec], tuple[int, int, int]]:
    """Sort key: fleets that carry fewer classes first, then larger capacity, then order."""

    def key(f: FleetSpec) -> tuple[int, int, int]:
        return (f.classes, -f.cap[cls], f.index)

    return key


def build_fleets(
    scenario: Scenario, classes: list[str], tons: list[float], sites: list[str], streams: Streams
) -> list[FleetSpec]:
    """Road fleets then aircraft types, numbered in declared order, with this replication's
    count (``availability`` drawn once, unless it is drawn per day) and capacity per class
    (an aircraft's ``max_short_tons`` applied)."""
    fleets: list[FleetSpec] = []
    kinds: list[tuple[str, dict[str, Any]]] = [
        ("road", dict(scenario.fleets)),
        ("air", dict(scenario.aircraft)),
    ]
    for mode, specs in kinds:
        for fid, f in specs.items():
            cap = [f.capacity.get(c, 0) for c in classes]
            limit = getattr(f, "max_short_tons", None)
            if limit is not None:
                cap = [min(n, int(limit // tons[c])) if tons[c] > 0 else n for c, n in enumerate(cap)]
            daily = getattr(f, "availability_per", "replication") == "day"
            share = 1.0 if daily else streams.draw(f.availability, "availability", fid)
            count = round(f.count * min(1.0, max(0.0, share)))
            fleets.append(
                FleetSpec(
                    len(fleets),
                    fid,
                    mode,
                    sites.index(f.based_at),
                    count,
                    cap,
                    sum(1 for x in cap if x > 0),
                    float(getattr(f, "empty_short_tons", 0.0)),
                    f,
                )
            )
    return fleets
