"""Every shipped scenario still gives the results recorded in ``tests/golden/data``.

The engine may be rewritten for speed or clarity, but the answers may not move: each case
re-runs one ``posture run`` command line and compares what it writes with the recorded files.
New columns (CSV) or keys (JSON) may appear; every recorded column and key must be there with
exactly the recorded text. ``python tests/golden/record.py`` re-records, only for a change that
is meant to alter results (say why in the commit).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest

from .record import DATA, FILES, MODES, produce, scenario_files

RECORDED = sorted(d.name for d in DATA.iterdir() if d.is_dir())
"""Every scenario with recorded outputs. A scenario added after the recording is not golden
until ``record.py`` is run on purpose; a recorded one that disappears fails the test below."""
CASES = [(name, mode) for name in RECORDED for mode in MODES]


def test_every_recorded_scenario_still_exists() -> None:
    missing = [name for name in RECORDED if name not in scenario_files()]
    assert not missing, f"recorded golden scenarios no longer on disk: {missing}"


def _csv_columns(path: Path) -> dict[str, list[str]]:
    with path.open(newline="") as fh:
        rows = list(csv.reader(fh))
    header, body = rows[0], rows[1:]
    assert len(set(header)) == len(header), f"{path.name}: duplicate columns"
    return {h: [r[i] for r in body] for i, h in enumerate(header)}


def _contained(old: Any, new: Any, where: str) -> list[str]:
    """Where ``new`` differs from ``old`` other than by added mapping keys."""
    if isinstance(old, dict) and isinstance(new, dict):
        out = []
        for k, v in old.items():
            if k not in new:
                out.append(f"{where}.{k}: missing")
            else:
                out += _contained(v, new[k], f"{where}.{k}")
        return out
    return [] if old == new and type(old) is type(new) else [f"{where}: {old!r} became {new!r}"]


@pytest.mark.parametrize(
    ("name", "mode"),
    [  # the Iraq-scale replications take minutes under coverage: marked slow
        pytest.param(n, m, id=f"{n}-{m}", marks=pytest.mark.slow if "iraq-scale" in n and m == "n50" else ())
        for n, m in CASES
    ],
)
def test_outputs_unchanged(name: str, mode: str, tmp_path: Path) -> None:
    produce(scenario_files()[name], mode, tmp_path)
    for f in FILES[mode]:
        recorded, now = DATA / name / mode / f, tmp_path / f
        if f.endswith(".csv"):
            old, new = _csv_columns(recorded), _csv_columns(now)
            assert len(next(iter(new.values()))) == len(next(iter(old.values()))), f"{f}: row count"
            changed = [h for h in old if new.get(h) != old[h]]
            assert not changed, f"{name}/{mode}/{f}: columns changed: {changed[:5]}"
        else:
            diffs = _contained(json.loads(recorded.read_text()), json.loads(now.read_text()), f)
            assert not diffs, f"{name}/{mode}: " + "; ".join(diffs[:5])
