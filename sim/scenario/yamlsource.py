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
* tags, keys and scalars that :mod:`.yamlvalues` does not allow (only the plain core tags,
  scalar keys, integers of at most :data:`MAX_DIGITS` digits, values their tag can read).

Text without anchors is read in one pass over libyaml's events (:mod:`.yamlevents`, about
three times faster on a large file); text with anchors, and anything that reader hands back
(a syntax error, several documents), is composed into nodes here, so every message and line
is the same whichever way the text was read.

Nothing here knows what a scenario is; :mod:`sim.loader` gives the data its meaning.
"""

from __future__ import annotations

import math
import os
import re
from typing import Any

import yaml

from .problems import TOP, Path, ScenarioError
from .yamlevents import ANCHOR, Fallback, read_events
from .yamlvalues import (
    FAST_PARSER,
    MAX_DEPTH,
    MAX_DIGITS,
    AliasNode,
    FastStrictLoader,
    Source,
    StrictSafeLoader,
    check_tag,
    duplicate_key,
    fail,
    read_key,
    read_scalar,
)

MAX_NODES = 200_000
MAX_BYTES = 20_000_000
_BOMS = (
    (b"\xff\xfe\x00\x00", "UTF-32"),
    (b"\x00\x00\xfe\xff", "UTF-32"),
    (b"\xff\xfe", "UTF-16"),
    (b"\xfe\xff", "UTF-16"),
)
_LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")  # as PyYAML counts lines
_OPENED = ("while scanning a simple key", "while parsing a flow", "while scanning a quoted")
_TOO_MANY = f"expands to more than {MAX_NODES:,} values (an alias bomb?); write the data out plainly"


class _Budget:
    """How many values have been built so far, and the containers being built right now."""

    def __init__(self, limit: float = MAX_NODES) -> None:
        self.nodes = 0
        self.limit = limit
        self.active: set[int] = set()


def _line_before(prefix: str) -> int:
    """The line on which the text after ``prefix`` starts."""
    return len(_LINE_BREAK.findall(prefix)) + 1


def read_text(path: str) -> str:
    """Read a file as UTF-8 text, refusing anything that is not a readable text file."""
    name = str(path)
    if not os.path.exists(name):
        raise fail(name, 1, (), "no such file; check the path")
    if os.path.isdir(name):
        raise fail(name, 1, (), "is a directory, not a scenario file; name a .yaml file")
    try:
        with open(name, "rb") as fh:
            raw = fh.read(MAX_BYTES + 1)
    except OSError as exc:
        raise fail(name, 1, (), f"cannot be read ({exc.strerror}); check its permissions") from None
    if len(raw) > MAX_BYTES:
        raise fail(
            name, 1, (), f"is larger than {MAX_BYTES // 1_000_000} MB; a scenario is a small text file"
        )
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            raise fail(name, 1, (), f"is {encoding} text; save it as UTF-8")
    if b"\x00" in raw:
        line = _line_before(raw[: raw.index(b"\x00")].decode("utf-8", "replace"))
        raise fail(name, line, (), "contains NUL bytes: this is a binary file, not YAML text")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = _line_before(raw[: exc.start].decode("utf-8"))
        raise fail(
            name, line, (), f"is not UTF-8 text (bad byte 0x{raw[exc.start]:02x}); save it as UTF-8"
        ) from None
    return text.removeprefix("\ufeff")


def _check_characters(file: str, text: str) -> None:
    bad = yaml.reader.Reader.NON_PRINTABLE.search(text)
    if bad:
        raise fail(
            file,
            _line_before(text[: bad.start()]),
            (),
            f"contains the non-printable character U+{ord(bad.group()):04X}, "
            "which YAML does not allow; delete it",
        )


def _check_depth(file: str, text: str) -> None:
    """Refuse nesting deeper than :data:`MAX_DEPTH`, on the event stream, before composing.

    The events are read with libyaml where it is available (several times faster); if it
    finds the text malformed, the pure-Python parser reads it again, so that a syntax error
    is always reported with the same message and line.
    """
    if FAST_PARSER is not None:
        try:
            _deepest(file, yaml.parse(text, Loader=FAST_PARSER))
            return
        except yaml.YAMLError:
            pass
    try:
        _deepest(file, yaml.parse(text, Loader=yaml.SafeLoader))
    except yaml.MarkedYAMLError as exc:
        raise _yaml_problem(file, exc) from None
    except yaml.YAMLError as exc:
        raise fail(file, 1, (), f"is not valid YAML: {exc}") from None


def _deepest(file: str, events: Any) -> None:
    depth = 0
    for event in events:
        if isinstance(event, yaml.MappingStartEvent | yaml.SequenceStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                line = event.start_mark.line + 1 if event.start_mark else 1
                raise fail(
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
    return fail(file, line, (), f"YAML syntax error: {what}{hint}")


def _target(node: yaml.Node) -> yaml.Node:
    return node.value if isinstance(node, AliasNode) else node


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
            key = index if key_node is None else read_key(_target(key_node), ctor, file, line, ())
            raise fail(file, line, (key,), _TOO_MANY)


def _convert(
    node: yaml.Node,
    path: Path,
    src: Source,
    ctor: yaml.constructor.SafeConstructor,
    budget: _Budget,
) -> Any:
    line = src.lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, AliasNode):
        node = node.value
        if id(node) in budget.active:
            raise fail(
                src.file,
                line,
                path,
                "a recursive alias: this value contains itself; write the data out plainly",
            )
    budget.nodes += 1
    top = path[:1]  # what goes wrong below here is reported at its top-level key
    if budget.nodes > budget.limit:  # a backstop: _check_size refuses bombs before this
        raise fail(src.file, src.lines.get(top, 1), top, _TOO_MANY)
    if len(path) > MAX_DEPTH:
        raise fail(
            src.file,
            src.lines.get(top, 1),
            top,
            f"nesting is deeper than {MAX_DEPTH} "
            "levels once aliases are expanded; write the data out plainly",
        )
    check_tag(node, src.file, line, path, "plain values without tags")
    if isinstance(node, yaml.ScalarNode):
        return read_scalar(node, ctor, src.file, line, path)
    budget.active.add(id(node))
    try:
        if isinstance(node, yaml.SequenceNode):
            return [_convert(item, (*path, i), src, ctor, budget) for i, item in enumerate(node.value)]
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key_line = key_node.start_mark.line + 1
            key = read_key(_target(key_node), ctor, src.file, key_line, path)
            sub = (*path, key)
            if key in out:
                raise duplicate_key(src.file, key_line, sub, src.lines.get(sub))
            src.lines[sub] = key_line
            out[key] = _convert(value_node, sub, src, ctor, budget)
        return out
    finally:
        budget.active.discard(id(node))


def parse_yaml(text: str, file: str) -> Source:
    """Parse YAML text into a :class:`Source`, or raise :class:`ScenarioError`.

    Text with no content (blanks, comments, a bare ``---``) gives ``data`` None. Text
    without anchors is read in one pass over libyaml's events (:mod:`.yamlevents`); anything
    that reader hands back, and all text with anchors, is composed by :func:`compose_yaml`.
    """
    _check_characters(file, text)
    if FastStrictLoader is not None and not ANCHOR.search(text):
        try:
            return read_events(text, file)
        except Fallback:
            pass
    return compose_yaml(text, file)


def compose_yaml(text: str, file: str) -> Source:
    """Parse YAML text by composing nodes: the exact path, for anchors, aliases and errors.

    The nesting depth is checked on the event stream first, aliases are sized before
    anything is built, and a syntax error is reported by the pure-Python parser, whose
    messages and marks are the ones documented.
    """
    _check_characters(file, text)
    _check_depth(file, text)
    fast = FastStrictLoader is not None and not ANCHOR.search(text)
    loader = FastStrictLoader(text) if fast else StrictSafeLoader(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        raise _yaml_problem(file, exc) from None
    except yaml.YAMLError as exc:
        raise fail(file, 1, (), f"is not valid YAML: {exc}") from None
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
        raise fail(
            str(path),
            1,
            (),
            "the file is empty; a scenario needs at least name, start, "
            "horizon_days, sites, fleets, routes and phases",
        )
    if not isinstance(src.data, dict):
        kind = type(src.data).__name__
        raise fail(
            str(path), 1, (), f"the top level must be a mapping of keys (name:, sites:, ...), not a {kind}"
        )
    return src


__all__ = [
    "MAX_DEPTH",
    "MAX_DIGITS",
    "MAX_NODES",
    "TOP",
    "Source",
    "compose_yaml",
    "load_source",
    "parse_yaml",
    "read_text",
]
