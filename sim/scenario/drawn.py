"""Counts and rates given as distributions: where they are, and a scenario with values instead.

A count (fleet and aircraft counts, personnel, equipment, ``min_personnel``, ``keep``,
reinforcement sizes, team counts, an aircraft type's sorties per day) or a rate (``ready_day``,
route ``km``, disposition shares, an airfield's ``sorties_per_day``, ``convoys_per_day``,
``vehicles_per_hour``) may be a
:class:`~sim.scenario.fields.Drawn` distribution. Each is named by its dotted path in the
scenario file (``fleets.het.count``, ``sites.kabul.equipment.container``,
``phases.0.moves.1.keep.personnel``), the same path ``--set`` takes.

:func:`drawn` finds them; :func:`with_values` returns a copy of the frozen scenario with
values in their place (:mod:`sim.engine.realise` draws one per replication); :func:`central`
puts in every central value, rounded, which is what checks that need a number use (routes'
lengths for reachability). A value that refers to a named parameter (a
:class:`~sim.scenario.fields.Param`) is found here too; :func:`counts_drawn` leaves those out.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from datetime import date
from typing import Any

from pydantic import BaseModel

from .distributions import Distribution
from .fields import Drawn, Param
from .schema import Scenario

_FOUND: OrderedDict[int, tuple[Scenario, dict[str, Drawn]]] = OrderedDict()
_KEPT = 16


def drawn(scenario: Scenario) -> dict[str, Drawn]:
    """Every count or rate given as a distribution, by dotted path, in file order."""
    hit = _FOUND.get(id(scenario))
    if hit is not None and hit[0] is scenario:
        return hit[1]
    found: dict[str, Drawn] = {}
    _find(scenario, "", found)
    _FOUND[id(scenario)] = (scenario, found)
    while len(_FOUND) > _KEPT:
        _FOUND.popitem(last=False)
    return found


def counts_drawn(scenario: Scenario) -> dict[str, Drawn]:
    """The counts and rates given as distributions themselves (not ``{param: NAME}``)."""
    return {p: d for p, d in drawn(scenario).items() if not isinstance(d, Param)}


def references(scenario: Scenario) -> dict[str, list[str]]:
    """The dotted paths that refer to each declared parameter (none for an unused one)."""
    out: dict[str, list[str]] = {name: [] for name in scenario.parameters}
    for path, dist in drawn(scenario).items():
        if isinstance(dist, Param):
            out[dist.name].append(path)
    return out


def uncertain(scenario: Scenario) -> bool:
    """Whether anything in ``scenario`` is drawn at random: a distribution whose draws can
    differ (not a fixed prior such as ``uniform[3, 3]``), anywhere in the file."""
    return _any_spread(scenario)


def _any_spread(node: Any) -> bool:
    if isinstance(node, Distribution):
        low, high = node.bounds
        return low != high
    return any(_any_spread(child) for _, child in _items(node))


def _items(node: Any) -> list[tuple[str, Any]]:
    if isinstance(node, BaseModel):
        return [(alias, getattr(node, name)) for name, alias in _fields(type(node))]
    if isinstance(node, dict):
        return [(str(k), v) for k, v in node.items()]
    if isinstance(node, list | tuple):
        return [(str(i), v) for i, v in enumerate(node)]
    return []


_FIELDS: dict[type[BaseModel], list[tuple[str, str]]] = {}


def _fields(model: type[BaseModel]) -> list[tuple[str, str]]:
    """A model's field names and the keys the file uses for them, worked out once per class.

    Every field is kept: a count declared as a number holds a :class:`Drawn` after
    validation, so annotations cannot tell which fields to skip.
    """
    known = _FIELDS.get(model)
    if known is None:
        known = _FIELDS[model] = [(name, info.alias or name) for name, info in model.model_fields.items()]
    return known


_LEAVES = (str, int, float, bool, type(None), date)
"""Values that hold nothing inside them: skipped without a look (most of a large file)."""


def _find(node: Any, path: str, found: dict[str, Drawn]) -> None:
    if isinstance(node, Drawn):
        found[path] = node
        return
    prefix = f"{path}." if path else ""
    if isinstance(node, BaseModel):
        for name, key in _fields(type(node)):
            child = getattr(node, name)
            if not isinstance(child, _LEAVES):
                _find(child, prefix + key, found)
        return
    children = node.items() if isinstance(node, dict) else enumerate(node)
    for k, child in children:
        if not isinstance(child, _LEAVES):
            _find(child, f"{prefix}{k}", found)


def with_values(scenario: Scenario, values: Mapping[str, float | int]) -> Scenario:
    """A copy of ``scenario`` with ``values`` (by dotted path) in place of its distributions.

    With no values, the very same object comes back.
    """
    if not values:
        return scenario
    out = _put(scenario, "", values)
    assert isinstance(out, Scenario)
    return out


def _put(node: Any, path: str, values: Mapping[str, float | int]) -> Any:
    if isinstance(node, Drawn):
        return values.get(path, node)
    if not isinstance(node, BaseModel | dict | list | tuple):
        return node
    changed: dict[str, Any] = {}
    if isinstance(node, BaseModel):
        for name, info in type(node).model_fields.items():
            child = getattr(node, name)
            new = _put(child, f"{path}.{info.alias or name}" if path else info.alias or name, values)
            if new is not child:
                changed[name] = new
        return node.model_copy(update=changed) if changed else node
    for key, child in _items(node):
        new = _put(child, f"{path}.{key}" if path else key, values)
        if new is not child:
            changed[key] = new
    if not changed:
        return node
    if isinstance(node, dict):
        return {k: changed.get(str(k), v) for k, v in node.items()}
    return type(node)(changed.get(str(i), v) for i, v in enumerate(node))


def central(scenario: Scenario) -> Scenario:
    """``scenario`` with every count and rate at its central value (rounded for counts)."""
    return with_values(scenario, {p: d.fit(d.central) for p, d in drawn(scenario).items()})
