"""Reading YAML safely, with the line of every value.

Scenario files come from users and may be hostile. This module turns bytes into plain Python
data (dicts, lists, scalars) and a map from each value's path to its line, and refuses:

* files that are missing, directories, unreadable, binary, UTF-16/32 or otherwise not UTF-8,
  or empty (nothing but blanks, comments or a bare ``---``);
* characters YAML does not allow (control characters), at the line where the first one is;
* YAML syntax errors (tabs, bad indentation, unclosed brackets and quotes), at the line of
  the mistake: an unclosed bracket is reported where it opens, not where the parser noticed;
* **duplicate keys**, which PyYAML would silently let the last one win;
* nesting deeper than :data:`MAX_DEPTH`, checked on the event stream before the recursive
  composer runs, so deep input can never raise ``RecursionError``;
* recursive aliases, at the alias that refers back to its own ancestor;
* alias bombs ("billion laughs"): each value's expanded size is computed once, before it is
  built, and the top-level key that would take the total past :data:`MAX_NODES` is refused;
* any tag but the plain core ones (``!!str``, ``!!int``, ``!!float``, ``!!bool``, ``!!null``,
  ``!!timestamp``, ``!!map``, ``!!seq``), on keys and values alike, before the value is built;
* integers of more than :data:`MAX_DIGITS` digits, and values their tag cannot read
  (``!!bool maybe``, ``2026-02-30``).

As in YAML 1.2, an exponent needs neither a dot nor a sign to make a number (``1e300`` and
``2.5e3`` are numbers, not text), and a lone ``=`` is text, not YAML 1.1's "value" tag.

Nothing here knows what a scenario is; :mod:`sim.loader` gives the data its meaning.
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from .problems import TOP, Path, Problem, ScenarioError, dotted

MAX_DEPTH = 64
MAX_NODES = 200_000
MAX_BYTES = 20_000_000
MAX_DIGITS = 300

_CORE = "tag:yaml.org,2002:"
_MERGE = _CORE + "merge"
_SCALAR_TAGS = frozenset(_CORE + t for t in ("str", "int", "float", "bool", "null", "timestamp"))
_TAGS: dict[type[yaml.Node], frozenset[str]] = {
    yaml.ScalarNode: _SCALAR_TAGS,
    yaml.SequenceNode: frozenset({_CORE + "seq"}),
    yaml.MappingNode: frozenset({_CORE + "map"}),
}
_READ_AS = {
    "int": "a whole number",
    "float": "a number",
    "bool": "true or false",
    "timestamp": "a valid date",
}
_BOMS = (
    (b"\xff\xfe\x00\x00", "UTF-32"),
    (b"\x00\x00\xfe\xff", "UTF-32"),
    (b"\xff\xfe", "UTF-16"),
    (b"\xfe\xff", "UTF-16"),
)
_LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")  # as PyYAML counts lines
_OPENED = ("while scanning a simple key", "while parsing a flow", "while scanning a quoted")
_TOO_MANY = f"expands to more than {MAX_NODES:,} values (an alias bomb?); write the data out plainly"
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


class _Budget:
    """How many values have been built so far, and the containers being built right now."""

    def __init__(self, limit: float = MAX_NODES) -> None:
        self.nodes = 0
        self.limit = limit
        self.active: set[int] = set()


class _AliasNode(yaml.Node):
    """One use of an alias (``*name``): the node it stands for, at the alias's own position."""

    id = "alias"


def _fail(file: str, line: int, path: Path, message: str) -> ScenarioError:
    return ScenarioError([Problem(file, line, dotted(path), message)])


def _line_before(prefix: str) -> int:
    """The line on which the text after ``prefix`` starts."""
    return len(_LINE_BREAK.findall(prefix)) + 1


def read_text(path: str) -> str:
    """Read a file as UTF-8 text, refusing anything that is not a readable text file."""
    name = str(path)
    if not os.path.exists(name):
        raise _fail(name, 1, (), "no such file; check the path")
    if os.path.isdir(name):
        raise _fail(name, 1, (), "is a directory, not a scenario file; name a .yaml file")
    try:
        with open(name, "rb") as fh:
            raw = fh.read(MAX_BYTES + 1)
    except OSError as exc:
        raise _fail(name, 1, (), f"cannot be read ({exc.strerror}); check its permissions") from None
    if len(raw) > MAX_BYTES:
        raise _fail(
            name, 1, (), f"is larger than {MAX_BYTES // 1_000_000} MB; a scenario is a small text file"
        )
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            raise _fail(name, 1, (), f"is {encoding} text; save it as UTF-8")
    if b"\x00" in raw:
        line = _line_before(raw[: raw.index(b"\x00")].decode("utf-8", "replace"))
        raise _fail(name, line, (), "contains NUL bytes: this is a binary file, not YAML text")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = _line_before(raw[: exc.start].decode("utf-8"))
        raise _fail(
            name, line, (), f"is not UTF-8 text (bad byte 0x{raw[exc.start]:02x}); save it as UTF-8"
        ) from None
    return text.removeprefix("\ufeff")


def _check_characters(file: str, text: str) -> None:
    bad = yaml.reader.Reader.NON_PRINTABLE.search(text)
    if bad:
        raise _fail(
            file,
            _line_before(text[: bad.start()]),
            (),
            f"contains the non-printable character U+{ord(bad.group()):04X}, "
            "which YAML does not allow; delete it",
        )


_FAST_PARSER: Any = getattr(yaml, "CSafeLoader", None)
"""libyaml's parser, where PyYAML was built with it: the depth check reads only events."""


def _check_depth(file: str, text: str) -> None:
    """Refuse nesting deeper than :data:`MAX_DEPTH`, on the event stream, before composing.

    The events are read with libyaml where it is available (several times faster); if it
    finds the text malformed, the pure-Python parser reads it again, so that a syntax error
    is always reported with the same message and line.
    """
    if _FAST_PARSER is not None:
        try:
            _deepest(file, yaml.parse(text, Loader=_FAST_PARSER))
            return
        except yaml.YAMLError:
            pass
    try:
        _deepest(file, yaml.parse(text, Loader=yaml.SafeLoader))
    except yaml.MarkedYAMLError as exc:
        raise _yaml_problem(file, exc) from None
    except yaml.YAMLError as exc:
        raise _fail(file, 1, (), f"is not valid YAML: {exc}") from None


def _deepest(file: str, events: Any) -> None:
    depth = 0
    for event in events:
        if isinstance(event, yaml.MappingStartEvent | yaml.SequenceStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                line = event.start_mark.line + 1 if event.start_mark else 1
                raise _fail(
                    file,
                    line,
                    (),
                    f"nesting is deeper than {MAX_DEPTH} levels; a scenario needs a handful",
                )
        elif isinstance(event, yaml.MappingEndEvent | yaml.SequenceEndEvent):
            depth -= 1


def _yaml_problem(file: str, exc: yaml.MarkedYAMLError) -> ScenarioError:
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 1 if mark is not None else 1
    what = " ".join(str(x) for x in (exc.context, exc.problem) if x)
    hint = ""
    start = exc.context_mark
    opened = str(exc.context or "").startswith(_OPENED)
    if opened and start is not None and mark is not None and start.line < mark.line:
        # an unclosed bracket, quote or key: the mistake is where it starts, not where the
        # parser gave up (which may be past the end of the file)
        hint = f" (noticed on line {line})"
        line = start.line + 1
    if "'\\t'" in what:
        hint += "; indent with spaces, not tabs"
    elif "indentation" in what or "mapping values are not allowed" in what or "expected <block end>" in what:
        hint += "; check the indentation of this line and the one above"
    return _fail(file, line, (), f"YAML syntax error: {what}{hint}")


def _shown(tag: str) -> str:
    return "!!" + tag.removeprefix(_CORE) if tag.startswith(_CORE) else tag


def _target(node: yaml.Node) -> yaml.Node:
    return node.value if isinstance(node, _AliasNode) else node


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [value for _, value in node.value]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _expanded_size(node: yaml.Node, sizes: dict[int, int]) -> int:
    """How many values ``node`` stands for once its aliases are expanded.

    Each node is sized once (children first, without recursion) and remembered in ``sizes``,
    so a billion laughs costs one pass over the nodes actually written. Sizes stop growing
    past :data:`MAX_NODES`. A recursive alias counts as one value here; building the data
    reports it.
    """
    stack = [(_target(node), False)]
    started: set[int] = set()
    while stack:
        n, children_done = stack.pop()
        if id(n) in sizes:
            continue
        kids = [_target(k) for k in _children(n)]
        if children_done:
            sizes[id(n)] = min(MAX_NODES + 1, 1 + sum(sizes.get(id(k), 1) for k in kids))
        elif id(n) not in started:
            started.add(id(n))
            stack.append((n, True))
            stack.extend((k, False) for k in kids)
    return sizes[id(_target(node))]


def _check_size(root: yaml.Node, file: str, ctor: yaml.constructor.SafeConstructor) -> None:
    """Refuse an alias bomb before building anything, at the top-level entry that sets it off."""
    sizes: dict[int, int] = {}
    if _expanded_size(root, sizes) <= MAX_NODES:
        return
    total = 1
    for index, entry in enumerate(root.value):  # too big, so a mapping or a sequence
        key_node, value = entry if isinstance(root, yaml.MappingNode) else (None, entry)
        total += sizes.get(id(_target(value)), 1)
        if total > MAX_NODES:
            line = (key_node or value).start_mark.line + 1
            key = index if key_node is None else _key(_target(key_node), ctor, file, line, ())
            raise _fail(file, line, (key,), _TOO_MANY)


def _convert(
    node: yaml.Node,
    path: Path,
    src: Source,
    ctor: yaml.constructor.SafeConstructor,
    budget: _Budget,
) -> Any:
    line = src.lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, _AliasNode):
        node = node.value
        if id(node) in budget.active:
            raise _fail(
                src.file,
                line,
                path,
                "a recursive alias: this value contains itself; write the data out plainly",
            )
    budget.nodes += 1
    top = path[:1]  # what goes wrong below here is reported at its top-level key
    if budget.nodes > budget.limit:  # a backstop: _check_size refuses bombs before this
        raise _fail(src.file, src.lines.get(top, 1), top, _TOO_MANY)
    if len(path) > MAX_DEPTH:
        raise _fail(
            src.file,
            src.lines.get(top, 1),
            top,
            f"nesting is deeper than {MAX_DEPTH} "
            "levels once aliases are expanded; write the data out plainly",
        )
    _check_tag(node, src.file, line, path, "plain values without tags")
    if isinstance(node, yaml.ScalarNode):
        return _scalar(node, ctor, src.file, line, path)
    budget.active.add(id(node))
    try:
        if isinstance(node, yaml.SequenceNode):
            return [_convert(item, (*path, i), src, ctor, budget) for i, item in enumerate(node.value)]
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key_line = key_node.start_mark.line + 1
            key = _key(_target(key_node), ctor, src.file, key_line, path)
            sub = (*path, key)
            if key in out:
                raise _fail(
                    src.file,
                    key_line,
                    sub,
                    f"duplicate key (first given on line {src.lines.get(sub, '?')}); give each key once",
                )
            src.lines[sub] = key_line
            out[key] = _convert(value_node, sub, src, ctor, budget)
        return out
    finally:
        budget.active.discard(id(node))


def _check_tag(node: yaml.Node, file: str, line: int, path: Path, instead: str) -> None:
    if node.tag == _MERGE:
        raise _fail(
            file,
            line,
            path,
            "merge keys (<<) are not supported; write the values out (or quote '<<' if you mean the text)",
        )
    if node.tag not in _TAGS.get(type(node), frozenset()):
        raise _fail(file, line, path, f"the tag {_shown(node.tag)!r} is not allowed here; write {instead}")


def _key(
    node: yaml.Node, ctor: yaml.constructor.SafeConstructor, file: str, line: int, path: Path
) -> str | int:
    if not isinstance(node, yaml.ScalarNode):
        raise _fail(file, line, path, "a key must be a plain word or number, not a list or mapping")
    _check_tag(node, file, line, path, "a plain word as the key")
    key = _scalar(node, ctor, file, line, path)
    return key if type(key) in (str, int) else str(node.value)  # true, null, 1.50: as written


def _scalar(
    node: yaml.ScalarNode, ctor: yaml.constructor.SafeConstructor, file: str, line: int, path: Path
) -> Any:
    kind = node.tag.removeprefix(_CORE)
    digits = len(node.value.lstrip("+-").replace("_", "")) if kind == "int" else 0
    if digits > MAX_DIGITS:
        raise _fail(
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
        raise _fail(file, line, path, f"{node.value!r} is not {what}{detail}{hint}") from None


class _StrictSafeLoader(yaml.SafeLoader):
    """SafeLoader that keeps where each alias is used, reads ``1e300`` as a number and ``=``
    as text."""

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        if not self.check_event(yaml.AliasEvent):
            return super().compose_node(parent, index)
        mark = self.current_event.start_mark  # the alias event check_event just looked at
        self.aliased = True
        target = super().compose_node(parent, index)
        return None if target is None else _AliasNode(target.tag, target, mark, mark)


_StrictSafeLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != _CORE + "value"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_StrictSafeLoader.add_implicit_resolver(_CORE + "float", _EXPONENT, list("-+.0123456789"))


_FastStrictLoader: Any = None
if _FAST_PARSER is not None:

    class _FastStrictLoader(_FAST_PARSER):  # type: ignore[no-redef,misc]
        """libyaml's composer, same resolvers, for text without anchors: 3x faster, same marks."""

    _FastStrictLoader.yaml_implicit_resolvers = _StrictSafeLoader.yaml_implicit_resolvers

_ANCHOR = re.compile(r"[&*][^\s]")


def parse_yaml(text: str, file: str) -> Source:
    """Parse YAML text into a :class:`Source`, or raise :class:`ScenarioError`.

    Text with no content (blanks, comments, a bare ``---``) gives ``data`` None.
    """
    _check_characters(file, text)
    _check_depth(file, text)
    fast = _FastStrictLoader is not None and not _ANCHOR.search(text)
    loader = _FastStrictLoader(text) if fast else _StrictSafeLoader(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        raise _yaml_problem(file, exc) from None
    except yaml.YAMLError as exc:
        raise _fail(file, 1, (), f"is not valid YAML: {exc}") from None
    finally:
        loader.dispose()
    src = Source(file=file, data=None)
    if node is not None:
        # only aliases make data bigger than the text: a long file written out plainly (a
        # large theatre under the size cap) is not an alias bomb
        aliased = getattr(loader, "aliased", False)
        if aliased:
            _check_size(node, file, loader)
        src.data = _convert(node, (), src, loader, _Budget(MAX_NODES if aliased else math.inf))
    src.lines[()] = 1
    return src


def load_source(path: str) -> Source:
    """Read and parse a scenario file, refusing anything unsafe or malformed."""
    src = parse_yaml(read_text(path), str(path))
    if src.data is None:
        raise _fail(
            str(path),
            1,
            (),
            "the file is empty; a scenario needs at least name, start, "
            "horizon_days, sites, fleets, routes and phases",
        )
    if not isinstance(src.data, dict):
        kind = type(src.data).__name__
        raise _fail(
            str(path), 1, (), f"the top level must be a mapping of keys (name:, sites:, ...), not a {kind}"
        )
    return src


__all__ = [
    "MAX_DEPTH",
    "MAX_DIGITS",
    "MAX_NODES",
    "TOP",
    "Source",
    "load_source",
    "parse_yaml",
    "read_text",
]
