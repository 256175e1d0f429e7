"""Statistics over replications: censored percentiles, means with confidence intervals.

A replication that did not finish within the horizon has no closure date. It is not dropped:
for percentiles it counts as "later than the horizon" (+inf), so a P90 that falls among the
unfinished runs is reported as ``None`` ("beyond the horizon"), never as a made-up date. The
mean and its 95 % confidence interval are over finished runs only, and the share finished is
always reported beside them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

PERCENTILES = (10, 50, 90)

# Two-sided 97.5 % Student t quantiles for 1..30 degrees of freedom; 1.96 beyond.
_T975 = (
    12.706,
    4.303,
    3.182,
    2.776,
    2.571,
    2.447,
    2.365,
    2.306,
    2.262,
    2.228,
    2.201,
    2.179,
    2.160,
    2.145,
    2.131,
    2.120,
    2.110,
    2.101,
    2.093,
    2.086,
    2.080,
    2.074,
    2.069,
    2.064,
    2.060,
    2.056,
    2.052,
    2.048,
    2.045,
    2.042,
)


def t975(df: int) -> float:
    """The 97.5 % quantile of Student's t with ``df`` degrees of freedom.

    A table up to 30; beyond, the Cornish-Fisher expansion around the normal quantile
    (accurate to about 1e-4 from 30 on).
    """
    if 1 <= df <= len(_T975):
        return _T975[df - 1]
    z = 1.959964
    return z + (z**3 + z) / (4 * df) + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * df**2)


def censored_percentile(values: np.ndarray, q: float) -> float | None:
    """The ``q``-th percentile (linear interpolation) where ``inf`` means "never finished".

    Returns ``None`` when the percentile depends on an unfinished run.
    """
    v = np.sort(np.asarray(values, dtype=float))
    if len(v) == 0:
        return None
    pos = (len(v) - 1) * q / 100.0
    lo, hi = math.floor(pos), math.ceil(pos)
    if not math.isfinite(v[hi]):
        return None
    return float(v[lo] + (v[hi] - v[lo]) * (pos - lo))


def describe(values: Sequence[float | None] | np.ndarray, scale: float = 1.0) -> dict[str, Any]:
    """P10/P50/P90, mean with 95 % CI and the share finished, of values in hours.

    ``None`` or NaN marks an unfinished replication. ``scale`` converts units (e.g. 1/24 for
    days); the result is rounded for reporting.
    """
    arr = np.array([np.nan if x is None else x for x in values], dtype=float)
    done = arr[np.isfinite(arr)]
    censored = np.where(np.isfinite(arr), arr, np.inf)
    out: dict[str, Any] = {}
    for q in PERCENTILES:
        p = censored_percentile(censored, q)
        out[f"p{q}"] = None if p is None else round(p * scale, 4)
    n = len(done)
    if n:
        mean = float(done.mean())
        half = t975(n - 1) * float(done.std(ddof=1)) / math.sqrt(n) if n > 1 else 0.0
        out["mean"] = round(mean * scale, 4)
        out["ci95"] = [round((mean - half) * scale, 4), round((mean + half) * scale, 4)]
    else:
        out["mean"] = None
        out["ci95"] = None
    out["completed_share"] = round(n / len(arr), 6) if len(arr) else 0.0
    out["n"] = len(arr)
    return out


def bands(block: np.ndarray, qs: Sequence[int] = (10, 25, 50, 75, 90)) -> dict[str, np.ndarray]:
    """Per-column percentiles of ``block`` (replications x columns)."""
    pct = np.percentile(block.astype(float), list(qs), axis=0)
    return {f"p{q}": pct[i] for i, q in enumerate(qs)}
