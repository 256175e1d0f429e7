"""The run log: what happened on the road and in the air, as it happened.

The engine's convoy and sortie steps append to one :class:`RunLog` per replication; nothing
else writes it, and the result is built from it at the end. It holds the convoy log (one
:class:`~sim.engine.results.ConvoyRecord` per convoy or sortie, which becomes ``events.csv``),
the departure time of every sortie, disruption delays, breakdowns (counted, or expected in
deterministic mode), vehicles left behind for repair and convoys turned back.

A convoy of self-propelled units counts its units under ``"<class> (self-propelled)"`` in
``vehicles`` (not a fleet id: ids have no spaces) and its riders as personnel cargo.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .orders import ConvoyOrder, VehicleLoad
from .results import ConvoyRecord
from .world import World


@dataclass
class RunLog:
    """Every convoy, sortie, delay, breakdown and turn-back of one replication."""

    convoys: list[ConvoyRecord] = field(default_factory=list)
    sorties: list[float] = field(default_factory=list)
    delays: list[float] = field(default_factory=list)
    breakdowns: int = 0
    expected_breakdowns: float = 0.0
    turn_backs: int = 0
    left_behind: dict[int, float] = field(default_factory=dict)

    def open_record(self, world: World, order: ConvoyOrder, phase_ids: list[str], now: float) -> ConvoyRecord:
        """Start the log entry of a convoy or sortie formed at ``now``."""
        vehicles: dict[str, int] = {}
        cargo: dict[str, int] = {}
        phases: set[str] = set()
        for v in order.vehicles:
            fid = world.fleets[v.fleet].id if v.fleet >= 0 else f"{world.classes[v.cls]} (self-propelled)"
            vehicles[fid] = vehicles.get(fid, 0) + v.count
            if order.loaded and v.line is not None:
                cargo[world.classes[v.cls]] = cargo.get(world.classes[v.cls], 0) + v.units * v.count
                phases.add(phase_ids[v.line.phase] if v.line.phase >= 0 else "reinforce")
        if order.riders:
            cargo[world.classes[world.personnel]] = order.riders
        rec = ConvoyRecord(
            id=len(self.convoys) + 1,
            kind="loaded" if order.loaded else "empty",
            origin=world.sites[order.origin],
            dest=world.sites[order.dest],
            vehicles=vehicles,
            cargo=cargo,
            phases=tuple(sorted(phases)),
            formed_h=float(now),
            mode=order.mode,
            self_propelled="" if order.self_propelled is None else world.classes[order.self_propelled],
        )
        self.convoys.append(rec)
        return rec

    def leave_behind(self, vehicle: VehicleLoad, repair_hours: float) -> None:
        """A vehicle broke down and stays behind for ``repair_hours``."""
        self.left_behind[id(vehicle)] = repair_hours

    def repaired(self, vehicle: VehicleLoad) -> float:
        """The repair time of a vehicle left behind (its entry is removed)."""
        return self.left_behind.pop(id(vehicle))
