"""User text made safe for the terminal: no console markup, no control characters.

Scenario names, ids, labels and reasons are free text. Printed through rich as they are, a
``[/]`` raises a markup error, a ``[link=...]`` is interpreted, and an escape sequence written
in YAML (``"\\e[2J"``) would reach the terminal raw. :func:`safe` returns the text as a rich
``Text`` (never parsed as markup) with every non-printable character shown as its escape
(``\\x1b``); every table cell and title built from user text goes through it. The figures
and ``report.html`` show user text by the same rule (:func:`printable`).
"""

from __future__ import annotations

from typing import Any

from rich.console import RenderableType
from rich.style import StyleType
from rich.table import Table
from rich.text import Text


def printable(text: str, keep: str = "") -> str:
    """``text`` with each non-printable character replaced by its Python escape (``\\x1b``).

    Characters in ``keep`` (``"\\n"`` for text that may run over several lines) stay as they
    are. The same rule serves the terminal, the figures (:func:`~.plot_style.plain`) and
    ``report.html`` (:func:`~.html_page.esc`), so a name reads the same in each.
    """
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() or ch in keep else repr(ch)[1:-1] for ch in text)


def safe(text: object) -> Text:
    """``text`` (or ``str(text)``) as a rich ``Text``: printed as written, markup and all."""
    return Text(printable(str(text)))


class PlainTable(Table):
    """A rich table whose title and string cells are user text: shown as written (:func:`safe`)."""

    def __init__(self, *headers: Any, title: str | Text | None = None, **kwargs: Any) -> None:
        super().__init__(*headers, title=safe(title) if isinstance(title, str) else title, **kwargs)

    def add_row(
        self, *renderables: RenderableType | None, style: StyleType | None = None, end_section: bool = False
    ) -> None:
        """Add a row; string cells are taken as plain text, never markup."""
        cells = [safe(c) if isinstance(c, str) else c for c in renderables]
        super().add_row(*cells, style=style, end_section=end_section)
