"""The ``posture verify`` command: check a results folder against its ``manifest.json``.

Every command that writes results ends with ``manifest.json``, which lists each file with its
size and SHA-256 (:mod:`sim.outputs.manifest`). ``posture verify DIR`` reads every listed
file again, and checks a run store the manifest does not list (``kept``) against its own
chunk checksums. All match: one line on standard output, exit 0. Otherwise one line per file
on standard error, naming it and saying what is wrong, and exit 2; a manifest that is
missing or unreadable is one line and exit 2 too. :func:`sim.verify` does the same from
Python.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..outputs.terminal import printable
from .options import Refused, app, err, guarded, out

__all__ = ["app", "verify"]

REDO = "restore it, or run the command in manifest.json (argv) again to remake the folder"


@app.command()
def verify(
    folder: Annotated[
        Path,
        typer.Argument(help="A results folder (the --out of a posture command), with its manifest.json."),
    ],
) -> None:
    """Check a results folder against its manifest.json: every file, byte for byte (SHA-256)."""
    from ..outputs.manifest import MANIFEST, ManifestError
    from ..outputs.manifest import verify as check_folder

    with guarded():
        if folder.name == MANIFEST and folder.is_file():
            folder = folder.parent
        try:
            found = check_folder(folder)
        except ManifestError as exc:
            raise Refused(str(exc)) from None
        for problem in found.problems:
            line = f"posture: {folder / problem.path}: {problem.what}"
            if not problem.what.endswith("to start afresh"):  # the store's own lines say what to do
                line += f"; {REDO}"
            err.print(printable(line), markup=False, soft_wrap=True)
        if found.problems:
            raise typer.Exit(2)
        store = " and the kept run store matches its checksums" if found.store else ""
        files = f"all {found.files} files listed in {MANIFEST} match"
        if found.files == 1:
            files = f"the 1 file listed in {MANIFEST} matches"
        line = f"{folder}: {files}{store}"
        out.print(printable(line), markup=False, soft_wrap=True)
