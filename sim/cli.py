"""The ``posture`` command line: validate, run, sweep and score scenarios.

Exit codes: 0 success; 2 bad input (one ``FILE:LINE: key: message`` line per problem on
stderr, never a traceback); 130 interrupted (Ctrl-C or SIGTERM), with a one-line message.
Every command is a thin layer over the Python API (:func:`sim.load_scenario`,
:func:`sim.simulate`, :func:`sim.simulate_many` with a :class:`~sim.experiment.plan.RunPlan`,
:mod:`sim.outputs.report`), so what the CLI does a script can do too.

Imports are lazy: ``posture --help`` and ``posture validate`` load neither the engine nor the
experiment store, and matplotlib is loaded only when a plot is drawn (not with ``--no-plot``).
"""

from __future__ import annotations

import signal
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from .experiment.plan import (
    DEFAULT_CHUNK,
    EXECUTORS,
    ExecutorError,
    Point,
    RunPlan,
    factor_points,
    parse_factor,
)
from .outputs.files import default_out_dir, inside
from .scenario.problems import ScenarioError

if TYPE_CHECKING:
    from .experiment.store import RunStore
    from .scenario.schema import Scenario

app = typer.Typer(
    name="posture",
    help="Force-posture simulator: how long will this withdrawal take, and what does the troop "
    "curve look like along the way?",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console(highlight=False)
err = Console(stderr=True, highlight=False)

EventOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--event",
        help="Add a policy event for a what-if (repeatable): TYPE:key=value,..., e.g. "
        "'pause:day=5,days=10' or 'reinforce:day=16,to=qasrak,from=harir,personnel=150'.",
    ),
]
FileArg = Annotated[Path, typer.Argument(help="Scenario YAML file.", show_default=False)]
SetOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--set",
        help="Override a scenario value: dotted.key=value (repeatable), e.g. "
        "fleets.het.count=60 or phases.qasrak_out.start_day=3.",
    ),
]


class Interrupted(Exception):
    """Raised by the SIGTERM handler so a run stops the same way as on Ctrl-C."""


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise Interrupted()


@contextmanager
def guarded() -> Iterator[None]:
    """Turn bad input into exit 2 and interruption into exit 130, never a traceback."""
    try:
        yield
    except ScenarioError as exc:
        for problem in exc.problems:
            err.print(str(problem), markup=False, soft_wrap=True)
        raise typer.Exit(2) from None
    except ExecutorError as exc:
        err.print(f"posture: {exc}", markup=False, soft_wrap=True)
        raise typer.Exit(1) from None
    except (KeyboardInterrupt, Interrupted):
        err.print("posture: interrupted; finished result files were kept", markup=False)
        raise typer.Exit(130) from None


def _load(file: Path, overrides: list[str] | None, events: list[str] | None = None) -> Scenario:
    from .scenario.loader import load_scenario

    return load_scenario(file, overrides or [], events or [])


def _summary_table(s: Scenario) -> Table:
    t = Table(title=f"{s.name} — valid", title_justify="left", show_header=True)
    t.add_column("part")
    t.add_column("contents")
    from .scenario.fields import PERSONNEL, middle, shown, shown_each, total

    classes = [c for c in s.classes if c != PERSONNEL]
    t.add_row("start / horizon", f"{s.start.isoformat()} (day 0), {s.horizon_days:g} days")
    t.add_row(
        "sites",
        f"{len(s.sites)}: "
        + ", ".join(
            f"{sid} ({shown(x.personnel)} people)" if x.personnel else sid for sid, x in s.sites.items()
        ),
    )
    t.add_row("personnel", total([site.personnel for site in s.sites.values()]))
    for c in classes:
        n = [site.equipment.get(c, 0) for site in s.sites.values()]
        tons = s.cargo[c].short_tons
        t.add_row(
            f"equipment: {c}", total(n) + (f" ({sum(map(middle, n)) * tons:,.0f} short tons)" if tons else "")
        )
    for fid, f in s.fleets.items():
        cap = ", ".join(f"{k} {v}" for k, v in f.capacity.items())
        t.add_row(f"fleet: {fid}", f"{shown(f.count)} vehicles at {f.based_at}; carries {cap}")
    legs = ", ".join(f"{r.from_}–{r.to} {shown(r.km)} km" for r in s.routes)
    t.add_row("routes", f"{len(s.routes)}: {legs}")
    for ph in s.phases:
        when = f"after {', '.join(ph.after)}" if ph.after else f"day {ph.start_day or 0:g}"
        moves = "; ".join(
            f"{m.from_} → {m.to}" + (f" keep {shown_each(m.keep)}" if m.keep else "") for m in ph.moves
        )
        t.add_row(f"phase: {ph.id}", f"{when}: {moves}")
    for aid, ac in s.aircraft.items():
        cap = ", ".join(f"{k} {v}" for k, v in ac.capacity.items())
        t.add_row(f"aircraft: {aid}", f"{shown(ac.count)} at {ac.based_at}; a sortie carries {cap}")
    fields = [f"{sid} ({shown(x.airfield.sorties_per_day)}/day)" for sid, x in s.sites.items() if x.airfield]
    if fields:
        t.add_row("airfields", ", ".join(fields))
    for cid, cr in s.crossings.items():
        rules = [
            f"{shown(cr.convoys_per_day)} convoys/day" if cr.convoys_per_day else "",
            f"{shown(cr.vehicles_per_hour)} vehicles/h" if cr.vehicles_per_hour else "",
            f"open {cr.open_hours[0]:g}-{cr.open_hours[1]:g} h" if cr.open_hours else "",
            f"max {cr.max_short_tons:g} short tons" if cr.max_short_tons else "",
            f"{len(cr.closures)} closure window(s)" if cr.closures else "",
        ]
        t.add_row(f"crossing: {cid}", "; ".join(r for r in rules if r) or "no limits")
    rules = [
        f"at most {s.convoy.max_vehicles} vehicles" if s.convoy.max_vehicles else "",
        f"{shown(s.convoy.escort_teams)} escort teams" if s.convoy.escort_teams else "",
    ]
    if any(rules):
        t.add_row("convoys", "; ".join(r for r in rules if r))
    for sid, site in s.sites.items():
        for cls, share in site.disposition.items():
            t.add_row(
                f"disposition: {sid}",
                f"{cls}: transfer {shown(share.transfer, '.0%')}, destroy {shown(share.destroy, '.0%')}",
            )
    for ev in s.events:
        when = f"day {ev.day:g}" if ev.day is not None else str(ev.date)
        reason = (ev.reason or "").split(". ")[0][:90]
        t.add_row(f"event: {ev.type}", when + (f" — {reason}" if reason else ""))
    return t


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
            from .scenario.loader import provenance_problems

            missing = provenance_problems(file)
            if missing:
                raise ScenarioError(missing)
        out.print(_summary_table(scenario))


JobsOpt = Annotated[
    int,
    typer.Option(
        "--jobs", "-j", min=0, help="Worker processes (0, the default: all cores; 1 runs in this process)."
    ),
]
ExecOpt = Annotated[
    str,
    typer.Option(
        "--executor", help="Where replications run: 'local' (process pool) or 'dask' (a local Dask cluster)."
    ),
]
SchedOpt = Annotated[
    str | None,
    typer.Option(
        "--scheduler",
        help="Address of a running Dask scheduler, e.g. tcp://HOST:8786 (implies --executor dask).",
    ),
]
ChunkOpt = Annotated[int, typer.Option("--chunk", min=1, help="Replications per task sent to a worker.")]
SeedOpt = Annotated[int, typer.Option(help="Root random seed.", min=0)]
DetOpt = Annotated[
    bool, typer.Option("--deterministic", help="Use every distribution's mode (triangular) or mean.")
]
PlotOpt = Annotated[bool, typer.Option(help="Write the PNG plots.")]
OutOpt = Annotated[
    Path | None, typer.Option("--out", help="Folder for result files (default: results/<file stem>/).")
]


def _notice(message: str) -> None:
    err.print(f"posture: {message}", markup=False, soft_wrap=True)


def _plan(
    n: int, seed: int, jobs: int, executor: str, scheduler: str | None, chunk: int, deterministic: bool
) -> RunPlan:
    """The one run plan of a command's options (a bad ``--executor`` is a usage error)."""
    if executor not in EXECUTORS:
        raise typer.BadParameter(f"expected 'local' or 'dask', got {executor!r}", param_hint="--executor")
    return RunPlan(
        n=n,
        seed=seed,
        deterministic=deterministic,
        chunk=chunk,
        jobs=jobs,
        executor=executor,
        scheduler=scheduler,
    )


@contextmanager
def progress_bar(label: str) -> Iterator[Callable[[int, int], None]]:
    """A replications progress bar with rate and ETA; silent when stderr is not a terminal."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        ProgressColumn,
        Task,
        TextColumn,
        TimeRemainingColumn,
    )
    from rich.text import Text

    class RateColumn(ProgressColumn):
        """Replications per second."""

        def render(self, task: Task) -> Text:
            return Text("" if task.speed is None else f"{task.speed:.1f} rep/s")

    bar = Progress(
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        RateColumn(),
        TimeRemainingColumn(),
        console=err,
        disable=not err.is_terminal,
        transient=True,
    )
    task = bar.add_task(label, total=None)

    def update(done: int, total: int) -> None:
        bar.update(task, completed=done, total=total)

    with bar:
        yield update


@contextmanager
def replications(points: Sequence[Point], plan: RunPlan, target: Path, label: str) -> Iterator[RunStore]:
    """What ``run -n`` and ``sweep`` share: the plan's replications of every point.

    Runs them into ``target/runs.sqlite`` (resuming what is stored) under a progress bar, then
    yields the open store and closes it afterwards.
    """
    from .experiment.runner import simulate_many

    with progress_bar(label) as update:
        store = simulate_many(
            points, store=inside(target, "runs.sqlite"), plan=plan, progress=update, notice=_notice
        )
    with store:
        yield store


def _wrote(paths: list[Path]) -> None:
    for path in paths:
        out.print(f"wrote {path}")


@app.command()
def run(
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
    plot: PlotOpt = True,
) -> None:
    """Simulate a scenario (one run, or -n replications), print the summary and write results."""
    from .outputs import report

    plan = _plan(n, seed, jobs, executor, scheduler, chunk, deterministic)
    with guarded():
        scenario = _load(file, set_, event)
        target = out_dir if out_dir is not None else default_out_dir(file)
        if plan.n == 1:
            from .engine.model import simulate

            result = simulate(scenario, seed=plan.seed, deterministic=plan.deterministic)
            out.print(report.run_table(result))
            written = report.write_run(result, target, plot=plot)
        else:
            from .experiment.ensemble import Ensemble

            with replications([Point(scenario)], plan, target, "replications") as store:
                ens = Ensemble(store, scenario, plan)
                out.print(report.ensemble_table(ens))
                written = report.write_ensemble(ens, target, plot=plot)
        _wrote(written)


@app.command()
def sweep(
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
    plot: PlotOpt = True,
) -> None:
    """Run every combination of --vary values on common random numbers; rank the parameters."""
    from .experiment.sweep import summarise_sweep
    from .outputs import report

    plan = _plan(n, seed, jobs, executor, scheduler, chunk, deterministic)
    with guarded():
        try:
            factors = [parse_factor(v) for v in vary]
        except ValueError as exc:
            raise typer.BadParameter(str(exc), param_hint="--vary") from None
        points = factor_points(file, factors, set_ or [], event or [])
        stem = default_out_dir(file)
        target = out_dir if out_dir is not None else stem.with_name(stem.name + "-sweep")
        with replications(points, plan, target, f"{len(points)} points") as store:
            summary = summarise_sweep(points, store, plan)
        written = report.write_sweep(summary, target, plot=plot)
        out.print(report.ranking_table(summary.ranking))
        _wrote(written)


@app.command()
def score(
    files: Annotated[list[Path], typer.Argument(help="Scenario YAML files.", show_default=False)],
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
    plot: PlotOpt = True,
    fail_below: Annotated[
        float | None, typer.Option(min=0, max=1, help="Exit 1 below this coverage.")
    ] = None,
    markdown: Annotated[Path | None, typer.Option(help="Also write a markdown scoreboard here.")] = None,
) -> None:
    """Score scenarios against their observations and milestones (the replications of run -n)."""
    from . import __version__
    from .experiment.score import scorable, scorecard
    from .outputs import scoring

    plan = _plan(n, seed, jobs, executor, scheduler, chunk, deterministic)
    wide = out if out.is_terminal else Console(highlight=False, width=scoring.WIDTH)  # pipes: not 80
    with guarded():
        scenarios, problems = [], []
        for file in files:
            try:
                scenarios.append(_load(file, None))
            except ScenarioError as exc:
                problems += exc.problems
        if problems:
            raise ScenarioError(problems)
        try:
            targets = scoring.targets(files, out_dir)
        except ValueError as exc:
            raise typer.BadParameter(str(exc), param_hint="FILE") from None
        entries = []
        for file, scenario, target in zip(files, scenarios, targets, strict=True):
            card = None
            if not scorable(scenario):
                _notice(f"{file}: nothing to score (no observation from day 0 to the horizon, no milestone)")
            else:
                with replications([Point(scenario)], plan, target, file.name) as store:
                    card = scorecard(store, scenario, plan)
                wide.print(scoring.score_tables(card))
                _wrote(scoring.write_score(card, target, plot=plot, file=str(file)))
            entries.append(scoring.Entry(str(file), scenario.name, card))
        if len(files) > 1:
            wide.print(scoring.summary_table(entries))
        if markdown is not None:
            _wrote([scoring.write_scoreboard(markdown, entries, plan.n, plan.seed, __version__)])
    if fail_below is not None and (failed := scoring.below(entries, fail_below)):
        err.print(f"posture: {failed}", markup=False, soft_wrap=True)
        raise typer.Exit(1)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``posture`` console script; returns the exit code."""
    previous = signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        app(args=argv, prog_name="posture")
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    finally:
        signal.signal(signal.SIGTERM, previous)
    return 0


if __name__ == "__main__":
    sys.exit(main())
