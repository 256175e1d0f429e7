"""Fuzzing the loader: no input makes it raise anything but a well-formed ScenarioError.

Five kinds of input, each fed to the real entry points (``sim.load_scenario`` on a file,
``parse_yaml`` + ``build_scenario``, ``apply_overrides``):

* random bytes written to a file;
* random YAML-ish text built from YAML punctuation, scenario keys and awkward values;
* random edits of a valid scenario's text (characters and whole lines);
* random edits of a valid scenario's parsed mapping (delete, replace, rename, add, wrap);
* random ``--set`` strings applied to a valid scenario;
* random YAML-ish text and edits read both ways (one pass over events, composing nodes):
  the two readers must agree exactly, or the fast one must hand the text back.

The contract (:func:`check_outcome`): every input is either accepted (a ``sim.Scenario``) or
refused with ``sim.ScenarioError`` whose problems each print as exactly one line
``FILE:LINE: key: message``, with a line that exists in the input; nothing else is ever
raised, and each refusal takes < 1 s. CI runs a bounded smoke (60 examples per test); the
longer run sets ``POSTURE_FUZZ_EXAMPLES`` (see tests/conftest.py and docs/reliability.md).
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import re
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

import sim
from sim.scenario.loader import apply_overrides, build_scenario
from sim.scenario.problems import Problem
from sim.scenario.yamlevents import ANCHOR, Fallback, read_events
from sim.scenario.yamlsource import Source, compose_yaml, load_source, parse_yaml
from tests.support import strategies as gen

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "scenarios").rglob("*.yaml"))
WORKED = ROOT / "scenarios" / "examples" / "worked-example.yaml"
REFUSAL_SECONDS = 1.0 * (3 if sys.gettrace() is not None else 1)
"""The contract is one second; under a tracer (coverage in CI) everything runs ~2-3x slower."""
FILE = "fuzz.yaml"
_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")  # line breaks as PyYAML counts them

pytestmark = pytest.mark.slow  # 300 random inputs

FUZZ = settings.get_profile("posture-fuzz")  # POSTURE_FUZZ_EXAMPLES, see tests/conftest.py


# ----------------------------------------------------------------------------- the contract
class Outcome:
    """What one input did: ``scenario`` if accepted, ``error`` if refused, and how long."""

    def __init__(self, scenario: sim.Scenario | None, error: sim.ScenarioError | None, seconds: float):
        self.scenario, self.error, self.seconds = scenario, error, seconds


def check_problem(p: Problem, *, file: str, lines: int, overrides: int = 0) -> None:
    """One problem prints as one ``FILE:LINE: key: message`` line that points into the input.

    The printed key may differ from ``p.key`` (a key that is blank or holds line breaks is
    printed quoted); what counts is that the printed line has a visible key and message.
    """
    assert isinstance(p, Problem), repr(p)
    text = str(p)
    assert "\n" not in text and "\r" not in text and text.splitlines() == [text], f"not one line: {text!r}"
    prefix = f"{p.file}:{p.line}: "
    assert text.startswith(prefix), text
    key, sep, message = text[len(prefix) :].partition(": ")
    assert sep and key.strip() and message.strip(), f"no visible key or message: {text!r}"
    if p.file == "--set":
        assert str(p.line).isdigit() and 1 <= int(p.line) <= overrides, text
    else:
        assert p.file == file, text
        assert isinstance(p.line, int) and not isinstance(p.line, bool), text
        assert 1 <= p.line <= lines + 1, f"line {p.line} is not in a {lines}-line input: {text!r}"


def check_outcome(call: Callable[[], Any], *, file: str, lines: int, overrides: int = 0) -> Outcome:
    """Run one load; assert the contract; return what happened (anything else propagates)."""
    t0 = time.perf_counter()
    try:
        scenario = call()
    except sim.ScenarioError as err:
        seconds = time.perf_counter() - t0
        assert err.problems, "a ScenarioError with no problems"
        for p in err.problems:
            check_problem(p, file=file, lines=lines, overrides=overrides)
        assert str(err) == "\n".join(str(p) for p in err.problems)
        if seconds >= REFUSAL_SECONDS:  # time it again: the budget is the input's, not the scheduler's
            t1 = time.perf_counter()
            with contextlib.suppress(sim.ScenarioError):
                call()
            seconds = min(seconds, time.perf_counter() - t1)
        assert seconds < REFUSAL_SECONDS, f"refusal took {seconds:.2f} s (twice)"
        return Outcome(None, err, seconds)
    seconds = time.perf_counter() - t0
    assert isinstance(scenario, sim.Scenario), type(scenario)
    return Outcome(scenario, None, seconds)


def line_count(text: str | bytes) -> int:
    """Lines as PyYAML counts them (an upper bound for any reported line)."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return len(_BREAK.findall(text)) + 1


def load_file(folder: Path, content: str | bytes, overrides: Sequence[str] = ()) -> Outcome:
    """Write ``content`` to a file and load it as the CLI would."""
    path = folder / FILE
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return check_outcome(
        lambda: sim.load_scenario(path, list(overrides)),
        file=str(path),
        lines=line_count(content),
        overrides=len(overrides),
    )


def load_text(text: str) -> Outcome:
    """Parse text and validate it, without a file (the parsed data must be a mapping)."""

    def call() -> sim.Scenario:
        src = parse_yaml(text, FILE)
        if not isinstance(src.data, dict):
            raise sim.ScenarioError([Problem(FILE, 1, "(top level)", "not a mapping")])
        return build_scenario(src)

    return check_outcome(call, file=FILE, lines=line_count(text))


_FOLDER = Path(tempfile.mkdtemp(prefix="posture-fuzz-"))


# ----------------------------------------------------------------------------- inputs
TOKENS = [
    # YAML punctuation and structure
    ":",
    ": ",
    "-",
    "- ",
    " ",
    "  ",
    "\n",
    "\n  ",
    "\n- ",
    "{",
    "}",
    "[",
    "]",
    ",",
    "'",
    '"',
    "#",
    "|",
    ">",
    "?",
    "? ",
    "&a ",
    "*a",
    "!!str ",
    "!!int ",
    "!!map ",
    "!!python/object:os.system ",
    "!custom ",
    "<<: ",
    "---",
    "...",
    "%YAML 1.1\n",
    "\t",
    "\\",
    "\r\n",
    "\r",
    "\ufeff",
    "\u2028",
    "\x85",
    "\x07",
    "\x00",
    # scenario words
    "name",
    "start",
    "horizon_days",
    "sites",
    "fleets",
    "routes",
    "phases",
    "moves",
    "from",
    "to",
    "km",
    "count",
    "capacity",
    "based_at",
    "speed_kmh",
    "personnel",
    "equipment",
    "cargo",
    "keep",
    "after",
    "start_day",
    "events",
    "type",
    "day",
    "crossings",
    "aircraft",
    "airfield",
    "convoy",
    "max_vehicles",
    "cite",
    "assumption: because",
    "triangular",
    "per",
    "A",
    "B",
    "trucks",
    # awkward values
    "0",
    "-1",
    "1.5",
    "1e999",
    "-.inf",
    ".nan",
    "1_000",
    "0x1F",
    "0o17",
    "~",
    "null",
    "true",
    "yes",
    "2026-01-01",
    "2026-02-30",
    "9" * 320,
    "é",
    "日本",
    "\u202e",
    "=",
]

yaml_ish = st.lists(st.sampled_from(TOKENS), max_size=60).map("".join)


def valid_texts() -> list[str]:
    return [p.read_text(encoding="utf-8") for p in EXAMPLES]


def _edit_text(draw: st.DrawFn, text: str) -> str:
    for _ in range(draw(st.integers(1, 4))):
        op = draw(
            st.sampled_from(
                ["delete", "insert", "replace", "dup_line", "del_line", "swap_lines", "indent", "dedent"]
            )
        )
        if op in ("delete", "insert", "replace"):
            i = draw(st.integers(0, len(text)))
            j = min(len(text), i + draw(st.integers(0, 12)))
            token = draw(st.sampled_from(TOKENS)) if op != "delete" else ""
            text = text[:i] + token + text[(j if op != "insert" else i) :]
            continue
        lines = text.split("\n")
        k = draw(st.integers(0, max(0, len(lines) - 1)))
        if op == "dup_line":
            lines.insert(k, lines[k])
        elif op == "del_line":
            del lines[k]
        elif op == "swap_lines":
            m = draw(st.integers(0, max(0, len(lines) - 1)))
            lines[k], lines[m] = lines[m], lines[k]
        elif op == "indent":
            lines[k] = draw(st.sampled_from([" ", "  ", "\t", "    "])) + lines[k]
        else:
            lines[k] = lines[k][draw(st.integers(1, 4)) :]
        text = "\n".join(lines)
    return text


@st.composite
def edited_texts(draw: st.DrawFn) -> str:
    """A valid scenario file (a shipped one, or a generated one) with a few random edits."""
    if draw(st.booleans()):
        text = draw(st.sampled_from(valid_texts()))
    else:
        text = gen.to_yaml(draw(gen.scenario_dicts(max_sites=4, max_phases=2, max_events=2)))
    return _edit_text(draw, text)


yaml_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**6), 10**6)
    | st.integers(-(10**400), 10**400)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=12)
    | st.sampled_from(["A", "B", "personnel", "container", "p1", "assumption: random value here"])
    | st.dates(dt.date(1, 1, 1), dt.date(9999, 12, 31)),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8) | st.integers(), inner, max_size=3)
    ),
    max_leaves=8,
)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = []
    if isinstance(node, dict):
        for k, v in node.items():
            out.append((*prefix, k))
            out.extend(_paths(v, (*prefix, k)))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out.append((*prefix, i))
            out.extend(_paths(v, (*prefix, i)))
    return out


@st.composite
def edited_dicts(draw: st.DrawFn) -> dict[str, Any]:
    """A valid scenario mapping with a few random edits at random places."""
    if draw(st.booleans()):
        data = yaml.safe_load(draw(st.sampled_from(valid_texts())))
    else:
        data = draw(gen.scenario_dicts(max_sites=4, max_phases=2, max_events=2))
    data = copy.deepcopy(data)
    for _ in range(draw(st.integers(1, 3))):
        paths = _paths(data)
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent: Any = data
        for part in path[:-1]:
            parent = parent[part]
        key = path[-1]
        op = draw(st.sampled_from(["delete", "replace", "replace", "rename", "add", "wrap"]))
        if op == "delete":
            del parent[key]
        elif op == "replace":
            parent[key] = draw(yaml_values)
        elif op == "wrap":
            parent[key] = [parent[key]]
        elif op == "rename" and isinstance(parent, dict):
            new = draw(st.text(max_size=10) | st.sampled_from(["nmae", "sites", "from", "personel", "1"]))
            parent[new] = parent.pop(key)
        elif op == "add" and isinstance(parent[key], dict):
            parent[key][draw(st.text(max_size=10) | st.integers())] = draw(yaml_values)
    return data


@st.composite
def set_options(draw: st.DrawFn) -> list[str]:
    """A few ``--set`` strings: real keys, near misses and garbage, with YAML-ish values."""
    data = yaml.safe_load(WORKED.read_text(encoding="utf-8"))
    keys = []
    for path in _paths(data):
        keys.append("".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip("."))
    keys += [
        "phases.empty_A.start_day",
        "fleets.trucks.countt",
        "fleets.nope.count",
        "phases[9].id",
        "phases[-1].id",
        "routes.0.km",
        "sites.C.personnel",
        "convoy.max_vehicles",
        "events[0].day",
        "",
        ".",
        "..",
        "a..b",
        "[0]",
        "name.x",
        "sites[0]",
    ]
    out = []
    for _ in range(draw(st.integers(1, 3))):
        key = draw(st.sampled_from(keys) | st.text(max_size=15))
        value = draw(
            yaml_ish
            | st.sampled_from(
                [
                    "60",
                    "-1",
                    "1e999",
                    "{a: 1}",
                    "[1, 2]",
                    "!!int x",
                    "*a",
                    "2026-01-01",
                    "",
                    " ",
                    "null",
                    "x: y: z",
                ]
            )
        )
        sep = draw(st.sampled_from(["=", "=", "=", " = ", "", "=="]))
        out.append(f"{key}{sep}{value}")
    return out


# ----------------------------------------------------------------------------- tests
@FUZZ
@given(content=st.binary(max_size=2000))
def test_random_bytes(content: bytes) -> None:
    load_file(_FOLDER, content)


@FUZZ
@given(text=yaml_ish)
def test_random_yaml_ish_text(text: str) -> None:
    load_file(_FOLDER, text)
    load_text(text)


@FUZZ
@given(text=edited_texts())
def test_random_edits_of_a_valid_scenario_text(text: str) -> None:
    load_file(_FOLDER, text)


@FUZZ
@given(text=st.one_of(yaml_ish, edited_texts()))
def test_both_yaml_readers_agree(text: str) -> None:
    # the one-pass event reader hands back what it does not handle, or matches the composer
    def outcome(read: Callable[[str, str], Source]) -> tuple[Any, ...]:
        try:
            src = read(text, FILE)
        except sim.ScenarioError as exc:
            return ("refused", [str(p) for p in exc.problems])
        return ("read", src.data, src.lines)

    if ANCHOR.search(text):  # read by composing nodes only, never by events
        return
    with contextlib.suppress(Fallback):
        assert outcome(read_events) == outcome(compose_yaml)


@FUZZ
@given(data=edited_dicts())
def test_random_edits_of_a_valid_scenario_mapping(data: dict[str, Any]) -> None:
    # straight to the validator (no lines known: everything is reported at line 1) ...
    check_outcome(lambda: build_scenario(Source(FILE, copy.deepcopy(data))), file=FILE, lines=1)
    # ... and through YAML text, when PyYAML can write it
    try:
        text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    except yaml.YAMLError:
        return
    load_file(_FOLDER, text)


@FUZZ
@given(options=set_options())
def test_random_set_options(options: list[str]) -> None:
    path = WORKED
    lines = line_count(path.read_text(encoding="utf-8"))
    check_outcome(
        lambda: sim.load_scenario(path, options), file=str(path), lines=lines, overrides=len(options)
    )

    def direct() -> sim.Scenario:
        src = load_source(str(path))
        return build_scenario(src, apply_overrides(src, options))

    check_outcome(direct, file=str(path), lines=lines, overrides=len(options))
