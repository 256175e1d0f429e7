"""Uncertain quantities: numbers that may be given as probability distributions.

Any duration, speed or rate in a scenario may be written either as a plain number or as a
one-key mapping naming a distribution family::

    load_hours: 2
    load_hours: {triangular: [1, 2, 4]}
    speed_kmh: {normal: {mean: 35, sd: 5}}          # truncated at 0
    load_hours: {lognormal: {median: 2, sigma: 0.3}}
    delay_hours: {exponential: {mean: 6}}
    availability: {uniform: [0.75, 0.9], per: replication}

``per`` says how often a fresh value is drawn: ``occurrence`` (the default: every trip,
every vehicle loaded, every breakdown) or ``replication`` (once per run, for counts and
fractions that hold for a whole run, such as a fleet's availability).

A :class:`Distribution` knows its *central value*: the mode of a triangular, the mean of the
others. Deterministic runs use the central value everywhere, so a scenario with
distributions still has one well-defined "planning" answer.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict

if TYPE_CHECKING:
    import numpy as np

Family = Literal["triangular", "uniform", "normal", "lognormal", "exponential"]
Per = Literal["occurrence", "replication"]

FAMILY_SHAPES: dict[str, str] = {
    "triangular": "{triangular: [low, mode, high]}",
    "uniform": "{uniform: [low, high]}",
    "normal": "{normal: {mean: m, sd: s}}",
    "lognormal": "{lognormal: {median: m, sigma: s}}",
    "exponential": "{exponential: {mean: m}}",
}
KEYS: dict[str, tuple[str, ...]] = {
    "normal": ("mean", "sd"),
    "lognormal": ("median", "sigma"),
    "exponential": ("mean",),
}
"""The keys of the families written as a mapping, in the order of their ``params``."""
NUMBER_OR_DIST = "a number or a distribution such as " + ", ".join(FAMILY_SHAPES.values())


class Distribution(BaseModel):
    """A validated distribution. ``params`` are in the family's natural order.

    triangular: (low, mode, high); uniform: (low, high); normal: (mean, sd);
    lognormal: (median, sigma); exponential: (mean,).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    family: Family
    params: tuple[float, ...]
    per: Per = "occurrence"

    @property
    def central(self) -> float:
        """The value a deterministic run uses: the mode of a triangular, else the mean."""
        p = self.params
        if self.family == "triangular":
            return p[1]
        if self.family == "uniform":
            return (p[0] + p[1]) / 2.0
        if self.family == "lognormal":
            # the mean; a huge sigma has no finite mean (refused where a field needs one)
            return p[0] * math.exp(p[1] ** 2 / 2.0) if p[1] < 37.0 else math.inf
        return p[0]  # normal (mean, before truncation) and exponential (mean)

    @property
    def bounds(self) -> tuple[float, float]:
        """The smallest and largest value a draw can take."""
        p = self.params
        if self.family == "triangular":
            return p[0], p[2]
        if self.family == "uniform":
            return p[0], p[1]
        return 0.0, math.inf

    def sample(self, rng: np.random.Generator, size: int | None = None) -> Any:
        """Draw one value (``size=None``) or an array of ``size`` values."""
        p = self.params
        if self.family == "triangular":
            if p[0] == p[2]:
                return p[0] if size is None else _full(size, p[0])
            return rng.triangular(p[0], p[1], p[2], size)
        if self.family == "uniform":
            return rng.uniform(p[0], p[1], size)
        if self.family == "lognormal":
            return rng.lognormal(math.log(p[0]), p[1], size)
        if self.family == "exponential":
            return rng.exponential(p[0], size)
        return _truncated_normal(rng, p[0], p[1], size)

    def describe(self) -> str:
        """The distribution as it would be written in a scenario file."""
        return f"{self.family}{list(self.params)}" + ("" if self.per == "occurrence" else f" per {self.per}")


def _full(size: int, value: float) -> Any:
    import numpy as np  # only when sampling: validating a scenario needs no numpy

    return np.full(size, value)


def _truncated_normal(rng: np.random.Generator, mean: float, sd: float, size: int | None) -> Any:
    """Normal draws truncated at 0 by resampling the negative ones."""
    if sd == 0.0:
        return max(mean, 0.0) if size is None else _full(size, max(mean, 0.0))
    n = 1 if size is None else size
    out = rng.normal(mean, sd, n)
    bad = out < 0
    for _ in range(1000):
        if not bad.any():
            break
        out[bad] = rng.normal(mean, sd, int(bad.sum()))
        bad = out < 0
    out[out < 0] = 0.0  # only reachable when the mean is many sds below zero
    return float(out[0]) if size is None else out


def as_float(value: int | float) -> float:
    """``float(value)``, refusing integers beyond float range with a ValueError, not an
    OverflowError (YAML stops such numbers; a mapping from Python code may not)."""
    try:
        return float(value)
    except OverflowError:
        raise ValueError("is too large to be a real figure; write a realistic number") from None


def _number(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{what} must be a number, got {value!r}")
    try:
        v = as_float(value)
    except ValueError as exc:
        raise ValueError(f"{what} {exc}") from None
    if not math.isfinite(v):
        raise ValueError(f"{what} must be finite, got {value!r}")
    return v


def parse_distribution(raw: dict[str, Any]) -> Distribution:
    """Build a :class:`Distribution` from its scenario mapping, or raise ``ValueError``.

    The message says what is wrong and what the right shape would be.
    """
    per = raw.get("per", "occurrence")
    if per not in ("occurrence", "replication"):
        raise ValueError(f"per must be 'occurrence' or 'replication', got {per!r}")
    families = [k for k in raw if k != "per"]
    if len(families) != 1 or families[0] not in FAMILY_SHAPES:
        raise ValueError(f"expected {NUMBER_OR_DIST}; got keys {sorted(map(str, raw))}")
    family = families[0]
    body = raw[family]
    shape = FAMILY_SHAPES[family]
    params: tuple[float, ...]
    if family in ("triangular", "uniform"):
        n = 3 if family == "triangular" else 2
        if not isinstance(body, list) or len(body) != n:
            raise ValueError(f"{family} takes a list of {n} numbers: {shape}")
        params = tuple(_number(v, family) for v in body)
        if any(v < 0 for v in params):
            raise ValueError(f"{family} bounds must be >= 0, got {list(params)}")
        if sorted(params) != list(params):
            order = "low <= mode <= high" if n == 3 else "low <= high"
            raise ValueError(f"{family} needs {order}, got {list(params)}")
    else:
        names = KEYS[family]
        if not isinstance(body, dict) or sorted(map(str, body)) != sorted(names):
            raise ValueError(f"{family} takes exactly {', '.join(names)}: {shape}")
        params = tuple(_number(body[k], f"{family}.{k}") for k in names)
        if any(v < 0 for v in params):
            raise ValueError(f"{family} parameters must be >= 0, got {dict(zip(names, params, strict=True))}")
        if family == "lognormal" and params[0] == 0:
            raise ValueError("lognormal median must be > 0")
    return Distribution(family=family, params=params, per=per)


Quantity = float | Distribution
"""A scenario value that is either a fixed number or a :class:`Distribution`."""


def central(value: Quantity) -> float:
    """The deterministic value of a quantity."""
    return value.central if isinstance(value, Distribution) else float(value)
