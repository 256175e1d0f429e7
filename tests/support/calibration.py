"""A synthetic scenario to calibrate: two fleets whose speeds are the parameters to learn.

1,000 personnel at camp A ride 5 buses (40 seats each) and 100 containers at depot C ride 10
trucks (2 each), both 600 km to home B (out of theatre). Each fleet has its own route, so the
personnel curve tells the bus speed and the equipment curve the truck speed. Loading takes
``load`` hours (a triangular distribution by default, drawn at every loading, so the model is
stochastic), unloading 1 hour. At speed v km/h, with loading fixed at 2 h, a round trip takes
2 + 600/v + 1 + 600/v hours, and every trip moves a fifth of each load: at 50 km/h the five
bus loads reach B at 15, 42, 69, 96 and 123 hours.
"""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path
from typing import Any

import yaml

import sim
from sim.engine import measures

CITE = "assumption: a synthetic calibration check"
START = dt.date(2026, 1, 1)
PRIOR = (20.0, 60.0)
"""Both speeds: uniform over this range (km/h)."""


def synthetic(load: Any = None, horizon: float = 30) -> dict[str, Any]:
    """The scenario mapping, with no observations yet."""
    load = {"triangular": [1, 2, 4]} if load is None else load
    fleet = {"load_hours": load, "unload_hours": 1, "cite": CITE}
    return {
        "name": "Synthetic calibration check",
        "start": START.isoformat(),
        "horizon_days": horizon,
        "cite": CITE,
        "parameters": {
            "bus_speed": {"prior": {"uniform": list(PRIOR)}, "cite": CITE},
            "truck_speed": {"prior": {"uniform": list(PRIOR)}, "cite": CITE},
        },
        "cargo": {"container": {"short_tons": 10, "cite": CITE}},
        "sites": {
            "A": {"name": "Camp", "personnel": 1000, "cite": CITE},
            "C": {"name": "Depot", "equipment": {"container": 100}, "cite": CITE},
            "B": {"name": "Home", "cite": CITE},
        },
        "fleets": {
            "buses": {
                "count": 5,
                "based_at": "A",
                "capacity": {"personnel": 40},
                "speed_kmh": {"param": "bus_speed"},
                **fleet,
            },
            "trucks": {
                "count": 10,
                "based_at": "C",
                "capacity": {"container": 2},
                "speed_kmh": {"param": "truck_speed"},
                **fleet,
            },
        },
        "routes": [
            {"from": "A", "to": "B", "km": 600, "cite": CITE},
            {"from": "C", "to": "B", "km": 600, "cite": CITE},
        ],
        "phases": [
            {
                "id": "out",
                "start_day": 0,
                "cite": CITE,
                "moves": [{"from": "A", "to": "B"}, {"from": "C", "to": "B"}],
            }
        ],
    }


def write(path: Path, data: dict[str, Any]) -> Path:
    """Write a scenario mapping as YAML."""
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def load(path: Path, data: dict[str, Any]) -> sim.Scenario:
    """Write a scenario mapping and load it through the real loader."""
    return sim.load_scenario(write(path, data))


def observe(
    tmp: Path, data: dict[str, Any], truth: dict[str, float], days: tuple[int, ...], *, replication: int = 0
) -> dict[str, Any]:
    """``data`` with observations of personnel and equipment in theatre on ``days``, read from
    one replication of the model at the ``truth`` (seed 1000)."""
    base = load(tmp / "truth.yaml", data)
    result = sim.simulate(base, seed=1000, replication=replication, parameters=truth)
    table, keys = measures.table(result), measures.keys(base)
    out = copy.deepcopy(data)
    out["observations"] = [
        {
            "date": (START + dt.timedelta(days=d)).isoformat(),
            "metric": metric,
            "value": float(table[d, keys.index(metric)]),
            "source": CITE,
        }
        for d in days
        for metric in ("personnel", "equipment")
    ]
    return out
