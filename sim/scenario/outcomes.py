"""Outcomes observed after a forecast was issued: what ``posture score FORECAST.json --observations`` reads.

A frozen forecast (``posture forecast``) is scored later against what happened since. The
outcomes file is YAML with up to four keys:

* ``observations:`` and ``milestones:``: dated values of a measure and dates at which a share
  of the requirement was done, exactly as in a scenario (:mod:`.evidence`);
* ``outcomes:``: **censored outcomes**, facts that say on which side of a date something was,
  not when it happened:

  ==================================== ===================================================
  ``{site_open: SITE, date: D}``       SITE still held people or equipment at 00:00 on D
  ``{site_reinforced: SITE, date: D}`` the people at SITE grew at least once from one 00:00
                                       to the next, between day 0 and 00:00 on D (an
                                       arrival during D - 1 counts)
  ``{complete_by: D}``                 the withdrawal was complete at 00:00 on D
  ``{not_complete_by: D}``             it was not complete at 00:00 on D
  ==================================== ===================================================

  ``complete_by`` and ``not_complete_by`` take ``percent: 95`` to mean the 95 % closure (the
  default, 100, is the whole movement requirement). Each outcome has a ``source``, an optional
  ``weight`` (0-1, default 1) and ``label``;
* ``sources:`` (optional): source ids and their titles, as in a scenario. When it is given,
  every ``source`` must cite ids declared there, or begin with ``assumption:``.

Every date is read at 00:00 on that date, the rule of a scenario's observations: it is what a
report dated D implies for certain. Problems are ``FILE:LINE: key: message`` lines in one
:class:`~.problems.ScenarioError`; whether a site or a measure exists is checked against the
forecast being scored (:func:`unknown_site`), not here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path as FsPath
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Discriminator, Field, Tag, ValidationError

from .evidence import Milestone, Observation, Weight, shape_problems
from .fields import Date, Id, Model
from .problems import TOP, Path, Problem, ScenarioError, dotted, suggest
from .provenance import ASSUMPTION
from .schema import SourceRef
from .yamlsource import Source, parse_yaml, read_text

KINDS = ("site_open", "site_reinforced", "complete_by", "not_complete_by")
"""The key that names each kind of censored outcome."""
Kind = Literal["site_open", "site_reinforced", "complete_by", "not_complete_by"]


class _Outcome(Model):
    weight: Weight = 1.0
    label: str | None = None
    source: str


class SiteOpen(_Outcome):
    """A site still held people or equipment at 00:00 on ``date``."""

    site_open: Id
    date: Date


class SiteReinforced(_Outcome):
    """The people at a site grew at least once between day 0 and 00:00 on ``date``.

    People, not equipment: a road convoy turned back to its origin brings its equipment back,
    which is not a reinforcement (people rarely travel so).
    """

    site_reinforced: Id
    date: Date


class CompleteBy(_Outcome):
    """The withdrawal (``percent`` 100) or its 95 % closure was reached by 00:00 on the date."""

    complete_by: Date
    percent: Literal[95, 100] = 100


class NotCompleteBy(_Outcome):
    """The withdrawal (``percent`` 100) or its 95 % closure was not reached by 00:00 on the date."""

    not_complete_by: Date
    percent: Literal[95, 100] = 100


def _kind_of(data: Any) -> str | None:
    """The kind an outcome entry is (its one kind key), or None if it names none or several."""
    if isinstance(data, BaseModel):
        return next(k for k in KINDS if hasattr(data, k))
    if not isinstance(data, dict):
        return None
    given = [k for k in KINDS if k in data]
    return given[0] if len(given) == 1 else None


Censored = Annotated[
    Annotated[SiteOpen, Tag("site_open")]
    | Annotated[SiteReinforced, Tag("site_reinforced")]
    | Annotated[CompleteBy, Tag("complete_by")]
    | Annotated[NotCompleteBy, Tag("not_complete_by")],
    Discriminator(
        _kind_of,
        custom_error_type="outcome_kind",
        custom_error_message="give exactly one of " + ", ".join(KINDS),
    ),
]
MODELS: dict[str, type[Model]] = {
    "site_open": SiteOpen,
    "site_reinforced": SiteReinforced,
    "complete_by": CompleteBy,
    "not_complete_by": NotCompleteBy,
}


def kind(outcome: Censored) -> Kind:
    """Which of :data:`KINDS` an outcome is."""
    found = _kind_of(outcome)
    assert found is not None
    return found  # type: ignore[return-value]  # one of KINDS by construction


def site_of(outcome: Censored) -> str | None:
    """The site an outcome is about (None for the closure kinds)."""
    if isinstance(outcome, SiteOpen):
        return outcome.site_open
    if isinstance(outcome, SiteReinforced):
        return outcome.site_reinforced
    return None


def date_of(outcome: Censored) -> dt.date:
    """The date an outcome is read at (00:00 on it)."""
    if isinstance(outcome, CompleteBy):
        return outcome.complete_by
    if isinstance(outcome, NotCompleteBy):
        return outcome.not_complete_by
    return outcome.date


def describe(outcome: Censored) -> str:
    """An outcome as a person would say it: ``qasrak open on 2026-03-11``."""
    when = date_of(outcome).isoformat()
    if isinstance(outcome, SiteOpen):
        return f"{outcome.site_open} open on {when}"
    if isinstance(outcome, SiteReinforced):
        return f"{outcome.site_reinforced} reinforced before {when}"
    share = "" if outcome.percent == 100 else f" ({outcome.percent} %)"
    done = "complete" if isinstance(outcome, CompleteBy) else "not complete"
    return f"{done}{share} on {when}"


class OutcomesFile(Model):
    """The whole outcomes file."""

    description: str | None = None
    observations: list[Observation] = Field(default_factory=list)
    milestones: list[Milestone] = Field(default_factory=list)
    outcomes: list[Censored] = Field(default_factory=list)
    sources: dict[str, SourceRef] = Field(default_factory=dict)


@dataclass(frozen=True)
class Outcomes:
    """What an outcomes file says, and where each entry is in it (for problems found later)."""

    file: str
    observations: tuple[Observation, ...]
    milestones: tuple[Milestone, ...]
    outcomes: tuple[Censored, ...]
    source: Source

    def problem(self, path: Path, message: str) -> Problem:
        """A problem at ``path`` in the file, located by its line."""
        return Problem(self.file, self.source.line_of(path), dotted(path), message)

    @property
    def empty(self) -> bool:
        """The file names nothing to score."""
        return not (self.observations or self.milestones or self.outcomes)


def read_outcomes(path: str | FsPath) -> Outcomes:
    """Read and check an outcomes file, or raise :class:`ScenarioError` (one problem per fault)."""
    file = str(path)
    src = parse_yaml(read_text(file), file)
    if not isinstance(src.data, dict):
        what = "the file is empty" if src.data is None else f"the top level is a {type(src.data).__name__}"
        raise ScenarioError([Problem(file, 1, TOP, f"{what}; {_SHAPE}")])
    try:
        parsed = OutcomesFile.model_validate(src.data)
    except ValidationError as exc:
        problems = [_schema_problem(src, err) for err in exc.errors(include_url=False)]
        raise ScenarioError(sorted(problems, key=lambda p: (int(p.line), p.key))) from None
    found = sorted(_checks(parsed), key=lambda pm: src.line_of(pm[0]))
    if found:
        raise ScenarioError([Problem(file, src.line_of(p), dotted(p), m) for p, m in found])
    return Outcomes(file, tuple(parsed.observations), tuple(parsed.milestones), tuple(parsed.outcomes), src)


def unknown_site(site: str, known: Sequence[str]) -> str:
    """The message for a site the forecast does not have (with a near miss, if any)."""
    return f"the forecast has no in-theatre site {site!r}{suggest(site, known)}"


_SHAPE = (
    "expected a mapping with observations:, milestones: and/or outcomes:, "
    "e.g. outcomes: [{site_open: qasrak, date: 2026-03-11, source: S16}]"
)


# ----------------------------------------------------------------------------- schema problems
def _schema_problem(src: Source, err: Any) -> Problem:
    """One pydantic error as a ``FILE:LINE: key: message`` problem."""
    path = _data_path(src.data, tuple(err["loc"]))
    given = err.get("input")
    if err["type"] == "outcome_kind":
        present = [k for k in KINDS if isinstance(given, dict) and k in given]
        msg = str(err["msg"]) + (f"; this entry gives {' and '.join(present)}" if present else "")
        if not isinstance(given, dict):
            msg = f"an outcome must be a mapping such as {{site_open: A, date: 2026-03-11}} (got {given!r})"
    elif err["type"] == "extra_forbidden":
        msg = f"unknown key {path[-1]!r}{suggest(str(path[-1]), _allowed(src.data, path[:-1]))}"
    elif err["type"] == "missing":
        msg = "required key is missing"
    else:
        msg = str(err["msg"]).removeprefix("Value error, ")
        msg = msg[0].lower() + msg[1:] if msg else msg
        if "got" not in msg and not isinstance(given, dict | list):
            msg += f" (got {given!r})"
    return Problem(src.file, src.line_of(path), dotted(path), msg)


def _data_path(data: Any, loc: tuple[str | int, ...]) -> Path:
    """The part of pydantic's ``loc`` that names real keys in the data (union tags dropped)."""
    if len(loc) > 2 and loc[0] == "outcomes" and loc[2] in KINDS:
        loc = (*loc[:2], *loc[3:])  # the tag pydantic puts after an outcome: its kind, not a key
    out: list[str | int] = []
    node = data
    for part in loc:
        inside = isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        if inside or (isinstance(node, dict) and part in node):
            node = node[part]
        elif isinstance(node, dict) and isinstance(part, str):
            out.append(part)  # a missing key: name it, then stop
            break
        else:
            break
        out.append(part)
    return tuple(out)


def _allowed(data: Any, path: Path) -> list[str]:
    """The keys allowed at ``path`` (the top level, an evidence entry, an outcome)."""
    if not path:
        return list(OutcomesFile.model_fields)
    section = path[0]
    if len(path) == 2 and section in ("observations", "milestones"):
        model: type[BaseModel] = Observation if section == "observations" else Milestone
        return [f.alias or name for name, f in model.model_fields.items()]
    if len(path) == 2 and section == "outcomes":
        entry = data[section][path[1]] if isinstance(data.get(section), list) else None
        found = _kind_of(entry)
        return list(MODELS[found].model_fields) if found else list(KINDS)
    return []


# ----------------------------------------------------------------------------- cross-field checks
Finding = tuple[Path, str]


def _checks(f: OutcomesFile) -> Iterator[Finding]:
    for i, ob in enumerate(f.observations):
        yield from shape_problems(("observations", i), ob)
        yield from _cites((("observations", i, "source")), ob.source, f.sources)
    for i, ms in enumerate(f.milestones):
        here: Path = ("milestones", i)
        if ms.earliest is not None and ms.earliest > ms.date:
            yield (*here, "earliest"), f"earliest ({ms.earliest}) is after date ({ms.date})"
        if ms.latest is not None and ms.latest < ms.date:
            yield (*here, "latest"), f"latest ({ms.latest}) is before date ({ms.date})"
        yield from _cites((*here, "source"), ms.source, f.sources)
    for i, oc in enumerate(f.outcomes):
        yield from _cites(("outcomes", i, "source"), oc.source, f.sources)


def _cites(here: Path, text: str, sources: dict[str, SourceRef]) -> Iterator[Finding]:
    """A ``source`` is not blank; with ``sources:`` declared, it cites them or states an assumption."""
    if not text.strip():
        yield here, "name the source: an id from sources:, or 'assumption: <reasoning>'"
        return
    if not sources or text.strip().lower().startswith(ASSUMPTION):
        return
    for sid in (t for t in text.replace(";", ",").replace(" ", ",").split(",") if t):
        if sid not in sources:
            yield here, f"cites unknown source {sid!r}{suggest(sid, sources)}"
