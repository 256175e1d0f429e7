"""Calibration, checked by simulation: does ABC-SMC find parameter values we know?

The synthetic scenario (:mod:`tests.support.calibration`) has two parameters, the bus speed
and the truck speed (each uniform 20-60 km/h). In each trial the true speeds are drawn from
that prior (seeded), one replication of the model at the true speeds gives personnel and
equipment in theatre on days 1-12 (the observations), and ``calibrate`` is run on them. A
calibration that works puts the truth inside the 90 % posterior interval in most trials
(about 9 in 10 if the posterior were exact: this is simulation-based calibration), and its
intervals are clearly narrower than the prior's.

The slow test runs 5 trials with a small budget (60 particles, 5 generations, at most 1,500
simulations each); ``POSTURE_CALIBRATION_CHECK=long`` runs the documented check instead (20
trials of 200 particles, 8 generations, up to 5,000 simulations each; the figures are in
docs/validation.md, "Calibration check"):

    POSTURE_CALIBRATION_CHECK=long python -m pytest tests/model/test_calibration_check.py -m slow -s -n 0

The quick tests check the distance's rules by hand, the priors handed to pyabc against
posture's own draws, and the weighted quantiles.
"""

from __future__ import annotations

import datetime as dt
import math
import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from sim.experiment.calibrate import Calibration, Settings, point_value, prior_rv, split_parameters
from sim.experiment.distance import distance, pilot_scales, simulated, targets
from sim.experiment.plan import RunPlan
from sim.scenario.distributions import Distribution
from tests.support.calibration import CITE, PRIOR, load, observe, synthetic

DAYS = tuple(range(1, 13))
LONG = os.environ.get("POSTURE_CALIBRATION_CHECK") == "long"
TRIALS, POPULATION, GENERATIONS, BUDGET = (20, 200, 8, 5000) if LONG else (5, 60, 5, 1500)


def _on(day: int) -> str:
    return (dt.date(2026, 1, 1) + dt.timedelta(days=day)).isoformat()


# ----------------------------------------------------------------------------- quick: the rules
def test_a_replication_is_read_at_each_target_and_misses_are_weighted(tmp_path: Path) -> None:
    """Loading 2 h and both speeds 50 km/h: loads reach B at 15, 42, 69, 96 and 123 h (see
    tests/support/calibration.py), a fifth of the personnel (200) and of the containers (20)
    each time (an arrival at 00:00 counts that day: 96 h is day 4); percent complete is 20 % a
    trip."""
    data = synthetic(load=2)
    data["observations"] = [
        {"date": _on(2), "value": 650, "source": CITE},  # 600 simulated: misses by 50 / 1000
        {"date": _on(3), "metric": "equipment", "low": 10, "high": 30, "source": CITE},  # 40: by 10 / 100
        {"date": "2025-12-30", "value": 1000, "source": CITE},  # before day 0: left out
        {"date": _on(40), "value": 0, "source": CITE},  # after the 30-day horizon: left out
        {"date": _on(1), "value": 0, "weight": 0, "source": CITE},  # weight 0: left out
    ]
    data["milestones"] = [
        {"percent": 60, "date": _on(2), "weight": 0.5, "source": CITE},  # at 69 h = day 2.875: inside
        {"percent": 100, "date": _on(3), "source": CITE},  # at 123 h = day 5.125: 1.125 days past day 4
    ]
    s = load(tmp_path / "s.yaml", data)
    found, skipped = targets(s, pilot_scales(s))
    assert [k.why for k in skipped] == ["before day 0", "after the horizon", "weight 0"]
    assert [(t.kind, t.key, t.day) for t in found] == [
        ("observation", "personnel", 2),
        ("observation", "equipment", 3),
        ("milestone", "percent_complete", 2),
        ("milestone", "percent_complete", 3),
    ]
    assert [t.scale for t in found] == [1000, 100, 30, 30]  # the largest daily value; the horizon
    assert (found[2].low, found[2].high) == (2, 3)  # reached on the date: any hour of it
    import sim

    values = simulated(sim.simulate(s, parameters={"bus_speed": 50, "truck_speed": 50}), found)
    assert values == pytest.approx([600, 40, 69 / 24, 123 / 24])
    misses = [50 / 1000, 10 / 100, 0.0, (123 / 24 - 4) / 30]
    weights = [1, 1, 0.5, 1]
    expected = sum(w * m for w, m in zip(weights, misses, strict=True)) / sum(weights)
    assert distance(values, found) == pytest.approx(expected)
    # only the personnel misses (by 350 / 1000); the weights sum to 3.5
    assert distance(np.array([1000, 20, 2.5, 3.5]), found) == pytest.approx(0.35 / 3.5)


FAMILIES = [
    ("uniform", (20.0, 60.0)),
    ("triangular", (8.0, 12.0, 12.0)),
    ("normal", (1.0, 2.0)),  # mostly cut off at 0
    ("lognormal", (2.0, 0.5)),
    ("exponential", (6.0,)),
]


@pytest.mark.parametrize(("family", "params"), FAMILIES)
def test_pyabc_samples_each_prior_as_posture_draws_it(family: str, params: tuple[float, ...]) -> None:
    """The scipy distribution handed to pyabc has the support and the quartiles of posture's
    own draws (normal: truncated at 0)."""
    prior = Distribution(family=family, params=params, per="replication")
    draws = np.asarray(prior.sample(np.random.default_rng(7), 40_000))
    rv = prior_rv(prior)
    low, high = prior.bounds
    assert rv.support()[0] == pytest.approx(low) and rv.support()[1] == pytest.approx(high)
    quartiles = np.quantile(draws, [0.25, 0.5, 0.75])
    spread = float(quartiles[2] - quartiles[0])
    assert rv.ppf([0.25, 0.5, 0.75]) == pytest.approx(quartiles, abs=0.03 * spread)


def test_single_value_priors_are_held_fixed(tmp_path: Path) -> None:
    data = synthetic(load={"param": "lh"})
    data["parameters"]["lh"] = {"prior": 2, "cite": CITE}
    data["parameters"]["truck_speed"]["prior"] = {"normal": {"mean": 40, "sd": 0}}
    free, fixed = split_parameters(load(tmp_path / "s.yaml", data))
    assert list(free) == ["bus_speed"] and fixed == {"truck_speed": 40.0, "lh": 2.0}
    assert point_value(Distribution(family="exponential", params=(0.0,))) == 0.0


def test_weighted_quantiles_and_intervals(tmp_path: Path) -> None:
    """Values 1, 2, 3, 4 with weights 0.1, 0.2, 0.3, 0.4: the weight below and at each value
    is 0.1, 0.3, 0.6, 1.0, so the 5 % quantile is 1, the median 3 and the 95 % quantile 4."""
    s = load(tmp_path / "s.yaml", synthetic())
    cal = Calibration(
        scenario=s,
        settings=Settings(),
        names=("bus_speed", "truck_speed"),
        free=("bus_speed", "truck_speed"),
        fixed={},
        values=np.array([[4.0, 1], [2, 1], [3, 1], [1, 1]]),
        weights=np.array([0.4, 0.2, 0.3, 0.1]),
        generations=(),
        targets=(),
        skipped=(),
        simulations=0,
        stopped="generations",
    )
    assert cal.interval("bus_speed") == (1.0, 4.0)
    assert cal.quantile("bus_speed", 0.5) == 3.0 and cal.quantile("bus_speed", 0.3) == 2.0
    assert cal.mean("bus_speed") == pytest.approx(0.4 * 4 + 0.2 * 2 + 0.3 * 3 + 0.1)
    assert cal.prior_interval("bus_speed") == pytest.approx((22.0, 58.0))  # uniform 20-60: 5 % of 40 in
    posterior = cal.posterior()
    assert posterior.names == ("bus_speed", "truck_speed") and posterior.weights == (0.4, 0.2, 0.3, 0.1)


def test_settings_are_checked() -> None:
    with pytest.raises(ValueError, match=r"budget .* is below population"):
        Settings(population=100, budget=50)
    with pytest.raises(ValueError, match="population must be at least 10"):
        Settings(population=3)
    with pytest.raises(ValueError, match="min_epsilon"):
        Settings(min_epsilon=math.nan)


# ----------------------------------------------------------------------------- slow: the check
def trial(tmp: Path, k: int) -> list[dict[str, Any]]:
    """One trial: truths drawn from the prior, observations from the model, then calibration."""
    from sim.experiment.calibrate import calibrate

    rng = np.random.default_rng([2026, k])
    truth = {name: float(rng.uniform(*PRIOR)) for name in ("bus_speed", "truck_speed")}
    data = observe(tmp, synthetic(), truth, DAYS, replication=k)
    scenario = load(tmp / f"trial{k}.yaml", data)
    settings = Settings(POPULATION, GENERATIONS, 0.0, BUDGET, RunPlan(seed=k, jobs=1))
    cal = calibrate(scenario, settings)
    out = []
    for name in cal.free:
        lo, hi = cal.interval(name)
        plo, phi = cal.prior_interval(name)
        out.append(
            {
                "trial": k,
                "parameter": name,
                "truth": truth[name],
                "interval": (lo, hi),
                "inside": lo <= truth[name] <= hi,
                "ratio": (hi - lo) / (phi - plo),
                "simulations": cal.simulations,
            }
        )
    return out


@pytest.mark.slow
def test_the_truth_lies_in_the_90_percent_interval_in_most_trials(tmp_path: Path) -> None:
    rows = [row for k in range(TRIALS) for row in trial(tmp_path, k)]
    for row in rows:
        lo, hi = row["interval"]
        print(
            f"trial {row['trial']:2d} {row['parameter']:12s} truth {row['truth']:5.1f}  "
            f"90 % {lo:5.1f}-{hi:5.1f}  {'inside ' if row['inside'] else 'OUTSIDE'}  "
            f"width {row['ratio']:.0%} of the prior's  ({row['simulations']} simulations)"
        )
    ratios = [row["ratio"] for row in rows]
    for name in ("bus_speed", "truck_speed"):
        covered = sum(row["inside"] for row in rows if row["parameter"] == name)
        print(f"{name}: truth inside the 90 % interval in {covered} of {TRIALS} trials")
        assert covered >= math.ceil(0.75 * TRIALS), f"{name}: covered in only {covered} of {TRIALS}"
    print(f"width ratio: median {np.median(ratios):.2f}, largest {max(ratios):.2f}")
    assert np.median(ratios) < 0.6, "the posterior is not clearly narrower than the prior"
    assert max(ratios) < 0.9
