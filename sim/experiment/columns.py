"""What one replication reports, declared once: the columns every step of an experiment reads.

Each :class:`Column` of :data:`COLUMNS` names one per-replication output and says

* what it is: a numpy ``dtype`` and a ``shape`` kind: a ``scalar``, one value ``per_phase``
  (file order), one ``per_site`` (declared order), one ``per_drawn`` (each count or rate given
  as a distribution, by dotted path in file order: :mod:`sim.scenario.drawn`), one
  ``per_parameter`` (each declared parameter, declared order), one ``per_resource`` (each
  resource a run may report, :func:`sim.engine.resources.resource_names`), or the daily
  personnel ``curve``
  (``floor(horizon_days) + 1`` days x (sites + 1), the last column on the road);
* how to take it from a :class:`~sim.engine.results.Result` (``take``); ``None`` means "not
  reached" and is allowed only where ``nullable``; it becomes NaN in arrays and NULL in SQL;
* how it is reported: its ``runs.csv`` columns, its ``summary.json`` statistics objects (and
  the key of their percentile dates), and its row in the console table.

The runner fills chunks with :func:`allocate` and :func:`fill`; the store derives its
``runs`` table, its INSERT and its SELECT from the declaration; the ensemble computes the
summary, the runs table and the console rows from it; the store's fingerprint includes
:func:`signature`, so a store written with other columns is started afresh. Every reader takes
columns by name. Adding a per-replication output is one more entry here (and its
documentation in ``docs/results.md``).

Templates in the reporting fields take ``{id}``: the phase or site id of each value.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from ..engine import measures
from ..engine.resources import resource_names
from ..scenario.drawn import counts_drawn

if TYPE_CHECKING:
    from ..engine.results import Result
    from ..scenario.schema import Scenario

Shape = Literal[
    "scalar",
    "per_phase",
    "per_site",
    "per_milestone",
    "per_drawn",
    "per_parameter",
    "per_resource",
    "curve",
    "measures",
]
Unit = Literal["days", "weeks"]

# Hours to a reporting unit, as the statistics scale them (describe(hours, SCALE[unit])).
SCALE: dict[str, float] = {"days": 1 / 24.0, "weeks": 1 / (24.0 * 7)}
CURVE = "curve"
MEASURES = "measures"
DAILY = ("curve", "measures")
"""Shapes of day-by-day arrays: read a block of days at a time, never all at once."""


@dataclass(frozen=True)
class Column:
    """One per-replication output: what it is, where it comes from, how it is reported."""

    name: str  # the store column and the key every reader uses
    dtype: str  # numpy dtype of one value: "bool", "int64", "int32", "float64"
    shape: Shape
    take: Callable[[Result], Any]  # its value(s) in one replication's Result
    nullable: bool = False  # None ("not reached") allowed: NaN in arrays, NULL in SQL
    runs: tuple[tuple[str, Unit | None], ...] = ()  # runs.csv header and unit (None: as is)
    summary: tuple[tuple[str, Unit], ...] = ()  # summary.json dotted key and unit
    dates: str | None = None  # summary.json dotted key of the P10/P50/P90 dates
    label: str | None = None  # console table row, in days
    label_if_reached: bool = False  # show the row only if some replication reached it


def _none_to_nan(values: Any) -> list[float]:
    return [np.nan if v is None else v for v in values]


def _utilisation(r: Result) -> list[float]:
    return [r.utilisation.get(name, 0.0) for name in resource_names(r.scenario)]


def _binding(r: Result) -> list[int]:
    """Per phase, the index of its binding resource in :func:`resource_names` (-1: none)."""
    names = resource_names(r.scenario)
    out = []
    for pid in r.phase_closure_h:
        name = (r.binding_by_phase.get(pid) or {}).get("resource")
        out.append(names.index(name) if name in names else -1)
    return out


def _curve(r: Result) -> np.ndarray:
    return np.column_stack([r.personnel, r.transit_personnel])


COLUMNS: tuple[Column, ...] = (
    Column("completed", "bool", "scalar", lambda r: r.completed, runs=(("completed", None),)),
    Column(
        "closure_h",
        "float64",
        "scalar",
        lambda r: r.closure_h,
        nullable=True,
        runs=(("closure_days", "days"), ("closure_weeks", "weeks")),
        summary=(("closure_days", "days"), ("closure_weeks", "weeks")),
        dates="closure_date",
        label="closure (100 %)",
    ),
    Column(
        "closure95_h",
        "float64",
        "scalar",
        lambda r: r.closure95_h,
        nullable=True,
        runs=(("closure95_days", "days"),),
        summary=(("closure95_days", "days"), ("closure95_weeks", "weeks")),
        dates="closure95_date",
        label="closure (95 %)",
    ),
    Column("end_h", "float64", "scalar", lambda r: r.end_h, runs=(("end_days", "days"),)),
    Column("kernel_events", "int64", "scalar", lambda r: r.kernel_events),
    Column(
        "phases",
        "float64",
        "per_phase",
        lambda r: _none_to_nan(r.phase_closure_h.values()),
        nullable=True,
        runs=(("phase_{id}_closure_days", "days"),),
        summary=(("phases.{id}.closure_days", "days"),),
        label="phase {id}",
    ),
    Column(
        "sites",
        "float64",
        "per_site",
        lambda r: _none_to_nan(r.site_empty_h.values()),
        nullable=True,
        runs=(("site_{id}_empty_day", "days"),),
        summary=(("sites.{id}.empty_day", "days"),),
        label="{id} empty",
        label_if_reached=True,
    ),
    Column(
        "milestones",
        "float64",
        "per_milestone",
        lambda r: _none_to_nan(r.milestones_h),
        nullable=True,
        runs=(("milestone_{id}_day", "days"),),
        summary=(("milestones.{id}.day", "days"),),
    ),
    Column(
        "drawn",
        "float64",
        "per_drawn",
        lambda r: list(r.drawn.values()),
        runs=(("drawn_{id}", None),),
    ),
    Column(
        "parameters",
        "float64",
        "per_parameter",
        lambda r: list(r.parameters.values()),
        runs=(("param_{id}", None),),
    ),
    Column("utilisation", "float64", "per_resource", _utilisation),
    Column("binding", "int32", "per_phase", _binding),
    Column(CURVE, "int64", "curve", _curve),
    Column(MEASURES, "float64", "measures", measures.table),
)
BY_NAME: dict[str, Column] = {c.name: c for c in COLUMNS}


def column(name: str) -> Column:
    """The declared column ``name`` (:class:`KeyError` listing the known ones if none)."""
    try:
        return BY_NAME[name]
    except KeyError:
        raise KeyError(f"no column {name!r}; known: {', '.join(BY_NAME)}") from None


def signature() -> str:
    """Names, dtypes and shapes of every column: part of a store's fingerprint."""
    return ",".join(f"{c.name}:{c.dtype}:{c.shape}" for c in COLUMNS)


def shape_of(col: Column, scenario: Scenario) -> tuple[int, ...]:
    """The shape of one replication's value of ``col`` in ``scenario``."""
    if col.shape == "scalar":
        return ()
    if col.shape == "per_phase":
        return (len(scenario.phases),)
    if col.shape == "per_site":
        return (len(scenario.sites),)
    if col.shape == "per_milestone":
        return (len(scenario.milestones),)
    if col.shape == "per_drawn":
        return (len(counts_drawn(scenario)),)
    if col.shape == "per_parameter":
        return (len(scenario.parameters),)
    if col.shape == "per_resource":
        return (len(resource_names(scenario)),)
    days = int(np.floor(scenario.horizon_days)) + 1
    if col.shape == "measures":
        return (days, len(measures.keys(scenario)))
    return (days, len(scenario.sites) + 1)


def shapes(scenario: Scenario) -> dict[str, tuple[int, ...]]:
    """Every column's per-replication shape in ``scenario``."""
    return {c.name: shape_of(c, scenario) for c in COLUMNS}


def ids(col: Column, scenario: Scenario) -> list[str]:
    """What ``{id}`` takes in ``col``'s templates: phase or site ids, paths, or ``[""]``."""
    if col.shape == "per_phase":
        return [p.id for p in scenario.phases]
    if col.shape == "per_site":
        return list(scenario.sites)
    if col.shape == "per_milestone":
        return [f"{m.percent:g}pct" for m in scenario.milestones]
    if col.shape == "per_drawn":
        return list(counts_drawn(scenario))
    if col.shape == "per_parameter":
        return list(scenario.parameters)
    if col.shape == "per_resource":
        return resource_names(scenario)
    return [""]


def allocate(scenario: Scenario, k: int) -> dict[str, np.ndarray]:
    """Empty arrays for ``k`` replications: NaN ("not reached") for floats, zeros otherwise."""
    out = {}
    for c in COLUMNS:
        dtype = np.dtype(c.dtype)
        fill = np.nan if dtype.kind == "f" else 0
        out[c.name] = np.full((k, *shape_of(c, scenario)), fill, dtype=dtype)
    return out


def fill(values: dict[str, np.ndarray], i: int, result: Result) -> None:
    """Put replication ``result`` at row ``i`` of arrays made by :func:`allocate`."""
    for c in COLUMNS:
        v = c.take(result)
        values[c.name][i] = np.nan if v is None else v


def in_unit(hours: float, unit: Unit) -> float | None:
    """Hours in days or weeks, rounded for ``runs.csv`` (``None``: not reached)."""
    if not math.isfinite(hours):
        return None
    days = float(hours) / 24.0
    return round(days if unit == "days" else days / 7, 4)
