"""posture: how long will this withdrawal take, and what does the troop curve look like?

The public API, which the ``posture`` command line uses too::

    import sim
    scenario = sim.load_scenario("scenarios/syria-2026.yaml")
    result = sim.simulate(scenario, seed=1)
    print(result.closure_days, result.summary()["closure_date"])

The chain runs scenario (:mod:`sim.schema`, :mod:`sim.loader`) -> model (:mod:`sim.model`)
-> results (:mod:`sim.results`) -> runner -> plots and report -> CLI (:mod:`sim.cli`).
"""

from .engine.model import simulate
from .engine.results import Result
from .scenario.loader import load_scenario
from .scenario.problems import Problem, ScenarioError
from .scenario.schema import Scenario

__all__ = ["Problem", "Result", "Scenario", "ScenarioError", "load_scenario", "simulate"]
__version__ = "0.1.0"
