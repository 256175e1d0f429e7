"""Sensitivity analysis on cases whose answer is known by hand (issue #12, part 4).

* a scenario whose closure depends on one parameter only (truck speed ``spd``; ``unused`` is
  the availability of a fleet that nothing needs): ``spd`` takes almost all of Morris mu* and
  Sobol ST, and the tornado's swings are the hand-computed ones;
* an additive scenario: one truck, one trip, closure = 24 ready_day + load_hours + 11 hours,
  so closure (days) = rd + lh / 24 + 11/24 with rd ~ U[0, 4] and lh ~ U[0, 48]. Morris mu* is
  the coefficient times the range (4 and 2 days, exactly: SALib's elementary effects are per
  unit of the normalised range); Sobol S1 = ST = Var share: 16/12 and 4/12 of 20/12, 0.8 and 0.2;
* an additive function through the analysis alone, y = x1 + 2 x2 + 0.5 x3 (x3 on [0, 6]):
  S1 = 1/14, 4/14, 9/14 within their confidence intervals, mu* = 1, 2, 3;
* bounds of unbounded priors are their 5-95 % quantiles, computed by hand.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from sim.engine.model import simulate
from sim.experiment.plan import RunPlan
from sim.experiment.runner import fingerprint
from sim.experiment.sensitivity import (
    CLOSURE,
    Bound,
    DesignError,
    analyse,
    bounds,
    fixed_at,
    layout,
    make_design,
    prior_range,
    problem,
    run_sensitivity,
)
from sim.scenario.loader import load_scenario
from sim.scenario.parameters import as_prior
from sim.scenario.schema import Scenario

CITE = "assumption: a case computed by hand for the sensitivity tests"

ONE_PARAMETER = f"""
name: One parameter matters
start: 2026-01-01
horizon_days: 30
cite: "{CITE}"
parameters:
  spd: {{prior: {{uniform: [20, 40]}}, cite: "{CITE}"}}
  unused: {{prior: {{uniform: [0.2, 1.0]}}, cite: "{CITE}"}}
cargo:
  container: {{short_tons: 10, cite: "{CITE}"}}
  tracked: {{short_tons: 30, cite: "{CITE}"}}
sites:
  A: {{equipment: {{container: 2}}, cite: "{CITE}"}}
  B: {{cite: "{CITE}"}}
fleets:
  trucks:
    count: 1
    based_at: A
    capacity: {{container: 2}}
    speed_kmh: {{param: spd}}
    load_hours: {{triangular: [1, 2, 4]}}
    unload_hours: 1
    cite: "{CITE}"
  hets:
    count: 4
    based_at: A
    capacity: {{tracked: 1}}
    speed_kmh: 20
    availability: {{param: unused}}
    cite: "{CITE}"
routes:
  - {{from: A, to: B, km: 300, cite: "{CITE}"}}
phases:
  - id: empty_A
    cite: "{CITE}"
    moves:
      - {{from: A, to: B}}
"""

ADDITIVE = f"""
name: Additive
start: 2026-01-01
horizon_days: HORIZON
cite: "{CITE}"
parameters:
  rd: {{prior: {{uniform: [0, 4]}}, cite: "{CITE}"}}
  lh: {{prior: {{uniform: [0, 48]}}, cite: "{CITE}"}}
cargo:
  container: {{short_tons: 10, cite: "{CITE}"}}
sites:
  A: {{equipment: {{container: 2}}, ready_day: {{param: rd}}, cite: "{CITE}"}}
  B: {{cite: "{CITE}"}}
fleets:
  trucks:
    count: 1
    based_at: A
    capacity: {{container: 2}}
    speed_kmh: 30
    load_hours: {{param: lh}}
    unload_hours: 1
    cite: "{CITE}"
routes:
  - {{from: A, to: B, km: 300, cite: "{CITE}"}}
phases:
  - id: empty_A
    cite: "{CITE}"
    moves:
      - {{from: A, to: B}}
"""


def _scenario(tmp_path: Path, text: str, name: str = "s.yaml") -> Scenario:
    path = tmp_path / name
    path.write_text(text)
    return load_scenario(path)


def _additive(tmp_path: Path, horizon: float = 30) -> Scenario:
    return _scenario(tmp_path, ADDITIVE.replace("HORIZON", f"{horizon:g}"), "additive.yaml")


def _hand_closure_days(rd: float, lh: float) -> float:
    """24 h per ready day, then load, 300 km at 30 km/h and 1 h to unload."""
    return (24.0 * rd + lh + 300 / 30 + 1) / 24.0


def test_the_additive_scenario_is_additive_by_hand(tmp_path: Path) -> None:
    s = _additive(tmp_path)
    for rd, lh in [(0.0, 0.0), (1.3, 0.0), (0.0, 7.5), (2.7, 33.3), (4.0, 48.0)]:
        r = simulate(fixed_at(s, {"rd": rd, "lh": lh}), seed=0)
        assert r.parameters == {"rd": rd, "lh": lh}
        assert r.closure_h == pytest.approx(24 * _hand_closure_days(rd, lh))


def test_design_points_are_distinct_scenarios_with_point_masses(tmp_path: Path) -> None:
    s = _additive(tmp_path)
    design = make_design(s, "morris", 4, seed=3)
    where = layout(s, design)
    distinct = {tuple(row) for row in np.vstack([design.rows, design.tornado])}
    assert len(where.points) == len(distinct)
    for row, p in zip(design.rows, where.design, strict=True):
        point = where.points[p]
        assert point.factors == dict(zip(design.names, row, strict=True))
        for name, value in point.factors.items():
            assert point.scenario.parameters[name].prior.bounds == (value, value)
    prints = {fingerprint([p], RunPlan())["scenarios"] for p in where.points}
    assert len(prints) == len(where.points)


@pytest.mark.parametrize("method", ["morris", "sobol"])
def test_one_parameter_takes_almost_all_the_index(tmp_path: Path, method: str) -> None:
    s = _scenario(tmp_path, ONE_PARAMETER)
    plan = RunPlan(n=3, seed=11, jobs=1)
    sens = run_sensitivity(s, method, plan=plan, size=8 if method == "sobol" else 4)
    ind = sens.indices[0]
    assert ind.output is CLOSURE
    ranking = ind.ranking()
    assert ranking[0][0] == "spd"
    assert ranking[0][2] is not None and ranking[0][2] > 0.9
    measure = "mu_star" if method == "morris" else "ST"
    spd, unused = ind.values[measure]
    assert spd is not None and unused is not None
    assert abs(unused) <= 0.01 * spd
    # tornado: common random numbers give the same load draws at every point, so the swing of
    # the P50 is exactly 300 km / 20 km/h - 300 km / 40 km/h = 7.5 h; the unused one is zero
    names = sens.design.names
    k_spd, k_unused = names.index("spd"), names.index("unused")
    swing_spd = sens.tornado[2 * k_spd + 1, 0] - sens.tornado[2 * k_spd + 2, 0]
    assert swing_spd == pytest.approx(7.5 / 24.0)
    assert sens.tornado[2 * k_unused + 1, 0] == sens.tornado[2 * k_unused + 2, 0] == sens.tornado[0, 0]


def test_additive_scenario_morris_is_exact(tmp_path: Path) -> None:
    s = _additive(tmp_path)
    sens = run_sensitivity(s, "morris", plan=RunPlan(n=1, jobs=1), size=6)
    ind = sens.indices[0]
    assert ind.values["mu_star"] == pytest.approx((4.0, 2.0))  # days across each whole range
    assert ind.values["mu"] == pytest.approx((4.0, 2.0))
    assert ind.values["sigma"] == pytest.approx((0.0, 0.0), abs=1e-9)
    assert [name for name, _, _ in ind.ranking()] == ["rd", "lh"]
    for row, y in zip(sens.design.rows, sens.y[:, 0], strict=True):
        assert y == pytest.approx(_hand_closure_days(*row))


@pytest.mark.slow
def test_additive_scenario_sobol_matches_the_analytic_indices(tmp_path: Path) -> None:
    s = _additive(tmp_path)
    sens = run_sensitivity(s, "sobol", plan=RunPlan(n=1, jobs=1), size=64)
    ind = sens.indices[0]
    var = {"rd": 4.0**2 / 12, "lh": (48 / 24) ** 2 / 12}
    for k, name in enumerate(ind.names):
        analytic = var[name] / sum(var.values())  # 0.8 and 0.2
        for index in ("S1", "ST"):
            value, half = ind.values[index][k], ind.values[f"{index}_conf"][k]
            assert value is not None and half is not None
            assert abs(value - analytic) <= half, (name, index, value, half, analytic)


def test_additive_function_through_the_analysis() -> None:
    from SALib.sample import morris, sobol

    spec = problem(
        [
            _bound("x1", 0, 1),
            _bound("x2", 0, 1),
            _bound("x3", 0, 6),
        ]
    )
    coef = np.array([1.0, 2.0, 0.5])
    rows = sobol.sample(spec, 512, calc_second_order=False, seed=5)
    ind = analyse("sobol", spec, rows, rows @ coef, CLOSURE, seed=5)
    analytic = np.array([1, 4, 9]) / 14  # coef^2 Var(x): 1/12, 4/12, 0.25 * 36/12
    for index in ("S1", "ST"):
        for k in range(3):
            value, half = ind.values[index][k], ind.values[f"{index}_conf"][k]
            assert value is not None and half is not None
            assert abs(value - analytic[k]) <= half
    rows = morris.sample(spec, 10, num_levels=4, seed=5)
    ind = analyse("morris", spec, rows, rows @ coef, CLOSURE, seed=5)
    assert ind.values["mu_star"] == pytest.approx((1.0, 2.0, 3.0))  # coefficient x range


def test_an_output_that_never_varies_has_no_sobol_index() -> None:
    from SALib.sample import morris, sobol

    spec = problem([_bound("a", 0, 1), _bound("b", 2, 3)])
    rows = sobol.sample(spec, 8, calc_second_order=False, seed=0)
    ind = analyse("sobol", spec, rows, np.full(len(rows), 7.0), CLOSURE, seed=1)
    assert not ind.varies
    assert set(ind.values["ST"]) == {None}
    assert [share for _, _, share in ind.ranking()] == [None, None]
    rows = morris.sample(spec, 4, num_levels=4, seed=0)
    ind = analyse("morris", spec, rows, np.full(len(rows), 7.0), CLOSURE, seed=1)
    assert ind.values["mu_star"] == (0.0, 0.0)  # no effect is an exact zero, not undefined
    with pytest.raises(ValueError, match="at least 1"):  # 0 would use numpy's global state
        analyse("sobol", spec, rows, rows[:, 0], CLOSURE, seed=0)
    assert [share for _, _, share in ind.ranking()] == [None, None]


def test_unfinished_runs_count_at_the_horizon(tmp_path: Path) -> None:
    s = _additive(tmp_path, horizon=3)
    sens = run_sensitivity(s, "morris", plan=RunPlan(n=1, jobs=1), size=6)
    for row, y, beyond in zip(sens.design.rows, sens.y[:, 0], sens.y_beyond[:, 0], strict=True):
        hand = _hand_closure_days(*row)
        assert beyond == (hand > 3.0)
        assert y == pytest.approx(min(hand, 3.0))
    assert sens.y_beyond[:, 0].any() and not sens.y_beyond[:, 0].all()


def _bound(name: str, low: float, high: float) -> Bound:
    return Bound(name, low, high, (low + high) / 2, "support", "")


def test_bounds_are_the_support_or_the_5_95_quantiles() -> None:
    z = 1.6448536269514722
    assert prior_range(as_prior({"uniform": [2, 5]})) == (2.0, 5.0, "support")
    assert prior_range(as_prior({"triangular": [1, 2, 9]})) == (1.0, 9.0, "support")
    low, high, source = prior_range(as_prior({"lognormal": {"median": 2, "sigma": 0.5}}))
    assert (low, high) == pytest.approx((2 * math.exp(-z * 0.5), 2 * math.exp(z * 0.5)))
    assert source == "5-95 % quantiles"
    low, high, _ = prior_range(as_prior({"exponential": {"mean": 10}}))
    assert (low, high) == pytest.approx((-10 * math.log(0.95), -10 * math.log(0.05)))
    low, high, _ = prior_range(as_prior({"normal": {"mean": 30, "sd": 6}}))
    assert (low, high) == pytest.approx((30 - z * 6, 30 + z * 6), rel=1e-6)
    # a normal with mean 0 is drawn truncated at 0: a half-normal, whose q-quantile is
    # the standard normal's (1 + q) / 2 quantile
    low, high, _ = prior_range(as_prior({"normal": {"mean": 0, "sd": 1}}))
    assert (low, high) == pytest.approx((0.06270677794321385, 1.959963984540054))
    assert prior_range(as_prior(7)) == (7.0, 7.0, "support")
    assert prior_range(as_prior({"normal": {"mean": 3, "sd": 0}}))[:2] == (3.0, 3.0)


def test_fixed_parameters_are_left_out(tmp_path: Path) -> None:
    text = ONE_PARAMETER.replace("prior: {uniform: [0.2, 1.0]}", "prior: 0.5")
    s = _scenario(tmp_path, text)
    varied, fixed = bounds(s)
    assert [b.name for b in varied] == ["spd"] and fixed == ["unused"]
    design = make_design(s, "sobol", 8, seed=0)
    assert design.rows.shape == (8 * 3, 1)
    assert design.tornado.tolist() == [[30.0], [20.0], [40.0]]
    with pytest.raises(DesignError, match="unknown method 'fast'"):
        make_design(s, "fast")
