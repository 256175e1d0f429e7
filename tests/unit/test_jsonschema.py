"""The JSON Schema of the scenario file form (``posture schema``, ``docs/scenario.schema.json``).

Every shipped scenario and starter template validates against it, as an editor would read
the file (YAML 1.2: a date is a string), whether the schema is read as draft 2020-12 or as
draft-07. Files the schema refuses are refused by ``posture validate`` too, so an editor's
complaint is never a false alarm on these cases, and the shipped copy in ``docs/`` is what
``posture schema`` prints today.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft7Validator, Draft202012Validator
from jsonschema.protocols import Validator

from sim.cli.onboarding import TEMPLATES, template_text
from sim.scenario.jsonschema import hover, scenario_schema, schema_text
from sim.scenario.loader import load_scenario
from sim.scenario.problems import ScenarioError
from sim.scenario.yamlsource import parse_yaml

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = sorted((ROOT / "scenarios").rglob("*.yaml"))
WORKED = ROOT / "scenarios/examples/worked-example.yaml"


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    made = scenario_schema()
    Draft202012Validator.check_schema(made)
    return made


@pytest.fixture(scope="module", params=[Draft202012Validator, Draft7Validator], ids=["2020-12", "draft-07"])
def validator(request: pytest.FixtureRequest, schema: dict[str, Any]) -> Validator:
    """The schema read as it declares (draft 2020-12), and as draft-07, the draft the YAML
    language server behind VS Code's YAML extension reads every schema as: both must agree."""
    kind: type[Validator] = request.param
    return kind(schema)


def as_editor_reads(data: Any) -> Any:
    """Parsed YAML as a YAML 1.2 editor sees it: dates are plain strings."""
    if isinstance(data, dict):
        return {k: as_editor_reads(v) for k, v in data.items()}
    if isinstance(data, list):
        return [as_editor_reads(v) for v in data]
    return data.isoformat() if isinstance(data, dt.date) else data


def _problems(validator: Validator, data: Any) -> list[str]:
    return [f"{'.'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(data)]


def test_the_shipped_scenarios_are_found() -> None:
    assert len(SHIPPED) >= 8 and WORKED in SHIPPED


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_shipped_scenario_validates(path: Path, validator: Validator) -> None:
    data = as_editor_reads(parse_yaml(path.read_text(encoding="utf-8"), str(path)).data)
    assert _problems(validator, data) == []


@pytest.mark.parametrize("name", TEMPLATES)
def test_every_init_template_validates(name: str, validator: Validator) -> None:
    data = as_editor_reads(parse_yaml(template_text(name), f"{name}.yaml").data)
    assert _problems(validator, data) == []


def _worked() -> dict[str, Any]:
    data = parse_yaml(WORKED.read_text(encoding="utf-8"), str(WORKED)).data
    assert isinstance(data, dict)
    return data


def _set(data: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    out = copy.deepcopy(data)
    *parents, last = [int(p) if p.isdigit() else p for p in path.split(".")]
    node: Any = out
    for p in parents:
        node = node[p]
    node[last] = value
    return out


REFUSED = {
    "an unknown key": ("fleets.trucks.colour", "sand"),
    "a distribution with a wrong family": ("fleets.trucks.speed_kmh", {"triangle": [20, 30, 40]}),
    "a distribution with two families": ("fleets.trucks.speed_kmh", {"uniform": [20, 40], "normal": 30}),
    "a triangular of two numbers": ("fleets.trucks.load_hours", {"triangular": [1, 2]}),
    "a normal without sd": ("fleets.trucks.load_hours", {"normal": {"mean": 2}}),
    "a string where a number goes": ("routes.0.km", "far"),
    "text in a pair of hours": ("sites.A.work_hours", ["six", "twenty"]),
    "a number where a date goes": ("start", 20260101),
    "a negative count": ("fleets.trucks.count", -3),
    "a count drawn per occurrence": ("fleets.trucks.count", {"uniform": [5, 10], "per": "occurrence"}),
    "a site id that is not an id": ("sites.1A", {"name": "bad id"}),
    "a parameter reference with more keys": ("fleets.trucks.count", {"param": "p", "per": "replication"}),
    "an event without a type": ("events", [{"day": 1, "days": 2}]),
    "an event with another type's key": ("events", [{"type": "pause", "day": 1, "site": "A"}]),
    "a prior that names a parameter": ("parameters", {"p": {"prior": {"param": "q"}}}),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_the_schema_refuses_what_posture_refuses(case: str, validator: Validator, tmp_path: Path) -> None:
    path, value = REFUSED[case]
    data = _set(_worked(), path, value)
    errors = list(validator.iter_errors(as_editor_reads(data)))
    assert errors, f"the schema let {case} through"
    key = path.split(".")
    for e in errors:  # each problem is at the key changed, above it or inside its new value
        at = [str(p) for p in e.absolute_path]
        assert at == key[: len(at)] or key == at[: len(key)], (at, key)
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    with pytest.raises(ScenarioError):
        load_scenario(bad)


ACCEPTED = {
    "a quantity drawn per occurrence": ("fleets.trucks.speed_kmh", {"normal": {"mean": 30, "sd": 5}}),
    "a quantity drawn per replication": (
        "fleets.trucks.load_hours",
        {"uniform": [1, 3], "per": "replication"},
    ),
    "a count as a distribution": ("fleets.trucks.count", {"triangular": [8, 10, 12]}),
    "a count naming a parameter": ("fleets.trucks.count", {"param": "fleet_size"}),
    "a share naming a parameter": ("fleets.trucks.availability", {"param": "share"}),
    "a quoted date": ("start", "2026-01-01"),
}


@pytest.mark.parametrize("case", sorted(ACCEPTED))
def test_the_schema_accepts_the_file_forms(case: str, validator: Validator, tmp_path: Path) -> None:
    path, value = ACCEPTED[case]
    data = _set(_worked(), path, value)
    data["parameters"] = {
        "fleet_size": {"prior": {"uniform": [8, 12]}, "cite": "assumption: a test prior of fleet sizes"},
        "share": {"prior": 0.8, "cite": "assumption: a fixed share for the test"},
    }
    assert _problems(validator, as_editor_reads(data)) == []
    good = tmp_path / "good.yaml"
    good.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    load_scenario(good)


def test_a_problem_points_at_the_key(validator: Validator) -> None:
    data = as_editor_reads(_set(_worked(), "fleets.trucks.colour", "sand"))
    (error,) = validator.iter_errors(data)
    assert list(error.absolute_path) == ["fleets", "trucks"]
    assert "'colour' was unexpected" in error.message


def test_the_shipped_schema_is_what_posture_schema_prints() -> None:
    shipped = (ROOT / "docs/scenario.schema.json").read_text(encoding="utf-8")
    assert shipped == schema_text(), "docs/scenario.schema.json is stale: run posture schema --out it"
    assert json.loads(shipped)["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_hover_text_is_the_first_paragraph_in_markdown() -> None:
    doc = "The ``phase`` opens, see :func:`~sim.x.go` and\n    :mod:`.events`.\n\n    More detail."
    assert hover(doc) == "The `phase` opens, see `sim.x.go` and `events`."
