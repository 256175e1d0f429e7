"""The ``posture forecast`` command, and ``posture score FORECAST.json --observations OBS.yaml``.

``posture forecast FILE`` replicates a scenario (``-n``, default 1000) and freezes what the
replications say into ``forecast.json`` (:mod:`sim.experiment.forecast`): closure
percentiles, P(closed by the end of week k), milestone and site-empty percentiles, the bands
of every measure, and enough per-replication values to score it later without running it
again. The replications go to a temporary store, removed afterwards: the forecast file is the
result. ``--issued YYYY-MM-DD`` records a fixed issue date, so a shipped forecast can be made
again byte for byte.

``posture score`` hands a ``.json`` file here (:func:`score_forecasts`): it is scored against
``--observations`` (:mod:`sim.experiment.forecast_score`), nothing is simulated. A forecast
whose folder's ``manifest.json`` lists it with another SHA-256 is refused (:func:`vouched`):
it was changed after it was issued.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from ..experiment.plan import DEFAULT_CHUNK, Point, budget_problem
from ..outputs.files import default_out_dir, inside
from ..outputs.terminal import printable
from ..scenario.problems import ScenarioError
from .options import (
    ChunkOpt,
    DetOpt,
    EventOpt,
    ExecOpt,
    FileArg,
    JobsOpt,
    ParamsOpt,
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
    progress_bar,
    trace,
    with_parameters,
)

__all__ = ["app", "forecast", "score_forecasts"]

IssuedOpt = Annotated[
    str | None,
    typer.Option(
        "--issued",
        help="The issue date to record, YYYY-MM-DD (default: now, UTC), so a forecast can be made again "
        "byte for byte.",
    ),
]


def issued_at(text: str | None) -> str:
    """The ``issued`` field: ``text`` (a date, or a date-time in UTC) or now, as ``...T...Z``."""
    from ..outputs.forecast import issued_now

    if text is None:
        return issued_now()
    try:
        when = dt.datetime.fromisoformat(text.strip().removesuffix("Z"))
    except ValueError:
        raise Refused(f"--issued: expected a date YYYY-MM-DD, got {text!r}") from None
    if when.tzinfo is not None:
        when = when.astimezone(dt.UTC).replace(tzinfo=None)
    return when.replace(microsecond=0).isoformat() + "Z"


def _wrote(paths: Sequence[Path]) -> None:
    for path in paths:
        out.print(f"wrote {printable(str(path))}", markup=False, soft_wrap=True)


@app.command()
def forecast(
    ctx: typer.Context,
    file: FileArg,
    out_dir: Annotated[
        Path | None,
        typer.Option("--out", help="Folder for forecast.json (default: results/<stem>-forecast/)."),
    ] = None,
    set_: SetOpt = None,
    event: EventOpt = None,
    n: Annotated[int, typer.Option("-n", "--replications", min=1, help="Number of replications.")] = 1000,
    seed: SeedOpt = 0,
    jobs: JobsOpt = 0,
    executor: ExecOpt = "local",
    scheduler: SchedOpt = None,
    chunk: ChunkOpt = DEFAULT_CHUNK,
    deterministic: DetOpt = False,
    parameters: ParamsOpt = None,
    issued: IssuedOpt = None,
    plot: PlotOpt = True,
) -> None:
    """Issue a frozen forecast of a scenario: forecast.json, to score later against what happens."""
    from .. import __version__
    from ..experiment.ensemble import Ensemble
    from ..experiment.forecast import Made, build_forecast
    from ..experiment.runner import simulate_many
    from ..outputs.forecast import forecast_table, write_forecast
    from ..outputs.scoring import WIDTH
    from ..scenario.loader import load_scenario

    plan = make_plan(n, seed, jobs, executor, scheduler, chunk, deterministic)
    with guarded():
        when = issued_at(issued)
        scenario = load_scenario(file, set_ or [], event or [])
        plan = with_parameters(plan, parameters, scenario)
        if problem := budget_problem(scenario, plan):
            raise Refused(problem)
        stem = default_out_dir(file)
        target = check_out_dir(out_dir if out_dir is not None else stem.with_name(stem.name + "-forecast"))
        made = Made(
            file=str(file),
            sha256=hashlib.sha256(file.read_bytes()).hexdigest(),
            issued=when,
            version=__version__,
            overrides=tuple(set_ or ()),
            events=tuple(event or ()),
        )
        with progress_bar("replications") as update:
            store = simulate_many([Point(scenario)], store=None, plan=plan, progress=update, notice=notice)
        with store:
            fc = build_forecast(Ensemble(store, scenario, plan), made)
        wide = out if out.is_terminal else Console(highlight=False, width=WIDTH)  # pipes: not 80
        wide.print(forecast_table(fc))
        _wrote(finish(target, write_forecast(fc, target, plot=plot), trace(ctx, [file], plan)))


def forecast_targets(files: Sequence[Path], out_dir: Path | None) -> list[Path]:
    """Where each forecast's scores go: ``--out`` for one, ``--out/<name>`` for several, else
    ``results/<name>-score/``; ``<name>`` is the folder of a file named ``forecast.json``."""
    names = [f.parent.name if f.name == "forecast.json" and f.parent.name else f.stem for f in files]
    if out_dir is not None and len(files) == 1:
        return [out_dir]
    targets = [
        Path("results") / f"{name}-score" if out_dir is None else inside(out_dir, name) for name in names
    ]
    seen: dict[Path, Path] = {}
    for file, target in zip(files, targets, strict=True):
        if target.resolve() in seen:
            raise Refused(
                f"{seen[target.resolve()]} and {file} would be scored into the same folder, {target}"
            )
        seen[target.resolve()] = file
    return targets


def vouched(file: Path) -> Path:
    """``file``, refused (:class:`~.options.Refused`) if the ``manifest.json`` beside it (as
    ``posture forecast`` writes one) lists it with another SHA-256, or cannot be read."""
    from ..outputs.manifest import ManifestError, vouch

    try:
        problem = vouch(file)
    except ManifestError as exc:
        raise Refused(f"{exc}; it cannot vouch for {file}, which is scored only as issued") from None
    if problem:
        raise Refused(f"{problem}; a frozen forecast is scored as issued: restore it, or issue a new one")
    return file


def score_forecasts(
    ctx: typer.Context,
    files: Sequence[Path],
    observations: Path | None,
    out_dir: Path | None,
    *,
    plot: bool,
    simulating: Sequence[str],
    wide: Console,
) -> None:
    """``posture score FORECAST.json ... --observations OBS.yaml``: score frozen forecasts (call
    inside :func:`~.options.guarded`). ``simulating`` names the options given that would need a
    simulation; they are refused, since a frozen forecast is scored as issued."""
    from ..experiment.forecast import read_forecast
    from ..experiment.forecast_score import score_forecast
    from ..outputs.forecast import score_tables, write_score
    from ..scenario.outcomes import read_outcomes

    forecasts = [f for f in files if f.suffix.lower() == ".json"]
    if not forecasts:
        raise Refused(
            "--observations scores frozen forecasts (forecast.json); a scenario is scored against "
            "its own observations: and milestones:"
        )
    if len(forecasts) != len(files):
        raise Refused(
            "give either forecast .json files or scenario files, not both (score them in two calls)"
        )
    if observations is None:
        raise Refused(f"{files[0]} is a frozen forecast: give --observations OBS.yaml, what happened since")
    if simulating:
        raise Refused(
            f"{', '.join(simulating)}: a frozen forecast is scored as issued, not run again; leave it out"
        )
    for file in files:
        vouched(file)
    read, problems = [], []
    for file in files:
        try:
            read.append(read_forecast(file))
        except ScenarioError as exc:
            problems += exc.problems
    if problems:
        raise ScenarioError(problems)
    outcomes = read_outcomes(observations)
    if outcomes.empty:
        raise Refused(f"{observations}: no observations, milestones or outcomes to score")
    scores = [score_forecast(fc, outcomes, str(file)) for fc, file in zip(read, files, strict=True)]
    for target in (targets := forecast_targets(files, out_dir)):
        check_out_dir(target)
    for file, sc, target in zip(files, scores, targets, strict=True):
        wide.print(score_tables(sc))
        _wrote(finish(target, write_score(sc, target, plot=plot), trace(ctx, [file, observations])))
