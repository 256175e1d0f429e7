"""Hunt for monotonicity counter-examples across the whole random-scenario family.

Not a test (the counter-examples exist; ``tests/properties/test_monotonicity.py`` shows each
class by hand): a long-running search that draws valid scenarios with
:func:`tests.support.strategies.scenario_dicts` (no
distributions, so runs are deterministic), adds lift with :func:`strategies.more_lift`, runs
both and counts the pairs where closure got later. It writes each counter-example pair as
YAML into ``--out`` so it can be studied, and prints a summary per kind of lift::

    python benchmarks/hunt_monotonicity.py --examples 2000 --out /tmp/anomalies
"""

from __future__ import annotations

import argparse
import collections
import sys
import time
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

import sim

ROOT = Path(__file__).resolve().parents[1]


def lift_kind(label: str) -> str:
    """The kind of lift a :func:`strategies.more_lift` label describes."""
    if label.startswith("fleets."):
        return "capacity" if ".capacity." in label else "vehicles"
    return {"aircraft": "aircraft", "sites": "sorties", "convoy": "escorts"}[label.split(".")[0]]


def hunt(examples: int, out: Path | None) -> tuple[collections.Counter[str], collections.Counter[str]]:
    """Run ``examples`` pairs; return (pairs tried, counter-examples) per kind of lift."""
    sys.path.insert(0, str(ROOT))  # the generator lives in the test-support package
    from tests.support import strategies as gen

    tried: collections.Counter[str] = collections.Counter()
    later: collections.Counter[str] = collections.Counter()

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(st.data())
    def one(draw: st.DataObject) -> None:
        data: dict[str, Any] = draw.draw(gen.scenario_dicts(dists=False))
        label, more = draw.draw(gen.more_lift(data))
        kind = lift_kind(label)
        tried[kind] += 1
        before = gen.closure_or_inf(sim.simulate(gen.build(data), deterministic=True))
        after = gen.closure_or_inf(sim.simulate(gen.build(more), deterministic=True))
        if after > before + 1e-9:
            later[kind] += 1
            if out is not None:
                n = sum(later.values())
                head = f"# {label}: closure {before:.4f} h -> {after:.4f} h\n"
                (out / f"{n:04d}-less.yaml").write_text(head + gen.to_yaml(data), encoding="utf-8")
                (out / f"{n:04d}-more.yaml").write_text(head + gen.to_yaml(more), encoding="utf-8")

    one()
    return tried, later


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=500, help="scenario pairs to try")
    parser.add_argument("--out", type=Path, help="folder for the counter-example pairs")
    args = parser.parse_args()
    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    tried, later = hunt(args.examples, args.out)
    print(f"{sum(tried.values())} pairs in {time.perf_counter() - t0:.0f} s")
    for kind in sorted(tried):
        print(f"  more {kind:<10} {tried[kind]:>6} pairs, {later[kind]:>4} later")
    print(f"  all {sum(tried.values()):>20} pairs, {sum(later.values()):>4} later")


if __name__ == "__main__":
    main()
