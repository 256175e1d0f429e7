"""What a YAML value in a scenario may be: the allowed tags, keys and scalars, and the loaders.

Both ways of reading YAML text (:mod:`.yamlevents`, one pass over libyaml's events, and
:mod:`.yamlsource`, composing nodes) use these checks, so a value is accepted or refused with
the same message whichever way the text was read:

* any tag but the plain core ones (``!!str``, ``!!int``, ``!!float``, ``!!bool``, ``!!null``,
  ``!!timestamp``, ``!!map``, ``!!seq``) is refused, on keys and values alike, before the
  value is built; merge keys (``<<``) are refused with their own message;
* a key must be a scalar; ``true``, ``null`` or ``1.50`` as a key is kept as written;
* integers of more than :data:`MAX_DIGITS` digits, and values their tag cannot read
  (``!!bool maybe``, ``2026-02-30``), are refused.

As in YAML 1.2, an exponent needs neither a dot nor a sign to make a number (``1e300`` and
``2.5e3`` are numbers, not text), and a lone ``=`` is text, not YAML 1.1's "value" tag.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from .problems import Path, Problem, ScenarioError, dotted

MAX_DEPTH = 64
MAX_DIGITS = 300

CORE = "tag:yaml.org,2002:"
STR = CORE + "str"
_MERGE = CORE + "merge"
_SCALAR_TAGS = frozenset(CORE + t for t in ("str", "int", "float", "bool", "null", "timestamp"))
_TAGS: dict[type[yaml.Node], frozenset[str]] = {
    yaml.ScalarNode: _SCALAR_TAGS,
    yaml.SequenceNode: frozenset({CORE + "seq"}),
    yaml.MappingNode: frozenset({CORE + "map"}),
}
_READ_AS = {
    "int": "a whole number",
    "float": "a number",
    "bool": "true or false",
    "timestamp": "a valid date",
}
_EXPONENT = re.compile(r"^[-+]?(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9][0-9_]*)[eE][-+]?[0-9]+$")


@dataclass
class Source:
    """Parsed YAML data plus the line (1-based) of each path in it."""

    file: str
    data: Any
    lines: dict[Path, int] = field(default_factory=dict)

    def line_of(self, path: Path) -> int:
        """The line of ``path``, or of its nearest located ancestor (line 1 at worst)."""
        p = tuple(path)
        while p:
            if p in self.lines:
                return self.lines[p]
            p = p[:-1]
        return self.lines.get((), 1)


def fail(file: str, line: int, path: Path, message: str) -> ScenarioError:
    return ScenarioError([Problem(file, line, dotted(path), message)])


def _shown(tag: str) -> str:
    return "!!" + tag.removeprefix(CORE) if tag.startswith(CORE) else tag


def duplicate_key(file: str, line: int, path: Path, first: int | None) -> ScenarioError:
    """The refusal of a key given twice in one mapping (PyYAML would let the last one win)."""
    return fail(file, line, path, f"duplicate key (first given on line {first or '?'}); give each key once")


def check_tag(node: yaml.Node, file: str, line: int, path: Path, instead: str) -> None:
    if node.tag == _MERGE:
        raise fail(
            file,
            line,
            path,
            "merge keys (<<) are not supported; write the values out (or quote '<<' if you mean the text)",
        )
    if node.tag not in _TAGS.get(type(node), frozenset()):
        raise fail(file, line, path, f"the tag {_shown(node.tag)!r} is not allowed here; write {instead}")


def read_key(
    node: yaml.Node, ctor: yaml.constructor.SafeConstructor, file: str, line: int, path: Path
) -> str | int:
    if not isinstance(node, yaml.ScalarNode):
        raise fail(file, line, path, "a key must be a plain word or number, not a list or mapping")
    check_tag(node, file, line, path, "a plain word as the key")
    key = read_scalar(node, ctor, file, line, path)
    return key if type(key) in (str, int) else str(node.value)  # true, null, 1.50: as written


def read_scalar(
    node: yaml.ScalarNode, ctor: yaml.constructor.SafeConstructor, file: str, line: int, path: Path
) -> Any:
    kind = node.tag.removeprefix(CORE)
    digits = len(node.value.lstrip("+-").replace("_", "")) if kind == "int" else 0
    if digits > MAX_DIGITS:
        raise fail(
            file,
            line,
            path,
            f"the number {node.value[:12]}... ({digits} digits) is too large; write a realistic figure",
        )
    try:
        return ctor.construct_object(node)
    except (ValueError, LookupError, AttributeError) as exc:  # an explicit tag on the wrong text
        detail = f" ({exc})" if isinstance(exc, ValueError) else ""
        what = _READ_AS.get(kind, "a valid value")
        hint = "; write dates as YYYY-MM-DD" if kind == "timestamp" else ""
        raise fail(file, line, path, f"{node.value!r} is not {what}{detail}{hint}") from None


FAST_PARSER: Any = getattr(yaml, "CSafeLoader", None)
"""libyaml's parser, where PyYAML was built with it: the depth check reads only events."""


class AliasNode(yaml.Node):
    """One use of an alias (``*name``): the node it stands for, at the alias's own position."""

    id = "alias"


class StrictSafeLoader(yaml.SafeLoader):
    """SafeLoader that keeps where each alias is used, reads ``1e300`` as a number and ``=``
    as text."""

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        if not self.check_event(yaml.AliasEvent):
            return super().compose_node(parent, index)
        mark = self.current_event.start_mark  # the alias event check_event just looked at
        self.aliased = True
        target = super().compose_node(parent, index)
        return None if target is None else AliasNode(target.tag, target, mark, mark)


StrictSafeLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != CORE + "value"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
StrictSafeLoader.add_implicit_resolver(CORE + "float", _EXPONENT, list("-+.0123456789"))


FastStrictLoader: Any = None
if FAST_PARSER is not None:

    class FastStrictLoader(FAST_PARSER):  # type: ignore[no-redef,misc]
        """libyaml's composer, same resolvers, for text without anchors: 3x faster, same marks."""

    FastStrictLoader.yaml_implicit_resolvers = StrictSafeLoader.yaml_implicit_resolvers

__all__ = [
    "CORE",
    "FAST_PARSER",
    "MAX_DEPTH",
    "MAX_DIGITS",
    "STR",
    "FastStrictLoader",
    "Source",
    "StrictSafeLoader",
    "check_tag",
    "duplicate_key",
    "fail",
    "read_key",
    "read_scalar",
]
