"""What every ``posture`` command shares: the typer app, its options, and the guard.

:func:`guarded` turns what a user can get wrong into one line on standard error and an exit
status, never a traceback: scenario problems and refused options exit 2, an executor that
cannot be used or a file (the run store included) that cannot be written exits 1, an
interruption exits 130.
:func:`make_plan` builds the one :class:`~sim.experiment.plan.RunPlan` of a command's options;
:func:`progress_bar` shows replications as they finish.
"""

from __future__ import annotations

import dataclasses
import json
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from enum import StrEnum
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from rich.console import Console

from ..experiment.plan import (
    EXECUTORS,
    ExecutorError,
    RunPlan,
    StoreError,
    scheduler_problem,
)
from ..outputs.files import out_dir_problem
from ..outputs.terminal import printable
from ..scenario.problems import ScenarioError

if TYPE_CHECKING:
    from ..outputs.manifest import Trace
    from ..scenario.schema import Scenario

app = typer.Typer(
    name="posture",
    help="Force-posture simulator: how long will this withdrawal take, and what does the troop "
    "curve look like along the way?",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
)
out = Console(highlight=False)
err = Console(stderr=True, highlight=False)


def _print_version(value: bool) -> None:
    if value:
        from .. import __version__

        out.print(f"posture {__version__}", markup=False)
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", is_eager=True, callback=_print_version, help="Print posture's version and exit."
        ),
    ] = False,
) -> None:
    """The options before any command: ``--version``, and typer's shell completion."""


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


def on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise Interrupted()


class Refused(Exception):
    """A command-line value posture refuses before it simulates anything (exit 2, one line)."""


def refuse(message: str) -> NoReturn:
    """Print ``posture: message`` on standard error (user text, as written) and exit 2."""
    err.print(f"posture: {printable(message)}", markup=False, soft_wrap=True)
    raise typer.Exit(2)


@contextmanager
def guarded() -> Iterator[None]:
    """Turn bad input into exit 2 and interruption into exit 130, never a traceback."""
    try:
        yield
    except ScenarioError as exc:
        for problem in exc.problems:
            err.print(printable(str(problem)), markup=False, soft_wrap=True)
        raise typer.Exit(2) from None
    except (Refused, StoreError) as exc:
        refuse(str(exc))
    except ExecutorError as exc:
        err.print(f"posture: {printable(str(exc))}", markup=False, soft_wrap=True)
        raise typer.Exit(1) from None
    except OSError as exc:  # a full disk, a folder removed under the run: one line, exit 1
        where = f"{exc.filename}: " if exc.filename else ""
        err.print(
            f"posture: cannot write {printable(f'{where}{exc.strerror or exc}')}",
            markup=False,
            soft_wrap=True,
        )
        raise typer.Exit(1) from None
    except (KeyboardInterrupt, Interrupted):
        err.print("posture: interrupted; finished result files were kept", markup=False)
        raise typer.Exit(130) from None
    except Exception as exc:  # last: a SQLite error the store did not name its file in (OSError above)
        sqlite3 = sys.modules.get("sqlite3")  # not imported by a single run: then none was raised
        if sqlite3 is None or not isinstance(exc, sqlite3.Error):
            raise
        hint = "free space or choose another --out" if "full" in str(exc) else "choose another --out"
        line = f"posture: cannot write the run store: {printable(str(exc))}; {hint}"
        err.print(line, markup=False, soft_wrap=True)
        raise typer.Exit(1) from None


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
PlotOpt = Annotated[bool, typer.Option(help="Write the plots.")]
ReportOpt = Annotated[
    bool,
    typer.Option(
        "--report/--no-report",
        help="Write report.html: the results in one self-contained page (figures inline unless --no-plot).",
    ),
]


class PlotFormat(StrEnum):
    """The file formats of plots (``--format``)."""

    png = "png"
    svg = "svg"
    pdf = "pdf"


FormatOpt = Annotated[
    PlotFormat,
    typer.Option(
        "--format", case_sensitive=False, help="File format of the plots: png, svg (text stays text) or pdf."
    ),
]
DpiOpt = Annotated[
    int,
    typer.Option("--dpi", min=30, max=1200, help="Resolution of PNG plots, in dots per inch."),
]
ParamsOpt = Annotated[
    Path | None,
    typer.Option(
        "--parameters",
        help="A posterior file (posterior.csv from posture calibrate): each replication draws "
        "its parameter values from it, by weight, instead of from the priors.",
        dir_okay=False,
    ),
]
FreshOpt = Annotated[
    bool,
    typer.Option("--fresh", help="Discard the replications stored in the output folder and start afresh."),
]
OutOpt = Annotated[
    Path | None, typer.Option("--out", help="Folder for result files (default: results/<file stem>/).")
]


def notice(message: str) -> None:
    err.print(f"posture: {printable(message)}", markup=False, soft_wrap=True)


def make_plan(
    n: int, seed: int, jobs: int, executor: str, scheduler: str | None, chunk: int, deterministic: bool
) -> RunPlan:
    """The one run plan of a command's options (a bad ``--executor`` is a usage error)."""
    if executor not in EXECUTORS:
        raise typer.BadParameter(f"expected 'local' or 'dask', got {executor!r}", param_hint="--executor")
    if scheduler is not None and (problem := scheduler_problem(scheduler)):
        refuse(f"--scheduler: {problem}")
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
        TextColumn("{task.description}", markup=False),  # the label as written: a file name
        BarColumn(),
        MofNCompleteColumn(),
        RateColumn(),
        TimeRemainingColumn(),
        console=err,
        disable=not err.is_terminal,
        transient=True,
    )
    task = bar.add_task(printable(label), total=None)

    def update(done: int, total: int) -> None:
        bar.update(task, completed=done, total=total)

    with bar:
        yield update


def with_parameters(plan: RunPlan, file: Path | None, scenario: Scenario) -> RunPlan:
    """``plan`` drawing parameters from the posterior in ``file`` (as it is if ``file`` is None).

    A file that does not fit the scenario raises :class:`~sim.scenario.problems.ScenarioError`.
    """
    if file is None:
        return plan
    from ..scenario.posterior import read_posterior

    return dataclasses.replace(plan, parameters=read_posterior(file, scenario))


ARGV: ContextVar[Sequence[str] | None] = ContextVar("posture_argv", default=None)
"""The command line of the running ``posture`` call, as typed (set by :func:`~.commands.main`)."""


def trace(ctx: typer.Context, scenarios: Sequence[Path], plan: RunPlan | None = None) -> Trace:
    """What made the files of the running command, for its ``manifest.json``."""
    from ..outputs.manifest import Trace

    names = {p.name: next((o for o in p.opts if o.startswith("--")), p.name) for p in ctx.command.params}
    params = {names.get(k, k): v for k, v in ctx.params.items()}
    run: dict[str, Any] = {}
    if plan is not None:
        source = plan.parameters.describe() if plan.parameters else "priors"
        run = {"seed": plan.seed, "n": plan.n, "deterministic": plan.deterministic, "parameters": source}
    argv = ARGV.get()
    command = ctx.info_name or ctx.command.name or "posture"
    return Trace(command, params, scenarios, ["posture", *argv] if argv is not None else None, run)


def finish(target: Path, written: list[Path], record: Trace, *, used_store: bool = False) -> list[Path]:
    """Clear what a previous run left in ``target``, write its manifest, say what was removed."""
    from ..outputs.manifest import finish as write_manifest

    path = write_manifest(target, written, record, used_store=used_store)
    removed = json.loads(path.read_text(encoding="utf-8"))["removed"]
    if removed:
        notice(f"removed {len(removed)} file(s) of a previous run in {target}: {', '.join(removed)}")
    return [*written, path]


def discard_store(target: Path, fresh: bool) -> None:
    """With ``--fresh``, delete the run store in ``target`` before anything is simulated."""
    store = target / "runs.sqlite"
    if fresh and store.is_file():
        store.unlink()
        notice(f"--fresh: discarded the stored replications in {store}")


def check_out_dir(out_dir: Path) -> Path:
    """``out_dir``, refused (:class:`Refused`) if result files could not be written there."""
    if problem := out_dir_problem(out_dir):
        raise Refused(problem)
    return out_dir
