"""Measures: each evidence metric of one run, day by day at 00:00.

These are the quantities a historical observation can be compared with (see
:mod:`sim.scenario.evidence` for their definitions): personnel, equipment, percent complete,
sites open, vehicle trips and sorties, for the theatre and where it applies per site, per
equipment class or per aircraft type. Each is a series over the run's days, sampled at 00:00
after that instant's events, like the troop curve.

A measure is named by a **key**: the metric, then ``@site`` for one site, or ``.class`` /
``.aircraft`` for one equipment class or aircraft type: ``personnel``,
``personnel@qasrak``, ``equipment.container``, ``sites_open@rmelan``, ``sorties.c17``.
:func:`keys` lists them in a fixed order, :func:`table` gives them as the columns of one
array, and :func:`key_of` names the measure an observation is about.

:func:`from_run` computes the raw daily arrays from the world's change log and the run log
at the end of a run (the engine calls it once); everything else derives from a
:class:`~sim.engine.results.Result`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..scenario.evidence import Observation
from ..scenario.schema import PERSONNEL, Scenario
from .results import ConvoyRecord, Result
from .world import TRANSIT, World


@dataclass
class Raw:
    """The daily arrays one run adds to its result (see :class:`~sim.engine.results.Result`)."""

    equipment: np.ndarray  # (days, sites): equipment units at each site
    transit_equipment: np.ndarray  # (days,): equipment units on the road
    equipment_classes: np.ndarray  # (days, equipment classes): units in theatre, per class
    percent_complete: np.ndarray  # (days,)
    vehicle_trips: np.ndarray  # (days,): cumulative loaded road-vehicle trips arrived
    sorties: np.ndarray  # (days, aircraft types): cumulative loaded sorties arrived
    milestones_h: list[float | None]  # per scenario milestone: when its percent was reached


def from_run(world: World, convoys: list[ConvoyRecord], days: np.ndarray) -> Raw:
    """The raw daily arrays of a finished run."""
    s = world.scenario
    grid = days * 24.0
    nodes, nc = len(world.sites), len(world.classes)
    initial = np.zeros((nodes + 1, nc), dtype=np.int64)
    for i, sid in enumerate(world.sites):
        held = s.holdings(sid)
        initial[i] = [held.get(c, 0) for c in world.classes]
    level = _levels(world.changes, initial, grid)  # (days, nodes + 1, classes)
    equip = [c for c in range(nc) if c != world.personnel]
    mask = np.array([*s.in_theatre(), True])  # the road counts as in theatre
    by_site = level[:, :, equip].sum(axis=2)
    percent, crossed = _progress(world, grid, [m.percent for m in s.milestones])
    return Raw(
        equipment=by_site[:, :nodes],
        transit_equipment=by_site[:, nodes],
        equipment_classes=level[:, mask][:, :, equip].sum(axis=1),
        percent_complete=percent,
        vehicle_trips=_cumulative(
            [(c.arrive_h, sum(c.vehicles.values())) for c in convoys if _arrived(c, "road")], grid
        ),
        sorties=np.column_stack(
            [
                _cumulative([(c.arrive_h, c.vehicles.get(a, 0)) for c in convoys if _arrived(c, "air")], grid)
                for a in s.aircraft
            ]
        )
        if s.aircraft
        else np.zeros((len(grid), 0), dtype=np.int64),
        milestones_h=crossed,
    )


def _arrived(c: ConvoyRecord, mode: str) -> bool:
    return c.kind == "loaded" and c.mode == mode and not c.turned_back and c.arrive_h is not None


def _levels(changes: list[tuple[float, int, int, int]], initial: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """Level of every class at every node at each grid time (changes at that time included)."""
    out = np.zeros((len(grid) + 1, *initial.shape), dtype=np.int64)
    if changes:
        arr = np.array(changes, dtype=float)
        day = np.searchsorted(grid, arr[:, 0], side="left")
        node = arr[:, 1].astype(np.int64)
        node[node == TRANSIT] = initial.shape[0] - 1
        np.add.at(out, (day, node, arr[:, 2].astype(np.int64)), arr[:, 3].astype(np.int64))
    levels: np.ndarray = np.cumsum(out[:-1], axis=0) + initial
    return levels


def _cumulative(events: list[tuple[float | None, int]], grid: np.ndarray) -> np.ndarray:
    """Running total at each grid time of ``(time, amount)`` events."""
    out = np.zeros(len(grid) + 1, dtype=np.int64)
    for t, n in events:
        assert t is not None
        out[np.searchsorted(grid, t, side="left")] += n
    return np.cumsum(out[:-1])


def _progress(world: World, grid: np.ndarray, percents: list[float]) -> tuple[np.ndarray, list[float | None]]:
    """Percent complete at each grid time, and when each of ``percents`` was first reached.

    Done: units of phase lines arrived plus units disposed of on site. Whole: what the phase
    lines required when the run ended (after any set_keep or cancellation), plus disposals.
    """
    lines = [line for line in world.lines if line.phase >= 0]
    whole = sum(sum(line.req) + sum(line.disposing) for line in lines) + sum(
        n for _t, _c, n in world.disposals
    )
    steps = sorted(
        [(t, n) for t, _c, n, phase, _m in world.moved if phase >= 0]
        + [(t, n) for t, _c, n in world.disposals]
    )
    if whole == 0:
        return np.full(len(grid), 100.0), [0.0 for _ in percents]
    times = np.array([t for t, _ in steps], dtype=float)
    done = np.cumsum(np.array([n for _, n in steps], dtype=np.int64)) if steps else np.zeros(0, np.int64)
    at = np.searchsorted(times, grid, side="right")
    percent = np.where(at > 0, done[np.maximum(at - 1, 0)] if len(done) else 0, 0) * 100.0 / whole
    crossed: list[float | None] = []
    for p in percents:
        k = int(np.searchsorted(done * 100.0, p * whole, side="left")) if len(done) else 0
        crossed.append(float(times[k]) if k < len(done) else None)
    return percent, crossed


# ----------------------------------------------------------------------------- keys and series
def keys(scenario: Scenario) -> list[str]:
    """Every measure of a scenario, in a fixed order."""
    sites = list(scenario.sites)
    theatre = [sid for sid, inside in zip(sites, scenario.in_theatre(), strict=True) if inside]
    classes = [c for c in scenario.classes if c != PERSONNEL]
    return [
        "personnel",
        *(f"personnel@{sid}" for sid in sites),
        "equipment",
        *(f"equipment@{sid}" for sid in sites),
        *(f"equipment.{c}" for c in classes),
        "percent_complete",
        "sites_open",
        *(f"sites_open@{sid}" for sid in theatre),
        "vehicle_trips",
        "sorties",
        *(f"sorties.{a}" for a in scenario.aircraft),
    ]


def key_of(ob: Observation) -> str:
    """The key of the measure an observation is about."""
    if ob.site is not None:
        return f"{ob.metric}@{ob.site}"
    if ob.class_ is not None:
        return f"{ob.metric}.{ob.class_}"
    if ob.aircraft is not None:
        return f"{ob.metric}.{ob.aircraft}"
    return ob.metric


def table(result: Result) -> np.ndarray:
    """Every measure of one run as the columns of a ``(days, len(keys))`` float array."""
    s = result.scenario
    inside = np.array(s.in_theatre(), dtype=bool)
    held = result.personnel + result.equipment
    open_ = (held > 0) & inside
    cols = [
        result.in_theatre,
        *result.personnel.T,
        result.equipment[:, inside].sum(axis=1) + result.transit_equipment,
        *result.equipment.T,
        *result.equipment_classes.T,
        result.percent_complete,
        open_.sum(axis=1),
        *open_[:, inside].T,
        result.vehicle_trips,
        result.sorties.sum(axis=1),
        *result.sorties.T,
    ]
    return np.column_stack([np.asarray(c, dtype=float) for c in cols])


def series(result: Result, key: str) -> np.ndarray:
    """One measure of one run, by key (:class:`KeyError` naming the known keys if none)."""
    names = keys(result.scenario)
    if key not in names:
        raise KeyError(f"no measure {key!r}; known: {', '.join(names)}")
    return table(result)[:, names.index(key)]
