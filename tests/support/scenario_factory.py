"""Small scenarios built in code for tests: write a dict as YAML and load it properly."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

import sim

BASE: dict[str, Any] = {
    "name": "test",
    "start": "2026-01-01",
    "horizon_days": 30,
    "cargo": {"container": {"short_tons": 10}},
    "sites": {},
    "fleets": {},
    "routes": [],
    "phases": [],
}


def scenario_dict(**parts: Any) -> dict[str, Any]:
    """A scenario mapping: BASE with the given top-level parts replaced."""
    data = copy.deepcopy(BASE)
    data.update(copy.deepcopy(parts))
    return data


def write(tmp_path: Path, data: dict[str, Any], name: str = "s.yaml") -> Path:
    """Dump a scenario mapping to a YAML file (dates stay ISO strings, loaded as dates)."""
    path = tmp_path / name
    text = yaml.safe_dump(data, sort_keys=False)
    path.write_text(text.replace("'2026-01-01'", "2026-01-01"), encoding="utf-8")
    return path


def load(tmp_path: Path, data: dict[str, Any], overrides: list[str] | None = None) -> sim.Scenario:
    """Write and load a scenario through the real loader."""
    return sim.load_scenario(write(tmp_path, data), overrides or [])


def truck(
    count: int, at: str, cap: dict[str, int], speed: Any = 50.0, load: Any = 1.0, unload: Any = 1.0
) -> dict[str, Any]:
    """A fleet mapping."""
    return {
        "count": count,
        "based_at": at,
        "capacity": cap,
        "speed_kmh": speed,
        "load_hours": load,
        "unload_hours": unload,
    }


def simple(containers: int = 1, trucks: int = 1, **parts: Any) -> dict[str, Any]:
    """``containers`` at site A to move 100 km to B (out of theatre) on ``trucks`` one-container
    trucks (50 km/h, 1 h to load, 1 h to unload), in one phase; ``parts`` replace top-level keys."""
    data = scenario_dict(
        sites={"A": {"equipment": {"container": containers}}, "B": {"in_theatre": False}},
        fleets={"t": truck(trucks, "A", {"container": 1})},
        routes=[{"from": "A", "to": "B", "km": 100}],
        phases=[{"id": "out", "moves": [{"from": "A", "to": "B"}]}],
    )
    data.update(parts)
    return data
