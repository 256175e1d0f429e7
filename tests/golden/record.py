"""Record (or check) the golden outputs: what every shipped scenario gives today.

Run ``python tests/golden/record.py`` only when a change is *meant* to alter results; the
test ``tests/golden/test_golden.py`` recomputes every case and compares it with the files
recorded here. A case is a scenario file and one ``posture run`` command line:

* ``single``: one run with seed 0 (``summary.json``, ``troop_curve.csv``, ``events.csv``,
  ``daily.csv``);
* ``plan``: ``--deterministic`` (the same files);
* ``n50``: ``-n 50 --seed 7 --jobs 1`` (``runs.csv``, ``summary.json``,
  ``troop_curve_bands.csv``).

The scenarios are every file under ``scenarios/`` plus two synthetic Iraq-scale files made
by ``benchmarks/make_iraq_scale.py`` and kept in ``tests/golden/scenarios/`` so that a change
to the generator cannot move the goalposts.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
DATA = HERE / "data"

MODES: dict[str, list[str]] = {
    "single": ["--seed", "0"],
    "plan": ["--deterministic"],
    "n50": ["-n", "50", "--seed", "7", "--jobs", "1"],
}
FILES: dict[str, tuple[str, ...]] = {
    "single": ("summary.json", "troop_curve.csv", "events.csv", "daily.csv"),
    "plan": ("summary.json", "troop_curve.csv", "events.csv", "daily.csv"),
    "n50": ("runs.csv", "summary.json", "troop_curve_bands.csv"),
}


def scenario_files() -> dict[str, Path]:
    """Case name -> scenario file, for every scenario the golden outputs cover."""
    found = sorted((ROOT / "scenarios").rglob("*.yaml")) + sorted((HERE / "scenarios").glob("*.yaml"))
    return {p.relative_to(ROOT).with_suffix("").as_posix().replace("/", "__"): p for p in found}


def produce(scenario: Path, mode: str, out: Path) -> None:
    """Run ``posture run`` in this process for one case, writing into ``out``."""
    from contextlib import redirect_stdout
    from io import StringIO

    from sim.cli import main

    with redirect_stdout(StringIO()):
        code = main(["run", str(scenario), "--out", str(out), "--no-plot", *MODES[mode]])
    if code != 0:
        raise RuntimeError(f"posture run {scenario} {' '.join(MODES[mode])} exited {code}")


def record() -> None:
    """Write every golden file afresh."""
    shutil.rmtree(DATA, ignore_errors=True)
    for name, path in scenario_files().items():
        for mode in MODES:
            with tempfile.TemporaryDirectory() as tmp:
                produce(path, mode, Path(tmp))
                target = DATA / name / mode
                target.mkdir(parents=True)
                for f in FILES[mode]:
                    shutil.copyfile(Path(tmp) / f, target / f)
            print(f"recorded {name} {mode}")


if __name__ == "__main__":
    sys.exit(record())
