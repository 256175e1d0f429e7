"""Reading YAML in one pass over libyaml's events, for text without anchors.

Composing a node tree and then converting it costs about three times as much as the data
itself: every value becomes a node with two marks before it becomes a Python value. Text
without anchors or aliases (every real scenario) needs no tree, so :func:`read_events` builds
the data and the line of every value straight from the parser's events, with the checks of
:mod:`.yamlvalues` (tags, keys, duplicate keys, digits) and the nesting limit applied as the
events arrive. Anything it does not handle (an anchor, an alias, a second document, a syntax
error) raises :class:`Fallback`, and :mod:`.yamlsource` reads the text the exact, slower way,
so messages and lines never depend on which path read a file.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import yaml

from .problems import Path, ScenarioError
from .yamlvalues import (
    FAST_PARSER,
    MAX_DEPTH,
    STR,
    FastStrictLoader,
    Source,
    check_tag,
    duplicate_key,
    fail,
    read_key,
    read_scalar,
)

ANCHOR = re.compile(r"[&*][^\s]")
"""Text that may hold an anchor or an alias; such text is read by composing nodes."""


class Fallback(Exception):
    """The event reader met something only the full composer handles (anchors, a syntax error,
    several documents): read the text again the exact, slower way."""


def read_events(text: str, file: str) -> Source:
    """Build the data and its lines straight from libyaml's events, in one pass.

    For text without anchors this gives what composing nodes and converting them gives,
    with the same checks, messages and order: the nesting limit and syntax errors anywhere
    in the text come first (the composer checks them on the whole stream before building
    anything), then the first value refused in document order. No node tree is built.
    Anything unusual (an anchor, an alias, a second document, a syntax error) raises
    :class:`Fallback`.
    """
    builder = _Builder(file)
    first: ScenarioError | None = None
    depth = documents = 0
    try:
        events: Iterator[Any] = yaml.parse(text, Loader=FAST_PARSER)
        for event in events:
            kind = type(event)
            if kind is yaml.AliasEvent or (kind in _NODES and event.anchor is not None):
                raise Fallback
            if kind is yaml.DocumentStartEvent:
                documents += 1
                if documents > 1:
                    raise Fallback
            elif kind in _STARTS:
                depth += 1
                if depth > MAX_DEPTH:
                    raise fail(
                        file,
                        event.start_mark.line + 1,
                        (),
                        f"nesting is deeper than {MAX_DEPTH} levels; a scenario needs a handful",
                    )
            elif kind in _ENDS:
                depth -= 1
            if first is None and kind in _BUILT:
                try:
                    builder.take(event, kind)
                except ScenarioError as exc:  # keep reading: a later syntax error comes first
                    first = exc
    except yaml.YAMLError:
        raise Fallback from None
    finally:
        builder.ctor.dispose()
    if first is not None:
        raise first
    builder.src.lines[()] = 1
    return builder.src


_STARTS = (yaml.MappingStartEvent, yaml.SequenceStartEvent)
_ENDS = (yaml.MappingEndEvent, yaml.SequenceEndEvent)
_NODES = (yaml.ScalarEvent, *_STARTS)
_BUILT = (*_NODES, *_ENDS)


class _Builder:
    """The data being built from events: the open collections, their paths, pending keys."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.src = Source(file=file, data=None)
        self.ctor = FastStrictLoader("")
        self.stack: list[tuple[Any, Path]] = []  # open collections and their paths
        self.pending: list[Any] = []  # per open collection: a mapping's key awaiting its value

    def take(self, event: Any, kind: type) -> None:
        """Add one node event (or close a collection); raise ScenarioError on a refused value."""
        if kind in _ENDS:
            self.stack.pop()
            self.pending.pop()
            return
        file, line = self.file, event.start_mark.line + 1
        path = self._path(event, kind, line)
        if path is None:  # the event was a key
            return
        value: Any
        if kind is yaml.ScalarEvent:
            tag = _tag(event, self.ctor)
            if tag == STR:  # most values: text as written, nothing to check or construct
                value = event.value
            else:
                node = _node(event, tag)
                check_tag(node, file, line, path, "plain values without tags")
                value = read_scalar(node, self.ctor, file, line, path)
        else:
            node_type = yaml.MappingNode if kind is yaml.MappingStartEvent else yaml.SequenceNode
            tag = (
                event.tag
                if event.tag not in (None, "!")
                else self.ctor.resolve(node_type, None, event.implicit)
            )
            check_tag(node_type(tag, []), file, line, path, "plain values without tags")
            value = {} if kind is yaml.MappingStartEvent else []
        if not self.stack:
            self.src.data = value
        elif isinstance(self.stack[-1][0], list):
            self.stack[-1][0].append(value)
        else:
            self.stack[-1][0][path[-1]] = value
        if kind is not yaml.ScalarEvent:
            self.stack.append((value, path))
            self.pending.append(_NO_KEY)

    def _path(self, event: Any, kind: type, line: int) -> Path | None:
        """Where this node goes, with its line recorded; None if it is a mapping's key."""
        lines = self.src.lines
        if not self.stack:
            lines.setdefault((), line)
            return ()
        parent, ppath = self.stack[-1]
        if isinstance(parent, list):
            path: Path = (*ppath, len(parent))
            lines.setdefault(path, line)
            return path
        if self.pending[-1] is not _NO_KEY:
            path = (*ppath, self.pending[-1])
            self.pending[-1] = _NO_KEY
            return path
        if kind is not yaml.ScalarEvent:
            raise fail(self.file, line, ppath, "a key must be a plain word or number, not a list or mapping")
        tag = _tag(event, self.ctor)
        key = event.value if tag == STR else read_key(_node(event, tag), self.ctor, self.file, line, ppath)
        sub = (*ppath, key)
        if key in parent:
            raise duplicate_key(self.file, line, sub, lines.get(sub))
        lines[sub] = line
        self.pending[-1] = key
        return None


_NO_KEY = object()
"""No key is waiting for its value in this mapping."""


def _tag(event: Any, ctor: Any) -> str:
    """A scalar event's tag, resolved as the composer resolves it."""
    if event.tag in (None, "!"):
        return str(ctor.resolve(yaml.ScalarNode, event.value, event.implicit))
    return str(event.tag)


def _node(event: Any, tag: str) -> yaml.ScalarNode:
    return yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style)
