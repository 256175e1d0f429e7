"""Scenario input that used to give a silent wrong answer or a traceback (issue #14).

Each is now refused with one ``FILE:LINE: dotted.key: message`` line (``--event:N: ...`` for
the N-th ``--event``): empty ``sites:``/``phases:`` lists that would pause everything, a
crossing listed twice on a route, duplicate or malformed keys in ``--event``, a time of day
in a date, site ids that are column names of the outputs, dates the calendar cannot hold, and
weights so small that capacity arithmetic overflows.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sim
from sim import Problem, ScenarioError
from sim.scenario.loader import parse_event_option
from sim.scenario.sanity import MAX_VEHICLES, RESERVED_SITE_IDS

from .test_loader_errors import BASE_TEXT, at, check, edit, line_of, only, refused, write

SRC = 'source: "assumption: a test entry"'

CROSSINGS = """\
crossings:
  X: {name: Bridge X, cite: "assumption: teaching example"}
"""


def refused_events(tmp_path: Path, events: list[str], text: str = BASE_TEXT) -> list[Problem]:
    """Load ``text`` with ``--event`` strings; it must be refused. Return the problems."""
    with pytest.raises(ScenarioError) as info:
        sim.load_scenario(write(tmp_path, text), events=events)
    problems = info.value.problems
    assert problems
    for p in problems:
        assert "\n" not in str(p), p
        assert str(p) == f"{p.file}:{p.line}: {p.key}: {p.message}"
    return problems


# --------------------------------------------------------------------------------------------
# 1. an empty sites: or phases: list on a pause or resume would mean everything
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["pause", "resume"])
@pytest.mark.parametrize(("key", "what"), [("sites", "site"), ("phases", "phase")])
def test_empty_list_in_pause_or_resume_is_refused(tmp_path: Path, kind: str, key: str, what: str) -> None:
    text = BASE_TEXT + f"events:\n  - {{type: {kind}, day: 1, {key}: []}}\n"
    check(
        only(refused(write(tmp_path, text))),
        line=BASE_TEXT.count("\n") + 2,
        key=f"events[0].{key}",
        says=[f"give at least one {what}", f"or leave {key} out"],
    )


def test_empty_sites_on_the_command_line_is_refused(tmp_path: Path) -> None:
    p = only(refused_events(tmp_path, ["pause:day=1,sites="]))
    check(p, line="1", key="events[0].sites", says="give at least one site", file="--event")


def test_named_sites_still_pause(tmp_path: Path) -> None:
    scenario = sim.load_scenario(write(tmp_path, BASE_TEXT), events=["pause:day=1,sites=A"])
    assert scenario.events[0].sites == ["A"]  # type: ignore[union-attr]


# --------------------------------------------------------------------------------------------
# 2. a crossing listed more than once on one route would count more than once
# --------------------------------------------------------------------------------------------


def test_crossing_listed_twice_on_a_route_is_refused(tmp_path: Path) -> None:
    route = '  - {from: A, to: B, km: 300, cite: "assumption: teaching example"}'
    text = edit(route, route[:-1] + ", crossings: [X, X, {id: X, at_km: 5}]}") + CROSSINGS
    problems = refused(write(tmp_path, text))
    assert len(problems) == 2, problems
    for k, p in zip((1, 2), problems, strict=True):
        check(
            p, line=20, key=f"routes[0].crossings[{k}]", says=["'X' is listed more than once", "crossings[0]"]
        )


def test_crossing_once_on_each_of_two_routes_is_fine(tmp_path: Path) -> None:
    route = '  - {from: A, to: B, km: 300, cite: "assumption: teaching example"}'
    text = edit(route, route[:-1] + ", crossings: [X]}\n" + route[:-1] + ", crossings: [X]}") + CROSSINGS
    assert sim.load_scenario(write(tmp_path, text)).routes[1].crossings == ["X"]


# --------------------------------------------------------------------------------------------
# 3. and 4. --event: duplicate keys, malformed YAML, deep nesting: one refusal line each
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("event", "says"),
    [
        ("pause:day=1,day=2", "'day' is given twice"),
        ("pause:day=1, day =2", "'day' is given twice"),
        ("pause:type=resume,day=1", "'type' is given twice"),
        ("pause:sites=A,sites=B,day=1", "'sites' is given twice"),
        ("reinforce:equipment.x=1,equipment.x=2", "'equipment.x' is given twice"),
        ("reinforce:equipment=1,equipment.x=2", "'equipment.x' is given twice"),
        ("reinforce:equipment.x=2,equipment=1", "given both as a value and as keys inside it"),
        ("pause:day=[[[[", "value of 'day' is not valid YAML"),
        ("pause:day=" + "[" * 5000, "nesting is deeper than"),
        ("{" * 5000, "nesting is deeper than"),
        ("{type: pause, day: 1, day: 2}", "not a valid YAML mapping"),
        ("{type: pause, day: [}", "not a valid YAML mapping"),
        ("pause:reason=!!python/object:os.system x", "not valid YAML"),
        ("pause:day=&a [*a]", "not valid YAML"),
    ],
)
def test_malformed_event_is_one_refusal_line(tmp_path: Path, event: str, says: str) -> None:
    p = only(refused_events(tmp_path, [event]))
    check(p, line="1", key="events", says=says, file="--event")
    assert len(p.message) < 400, p


def test_event_dotted_key_under_a_value(tmp_path: Path) -> None:
    p = only(refused_events(tmp_path, ["pause:day.x=2"]))
    assert p.file == "--event" and p.key.startswith("events[0].day"), p


def test_event_values_are_read_as_yaml() -> None:
    event = parse_event_option("reinforce:to=B,from=A,equipment.container=3,from_stock=true")
    assert event == {
        "type": "reinforce",
        "to": "B",
        "from": "A",
        "equipment": {"container": 3},
        "from_stock": True,
    }


EVENT_BITS = "pause:resume,=.[]{}|&*!%@#'\" \t\nday=1sites=A.x-_0123456789e"


@settings(max_examples=200, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(
    st.one_of(
        st.text(max_size=40),
        st.builds(
            str.__add__,
            st.sampled_from(["pause:", "reinforce:", "{", "pause:day=", "set_keep:keep.", "pause:when."]),
            st.text(alphabet=EVENT_BITS, max_size=40),
        ),
    )
)
def test_fuzzed_events_are_accepted_or_refused(tmp_path_factory: pytest.TempPathFactory, text: str) -> None:
    path = tmp_path_factory.getbasetemp() / "fuzz-scenario.yaml"
    if not path.exists():
        path.write_text(BASE_TEXT, encoding="utf-8")
    try:
        sim.load_scenario(path, events=[text])
    except ScenarioError as exc:
        assert exc.problems
        assert all("\n" not in str(p) for p in exc.problems), exc


# --------------------------------------------------------------------------------------------
# 5. a date with a time of day
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("start", ["2026-01-05 00:00:00", "2026-01-05T00:00:00Z", "'2026-01-05T00:00:00'"])
def test_start_with_a_time_is_refused(tmp_path: Path, start: str) -> None:
    text = edit("start: 2026-01-01", f"start: {start}")
    check(
        only(refused(write(tmp_path, text))),
        line=2,
        key="start",
        says="give a date YYYY-MM-DD without a time",
    )


def test_start_as_a_quoted_unix_time_is_refused(tmp_path: Path) -> None:
    text = edit("start: 2026-01-01", "start: '1767225600'")  # 2026-01-01 00:00 UTC
    check(only(refused(write(tmp_path, text))), line=2, key="start", says="expected a date as YYYY-MM-DD")


def test_start_with_a_time_from_set_is_refused(tmp_path: Path) -> None:
    p = only(refused(write(tmp_path, BASE_TEXT), ["start=2026-01-05T06:00:00"]))
    check(p, line="1", key="start", says="without a time", file="--set")


@pytest.mark.parametrize(
    ("tail", "key"),
    [
        ("events:\n  - {type: pause, date: 2026-01-05 00:00:00}\n", "events[0].date"),
        (
            f"observations:\n  - {{date: 2026-01-05 00:00:00, personnel: 5, {SRC}}}\n",
            "observations[0].date",
        ),
        (
            f"milestones:\n  - {{percent: 50, date: 2026-01-05 00:00:00, {SRC}}}\n",
            "milestones[0].date",
        ),
    ],
)
def test_other_dates_with_a_time_are_refused(tmp_path: Path, tail: str, key: str) -> None:
    text = BASE_TEXT + tail
    check(
        at(refused(write(tmp_path, text)), key),
        line=BASE_TEXT.count("\n") + 2,
        key=key,
        says="without a time",
    )


def test_event_date_with_a_time_from_the_command_line_is_refused(tmp_path: Path) -> None:
    p = only(refused_events(tmp_path, ["{type: pause, date: 2026-01-05 00:00:00}"]))
    check(p, line="1", key="events[0].date", says="without a time", file="--event")


# --------------------------------------------------------------------------------------------
# 6. site ids that are column names of the outputs
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("word", RESERVED_SITE_IDS)
def test_reserved_site_id_is_refused(tmp_path: Path, word: str) -> None:
    text = edit("  B: {name", f"  {word}: {{name").replace("to: B", f"to: {word}")
    p = at(refused(write(tmp_path, text)), f"sites.{word}")
    check(
        p, line=9, key=f"sites.{word}", says=["reserved word", "day, date, in_transit, in_theatre, personnel"]
    )


def test_reserved_words_cover_the_troop_curve_columns() -> None:
    assert {"day", "date", "in_transit", "in_theatre", "personnel"} <= set(RESERVED_SITE_IDS)


# --------------------------------------------------------------------------------------------
# 6b. more vehicles than can be simulated one by one
# --------------------------------------------------------------------------------------------


def test_too_many_vehicles_in_all_is_refused_at_the_largest_fleet(tmp_path: Path) -> None:
    # 600,000 trucks plus a second fleet of 500,000 (its top): 1,100,000 > 1,000,000
    second = "  more:\n    count: {uniform: [1, 500000]}\n    based_at: A\n"
    second += "    capacity: {container: 2}\n    speed_kmh: 30\n    load_hours: 2\n    unload_hours: 1\n"
    second += '    cite: "assumption: teaching example"\n'
    text = edit("    count: 10", "    count: 600000").replace("routes:", second + "routes:", 1)
    check(
        only(refused(write(tmp_path, text))),
        line=12,
        key="fleets.trucks.count",
        says=["1,100,000 vehicles in all", "limit 1,000,000", "lower the counts"],
    )


def test_a_million_vehicles_is_accepted(tmp_path: Path) -> None:
    scenario = sim.load_scenario(write(tmp_path, edit("    count: 10", f"    count: {MAX_VEHICLES}")))
    assert scenario.fleets["trucks"].count == MAX_VEHICLES


# --------------------------------------------------------------------------------------------
# 7. dates the calendar cannot hold
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("start", ["0001-01-01", "0999-12-31"])
def test_start_too_early_is_refused(tmp_path: Path, start: str) -> None:
    text = edit("start: 2026-01-01", f"start: {start}")
    check(only(refused(write(tmp_path, text))), line=2, key="start", says="before 1000-01-01")


@pytest.mark.parametrize("start", ["9999-12-20", "9000-12-15"])
def test_run_ending_past_the_calendar_is_refused(tmp_path: Path, start: str) -> None:
    text = edit("start: 2026-01-01", f"start: {start}")
    check(
        only(refused(write(tmp_path, text))), line=3, key="horizon_days", says=["after 9000-12-31", "at most"]
    )


def test_run_ending_on_the_last_day_is_accepted(tmp_path: Path) -> None:
    text = edit("start: 2026-01-01", "start: 9000-12-01")
    assert sim.load_scenario(write(tmp_path, text)).horizon_days == 30


@pytest.mark.parametrize(
    ("tail", "key"),
    [
        ("events:\n  - {type: pause, date: 9999-01-01}\n", "events[0].date"),
        (
            f"observations:\n  - {{date: 0001-01-02, personnel: 5, {SRC}}}\n",
            "observations[0].date",
        ),
        (
            f"milestones:\n  - {{percent: 50, date: 2026-02-01, latest: 9999-12-31, {SRC}}}\n",
            "milestones[0].latest",
        ),
    ],
)
def test_dates_far_from_start_are_refused(tmp_path: Path, tail: str, key: str) -> None:
    text = BASE_TEXT + tail
    check(
        at(refused(write(tmp_path, text)), key),
        line=BASE_TEXT.count("\n") + 2,
        key=key,
        says="more than 3660 days from the scenario start 2026-01-01",
    )


def test_event_date_far_out_from_the_command_line_is_refused(tmp_path: Path) -> None:
    p = only(refused_events(tmp_path, ["pause:date=5000-01-01"]))
    check(p, line="1", key="events[0].date", says="more than 3660 days", file="--event")


# --------------------------------------------------------------------------------------------
# 8. a weight so small that capacity arithmetic overflows
# --------------------------------------------------------------------------------------------

AIRLIFT = """\
aircraft:
  c17:
    count: 2
    based_at: A
    capacity: {container: 4}
    speed_kmh: 700
    max_short_tons: 80
    cite: "assumption: teaching example"
"""


@pytest.mark.parametrize("tons", ["1e-320", "5e-324", "0.0009"])
def test_tiny_short_tons_is_refused(tmp_path: Path, tons: str) -> None:
    text = edit("short_tons: 10", f"short_tons: {tons}")
    text = edit("  A: {name: Site A,", "  A: {name: Site A, airfield: {sorties_per_day: 10},", text)
    text = edit("  B: {name: Site B,", "  B: {name: Site B, airfield: {sorties_per_day: 10},", text) + AIRLIFT
    line = line_of(text, "  container: {short_tons:")
    check(
        only(refused(write(tmp_path, text))),
        line=line,
        key="cargo.container.short_tons",
        says="at least 0.001",
    )


@pytest.mark.parametrize("tons", ["0", "0.001"])
def test_zero_or_small_short_tons_is_accepted(tmp_path: Path, tons: str) -> None:
    text = edit("short_tons: 10", f"short_tons: {tons}")
    text = edit("  A: {name: Site A,", "  A: {name: Site A, airfield: {sorties_per_day: 10},", text)
    text = edit("  B: {name: Site B,", "  B: {name: Site B, airfield: {sorties_per_day: 10},", text) + AIRLIFT
    assert sim.load_scenario(write(tmp_path, text)).cargo["container"].short_tons == float(tons)
