"""The ``posture calibrate`` command: learn a scenario's parameters from its evidence (ABC-SMC).

A thin layer over :func:`sim.experiment.calibrate.calibrate` and
:mod:`sim.outputs.calibration`. pyabc is the optional extra ``posture[calibrate]``: without
it the command prints one line saying what to install and exits 2. Bad input (a scenario
with no parameter to calibrate or nothing to calibrate on, a budget below the population)
exits 2 with one line per problem, as every command does.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ..experiment.plan import DEFAULT_CHUNK
from ..outputs.files import default_out_dir, inside
from ..scenario.problems import ScenarioError
from .options import (
    EventOpt,
    ExecOpt,
    FileArg,
    JobsOpt,
    PlotOpt,
    Refused,
    SchedOpt,
    SeedOpt,
    SetOpt,
    app,
    check_out_dir,
    finish,
    guarded,
    make_plan,
    notice,
    out,
    refuse,
    trace,
)

if TYPE_CHECKING:
    from ..experiment.sampling import GenerationDone
    from ..scenario.schema import Scenario

__all__ = ["app", "calibrate"]

INSTALL = "posture calibrate needs pyabc: pip install 'posture[calibrate]'"
DB = "calibration.db"


def pyabc_missing() -> bool:
    """Whether pyabc cannot be imported (absent, or blocked as ``sys.modules["pyabc"] = None``)."""
    if "pyabc" in sys.modules:
        return sys.modules["pyabc"] is None
    return importlib.util.find_spec("pyabc") is None


def _generation_line(gen: GenerationDone) -> None:
    eps = "∞ (the prior)" if gen.epsilon == float("inf") else f"{gen.epsilon:.4g}"
    if gen.complete:
        notice(
            f"generation {gen.t}: epsilon {eps}, {gen.accepted:,} accepted of {gen.evaluations:,} "
            f"({gen.accepted / max(gen.evaluations, 1):.0%}); {gen.simulations:,} simulations so far"
        )
    else:
        notice(f"generation {gen.t} (epsilon {eps}) abandoned: the budget ran out at {gen.simulations:,}")


def _tell(scenario: Scenario) -> None:
    """Notices before calibrating: the evidence left out, and parameters no value names."""
    from ..experiment.distance import targets
    from ..scenario.drawn import references

    for left in targets(scenario)[1]:
        notice(f"left out: {left.label} ({left.why})")
    for name, paths in references(scenario).items():
        if not paths and not scenario.parameters[name].fixed:
            notice(f"parameters.{name}: no value names it ({{param: {name}}}); its posterior is its prior")


@app.command()
def calibrate(
    ctx: typer.Context,
    file: FileArg,
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="Result folder (default: results/<stem>-calibrate/).")
    ] = None,
    set_: SetOpt = None,
    event: EventOpt = None,
    population: Annotated[int, typer.Option("--population", min=10, help="Particles per generation.")] = 200,
    generations: Annotated[
        int,
        typer.Option(
            "--generations", min=1, help="Most generations, generation 0 (the prior sample) included."
        ),
    ] = 8,
    min_epsilon: Annotated[
        float,
        typer.Option("--min-epsilon", min=0, help="Stop once epsilon (the distance accepted) falls to this."),
    ] = 0.0,
    budget: Annotated[
        int, typer.Option("--budget", min=1, help="Most simulations in all; a generation past it is dropped.")
    ] = 10_000,
    seed: SeedOpt = 0,
    jobs: JobsOpt = 0,
    executor: ExecOpt = "local",
    scheduler: SchedOpt = None,
    predictive: Annotated[
        int,
        typer.Option(
            "--predictive", min=1, help="Replications from the posterior for the predictive troop curve."
        ),
    ] = 100,
    plot: PlotOpt = True,
) -> None:
    """Calibrate a scenario's parameters on its observations and milestones (ABC-SMC, pyabc)."""
    plan = make_plan(1, seed, jobs, executor, scheduler, DEFAULT_CHUNK, False)
    if pyabc_missing():
        refuse(INSTALL)
    from ..experiment.calibrate import Settings, problems
    from ..experiment.calibrate import calibrate as run_abc
    from ..outputs import calibration as report
    from .commands import _load, _wrote

    with guarded():
        scenario = _load(file, set_, event)
        try:
            settings = Settings(population, generations, min_epsilon, budget, plan)
        except ValueError as exc:
            raise Refused(f"--{str(exc).split()[0].replace('_', '-')}: {exc}") from None
        stem = default_out_dir(file)
        target = check_out_dir(out_dir if out_dir is not None else stem.with_name(stem.name + "-calibrate"))
        if found := problems(scenario, str(file)):
            raise ScenarioError(found)
        _tell(scenario)
        result = run_abc(scenario, settings, file=str(file), db=inside(target, DB), progress=_generation_line)
        if len(result.generations) == 1:
            notice(
                "only generation 0 (the prior sample) finished, so the posterior is the prior; raise --budget"
            )
        pred = None
        if plot:
            from ..experiment.calibrate import predictive as replicate

            pred = replicate(result, predictive)
        out.print(report.calibration_tables(result))
        written = report.write_calibration(result, target, predictive=pred, file=str(file))
        written.append(inside(target, DB))
        ran = dataclasses.replace(plan, n=max(1, result.simulations))  # each simulation is a replication
        _wrote(finish(target, written, trace(ctx, [file], ran)))
