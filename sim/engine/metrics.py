"""From a finished engine to a :class:`~sim.results.Result`: what the run shows.

* the daily troop curve (personnel per site and on the road at 00:00 each day);
* closures: 100 % (last unit of the last phase) and 95 % (doctrinal: the first time at least
  95 % of the personnel and 95 % of the equipment units the phases move have arrived);
* per-day series: road vehicles on the road (vehicle-hours / 24), loaded convoys departed,
  sorties flown, the longest queue at each crossing, and units arrived by road and by air;
* utilisation over the run of every fleet, aircraft type, crossing, airfield (departure
  slots), loading teams and escort teams;
* the binding constraint of each phase: the resource that was busiest while it was open;
* units and short tons by disposition (retrograde, transfer, destroy);
* when each policy event fired (``None``: it never did).
"""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np
import simpy

from ..scenario.schema import PERSONNEL, Scenario
from . import measures
from .phases import PhaseBoard
from .resources import Resources, Usage
from .results import Result, daily_levels
from .runlog import RunLog
from .streams import Streams
from .world import World


class Finished(Protocol):
    """What a result is built from: the final state of a run (the engine provides it)."""

    scenario: Scenario
    streams: Streams
    env: simpy.Environment
    world: World
    phases: PhaseBoard
    resources: Resources
    log: RunLog
    fired_h: list[float | None]


def build_result(eng: Finished) -> Result:
    """Collect everything one replication tells us."""
    s, w = eng.scenario, eng.world
    completed = eng.phases.open_count == 0 and all(line.done() for line in w.lines if line.phase < 0)
    end = float(eng.env.now)
    closure = max((t for t in eng.phases.close_h if t is not None), default=0.0) if completed else None
    days = np.arange(int(np.floor(s.horizon_days)) + 1, dtype=float)
    initial = [s.holdings(sid)[PERSONNEL] for sid in w.sites] + [0]
    levels = daily_levels(w.changes, w.personnel, len(w.sites) + 1, np.array(initial), days)
    remaining: dict[str, dict[str, int]] = {}
    for si, sid in enumerate(w.sites):
        left = w.committed(si)
        if any(left):
            remaining[sid] = {w.classes[c]: n for c, n in enumerate(left) if n}
    raw = measures.from_run(w, eng.log.convoys, days)
    count_work_in_progress(eng, end)
    usages = resource_usages(eng)
    horizon = max(end, 1e-9)
    utilisation = {u.name: round(u.utilisation(0.0, horizon), 4) for u in usages}
    return Result(
        scenario=s,
        seed=eng.streams.seed,
        replication=eng.streams.replication,
        deterministic=eng.streams.deterministic,
        completed=completed,
        end_h=end,
        closure_h=closure,
        closure95_h=closure95(eng) if eng.phases.all_started_or_cancelled() else None,
        phase_start_h=dict(zip(eng.phases.ids, eng.phases.start_h, strict=True)),
        phase_closure_h=dict(zip(eng.phases.ids, eng.phases.close_h, strict=True)),
        site_empty_h=dict(zip(w.sites, w.empty_at, strict=True)),
        site_last_departure_h=dict(zip(w.sites, w.last_departure, strict=True)),
        remaining=remaining,
        in_transit={w.classes[c]: n for c, n in enumerate(w.transit) if n},
        binding=[] if completed else not_finished(eng),
        convoys=eng.log.convoys,
        days=days,
        personnel=levels[:, :-1],
        transit_personnel=levels[:, -1],
        in_theatre_sites=s.in_theatre(),
        kernel_events=next(eng.env._eid),
        snapshots=w.snapshots,
        daily=daily_series(eng, len(days)),
        utilisation=utilisation,
        binding_by_phase=binding_by_phase(eng, usages),
        disposition=disposition(eng),
        waits={
            "escort_hours": round(eng.resources.escorts.wait_hours, 4) if eng.resources.escorts else 0.0,
            "crossing_hours": {cid: round(c.wait_hours, 4) for cid, c in eng.resources.crossings.items()},
            "disruption_delay_hours": round(float(sum(eng.log.delays)), 4),
            "breakdowns": round(eng.log.expected_breakdowns, 4)
            if eng.streams.deterministic
            else eng.log.breakdowns,
            "turn_backs": eng.log.turn_backs,
        },
        equipment=raw.equipment,
        transit_equipment=raw.transit_equipment,
        equipment_classes=raw.equipment_classes,
        percent_complete=raw.percent_complete,
        vehicle_trips=raw.vehicle_trips,
        sorties=raw.sorties,
        milestones_h=raw.milestones_h,
        event_fired_h=list(eng.fired_h),
    )


def closure95(eng: Finished) -> float | None:
    """First time 95 % of phase personnel and 95 % of phase equipment have arrived."""
    w = eng.world
    p = w.personnel
    lines = [line for line in w.lines if line.phase >= 0]
    need_p = sum(line.req[p] for line in lines)
    need_e = sum(sum(line.req) - line.req[p] for line in lines)
    if need_p == 0 and need_e == 0:
        return max((t for t in eng.phases.close_h if t is not None), default=0.0)
    got_p = got_e = 0
    for t, cls, units, phase, _mode in w.moved:
        if phase < 0:
            continue
        if cls == p:
            got_p += units
        else:
            got_e += units
        if got_p * 100 >= 95 * need_p and got_e * 100 >= 95 * need_e:
            return t
    return None


def not_finished(eng: Finished) -> list[str]:
    """Plain-language reasons why the run did not finish within the horizon."""
    out = []
    usages = resource_usages(eng)
    for i, pid in enumerate(eng.phases.ids):
        if eng.phases.close_h[i] is not None:
            continue
        if eng.phases.start_h[i] is None:
            waits = [
                d for d in eng.scenario.phases[i].after if eng.phases.close_h[eng.phases.ids.index(d)] is None
            ]
            why = f"waiting for {', '.join(waits)} to close" if waits else "its start_day is past the horizon"
            out.append(f"phase {pid} never started: {why}")
            continue
        start = eng.phases.start_h[i] or 0.0
        busiest = max(usages, key=lambda u: u.utilisation(start, eng.env.now), default=None)
        origins = {line.origin for line in eng.phases.lines[i]}
        held = [eng.world.sites[o] for o in sorted(origins) if eng.world.paused(o, i, eng.env.now)]
        if held:
            out.append(f"phase {pid} was paused at the horizon at {', '.join(held)}")
        elif busiest is not None and busiest.utilisation(start, eng.env.now) > 0:
            out.append(
                f"phase {pid} was still moving at the horizon; busiest resource "
                f"{busiest.name} ({busiest.utilisation(start, eng.env.now):.0%} busy)"
            )
        else:
            out.append(
                f"phase {pid} was still open at the horizon and nothing was moving "
                "(no vehicle could take its cargo)"
            )
    return out


def count_work_in_progress(eng: Finished, end: float) -> None:
    """Vehicles still on a task when the run stops (at the horizon) were busy until then.

    A convoy's vehicles are booked busy when they are released; one that is loading,
    waiting, on the road or unloading at the end has not been released, so its vehicles are
    booked here, from when the convoy formed to the end. (A vehicle left behind for repair
    and still on its way is not counted.)
    """
    index = {f.id: f.index for f in eng.world.fleets}
    usage = eng.resources.fleet_usage
    for rec in eng.log.convoys:
        if rec.unloaded_h is None and end > rec.formed_h:
            for fid, n in rec.vehicles.items():
                if fid in index:
                    usage[index[fid]].add(rec.formed_h, end, float(n))


def resource_usages(eng: Finished) -> list[Usage]:
    """Every resource whose busy time was recorded, with a non-zero capacity."""
    return eng.resources.usages()


def binding_by_phase(eng: Finished, usages: list[Usage]) -> dict[str, dict[str, Any]]:
    """For each closed phase, the resource that was busiest while it was open."""
    out: dict[str, dict[str, Any]] = {}
    for i, pid in enumerate(eng.phases.ids):
        t0 = eng.phases.start_h[i]
        closed = eng.phases.close_h[i]
        t1 = float(eng.env.now) if closed is None else closed
        if t0 is None or t1 <= t0 or not usages:
            out[pid] = {"resource": None, "utilisation": None}
            continue
        best = max(usages, key=lambda u: (u.utilisation(t0, t1), u.name))
        out[pid] = {"resource": best.name, "utilisation": round(best.utilisation(t0, t1), 4)}
    return out


def daily_series(eng: Finished, n_days: int) -> dict[str, np.ndarray]:
    """Per-day counts: vehicles on the road, convoys, sorties, crossing queues, arrivals."""
    on_road = np.zeros(n_days)
    convoys = np.zeros(n_days, dtype=np.int64)
    for c in eng.log.convoys:
        if c.mode != "road" or c.depart_h is None:
            continue
        n = sum(c.vehicles.values())
        if c.kind == "loaded":
            d = int(c.depart_h // 24)
            if d < n_days:
                convoys[d] += 1
        end = c.arrive_h if c.arrive_h is not None else float(eng.env.now)
        for d in range(int(c.depart_h // 24), min(n_days, int(end // 24) + 1)):
            overlap = min(end, (d + 1) * 24.0) - max(c.depart_h, d * 24.0)
            on_road[d] += n * max(0.0, overlap) / 24.0
    sorties = np.zeros(n_days, dtype=np.int64)
    for t in eng.log.sorties:
        if int(t // 24) < n_days:
            sorties[int(t // 24)] += 1
    out: dict[str, np.ndarray] = {
        "vehicles_on_road": np.round(on_road, 4),
        "convoys_departed": convoys,
        "sorties": sorties,
    }
    for cid, cr in eng.resources.crossings.items():
        out[f"queue_{cid}"] = cr.daily_max_queue(n_days)
    for mode in ("road", "air"):
        arr = np.zeros(n_days, dtype=np.int64)
        for t, _c, units, phase, m in eng.world.moved:
            if m == mode and phase >= 0 and int(t // 24) < n_days:
                arr[int(t // 24)] += units
        out[f"arrived_{mode}"] = arr
    inflow = np.zeros(n_days, dtype=np.int64)
    for t, _c, units, phase, _m in eng.world.moved:
        if phase < 0 and int(t // 24) < n_days:
            inflow[int(t // 24)] += units
    out["arrived_reinforcement"] = inflow
    return out


def disposition(eng: Finished) -> dict[str, dict[str, Any]]:
    """Units and short tons retrograded (arrived by lift), transferred and destroyed."""
    w = eng.world
    retro = [0] * len(w.classes)
    for line in w.lines:
        if line.phase >= 0:
            for c in range(len(w.classes)):
                retro[c] += line.arrived[c]
    out: dict[str, dict[str, Any]] = {}
    for kind, counts in (
        ("retrograde", retro),
        ("transfer", w.disposed["transfer"]),
        ("destroy", w.disposed["destroy"]),
    ):
        units = {w.classes[c]: n for c, n in enumerate(counts) if n and c != w.personnel}
        tons = sum(n * w.tons[c] for c, n in enumerate(counts) if c != w.personnel)
        out[kind] = {"units": units, "short_tons": round(tons, 2)}
    return out
