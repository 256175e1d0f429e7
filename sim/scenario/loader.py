"""Loading a scenario: file -> overrides -> schema -> cross-checks -> a frozen Scenario.

This is the one way in for scenario data, used by the CLI and the Python API alike:

1. :mod:`sim.yamlsource` reads the file safely and remembers the line of every value;
2. ``--set dotted.key=value`` overrides are applied to the raw data, each key checked
   against the schema (desmod-style checked dotted keys, with "did you mean");
3. :mod:`sim.schema` (pydantic) checks every value's type and range;
4. :mod:`sim.validation` checks references, cycles, reachability and citations.

Every problem found becomes one ``FILE:LINE: dotted.key: message`` line in a single
:class:`~sim.problems.ScenarioError`, so the user sees all of them at once.
"""

from __future__ import annotations

import contextlib
import difflib
import gc
import re
import types
import typing
from collections.abc import Iterator, Sequence
from pathlib import Path as FsPath
from typing import Any

from pydantic import BaseModel, ValidationError

from .fields import PARAMETERS
from .parameters import declared_priors
from .problems import Path, Problem, ScenarioError, dotted, suggest
from .provenance import check_citations, uncited_figures
from .sanity import check_sanity
from .schema import EVENT_MODELS, EventBase, Scenario
from .validation import check_scenario
from .yamlsource import Source, load_source, parse_yaml

_INDEX = re.compile(r"\[(-?[0-9]+)\]")
_NUMBER = re.compile(r"-?[0-9]+")


def load_scenario(path: str | FsPath, overrides: Sequence[str] = (), events: Sequence[str] = ()) -> Scenario:
    """Load, override and validate a scenario file; raise :class:`ScenarioError` if bad.

    ``overrides`` are ``--set`` strings; ``events`` are ``--event`` strings, added to the
    scenario's ``events:`` for a what-if.
    """
    with collector_paused():
        src = load_source(str(path))
        origins = apply_overrides(src, overrides)
        origins.update(apply_events(src, events))
        return build_scenario(src, origins)


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for allocation-heavy work, then restore it.

    Reading a file builds millions of small containers, and a run allocates and frees many
    small objects; none of them form cycles that reference counting cannot free. With the
    collector running, its generation scans cost a third of reading a 20 MB file and a fifth
    of a large run. It is restored as it was (a caller that disabled it keeps it off). Used
    here while a file is read and validated, and by :func:`sim.engine.model.simulate`.
    """
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def apply_events(src: Source, events: Sequence[str]) -> dict[Path, tuple[str, str]]:
    """Append ``--event`` what-ifs to ``src.data['events']``; return where each came from."""
    origins: dict[Path, tuple[str, str]] = {}
    problems: list[Problem] = []
    for n, text in enumerate(events, start=1):
        try:
            event = parse_event_option(text)
        except ValueError as exc:
            shown = text if len(text) <= 80 else text[:77] + "..."
            problems.append(Problem("--event", str(n), "events", f"{exc}; got {shown!r}"))
            continue
        listed = src.data.setdefault("events", [])
        if not isinstance(listed, list):
            problems.append(Problem("--event", str(n), "events", "the scenario's events: is not a list"))
            continue
        listed.append(event)
        origins[("events", len(listed) - 1)] = ("--event", str(n))
    if problems:
        raise ScenarioError(problems)
    return origins


def build_scenario(src: Source, origins: dict[Path, tuple[str, str]] | None = None) -> Scenario:
    """Validate parsed data into a :class:`Scenario`, reporting every problem found."""
    origins = origins or {}
    try:
        scenario = Scenario.model_validate(src.data, context={PARAMETERS: declared_priors(src.data)})
    except ValidationError as exc:
        raise ScenarioError(sorted(_schema_problems(src, exc, origins), key=_order)) from None
    findings = check_sanity(scenario) + check_scenario(scenario) + check_citations(src.data, scenario)
    if findings:
        raise ScenarioError(sorted((_locate(src, p, m, origins) for p, m in findings), key=_order))
    return scenario


def provenance_problems(path: str | FsPath) -> list[Problem]:
    """Figures in a scenario file that cite no source and state no assumption."""
    src = load_source(str(path))
    return sorted((_locate(src, p, m, {}) for p, m in uncited_figures(src.data)), key=_order)


def _order(p: Problem) -> tuple[int, int, str]:
    """File problems by line, then ``--set`` problems by override number."""
    rank = {"--set": 1, "--vary": 2, "--event": 3}.get(p.file, 0)
    return (rank, int(p.line), p.key)


def _locate(src: Source, path: Path, message: str, origins: dict[Path, tuple[str, str]]) -> Problem:
    for n in range(len(path), 0, -1):
        if path[:n] in origins:
            kind, label = origins[path[:n]]
            return Problem(kind, label, dotted(path), message)
    return Problem(src.file, src.line_of(path), dotted(path), message)


def _data_path(data: Any, loc: Sequence[str | int]) -> Path:
    """Trim pydantic's loc to the part that names real keys in the data (drops union tags)."""
    out: list[str | int] = []
    node = data
    tagged = -1
    for part in loc:
        if tagged != len(out) and _is_event_tag(tuple(out), node, part):
            tagged = len(out)  # events[i].pause.days: 'pause' is the type pydantic chose, not a key
            continue
        if _holds(node, part):
            node = node[part]
        elif isinstance(node, dict) and isinstance(part, str) and not out_of_schema(part):
            out.append(part)  # a missing key: name it, then stop
            break
        else:
            break
        out.append(part)
    return tuple(out)


def _is_event_tag(path: Path, node: Any, part: str | int) -> bool:
    """Whether ``part`` is the tag pydantic's loc puts after an event: its ``type``."""
    return isinstance(node, dict) and part == node.get("type") and _type_at(path) is EventBase


def _holds(node: Any, part: str | int) -> bool:
    """Whether ``node[part]`` is a key or index that exists in the data."""
    if isinstance(node, dict):
        return part in node
    return isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)


def out_of_schema(part: str) -> bool:
    """Whether a loc part is a pydantic union/validator tag rather than a key."""
    return "[" in part or part in {"float", "int", "str", "bool", "date", "Distribution", "none"}


EVENT_TYPES = ", ".join(EVENT_MODELS)
"""The event types, for messages."""


def _schema_problems(
    src: Source, exc: ValidationError, origins: dict[Path, tuple[str, str]]
) -> list[Problem]:
    problems = []
    for err in exc.errors(include_url=False):
        loc = tuple(err["loc"])
        path = _data_path(src.data, loc)
        kind = err["type"]
        given = err.get("input")
        if isinstance(given, dict) and "param" in given and "parameter" not in str(err["msg"]):
            msg = "this key takes a plain value, not {param: NAME} (counts, rates and quantities can)"
        elif kind in ("union_tag_invalid", "union_tag_not_found") and isinstance(given, dict):
            # an event whose type is unknown or missing: one line, not one per event model
            path = (*path, "type")
            tag = given.get("type")
            if kind == "union_tag_not_found":
                msg = f"required key is missing; the event types are: {EVENT_TYPES}"
            else:
                close = difflib.get_close_matches(tag, EVENT_MODELS, n=1) if isinstance(tag, str) else []
                near = f" (did you mean {close[0]!r}?)" if close else ""
                msg = f"unknown event type {tag!r}{near}; the event types are: {EVENT_TYPES}"
        elif kind == "model_attributes_type" and _type_at(path) is EventBase:  # not a mapping
            msg = f"an event must be a mapping such as {{type: pause, day: 5}} (got {given!r})"
        elif kind == "extra_forbidden" and _type_at(path[:-1]) is EventBase:
            given_keys = _node_at(src.data, path[:-1])
            msg = _foreign_event_key(_type_at(path[:-1], src.data), str(path[-1]), given_keys)
        elif kind == "extra_forbidden":
            allowed = field_names(path[:-1])
            msg = f"unknown key {path[-1]!r}{suggest(str(path[-1]), allowed)}"
        elif kind == "missing":
            msg = "required key is missing"
        else:
            msg = str(err["msg"]).removeprefix("Value error, ")
            msg = msg[0].lower() + msg[1:] if msg else msg
            if "got" not in msg and not isinstance(given, dict | list):
                msg += f" (got {given!r})"
        problems.append(_locate(src, path, msg, origins))
    return problems


def _node_at(data: Any, path: Path) -> Any:
    """The value at ``path`` in the data, or None if it is not there."""
    for part in path:
        data = data[part] if _holds(data, part) else None
    return data


def _foreign_event_key(model: Any, key: str, event: Any) -> str:
    """Why an event of one type may not have ``key``, and what it may have instead.

    A near miss of one of its own keys that ``event`` does not give yet is suggested
    (``sites`` for ``site``); a key that belongs to other types, and is not a near miss, says
    which types take it (``days`` on a resume, which has ``day`` already).
    """
    kind = typing.get_args(model.model_fields["type"].annotation)[0]
    allowed = sorted(_fields(model))
    unused = [k for k in allowed if not (isinstance(event, dict) and k in event)]
    others = [t for t, m in EVENT_MODELS.items() if key in _fields(m)]
    close = difflib.get_close_matches(key, unused, n=1, cutoff=0.8 if others else 0.6)
    if close:
        hint = f"; did you mean {close[0]!r}?"
    else:
        hint = f" ({' and '.join(others)} events do)" if others else ""
        hint += f"; known: {', '.join(allowed)}"
    return f"{kind} events take no {key!r} key{hint}"


def _unwrap(tp: Any) -> Any:
    """The type that says what keys a value has: Annotated and Optional removed, and of a
    union the first model (the events union: :class:`EventBase`, until its type is known)."""
    while True:
        origin = typing.get_origin(tp)
        if origin is typing.Annotated:
            tp = typing.get_args(tp)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(tp) if a is not type(None)]
            models = [a for a in args if isinstance(a, type) and issubclass(a, BaseModel)]
            if len(models) > 1 and all(issubclass(m, EventBase) for m in models):
                return EventBase
            containers = [a for a in args if typing.get_origin(a) in (dict, list)]
            tp = (models or containers or args)[0]
        else:
            return tp


def _fields(model: type[BaseModel]) -> dict[str, Any]:
    """A model's fields by their key in the file; for an event of unknown type, every
    event type's."""
    models = EVENT_MODELS.values() if model is EventBase else (model,)
    return {f.alias or name: f for m in models for name, f in m.model_fields.items()}


def _resolve(tp: Any, node: Any) -> Any:
    """An event's own model when ``node`` (its data) names a known type; else ``tp``."""
    kind = node.get("type") if isinstance(node, dict) and tp is EventBase else None
    return EVENT_MODELS.get(kind, tp) if isinstance(kind, str) else tp


def _type_at(path: Path, data: Any = None) -> Any:
    """The schema type at ``path``; given the data, an event's own model by its ``type``."""
    tp: Any = Scenario
    node = data
    for part in path:
        tp = _resolve(_unwrap(tp), node)
        origin = typing.get_origin(tp)
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            fields = _fields(tp)
            if part not in fields:
                return None
            tp = fields[str(part)].annotation
        elif origin is dict:
            tp = typing.get_args(tp)[1]
        elif origin is list:
            tp = typing.get_args(tp)[0]
        else:
            return None
        node = node[part] if _holds(node, part) else None
    return _resolve(_unwrap(tp), node)


def field_names(path: Path, data: Any = None) -> list[str]:
    """The keys a scenario allows at ``path`` (empty if it is not a fixed-key object).

    Given the data, an event's keys are those of its type (every type's if it has none).
    """
    tp = _type_at(path, data)
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return list(_fields(tp))
    return []


def _split_key(key: str) -> list[str]:
    return [p for p in _INDEX.sub(r".\1", key).split(".") if p != ""]


def apply_overrides(
    src: Source, overrides: Sequence[str], kind: str = "--set"
) -> dict[Path, tuple[str, str]]:
    """Apply ``dotted.key=value`` overrides to ``src.data`` in place.

    Returns where each overridden path came from (``"N"`` for the N-th ``--set``). List items
    may be addressed by index or by their ``id`` (``phases.qasrak_out.start_day``).
    """
    origins: dict[Path, tuple[str, str]] = {}
    problems: list[Problem] = []
    for n, text in enumerate(overrides, start=1):
        label = str(n)
        key, sep, raw = text.partition("=")
        key = key.strip()
        if not sep or not key:
            problems.append(
                Problem(
                    kind, label, key or "(key)", f"expected key=value, e.g. fleets.het.count=60; got {text!r}"
                )
            )
            continue
        try:
            value = parse_yaml(raw, "--set").data if raw.strip() else None
        except ScenarioError as exc:
            problems.append(
                Problem(kind, label, key, f"value {raw!r} is not valid YAML: " + exc.problems[0].message)
            )
            continue
        if value is None:
            problems.append(Problem(kind, label, key, "give a value after '='"))
            continue
        try:
            path = _set_value(src.data, _split_key(key), value)
        except KeyError as exc:
            problems.append(Problem(kind, label, key, str(exc.args[0])))
            continue
        origins[path] = (kind, label)
    if problems:
        raise ScenarioError(problems)
    return origins


def _set_value(data: dict[str, Any], parts: list[str], value: Any) -> Path:
    if not parts:
        raise KeyError("empty key; name a value such as fleets.het.count")
    node: Any = data
    path: list[str | int] = []
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        if isinstance(node, list):
            idx = _list_index(node, part, tuple(path))
            path.append(idx)
            if last:
                node[idx] = value
            else:
                node = node[idx]
            continue
        if not isinstance(node, dict):
            raise KeyError(f"{dotted(tuple(path))} is a single value; it has no key {part!r}")
        allowed = field_names(tuple(path), data)
        is_model = bool(allowed) or _type_at(tuple(path)) is Scenario
        if part not in node:
            if is_model and part not in allowed:
                raise KeyError(f"unknown key {part!r} in {dotted(tuple(path))}{suggest(part, allowed)}")
            if not is_model and _type_at((*path, part), data) is not None and not last:
                kind = dotted(tuple(path))
                raise KeyError(f"no {kind} entry named {part!r}{suggest(part, node)}")
            if not last:
                node[part] = {} if typing.get_origin(_type_at((*path, part), data)) is not list else []
        path.append(part)
        if last:
            node[part] = value
        else:
            node = node[part]
    return tuple(path)


def _list_index(items: list[Any], part: str, path: Path) -> int:
    if _NUMBER.fullmatch(part):
        idx = int(part)
        if 0 <= idx < len(items):
            return idx
        hint = "; indices count from 0 and cannot be negative" if idx < 0 else ""
        raise KeyError(f"{dotted(path)} has {len(items)} items; index {idx} is out of range{hint}")
    ids = [str(it["id"]) for it in items if isinstance(it, dict) and it.get("id")]
    for idx, it in enumerate(items):
        if isinstance(it, dict) and it.get("id") == part:
            return idx
    raise KeyError(f"no item with id {part!r} in {dotted(path)}{suggest(part, ids)}")


LIST_KEYS = {"sites", "phases"}


def parse_event_option(text: str) -> dict[str, Any]:
    """Turn one ``--event`` value into an event mapping; raise ``ValueError`` if malformed.

    YAML (the mapping form, and each value) is read by :func:`parse_yaml`, the hardened
    reader files and ``--set`` use; a key given twice is refused, as in a file.
    """
    stripped = text.strip()
    if stripped.startswith("{"):
        data = _event_yaml(stripped, "not a valid YAML mapping")
        if not isinstance(data, dict):
            raise ValueError("expected a mapping such as {type: pause, day: 5}")
        return data
    kind, sep, rest = stripped.partition(":")
    if not sep or not kind.strip():
        raise ValueError("expected TYPE:key=value,...; e.g. pause:day=5,days=10")
    out: dict[str, Any] = {"type": kind.strip()}
    given = {"type"}
    for part in filter(None, (p.strip() for p in rest.split(","))):
        key, eq, raw = part.partition("=")
        key = key.strip()
        if not eq or not key:
            raise ValueError(f"expected key=value, got {part!r}")
        *heads, last = parts = key.split(".")
        if any(".".join(parts[:n]) in given for n in range(1, len(parts) + 1)):
            raise ValueError(f"{key!r} is given twice (or inside a value given already); give it once")
        if any(g.startswith(key + ".") for g in given):
            raise ValueError(f"{key!r} is given both as a value and as keys inside it; give one")
        given.add(key)
        if key in LIST_KEYS:
            value: Any = [v.strip() for v in raw.split("|") if v.strip()]
        else:
            value = _event_yaml(raw, f"value of {key!r} is not valid YAML") if raw.strip() else None
        node = out
        for head in heads:  # equipment.air_defence=8, when.site_below.site=A
            node = node.setdefault(head, {})
        node[last] = value
    return out


def _event_yaml(text: str, what: str) -> Any:
    try:
        return parse_yaml(text, "--event").data
    except ScenarioError as exc:
        raise ValueError(f"{what}: {exc.problems[0].message}") from None
