"""Each event type is its own model: it takes its own keys and refuses every other one.

An event is a union discriminated by ``type`` (``sim.scenario.schema.Event``): pause, resume,
reinforce, close_crossing, open_crossing, set_keep, start_phase and cancel_phase each add
their own keys to those every event has (type, day, date, reason, source, cite). A key that
belongs to another type (``site`` on a pause, which takes ``sites``) used to be accepted and
ignored, so ``--event 'pause:day=1,days=10,site=A'`` paused everything; now it is one
``FILE:LINE: events[i].key: ...`` line and exit status 2, from a file and from ``--event``.

Fleets and aircraft share a base (:class:`sim.scenario.schema.Carrier`) and still refuse each
other's own keys.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

import sim
from sim.cli import main
from sim.scenario import schema
from sim.scenario.problems import Problem

WORKED = Path(__file__).resolve().parents[2] / "scenarios" / "examples" / "worked-example.yaml"

BASE = """\
name: Event types
start: 2026-01-01
horizon_days: 30
cargo:
  container: {short_tons: 10}
sites:
  A: {personnel: 20, equipment: {container: 10}}
  B: {}
fleets:
  trucks: {count: 4, based_at: A, capacity: {container: 1, personnel: 10}, speed_kmh: 50}
crossings:
  bridge: {}
routes:
  - {from: A, to: B, km: 100, crossings: [bridge]}
phases:
  - id: out
    start_day: 0
    moves:
      - {from: A, to: B}
  - id: later
    after: [out]
events:
"""
BASE_LINES = BASE.count("\n")  # the first event starts on the next line

COMMON = {"type", "day", "date", "when", "after_days", "reason", "source", "cite"}
OWN: dict[str, set[str]] = {
    "pause": {"sites", "phases", "days"},
    "resume": {"sites", "phases"},
    "reinforce": {"to", "from", "personnel", "equipment", "from_stock"},
    "close_crossing": {"crossing", "days"},
    "open_crossing": {"crossing"},
    "set_keep": {"site", "keep"},
    "start_phase": {"phase"},
    "cancel_phase": {"phase"},
}
"""Each type's own keys, as docs/scenario-format.md lists them."""

VALUE: dict[str, str] = {
    "sites": "[A]",
    "phases": "[out]",
    "days": "2",
    "to": "A",
    "from": "B",
    "personnel": "5",
    "equipment": "{container: 1}",
    "from_stock": "false",
    "crossing": "bridge",
    "site": "A",
    "keep": "{container: 2}",
    "phase": "later",
    "reason": "talks",
    "source": "a press report",
    "cite": '"assumption: an illustrative event for the test"',
}
"""A valid value (YAML text) for every key an event may have, in this scenario."""

MODEL = {
    "pause": schema.PauseEvent,
    "resume": schema.ResumeEvent,
    "reinforce": schema.ReinforceEvent,
    "close_crossing": schema.CloseCrossingEvent,
    "open_crossing": schema.OpenCrossingEvent,
    "set_keep": schema.SetKeepEvent,
    "start_phase": schema.StartPhaseEvent,
    "cancel_phase": schema.CancelPhaseEvent,
}
TYPES = list(OWN)
TYPE_LIST = ", ".join(TYPES)


def event_text(kind: str, keys: dict[str, str]) -> str:
    """One event in block style, one key a line, starting with ``- type: KIND``."""
    lines = [f"  - type: {kind}", "    day: 1"]
    lines += [f"    {k}: {v}" for k, v in keys.items()]
    return "\n".join(lines) + "\n"


def write(tmp_path: Path, events: str) -> Path:
    path = tmp_path / "events.yaml"
    path.write_text(BASE + events, encoding="utf-8")
    return path


def refused(path: Path, events: list[str] | None = None) -> list[Problem]:
    with pytest.raises(sim.ScenarioError) as err:
        sim.load_scenario(path, events=events or [])
    return err.value.problems


def only_line(path: Path, events: list[str] | None = None) -> str:
    problems = refused(path, events)
    assert len(problems) == 1, [str(p) for p in problems]
    return str(problems[0])


def line_of(text: str, needle: str) -> int:
    return text.splitlines().index(needle) + 1


# ----------------------------------------------------------------------------- the schema
def test_the_models_take_the_documented_keys() -> None:
    for kind, model in MODEL.items():
        keys = {f.alias or name for name, f in model.model_fields.items()}
        assert keys == COMMON | OWN[kind], kind
        assert issubclass(model, schema.EventBase)
        assert schema.EVENT_MODELS[kind] is model
    assert list(schema.EVENT_MODELS) == TYPES


def test_the_union_picks_the_model_by_type() -> None:
    adapter: TypeAdapter[Any] = TypeAdapter(schema.Event)
    ev = adapter.validate_python({"type": "set_keep", "day": 1, "site": "A", "keep": {"container": 1}})
    assert isinstance(ev, schema.SetKeepEvent)
    assert ev.keep == {"container": 1}
    assert schema.PauseEvent(day=0, days=2).type == "pause"
    with pytest.raises(ValidationError):
        schema.PauseEvent.model_validate({"day": 0, "site": "A"})
    with pytest.raises(ValidationError):
        adapter.validate_python({"type": "resume", "day": 0, "days": 2})


# ----------------------------------------------------------------------------- own keys
@pytest.mark.parametrize("kind", TYPES)
def test_each_type_accepts_its_own_keys(tmp_path: Path, kind: str) -> None:
    keys = {k: VALUE[k] for k in sorted(OWN[kind] | (COMMON - {"type", "day", "date", "when", "after_days"}))}
    if kind in ("start_phase", "cancel_phase"):
        keys["phase"] = "later"
    s = sim.load_scenario(write(tmp_path, event_text(kind, keys)))
    (ev,) = s.events
    assert isinstance(ev, MODEL[kind])
    assert ev.type == kind
    assert ev.day == 1.0
    assert ev.reason == "talks"
    assert ev.source == "a press report"


def test_own_keys_keep_their_values(tmp_path: Path) -> None:
    events = "".join(
        [
            event_text("pause", {"days": "2", "sites": "[A]", "phases": "[out]"}),
            event_text("reinforce", {"to": "A", "from": "B", "equipment": "{container: 1}"}),
            event_text("close_crossing", {"crossing": "bridge", "days": "3"}),
            "  - {type: open_crossing, date: 2026-01-06, crossing: bridge}\n",
            event_text("set_keep", {"site": "A", "keep": "{container: 2}"}),
            event_text("start_phase", {"phase": "later"}),
            event_text("cancel_phase", {"phase": "later"}),
            event_text("resume", {}),
        ]
    )
    pause, reinforce, close, open_, keep, start, cancel, resume = sim.load_scenario(
        write(tmp_path, events)
    ).events
    assert isinstance(pause, schema.PauseEvent)
    assert (pause.days, pause.sites, pause.phases) == (2.0, ["A"], ["out"])
    assert isinstance(reinforce, schema.ReinforceEvent)
    assert (reinforce.to, reinforce.from_, reinforce.personnel, reinforce.from_stock) == ("A", "B", 0, False)
    assert reinforce.equipment == {"container": 1}
    assert isinstance(close, schema.CloseCrossingEvent)
    assert (close.crossing, close.days) == ("bridge", 3.0)
    assert isinstance(open_, schema.OpenCrossingEvent)
    assert open_.day is None and str(open_.date) == "2026-01-06"
    assert isinstance(keep, schema.SetKeepEvent)
    assert (keep.site, keep.keep) == ("A", {"container": 2})
    assert isinstance(start, schema.StartPhaseEvent) and start.phase == "later"
    assert isinstance(cancel, schema.CancelPhaseEvent) and cancel.phase == "later"
    assert isinstance(resume, schema.ResumeEvent)
    assert (resume.sites, resume.phases) == (None, None)


def test_a_run_with_every_type_completes(tmp_path: Path) -> None:
    events = "".join(
        [
            event_text("pause", {"days": "0.5", "sites": "[A]"}),
            event_text("resume", {"sites": "[A]"}),
            event_text("reinforce", {"to": "A", "from": "B", "personnel": "10"}),
            event_text("close_crossing", {"crossing": "bridge", "days": "0.25"}),
            event_text("open_crossing", {"crossing": "bridge"}),
            event_text("set_keep", {"site": "A", "keep": "{container: 2}"}),
            event_text("start_phase", {"phase": "later"}),
            event_text("cancel_phase", {"phase": "later"}),
        ]
    )
    result = sim.simulate(sim.load_scenario(write(tmp_path, events)))
    assert result.closure_h > 0


# ----------------------------------------------------------------------------- foreign keys
FOREIGN = [(kind, key) for kind in TYPES for key in sorted(set().union(*OWN.values()) - OWN[kind])]


@pytest.mark.parametrize(("kind", "key"), FOREIGN, ids=[f"{k}-{key}" for k, key in FOREIGN])
def test_a_key_of_another_type_is_refused_at_its_line(tmp_path: Path, kind: str, key: str) -> None:
    needs = {"reinforce": {"to": "A", "from": "B", "personnel": "5"}}.get(kind, {})
    needs = needs or {k: VALUE[k] for k in OWN[kind] if k in ("crossing", "site", "keep", "phase")}
    text = event_text(kind, {**needs, key: VALUE[key]})
    path = write(tmp_path, text)
    line = BASE_LINES + line_of(text, f"    {key}: {VALUE[key]}")
    shown = only_line(path)
    assert shown.startswith(f"{path}:{line}: events[0].{key}: {kind} events take no {key!r} key"), shown
    takers = [t for t in TYPES if key in OWN[t]]
    assert f"({' and '.join(takers)} events do)" in shown or "did you mean" in shown, shown


def test_site_on_a_pause_from_a_file(tmp_path: Path) -> None:
    text = event_text("pause", {"days": "10", "site": "A"})
    path = write(tmp_path, text)
    line = BASE_LINES + 4  # - type, day, days, site
    assert (
        only_line(path)
        == f"{path}:{line}: events[0].site: pause events take no 'site' key; did you mean 'sites'?"
    )


def test_site_on_a_pause_from_the_command_line() -> None:
    assert (
        only_line(WORKED, ["pause:day=1,days=10,site=A"])
        == "--event:1: events[0].site: pause events take no 'site' key; did you mean 'sites'?"
    )


def test_site_on_a_pause_exits_2_through_the_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    code = main(["run", str(WORKED), "--event", "pause:day=1,days=10,site=A", "--out", str(out), "--no-plot"])
    assert code == 2
    err = capsys.readouterr().err
    assert err.strip() == "--event:1: events[0].site: pause events take no 'site' key; did you mean 'sites'?"
    assert not out.exists()


def test_a_key_of_no_type_gets_the_types_keys_or_a_near_miss(tmp_path: Path) -> None:
    assert only_line(WORKED, ["pause:day=1,dayz=3"]) == (
        "--event:1: events[0].dayz: pause events take no 'dayz' key; did you mean 'days'?"
    )
    assert only_line(WORKED, ["pause:day=1,days=3,dayz=3"]) == (
        "--event:1: events[0].dayz: pause events take no 'dayz' key; "
        "known: after_days, cite, date, day, days, phases, reason, sites, source, type, when"
    )
    assert only_line(WORKED, ["resume:day=1,days=3"]) == (
        "--event:1: events[0].days: resume events take no 'days' key (pause and close_crossing events do); "
        "known: after_days, cite, date, day, phases, reason, sites, source, type, when"
    )
    assert only_line(WORKED, ["reinforce:day=1,to=A,from=B,personnel=5,sites=A"]) == (
        "--event:1: events[0].sites: reinforce events take no 'sites' key (pause and resume events do); "
        "known: after_days, cite, date, day, equipment, from, from_stock, personnel, reason, source, to, "
        "type, when"
    )


def test_a_key_named_like_the_type_is_still_located(tmp_path: Path) -> None:
    text = event_text("pause", {"pause": "3"})
    path = write(tmp_path, text)
    shown = only_line(path)
    assert shown.startswith(f"{path}:{BASE_LINES + 3}: events[0].pause: pause events take no 'pause' key")


def test_set_refuses_a_key_the_events_type_does_not_take(tmp_path: Path) -> None:
    path = write(tmp_path, event_text("close_crossing", {"crossing": "bridge"}))
    s = sim.load_scenario(path, ["events.0.days=4"])
    assert isinstance(s.events[0], schema.CloseCrossingEvent) and s.events[0].days == 4.0
    with pytest.raises(sim.ScenarioError) as err:
        sim.load_scenario(path, ["events.0.sites=[A]"])
    (p,) = err.value.problems
    assert str(p).startswith("--set:1: events.0.sites: unknown key 'sites' in events[0]")


# ----------------------------------------------------------------------------- the type
def test_an_unknown_type_lists_the_types_on_one_line(tmp_path: Path) -> None:
    text = event_text("bogus", {"days": "3", "site": "A"})
    path = write(tmp_path, text)
    assert only_line(path) == (
        f"{path}:{BASE_LINES + 1}: events[0].type: unknown event type 'bogus'; "
        f"the event types are: {TYPE_LIST}"
    )
    assert only_line(WORKED, ["pasue:day=1"]) == (
        "--event:1: events[0].type: unknown event type 'pasue' (did you mean 'pause'?); "
        f"the event types are: {TYPE_LIST}"
    )


def test_an_unknown_type_exits_2_through_the_cli(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(WORKED), "--event", "bogus:day=1"]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert lines == [
        f"--event:1: events[0].type: unknown event type 'bogus'; the event types are: {TYPE_LIST}"
    ]


@pytest.mark.parametrize("value", ["5", "[pause]", "{a: 1}", "null", "true", "Pause"])
def test_a_type_that_is_not_a_type_name(tmp_path: Path, value: str) -> None:
    path = write(tmp_path, f"  - {{type: {value}, day: 1}}\n")
    shown = only_line(path)
    assert shown.startswith(f"{path}:{BASE_LINES + 1}: events[0].type: unknown event type ")
    assert shown.endswith(f"the event types are: {TYPE_LIST}")


def test_a_missing_type(tmp_path: Path) -> None:
    path = write(tmp_path, "  - {day: 1, sites: [A]}\n")
    assert only_line(path) == (
        f"{path}:{BASE_LINES + 1}: events[0].type: required key is missing; the event types are: {TYPE_LIST}"
    )


def test_an_event_that_is_not_a_mapping(tmp_path: Path) -> None:
    path = write(tmp_path, "  - pause\n")
    assert only_line(path) == (
        f"{path}:{BASE_LINES + 1}: events[0]: an event must be a mapping such as {{type: pause, day: 5}} "
        "(got 'pause')"
    )


def test_a_bad_value_of_an_own_key_is_located_without_the_tag(tmp_path: Path) -> None:
    path = write(tmp_path, event_text("pause", {"days": "-1"}))
    shown = only_line(path)
    assert shown.startswith(f"{path}:{BASE_LINES + 3}: events[0].days: input should be greater than 0")


def test_a_missing_required_key_keeps_its_message(tmp_path: Path) -> None:
    path = write(tmp_path, event_text("close_crossing", {}))
    assert only_line(path) == f"{path}:{BASE_LINES + 1}: events[0]: a close_crossing event needs crossing:"


# ----------------------------------------------------------------------------- fleets, aircraft
def test_fleet_and_aircraft_share_a_base_and_add_their_own_keys() -> None:
    def keys(model: type[schema.Model]) -> set[str]:
        return {f.alias or name for name, f in model.model_fields.items()}

    shared = {
        "count",
        "based_at",
        "capacity",
        "speed_kmh",
        "load_hours",
        "unload_hours",
        "availability",
        "description",
        "cite",
    }
    assert issubclass(schema.Fleet, schema.Carrier) and issubclass(schema.Aircraft, schema.Carrier)
    assert keys(schema.Carrier) == shared
    assert keys(schema.Fleet) - shared == {"empty_short_tons", "availability_per", "breakdowns", "duty"}
    assert keys(schema.Aircraft) - shared == {"max_short_tons", "duty"}
    fleet = schema.Fleet(count=1, based_at="A", capacity={"x": 1}, speed_kmh=10)
    plane = schema.Aircraft(count=1, based_at="A", capacity={"x": 1}, speed_kmh=10)
    for spec in (fleet, plane):
        assert (spec.load_hours, spec.unload_hours, spec.availability) == (0.0, 0.0, 1.0)
    assert (fleet.empty_short_tons, fleet.availability_per, fleet.breakdowns) == (0.0, "replication", None)
    assert plane.max_short_tons is None


AIR = (
    BASE.replace("  B: {}\n", "  B: {airfield: {sorties_per_day: 4}}\n")
    .replace("events:\n", "events: []\n")
    .replace(
        "crossings:\n",
        "aircraft:\n  c130: {count: 1, based_at: B, capacity: {container: 1}, speed_kmh: 400}\ncrossings:\n",
    )
)


@pytest.mark.parametrize(
    ("old", "new", "key", "meant"),
    [
        (
            "speed_kmh: 50}",
            "speed_kmh: 50, max_short_tons: 20}",
            "fleets.trucks.max_short_tons",
            "empty_short_tons",
        ),
        (
            "speed_kmh: 400}",
            "speed_kmh: 400, empty_short_tons: 20}",
            "aircraft.c130.empty_short_tons",
            "max_short_tons",
        ),
        (
            "speed_kmh: 400}",
            "speed_kmh: 400, availability_per: day}",
            "aircraft.c130.availability_per",
            "availability",
        ),
        (
            "speed_kmh: 400}",
            "speed_kmh: 400, breakdowns: {per_1000_km: 1, repair_hours: 2}}",
            "aircraft.c130.breakdowns",
            "",
        ),
    ],
)
def test_fleets_and_aircraft_refuse_each_others_keys(
    tmp_path: Path, old: str, new: str, key: str, meant: str
) -> None:
    path = tmp_path / "air.yaml"
    assert AIR.count(old) == 1
    text = AIR.replace(old, new)
    path.write_text(text, encoding="utf-8")
    shown = only_line(path)
    line = line_of(text, next(x for x in text.splitlines() if new in x))
    assert shown.startswith(f"{path}:{line}: {key}: unknown key {key.rsplit('.', 1)[1]!r}"), shown
    if meant:
        assert shown.endswith(f"did you mean {meant!r}?"), shown


def test_the_air_scenario_is_valid(tmp_path: Path) -> None:
    path = tmp_path / "air.yaml"
    path.write_text(AIR, encoding="utf-8")
    s = sim.load_scenario(path)
    assert isinstance(s.aircraft["c130"], schema.Aircraft) and isinstance(s.fleets["trucks"], schema.Fleet)
