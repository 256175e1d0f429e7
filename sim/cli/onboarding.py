"""Getting started: ``posture init`` writes a starter scenario, ``posture schema`` its JSON Schema.

``init`` copies one of the commented templates shipped with posture (``sim/templates/*.yaml``,
package data): each validates with ``--require-sources`` and runs as it is, so a new user
starts from a file that works and changes one figure at a time. It never overwrites a file
without ``--force``.

``schema`` prints the JSON Schema of the scenario file form
(:mod:`sim.scenario.jsonschema`), or writes it atomically with ``--out``; an editor that
knows it checks and completes scenario files as they are typed
(``docs/scenario-format.md``, "Editor support").
"""

from __future__ import annotations

import sys
from importlib import resources
from pathlib import Path
from typing import Annotated

import typer

from ..outputs.files import write_text
from ..outputs.terminal import printable
from .options import Refused, app, guarded, out

TEMPLATES = ("small", "airlift", "phased")
"""The starter scenarios of ``posture init --template``, the first the default."""
_CHOICES = ", ".join(TEMPLATES[:-1]) + f" or {TEMPLATES[-1]}"
DEFAULT_FILE = Path("scenario.yaml")


def template_text(name: str) -> str:
    """The text of the starter scenario ``name`` (one of :data:`TEMPLATES`)."""
    return resources.files("sim").joinpath("templates", f"{name}.yaml").read_text(encoding="utf-8")


def _complete_template(incomplete: str) -> list[str]:
    return [t for t in TEMPLATES if t.startswith(incomplete)]


def _writable(path: Path, *, force: bool, example: str) -> Path:
    """``path``, refused (:class:`Refused`) if it is a folder, or a file and not ``force``."""
    shown = printable(str(path))
    if path.is_dir():
        raise Refused(f"{shown} is a folder; give a file name, e.g. {printable(str(path / example))}")
    if path.exists() and not force:
        raise Refused(f"{shown} already exists; give another file name, or --force to overwrite it")
    return path


@app.command()
def init(
    file: Annotated[Path, typer.Argument(help="Where to write the scenario.")] = DEFAULT_FILE,
    template: Annotated[
        str,
        typer.Option(
            "--template",
            "-t",
            help="small: one base, one fleet, one phase; airlift: aircraft and airfields plus a road "
            "leg; phased: two phases, a keep, an event and a parameter.",
            autocompletion=_complete_template,
        ),
    ] = TEMPLATES[0],
    force: Annotated[bool, typer.Option("--force", help="Overwrite FILE if it exists.")] = False,
) -> None:
    """Write a commented starter scenario that validates and runs as it is."""
    with guarded():
        if template not in TEMPLATES:
            raise Refused(f"--template: there is no template {template!r}; choose {_CHOICES}")
        write_text(_writable(file, force=force, example=DEFAULT_FILE.name), template_text(template))
        shown = printable(str(file))
        out.print(f"wrote {shown} (template: {template})", markup=False, soft_wrap=True)
        out.print(
            f"next: posture validate {shown} --require-sources, then posture run {shown}",
            markup=False,
            soft_wrap=True,
        )


@app.command()
def schema(
    out_file: Annotated[
        Path | None,
        typer.Option("--out", help="Write the schema to this file (default: print it)."),
    ] = None,
) -> None:
    """Print the JSON Schema of scenario files, for editors that check and complete YAML."""
    with guarded():
        from ..scenario.jsonschema import schema_text

        text = schema_text()
        if out_file is None:
            sys.stdout.write(text)
            return
        write_text(_writable(out_file, force=True, example="scenario.schema.json"), text)
        out.print(f"wrote {printable(str(out_file))}", markup=False, soft_wrap=True)
