"""Posterior files: weighted parameter vectors that replace the priors of a run.

``posture calibrate`` writes ``posterior.csv``: one column per declared parameter, a
``weight`` column, one row per particle. ``--parameters posterior.csv`` makes each
replication pick one row, with probability proportional to its weight, from its own stream
``posterior`` (so the pick is seeded and independent of every other draw), and every
parameter takes that row's value. This is how a factor learned on one withdrawal carries to
another. The file must name exactly the parameters the scenario declares; every fault is a
``FILE:LINE: column: message`` problem.
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .drawn import drawn
from .fields import Param
from .problems import Problem, ScenarioError
from .schema import Scenario

if TYPE_CHECKING:
    import numpy as np

WEIGHT = "weight"
"""The column of a posterior file holding each row's weight."""


@dataclass(frozen=True)
class Posterior:
    """Weighted parameter vectors read from a file: one row per particle."""

    file: str
    names: tuple[str, ...]
    rows: tuple[tuple[float, ...], ...]
    weights: tuple[float, ...]
    digest: str

    def pick(self, rng: np.random.Generator) -> dict[str, float]:
        """One row, chosen with probability proportional to its weight."""
        total = sum(self.weights)
        i = int(rng.choice(len(self.rows), p=[w / total for w in self.weights]))
        return dict(zip(self.names, self.rows[i], strict=True))

    def describe(self) -> str:
        """Where the parameters come from, for summaries: the file and its sha256."""
        return f"posterior {self.file} (sha256 {self.digest[:12]}, {len(self.rows)} rows)"


def read_posterior(path: str | Path, scenario: Scenario) -> Posterior:
    """Read ``path`` (CSV: one column per declared parameter and ``weight``), or raise
    :class:`ScenarioError` with one ``FILE:LINE: key: message`` problem per fault."""
    file = str(path)
    try:
        raw = Path(path).read_bytes()
        text = raw.decode("utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise ScenarioError([Problem(file, "1", "--parameters", f"cannot read the file: {reason}")]) from None
    try:
        table = list(csv.reader(io.StringIO(text)))
    except csv.Error as exc:
        raise ScenarioError([Problem(file, "1", "--parameters", f"not a CSV file: {exc}")]) from None
    if not table or not any(cell.strip() for cell in table[0]):
        raise ScenarioError([Problem(file, "1", "--parameters", _SHAPE)])
    header = [cell.strip() for cell in table[0]]
    problems = _header_problems(file, header, scenario)
    if problems:
        raise ScenarioError(problems)
    names = tuple(h for h in header if h != WEIGHT)
    rows, weights = _rows(file, header, table[1:], scenario, problems)
    if not problems and not rows:
        problems.append(Problem(file, "2", WEIGHT, "the file has no rows; give at least one particle"))
    if not problems and not sum(weights) > 0:
        problems.append(Problem(file, "2", WEIGHT, "the weights sum to 0; at least one must be > 0"))
    if problems:
        raise ScenarioError(problems)
    digest = hashlib.sha256(raw).hexdigest()
    return Posterior(file, names, tuple(rows), tuple(weights), digest)


_SHAPE = f"expected a header row naming each parameter and {WEIGHT!r}, e.g. 'tvar,drive_hours,weight'"


def _header_problems(file: str, header: Sequence[str], scenario: Scenario) -> list[Problem]:
    declared = list(scenario.parameters)
    problems = []
    seen: set[str] = set()
    for name in header:
        if name in seen:
            problems.append(Problem(file, "1", name or "''", "this column appears twice"))
        seen.add(name)
        if name != WEIGHT and name not in declared:
            listed = ", ".join(declared) if declared else "none"
            why = f"the scenario declares no such parameter (declared: {listed})"
            problems.append(Problem(file, "1", name or "''", why))
    for name in declared:
        if name not in seen:
            problems.append(Problem(file, "1", name, "the scenario declares this parameter; add its column"))
    if WEIGHT not in seen:
        problems.append(Problem(file, "1", WEIGHT, "missing; give each row's weight (1 for equal weights)"))
    return problems


def _rows(
    file: str,
    header: Sequence[str],
    body: Sequence[Sequence[str]],
    scenario: Scenario,
    problems: list[Problem],
) -> tuple[list[tuple[float, ...]], list[float]]:
    limits = ranges(scenario)
    rows: list[tuple[float, ...]] = []
    weights: list[float] = []
    for n, cells in enumerate(body, start=2):
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(header):
            problems.append(Problem(file, str(n), "row", f"has {len(cells)} cells, the header {len(header)}"))
            continue
        values: dict[str, float] = {}
        for name, cell in zip(header, cells, strict=True):
            try:
                v = float(cell)
            except ValueError:
                problems.append(Problem(file, str(n), name, f"expected a number, got {cell.strip()!r}"))
                continue
            low, high = (0.0, math.inf) if name == WEIGHT else limits.get(name, (-math.inf, math.inf))
            if not math.isfinite(v) or not low <= v <= high:
                what = (
                    "a weight must be a finite number >= 0"
                    if name == WEIGHT
                    else f"must lie in [{low:g}, {high:g}], the range of the fields that use it"
                )
                problems.append(Problem(file, str(n), name, f"{what}; got {cell.strip()}"))
            values[name] = v
        if len(values) == len(header):
            weights.append(values.pop(WEIGHT))
            rows.append(tuple(values[h] for h in header if h != WEIGHT))
    return rows, weights


def ranges(scenario: Scenario) -> dict[str, tuple[float, float]]:
    """The values each parameter may take: the narrowest range of the fields naming it."""
    out: dict[str, tuple[float, float]] = {}
    for dist in drawn(scenario).values():
        if isinstance(dist, Param):
            low, high = out.get(dist.name, (0.0, math.inf))
            out[dist.name] = (max(low, 0.0), min(high, dist.high))
    return out
