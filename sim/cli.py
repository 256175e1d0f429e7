"""The ``posture`` command line: validate, run and sweep scenarios.

Exit codes: 0 success; 2 bad input (one ``FILE:LINE: key: message`` line per problem on
stderr, never a traceback); 130 interrupted (Ctrl-C or SIGTERM), with a one-line message.
Every command is a thin layer over the Python API (:mod:`sim.loader`, :mod:`sim.model`,
:mod:`sim.runner`), so what the CLI does a script can do too.
"""

from __future__ import annotations

import signal
import sys
from pathlib import Path
from types import FrameType
from typing import Annotated

from collections.abc import Iterator
from contextlib import contextmanager
import typer
from rich.console import Console
from rich.table import Table

from .loader import load_scenario, provenance_problems
from .model import simulate
from .output import default_out_dir
from .problems import ScenarioError
from .report import run_table, write_run
from .schema import PERSONNEL, Scenario

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

FileArg = Annotated[Path, typer.Argument(help="Scenario YAML file.", show_default=False)]
SetOpt = Annotated[list[str] | None, typer.Option(
    "--set", help="Override a scenario value: dotted.key=value (repeatable), e.g. "
                  "fleets.het.count=60 or phases.qasrak_out.start_day=3.")]


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
    except (KeyboardInterrupt, Interrupted):
        err.print("posture: interrupted; finished result files were kept", markup=False)
        raise typer.Exit(130) from None


def _load(file: Path, overrides: list[str] | None) -> Scenario:
    return load_scenario(file, overrides or [])


def _summary_table(s: Scenario) -> Table:
    t = Table(title=f"{s.name} — valid", title_justify="left", show_header=True)
    t.add_column("part")
    t.add_column("contents")
    classes = [c for c in s.classes if c != PERSONNEL]
    people = sum(site.personnel for site in s.sites.values())
    t.add_row("start / horizon", f"{s.start.isoformat()} (day 0), {s.horizon_days:g} days")
    t.add_row("sites", f"{len(s.sites)}: " + ", ".join(
        f"{sid} ({site.personnel:,} people)" if site.personnel else sid for sid, site in s.sites.items()))
    t.add_row("personnel", f"{people:,}")
    for c in classes:
        n = sum(site.equipment.get(c, 0) for site in s.sites.values())
        tons = s.cargo[c].short_tons
        t.add_row(f"equipment: {c}", f"{n:,}" + (f" ({n * tons:,.0f} short tons)" if tons else ""))
    for fid, f in s.fleets.items():
        cap = ", ".join(f"{k} {v}" for k, v in f.capacity.items())
        t.add_row(f"fleet: {fid}", f"{f.count} vehicles at {f.based_at}; carries {cap}")
    t.add_row("routes", f"{len(s.routes)}: " + ", ".join(f"{r.from_}–{r.to} {r.km:g} km" for r in s.routes))
    for ph in s.phases:
        when = f"after {', '.join(ph.after)}" if ph.after else f"day {ph.start_day or 0:g}"
        moves = "; ".join(f"{m.from_} → {m.to}" + (f" keep {dict(m.keep)}" if m.keep else "") for m in ph.moves)
        t.add_row(f"phase: {ph.id}", f"{when}: {moves}")
    if s.convoy.max_vehicles:
        t.add_row("convoys", f"at most {s.convoy.max_vehicles} vehicles")
    return t


@app.command()
def validate(
    file: FileArg,
    set_: SetOpt = None,
    require_sources: Annotated[bool, typer.Option(
        "--require-sources", help="Also refuse any figure that cites no source and states no assumption.")] = False,
) -> None:
    """Check a scenario file and print a one-screen summary of it."""
    with guarded():
        scenario = _load(file, set_)
        if require_sources:
            missing = provenance_problems(file)
            if missing:
                raise ScenarioError(missing)
        out.print(_summary_table(scenario))


@app.command()
def run(
    file: FileArg,
    out_dir: Annotated[Path | None, typer.Option(
        "--out", help="Folder for result files [default: results/<file stem>/].")] = None,
    set_: SetOpt = None,
    seed: Annotated[int, typer.Option(help="Root random seed.", min=0)] = 0,
    deterministic: Annotated[bool, typer.Option(
        "--deterministic", help="Use every distribution's mode (triangular) or mean.")] = False,
    plot: Annotated[bool, typer.Option(help="Write the PNG plots.")] = True,
) -> None:
    """Simulate a scenario, print the summary and write the result files."""
    with guarded():
        scenario = _load(file, set_)
        target = out_dir if out_dir is not None else default_out_dir(file)
        result = simulate(scenario, seed=seed, deterministic=deterministic)
        out.print(run_table(result))
        for path in write_run(result, target, plot=plot):
            out.print(f"wrote {path}")


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
