"""What a dispatch produces: convoys (or sorties) to start now, made of vehicle groups.

:func:`sim.engine.dispatch.plan` and :func:`sim.engine.self_propelled.drive_off` build these
records; :mod:`sim.engine.convoys` carries them out. They are plain data.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .lines import Line


@dataclass
class VehicleLoad:
    """``count`` vehicles of one fleet, each carrying ``units`` of ``cls`` for ``line``.

    ``line`` is None when they drive empty to fetch cargo. For self-propelled units
    (:attr:`ConvoyOrder.self_propelled`) ``fleet`` is -1: the vehicles are the units.
    """

    fleet: int
    line: Line | None
    cls: int
    units: int
    count: int = 1


@dataclass
class ConvoyOrder:
    """A convoy (or one aircraft sortie) to start now.

    A self-propelled convoy has ``self_propelled`` set to the class that drives itself (its
    one group: ``count`` units, ``units`` 1, fleet -1) and ``riders`` people of the same line
    riding in those units.
    """

    origin: int
    dest: int
    loaded: bool
    vehicles: list[VehicleLoad]
    mode: str = "road"
    avoid: frozenset[str] = field(default_factory=frozenset)
    riders: int = 0
    self_propelled: int | None = None

    @property
    def size(self) -> int:
        """Number of vehicles."""
        return sum(v.count for v in self.vehicles)
