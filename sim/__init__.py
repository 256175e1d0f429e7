"""posture: how long will this withdrawal take, and what does the troop curve look like?

The public API, which the ``posture`` command line uses too::

    import sim
    scenario = sim.load_scenario("scenarios/syria-2026.yaml")
    result = sim.simulate(scenario, seed=1)
    print(result.closure_days, result.summary()["closure_date"])

    plan = sim.RunPlan(n=200, seed=1, jobs=2)
    with sim.simulate_many(scenario, store="results/syria/runs.sqlite", plan=plan) as store:
        closure_h = store.read(0, plan.n, ["closure_h"])["closure_h"]

    assert sim.verify("results/syria").ok        # every file still matches its manifest.json

The chain runs scenario (:mod:`sim.scenario`) -> engine (:mod:`sim.engine`: one replication)
-> experiment (:mod:`sim.experiment`: many replications, their store and statistics) ->
outputs (:mod:`sim.outputs`: files, plots, console tables) -> CLI (:mod:`sim.cli`); each
imports only from those before it. Every name is imported on first use, so ``import sim``
(and ``posture --help``) loads neither pydantic, numpy nor SimPy.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .scenario.problems import Problem, ScenarioError

if TYPE_CHECKING:
    from .engine.model import simulate
    from .engine.results import Result
    from .experiment.plan import RunPlan
    from .experiment.runner import simulate_many
    from .experiment.score import score
    from .outputs.manifest import verify
    from .outputs.notebook import Runs, run_many
    from .scenario.loader import load_scenario
    from .scenario.schema import Scenario

_LAZY = {
    "load_scenario": "sim.scenario.loader",
    "Scenario": "sim.scenario.schema",
    "simulate": "sim.engine.model",
    "Result": "sim.engine.results",
    "RunPlan": "sim.experiment.plan",
    "simulate_many": "sim.experiment.runner",
    "score": "sim.experiment.score",
    "run_many": "sim.outputs.notebook",
    "Runs": "sim.outputs.notebook",
    "verify": "sim.outputs.manifest",
}

__all__ = [
    "Problem",
    "Result",
    "RunPlan",
    "Runs",
    "Scenario",
    "ScenarioError",
    "load_scenario",
    "run_many",
    "score",
    "simulate",
    "simulate_many",
    "verify",
]
__version__ = "0.1.0"
"""The version of posture; pyproject.toml reads it from here for the ``posture-sim`` distribution."""


def __getattr__(name: str) -> Any:
    """Import the module behind a public name on first use."""
    if name not in _LAZY:
        raise AttributeError(f"module 'sim' has no attribute {name!r}")
    value = getattr(importlib.import_module(_LAZY[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})
