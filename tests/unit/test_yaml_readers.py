"""The two ways of reading YAML agree: one pass over events, and composing nodes (issue #14).

:func:`sim.scenario.yamlevents.read_events` reads text without anchors in one pass (about
three times faster on a large file); :func:`sim.scenario.yamlsource.compose_yaml` is the
exact path it must match. For every text here, either the fast reader hands the text back
(:class:`Fallback`) or both give the same data and lines, or refuse with the same one line.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from sim.scenario.problems import ScenarioError
from sim.scenario.yamlevents import Fallback, read_events
from sim.scenario.yamlsource import compose_yaml, parse_yaml

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = sorted((ROOT / "scenarios").rglob("*.yaml"))


def outcome(read: Any, text: str) -> tuple[Any, ...]:
    try:
        src = read(text, "f.yaml")
    except ScenarioError as exc:
        return ("refused", [str(p) for p in exc.problems])
    return ("read", src.data, src.lines)


def agree(text: str) -> tuple[Any, ...]:
    """Both readers' outcome, asserted equal; the fast reader must not hand the text back."""
    exact = outcome(compose_yaml, text)
    assert outcome(read_events, text) == exact
    return exact


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_every_shipped_scenario_reads_the_same_both_ways(path: Path) -> None:
    kind, *_ = agree(path.read_text(encoding="utf-8"))
    assert kind == "read"


CASES = {
    "nested": "a:\n  b: [1, 2.5, {c: d}]\n  e:\n    - - x\n      - y\n    - z\n",
    "scalars": "a: 1\nb: 1e3\nc: 2026-02-23\nd: true\ne: null\nf: ~\ng: '1'\nh: =\ni: 0x1F\nj: .inf\n",
    "keys as written": "true: 1\nnull: 2\n1.50: 3\n7: 4\n",
    "explicit tags": "a: !!str 12\nb: !!int '7'\nc: !!float 1\nd: !!map {x: 1}\ne: !!seq [1]\n",
    "empty": "# only a comment\n",
    "bare document": "---\n",
    "empty values": "a:\nb: []\nc: {}\nd: ''\n",
    "block scalars": "a: |\n  two\n  lines\nb: >\n  folded\n  text\n",
    "top-level list": "- 1\n- [2, 3]\n",
    "top-level scalar": "just text\n",
    "duplicate key": "a: 1\nb:\n  c: 1\n  c: 2\n",
    "duplicate key in a flow": "a: {x: 1, x: 2}\n",
    "duplicate number key": "a:\n  1: x\n  1: y\n",
    "mapping as key": "a:\n  ? {b: 1}\n  : 2\n",
    "list as key": "[1, 2]: 3\n",
    "merge key": "a: {x: 1}\nb:\n  <<: {y: 2}\n",
    "python tag": "a: !!python/object:os.system x\n",
    "custom tag on a map": "a: !thing {x: 1}\n",
    "custom tag on a key": "!thing a: 1\n",
    "bad bool": "a: !!bool maybe\n",
    "bad date": "a: 2026-02-30\n",
    "bad int": "a: !!int ten\n",
    "huge integer": "a: " + "9" * 400 + "\n",
    "value error after a good part": "a: 1\nb: [1, 2]\nc: !!int x\n",
    "deep flow": "a: " + "[" * 70 + "]" * 70 + "\n",
    "deep block": "".join("  " * i + f"k{i}:\n" for i in range(70)),
    "bad tag then deep": "a: !!int x\nb: " + "[" * 70 + "]" * 70 + "\n",
    "dup key then deep": "a: 1\na: 2\nb: " + "[" * 70 + "]" * 70 + "\n",
    "unicode": 'name: "Al-Walid \\u2014 \\u0627\\u0644\\u0648\\u0644\\u064a\\u062f"\nemoji: 🚚\n',
    "CRLF": "a: 1\r\nb:\r\n  - 2\r\n",
    "quoted keys": "'a b': 1\n\"c\": 2\n",
}


@pytest.mark.parametrize("name", list(CASES))
def test_hand_cases_read_the_same_both_ways(name: str) -> None:
    agree(CASES[name])


def test_the_fast_reader_builds_values_and_lines() -> None:
    # hand-checked: values typed as YAML 1.1 with posture's two changes, lines 1-based
    src = read_events("a: 1\nb:\n  - 2026-02-23\n  - {c: 1e3, d: =}\n", "f.yaml")
    assert src.data == {"a": 1, "b": [dt.date(2026, 2, 23), {"c": 1000.0, "d": "="}]}
    assert src.lines[("b", 0)] == 3 and src.lines[("b", 1, "d")] == 4 and src.lines[("a",)] == 1


def test_a_value_refused_before_a_syntax_error_is_reported_as_the_syntax_error() -> None:
    # the composer parses the whole stream before it builds anything, so a syntax error
    # later in the file is reported first; the fast reader hands such text back
    text = "a: !!int x\nb: [1, 2\n"
    with pytest.raises(Fallback):
        read_events(text, "f.yaml")
    with pytest.raises(ScenarioError) as exc:
        parse_yaml(text, "f.yaml")
    assert "YAML syntax error" in str(exc.value.problems[0])


@pytest.mark.parametrize(
    "text",
    ["a: &x 1\nb: *x\n", "a: 1\n---\nb: 2\n", "a: [1, 2\n", "a: b: c\n"],
    ids=["anchor", "two documents", "unclosed", "syntax"],
)
def test_anchors_documents_and_syntax_errors_go_the_exact_way(text: str) -> None:
    with pytest.raises(Fallback):
        read_events(text, "f.yaml")
    assert outcome(parse_yaml, text) == outcome(compose_yaml, text)
