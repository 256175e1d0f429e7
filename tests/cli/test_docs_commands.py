"""Every ```bash block in README.md and docs/*.md runs, and prints the output the page shows.

Running. Each block runs with ``bash -e`` (no pipefail: ``cmd | head`` must not fail on
SIGPIPE) in a scratch folder that holds a copy of ``scenarios/`` (so results never land in
the repository), with the ``posture`` of the environment running the tests on PATH. A block
runs on its own, in a fresh folder, unless its page has the line
``<!-- commands: in order, in one folder -->`` (a tutorial whose steps build on each other):
then the page's blocks run one after the other in one folder, as a reader runs them. Set-up
steps are the one thing not re-run here, and only as whole ``&&``-separated steps: making
or activating a virtual environment and ``pip install`` (CI has just done exactly that),
and ``python -m pytest`` (that is the command running this test). Whatever follows them in
the block still runs.

Shown output. A ```text block that follows a ```bash block, with only blank lines between,
shows what the block prints in a user's terminal: standard output and standard error
merged in the order printed, 80 columns wide, no colour (the run sets ``COLUMNS=80``,
``TERM=dumb``, ``NO_COLOR=1``; standard error is not a terminal, so no progress bar). The
block must exit 0 (show a refusal with ``|| echo "exit code: $?"``). Both texts are masked,
then must be equal. The masking rules, all here (:data:`MASKS` and :func:`mask`):

1. the scratch folder the block ran in is written ``/path/to/posture``, the pages' name for
   the repository's root (only the actual output has it);
2. spaces at the end of a line and blank lines at the end are dropped (rich pads table
   lines; a terminal does not show them);
3. a clock time, a timestamp whose time of day is not midnight (``2026-03-01T14:05:09Z``,
   also ``+00:00`` or a fraction of a second), becomes ``<timestamp>``; a midnight one is a
   date given on the command line (``--issued 2026-02-23``) and stays;
4. durations ``12.3 s``, ``850 ms``, ``1 min 5 s``, ``0:00:12`` become ``<duration>``, and
   rates ``45.6 rep/s``, ``1,234 replications/s`` become ``<rate>``;
5. hexadecimal digests of 12 characters or more with a letter in them (sha256 of files and
   scenarios, the git commit) become ``<hash>``;
6. posture's and Python's version (``posture 0.1.0``, ``"posture_version": "0.1.0"``)
   becomes ``<version>``;
7. today's date, where a command prints the day it ran, becomes ``<today>`` (also the day
   before, for a run across midnight UTC); a page writes it ``<today>`` (the refresh script
   does), since a date would be wrong the next day.

A block whose output legitimately varies from run to run opts out with an HTML comment
line just before its ```text block (a blank line may follow it) that gives the reason:
``<!-- output: not compared (the order of finishing workers varies) -->``. Keep them rare.

``docs/tools/refresh_outputs.py`` runs the same blocks with the same functions and rewrites
each shown output that no longer matches.
"""

from __future__ import annotations

import datetime as dt
import difflib
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SHOWN_ROOT = "/path/to/posture"
SESSION = "<!-- commands: in order, in one folder -->"
SETUP = re.compile(
    r"^(python3? -m venv|\. \.venv/bin/activate|source |(python3? -m )?pip install|"
    r"(python3? -m )?pytest)"
)
FENCE = re.compile(
    r"^```bash\n(?P<cmd>.*?)^```\n"
    r"(?:\n*(?P<optout><!-- output: not compared \((?P<reason>[^\n]*)\) -->\n)?\n*"
    r"```text\n(?P<out>.*?)^```$)?",
    re.M | re.S,
)
MASKS: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(
            r"\b\d{4}-\d\d-\d\dT(?!00:00:00(\.0+)?(Z|\+00:00)?(?![\d.]))\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)?"
        ),
        "<timestamp>",
    ),
    (re.compile(r"\b\d+ min \d+(\.\d+)? s\b"), "<duration>"),
    (re.compile(r"\b\d+(\.\d+)? m?s(?![\w/-])"), "<duration>"),
    (re.compile(r"(?<![\d:T])\d+:\d\d:\d\d(?![\d:])"), "<duration>"),
    (re.compile(r"\b\d[\d,]*(\.\d+)? (rep|replications)/s\b"), "<rate>"),
    (re.compile(r"\b(?=[0-9a-f]*[a-f])[0-9a-f]{12,}\b"), "<hash>"),
    (re.compile(r"\b(posture|Python) \d+\.\d+(\.\d+)?([.+-]\w+)*"), r"\1 <version>"),
    (re.compile(r'("posture_version": )"[^"]*"'), r'\1"<version>"'),
)
"""Rules 3 to 6 of the module docstring: (pattern, what each match becomes)."""


@dataclass(frozen=True)
class Block:
    """One ```bash block of a page, and the ```text block shown after it (if any)."""

    page: Path
    line: int
    command: str
    shown: str | None
    """The text block's contents, None when the block shows no output or opts out."""
    shown_span: tuple[int, int] | None
    """Where ``shown`` sits in the page's text (offsets), to rewrite it."""
    optout: str | None
    """The reason given by ``<!-- output: not compared (reason) -->``, if any."""
    session: bool = False
    """Whether the page's blocks run in order in one folder (its page has :data:`SESSION`)."""

    @property
    def where(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}"


def pages() -> list[Path]:
    """README.md and docs/*.md: every page whose bash blocks are run."""
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def blocks(page: Path, text: str | None = None) -> list[Block]:
    """The bash blocks of ``page`` (of ``text``, if given, as the page's contents)."""
    text = page.read_text(encoding="utf-8") if text is None else text
    found = []
    session = SESSION in text
    for m in FENCE.finditer(text):
        shown = None if m.group("out") is None or m.group("optout") else m.group("out")
        found.append(
            Block(
                page=page,
                line=text[: m.start()].count("\n") + 1,
                command=m.group("cmd"),
                shown=shown,
                shown_span=None if shown is None else m.span("out"),
                optout=m.group("reason"),
                session=session,
            )
        )
    return found


def runnable(block: str) -> str:
    """The block with set-up steps removed (see the module docstring)."""
    lines = []
    for raw in block.splitlines():
        steps = [s.strip() for s in raw.split("&&")]
        kept = [s for s in steps if s and not SETUP.match(s)]
        if len(kept) == len(steps):
            lines.append(raw)  # nothing dropped: as written (a here-document keeps its indentation)
        elif kept:
            lines.append(" && ".join(kept))
    return "\n".join(lines)


def terminal(output: str, scratch: Path | str | None = None) -> str:
    """``output`` as a page shows it: rules 1 and 2 (the scratch folder, trailing spaces)."""
    if scratch is not None:
        for form in sorted({str(scratch), os.path.realpath(scratch)}, key=len, reverse=True):
            output = output.replace(form, SHOWN_ROOT)
    lines = [line.rstrip() for line in output.splitlines()]
    while lines and not lines[-1]:
        lines.pop()
    return "".join(f"{line}\n" for line in lines)


def today() -> dt.date:
    """Today's date in UTC, the day posture writes in footers and reports."""
    return dt.datetime.now(dt.UTC).date()


def undated(output: str, day: dt.date) -> str:
    """Rule 7: ``day`` and the day before, where not part of a timestamp, as ``<today>``."""
    for d in (day, day - dt.timedelta(days=1)):
        output = re.sub(rf"(?<![\d-]){d.isoformat()}(?![\dT])", "<today>", output)
    return output


def mask(text: str, day: dt.date | None = None) -> str:
    """``text`` with its run-specific parts masked: rules 2 to 7 (rule 7 if ``day`` is given)."""
    text = terminal(text)
    for pattern, placeholder in MASKS:
        text = pattern.sub(placeholder, text)
    return text if day is None else undated(text, day)


def units(found: Sequence[Block]) -> list[list[Block]]:
    """What runs in one scratch folder: each block on its own, or a session page's blocks in order."""
    out: list[list[Block]] = []
    for b in found:
        if b.session and out and out[-1][0].session and out[-1][0].page == b.page:
            out[-1].append(b)
        else:
            out.append([b])
    return out


@contextmanager
def scratch() -> Iterator[Path]:
    """A temporary folder holding a copy of ``scenarios/``, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="posture-docs-") as folder:
        shutil.copytree(ROOT / "scenarios", Path(folder) / "scenarios")
        yield Path(folder)


def run(unit: Sequence[Block], timeout: float = 600) -> list[tuple[int, str]]:
    """Run the blocks of ``unit`` in order in one scratch folder: each one's exit status and
    output (rules 1 and 2)."""
    env = {
        **os.environ,
        "MPLBACKEND": "Agg",
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "COLUMNS": "80",
        "TERM": "dumb",
        "NO_COLOR": "1",
    }
    for name in ("FORCE_COLOR", "LINES"):
        env.pop(name, None)
    results = []
    with scratch() as folder:
        for block in unit:
            proc = subprocess.run(
                ["bash", "-e", "-c", runnable(block.command)],
                cwd=folder,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                text=True,
                timeout=timeout,
            )
            results.append((proc.returncode, terminal(proc.stdout, folder)))
    return results


def mismatch(block: Block, output: str, day: dt.date) -> str | None:
    """Why ``output`` is not what ``block`` shows (a diff of the masked texts), or None."""
    if block.shown is None:
        return None
    shown, actual = mask(block.shown, day), mask(output, day)
    if shown == actual:
        return None
    diff = difflib.unified_diff(shown.splitlines(True), actual.splitlines(True), "shown", "printed")
    return "".join(diff)


UNITS = units([b for page in pages() for b in blocks(page)])


def test_setup_steps_are_the_only_ones_dropped() -> None:
    assert (
        runnable("python3 -m venv .venv && . .venv/bin/activate && pip install -e . && posture run x.yaml")
        == "posture run x.yaml"
    )
    assert (
        runnable("posture validate a.yaml\nposture run a.yaml | head")
        == "posture validate a.yaml\nposture run a.yaml | head"
    )


def test_masks_hide_what_changes_from_run_to_run() -> None:
    printed = (
        "wrote /tmp/posture-docs-x1/results/a/summary.json   \n"
        "done in 12.3 s (850 ms each, 1 min 5 s, 0:00:12 left), 45.6 rep/s, 1,234 replications/s\n"
        '"started": "2026-12-04T20:06:42+00:00", "finished": "2026-12-04T20:06:43.5Z"\n'
        "issued 2026-02-23T00:00:00Z, sha256 31c6720c8286fd79, commit 942f462917\n"
        'posture 0.1.0 on Python 3.11.7, "posture_version": "0.1.0"\n'
        "footer 2026-12-04, start 2026-01-01, closure 4.38 days (105 h), 2026-12-03\n"
        "\n\n"
    )
    assert mask(terminal(printed, "/tmp/posture-docs-x1"), dt.date(2026, 12, 4)) == (
        "wrote /path/to/posture/results/a/summary.json\n"
        "done in <duration> (<duration> each, <duration>, <duration> left), <rate>, <rate>\n"
        '"started": "<timestamp>", "finished": "<timestamp>"\n'
        "issued 2026-02-23T00:00:00Z, sha256 <hash>, commit 942f462917\n"
        'posture <version> on Python <version>, "posture_version": "<version>"\n'
        "footer <today>, start 2026-01-01, closure 4.38 days (105 h), <today>\n"
    )


def test_masks_keep_what_the_model_computes() -> None:
    table = "│ closure (100 %)  │ 4.38 │  0.62 │ 2026-01-05 │\n3.5 rep 10 s-trucks 2025-12-31T00:00:00\n"
    assert mask(table, dt.date(2026, 12, 4)) == table


def test_a_text_block_after_a_bash_block_is_its_shown_output() -> None:
    page = ROOT / "docs" / "example.md"
    text = (
        "```bash\nposture a\n```\n\n```text\nA\n```\n"
        "```bash\nposture b\n```\nProse.\n\n```text\nnot B's\n```\n"
        "```bash\nposture c\n```\n\n<!-- output: not compared (workers finish in any order) -->\n"
        "```text\nC\n```\n"
    )
    a, b, c = blocks(page, text)
    assert (a.command, a.shown, a.optout, a.line) == ("posture a\n", "A\n", None, 1)
    assert a.shown_span is not None and text[slice(*a.shown_span)] == "A\n"
    assert (b.command, b.shown, b.optout) == ("posture b\n", None, None)
    assert (c.command, c.shown, c.optout) == ("posture c\n", None, "workers finish in any order")


def test_a_mismatch_is_shown_as_a_diff_of_the_masked_texts() -> None:
    block = Block(ROOT / "README.md", 1, "posture run x\n", "closure 4.38 days in 1.0 s\n", (0, 0), None)
    day = dt.date(2026, 12, 4)
    assert mismatch(block, "closure 4.38 days in 2.5 s\n", day) is None
    diff = mismatch(block, "closure 4.62 days in 2.5 s\n", day)
    assert diff is not None
    assert "-closure 4.38 days in <duration>" in diff and "+closure 4.62 days in <duration>" in diff


def test_a_session_page_runs_its_blocks_in_order_in_one_folder() -> None:
    page = ROOT / "docs" / "tutorial.md"
    steps = "```bash\necho 1 > a\n```\n\n```bash\ncat a\n```\n\n```text\n1\n```\n"
    assert [len(u) for u in units(blocks(page, steps))] == [1, 1]
    session = units(blocks(page, f"{SESSION}\n\n{steps}"))
    assert [len(u) for u in session] == [2]
    assert run(session[0]) == [(0, ""), (0, "1\n")]


@pytest.mark.slow
@pytest.mark.parametrize("unit", UNITS, ids=[u[0].where for u in UNITS])
def test_doc_block_prints_what_it_shows(unit: list[Block]) -> None:
    day = today()
    problems = []
    for block, (status, output) in zip(unit, run(unit), strict=True):
        if status != 0:
            problems.append(f"{block.where} failed (exit {status}):\n{block.command}\n{output[-3000:]}")
        elif (why := mismatch(block, output, day)) is not None:
            problems.append(f"{block.where}: the output shown is not what the command prints:\n{why}")
    assert not problems, (
        "\n".join(problems) + "\n(masked as this module's docstring says; "
        "python docs/tools/refresh_outputs.py rewrites stale shown output)"
    )
