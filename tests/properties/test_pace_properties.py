"""The invariants hold with the pace-realism rules too: conservation, termination, the
closure rules and determinism, on random scenarios that use crew duty, priorities, the
dispatch orders, conditional events, site work, self-propelled units and drawn counts
(:func:`tests.support.pace.with_pace`)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import sim
from tests.properties.test_properties import (
    PROFILE,
    _fingerprint,
    check_closure_rules,
    check_conservation,
    check_convoys,
    check_termination,
)
from tests.support import strategies as gen
from tests.support.pace import with_pace

pytestmark = pytest.mark.slow

PACED = gen.scenario_dicts(max_sites=10).flatmap(with_pace)
EXAMPLES = settings(PROFILE, max_examples=max(1, PROFILE.max_examples // 5))


@EXAMPLES
@given(data=PACED, seed=st.integers(0, 2**32 - 1), deterministic=st.booleans())
def test_paced_runs_conserve_terminate_and_obey_the_closure_rules(
    data: dict[str, Any], seed: int, deterministic: bool
) -> None:
    r = gen.run(gen.build(data), seed=seed, deterministic=deterministic)
    s = r.scenario  # with every drawn count in place: the scenario this replication ran
    check_conservation(s, r)
    check_termination(s, r)
    check_closure_rules(s, r)
    check_convoys(s, r)


@EXAMPLES
@given(data=PACED, seed=st.integers(0, 2**32 - 1))
def test_paced_runs_repeat_exactly(data: dict[str, Any], seed: int) -> None:
    first = sim.simulate(gen.build(data), seed=seed)
    again = sim.simulate(gen.build(data), seed=seed)
    assert _fingerprint(first) == _fingerprint(again)
