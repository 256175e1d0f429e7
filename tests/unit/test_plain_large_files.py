"""A large file written out plainly is not an alias bomb (issue #14, budgets).

The alias-bomb limit (:data:`sim.scenario.yamlsource.MAX_NODES` values once aliases are
expanded) applies only to documents that use aliases: a theatre of 40,000 routes under the
20 MB cap was refused as "an alias bomb?" before.
"""

from __future__ import annotations

import pytest

from sim.scenario.problems import ScenarioError
from sim.scenario.yamlsource import MAX_NODES, parse_yaml

pytestmark = pytest.mark.slow  # 200,000-value documents: about 10 s of pure-Python YAML parsing


def test_a_plain_list_longer_than_the_alias_limit_parses() -> None:
    n = MAX_NODES + 50_000
    src = parse_yaml("values: [" + ",".join(["1"] * n) + "]\n", "big.yaml")
    assert isinstance(src.data, dict) and len(src.data["values"]) == n


def test_aliases_that_expand_past_the_limit_are_still_refused() -> None:
    lines = ["a: &a [" + ",".join(["1"] * 1000) + "]"]
    lines += [f"b{i}: *a" for i in range(MAX_NODES // 1000 + 5)]
    with pytest.raises(ScenarioError, match="an alias bomb"):
        parse_yaml("\n".join(lines) + "\n", "bomb.yaml")
