"""Problems with user input, and how they are reported.

Every refusal of a scenario is a list of :class:`Problem` s. Each prints as one line::

    FILE:LINE: dotted.key: what is wrong, and what would be right

``dotted.key`` is the path to the offending value (list items as ``[i]``, e.g.
``phases[1].moves[0].from``). Problems from a ``--set`` override name the override instead
of a file line, as ``--set:N`` for the N-th override. The CLI prints the lines and exits with
status 2; the library raises :class:`ScenarioError` carrying them.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

Path = tuple[str | int, ...]
"""A location in a scenario: mapping keys and list indices, outermost first."""

TOP = "(top level)"


def dotted(path: Sequence[str | int]) -> str:
    """Render a path as ``a.b[2].c``; the empty path is ``(top level)``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            text = str(part)
            if not text.isprintable() or _ambiguous(text):  # never break or blur the format
                text = repr(text)
            out += ("." if out else "") + text
    return out or TOP


def _ambiguous(text: str) -> bool:
    """Whether a key, printed bare, could be misread as part of the path or the message."""
    return not text or text != text.strip() or ":" in text or "." in text or "[" in text


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with an input, located as precisely as we can."""

    file: str
    line: int | str
    key: str
    message: str

    def __str__(self) -> str:
        key = self.key if self.key.strip() and self.key.isprintable() else repr(self.key)
        message = " ".join(self.message.split()) if not self.message.isprintable() else self.message
        return f"{self.file}:{self.line}: {key}: {message}"


class ScenarioError(Exception):
    """A scenario (file, overrides or events) was refused. ``problems`` says why."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


def suggest(word: str, choices: Iterable[str]) -> str:
    """A "did you mean" suffix for a near miss, or a list of the choices."""
    options = sorted(str(c) for c in choices)
    close = difflib.get_close_matches(str(word), options, n=1, cutoff=0.6)
    if close:
        return f"; did you mean {close[0]!r}?"
    if not options:
        return "; none are defined"
    shown = ", ".join(options[:12]) + (", ..." if len(options) > 12 else "")
    return f"; known: {shown}"
