"""Every evidence metric of one run, computed by hand on the worked example.

The worked example (``scenarios/examples/worked-example.yaml``, deterministic): 100
containers at A, 10 trucks of 2 containers, 300 km at 30 km/h, 2 h to load, 1 h to unload.
Each round trip takes 23 h, so trip k (k = 0..4) loads from 23k h, departs at 23k + 2 h,
arrives at 23k + 12 h and is unloaded at 23k + 13 h: 20 containers leave A at
2, 25, 48, 71, 94 h and are unloaded at B at 13, 36, 59, 82, 105 h; 10 loaded trucks arrive
at 12, 35, 58, 81, 104 h. A is in theatre; B, only a destination, is not. Measures are read
at 00:00 each day (24 d h), after that instant's events.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

import sim
from sim.engine import measures
from sim.scenario.evidence import Milestone, Observation

WORKED = Path(__file__).resolve().parents[2] / "scenarios/examples/worked-example.yaml"


def _run() -> sim.Result:
    return sim.simulate(sim.load_scenario(WORKED), deterministic=True)


def test_every_metric_by_hand() -> None:
    r = _run()
    days = slice(0, 6)
    by_hand = {
        "equipment@A": [100, 80, 40, 20, 0, 0],  # departures <= 24 d h (48 h counts on day 2)
        "equipment@B": [0, 20, 40, 60, 80, 100],  # unloaded <= 24 d h
        "equipment": [100, 80, 60, 40, 20, 0],  # A plus the road: 100 - unloaded
        "equipment.container": [100, 80, 60, 40, 20, 0],
        "percent_complete": [0, 20, 40, 60, 80, 100],
        "vehicle_trips": [0, 10, 20, 30, 40, 50],  # loaded trucks arrived
        "sites_open": [1, 1, 1, 1, 0, 0],  # A holds equipment until 94 h
        "sites_open@A": [1, 1, 1, 1, 0, 0],
        "personnel": [0, 0, 0, 0, 0, 0],
        "sorties": [0, 0, 0, 0, 0, 0],
    }
    for key, values in by_hand.items():
        assert measures.series(r, key)[days].tolist() == values, key


def test_milestones_are_the_instants_the_percent_is_reached() -> None:
    s = sim.load_scenario(WORKED)
    assert _run().milestones_h == []  # the file has none
    with_ms = s.model_copy(
        update={
            "milestones": [
                Milestone(percent=p, date=s.start, source="assumption: a test milestone")
                for p in (20, 50, 100)
            ]
        }
    )
    r2 = sim.simulate(with_ms, deterministic=True)
    # 20 % at the first unloading (13 h), 50 % only at the third (59 h: 40 % before), 100 % at 105 h
    assert r2.milestones_h == [13.0, 59.0, 105.0]


def test_keys_name_every_column_and_observations_map_to_them() -> None:
    r = _run()
    keys = measures.keys(r.scenario)
    assert measures.table(r).shape == (len(r.days), len(keys))
    assert len(set(keys)) == len(keys)
    assert "sites_open@B" not in keys  # B is out of theatre: never counted as open
    ob = Observation.model_validate(
        {"date": "2026-01-02", "metric": "equipment", "class": "container", "value": 1, "source": "x"}
    )
    assert measures.key_of(ob) == "equipment.container"
    assert np.array_equal(measures.series(r, "personnel"), r.in_theatre)
