"""Fuzzing named parameters and posterior files (issue #14, with #12's inputs).

* random ``parameters:`` blocks (priors of every family, plain numbers, junk) and random
  ``{param: NAME}`` references in the worked example's quantities and counts: accepted (and
  then a replication runs, every reference taking a value inside its field's range), or a
  :class:`sim.ScenarioError` of one-line ``FILE:LINE: key: message`` problems;
* random ``posterior.csv`` text read against a parameterised scenario
  (:func:`sim.scenario.posterior.read_posterior`): a :class:`~sim.scenario.posterior.Posterior`
  whose weights are finite, non-negative and sum above 0, or one-line problems at
  ``posterior.csv:LINE``, never a traceback.

Examples per test: ``POSTURE_FUZZ_EXAMPLES`` (see tests/conftest.py).
"""

from __future__ import annotations

import copy
import math
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import event, given
from hypothesis import strategies as st

import sim
from sim.scenario.loader import build_scenario
from sim.scenario.posterior import read_posterior
from sim.scenario.problems import ScenarioError
from sim.scenario.yamlsource import Source
from tests.properties.test_fuzz import FILE, FUZZ, WORKED, check_outcome

pytestmark = pytest.mark.slow

_DATA = yaml.safe_load(WORKED.read_text(encoding="utf-8"))
NAMES = st.sampled_from(["a", "b", "tvar", "x_1", "", "1a", "a b", None, 3])
NUMBERS = st.one_of(
    st.integers(-5, 200), st.floats(allow_nan=True, allow_infinity=True), st.sampled_from([0, 0.5, 1, 24])
)
PRIORS = st.one_of(
    NUMBERS,
    st.builds(lambda a, b: {"uniform": [a, b]}, NUMBERS, NUMBERS),
    st.builds(lambda a, b, c: {"triangular": [a, b, c]}, NUMBERS, NUMBERS, NUMBERS),
    st.builds(lambda m, s: {"normal": {"mean": m, "sd": s}}, NUMBERS, NUMBERS),
    st.builds(lambda m, s: {"lognormal": {"median": m, "sigma": s}}, NUMBERS, NUMBERS),
    st.builds(lambda m: {"exponential": {"mean": m}}, NUMBERS),
    st.builds(lambda a, b: {"uniform": [a, b], "per": "occurrence"}, NUMBERS, NUMBERS),
    st.sampled_from([None, "x", [], {}, {"param": "a"}]),
)
FIELDS = st.sampled_from(
    [
        ("fleets", "trucks", "speed_kmh"),
        ("fleets", "trucks", "count"),
        ("fleets", "trucks", "load_hours"),
        ("fleets", "trucks", "availability"),
        ("routes", 0, "km"),
        ("horizon_days",),
        ("sites", "A", "equipment", "container"),
    ]
)


def _put(data: dict[str, Any], path: tuple[Any, ...], value: Any) -> None:
    node: Any = data
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value


@FUZZ
@given(
    block=st.dictionaries(NAMES, st.fixed_dictionaries({"prior": PRIORS}), max_size=3)
    | st.sampled_from([None, [], "x", 5]),
    refs=st.lists(st.tuples(FIELDS, NAMES), max_size=3),
)
def test_random_parameters_are_accepted_or_refused_in_one_line(block: Any, refs: list[Any]) -> None:
    data = copy.deepcopy(_DATA)
    data["parameters"] = block
    for path, name in refs:
        _put(data, path, {"param": name})
    outcome = check_outcome(lambda: build_scenario(Source(FILE, copy.deepcopy(data))), file=FILE, lines=1)
    event("accepted" if outcome.error is None else "refused")
    if outcome.scenario is None:
        return
    result = sim.simulate(outcome.scenario, seed=1)
    for name, value in result.parameters.items():
        low, high = outcome.scenario.parameters[name].prior.bounds
        assert math.isfinite(value) and low <= value <= high, (name, value)


CELLS = st.one_of(
    st.floats(0, 50).map(str),
    st.floats(0, 50).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(-3, 100).map(str),
    st.sampled_from(["", "x", "1e999", "-0", " 2 ", '"1"', "nan"]),
)


@FUZZ
@given(
    header=st.sampled_from([["spd", "lh", "weight"], ["weight", "lh", "spd"]])
    | st.lists(st.sampled_from(["spd", "lh", "weight", "foo", "", "spd"]), max_size=5),
    rows=st.lists(st.lists(CELLS, min_size=3, max_size=3) | st.lists(CELLS, max_size=5), max_size=5),
    junk=st.sampled_from(["", "\x00", '"unclosed', "\ufeff", "\r\n"]),
)
def test_random_posterior_files_are_read_or_refused_in_one_line(
    header: list[str], rows: list[list[str]], junk: str, tmp_path_factory: Any
) -> None:
    folder: Path = tmp_path_factory.mktemp("posterior")
    data = copy.deepcopy(_DATA)
    data["parameters"] = {"spd": {"prior": {"uniform": [20, 60]}}, "lh": {"prior": {"uniform": [1, 3]}}}
    data["fleets"]["trucks"]["speed_kmh"] = {"param": "spd"}
    data["fleets"]["trucks"]["unload_hours"] = {"param": "lh"}
    scenario = build_scenario(Source(FILE, data))
    text = junk + "\n".join(",".join(r) for r in [header, *rows]) + "\n"
    path = folder / "posterior.csv"
    path.write_text(text, encoding="utf-8")
    try:
        post = read_posterior(path, scenario)
    except ScenarioError as err:
        event("refused")
        assert err.problems
        for p in err.problems:
            line = str(p)
            assert line.startswith(f"{path}:") and "\n" not in line and "\r" not in line, line
            assert 1 <= int(p.line) <= len(text.splitlines()) + 1, line
        return
    event("accepted")
    assert set(post.names) == {"spd", "lh"}
    assert all(math.isfinite(w) and w >= 0 for w in post.weights) and sum(post.weights) > 0
    result = sim.simulate(scenario, parameters=post, seed=2)
    assert set(result.parameters) == {"spd", "lh"}
