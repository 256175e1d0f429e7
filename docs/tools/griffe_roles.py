"""Let the API reference read posture's reStructuredText-flavoured docstrings as Markdown.

The docstrings of ``sim`` are written for ``help()`` and editors, with Sphinx roles
(``:func:`simulate```, ``:class:`~sim.Result```) and ``::`` before a literal block.
mkdocstrings renders docstrings as Markdown, where a role would show as ``:func:`` in front
of the name. This Griffe extension, named in mkdocs.yml (``extensions:``), rewrites each
docstring as it is loaded for the site only: a role becomes its target as code, ``~``
keeping the last name (``Result``) as Sphinx does and a leading dot dropped; a paragraph
ending in ``::`` ends in ``:`` (the indented block after it is code in Markdown too). The
source files are not touched.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

ROLE = re.compile(r":(?:py:)?(?:func|class|meth|mod|attr|data|exc|obj|const|ref):`(?P<target>[^`]+)`")
LITERAL = re.compile(r"(?<=\S)::$", re.M)


def _target(m: re.Match[str]) -> str:
    target = m.group("target")
    if target.startswith("~"):
        target = target.rsplit(".", 1)[-1]
    return f"`{target.lstrip('.')}`"


def markdown(docstring: str) -> str:
    """``docstring`` with its Sphinx roles and ``::`` markers in Markdown."""
    return LITERAL.sub(":", ROLE.sub(_target, docstring))


class SphinxRoles(griffe.Extension):
    """Rewrite every loaded object's docstring with :func:`markdown`."""

    def on_object(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = markdown(obj.docstring.value)
