"""Totals past 32-bit integers are stored and printed exactly (issue #14).

Personnel curves were stored as 32-bit integers, so an ``-n`` run whose theatre held more
than 2,147,483,647 people printed wrapped, negative bands (``in_theatre_p50 =
-1,794,967,296``): a plausible-looking wrong number. Curves are 64-bit now. Twenty-five
sites of 100,000,000 people (each at the per-value limit) make 2,500,000,000 in theatre on
every day, since the only move carries containers: every band must say exactly that.
"""

from __future__ import annotations

import csv
from pathlib import Path

from sim.cli import main

from ..unit.test_loader_errors import BASE_TEXT, write

PEOPLE = 100_000_000
SITES = 25


def test_bands_above_two_billion_are_exact(tmp_path: Path) -> None:
    big = "".join(
        f'  P{i}: {{name: P{i}, personnel: {PEOPLE}, cite: "assumption: a test of very large totals"}}\n'
        for i in range(SITES)
    )
    path = write(tmp_path, BASE_TEXT.replace("fleets:\n", big + "fleets:\n", 1))
    out = tmp_path / "out"
    assert main(["run", str(path), "-n", "3", "--out", str(out), "--no-plot", "--no-report"]) == 0
    with (out / "troop_curve_bands.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert rows
    for row in rows:
        for band in ("p10", "p50", "p90"):
            assert float(row[f"in_theatre_{band}"]) == SITES * PEOPLE == 2_500_000_000
    with (out / "metric_bands.csv").open(encoding="utf-8") as fh:
        personnel = [r for r in csv.DictReader(fh) if r["measure"] == "personnel"]
    assert personnel and all(float(r["p50"]) == 2_500_000_000 for r in personnel)
