"""Hypothesis strategies that add the pace-realism keys to a valid scenario mapping.

:func:`with_pace` takes a mapping drawn by :func:`tests.support.strategies.scenario_dicts`
and adds, each sometimes and always validly:

* crew duty on road fleets (``hours_per_day``; a ``window`` that always contains 08-16 h,
  so the windows of any fleets that share a convoy overlap) and on aircraft
  (``sorties_per_day``);
* move ``priority`` and ``convoy.dispatch``;
* conditional events (``when`` with every kind of condition, sometimes ``after_days``):
  pauses and resumes, which every scenario can take;
* site work: ``ready_day``, ``work_hours`` (always containing 08-16 h) and ``prepare``
  (teams and hours per equipment class);
* self-propelled equipment classes (speed, seats, sometimes duty): every class keeps a
  weight-free road, since the generator puts weight limits only off its spanning tree;
* counts as distributions: fleet counts, site personnel and route lengths.
"""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import strategies as st

CONDITIONS = ("site_empty", "phase_started", "phase_closed", "in_theatre_below", "site_below")


@st.composite
def with_pace(draw: st.DrawFn, data: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``data`` with pace-realism keys added."""
    out = copy.deepcopy(data)
    for f in out["fleets"].values():
        if draw(st.integers(0, 2)) == 0:
            duty: dict[str, Any] = {}
            if draw(st.booleans()):
                duty["hours_per_day"] = draw(st.integers(4, 24))
            if draw(st.booleans()) or not duty:
                duty["window"] = [draw(st.integers(0, 8)), draw(st.integers(16, 24))]
            f["duty"] = duty
    for a in out.get("aircraft", {}).values():
        if draw(st.integers(0, 2)) == 0:
            a["duty"] = {"sorties_per_day": draw(st.integers(1, 6))}
    for ph in out["phases"]:
        for mv in ph["moves"]:
            if draw(st.integers(0, 2)) == 0:
                mv["priority"] = draw(st.integers(0, 3))
    if draw(st.booleans()):
        out.setdefault("convoy", {})["dispatch"] = draw(
            st.sampled_from(["nearest", "farthest_from_destination", "largest_backlog"])
        )
    sites = list(out["sites"])
    phases = [ph["id"] for ph in out["phases"]]
    events = out.setdefault("events", [])
    for _ in range(draw(st.integers(0, 2))):
        kind = draw(
            st.sampled_from(["site_empty", "phase_started", "phase_closed", "in_theatre_below", "site_below"])
        )
        if kind == "site_empty":
            when: dict[str, Any] = {kind: draw(st.sampled_from(sites))}
        elif kind in ("phase_started", "phase_closed"):
            if not phases:
                continue
            when = {kind: draw(st.sampled_from(phases))}
        elif kind == "in_theatre_below":
            when = {kind: draw(st.integers(1, 1000))}
        else:
            when = {kind: {"site": draw(st.sampled_from(sites)), "personnel": draw(st.integers(1, 300))}}
        ev: dict[str, Any] = {"type": draw(st.sampled_from(["pause", "resume"])), "when": when}
        if ev["type"] == "pause":
            ev["days"] = draw(st.integers(1, 8)) / 4
        if draw(st.booleans()):
            ev["after_days"] = draw(st.integers(0, 8)) / 4
        events.append(ev)
    if not events:
        del out["events"]
    _site_work(draw, out)
    _self_propelled(draw, out)
    _drawn_counts(draw, out)
    return out


def _site_work(draw: st.DrawFn, out: dict[str, Any]) -> None:
    equipment = [c for c in out.get("cargo", {}) if c != "personnel"]
    for site in out["sites"].values():
        if draw(st.integers(0, 3)) == 0:
            site["ready_day"] = draw(st.integers(0, 8)) / 4
        if draw(st.integers(0, 3)) == 0:
            site["work_hours"] = [draw(st.integers(0, 8)), draw(st.integers(16, 24))]
        if equipment and draw(st.integers(0, 3)) == 0:
            prepare: dict[str, Any] = {"hours": {c: draw(st.integers(0, 24)) / 4 for c in equipment}}
            if draw(st.booleans()):
                prepare["teams"] = draw(st.integers(1, 4))
            site["prepare"] = prepare


def _self_propelled(draw: st.DrawFn, out: dict[str, Any]) -> None:
    for cls, spec in out.get("cargo", {}).items():
        if cls != "personnel" and spec.get("mode") != "air" and draw(st.integers(0, 3)) == 0:
            sp: dict[str, Any] = {"speed_kmh": draw(st.integers(20, 60)), "seats": draw(st.integers(0, 4))}
            if draw(st.booleans()):
                sp["duty"] = {"hours_per_day": draw(st.integers(6, 24))}
            spec["self_propelled"] = sp


def _drawn_counts(draw: st.DrawFn, out: dict[str, Any]) -> None:
    for f in out["fleets"].values():
        if draw(st.integers(0, 3)) == 0:
            c = f["count"]
            f["count"] = {"uniform": [max(1, c - 2), c + 2]}
    for site in out["sites"].values():
        if site.get("personnel") and draw(st.integers(0, 3)) == 0:
            n = site["personnel"]
            site["personnel"] = {"triangular": [n // 2, n, 2 * n]}
    for r in out["routes"]:
        if draw(st.integers(0, 5)) == 0 and not r.get("crossings"):
            r["km"] = {"uniform": [r["km"], r["km"] * 2]}
