"""The ``posture sensitivity`` command: which declared parameters move closure, and by how much.

``posture sensitivity FILE --method morris|sobol`` samples a SALib design over the declared
parameters' bounds (:mod:`sim.experiment.sensitivity`), runs ``-n`` replications of every
design point through the runner (common random numbers, ``--jobs``, Dask, the resumable store
``OUT/runs.sqlite``), then prints and writes the indices, the ranking and the tornado chart
(:mod:`sim.outputs.sensitivity`). SALib is the optional extra ``[sensitivity]``: without it the
command says what to install, in one line, and exits 2.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ..experiment.plan import DEFAULT_CHUNK, budget_problem
from ..outputs.files import default_out_dir
from ..scenario.problems import Problem, ScenarioError
from .commands import _load, _wrote, replications
from .options import (
    ChunkOpt,
    EventOpt,
    ExecOpt,
    FileArg,
    FreshOpt,
    JobsOpt,
    OutOpt,
    PlotOpt,
    Refused,
    SchedOpt,
    SeedOpt,
    SetOpt,
    app,
    check_out_dir,
    discard_store,
    finish,
    guarded,
    make_plan,
    notice,
    out,
    trace,
)

if TYPE_CHECKING:
    from ..experiment.sensitivity import Design

__all__ = ["app", "sensitivity"]


def _refusal(file: Path, key: str, message: str) -> Exception:
    """An option's problem as a one-line refusal; a scenario's as ``FILE:LINE: key: message``."""
    if key.startswith("--"):
        return Refused(f"{key}: {message}")
    from ..scenario.yamlsource import load_source

    line = load_source(str(file)).line_of((key,))
    return ScenarioError([Problem(str(file), line, key, message)])


@app.command()
def sensitivity(
    ctx: typer.Context,
    file: FileArg,
    method: Annotated[
        str, typer.Option("--method", help="'morris' (screening: mu*, sigma) or 'sobol' (S1, ST with CIs).")
    ] = "morris",
    n: Annotated[
        int, typer.Option("-n", "--replications", min=1, help="Replications per design point.")
    ] = 20,
    trajectories: Annotated[
        int | None,
        typer.Option("--trajectories", help="Morris trajectories r (default 10).", show_default=False),
    ] = None,
    samples: Annotated[
        int | None,
        typer.Option(
            "--samples", help="Sobol base samples N, a power of 2 (default 64).", show_default=False
        ),
    ] = None,
    metric: Annotated[
        list[str] | None,
        typer.Option(
            "--metric",
            help="Also analyse the P50 of a measure at a date: KEY@DATE, e.g. personnel@2026-02-01 "
            "(repeatable).",
        ),
    ] = None,
    out_dir: OutOpt = None,
    set_: SetOpt = None,
    event: EventOpt = None,
    seed: SeedOpt = 0,
    jobs: JobsOpt = 0,
    executor: ExecOpt = "local",
    scheduler: SchedOpt = None,
    chunk: ChunkOpt = DEFAULT_CHUNK,
    fresh: FreshOpt = False,
    plot: PlotOpt = True,
) -> None:
    """Rank the declared parameters by how much they move closure (Morris or Sobol, with SALib)."""
    from ..experiment import sensitivity as sa

    plan = make_plan(n, seed, jobs, executor, scheduler, chunk, False)
    with guarded():
        if method not in sa.METHODS:
            raise Refused(f"--method: unknown method {method!r}; expected morris or sobol")
        if method == "morris" and samples is not None:
            raise Refused("--samples: is for --method sobol; Morris takes --trajectories")
        if method == "sobol" and trajectories is not None:
            raise Refused("--trajectories: is for --method morris; Sobol takes --samples (a power of 2)")
        try:
            sa.require_salib()
        except sa.MissingSALib as exc:
            raise Refused(str(exc)) from None
        scenario = _load(file, set_, event)
        try:
            outputs = (sa.CLOSURE, sa.CLOSURE95, *(sa.metric_output(m, scenario) for m in metric or []))
            design = sa.make_design(scenario, method, trajectories if method == "morris" else samples, seed)
        except sa.DesignError as exc:
            raise _refusal(file, exc.key, exc.message) from None
        where = sa.layout(scenario, design)
        if problem := budget_problem(scenario, plan, len(where.points)):
            raise Refused(problem)
        stem = default_out_dir(file)
        target = check_out_dir(out_dir if out_dir is not None else stem.with_name(stem.name + "-sensitivity"))
        discard_store(target, fresh)
        _tell(design, [name for name in scenario.parameters if name not in design.names])
        with replications(where.points, plan, target, f"{len(where.points)} points") as store:
            result = sa.summarise(scenario, design, where, store, plan, outputs)
        from ..outputs.sensitivity import tables, write_sensitivity

        for j, output in enumerate(result.outputs):
            if beyond := int(result.y_beyond[:, j].sum()):
                notice(
                    f"{output.label}: {beyond} of {len(design.rows)} design rows have a P50 beyond the "
                    f"horizon; counted at the horizon ({scenario.horizon_days:g} days), so effects past "
                    "it are understated: raise horizon_days"
                )
        for table in tables(result):
            out.print(table)
        written = write_sensitivity(result, target, plot=plot)
        _wrote(finish(target, written, trace(ctx, [file], plan), used_store=True))


def _tell(design: Design, fixed: list[str]) -> None:
    """Notices: the fixed parameters left out, and the bounds taken from quantiles."""
    if fixed:
        notice(f"fixed parameters left out of the design: {', '.join(fixed)}")
    for b in design.bounds:
        if b.source != "support":
            span = f"[{b.low:.4g}, {b.high:.4g}]"
            notice(f"{b.name}: {b.prior} is unbounded; it varies over its 5-95 % quantiles {span}")
