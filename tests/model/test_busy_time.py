"""Busy time counts wherever it is spent, including work still under way at the horizon.

One truck, one container, loading 1 h, 1,000 km at 10 km/h (100 h on the road), horizon
2 days. The truck forms its convoy at 0 h and is on the road when the run stops at 48 h:
it was busy the whole run, so its fleet's utilisation is 1.0 and the phase's binding
resource is that fleet. (Before this rule, vehicles were booked busy only when released,
so such a run reported the fleet at 0 % and "nothing was moving".)
"""

from __future__ import annotations

from pathlib import Path

import sim

SCENARIO = """
name: busy at the horizon
start: 2026-01-01
horizon_days: 2
cargo: {container: {short_tons: 10}}
sites:
  A: {equipment: {container: 1}}
  B: {in_theatre: false}
fleets:
  t: {count: 2, based_at: A, capacity: {container: 1}, speed_kmh: 10, load_hours: 1, unload_hours: 1}
routes: [{from: A, to: B, km: 1000}]
phases: [{id: out, moves: [{from: A, to: B}]}]
"""


def test_a_convoy_on_the_road_at_the_horizon_counts_as_busy(tmp_path: Path) -> None:
    (tmp_path / "s.yaml").write_text(SCENARIO)
    r = sim.simulate(sim.load_scenario(tmp_path / "s.yaml"), deterministic=True)
    assert not r.completed and r.end_h == 48.0
    # one of two trucks busy from 0 h to 48 h: half the fleet's capacity
    assert r.utilisation["fleet:t"] == 0.5
    assert r.binding_by_phase["out"] == {"resource": "fleet:t", "utilisation": 0.5}
    assert r.binding == ["phase out was still moving at the horizon; busiest resource fleet:t (50% busy)"]
