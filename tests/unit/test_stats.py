"""Summary statistics of replications: censored percentiles, the 95 % interval's t quantile."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.experiment.stats import censored_percentile, describe


def test_censored_percentiles() -> None:
    # 10 runs, 2 unfinished: P50 is between the 5th and 6th finished values; P90 needs an
    # unfinished run, so it is "beyond the horizon".
    values = np.array([1, 2, 3, 4, 5, 6, 7, 8, np.inf, np.inf], dtype=float)
    assert censored_percentile(values, 50) == 5.5
    assert censored_percentile(values, 90) is None
    d = describe([1.0, 2.0, 3.0, None])
    assert d["completed_share"] == 0.75 and d["mean"] == 2.0 and d["p90"] is None
    assert d["ci95"] == pytest.approx([2 - 4.303 / math.sqrt(3), 2 + 4.303 / math.sqrt(3)], abs=1e-4)


def test_t_quantile_beyond_the_table() -> None:
    from sim.experiment.stats import t975

    assert t975(30) == 2.042
    assert t975(40) == pytest.approx(2.0211, abs=2e-4)  # tabulated value
    assert t975(120) == pytest.approx(1.9799, abs=2e-4)
