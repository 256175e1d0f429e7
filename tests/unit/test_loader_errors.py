"""Every way a scenario file (or a ``--set`` override) can be refused.

The contract: ``sim.load_scenario(path, overrides=[...])`` returns a Scenario or raises
``sim.ScenarioError`` whose ``.problems`` are ``Problem(file, line, key, message)`` values
printed as ``FILE:LINE: dotted.key: message`` (``--set:N: key: message`` for the N-th
override). No other exception type may escape for bad input.

Most tests edit one line of ``BASE_TEXT`` (a hand-written copy of the worked example whose
line numbers are listed below) so the expected line is known without asking the loader.
Each test checks the line, the dotted key and the part of the message a user needs.

    1 name  2 start  3 horizon_days  4 cite  5 cargo  6 container  7 sites  8 A  9 B
    10 fleets  11 trucks  12 count  13 based_at  14 capacity  15 speed_kmh  16 load_hours
    17 unload_hours  18 cite  19 routes  20 - {from: A, to: B, km: 300}  21 phases
    22 - id: empty_A  23 cite  24 start_day  25 moves  26 - {from: A, to: B}
"""

from __future__ import annotations

import copy
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
import yaml

import sim
from sim import Problem, ScenarioError
from sim.scenario.distributions import Distribution
from sim.scenario.loader import provenance_problems

EXAMPLE = Path(__file__).resolve().parents[2] / "scenarios" / "examples" / "worked-example.yaml"

BASE_TEXT = """\
name: Worked example (100 containers, 10 trucks)
start: 2026-01-01
horizon_days: 30
cite: "assumption: a teaching example with round numbers chosen for hand calculation"
cargo:
  container: {short_tons: 10, cite: "assumption: a loaded 20-ft container, round figure"}
sites:
  A: {name: Site A, equipment: {container: 100}, cite: "assumption: teaching example"}
  B: {name: Site B, cite: "assumption: teaching example"}
fleets:
  trucks:
    count: 10
    based_at: A
    capacity: {container: 2}
    speed_kmh: 30
    load_hours: 2
    unload_hours: 1
    cite: "assumption: teaching example"
routes:
  - {from: A, to: B, km: 300, cite: "assumption: teaching example"}
phases:
  - id: empty_A
    cite: "assumption: teaching example; the phase starts on day 0"
    start_day: 0
    moves:
      - {from: A, to: B}
"""
BASE_LINES = BASE_TEXT.count("\n")  # 26
TRUCK_CITE = '    cite: "assumption: teaching example"\nroutes'  # line 18 and the line after

TOP = "(top level)"


# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------


def write(tmp_path: Path, content: str | bytes, name: str = "scenario.yaml") -> Path:
    """Write text (as UTF-8) or raw bytes to a file in ``tmp_path``."""
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_bytes(content.encode("utf-8"))
    return path


def edit(old: str, new: str, text: str = BASE_TEXT) -> str:
    """``text`` with the one occurrence of ``old`` replaced by ``new``."""
    assert text.count(old) == 1, f"{old!r} must occur exactly once"
    return text.replace(old, new)


def base_data() -> dict[str, Any]:
    """The base scenario as plain data, for tests that restructure it."""
    return copy.deepcopy(yaml.safe_load(BASE_TEXT))


def dump(data: dict[str, Any]) -> str:
    return yaml.safe_dump(data, sort_keys=False, width=10_000)


def line_of(text: str, needle: str) -> int:
    """The 1-based line where the one occurrence of ``needle`` starts."""
    assert text.count(needle) == 1, f"{needle!r} must occur exactly once in:\n{text}"
    return text[: text.index(needle)].count("\n") + 1


def refused(path: Path | str, overrides: Sequence[str] = ()) -> list[Problem]:
    """Load ``path``; it must be refused with a well-formed ScenarioError. Return the problems."""
    with pytest.raises(ScenarioError) as info:
        sim.load_scenario(path, overrides=list(overrides))
    problems = info.value.problems
    assert problems, "a ScenarioError must carry at least one problem"
    for p in problems:
        assert isinstance(p, Problem)
        assert str(p) == f"{p.file}:{p.line}: {p.key}: {p.message}"
        assert "\n" not in str(p), f"a problem must print as one line, got {str(p)!r}"
        if p.file == "--set":
            assert isinstance(p.line, str) and p.line.isdigit(), p
        else:
            assert isinstance(p.line, int) and p.line >= 1, p
    assert str(info.value) == "\n".join(str(p) for p in problems)
    return problems


def only(problems: list[Problem]) -> Problem:
    listing = "\n".join(map(str, problems))
    assert len(problems) == 1, f"expected exactly one problem, got:\n{listing}"
    return problems[0]


def at(problems: list[Problem], key: str) -> Problem:
    """The problem reported for ``key``."""
    found = [p for p in problems if p.key == key]
    assert found, f"no problem for {key!r}; got:\n" + "\n".join(map(str, problems))
    return found[0]


def check(
    p: Problem, *, line: int | str, key: str, says: str | Sequence[str], file: Path | str | None = None
) -> None:
    """Assert a problem's line, key and that its message contains each of ``says``."""
    assert p.line == line, f"expected line {line}, got {p}"
    assert p.key == key, f"expected key {key!r}, got {p}"
    for part in [says] if isinstance(says, str) else says:
        assert part in p.message, f"expected {part!r} in the message, got {p}"
    if file is not None:
        assert p.file == str(file), p


def refused_text(tmp_path: Path, text: str | bytes, overrides: Sequence[str] = ()) -> list[Problem]:
    return refused(write(tmp_path, text), overrides)


# --------------------------------------------------------------------------------------------
# premise: the base scenario is valid
# --------------------------------------------------------------------------------------------


def test_base_text_and_worked_example_load(tmp_path: Path) -> None:
    assert BASE_LINES == 26
    assert BASE_TEXT.splitlines()[11] == "    count: 10"
    scenario = sim.load_scenario(write(tmp_path, BASE_TEXT))
    assert scenario.fleets["trucks"].count == 10
    assert sim.load_scenario(EXAMPLE).fleets["trucks"].count == 10


# --------------------------------------------------------------------------------------------
# the file itself
# --------------------------------------------------------------------------------------------


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.yaml"
    check(only(refused(path)), line=1, key=TOP, says="no such file", file=path)


def test_directory(tmp_path: Path) -> None:
    check(only(refused(tmp_path)), line=1, key=TOP, says="is a directory", file=tmp_path)


@pytest.mark.parametrize(
    "text",
    ["", "   \n\n  \n", "# only a comment\n\n   # and another\n", "---\n", "--- # nothing\n...\n"],
    ids=["empty", "whitespace", "comments", "doc-marker", "doc-marker-and-end"],
)
def test_empty_file(tmp_path: Path, text: str) -> None:
    path = write(tmp_path, text)
    check(only(refused(path)), line=1, key=TOP, says="the file is empty", file=path)


@pytest.mark.parametrize(
    ("text", "kind"),
    [("- name: x\n- start: 2026-01-01\n", "list"), ("just some words\n", "str"), ("42\n", "int")],
    ids=["list", "string", "number"],
)
def test_top_level_must_be_a_mapping(tmp_path: Path, text: str, kind: str) -> None:
    check(
        only(refused_text(tmp_path, text)),
        line=1,
        key=TOP,
        says=["top level must be a mapping", f"not a {kind}"],
    )


def test_nul_bytes_are_binary(tmp_path: Path) -> None:
    raw = b"name: x\nstart: 2026-01-01\n\x00\x01\x02\x03garbage\xff\n"
    check(only(refused_text(tmp_path, raw)), line=3, key=TOP, says="NUL bytes")


def test_non_utf8_reports_line_of_bad_byte(tmp_path: Path) -> None:
    raw = BASE_TEXT.encode().replace(b"name: Site B", b"name: Caf\xe9 B")  # latin-1 e-acute, line 9
    check(only(refused_text(tmp_path, raw)), line=9, key=TOP, says=["not UTF-8", "0xe9"])


def test_utf16_file_is_told_to_save_as_utf8(tmp_path: Path) -> None:
    # Windows editors save "Unicode" as UTF-16 with a BOM; it is text, not a binary file.
    raw = BASE_TEXT.encode("utf-16")
    p = only(refused_text(tmp_path, raw))
    check(p, line=1, key=TOP, says="UTF-8")
    assert "binary" not in p.message, p


@pytest.mark.parametrize("char", ["\x01", "\x07", "\x7f"], ids=["SOH", "BEL", "DEL"])
def test_control_character_reports_its_line(tmp_path: Path, char: str) -> None:
    text = edit("name: Site B", f"name: Site{char}B")  # line 9
    check(only(refused_text(tmp_path, text)), line=9, key=TOP, says="character")


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    scenario = sim.load_scenario(write(tmp_path, b"\xef\xbb\xbf" + BASE_TEXT.encode()))
    assert scenario.name == "Worked example (100 containers, 10 trucks)"


def test_utf8_bom_does_not_shift_lines(tmp_path: Path) -> None:
    raw = b"\xef\xbb\xbf" + edit("count: 10", "count: ten").encode()
    check(only(refused_text(tmp_path, raw)), line=12, key="fleets.trucks.count", says="'ten'")


@pytest.mark.parametrize("eol", ["\r\n", "\r"], ids=["CRLF", "CR"])
def test_other_line_endings_keep_line_numbers(tmp_path: Path, eol: str) -> None:
    assert sim.load_scenario(write(tmp_path, BASE_TEXT.replace("\n", eol))).horizon_days == 30
    text = edit("count: 10", "count: ten").replace("\n", eol)
    check(only(refused_text(tmp_path, text)), line=12, key="fleets.trucks.count", says="'ten'")


# --------------------------------------------------------------------------------------------
# YAML syntax
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "line", "says"),
    [
        ("    based_at: A", "\tbased_at: A", 13, ["'\\t'", "indent with spaces, not tabs"]),
        ("    based_at: A", "  \tbased_at: A", 13, "indent with spaces, not tabs"),
        ("    based_at: A", "      based_at: A", 13, "indentation"),  # too deep
        ("    based_at: A", "   based_at: A", 13, "indentation"),  # too shallow
        ("    based_at: A", "    based_at A", 13, "':'"),  # missing colon
    ],
    ids=["tab", "space-then-tab", "over-indented", "under-indented", "missing-colon"],
)
def test_yaml_syntax_error_line(tmp_path: Path, old: str, new: str, line: int, says: str | list[str]) -> None:
    parts = [says] if isinstance(says, str) else says
    p = only(refused_text(tmp_path, edit(old, new)))
    check(p, line=line, key=TOP, says=["YAML syntax error", *parts])


@pytest.mark.parametrize(
    ("old", "new", "line", "closer"),
    [
        ("capacity: {container: 2}", "capacity: {container: 2", 14, "'}'"),
        ('example"}\nphases', 'example"\nphases', 20, "'}'"),
        ("      - {from: A, to: B}", "      - [{from: A, to: B}", 26, "']'"),  # last line
        ("{from: A, to: B}", '{from: A, to: "B}', 26, "quoted"),  # runs to the end of file
    ],
    ids=["flow-mapping", "flow-mapping-in-list", "flow-sequence-at-end-of-file", "quote-at-end-of-file"],
)
def test_unclosed_bracket_reported_where_it_opens(
    tmp_path: Path, old: str, new: str, line: int, closer: str
) -> None:
    # The mistake is the bracket (or quote) never closed; the parser only notices lines later,
    # possibly past the last line of the file.
    p = only(refused_text(tmp_path, edit(old, new)))
    check(p, line=line, key=TOP, says=["YAML syntax error", closer])


def test_two_documents_refused(tmp_path: Path) -> None:
    p = only(refused_text(tmp_path, BASE_TEXT + "---\nname: another\n"))
    check(p, line=BASE_LINES + 1, key=TOP, says="single document")


def test_undefined_alias(tmp_path: Path) -> None:
    p = only(refused_text(tmp_path, edit("name: Site B", "name: *site_b")))
    check(p, line=9, key=TOP, says="undefined alias 'site_b'")


def test_merge_keys_refused(tmp_path: Path) -> None:
    text = edit("    count: 10\n", "    <<: {count: 10}\n")
    check(only(refused_text(tmp_path, text)), line=12, key="fleets.trucks", says="merge keys (<<)")


def test_complex_key_refused(tmp_path: Path) -> None:
    p = only(refused_text(tmp_path, BASE_TEXT + "? [a, b]\n: 1\n"))
    check(p, line=BASE_LINES + 1, key=TOP, says="a key must be a plain word or number")


# --------------------------------------------------------------------------------------------
# duplicate keys
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "line", "key", "first"),
    [
        (BASE_TEXT + "name: A second name\n", 27, "name", 1),
        (
            edit("    count: 10\n", "    count: 10\n    based_at: B\n    count: 12\n"),
            14,
            "fleets.trucks.count",
            12,
        ),
        (edit("    count: 10\n", '    count: 10\n    "count": 12\n'), 13, "fleets.trucks.count", 12),
        (edit("km: 300,", "km: 300, km: 30,"), 20, "routes[0].km", 20),
        (edit("  B: {name: Site B", "  A: {name: Site A2}\n  B: {name: Site B"), 9, "sites.A", 8),
    ],
    ids=["top-level", "nested", "nested-quoted", "flow-same-line", "site-id"],
)
def test_duplicate_key(tmp_path: Path, text: str, line: int, key: str, first: int) -> None:
    check(
        only(refused_text(tmp_path, text)),
        line=line,
        key=key,
        says=["duplicate key", f"first given on line {first}"],
    )


# --------------------------------------------------------------------------------------------
# alias bombs, recursion, nesting
# --------------------------------------------------------------------------------------------


def test_alias_bomb_refused_quickly(tmp_path: Path) -> None:
    # "Billion laughs": 9 levels of 9x aliases would expand to 9**9 strings.
    lines = ['a0: &a0 ["lol"]']
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]
    path = write(tmp_path, "\n".join(lines) + "\n")
    started = time.perf_counter()
    problems = refused(path)
    elapsed = time.perf_counter() - started
    assert elapsed < 1.0, f"alias bomb took {elapsed:.2f} s to refuse"
    # a0..a5 expand to ~141,000 values together; a6 (line 7) is the key that blows the budget.
    check(only(problems), line=7, key="a6", says=["alias bomb", "200,000"])


@pytest.mark.parametrize(
    ("text", "line", "key"),
    [
        ("name: x\nsites: &s\n  A: *s\n", 3, "sites.A"),
        ("name: &n [*n]\n", 1, "name[0]"),
    ],
    ids=["block-mapping", "flow-sequence"],
)
def test_recursive_alias_refused(tmp_path: Path, text: str, line: int, key: str) -> None:
    # The key is where the alias refers back to its own ancestor, not 64 levels of it.
    check(only(refused_text(tmp_path, text)), line=line, key=key, says="recursive alias")


DEEP = 5_000


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("name: x\nsites: " + "[" * DEEP + "]" * DEEP + "\n", 2),
        ("name: x\nsites: " + "[" * DEEP + "\n", 2),  # and never closed
        ("name: x\nsites: " + "{a: " * DEEP + "1" + "}" * DEEP + "\n", 2),
        ("name: x\nsites:\n  " + "- " * DEEP + "x\n", 3),
        # block mappings, one more space each: the 65th level opens on line 66
        ("name: x\nsites:" + "".join(f"\n{' ' * (i + 1)}k{i}:" for i in range(DEEP)) + " v\n", 66),
    ],
    ids=["flow-sequence", "flow-sequence-unclosed", "flow-mapping", "block-sequence", "block-mapping"],
)
def test_deep_nesting_refused_without_recursion_error(tmp_path: Path, text: str, line: int) -> None:
    check(only(refused_text(tmp_path, text)), line=line, key=TOP, says="nesting is deeper than 64 levels")


# --------------------------------------------------------------------------------------------
# tags
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "line", "key"),
    [
        (
            "name: Worked example (100 containers, 10 trucks)",
            'name: !!python/object/apply:os.system ["touch {marker}"]',
            1,
            "name",
        ),
        ("name: Worked example (100 containers, 10 trucks)", "name: !foo bar", 1, "name"),
        ("  B: {name: Site B", "  B: !site {name: Site B", 9, "sites.B"),
        ("    count: 10", "    count: !!python/name:os.system", 12, "fleets.trucks.count"),
        (
            "  - {from: A, to: B, km: 300",
            "  - !!python/object/new:dict {from: A, to: B, km: 300",
            20,
            "routes[0]",
        ),
        (
            "      - {from: A, to: B}",
            "      - {from: A, to: B}\n  - id: second\n    after: !!python/object/apply:os.system [empty_A]",
            28,
            "phases[1].after",
        ),
        ("    count: 10", "    !foo count: 10", 12, "fleets.trucks"),  # a tagged key
    ],
    ids=[
        "python-apply-on-list",
        "custom-scalar",
        "custom-mapping",
        "python-name",
        "python-new-on-mapping",
        "python-apply-where-a-list-is-valid",
        "custom-on-key",
    ],
)
def test_tags_refused_and_nothing_executed(tmp_path: Path, old: str, new: str, line: int, key: str) -> None:
    marker = tmp_path / "EXECUTED"
    text = edit(old, new.replace("{marker}", str(marker)))
    p = only(refused_text(tmp_path, text))
    assert not marker.exists(), "a YAML tag ran a command"
    check(p, line=line, key=key, says=["tag", "is not allowed"])


# --------------------------------------------------------------------------------------------
# numbers, dates and other values
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "line", "key", "says"),
    [
        ("km: 300", "km: .inf", 20, "routes[0].km", "finite"),
        ("km: 300", "km: -.inf", 20, "routes[0].km", "finite"),
        ("km: 300", "km: .nan", 20, "routes[0].km", "finite"),
        ("km: 300", "km: 1e300", 20, "routes[0].km", "less than or equal to 50000"),
        ("km: 300", "km: 1.0e+300", 20, "routes[0].km", "less than or equal to 50000"),
        ("km: 300", "km: 0", 20, "routes[0].km", "greater than 0"),
        (
            "  B: {name: Site B,",
            "  B: {name: Site B, personnel: -5,",
            9,
            "sites.B.personnel",
            "greater than or equal to 0",
        ),
        ("count: 10", "count: 10.5", 12, "fleets.trucks.count", ["valid integer", "10.5"]),
        ("count: 10", "count: ten", 12, "fleets.trucks.count", ["valid integer", "'ten'"]),
        ("count: 10", 'count: "10"', 12, "fleets.trucks.count", ["valid integer", "'10'"]),
        ("count: 10", "count: true", 12, "fleets.trucks.count", ["valid integer", "True"]),
        ("count: 10", "count: yes", 12, "fleets.trucks.count", ["valid integer", "True"]),
        ("count: 10", "count:", 12, "fleets.trucks.count", ["valid integer", "None"]),
        ("count: 10", "count: 100000001", 12, "fleets.trucks.count", "less than or equal to 100000000"),
        ("speed_kmh: 30", "speed_kmh: .inf", 15, "fleets.trucks.speed_kmh", "finite"),
        ("speed_kmh: 30", "speed_kmh: 0", 15, "fleets.trucks.speed_kmh", "must be > 0"),
        ("load_hours: 2", "load_hours: .nan", 16, "fleets.trucks.load_hours", "finite"),
        ("load_hours: 2", "load_hours: -1", 16, "fleets.trucks.load_hours", ">= 0"),
        ("horizon_days: 30", "horizon_days: 0", 3, "horizon_days", "greater than 0"),
        ("horizon_days: 30", "horizon_days: -5", 3, "horizon_days", "greater than 0"),
        ("horizon_days: 30", "horizon_days: 10000", 3, "horizon_days", "less than or equal to 3660"),
        ("start_day: 0", "start_day: -1", 24, "phases[0].start_day", "greater than or equal to 0"),
    ],
    ids=[
        "km-inf",
        "km-minus-inf",
        "km-nan",
        "km-1e300",
        "km-1.0e+300",
        "km-zero",
        "negative-personnel",
        "float-count",
        "string-count",
        "quoted-number-count",
        "bool-count",
        "yes-count",
        "null-count",
        "count-too-big",
        "speed-inf",
        "speed-zero",
        "load-nan",
        "load-negative",
        "horizon-0",
        "horizon-negative",
        "horizon-too-long",
        "start-day-negative",
    ],
)
def test_bad_number(tmp_path: Path, old: str, new: str, line: int, key: str, says: str | list[str]) -> None:
    check(only(refused_text(tmp_path, edit(old, new))), line=line, key=key, says=says)


def test_huge_integer_message_is_about_the_number(tmp_path: Path) -> None:
    p = only(refused_text(tmp_path, edit("count: 10", "count: " + "9" * 5000)))
    check(p, line=12, key="fleets.trucks.count", says="number")
    assert "dates" not in p.message and "set_int_max_str_digits" not in p.message, p


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("fleets", "trucks", "unload_hours"), 10**400),
        (("fleets", "trucks", "speed_kmh"), {"uniform": [1, 10**400]}),
    ],
    ids=["number", "distribution"],
)
def test_integer_beyond_float_range_from_the_api(path: tuple[str, ...], value: Any) -> None:
    """The YAML reader stops 300-digit numbers; a mapping handed to build_scenario must not
    reach float() and overflow either (found by the loader fuzz)."""
    from sim.scenario.loader import build_scenario
    from sim.scenario.yamlsource import Source

    data = base_data()
    node = data
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    with pytest.raises(ScenarioError, match="too large"):
        build_scenario(Source("api.yaml", data))


@pytest.mark.parametrize(
    ("new", "says"),
    [
        ("start: 2026-02-30", "day is out of range for month"),
        ("start: yesterday", "valid date"),
        ("start: 2026-13-01", "month must be in 1..12"),
        ("start: 20260101", "expected a date as YYYY-MM-DD"),  # an integer is not a date
        ("start: 0", "expected a date as YYYY-MM-DD"),  # ... not even the Unix epoch
    ],
    ids=["feb-30", "yesterday", "month-13", "integer", "zero"],
)
def test_bad_date(tmp_path: Path, new: str, says: str) -> None:
    p = only(refused_text(tmp_path, edit("start: 2026-01-01", new)))
    check(p, line=2, key="start", says=says)


def test_bad_observation_date(tmp_path: Path) -> None:
    text = BASE_TEXT + (
        "sources:\n  S1: {title: A report}\n"
        "observations:\n  - {date: 2026-02-30, personnel: 100, source: S1}\n"
    )
    check(
        only(refused_text(tmp_path, text)),
        line=30,
        key="observations[0].date",
        says="day is out of range for month",
    )


def test_missing_required_keys(tmp_path: Path) -> None:
    text = edit("  - {from: A, to: B, km: 300,", "  - {from: A, km: 300,")
    text = edit("horizon_days: 30\n", "", text)  # line numbers after line 2 move up by one
    problems = refused_text(tmp_path, text)
    assert [(p.line, p.key) for p in problems] == [(1, "horizon_days"), (19, "routes[0].to")]
    assert all(p.message == "required key is missing" for p in problems)


# --------------------------------------------------------------------------------------------
# unknown keys and distribution shapes
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "line", "key", "meant"),
    [
        ("    count: 10", "    cuont: 10", 12, "fleets.trucks.cuont", "count"),
        ("phases:", "phaes:", 21, "phaes", "phases"),
        ("horizon_days: 30", "horizon_dayz: 30", 3, "horizon_dayz", "horizon_days"),
        ("km: 300", "kms: 300", 20, "routes[0].kms", "km"),
        ("  B: {name: Site B,", "  B: {name: Site B, personel: 5,", 9, "sites.B.personel", "personnel"),
        ("    start_day: 0", "    start_dya: 0", 24, "phases[0].start_dya", "start_day"),
        ("{from: A, to: B}", "{from: A, too: B}", 26, "phases[0].moves[0].too", "to"),
    ],
    ids=["fleet-cuont", "top-phaes", "top-horizon", "route-kms", "site-personel", "phase-start", "move-too"],
)
def test_unknown_key_suggests(tmp_path: Path, old: str, new: str, line: int, key: str, meant: str) -> None:
    problems = refused_text(tmp_path, edit(old, new))
    check(
        at(problems, key),
        line=line,
        key=key,
        says=[f"unknown key {key.rsplit('.', 1)[-1]!r}", f"did you mean {meant!r}"],
    )


def test_misspelt_required_key_is_also_reported_missing(tmp_path: Path) -> None:
    problems = refused_text(tmp_path, edit("    count: 10", "    cuont: 10"))
    assert [(p.line, p.key) for p in problems] == [
        (11, "fleets.trucks.count"),
        (12, "fleets.trucks.cuont"),
    ]
    check(problems[0], line=11, key="fleets.trucks.count", says="required key is missing")


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("{triangular: [3, 2, 1]}", "triangular needs low <= mode <= high"),
        ("{gamma: [1, 2]}", ["got keys ['gamma']", "{triangular: [low, mode, high]}"]),
        ("{triangular: [1, 2]}", "triangular takes a list of 3 numbers"),
        ("{triangular: [1, two, 3]}", "must be a number"),
        ("{uniform: [1, .inf]}", "must be finite"),
        ("{normal: {mean: 1, sdd: 2}}", "normal takes exactly mean, sd"),
        ("{normal: [1, 2]}", "normal takes exactly mean, sd"),
        ("{uniform: [1, 2], per: trip}", "per must be 'occurrence' or 'replication'"),
        ("{uniform: [1, 200000]}", "distribution must stay within [0, 100000]"),
        ("[1, 2]", "expected a number or a distribution"),
    ],
    ids=[
        "triangular-order",
        "gamma",
        "triangular-two",
        "triangular-word",
        "uniform-inf",
        "normal-bad-key",
        "normal-list",
        "bad-per",
        "out-of-range",
        "bare-list",
    ],
)
def test_bad_distribution(tmp_path: Path, value: str, says: str | list[str]) -> None:
    text = edit("load_hours: 2", f"load_hours: {value}")
    check(only(refused_text(tmp_path, text)), line=16, key="fleets.trucks.load_hours", says=says)


# --------------------------------------------------------------------------------------------
# references between parts
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "line", "key", "says"),
    [
        (
            "{from: A, to: B, km",
            "{from: A, to: Bb, km",
            20,
            "routes[0].to",
            ["unknown site 'Bb'", "did you mean 'B'"],
        ),
        (
            "{from: A, to: B, km",
            "{from: A, to: Z, km",
            20,
            "routes[0].to",
            ["unknown site 'Z'", "known: A, B"],
        ),
        ("{from: A, to: B, km", "{from: A, to: A, km", 20, "routes[0].to", "two different sites"),
        (
            "{from: A, to: B}",
            "{from: AA, to: B}",
            26,
            "phases[0].moves[0].from",
            ["unknown site 'AA'", "did you mean 'A'"],
        ),
        (
            "{from: A, to: B}",
            "{from: A, to: Bx}",
            26,
            "phases[0].moves[0].to",
            ["unknown site 'Bx'", "did you mean 'B'"],
        ),
        (
            "{from: A, to: B}",
            "{from: A, to: B, keep: {contianer: 1}}",
            26,
            "phases[0].moves[0].keep.contianer",
            "did you mean 'container'",
        ),
        (
            "based_at: A",
            "based_at: AA",
            13,
            "fleets.trucks.based_at",
            ["unknown site 'AA'", "did you mean 'A'"],
        ),
        (
            "equipment: {container: 100}",
            "equipment: {container: 100, tank: 4}",
            8,
            "sites.A.equipment.tank",
            ["unknown cargo class 'tank'", "declare it under cargo:"],
        ),
        (
            "equipment: {container: 100}",
            "equipment: {container: 100, personnel: 4}",
            8,
            "sites.A.equipment.personnel",
            "site's personnel: key",
        ),
        (
            "capacity: {container: 2}",
            "capacity: {container: 2, contaner: 1}",
            14,
            "fleets.trucks.capacity.contaner",
            ["unknown cargo class 'contaner'", "did you mean 'container'"],
        ),
    ],
    ids=[
        "route-to-near-miss",
        "route-to-unknown",
        "route-to-itself",
        "move-from",
        "move-to",
        "move-keep-class",
        "fleet-based-at",
        "equipment-class",
        "personnel-as-equipment",
        "capacity-class",
    ],
)
def test_unknown_reference(
    tmp_path: Path, old: str, new: str, line: int, key: str, says: str | list[str]
) -> None:
    # A broken reference may have knock-on effects (e.g. no route left between A and B);
    # the broken reference itself must be reported at its own line.
    problems = refused_text(tmp_path, edit(old, new))
    check(at(problems, key), line=line, key=key, says=says)


PHASE_END = "      - {from: A, to: B}\n"


@pytest.mark.parametrize(
    ("extra", "line", "key", "says"),
    [
        (
            "  - id: second\n    after: [emtpy_A]\n",
            28,
            "phases[1].after[0]",
            ["unknown phase 'emtpy_A'", "did you mean 'empty_A'"],
        ),
        (
            "  - id: second\n    after: [empty_A, second]\n",
            28,
            "phases[1].after[1]",
            "phase 'second' cannot start after itself",
        ),
        (
            "  - id: empty_A\n    start_day: 3\n",
            27,
            "phases[1].id",
            ["duplicate phase id 'empty_A'", "also phases[0]"],
        ),
    ],
    ids=["after-unknown", "after-itself", "duplicate-id"],
)
def test_phase_reference(tmp_path: Path, extra: str, line: int, key: str, says: str | list[str]) -> None:
    check(only(refused_text(tmp_path, BASE_TEXT + extra)), line=line, key=key, says=says)


def test_phase_cycle_names_the_cycle(tmp_path: Path) -> None:
    extra = (
        "  - id: p1\n    after: [p3]\n"  # lines 27-28
        "  - id: p2\n    after: [p1]\n"
        "  - id: p3\n    after: [p2]\n"
    )
    p = only(refused_text(tmp_path, BASE_TEXT + extra))
    check(p, line=28, key="phases[1].after", says="cycle")
    cycle = p.message.split("cycle: ", 1)[1].split(";", 1)[0].split(" -> ")
    assert sorted(cycle[:-1]) == ["p1", "p2", "p3"] and cycle[0] == cycle[-1], p


# --------------------------------------------------------------------------------------------
# can the plan be carried out at all?
# --------------------------------------------------------------------------------------------


def test_cargo_no_fleet_can_carry(tmp_path: Path) -> None:
    text = edit("equipment: {container: 100}", "personnel: 50, equipment: {container: 100}")
    check(
        only(refused_text(tmp_path, text)),
        line=26,
        key="phases[0].moves[0]",
        says=["'personnel' cannot get from 'A'", "no fleet carries it"],
    )


def test_move_with_no_route(tmp_path: Path) -> None:
    data = base_data()
    data["sites"]["C"] = {"name": "Site C"}
    data["phases"][0]["moves"] = [{"from": "A", "to": "C"}]
    text = dump(data)
    check(
        only(refused_text(tmp_path, text)),
        line=line_of(text, "to: C"),
        key="phases[0].moves[0].to",
        says=["no route joins 'A' and 'C'", "add a route"],
    )


def test_carrier_fleet_cannot_reach_origin(tmp_path: Path) -> None:
    data = base_data()
    data["sites"]["C"] = {"name": "Site C"}  # no road from C to anywhere
    data["fleets"]["trucks"]["based_at"] = "C"
    text = dump(data)
    check(
        only(refused_text(tmp_path, text)),
        line=line_of(text, "- from: A\n    to: B\n"),
        key="phases[0].moves[0]",
        says=["'container' cannot get", "can reach 'A'", "trucks"],
    )


def test_carrier_fleet_with_no_vehicles(tmp_path: Path) -> None:
    text = edit("count: 10", "count: 0")
    check(
        only(refused_text(tmp_path, text)),
        line=26,
        key="phases[0].moves[0]",
        says=["'container' cannot get", "(trucks) have no vehicles"],
    )


# --------------------------------------------------------------------------------------------
# citations
# --------------------------------------------------------------------------------------------


def test_cite_of_unknown_source(tmp_path: Path) -> None:
    text = edit(TRUCK_CITE, '    cite: "S99"\nroutes')
    check(
        only(refused_text(tmp_path, text)),
        line=18,
        key="fleets.trucks.cite",
        says="cites unknown source 'S99'",
    )


def test_cite_mapping_of_unknown_source(tmp_path: Path) -> None:
    text = BASE_TEXT + "sources:\n  S1: {title: A report}\n"
    text = edit(TRUCK_CITE, '    cite: {count: "S1", speed_kmh: "S1, S7"}\nroutes', text)
    check(
        only(refused_text(tmp_path, text)),
        line=18,
        key="fleets.trucks.cite.speed_kmh",
        says=["cites unknown source 'S7'", "known: S1"],
    )


def test_assumption_must_give_reasoning(tmp_path: Path) -> None:
    text = edit(TRUCK_CITE, '    cite: "assumption:"\nroutes')
    check(
        only(refused_text(tmp_path, text)), line=18, key="fleets.trucks.cite", says="must give its reasoning"
    )


def test_observation_with_unknown_source(tmp_path: Path) -> None:
    text = BASE_TEXT + (
        "sources:\n"  # 27
        "  S1: {title: A report}\n"
        "observations:\n"
        "  - {date: 2026-01-05, personnel: 100, source: S1}\n"  # 30
        "  - {date: 2026-01-09, personnel: 50, site: A, source: S2}\n"  # 31
    )
    check(
        only(refused_text(tmp_path, text)),
        line=31,
        key="observations[1].source",
        says=["cites unknown source 'S2'", "known: S1"],
    )


def test_observation_at_unknown_site(tmp_path: Path) -> None:
    text = BASE_TEXT + (
        "sources:\n  S1: {title: A report}\n"
        "observations:\n  - {date: 2026-01-05, personnel: 100, site: AB, source: S1}\n"  # 30
    )
    check(only(refused_text(tmp_path, text)), line=30, key="observations[0].site", says="unknown site 'AB'")


# --------------------------------------------------------------------------------------------
# many problems at once
# --------------------------------------------------------------------------------------------


def test_all_value_problems_reported_sorted_by_line(tmp_path: Path) -> None:
    text = edit("km: 300", "km: -1")  # 20
    text = edit("count: 10", "count: ten", text)  # 12
    text = edit("  B: {name: Site B,", "  B: {name: Site B, colour: red,", text)  # 9
    text = edit("horizon_days: 30", "horizon_days: 0", text)  # 3
    problems = refused_text(tmp_path, text)
    assert [(p.line, p.key) for p in problems] == [
        (3, "horizon_days"),
        (9, "sites.B.colour"),
        (12, "fleets.trucks.count"),
        (20, "routes[0].km"),
    ]


def test_all_reference_problems_reported_sorted_by_line(tmp_path: Path) -> None:
    text = edit("{from: A, to: B}", "{from: A, to: X}")  # 26
    text = edit("capacity: {container: 2}", "capacity: {contaner: 2}", text)  # 14
    text = edit("based_at: A", "based_at: Q", text)  # 13
    text = edit(TRUCK_CITE, '    cite: "S99"\nroutes', text)  # 18
    problems = refused_text(tmp_path, text)
    assert [(p.line, p.key) for p in problems] == [
        (13, "fleets.trucks.based_at"),
        (14, "fleets.trucks.capacity.contaner"),
        (18, "fleets.trucks.cite"),
        (26, "phases[0].moves[0].to"),
    ]


# --------------------------------------------------------------------------------------------
# --set overrides
# --------------------------------------------------------------------------------------------


@pytest.fixture
def base_file(tmp_path: Path) -> Path:
    return write(tmp_path, BASE_TEXT)


def test_override_changes_value(base_file: Path) -> None:
    scenario = sim.load_scenario(base_file, overrides=["fleets.trucks.count=20"])
    assert scenario.fleets["trucks"].count == 20
    assert sim.load_scenario(base_file).fleets["trucks"].count == 10  # the file is untouched


@pytest.mark.parametrize("key", ["phases.empty_A.start_day", "phases[0].start_day", "phases.0.start_day"])
def test_override_addresses_list_item_by_id_or_index(base_file: Path, key: str) -> None:
    assert sim.load_scenario(base_file, overrides=[f"{key}=2"]).phases[0].start_day == 2.0


def test_override_with_distribution_value(base_file: Path) -> None:
    override = "fleets.trucks.load_hours={triangular: [1, 2, 4]}"
    scenario = sim.load_scenario(base_file, overrides=[override])
    dist = scenario.fleets["trucks"].load_hours
    assert isinstance(dist, Distribution)
    assert (dist.family, dist.params) == ("triangular", (1.0, 2.0, 4.0))


def test_several_overrides_apply_in_order(base_file: Path) -> None:
    overrides = ["fleets.trucks.count=20", "fleets.trucks.count=30", "horizon_days=60"]
    scenario = sim.load_scenario(base_file, overrides=overrides)
    assert (scenario.fleets["trucks"].count, scenario.horizon_days) == (30, 60.0)


@pytest.mark.parametrize(
    ("override", "key", "says"),
    [
        ("fleets.trucks.count=twenty", "fleets.trucks.count", ["valid integer", "'twenty'"]),
        ("fleets.trucks.count=2.5", "fleets.trucks.count", "valid integer"),
        ("fleets.trucks.cuont=20", "fleets.trucks.cuont", ["unknown key 'cuont'", "did you mean 'count'"]),
        ("horizon_dayz=20", "horizon_dayz", "did you mean 'horizon_days'"),
        ("fleets.truks.count=20", "fleets.truks.count", ["'truks'", "did you mean 'trucks'"]),
        ("sites.C.personnel=5", "sites.C.personnel", ["'C'", "known: A, B"]),
        ("phases.emptyA.start_day=2", "phases.emptyA.start_day", ["'emptyA'", "did you mean 'empty_A'"]),
        ("phases[3].start_day=2", "phases[3].start_day", ["index 3", "out of range"]),
        ("phases[-1].start_day=2", "phases[-1].start_day", "index -1"),
        ("fleets.trucks.count", "fleets.trucks.count", "expected key=value"),
        ("=5", "(key)", "expected key=value"),
        ("fleets.trucks.count=", "fleets.trucks.count", "give a value after '='"),
        ("fleets.trucks.count.x=1", "fleets.trucks.count.x", "is a single value"),
        ("fleets.trucks.count=[1", "fleets.trucks.count", "not valid YAML"),
        (
            "fleets.trucks.load_hours={triangular: [4, 2, 1]}",
            "fleets.trucks.load_hours",
            "low <= mode <= high",
        ),
        ("fleets.trucks.load_hours={gamma: [1, 2]}", "fleets.trucks.load_hours", "got keys ['gamma']"),
        ("fleets.trucks.count=!!python/object/apply:os.system [x]", "fleets.trucks.count", "is not allowed"),
        ("phases.empty_A.after=[nope]", "phases[0].after[0]", "unknown phase 'nope'"),
        ("fleets.trucks.cite=S99", "fleets.trucks.cite", "unknown source 'S99'"),
    ],
    ids=[
        "word-for-count",
        "float-for-count",
        "unknown-key",
        "unknown-top-key",
        "unknown-fleet",
        "unknown-site",
        "unknown-phase-id",
        "index-out-of-range",
        "negative-index",
        "missing-equals",
        "missing-key",
        "missing-value",
        "key-below-a-value",
        "bad-yaml",
        "bad-distribution",
        "unknown-distribution",
        "python-tag",
        "bad-reference",
        "bad-cite",
    ],
)
def test_bad_override(base_file: Path, override: str, key: str, says: str | list[str]) -> None:
    p = only(refused(base_file, [override]))
    check(p, line="1", key=key, says=says, file="--set")
    assert str(p).startswith(f"--set:1: {key}: ")


def test_override_problems_name_their_override(base_file: Path) -> None:
    problems = refused(base_file, ["name=fine", "fleets.trucks.cuont=3", "phases[9].start_day=1"])
    assert [(p.file, p.line, p.key) for p in problems] == [
        ("--set", "2", "fleets.trucks.cuont"),
        ("--set", "3", "phases[9].start_day"),
    ]


def test_override_value_problems_in_override_order(base_file: Path) -> None:
    problems = refused(base_file, ["horizon_days=0", "fleets.trucks.count=ten"])
    assert [str(p) for p in problems] == [
        "--set:1: horizon_days: input should be greater than 0 (got 0)",
        "--set:2: fleets.trucks.count: input should be a valid integer (got 'ten')",
    ]


def test_file_and_override_problems_reported_together(tmp_path: Path) -> None:
    path = write(tmp_path, edit("km: 300", "km: -3"))
    problems = refused(path, ["horizon_days=0"])
    assert [(p.file, p.line, p.key) for p in problems] == [
        (str(path), 20, "routes[0].km"),
        ("--set", "1", "horizon_days"),
    ]


def test_override_cannot_hide_a_file_problem(tmp_path: Path) -> None:
    path = write(tmp_path, edit("count: 10", "count: ten"))
    fixed = sim.load_scenario(path, overrides=["fleets.trucks.count=10"])
    assert fixed.fleets["trucks"].count == 10
    check(
        only(refused(path, ["fleets.trucks.speed_kmh=40"])),
        line=12,
        key="fleets.trucks.count",
        says="'ten'",
        file=path,
    )


# --------------------------------------------------------------------------------------------
# provenance (validate --require-sources)
# --------------------------------------------------------------------------------------------


def test_provenance_accepts_fully_cited_file(tmp_path: Path) -> None:
    assert provenance_problems(write(tmp_path, BASE_TEXT)) == []


def test_provenance_flags_uncited_figures(tmp_path: Path) -> None:
    path = write(tmp_path, edit(TRUCK_CITE, "routes"))
    problems = provenance_problems(path)
    assert [(p.line, p.key) for p in problems] == [
        (12, "fleets.trucks.count"),
        (14, "fleets.trucks.capacity.container"),
        (15, "fleets.trucks.speed_kmh"),
        (16, "fleets.trucks.load_hours"),
        (17, "fleets.trucks.unload_hours"),
    ]
    assert all(p.file == str(path) for p in problems)
    assert "figure 10 has no source" in problems[0].message
    assert "cite:" in problems[0].message


def test_provenance_cite_mapping_covers_only_named_fields(tmp_path: Path) -> None:
    cite = '    cite: {count: "assumption: ten trucks", speed_kmh: "assumption: 30"}\nroutes'
    path = write(tmp_path, edit(TRUCK_CITE, cite))
    assert [p.key for p in provenance_problems(path)] == [
        "fleets.trucks.capacity.container",
        "fleets.trucks.load_hours",
        "fleets.trucks.unload_hours",
    ]


def test_provenance_refuses_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError) as info:
        provenance_problems(tmp_path / "nope.yaml")
    check(only(info.value.problems), line=1, key=TOP, says="no such file")
