"""Distributions and random-number streams: shapes, central values, refusals, named streams."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

import sim
from sim.engine.streams import Streams
from sim.scenario.distributions import parse_distribution


@pytest.mark.parametrize(
    ("raw", "mean", "low", "high"),
    [
        ({"triangular": [1, 2, 6]}, 3.0, 1.0, 6.0),
        ({"uniform": [2, 4]}, 3.0, 2.0, 4.0),
        ({"normal": {"mean": 10, "sd": 2}}, 10.0, 0.0, math.inf),
        ({"lognormal": {"median": 2, "sigma": 0.5}}, 2 * math.exp(0.125), 0.0, math.inf),
        ({"exponential": {"mean": 5}}, 5.0, 0.0, math.inf),
    ],
)
def test_distribution_shapes_on_many_draws(raw: dict, mean: float, low: float, high: float) -> None:
    d = parse_distribution(raw)
    x = d.sample(np.random.default_rng(1), 200_000)
    assert x.min() >= low and x.max() <= high
    assert x.mean() == pytest.approx(mean, rel=0.01)


def test_normal_is_truncated_at_zero() -> None:
    d = parse_distribution({"normal": {"mean": 1, "sd": 2}})
    x = d.sample(np.random.default_rng(2), 100_000)
    assert x.min() >= 0.0
    assert d.central == 1.0  # deterministic runs use the mean as given


def test_central_values() -> None:
    assert parse_distribution({"triangular": [1, 2, 6]}).central == 2.0  # the mode
    assert parse_distribution({"uniform": [2, 4]}).central == 3.0
    assert parse_distribution({"exponential": {"mean": 5}}).central == 5.0


@pytest.mark.parametrize(
    "raw",
    [
        {"triangular": [3, 2, 1]},
        {"triangular": [1, 2]},
        {"uniform": [-1, 2]},
        {"normal": {"mean": 1}},
        {"gamma": [1, 2]},
        {"uniform": [1, 2], "per": "week"},
        {"exponential": {"mean": float("inf")}},
    ],
)
def test_bad_distributions_are_refused(raw: dict) -> None:
    with pytest.raises(ValueError):
        parse_distribution(raw)


def test_streams_are_named_and_independent() -> None:
    d = parse_distribution({"uniform": [0, 1]})
    a = Streams(42, 3)
    b = Streams(42, 3)
    b.draws(d, "load", 100)  # using another stream first must not shift "speed"
    assert a.draws(d, "speed", 5).tolist() == b.draws(d, "speed", 5).tolist()
    assert Streams(42, 3).draws(d, "speed", 5).tolist() != Streams(42, 4).draws(d, "speed", 5).tolist()
    assert Streams(42, 3).draws(d, "speed", 5).tolist() != Streams(43, 3).draws(d, "speed", 5).tolist()


def test_per_replication_value_is_fixed_within_a_run() -> None:
    d = parse_distribution({"uniform": [0, 1], "per": "replication"})
    st = Streams(1, 0)
    assert len({st.draw(d, "availability", "het") for _ in range(10)}) == 1
    assert st.draw(d, "availability", "het") != Streams(1, 1).draw(d, "availability", "het")


def test_a_distribution_without_a_finite_central_value_is_refused_not_overflowed(tmp_path: Path) -> None:
    """lognormal sigma 50 has no finite mean: --deterministic could not use it. It used to raise
    OverflowError (a traceback); now the field refuses it at its key."""
    assert math.isinf(parse_distribution({"lognormal": {"median": 5, "sigma": 50}}).central)
    path = tmp_path / "s.yaml"
    path.write_text(
        "name: t\nstart: 2026-01-01\nhorizon_days: 5\nsites: {A: {personnel: 1}, B: {}}\n"
        "fleets: {t: {count: 1, based_at: A, capacity: {personnel: 1}, speed_kmh: 10,\n"
        "  load_hours: {lognormal: {median: 5, sigma: 50}}}}\n"
        "routes: [{from: A, to: B, km: 10}]\nphases: [{id: p, moves: [{from: A, to: B}]}]\n"
    )
    with pytest.raises(sim.ScenarioError) as err:
        sim.load_scenario(path)
    (problem,) = err.value.problems
    assert str(problem).startswith(f"{path}:6: fleets.t.load_hours: distribution's central value")
