"""Rewrite the shown output of the documented commands with what they print now.

Each ```bash block of README.md and docs/*.md that is followed by a ```text block (its shown
output, see ``tests/cli/test_docs_commands.py``) is run exactly as that test runs it, in a
scratch folder. Where the masked output differs from the masked text shown, the text block
is replaced by the actual output: the scratch folder written ``/path/to/posture``, trailing
spaces dropped, today's date written ``<today>``; timestamps, durations and hashes are kept
as printed (the test masks them). A block that fails (non-zero exit) is reported and left
as it is, and so is a block that opts out (``<!-- output: not compared (reason) -->``).
Blocks without shown output are not run, except on a page whose blocks run in order in one
folder. Prose is not touched: numbers quoted in the text around a block are checked by hand.

Usage, from the repository's root, in the environment posture is installed in::

    python docs/tools/refresh_outputs.py                   # every page
    python docs/tools/refresh_outputs.py docs/cli.md       # some pages
    python docs/tools/refresh_outputs.py --check           # report, change nothing (exit 1 if stale)
    python docs/tools/refresh_outputs.py --only docs/cli.md:189 --jobs 1

Each changed block's masked diff is printed, to be reviewed like any change (``git diff``
shows the rest). Pages are written only at the end, each re-read first, so edits made to
other parts of a page while the commands ran are kept.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.cli.test_docs_commands import Block, blocks, mismatch, pages, run, today, undated, units  # noqa: E402


@dataclass(frozen=True)
class Outcome:
    """What running one block found."""

    block: Block
    status: int
    output: str
    diff: str | None


def _selected(args: argparse.Namespace) -> list[list[Block]]:
    """The units to run: those with a block that shows output, picked by page or by ``--only``."""
    chosen = [Path(p).resolve() for p in args.pages] or pages()
    picked = units([b for page in chosen for b in blocks(page)])
    if args.only:
        wanted = set(args.only)
        missing = wanted - {b.where for u in picked for b in u if b.shown is not None}
        if missing:
            sys.exit(f"refresh_outputs: no block with shown output at {', '.join(sorted(missing))}")
        picked = [u for u in picked if any(b.where in wanted for b in u)]
    return [u for u in picked if any(b.shown is not None for b in u)]


def _run(unit: list[Block]) -> list[Outcome]:
    day = today()
    return [
        Outcome(b, status, output, mismatch(b, output, day) if status == 0 else None)
        for b, (status, output) in zip(unit, run(unit), strict=True)
    ]


def _rewrite(page: Path, stale: list[Outcome]) -> int:
    """Replace the shown output of each ``stale`` block of ``page``; how many were replaced."""
    text = page.read_text(encoding="utf-8")
    by_key = {(o.block.command, o.block.shown): o for o in stale}
    edits = []
    for b in blocks(page, text):
        o = by_key.get((b.command, b.shown))
        if o is not None and b.shown_span is not None:
            edits.append((b.shown_span, undated(o.output, today())))
    for (start, end), new in sorted(edits, reverse=True):
        text = text[:start] + new + text[end:]
    fd, tmp = tempfile.mkstemp(dir=page.parent, prefix=f".{page.name}.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, page)
    return len(edits)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pages", nargs="*", help="pages to refresh (default: README.md and docs/*.md)")
    parser.add_argument("--only", action="append", default=[], metavar="PAGE:LINE", help="one block")
    parser.add_argument("--check", action="store_true", help="report stale blocks, rewrite nothing")
    parser.add_argument("--jobs", type=int, default=2, help="blocks run at once (default 2)")
    args = parser.parse_args(argv)

    selected = _selected(args)
    with ThreadPoolExecutor(max(1, args.jobs)) as pool:
        outcomes = [o for found in pool.map(_run, selected) for o in found]
    failed = [o for o in outcomes if o.status != 0]
    stale = [o for o in outcomes if o.diff is not None]
    for o in failed:
        print(f"{o.block.where}: exited {o.status}; left as it is\n{o.output[-2000:]}")
    for o in stale:
        print(f"{o.block.where}: shown output is stale\n{o.diff}")
    if not args.check:
        for page in sorted({o.block.page for o in stale}):
            n = _rewrite(page, [o for o in stale if o.block.page == page])
            print(f"rewrote {n} block(s) of {page.relative_to(ROOT)}")
    print(f"{len(outcomes)} block(s) run: {len(stale)} stale, {len(failed)} failed")
    return 1 if failed or (args.check and stale) else 0


if __name__ == "__main__":
    sys.exit(main())
