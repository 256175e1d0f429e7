"""Where a run's results come from, as two sections of ``report.html``: sources and files.

* :func:`sources_html`: every source the scenario cites, with its title, publisher, date and
  address, and where it is cited (:func:`citations`). A source is cited by a ``cite`` string
  or mapping (``docs/scenario-format.md``, provenance), by the ``source`` of an observation,
  milestone or event, or by name in an assumption's reasoning (``assumption: ... (S1)``). The
  sources declared but cited nowhere are listed after the table, and the count of ``cite``
  entries that state an assumption instead of a source;
* :func:`files_html`: the command line, the version, commit, scenario file and run settings,
  and the files written before the page with their size and SHA-256: the information
  ``manifest.json`` holds, as it stands before the manifest is written. The manifest, written
  after the page, is the authoritative list (it adds ``report.html`` itself and the run store).

An address becomes a link only if it is ``http(s)``; nothing is fetched (:mod:`.html_page`).
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..scenario.problems import dotted
from ..scenario.provenance import ASSUMPTION
from ..scenario.schema import Scenario
from .html_page import Html, esc, join, link, note, table, tag

if TYPE_CHECKING:
    from .manifest import Trace

REPORT = "report.html"


def citations(s: Scenario) -> tuple[dict[str, list[str]], int]:
    """Where each declared source is cited, by id, and how many ``cite`` entries are assumptions.

    A place is the dotted key of the object a ``cite`` string covers (``phases[0]``), of the
    field a ``cite`` mapping names (``convoy.max_vehicles``), or of the observation, milestone
    or event whose ``source`` it is; a source named in an assumption's reasoning is cited there
    too, marked ``(assumption)``.
    """
    found: dict[str, list[str]] = {}
    assumptions = 0

    def cite(text: str, where: tuple[str | int, ...]) -> None:
        nonlocal assumptions
        place = dotted(where)
        if text.strip().lower().startswith(ASSUMPTION):
            assumptions += 1
            named = [t for t in dict.fromkeys(re.findall(r"[\w.-]+", text)) if t in s.sources]
            place += " (assumption)"
        else:
            named = [t for t in text.replace(";", ",").replace(" ", ",").split(",") if t]
        for sid in named:
            found.setdefault(sid, []).append(place)

    def visit(node: Any, path: tuple[str | int, ...]) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if (key in ("cite", "source")) and isinstance(value, str):
                    cite(value, path)
                elif key == "cite" and isinstance(value, dict):
                    for name, text in value.items():
                        cite(str(text), (*path, str(name)))
                elif path or key != "sources":
                    visit(value, (*path, str(key)))
        elif isinstance(node, list):
            for i, item in enumerate(node):
                visit(item, (*path, i))

    visit(s.model_dump(by_alias=True, exclude_none=True), ())
    return found, assumptions


def sources_html(s: Scenario, shown: int = 4) -> Html:
    """The table of every source the scenario cites: id, title, publisher, date, address, where."""
    found, assumptions = citations(s)
    rows = []
    for sid, ref in s.sources.items():
        if sid not in found:
            continue
        where = found[sid]
        more = f" and {len(where) - shown} more" if len(where) > shown else ""
        rows.append(
            [
                sid,
                ref.title,
                ref.publisher,
                None if ref.date is None else ref.date.isoformat(),
                None if ref.url is None else link(ref.url),
                _breakable(f"{len(where)}: " + ", ".join(where[:shown]) + more),
            ]
        )
    parts = []
    if rows:
        header = ["id", "title", "publisher", "date", "address", "cited at"]
        parts.append(table(header, rows, classes=(None, "wrap", None, "nowrap", "url", "wrap")))
    else:
        parts.append(note("The scenario cites no source."))
    unused = [sid for sid in s.sources if sid not in found]
    if unused:
        parts.append(note(f"Declared but cited nowhere: {', '.join(unused)}."))
    if assumptions:
        parts.append(note(f"{assumptions:,} cite entries state an assumption instead of a source."))
    parts.append(note("Addresses are links to follow; the page itself fetches nothing."))
    return join(parts)


def _breakable(text: str) -> Html:
    """``text`` escaped, with a line-break opportunity after each dot of its dotted keys."""
    return Html(esc(text).replace(".", ".<wbr>"))  # no entity html.escape writes holds a dot


def files_html(out_dir: Path | str, written: Sequence[Path], trace: Trace, *, store: bool = False) -> Html:
    """The files written before the page (size, SHA-256), the command line and the run settings."""
    from .. import __version__
    from .manifest import MANIFEST, git_commit, sha256

    folder = Path(out_dir).resolve()
    rows = []
    for p in sorted({Path(p).resolve() for p in written}):
        if p.is_file() and p.name != MANIFEST:
            rows.append([p.relative_to(folder).as_posix(), f"{p.stat().st_size:,}", sha256(p)])
    command = shlex.join(trace.argv) if trace.argv is not None else f"posture {trace.command}"
    settings = [
        ["posture", __version__],
        ["git commit", git_commit() or "not a git checkout"],
        *(["scenario", f"{p} (SHA-256 {sha256(Path(p))})"] for p in trace.scenarios if Path(p).is_file()),
        *([str(k), _setting(v)] for k, v in trace.plan.items()),
        ["started", trace.started.isoformat(timespec="seconds")],
    ]
    authority = (
        f"{MANIFEST}, written after this page, is the authoritative list: it adds {REPORT} itself"
        + (", the run store (runs.sqlite)" if store else "")
        + " and the files of a previous run it removed."
    )
    return join(
        [
            tag("h3", "Command line"),
            tag("pre", command, class_="mono"),
            table(["setting", "value"], settings, classes=(None, "wrap")),
            tag("h3", "Files written before this page"),
            table(["file", "bytes", "SHA-256"], rows, numeric=(1,), classes=(None, None, "mono hash")),
            note(authority),
        ]
    )


def _setting(value: object) -> str:
    return ("yes" if value else "no") if isinstance(value, bool) else str(value)
