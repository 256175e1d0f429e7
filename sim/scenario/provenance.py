"""Provenance: every figure in a scenario names its source or states its assumption.

A ``cite`` on an object covers the figures in it: either one string for the whole object,
or a mapping from field name to string. A string is one or more source ids declared under
``sources:`` (comma separated), or begins with ``assumption:`` and gives the reasoning.
Observations and milestones carry their own ``source``. ``posture validate --require-sources``
refuses any figure no ``cite`` covers.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from .problems import Path, suggest
from .schema import Scenario

Finding = tuple[Path, str]
ASSUMPTION = "assumption:"
EXEMPT = ("observations", "milestones", "sources", "horizon_days", "cite", "name", "description", "start")
"""Top-level keys whose figures need no ``cite``."""


def citation_problems(text: str, s: Scenario) -> Iterator[str]:
    """What is wrong with one ``cite`` or ``source`` string (nothing, if it is right)."""
    if text.strip().lower().startswith(ASSUMPTION):
        if len(text.strip()) < len(ASSUMPTION) + 8:
            yield "an assumption must give its reasoning after 'assumption:'"
        return
    ids = [t for t in text.replace(";", ",").replace(" ", ",").split(",") if t]
    if not ids:
        yield "cite a source id from sources:, or write 'assumption: <reasoning>'"
    for sid in ids:
        if sid not in s.sources:
            yield f"cites unknown source {sid!r}{suggest(sid, s.sources)}"


def check_citations(data: dict[str, Any], s: Scenario) -> list[Finding]:
    """Every ``cite`` string names known sources or states an assumption."""
    found: list[Finding] = []
    _check_cites(data, (), s, found)
    return found


def _check_cites(node: Any, path: Path, s: Scenario, found: list[Finding]) -> None:
    """Check each ``cite`` value and each entry of a ``cite`` mapping or list, in file order."""
    items: Iterable[tuple[Any, Any]]
    if isinstance(node, dict):
        items = node.items()
    elif isinstance(node, list):
        items = enumerate(node)
    else:
        return
    in_cite = bool(path) and path[-1] == "cite"
    for key, value in items:
        sub = (*path, key)
        if key == "cite" or in_cite:
            if isinstance(value, str):
                found.extend((sub, m) for m in citation_problems(value, s))
            elif not isinstance(value, dict):
                found.append((sub, "cite must be a string or a mapping of field: string"))
        if isinstance(value, dict | list):
            _check_cites(value, sub, s, found)


def uncited_figures(data: dict[str, Any]) -> list[Finding]:
    """Numbers in the scenario that no ``cite`` covers (for ``validate --require-sources``).

    A ``cite`` string covers every figure in its object and below; a ``cite`` mapping covers
    the fields it names. Top-level run settings (``horizon_days``) observations and
    milestones (which carry their own ``source``) are exempt.
    """
    found: list[Finding] = []

    def visit(node: Any, path: Path, covered: bool) -> None:
        if isinstance(node, dict):
            cite = node.get("cite")
            for key, value in node.items():
                if key == "cite":
                    continue
                here = covered or isinstance(cite, str) or (isinstance(cite, dict) and key in cite)
                visit(value, (*path, key), here)
        elif isinstance(node, list):
            for i, item in enumerate(node):
                visit(item, (*path, i), covered)
        elif isinstance(node, int | float) and not isinstance(node, bool) and not covered:
            found.append(
                (
                    path,
                    f"figure {node!r} has no source: add cite: <source id> or "
                    "cite: 'assumption: <reasoning>' to its object",
                )
            )

    for key, value in data.items():
        if key in (
            "observations",
            "milestones",
            "sources",
            "horizon_days",
            "cite",
            "name",
            "description",
            "start",
        ):
            continue
        visit(value, (key,), False)
    return found
