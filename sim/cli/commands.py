"""The ``posture`` commands: validate, run, sweep and score, each a thin layer over the API.

Exit codes: 0 success; 2 bad input (one line per problem on stderr, never a traceback); 1 an
executor that cannot be used or a file that cannot be written; 130 interrupted (Ctrl-C or
SIGTERM), with a one-line message. Every command is a thin layer over the Python API
(:func:`sim.load_scenario`, :func:`sim.simulate`, :func:`sim.simulate_many` with a
:class:`~sim.experiment.plan.RunPlan`, :mod:`sim.outputs.report`), so what the CLI does a
script can do too.

Imports are lazy: ``posture --help`` and ``posture validate`` load neither the engine nor the
experiment store, and matplotlib is loaded only when a plot is drawn (not with ``--no-plot``).
"""

from __future__ import annotations

import signal
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from ..experiment.plan import (
    DEFAULT_CHUNK,
    Point,
    RunPlan,
    budget_problem,
    factor_points,
    grid_problem,
    parse_factors,
    stored_bytes,
)
from ..outputs.files import default_out_dir, inside
from ..outputs.plot_style import DEFAULT_DPI
from ..outputs.terminal import printable
from ..scenario.problems import ScenarioError
from .options import (
    ARGV,
    ChunkOpt,
    DetOpt,
    DpiOpt,
    EventOpt,
    ExecOpt,
    FileArg,
    FormatOpt,
    FreshOpt,
    JobsOpt,
    OutOpt,
    ParamsOpt,
    PlotFormat,
    PlotOpt,
    Refused,
    ReportOpt,
    SchedOpt,
    SeedOpt,
    SetOpt,
    app,
    check_out_dir,
    discard_store,
    err,
    finish,
    guarded,
    make_plan,
    notice,
    on_sigterm,
    out,
    progress_bar,
    trace,
    with_parameters,
)

if TYPE_CHECKING:
    from ..experiment.store import RunStore
    from ..scenario.schema import Scenario


def _load(file: Path, overrides: list[str] | None, events: list[str] | None = None) -> Scenario:
    from ..scenario.loader import load_scenario

    return load_scenario(file, overrides or [], events or [])


@app.command()
def validate(
    file: FileArg,
    set_: SetOpt = None,
    event: EventOpt = None,
    require_sources: Annotated[
        bool,
        typer.Option(
            "--require-sources", help="Also refuse any figure that cites no source and states no assumption."
        ),
    ] = False,
) -> None:
    """Check a scenario file and print a one-screen summary of it."""
    with guarded():
        scenario = _load(file, set_, event)
        if require_sources:
            from ..scenario.loader import provenance_problems

            missing = provenance_problems(file)
            if missing:
                raise ScenarioError(missing)
        from ..outputs.describe import summary_table

        out.print(summary_table(scenario))


@contextmanager
def replications(points: Sequence[Point], plan: RunPlan, target: Path, label: str) -> Iterator[RunStore]:
    """What ``run -n`` and ``sweep`` share: the plan's replications of every point.

    Runs them into ``target/runs.sqlite`` (resuming what is stored) under a progress bar, then
    yields the open store and closes it afterwards.
    """
    from ..experiment.runner import simulate_many

    with progress_bar(label) as update:
        store = simulate_many(
            points, store=inside(target, "runs.sqlite"), plan=plan, progress=update, notice=notice
        )
    with store:
        yield store


def _wrote(paths: list[Path]) -> None:
    for path in paths:
        out.print(f"wrote {printable(str(path))}", markup=False, soft_wrap=True)


@app.command()
def run(
    ctx: typer.Context,
    file: FileArg,
    out_dir: OutOpt = None,
    set_: SetOpt = None,
    event: EventOpt = None,
    n: Annotated[int, typer.Option("-n", "--replications", min=1, help="Number of replications.")] = 1,
    seed: SeedOpt = 0,
    jobs: JobsOpt = 0,
    executor: ExecOpt = "local",
    scheduler: SchedOpt = None,
    chunk: ChunkOpt = DEFAULT_CHUNK,
    deterministic: DetOpt = False,
    parameters: ParamsOpt = None,
    fresh: FreshOpt = False,
    plot: PlotOpt = True,
    fmt: FormatOpt = PlotFormat.png,
    dpi: DpiOpt = DEFAULT_DPI,
    html: ReportOpt = True,
) -> None:
    """Simulate a scenario (one run, or -n replications), print the summary and write results."""
    from ..outputs import report

    plan = make_plan(n, seed, jobs, executor, scheduler, chunk, deterministic)
    with guarded():
        scenario = _load(file, set_, event)
        plan = with_parameters(plan, parameters, scenario)
        if problem := budget_problem(scenario, plan):
            raise Refused(problem)
        target = check_out_dir(out_dir if out_dir is not None else default_out_dir(file))
        discard_store(target, fresh)
        record = trace(ctx, [file], plan)
        page = record if html else None
        if plan.n == 1:
            from ..engine.model import simulate

            result = simulate(
                scenario, seed=plan.seed, deterministic=plan.deterministic, parameters=plan.parameters
            )
            out.print(report.run_table(result))
            out.print(result.what, markup=False, soft_wrap=True)
            written = report.write_run(result, target, plot=plot, fmt=fmt, dpi=dpi, notice=notice, html=page)
        else:
            from ..experiment.ensemble import Ensemble

            with replications([Point(scenario)], plan, target, "replications") as store:
                ens = Ensemble(store, scenario, plan)
                out.print(report.ensemble_table(ens))
                if (bound := report.binding_table(ens)) is not None:
                    out.print(bound)
                written = report.write_ensemble(
                    ens, target, plot=plot, fmt=fmt, dpi=dpi, notice=notice, html=page
                )
        _wrote(finish(target, written, record, used_store=plan.n > 1))


@app.command()
def sweep(
    ctx: typer.Context,
    file: FileArg,
    vary: Annotated[
        list[str],
        typer.Option(
            "--vary",
            help="A parameter and its values: dotted.key=v1,v2,... (repeatable; the full grid runs).",
        ),
    ],
    out_dir: OutOpt = None,
    set_: SetOpt = None,
    event: EventOpt = None,
    n: Annotated[int, typer.Option("-n", "--replications", min=1, help="Replications per point.")] = 100,
    seed: SeedOpt = 0,
    jobs: JobsOpt = 0,
    executor: ExecOpt = "local",
    scheduler: SchedOpt = None,
    chunk: ChunkOpt = DEFAULT_CHUNK,
    deterministic: DetOpt = False,
    parameters: ParamsOpt = None,
    fresh: FreshOpt = False,
    plot: PlotOpt = True,
    fmt: FormatOpt = PlotFormat.png,
    dpi: DpiOpt = DEFAULT_DPI,
) -> None:
    """Run every combination of --vary values on common random numbers; rank the parameters."""
    from ..experiment.sweep import summarise_sweep
    from ..outputs import report

    plan = make_plan(n, seed, jobs, executor, scheduler, chunk, deterministic)
    with guarded():
        try:
            factors = parse_factors(vary)
        except ValueError as exc:
            raise Refused(f"--vary: {exc}") from None
        if problem := grid_problem(factors):
            raise Refused(f"--vary: {problem}")
        with progress_bar("loading points") as loading:
            points = factor_points(file, factors, set_ or [], event or [], loading)
        plan = with_parameters(plan, parameters, points[0].scenario)
        biggest = max((p.scenario for p in points), key=lambda sc: stored_bytes(sc, 1))
        if problem := budget_problem(biggest, plan, len(points)):
            raise Refused(problem)
        stem = default_out_dir(file)
        target = check_out_dir(out_dir if out_dir is not None else stem.with_name(stem.name + "-sweep"))
        discard_store(target, fresh)
        with replications(points, plan, target, f"{len(points)} points") as store:
            summary = summarise_sweep(points, store, plan)
        written = report.write_sweep(
            summary, target, plot=plot, fmt=fmt, dpi=dpi, notice=notice, seed=plan.seed
        )
        out.print(report.ranking_table(summary.ranking))
        _wrote(finish(target, written, trace(ctx, [file], plan), used_store=True))


@app.command()
def score(
    ctx: typer.Context,
    files: Annotated[
        list[Path],
        typer.Argument(help="Scenario YAML files, or frozen forecasts (forecast.json).", show_default=False),
    ],
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="Folder (default: results/<stem>-score/).")
    ] = None,
    n: Annotated[int, typer.Option("-n", "--replications", min=1, help="Number of replications.")] = 200,
    seed: SeedOpt = 0,
    jobs: JobsOpt = 0,
    executor: ExecOpt = "local",
    scheduler: SchedOpt = None,
    chunk: ChunkOpt = DEFAULT_CHUNK,
    deterministic: DetOpt = False,
    parameters: ParamsOpt = None,
    plot: PlotOpt = True,
    fmt: FormatOpt = PlotFormat.png,
    dpi: DpiOpt = DEFAULT_DPI,
    fail_below: Annotated[
        float | None, typer.Option(min=0, max=1, help="Exit 1 below this coverage.")
    ] = None,
    markdown: Annotated[Path | None, typer.Option(help="Also write a markdown scoreboard here.")] = None,
    fresh: FreshOpt = False,
    observations: Annotated[
        Path | None,
        typer.Option(
            "--observations",
            help="Outcomes observed after a forecast was issued (YAML): score forecast.json against them.",
            dir_okay=False,
        ),
    ] = None,
) -> None:
    """Score scenarios against their observations and milestones (the replications of run -n),
    or frozen forecasts against --observations (nothing is run again)."""
    from .. import __version__
    from ..experiment.score import scorable, scorecard
    from ..outputs import scoring

    plan = make_plan(n, seed, jobs, executor, scheduler, chunk, deterministic)
    wide = out if out.is_terminal else Console(highlight=False, width=scoring.WIDTH)  # pipes: not 80
    with guarded():
        if observations is not None or any(f.suffix.lower() == ".json" for f in files):
            from .forecast import score_forecasts

            given = {"-n": n != 200, "--seed": seed != 0, "--deterministic": deterministic}
            given |= {"--parameters": parameters is not None, "--fail-below": fail_below is not None}
            given |= {"--markdown": markdown is not None, "--fresh": fresh}
            simulating = [name for name, on in given.items() if on]
            score_forecasts(ctx, files, observations, out_dir, plot=plot, simulating=simulating, wide=wide)
            return
        scenarios, problems = [], []
        for file in files:
            try:
                scenarios.append(_load(file, None))
            except ScenarioError as exc:
                problems += exc.problems
        if problems:
            raise ScenarioError(problems)
        plans = [with_parameters(plan, parameters, scenario) for scenario in scenarios]
        for file, scenario in zip(files, scenarios, strict=True):
            if problem := budget_problem(scenario, plan):
                raise Refused(f"{file}: {problem}")
        try:
            targets = scoring.targets(files, out_dir)
        except ValueError as exc:
            raise typer.BadParameter(str(exc), param_hint="FILE") from None
        for target in targets:
            check_out_dir(target)
            discard_store(target, fresh)
        entries = []
        for file, scenario, target, each in zip(files, scenarios, targets, plans, strict=True):
            card = None
            if not scorable(scenario):
                notice(f"{file}: nothing to score (no observation from day 0 to the horizon, no milestone)")
            else:
                with replications([Point(scenario)], each, target, file.name) as store:
                    card = scorecard(store, scenario, each)
                wide.print(scoring.score_tables(card))
                written = scoring.write_score(card, target, plot=plot, file=str(file), fmt=fmt, dpi=dpi)
                _wrote(finish(target, written, trace(ctx, [file], each), used_store=True))
            entries.append(scoring.Entry(str(file), scenario.name, card))
        if len(files) > 1:
            wide.print(scoring.summary_table(entries))
        if markdown is not None:
            _wrote([scoring.write_scoreboard(markdown, entries, plan.n, plan.seed, __version__)])
    if fail_below is not None and (failed := scoring.below(entries, fail_below)):
        err.print(f"posture: {printable(failed)}", markup=False, soft_wrap=True)
        raise typer.Exit(1)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``posture`` console script; returns the exit code."""
    previous = signal.signal(signal.SIGTERM, on_sigterm)
    token = ARGV.set(list(sys.argv[1:] if argv is None else argv))
    try:
        app(args=argv, prog_name="posture")
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    finally:
        signal.signal(signal.SIGTERM, previous)
        ARGV.reset(token)
    return 0
