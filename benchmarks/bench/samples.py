"""Every figure a run measured, by measurement and by tree, kept raw until the end.

``samples[measure][who]`` is the list of results (one dict per child or timing) of one
measurement for one tree (``"base"``, ``"head"``) or for the machine (``"machine"``). The
tables and the targets read medians out of it; the JSON file gets all of it.
"""

from __future__ import annotations

import statistics
from typing import Any


class Samples:
    """Results of every measurement, in the order they were taken."""

    def __init__(self) -> None:
        self.data: dict[str, dict[str, list[dict[str, Any]]]] = {}

    def add(self, measure: str, who: str, result: dict[str, Any]) -> dict[str, Any]:
        self.data.setdefault(measure, {}).setdefault(who, []).append(result)
        return result

    def count(self, measure: str, who: str) -> int:
        return len(self.data.get(measure, {}).get(who, []))

    def values(self, measure: str, who: str, field: str) -> list[float]:
        return [
            float(r[field])
            for r in self.data.get(measure, {}).get(who, [])
            if isinstance(r.get(field), int | float) and not isinstance(r.get(field), bool)
        ]

    def median(self, measure: str, who: str, field: str) -> float | None:
        xs = self.values(measure, who, field)
        return statistics.median(xs) if xs else None

    def maximum(self, measure: str, who: str, field: str) -> float | None:
        xs = self.values(measure, who, field)
        return max(xs) if xs else None

    def first(self, measure: str, who: str) -> dict[str, Any] | None:
        rs = self.data.get(measure, {}).get(who, [])
        return rs[0] if rs else None

    def medians(self) -> dict[str, dict[str, dict[str, float]]]:
        """The median of every numeric field, for the JSON file."""
        out: dict[str, dict[str, dict[str, float]]] = {}
        for measure, by_who in self.data.items():
            for who, rs in by_who.items():
                fields = {k for r in rs for k, v in r.items() if isinstance(v, int | float)}
                meds = {}
                for f in sorted(fields):
                    m = self.median(measure, who, f)
                    if m is not None:
                        meds[f] = m
                out.setdefault(measure, {})[who] = meds
        return out


def ratio(base: float | None, head: float | None) -> float | None:
    """``base / head`` where both are known and head is not zero."""
    if base is None or head is None or head == 0:
        return None
    return base / head
