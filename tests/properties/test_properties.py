"""Invariants that every valid scenario must satisfy, checked on random scenarios.

The scenarios come from :func:`strategies.scenario_dicts` (1-20 sites, a connected road
network, fleets, aircraft, crossings, phases with ``after``, events; see its docstring) and
go through the real YAML reader and validator before they run.

Budget. The examples are split between the tests below by :data:`SHARE`; the total is set by
a settings profile registered in ``tests/conftest.py``:

* ``posture-ci`` (default): 500 examples in all, about 1.5 minutes on 2 cores;
* ``posture-long``: 10,000 examples, for a longer run (see ``docs/reliability.md``)::

      POSTURE_HYPOTHESIS_PROFILE=long python -m pytest tests/properties/test_properties.py
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import sim
from sim.engine.model import Engine
from sim.engine.streams import Streams
from sim.scenario.schema import PERSONNEL
from tests.support import strategies as gen

pytestmark = pytest.mark.slow  # 500 random scenarios: about 3 minutes of CPU

PROFILE = settings.get_profile("posture")
"""The profile chosen in tests/conftest.py (``POSTURE_HYPOTHESIS_PROFILE``)."""

SHARE = {"run": 0.5, "determinism": 0.3, "keep": 0.2}
"""Share of the profile's examples each test gets (they add up to 1)."""


def budget(test: str) -> settings:
    """The profile's settings with this test's share of the examples."""
    return settings(PROFILE, max_examples=max(1, round(PROFILE.max_examples * SHARE[test])))


def _hours(ev: sim.scenario.schema.Event, start: Any) -> float:
    """When a dated event is due; a conditional event (``when``) has no date: infinity."""
    if ev.day is not None:
        return ev.day * 24.0
    return math.inf if ev.date is None else float((ev.date - start).days) * 24.0


def _inflow(s: sim.Scenario, until: float, inclusive: bool) -> list[int]:
    """Units that reinforcements (new to the theatre) bring in by ``until``, per class."""
    out = [0] * len(s.classes)
    for ev in s.events:
        t = _hours(ev, s.start)
        if ev.type == "reinforce" and not ev.from_stock and (t < until or (inclusive and t == until)):
            for c, cls in enumerate(s.classes):
                out[c] += ev.personnel if cls == PERSONNEL else ev.equipment.get(cls, 0)
    return out


def _forced(s: sim.Scenario) -> set[str]:
    """Phases that an event starts or cancels, whatever their ``after`` and ``start_day``."""
    return {ev.phase for ev in s.events if ev.type in ("start_phase", "cancel_phase") and ev.phase}


# ----------------------------------------------------------------------------- one run
def check_conservation(s: sim.Scenario, r: sim.Result) -> None:
    """Every snapshot (one per change of state) balances, counting reinforcements."""
    initial = [sum(s.holdings(sid).get(c, 0) for sid in s.sites) for c in s.classes]
    moved = any(c.kind == "loaded" and c.depart_h is not None for c in r.convoys) or any(
        r.disposition[k]["units"] for k in ("transfer", "destroy")
    )
    assert r.snapshots or not moved, "units moved but the audit kept no snapshots"
    for t, totals, expected in r.snapshots:
        assert totals == expected, f"conservation broken at t={t}: {totals} != {expected}"
        assert all(e >= i for e, i in zip(expected, initial, strict=True))
    if r.snapshots:
        inflow = [e - i for e, i in zip(r.snapshots[-1][2], initial, strict=True)]
        low, high = _inflow(s, r.end_h, False), _inflow(s, r.end_h, True)
        assert all(lo <= n <= hi for lo, n, hi in zip(low, inflow, high, strict=True)), (inflow, low, high)
    # the troop curve conserves people: sites + road = day-0 people + reinforcements so far
    people = r.personnel.sum(axis=1) + r.transit_personnel
    p = s.classes.index(PERSONNEL)
    for k, day in enumerate(r.days):
        t = min(day * 24.0, r.end_h)
        assert _inflow(s, t, False)[p] <= people[k] - initial[p] <= _inflow(s, t, True)[p], (day, people[k])
    assert (r.personnel >= 0).all() and (r.transit_personnel >= 0).all()


def check_termination(s: sim.Scenario, r: sim.Result) -> None:
    """The run ends by the horizon; an unfinished run says why, a finished one when."""
    horizon = s.horizon_days * 24.0
    summary = r.summary()
    assert 0.0 <= r.end_h <= horizon
    closes = [t for t in r.phase_closure_h.values() if t is not None]
    if not r.completed:
        assert r.end_h == horizon, "an unfinished run must have stopped at the horizon"
        assert r.closure_h is None and summary["closure_date"] is None
        assert summary["closure_days"] is None and summary["closure_weeks"] is None
        open_phases = [pid for pid, t in r.phase_closure_h.items() if t is None]
        for pid in open_phases:
            assert any(why.startswith(f"phase {pid} ") for why in r.binding), (pid, r.binding)
        if not open_phases:  # only reinforcements are unfinished: they are still to move or on the road
            assert r.remaining or r.in_transit, "unfinished, but nothing remaining, on the road or binding"
    else:
        assert len(closes) == len(r.phase_closure_h), "completed with a phase still open"
        assert r.closure_h == max(closes, default=0.0)
        assert r.closure_h <= r.end_h <= horizon
        assert summary["closure_date"] is not None and r.binding == []
        assert r.remaining == {} and r.in_transit == {}
        assert r.closure95_h is not None


def check_closure_rules(s: sim.Scenario, r: sim.Result) -> None:
    """95 % <= 100 %; each phase closes after it starts and after every phase in ``after``."""
    if r.closure95_h is not None and r.closure_h is not None:
        assert r.closure95_h <= r.closure_h
    forced = _forced(s)
    for ph in s.phases:
        start, close = r.phase_start_h[ph.id], r.phase_closure_h[ph.id]
        if start is not None:
            assert close is None or close >= start, (ph.id, start, close)
        if ph.id in forced:
            continue
        if start is not None:
            assert start >= 24.0 * (ph.start_day or 0.0) - 1e-9, (ph.id, start)
        for dep in ph.after:
            dep_close = r.phase_closure_h[dep]
            if dep_close is None:
                assert start is None and close is None, (ph.id, dep)
            else:
                assert start is None or start >= dep_close, (ph.id, start, dep, dep_close)
                assert close is None or close >= dep_close, (ph.id, close, dep, dep_close)


def check_convoys(s: sim.Scenario, r: sim.Result) -> None:
    """No convoy is longer than ``max_vehicles``; no vehicle carries more than its capacity."""
    caps: dict[str, dict[str, int]] = {fid: dict(f.capacity) for fid, f in s.fleets.items()}
    for aid, ac in s.aircraft.items():
        cap = dict(ac.capacity)
        if ac.max_short_tons is not None:
            for cls in cap:
                tons = (s.cargo[cls].short_tons if cls in s.cargo else None) or 0.0
                if tons > 0:
                    cap[cls] = min(cap[cls], int(ac.max_short_tons // tons))
        caps[aid] = cap
    header, rows = r.convoy_rows()
    fleets = list(s.fleets)
    for row, rec in zip(rows, r.convoys, strict=True):
        line = dict(zip(header, row, strict=True))
        n = line["vehicles"]
        assert n == sum(rec.vehicles.values()) >= 1
        if rec.mode == "air":
            assert n == 1, f"a sortie is one aircraft: {rec}"
        elif rec.self_propelled:  # its units are its vehicles; riders fill at most their seats
            seats = s.cargo[rec.self_propelled].self_propelled
            assert seats is not None and line[rec.self_propelled] == n
            assert line[PERSONNEL] <= seats.seats * n, f"convoy {rec.id}: more riders than seats"
            if s.convoy.max_vehicles is not None:
                assert n <= s.convoy.max_vehicles, f"convoy {rec.id} has {n} vehicles"
            continue
        else:
            assert sum(line[f"vehicles_{f}"] for f in fleets) == n
            if s.convoy.max_vehicles is not None:
                assert n <= s.convoy.max_vehicles, f"convoy {rec.id} has {n} vehicles"
        if rec.kind != "loaded":
            assert not any(line[c] for c in s.classes)
            continue
        # each vehicle carries one class, at most its capacity for it
        least = 0
        for cls in s.classes:
            units = line[cls]
            room = sum(k * caps[f].get(cls, 0) for f, k in rec.vehicles.items())
            assert units <= room, f"convoy {rec.id}: {units} {cls} > capacity {room}"
            if units:
                least += math.ceil(units / max(caps[f].get(cls, 0) for f in rec.vehicles))
        assert least <= n, f"convoy {rec.id}: {least} vehicles needed for one class each, {n} sent"


@budget("run")
@given(data=gen.scenario_dicts(), seed=st.integers(0, 2**32 - 1), deterministic=st.booleans())
def test_every_run_conserves_terminates_and_obeys_the_closure_rules(
    data: dict[str, Any], seed: int, deterministic: bool
) -> None:
    s = gen.build(data)
    r = gen.run(s, seed=seed, deterministic=deterministic)
    check_conservation(s, r)
    check_termination(s, r)
    check_closure_rules(s, r)
    check_convoys(s, r)


# ----------------------------------------------------------------------------- determinism
def _fingerprint(r: sim.Result) -> tuple[Any, ...]:
    return (json.dumps(r.summary(), sort_keys=True), r.troop_curve_rows(), r.convoy_rows(), r.daily_rows())


@budget("determinism")
@given(data=gen.scenario_dicts(), seed=st.integers(0, 2**32 - 1), rep=st.integers(0, 5))
def test_same_seed_gives_the_same_result(data: dict[str, Any], seed: int, rep: int) -> None:
    first = sim.simulate(gen.build(data), seed=seed, replication=rep)
    again = sim.simulate(gen.build(data), seed=seed, replication=rep)  # a fresh Scenario object
    assert _fingerprint(first) == _fingerprint(again)


# ----------------------------------------------------------------------------- keep
@budget("keep")
@given(
    data=gen.scenario_dicts(events=[k for k in gen.EVENT_KINDS if k not in ("set_keep", "reinforce")]),
    seed=st.integers(0, 2**32 - 1),
    deterministic=st.booleans(),
)
def test_kept_units_stay(data: dict[str, Any], seed: int, deterministic: bool) -> None:
    """Without set_keep and reinforce events, no site ever holds less of a class than
    min(day-0 holding, smallest ``keep`` of the moves from it); a site no move leaves never
    loses anything. Checked after every change of state, not just at midnight."""
    s = gen.build(data)
    eng = Engine(s, Streams(seed, 0, deterministic=deterministic), audit=True)
    eng.run()
    w = eng.world
    floor: dict[tuple[int, int], int] = {}
    for si, sid in enumerate(w.sites):
        held = s.holdings(sid)
        moves = [mv for ph in s.phases for mv in ph.moves if mv.from_ == sid]
        for c, cls in enumerate(w.classes):
            keeps = [mv.keep.get(cls, 0) for mv in moves]
            floor[si, c] = min([held.get(cls, 0), *keeps])
    level: dict[tuple[int, int], int] = defaultdict(int)
    for si, sid in enumerate(w.sites):
        for c, cls in enumerate(w.classes):
            level[si, c] = s.holdings(sid).get(cls, 0)
    for t, node, c, delta in w.changes:
        if node < 0:
            continue
        level[node, c] += delta
        assert level[node, c] >= floor[node, c], (
            f"{w.sites[node]} holds {level[node, c]} {w.classes[c]} at t={t}, below {floor[node, c]}"
        )
    final = np.array([[level[si, c] for c in range(len(w.classes))] for si in range(len(w.sites))])
    assert final.tolist() == w.stock
