"""docs/howto-notebook.md runs as written, and prints what it shows (issue #13, item 6).

Its ```python blocks run in order in one namespace, from a folder holding the project's
scenarios. Where a block is followed by a ```text block, the text is what the block shows: the
``repr`` of its last line if that is an expression, else what it printed.
"""

from __future__ import annotations

import ast
import contextlib
import io
import os
import re
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs/howto-notebook.md"
FENCE = re.compile(r"```(python|text)\n(.*?)```", re.S)


def blocks() -> list[tuple[str, str | None]]:
    """Each python block, with the text block right after it (if any)."""
    found = FENCE.findall(PAGE.read_text(encoding="utf-8"))
    out: list[tuple[str, str | None]] = []
    for k, (kind, body) in enumerate(found):
        if kind == "python":
            after = found[k + 1] if k + 1 < len(found) else None
            out.append((body, after[1] if after and after[0] == "text" else None))
    return out


def shown(code: str, namespace: dict[str, Any]) -> str:
    """Run ``code``; return the repr of its last expression, or what it printed."""
    tree = ast.parse(code)
    last = tree.body[-1] if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        if last is not None and not (
            isinstance(last.value, ast.Call) and getattr(last.value.func, "id", "") == "print"
        ):
            exec(compile(ast.Module(tree.body[:-1], []), str(PAGE), "exec"), namespace)
            return repr(eval(compile(ast.Expression(last.value), str(PAGE), "eval"), namespace))
        exec(compile(tree, str(PAGE), "exec"), namespace)
    return printed.getvalue()


def test_the_notebook_page_runs_and_shows_what_it_says(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "scenarios").symlink_to(ROOT / "scenarios")
    (tmp_path / "results").mkdir()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    namespace: dict[str, Any] = {}
    found = blocks()
    assert len(found) >= 5
    for code, text in found:
        out = shown(code, namespace)
        if text is not None:
            assert out.strip() == text.strip(), code
    assert (tmp_path / "results/notebook-fan.png").stat().st_size > 10_000
    assert os.environ["MPLBACKEND"] == "Agg"
