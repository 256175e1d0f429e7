"""Every ```bash block in README.md and docs/*.md runs, so the docs cannot rot.

Each block runs with ``bash -e`` (no pipefail: ``cmd | head`` must not fail on SIGPIPE) in
a scratch folder that holds a copy of ``scenarios/`` (so results never land in the
repository), with the ``posture`` of the environment running the tests on PATH. Set-up
steps are the one thing not re-run here, and only as whole ``&&``-separated steps: making
or activating a virtual environment and ``pip install`` (CI has just done exactly that),
and ``python -m pytest`` (that is the command running this test). Whatever follows them in
the block still runs.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SETUP = re.compile(
    r"^(python3? -m venv|\. \.venv/bin/activate|source |(python3? -m )?pip install|"
    r"(python3? -m )?pytest)"
)
BLOCK = re.compile(r"^```bash\n(.*?)^```", re.M | re.S)


def _blocks() -> list[tuple[str, str]]:
    found = []
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        text = path.read_text(encoding="utf-8")
        for m in BLOCK.finditer(text):
            line = text[: m.start()].count("\n") + 1
            found.append((f"{path.relative_to(ROOT)}:{line}", m.group(1)))
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


def test_setup_steps_are_the_only_ones_dropped() -> None:
    assert (
        runnable("python3 -m venv .venv && . .venv/bin/activate && pip install -e . && posture run x.yaml")
        == "posture run x.yaml"
    )
    assert (
        runnable("posture validate a.yaml\nposture run a.yaml | head")
        == "posture validate a.yaml\nposture run a.yaml | head"
    )


@pytest.mark.slow
@pytest.mark.parametrize(("where", "block"), _blocks(), ids=[w for w, _ in _blocks()])
def test_doc_block_runs(where: str, block: str, tmp_path: Path) -> None:
    shutil.copytree(ROOT / "scenarios", tmp_path / "scenarios")
    env = dict(
        os.environ, MPLBACKEND="Agg", PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    )
    proc = subprocess.run(
        ["bash", "-e", "-c", runnable(block)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, (
        f"{where} failed:\n{block}\nstdout:\n{proc.stdout[-2000:]}\nstderr:\n{proc.stderr[-2000:]}"
    )
