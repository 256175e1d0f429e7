"""The JSON Schema of the scenario file: what an editor needs to check and complete YAML.

pydantic describes :class:`~.schema.Scenario` as Python builds it. A scenario *file* is
written differently, and this module describes that form (JSON Schema draft 2020-12), so
that an editor (VS Code's YAML extension, any ``yaml-language-server`` client) can flag an
unknown key or a string where a number goes as it is typed, and offer the keys there are:

* a distribution is a one-key mapping naming its family, ``{triangular: [1, 2, 4]}`` or
  ``{normal: {mean: 35, sd: 5}}``, with an optional ``per``, not pydantic's
  ``{family, params}``; counts and rates take one too, drawn once per replication (``per:
  occurrence`` is refused there);
* ``{param: NAME}`` may stand wherever a distribution may, but not as a parameter's prior,
  which is a number or a distribution;
* keys are written by their alias (``from``, ``class``); ids are patterns, for mapping
  keys too; dates are strings ``YYYY-MM-DD``;
* an event is one of the event types, chosen by its ``type``, which it must give.

The fields say which forms they take (``json_schema_input_type`` on their validators, in
:mod:`.fields`); :class:`FileForm` writes each form. The schema checks shapes, keys, types
and plain ranges; what needs the whole scenario (references between parts, a distribution's
bounds within its field's range, citations) is ``posture validate``'s to check. It declares
draft 2020-12 but says nothing that a draft-07 reader (the YAML language server behind VS
Code's YAML extension) would read differently: ``$ref`` points into ``$defs`` by JSON
pointer, and a pair gives ``items`` beside ``prefixItems``.
"""

from __future__ import annotations

import json
import re
from typing import Any

from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue
from pydantic_core import core_schema

from .distributions import FAMILY_SHAPES, KEYS, Distribution
from .events import EventBase
from .fields import Drawn
from .parameters import as_prior
from .schema import Scenario

DIALECT = "https://json-schema.org/draft/2020-12/schema"
DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
_AT_LEAST_0 = {"type": "number", "minimum": 0}
_ROLE = re.compile(r":[a-z]+:`[~.]*([^`]+)`")


def hover(docstring: str) -> str:
    """A model's docstring as an editor shows it on hover: its first paragraph on one line,
    in Markdown (``a`` → `a`, a Sphinx role → its name)."""
    first = docstring.strip().split("\n\n")[0]
    return _ROLE.sub(r"`\1`", " ".join(first.split())).replace("``", "`")


def _family(family: str, *, once: bool) -> JsonSchemaValue:
    """One family's mapping, e.g. ``{triangular: [low, mode, high], per: ...}``."""
    body: JsonSchemaValue
    if family in KEYS:
        keys = KEYS[family]
        body = {
            "type": "object",
            "properties": {
                k: {"type": "number", "exclusiveMinimum": 0} if k == "median" else _AT_LEAST_0 for k in keys
            },
            "required": list(keys),
            "additionalProperties": False,
        }
    else:
        n = 3 if family == "triangular" else 2
        body = {"type": "array", "items": _AT_LEAST_0, "minItems": n, "maxItems": n}
    per: JsonSchemaValue = (
        {"const": "replication", "description": "drawn once per replication (the only choice here)"}
        if once
        else {
            "enum": ["occurrence", "replication"],
            "default": "occurrence",
            "description": "a fresh draw every trip, load or breakdown (occurrence), or once per run",
        }
    )
    return {
        "title": family,
        "description": FAMILY_SHAPES[family],
        "type": "object",
        "properties": {family: body, "per": per},
        "required": [family],
        "additionalProperties": False,
    }


def distribution_form(*, once: bool) -> JsonSchemaValue:
    """A distribution as a file writes it: one family key, and ``per``.

    ``once``: the value holds for a whole replication (a count, a rate, a prior), so ``per``
    may only be ``replication``.
    """
    what = "drawn once per replication" if once else "drawn every occurrence, or once per replication"
    return {
        "title": "Drawn" if once else "Distribution",
        "description": f"A distribution ({what}): " + ", ".join(FAMILY_SHAPES.values()),
        "oneOf": [_family(f, once=once) for f in FAMILY_SHAPES],
    }


class FileForm(GenerateJsonSchema):
    """pydantic's JSON Schema generator, writing each value the way a scenario file does."""

    def model_schema(self, schema: core_schema.ModelSchema) -> JsonSchemaValue:
        cls = schema["cls"]
        if issubclass(cls, Distribution):
            return distribution_form(once=issubclass(cls, Drawn))
        out = super().model_schema(schema)
        if "description" in out:
            out["description"] = hover(out["description"])
        if issubclass(cls, EventBase) and "type" in out.get("properties", {}):
            out["required"] = ["type", *[k for k in out.get("required", []) if k != "type"]]
        return out

    def function_before_schema(self, schema: core_schema.BeforeValidatorFunctionSchema) -> JsonSchemaValue:
        if schema["function"]["function"] is as_prior:  # a prior: a number, or drawn once per run
            drawn = self.generate_inner(Drawn.__pydantic_core_schema__)
            return {"anyOf": [_AT_LEAST_0, drawn]}
        return super().function_before_schema(schema)

    def dict_schema(self, schema: core_schema.DictSchema) -> JsonSchemaValue:
        """A mapping keyed by ids: every key must match the id pattern (pydantic's own form,
        ``patternProperties``, would let any other key through unchecked)."""
        out = super().dict_schema(schema)
        patterns = out.pop("patternProperties", None)
        if patterns:
            ((pattern, values),) = patterns.items()
            out["propertyNames"] = {**out.get("propertyNames", {}), "pattern": pattern}
            out["additionalProperties"] = values
        return out

    def tuple_schema(self, schema: core_schema.TupleSchema) -> JsonSchemaValue:
        """A pair such as ``work_hours: [6, 20]``, with ``items`` as well as ``prefixItems``:
        editors that read the schema as draft-07 (``yaml-language-server`` today) know only
        ``items``, and for a pair of like numbers both say the same."""
        out = super().tuple_schema(schema)
        first, *rest = out.get("prefixItems", [None])
        if first is not None and "items" not in out and all(r == first for r in rest):
            out["items"] = first
        return out

    def date_schema(self, schema: core_schema.DateSchema) -> JsonSchemaValue:
        return {**super().date_schema(schema), "pattern": DATE_PATTERN}


def scenario_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a scenario file."""
    body = Scenario.model_json_schema(by_alias=True, mode="validation", schema_generator=FileForm)
    return {
        "$schema": DIALECT,
        "title": "posture scenario",
        "description": "A posture scenario file (docs/scenario-format.md). Generated by `posture schema`; "
        "`posture validate` checks what a schema cannot (references between parts, citations).",
        **{k: v for k, v in body.items() if k not in ("title", "description")},
    }


def schema_text() -> str:
    """:func:`scenario_schema` as the JSON text ``posture schema`` writes (2-space indent)."""
    return json.dumps(scenario_schema(), indent=2, ensure_ascii=False) + "\n"
