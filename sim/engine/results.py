"""What one run produces: closures, the troop curve as arrays, and the convoy log.

A :class:`Result` is plain data built once at the end of a run. It knows how to present
itself as the ``summary.json`` mapping, the rows of ``troop_curve.csv`` and the rows of
``events.csv``; writing files is :mod:`sim.output`'s job, drawing is :mod:`sim.plots`'.

Times are kept in hours (the model's clock) and reported in days and weeks (days / 7).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..scenario.schema import Scenario


def hours_to_days(h: float | None) -> float | None:
    """Hours to days (``None`` stays ``None``)."""
    return None if h is None else h / 24.0


def rounded(x: float | None, digits: int = 4) -> float | None:
    """Round for reporting; ``None`` and non-finite values become ``None``."""
    if x is None or not math.isfinite(x):
        return None
    return round(x, digits)


def date_at(start: dt.date, hours: float | None) -> str | None:
    """The calendar date (ISO) ``hours`` after 00:00 on ``start``."""
    if hours is None:
        return None
    return (dt.datetime.combine(start, dt.time()) + dt.timedelta(hours=hours)).date().isoformat()


@dataclass
class ConvoyRecord:
    """One convoy: who drove where, when, carrying what (``None``: not yet, at the end)."""

    id: int
    kind: str  # "loaded" or "empty"
    origin: str
    dest: str
    vehicles: dict[str, int]
    cargo: dict[str, int]
    phases: tuple[str, ...]
    formed_h: float
    depart_h: float | None = None
    arrive_h: float | None = None
    unloaded_h: float | None = None
    mode: str = "road"
    escort_wait_h: float = 0.0
    turned_back: bool = False
    halts: int = 0  # crew duty: times it halted on the road
    halted_h: float = 0.0  # and for how long
    self_propelled: str = ""  # the class of a convoy of self-propelled units
    routes: tuple[int, ...] = ()  # indices in scenario.routes of the routes driven, in order


@dataclass(repr=False)
class Result:
    """Everything one replication tells us (``repr`` is one line; :meth:`summary` is all)."""

    scenario: Scenario
    seed: int
    replication: int
    deterministic: bool
    completed: bool
    end_h: float
    closure_h: float | None
    closure95_h: float | None
    phase_start_h: dict[str, float | None]
    phase_closure_h: dict[str, float | None]
    site_empty_h: dict[str, float | None]
    site_last_departure_h: dict[str, float | None]
    remaining: dict[str, dict[str, int]]
    in_transit: dict[str, int]
    binding: list[str]
    convoys: list[ConvoyRecord]
    days: np.ndarray
    personnel: np.ndarray  # (days, sites): personnel at each site at 00:00 of each day
    transit_personnel: np.ndarray  # (days,)
    in_theatre_sites: list[bool]
    kernel_events: int = 0
    runtime_s: float = 0.0
    snapshots: list[tuple[float, list[int], list[int]]] = field(default_factory=list)
    daily: dict[str, np.ndarray] = field(default_factory=dict)
    utilisation: dict[str, float] = field(default_factory=dict)
    binding_by_phase: dict[str, dict[str, Any]] = field(default_factory=dict)
    disposition: dict[str, dict[str, Any]] = field(default_factory=dict)
    waits: dict[str, Any] = field(default_factory=dict)
    equipment: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.int64))
    transit_equipment: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    equipment_classes: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.int64))
    percent_complete: np.ndarray = field(default_factory=lambda: np.zeros(0))
    vehicle_trips: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    sorties: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.int64))
    milestones_h: list[float | None] = field(default_factory=list)
    event_fired_h: list[float | None] = field(default_factory=list)  # per scenario event
    drawn: dict[str, float | int] = field(default_factory=dict)  # counts drawn (engine.realise)
    parameters: dict[str, float] = field(default_factory=dict)  # parameter values (engine.realise)
    uncertain: bool = False  # the scenario draws something at random (scenario.drawn.uncertain)

    @property
    def what(self) -> str:
        """What this run is, said wherever its numbers are shown: the plan, the only outcome,
        or one random replication among many possible."""
        if self.deterministic:
            return "the deterministic plan (every distribution at its central value)"
        if not self.uncertain:
            return "the only outcome (nothing in the scenario is drawn at random)"
        return f"one random replication (seed {self.seed}, replication {self.replication})"

    def __post_init__(self) -> None:
        if not isinstance(self.convoys, Convoys):
            self.convoys = Convoys(self.convoys, self.scenario)

    @property
    def sites(self) -> list[str]:
        """Site ids in declared order (the columns of ``personnel``)."""
        return list(self.scenario.sites)

    @property
    def in_theatre(self) -> np.ndarray:
        """Personnel in theatre per day: in-theatre sites plus those on the road."""
        mask = np.array(self.in_theatre_sites, dtype=bool)
        return np.asarray(self.personnel[:, mask].sum(axis=1) + self.transit_personnel)

    @property
    def closure_days(self) -> float | None:
        """Day (from day 0) on which the last unit arrived; ``None`` if not finished."""
        return hours_to_days(self.closure_h)

    @property
    def closure_weeks(self) -> float | None:
        """Closure in weeks (days / 7)."""
        d = self.closure_days
        return None if d is None else d / 7.0

    def summary(self) -> dict[str, Any]:
        """The ``summary.json`` mapping for this run."""
        s = self.scenario
        d95 = hours_to_days(self.closure95_h)
        return (
            {
                "scenario": s.name,
                "start": s.start.isoformat(),
                "horizon_days": s.horizon_days,
                "seed": self.seed,
                "replication": self.replication,
                "deterministic": self.deterministic,
                "what": self.what,
                "completed": self.completed,
                "closure_days": rounded(self.closure_days),
                "closure_weeks": rounded(self.closure_weeks),
                "closure_date": date_at(s.start, self.closure_h),
                "closure95_days": rounded(d95),
                "closure95_weeks": rounded(None if d95 is None else d95 / 7.0),
                "closure95_date": date_at(s.start, self.closure95_h),
                "end_days": rounded(self.end_h / 24.0),
                "phases": {
                    pid: {
                        "start_days": rounded(hours_to_days(self.phase_start_h[pid])),
                        "closure_days": rounded(hours_to_days(self.phase_closure_h[pid])),
                        "closure_date": date_at(s.start, self.phase_closure_h[pid]),
                        "binding": self.binding_by_phase.get(pid),
                    }
                    for pid in self.phase_closure_h
                },
                "sites": {
                    sid: {
                        "empty_day": rounded(hours_to_days(self.site_empty_h[sid])),
                        "last_departure_day": rounded(hours_to_days(self.site_last_departure_h[sid])),
                        "personnel_at_end": int(self.personnel[-1, i]),
                    }
                    for i, sid in enumerate(self.sites)
                },
                "remaining": self.remaining,
                "in_transit": self.in_transit,
                "binding": self.binding,
                "convoys": {
                    "loaded": sum(1 for c in self.convoys if c.kind == "loaded" and c.mode == "road"),
                    "empty": sum(1 for c in self.convoys if c.kind == "empty" and c.mode == "road"),
                    "sorties": sum(1 for c in self.convoys if c.mode == "air"),
                },
                "utilisation": self.utilisation,
                "disposition": self.disposition,
                "waits": self.waits,
                "events": self.events_fired(),
            }
            | ({"drawn": self.drawn} if self.drawn else {})
            | (  # counts and rates drawn (engine.realise)
                {"parameters": self.parameters} if self.parameters else {}
            )
        )

    def events_fired(self) -> list[dict[str, Any]]:
        """Each of the scenario's events, in order: its type, when it was due, when it fired.

        ``day`` is the day a dated event was due (a ``date`` counted from ``start``); ``when``
        and ``after_days`` are a conditional event's condition and delay; ``fired_day`` is
        ``None`` for an event that never fired (condition never held, or past the end).
        """
        s = self.scenario
        fired = self.event_fired_h or [None] * len(s.events)
        out = []
        for ev, h in zip(s.events, fired, strict=True):
            day = ev.day if ev.date is None else float((ev.date - s.start).days)
            out.append(
                {
                    "type": ev.type,
                    "day": rounded(day),
                    "when": None if ev.when is None else ev.when.describe(),
                    "after_days": ev.after_days,
                    "fired_day": rounded(hours_to_days(h)),
                }
            )
        return out

    def daily_rows(self) -> tuple[list[str], list[list[Any]]]:
        """Header and rows of ``daily.csv``: activity per day."""
        names = list(self.daily)
        header = ["day", "date", *names]
        rows = []
        for k, day in enumerate(self.days):
            date = (self.scenario.start + dt.timedelta(days=int(day))).isoformat()
            rows.append([int(day), date, *(self.daily[n][k].item() for n in names)])
        return header, rows

    def troop_curve_rows(self) -> tuple[list[str], list[list[Any]]]:
        """Header and rows of ``troop_curve.csv``: day, date, one column per site, totals."""
        header = ["day", "date", *self.sites, "in_transit", "in_theatre"]
        theatre = self.in_theatre
        rows = []
        for k, day in enumerate(self.days):
            date = (self.scenario.start + dt.timedelta(days=int(day))).isoformat()
            rows.append(
                [
                    int(day),
                    date,
                    *(int(v) for v in self.personnel[k]),
                    int(self.transit_personnel[k]),
                    int(theatre[k]),
                ]
            )
        return header, rows

    def convoy_rows(self) -> tuple[list[str], list[list[Any]]]:
        """Header and rows of ``events.csv``: one row per convoy (a last ``self_propelled``
        column when some class is self-propelled)."""
        return convoy_rows(self.scenario, self.convoys)

    def troop_curve(self) -> Any:
        """The troop curve (``troop_curve.csv``) as a pandas DataFrame, one row per day."""
        import pandas as pd

        header, rows = self.troop_curve_rows()
        frame = pd.DataFrame(rows, columns=header)
        frame["date"] = pd.to_datetime(frame["date"])
        return frame

    def __repr__(self) -> str:
        closure = "not finished" if self.closure_h is None else f"closure {self.closure_h / 24:.2f} days"
        how = ", deterministic" if self.deterministic else ""
        return (
            f"<Result {self.scenario.name!r}: {closure}, {len(self.convoys)} convoys; "
            f"seed {self.seed}, replication {self.replication}{how}>"
        )


def convoy_rows(scenario: Scenario, convoys: list[ConvoyRecord]) -> tuple[list[str], list[list[Any]]]:
    """Header and rows of ``events.csv``: one row per convoy (a last ``self_propelled``
    column when some class is self-propelled)."""
    classes = scenario.classes
    driving = any(c.self_propelled is not None for c in scenario.cargo.values())
    fleets = list(scenario.fleets)
    header = [
        "convoy",
        "kind",
        "mode",
        "origin",
        "destination",
        "phases",
        "formed_day",
        "depart_day",
        "arrive_day",
        "unloaded_day",
        "vehicles",
        *(f"vehicles_{f}" for f in fleets),
        *classes,
        "halts",
        "halted_hours",
        *(["self_propelled"] if driving else []),
    ]
    rows = []
    for c in convoys:
        rows.append(
            [
                c.id,
                c.kind,
                c.mode,
                c.origin,
                c.dest,
                " ".join(c.phases),
                *(rounded(hours_to_days(h), 6) for h in (c.formed_h, c.depart_h, c.arrive_h, c.unloaded_h)),
                sum(c.vehicles.values()),
                *(c.vehicles.get(f, 0) for f in fleets),
                *(c.cargo.get(k, 0) for k in classes),
                c.halts,
                rounded(c.halted_h, 6),
                *([c.self_propelled] if driving else []),
            ]
        )
    return header, rows


class Convoys(list[ConvoyRecord]):
    """A run's convoy and sortie records, in the order formed (a list). Calling it,
    ``result.convoys()``, gives them as the ``events.csv`` table in a pandas DataFrame."""

    def __init__(self, records: list[ConvoyRecord], scenario: Scenario) -> None:
        super().__init__(records)
        self.scenario = scenario

    def __call__(self) -> Any:
        import pandas as pd

        header, rows = convoy_rows(self.scenario, self)
        return pd.DataFrame(rows, columns=header)


def daily_levels(
    changes: list[tuple[float, int, int, int]],
    cls: int,
    nodes: int,
    initial: np.ndarray,
    days: np.ndarray,
) -> np.ndarray:
    """Level of class ``cls`` at each node at 00:00 of each day (after that instant's events).

    ``changes`` are ``(hours, node, class, delta)``; node ``-1`` (the road) maps to the last
    column. Returns an array of shape ``(len(days), nodes)``.
    """
    grid = days * 24.0
    out = np.tile(np.asarray(initial, dtype=np.int64), (len(days), 1))
    if not changes:
        return out
    arr = np.array([(t, n, d) for t, n, c, d in changes if c == cls], dtype=float).reshape(-1, 3)
    if arr.size == 0:
        return out
    for node in range(nodes):
        col = node if node < nodes - 1 else -1
        sel = arr[arr[:, 1] == col] if col >= 0 else arr[arr[:, 1] == -1]
        if sel.size == 0:
            continue
        cum = np.cumsum(sel[:, 2])
        idx = np.searchsorted(sel[:, 0], grid, side="right")
        out[:, node] += np.where(idx > 0, cum[np.maximum(idx - 1, 0)], 0).astype(np.int64)
    return out
