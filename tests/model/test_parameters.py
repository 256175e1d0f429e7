"""Named parameters (issue #12): one draw per replication, shared by every value naming it.

Each case is computed by hand on the worked example (100 containers, 10 trucks of 2, 2 h to
load, 300 km, 1 h to unload): five convoys, so closure = 4 x round trip + one way, with the
round trip 2 + 2 x 300 / speed + 1 h and the last leg 2 + 300 / speed + 1 h.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import sim
from sim.engine.realise import PARAM, realise
from sim.engine.streams import Streams
from sim.scenario.problems import ScenarioError

ROOT = Path(__file__).resolve().parents[2]
WORKED = ROOT / "scenarios/examples/worked-example.yaml"
SPEED = ["parameters={spd: {prior: {uniform: [20, 60]}, cite: 'assumption: a test range'}}"]


def closure(speed: float) -> float:
    """The worked example's closure in hours at ``speed`` km/h (five convoys)."""
    drive = 300 / speed
    return 4 * (2 + 2 * drive + 1) + 2 + drive + 1


def worked(*overrides: str) -> sim.Scenario:
    return sim.load_scenario(WORKED, ["horizon_days=60", *overrides])


def test_a_parameter_sets_the_field_it_is_named_in() -> None:
    s = worked(*SPEED, "fleets.trucks.speed_kmh={param: spd}")
    for speed in (30.0, 60.0, 25.0):
        r = sim.simulate(s, parameters={"spd": speed})
        assert r.parameters == {"spd": speed}
        assert r.closure_h == pytest.approx(closure(speed))
    assert closure(30) == 105.0  # docs/model.md's worked example


def test_every_replication_draws_once_from_the_parameter_stream() -> None:
    s = worked(*SPEED, "fleets.trucks.speed_kmh={param: spd}")
    for rep in range(5):
        r = sim.simulate(s, seed=7, replication=rep)
        gen = np.random.Generator(np.random.PCG64(np.random.SeedSequence(7, spawn_key=(rep, key("spd")))))
        expected = gen.uniform(20, 60)
        assert r.parameters["spd"] == pytest.approx(expected)
        assert r.closure_h == pytest.approx(closure(expected))


def key(name: str) -> int:
    from sim.engine.streams import stream_key

    return stream_key(PARAM + name)


def test_two_fleets_naming_one_parameter_share_its_draw() -> None:
    s = worked(
        *SPEED,
        "fleets.trucks.speed_kmh={param: spd}",
        "fleets.more={count: 1, based_at: A, capacity: {container: 2}, speed_kmh: {param: spd},"
        " cite: 'assumption: a second fleet'}",
    )
    real, _, values = realise(s, Streams(3, 1))
    assert real.fleets["trucks"].speed_kmh == real.fleets["more"].speed_kmh == values["spd"]


def test_adding_a_parameter_never_shifts_the_draws_of_the_others() -> None:
    one = worked(*SPEED, "fleets.trucks.speed_kmh={param: spd}")
    two = worked(
        "parameters={spd: {prior: {uniform: [20, 60]}}, lh: {prior: {uniform: [1, 3]}}}",
        "fleets.trucks.speed_kmh={param: spd}",
        "fleets.trucks.unload_hours={param: lh}",
    )
    for rep in range(4):
        a = realise(one, Streams(11, rep))[2]
        b = realise(two, Streams(11, rep))[2]
        assert a["spd"] == b["spd"]
        assert 1 <= b["lh"] <= 3


def test_deterministic_takes_the_prior_central_value() -> None:
    s = worked(
        "parameters={spd: {prior: {triangular: [20, 50, 60]}}}", "fleets.trucks.speed_kmh={param: spd}"
    )
    r = sim.simulate(s, deterministic=True)
    assert r.parameters == {"spd": 50.0}
    assert r.closure_h == pytest.approx(closure(50))


def test_a_count_takes_the_draw_rounded_half_to_even() -> None:
    # n trucks: ceil(100 / 2n) trips; 4 trucks -> 13 trips: 12 x 23 + 13 = 289 h
    s = worked("parameters={n: {prior: {uniform: [3, 6]}}}", "fleets.trucks.count={param: n}")
    for value, trucks in ((4.5, 4), (3.5, 4), (4.4, 4)):
        real, _, _ = realise(s, Streams(0))
        assert realise(s, Streams(0), {"n": value})[0].fleets["trucks"].count == trucks
        assert isinstance(real.fleets["trucks"].count, int)
    assert sim.simulate(s, parameters={"n": 4.5}).closure_h == 12 * 23 + 13


def test_a_fixed_prior_is_a_fixed_value_and_set_can_change_it() -> None:
    s = worked(
        "parameters={spd: {prior: {uniform: [20, 60]}}}",
        "parameters.spd.prior=60",
        "fleets.trucks.speed_kmh={param: spd}",
    )
    assert sim.simulate(s, seed=3).closure_h == closure(60)
    assert s.parameters["spd"].fixed


def test_references_are_not_counted_among_drawn_counts() -> None:
    s = worked(*SPEED, "fleets.trucks.speed_kmh={param: spd}", "fleets.trucks.count={uniform: [9, 11]}")
    r = sim.simulate(s, seed=1)
    assert set(r.drawn) == {"fleets.trucks.count"}
    assert set(r.parameters) == {"spd"}


def test_duty_hours_may_name_a_parameter() -> None:
    s = worked(
        "parameters={dh: {prior: {uniform: [8, 12]}}}",
        "fleets.trucks.duty={hours_per_day: {param: dh}}",
    )
    real, _, values = realise(s, Streams(5))
    duty = real.fleets["trucks"].duty
    assert duty is not None and duty.hours_per_day == values["dh"]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            ["fleets.trucks.speed_kmh={param: nope}"],
            "fleets.trucks.speed_kmh: names no parameter 'nope'; declared: none are declared",
        ),
        (
            ["parameters={a: {prior: {uniform: [0.6, 1.2]}}}", "fleets.trucks.availability={param: a}"],
            "fleets.trucks.availability: the prior of parameter 'a' must stay within [0, 1], "
            "got uniform[0.6, 1.2]",
        ),
        (
            [
                "parameters={a: {prior: {uniform: [1, 2], per: occurrence}}}",
                "fleets.trucks.load_hours={param: a}",
            ],
            "parameters.a.prior: a parameter is drawn once per replication: leave per: out of its prior",
        ),
        (
            ["parameters={a: {prior: 3}}", "horizon_days={param: a}"],
            "horizon_days: this key takes a plain value, not {param: NAME}",
        ),
        (
            ["parameters={a: {prior: 3}}", "fleets.trucks.speed_kmh={param: a, per: replication}"],
            "fleets.trucks.speed_kmh: a reference to a parameter is {param: NAME} and nothing else",
        ),
        (["parameters={a: {prior: -1}}"], "parameters.a.prior: a fixed prior must be a finite number >= 0"),
        (["parameters={a: {cite: 'assumption: no prior'}}"], "parameters.a.prior: required key is missing"),
    ],
)
def test_bad_parameters_are_refused_at_their_key(overrides: list[str], message: str) -> None:
    with pytest.raises(ScenarioError) as caught:
        worked(*overrides)
    lines = str(caught.value).splitlines()
    assert any(message in line for line in lines), lines
    assert all(line.startswith(str(WORKED)) or line.startswith("--set") for line in lines), lines
