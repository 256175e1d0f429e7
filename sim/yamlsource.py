"""Reading YAML safely, with the line of every value.

Scenario files come from users and may be hostile. This module turns bytes into plain Python
data (dicts, lists, scalars) and a map from each value's path to its line, and refuses:

* files that are missing, directories, unreadable, binary, not UTF-8, or empty;
* YAML syntax errors (tabs, bad indentation, unclosed brackets), with the parser's line;
* **duplicate keys**, which PyYAML would silently let the last one win;
* nesting deeper than :data:`MAX_DEPTH`, checked on the event stream before the recursive
  composer runs, so deep input can never raise ``RecursionError``;
* alias bombs ("billion laughs"): expansion stops after :data:`MAX_NODES` values;
* any tag that would construct an object: only the safe core schema is resolved.

Nothing here knows what a scenario is; :mod:`sim.loader` gives the data its meaning.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import yaml

from .problems import TOP, Path, Problem, ScenarioError, dotted

MAX_DEPTH = 64
MAX_NODES = 200_000
MAX_BYTES = 20_000_000


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
    def __init__(self) -> None:
        self.nodes = 0


def _fail(file: str, line: int, path: Path, message: str) -> ScenarioError:
    return ScenarioError([Problem(file, line, dotted(path), message)])


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
        raise _fail(name, 1, (), f"is larger than {MAX_BYTES // 1_000_000} MB; a scenario is a small text file")
    if b"\x00" in raw:
        line = raw[: raw.index(b"\x00")].count(b"\n") + 1
        raise _fail(name, line, (), "contains NUL bytes: this is a binary file, not YAML text")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise _fail(name, line, (), f"is not UTF-8 text (bad byte 0x{raw[exc.start]:02x}); save it as UTF-8") from None
    return text.removeprefix("\ufeff")


def _check_depth(file: str, text: str) -> None:
    depth = 0
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, yaml.MappingStartEvent | yaml.SequenceStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    line = event.start_mark.line + 1 if event.start_mark else 1
                    raise _fail(file, line, (), f"nesting is deeper than {MAX_DEPTH} levels; a scenario needs a handful")
            elif isinstance(event, yaml.MappingEndEvent | yaml.SequenceEndEvent):
                depth -= 1
    except yaml.MarkedYAMLError as exc:
        raise _yaml_problem(file, exc) from None
    except yaml.YAMLError as exc:
        raise _fail(file, 1, (), f"is not valid YAML: {exc}") from None


def _yaml_problem(file: str, exc: yaml.MarkedYAMLError) -> ScenarioError:
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 1 if mark is not None else 1
    what = " ".join(str(x) for x in (exc.context, exc.problem) if x)
    hint = ""
    if "\\t" in what or "'\\t'" in what or "tab" in what.lower():
        hint = "; indent with spaces, not tabs"
    elif "indentation" in what or "mapping values are not allowed" in what:
        hint = "; check the indentation of this line and the one above"
    return _fail(file, line, (), f"YAML syntax error: {what}{hint}")


def _convert(
    node: yaml.Node, path: Path, src: Source, ctor: yaml.constructor.SafeConstructor,
    budget: _Budget, depth: int,
) -> Any:
    budget.nodes += 1
    if budget.nodes > MAX_NODES:
        raise _fail(src.file, node.start_mark.line + 1, path,
                    f"expands to more than {MAX_NODES:,} values (an alias bomb?); write the data out plainly")
    if depth > MAX_DEPTH:
        raise _fail(src.file, node.start_mark.line + 1, path,
                    f"nesting is deeper than {MAX_DEPTH} levels (a recursive alias?)")
    src.lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise _fail(src.file, key_node.start_mark.line + 1, path,
                            "a key must be a plain word or number, not a list or mapping")
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise _fail(src.file, key_node.start_mark.line + 1, path,
                            "merge keys (<<) are not supported; write the values out")
            key = ctor.construct_object(key_node)
            if isinstance(key, bool) or key is None:
                key = key_node.value
            key = key if isinstance(key, str | int) else str(key)
            sub = (*path, key)
            if key in out:
                first = src.lines.get(sub, "?")
                raise _fail(src.file, key_node.start_mark.line + 1, sub,
                            f"duplicate key (first given on line {first}); give each key once")
            src.lines[sub] = key_node.start_mark.line + 1
            out[key] = _convert(value_node, sub, src, ctor, budget, depth + 1)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [
            _convert(item, (*path, i), src, ctor, budget, depth + 1)
            for i, item in enumerate(node.value)
        ]
    try:
        return ctor.construct_object(node)
    except yaml.constructor.ConstructorError as exc:
        raise _fail(src.file, node.start_mark.line + 1, path,
                    f"cannot be read: {exc.problem}; write a plain number, string or date") from None
    except ValueError as exc:  # e.g. an impossible date such as 2026-02-30
        raise _fail(src.file, node.start_mark.line + 1, path,
                    f"is not a valid value ({exc}); dates are YYYY-MM-DD") from None


class _StrictSafeLoader(yaml.SafeLoader):
    """SafeLoader that refuses every tag it does not know instead of guessing."""


def _unknown_tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    raise yaml.constructor.ConstructorError(
        None, None, f"the tag {node.tag!r} is not allowed", node.start_mark
    )


_StrictSafeLoader.add_multi_constructor("!", _unknown_tag)
_StrictSafeLoader.add_multi_constructor("tag:", _unknown_tag)


def parse_yaml(text: str, file: str) -> Source:
    """Parse YAML text into a :class:`Source`, or raise :class:`ScenarioError`."""
    _check_depth(file, text)
    loader = _StrictSafeLoader(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        raise _yaml_problem(file, exc) from None
    except yaml.YAMLError as exc:
        raise _fail(file, 1, (), f"is not valid YAML: {exc}") from None
    finally:
        loader.dispose()
    src = Source(file=file, data=None)
    if node is None:
        raise _fail(file, 1, (), "the file is empty; a scenario needs at least name, start, "
                    "horizon_days, sites, fleets, routes and phases")
    for tag_node in _walk_tags(node):
        if tag_node.tag.startswith("!") or not tag_node.tag.startswith("tag:yaml.org,2002:"):
            raise _fail(file, tag_node.start_mark.line + 1, (),
                        f"the tag {tag_node.tag!r} is not allowed; only plain YAML values are")
    src.data = _convert(node, (), src, loader, _Budget(), 0)
    src.lines[()] = 1
    return src


def _walk_tags(node: yaml.Node) -> Iterator[yaml.Node]:
    seen: set[int] = set()
    stack = [node]
    while stack:
        n = stack.pop()
        if id(n) in seen:
            continue
        seen.add(id(n))
        yield n
        if isinstance(n, yaml.MappingNode):
            for k, v in n.value:
                stack.extend((k, v))
        elif isinstance(n, yaml.SequenceNode):
            stack.extend(n.value)


def load_source(path: str) -> Source:
    """Read and parse a scenario file, refusing anything unsafe or malformed."""
    src = parse_yaml(read_text(path), str(path))
    if not isinstance(src.data, dict):
        kind = type(src.data).__name__
        raise _fail(str(path), 1, (), f"the top level must be a mapping of keys (name:, sites:, ...), not a {kind}")
    return src


__all__ = ["MAX_DEPTH", "MAX_NODES", "TOP", "Source", "load_source", "parse_yaml", "read_text"]
