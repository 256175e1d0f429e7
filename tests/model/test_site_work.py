"""Site work (issue #11): work hours, preparation before loading, ready_day — by hand.

Unless a test says otherwise: containers at A go 100 km to B on one-container trucks
(50 km/h: 2 h), 1 h to load and 1 h to unload, loading teams unlimited.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

import sim
from sim.engine.resources import TeamLedger, work_stretches, work_window
from tests.support.scenario_factory import load, simple


def run(tmp_path: Path, data: dict[str, Any]) -> sim.Result:
    return sim.simulate(load(tmp_path, data), audit=True, deterministic=True)


def loaded(r: sim.Result) -> list[Any]:
    return [c for c in r.convoys if c.kind == "loaded"]


# ----------------------------------------------------------------------------- work hours
def test_a_job_cut_off_by_work_hours_resumes_next_morning() -> None:
    window = work_window((6.0, 18.0))
    assert window is not None
    # 16 h taken up at 0 h: waits for 06:00, works 6-18 (12 h), resumes at 30 h, done at 34 h
    assert work_stretches(window, 0.0, 16.0) == [(6.0, 18.0), (30.0, 34.0)]
    # two teams, four 8 h jobs at 0 h: two finish at 14 h; the next two start at 14 h, stop
    # at 18 h with 4 h done, resume at 30 h and finish at 34 h
    ledger = TeamLedger(2, window)
    assert ledger.schedule(0.0, np.full(4, 8.0)).tolist() == [14.0, 14.0, 34.0, 34.0]
    # an overnight window [20, 6) runs across midnight: 12 h from 12 h is 20-30 h, then 44-46 h
    night = work_window((20.0, 6.0))
    assert night is not None
    assert work_stretches(night, 12.0, 12.0) == [(20.0, 30.0), (44.0, 46.0)]
    assert work_window((0.0, 24.0)) is None  # around the clock


def test_loading_in_work_hours(tmp_path: Path) -> None:
    # One 16 h load at A, work hours 6-18, one loading team: loaded at 34 h (as above),
    # 2 h drive, 1 h unload: 37 h. The team worked 16 h of the 37 h run.
    data = simple(1, 1)
    data["fleets"]["t"]["load_hours"] = 16
    data["sites"]["A"].update({"work_hours": [6, 18], "loading_teams": 1})
    r = run(tmp_path, data)
    assert loaded(r)[0].depart_h == 34.0
    assert r.closure_h == 37.0
    assert r.utilisation["loading:A"] == round(16 / 37, 4)
    # no team limit: the same hours still hold, with no utilisation to report
    del data["sites"]["A"]["loading_teams"]
    (tmp_path / "b").mkdir()
    r = run(tmp_path / "b", data)
    assert r.closure_h == 37.0
    assert "loading:A" not in r.utilisation


def test_unloading_teams_in_work_hours_delay_arrival(tmp_path: Path) -> None:
    # Loaded 0-1 h, at B at 3 h; B works 6-18, so unloading runs 6-7 h: arrived at 7 h.
    data = simple(1, 1)
    data["sites"]["B"]["work_hours"] = [6, 18]
    r = run(tmp_path, data)
    assert loaded(r)[0].arrive_h == 3.0
    assert loaded(r)[0].unloaded_h == 7.0
    assert r.closure_h == 7.0


# ----------------------------------------------------------------------------- preparation
def test_ten_units_two_teams_five_hours_all_loadable_at_25_h(tmp_path: Path) -> None:
    # The case: 10 containers, 2 preparation teams, 5 h each. Two are ready at 5, 10,
    # 15, 20 and 25 h; each pair leaves 1 h later. The last pair: loaded 26 h, unloaded 29 h.
    data = simple(10, 10)
    data["sites"]["A"]["prepare"] = {"teams": 2, "hours": {"container": 5}}
    r = run(tmp_path, data)
    departures = sorted(c.depart_h for c in loaded(r) for _ in range(sum(c.vehicles.values())))
    assert departures == [6.0, 6.0, 11.0, 11.0, 16.0, 16.0, 21.0, 21.0, 26.0, 26.0]
    assert r.closure_h == 29.0
    # preparation busy 50 team-hours of 2 x 29; trucks 10 x 4 h of 10 x 29: preparation binds
    assert r.utilisation["preparation:A"] == round(50 / 58, 4)
    assert r.binding_by_phase["out"] == {"resource": "preparation:A", "utilisation": round(50 / 58, 4)}


def test_preparation_only_for_named_classes_and_not_for_disposed_units(tmp_path: Path) -> None:
    # 10 containers, half destroyed on site (no disposal team limit, 0 h): only the 5 lifted
    # are prepared, 4 h each on one team: ready at 4, 8, 12, 16, 20 h; the last is unloaded
    # at 24 h (6 trucks: one takes the person, one waits for each container). Personnel are
    # not named: they need no preparation and leave at once.
    data = simple(10, 6)
    data["cargo"]["personnel"] = {}
    data["fleets"]["t"]["capacity"]["personnel"] = 1
    data["sites"]["A"].update(
        {
            "personnel": 1,
            "disposition": {"container": {"destroy": 0.5}},
            "prepare": {"teams": 1, "hours": {"container": 4}},
        }
    )
    r = run(tmp_path, data)
    assert r.closure_h == 24.0
    assert r.disposition["destroy"]["units"] == {"container": 5}
    assert r.utilisation["preparation:A"] == round(20 / 24, 4)
    first = min(loaded(r), key=lambda c: c.depart_h)
    assert first.depart_h == 1.0  # the person, loaded 0-1 h


def test_preparation_without_team_limit_and_in_work_hours(tmp_path: Path) -> None:
    # No team limit: all 3 are prepared at once, but only 6-18: 8 h from 6 h, ready at 14 h;
    # loading (same hours) 14-15 h, 2 h drive, 1 h unload: 18 h. No utilisation is reported.
    data = simple(3, 3)
    data["sites"]["A"].update({"work_hours": [6, 18], "prepare": {"hours": {"container": 8}}})
    r = run(tmp_path, data)
    assert r.closure_h == 18.0
    assert "preparation:A" not in r.utilisation


# ----------------------------------------------------------------------------- ready_day
def test_ready_day_holds_loading_while_preparation_runs(tmp_path: Path) -> None:
    # 2 containers, one team, 10 h each: prepared at 10 and 20 h, but nothing is loaded at A
    # before day 1 (24 h): both load 24-25 h, unloaded at 28 h. Without ready_day: the
    # second is ready at 20 h, unloaded at 24 h.
    data = simple(2, 2)
    data["sites"]["A"].update({"ready_day": 1, "prepare": {"teams": 1, "hours": {"container": 10}}})
    r = run(tmp_path, data)
    assert [c.depart_h for c in loaded(r)] == [25.0]
    assert r.closure_h == 28.0
    assert r.utilisation["preparation:A"] == round(20 / 28, 4)
    del data["sites"]["A"]["ready_day"]
    (tmp_path / "b").mkdir()
    assert run(tmp_path / "b", data).closure_h == 24.0


def test_ready_day_alone(tmp_path: Path) -> None:
    # Nothing loaded before 48 h: loaded 48-49 h, 2 h drive, 1 h unload: 52 h.
    data = simple(1, 1)
    data["sites"]["A"]["ready_day"] = 2
    assert run(tmp_path, data).closure_h == 52.0


# ----------------------------------------------------------------------------- disposal busy time
def test_disposal_team_utilisation_is_reported(tmp_path: Path) -> None:
    # 5 of 10 containers destroyed, 2 h each, one team: busy 0-10 h, the whole run; the 5
    # trucks are busy 4 h each of 10 h (40%): disposal binds the phase.
    data = simple(10, 5)
    data["sites"]["A"].update(
        {"disposition": {"container": {"destroy": 0.5, "hours": 2}}, "disposal_teams": 1}
    )
    r = run(tmp_path, data)
    assert r.closure_h == 10.0
    assert r.utilisation["disposal:A"] == 1.0
    assert r.binding_by_phase["out"] == {"resource": "disposal:A", "utilisation": 1.0}


def test_disposal_in_work_hours(tmp_path: Path) -> None:
    # 1 container destroyed, 16 h, one team working 6-18: done at 34 h (6-18, 30-34 h);
    # busy 16 h of 34 h.
    data = simple(1, 1)
    data["sites"]["A"].update(
        {
            "disposition": {"container": {"destroy": 1, "hours": 16}},
            "disposal_teams": 1,
            "work_hours": [6, 18],
        }
    )
    r = run(tmp_path, data)
    assert r.closure_h == 34.0
    assert r.utilisation["disposal:A"] == round(16 / 34, 4)


# ----------------------------------------------------------------------------- refusals
@pytest.mark.parametrize(
    ("site", "where", "says"),
    [
        ({"prepare": {"hours": {"contaner": 5}}}, "sites.A.prepare.hours.contaner", "'container'"),
        ({"prepare": {"teams": 0, "hours": {}}}, "sites.A.prepare.teams", ""),
        ({"work_hours": [6, 6]}, "sites.A.work_hours", "two different hours"),
        ({"work_hours": [6, 25]}, "sites.A.work_hours", "from 0 to 24"),
        ({"ready_day": -1}, "sites.A.ready_day", ""),
        ({"prepare": {"hours": {"container": -2}}}, "sites.A.prepare.hours.container", ""),
    ],
)
def test_refusals(tmp_path: Path, site: dict[str, Any], where: str, says: str) -> None:
    data = simple(1, 1)
    data["sites"]["A"].update(site)
    with pytest.raises(sim.ScenarioError) as err:
        load(tmp_path, data)
    text = str(err.value)
    assert "s.yaml:" in text and where in text and says in text, text
