"""The theatre map (``map.png``): flow counted by hand, drawn to scale, and drawn offline.

* flow: the worked example moves 100 containers on 10 trucks of 2, so route A–B carries
  100 / 2 = 50 loaded truck trips (5 convoys of 10); with a second site C holding 40
  containers on its own road to B, that road carries 40 / 2 = 20, and the trucks' empty
  drives from A to C count on neither. Line widths are proportional: 50 trips get the full
  width, 20 trips two fifths of it;
* a crossing sits on its road at ``at_km`` / ``km`` of the way from the route's ``from`` end,
  labelled with its weight limit; a site without coordinates is listed under the map; a map
  of replications says it has no flow;
* ``posture run`` writes ``map.png`` for a scenario with coordinates and says in one line
  why there is none for a scenario without; every shipped scenario with coordinates draws as
  PNG and SVG with every socket connection refused (no tiles, no downloads).
"""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import sim
from sim.cli import main
from sim.outputs.cartography import frame_of
from sim.outputs.map_plot import MAX_FLOW_PT, Flow, flow_of, map_figure, replications_map, run_map
from sim.outputs.plot_style import save

ROOT = Path(__file__).resolve().parents[2]
WORKED = ROOT / "scenarios/examples/worked-example.yaml"
FLAGSHIP = ROOT / "scenarios/syria-2026.yaml"
TWO_ROADS = """\
name: Two roads into B
start: 2026-01-01
horizon_days: 30
cargo:
  container: {short_tons: 10}
sites:
  A: {name: Site A, lat: 36.0, lon: 40.0, equipment: {container: 100}}
  B: {name: Site B, lat: 36.0, lon: 43.0, airfield: {sorties_per_day: 4}}
  C: {name: Site C, lat: 37.0, lon: 42.0, equipment: {container: 40}}
  D: {name: Depot without coordinates}
fleets:
  trucks: {count: 10, based_at: A, capacity: {container: 2}, speed_kmh: 30, load_hours: 2, unload_hours: 1}
routes:
  - {from: A, to: B, km: 300}
  - {from: C, to: B, km: 100, crossings: [{id: bridge, at_km: 25}]}
crossings:
  bridge: {name: Pontoon bridge, max_short_tons: 100}
phases:
  - id: out
    start_day: 0
    moves:
      - {from: A, to: B}
      - {from: C, to: B}
"""


def _shipped_with_coordinates() -> list[Path]:
    files = sorted((ROOT / "scenarios").rglob("*.yaml"))
    return [
        f
        for f in files
        if any(s.lat is not None and s.lon is not None for s in sim.load_scenario(f).sites.values())
    ]


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every attempt to open a network connection fails the test."""

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError(f"network used: {args}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


@pytest.fixture
def two_roads(tmp_path: Path) -> Path:
    path = tmp_path / "two-roads.yaml"
    path.write_text(TWO_ROADS)
    return path


def _flow_widths(fig: Any) -> dict[str, float]:
    ax = fig.axes[0]
    return {
        line.get_gid(): line.get_linewidth()
        for line in ax.get_lines()
        if (line.get_gid() or "").startswith("flow")
    }


# ----------------------------------------------------------------------------- flow
def test_worked_example_carries_fifty_loaded_truck_trips_on_its_one_road() -> None:
    result = sim.simulate(sim.load_scenario(WORKED), seed=0)
    flow = flow_of(result)
    assert flow.road == {0: 50}  # 100 containers / 2 per truck
    assert flow.air == {}
    assert [c.routes for c in result.convoys] == [(0,)] * 9  # 5 loaded and 4 empty convoys, all on A–B


def test_two_roads_carry_fifty_and_twenty_trips_and_widths_follow(two_roads: Path, offline: None) -> None:
    result = sim.simulate(sim.load_scenario(two_roads), seed=0)
    flow = flow_of(result)
    assert flow.road == {0: 50, 1: 20}  # 100 / 2 on A–B, 40 / 2 on C–B; empty drives A→C not counted
    widths = _flow_widths(map_figure(result.scenario, flow))
    assert widths == pytest.approx({"flow-0": MAX_FLOW_PT, "flow-1": MAX_FLOW_PT * 20 / 50})


def test_a_crossing_sits_at_its_share_of_the_road_with_its_weight_limit(two_roads: Path) -> None:
    scenario = sim.load_scenario(two_roads)
    fig = map_figure(scenario, Flow({0: 1}))
    ax = fig.axes[0]
    site = {
        c.get_gid(): c.get_offsets()[0] for c in ax.collections if (c.get_gid() or "").startswith("site-")
    }
    diamonds = [line.get_xydata()[0] for line in ax.get_lines() if line.get_marker() == "D"]
    assert len(diamonds) == 1
    # C–B is 100 km with the bridge at km 25: a quarter of the way from C
    expected = site["site-C"] + 0.25 * (site["site-B"] - site["site-C"])
    assert np.allclose(diamonds[0], expected)
    texts = [t.get_text() for t in ax.texts]
    assert "Pontoon bridge\nmax 100 short tons" in texts


def test_sites_without_coordinates_are_listed_and_replications_have_no_flow(two_roads: Path) -> None:
    fig = replications_map(sim.load_scenario(two_roads))
    assert not isinstance(fig, str)
    note = fig.axes[0].get_xlabel()
    assert "Not on the map (no lat/lon): D." in note
    assert "No flow drawn: replications keep no per-route counts" in note
    assert _flow_widths(fig) == {}


def test_site_area_follows_personnel_and_an_empty_site_gets_a_small_marker(two_roads: Path) -> None:
    people = ["sites.A.personnel=400", "sites.C.personnel=100", "fleets.trucks.capacity.personnel=10"]
    scenario = sim.load_scenario(two_roads, overrides=people)
    ax = map_figure(scenario).axes[0]
    area = {
        c.get_gid(): float(c.get_sizes()[0])
        for c in ax.collections
        if (c.get_gid() or "").startswith("site-")
    }
    assert area["site-C"] == pytest.approx(area["site-A"] / 4)  # 100 personnel against 400
    assert area["site-B"] < area["site-C"]  # no personnel: the small open marker


def test_a_theatre_across_the_date_line_is_drawn_the_short_way() -> None:
    frame = frame_of([(179.5, -17.0), (-171.0, -14.0)])  # Fiji and Samoa, 9.5 degrees apart
    x0, x1, _, _ = frame.box
    assert frame.lon0 == pytest.approx(-175.75)
    assert x1 - x0 < 2_000  # km: not the 350 degrees the other way round
    xs, _ = frame.xy(np.array([179.5, -171.0]), np.array([-17.0, -14.0]))
    assert x0 < xs[0] < xs[1] < x1


def test_no_coordinates_no_map() -> None:
    result = sim.simulate(sim.load_scenario(WORKED), seed=0)
    why = run_map(result)
    assert why == "no site has lat and lon (give them under sites.<id> to get a theatre map)"


def test_the_same_map_gives_the_same_bytes(two_roads: Path, tmp_path: Path) -> None:
    scenario = sim.load_scenario(two_roads)
    first = save(map_figure(scenario, Flow({0: 50, 1: 20})), tmp_path / "a.png")
    second = save(map_figure(scenario, Flow({0: 50, 1: 20})), tmp_path / "b.png")
    assert first.read_bytes() == second.read_bytes()


# ----------------------------------------------------------------------------- posture run
def test_run_writes_a_map_offline_and_says_why_not_without_coordinates(
    two_roads: Path, tmp_path: Path, offline: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["run", str(two_roads), "--out", str(tmp_path / "two")]) == 0
    assert (tmp_path / "two" / "map.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert main(["run", str(WORKED), "--out", str(tmp_path / "worked")]) == 0
    assert not (tmp_path / "worked" / "map.png").exists()
    err = capsys.readouterr().err
    assert err.count("map.png not drawn") == 1
    assert "map.png not drawn: no site has lat and lon" in err


@pytest.mark.slow
@pytest.mark.parametrize("path", _shipped_with_coordinates(), ids=lambda p: p.stem)
def test_every_shipped_scenario_with_coordinates_draws_offline(
    path: Path, tmp_path: Path, offline: None
) -> None:
    scenario = sim.load_scenario(path)
    fig = run_map(sim.simulate(scenario, seed=0))
    assert not isinstance(fig, str)
    png = save(fig, tmp_path / "map.png")
    svg = save(fig, tmp_path / "map.svg")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    text = svg.read_text()
    assert text.lstrip().startswith("<?xml") and "<svg" in text
    for site in scenario.sites.values():  # each site is labelled, as text in the SVG
        assert (site.name or "").split(" (")[0].split(",")[0] in text
    assert svg.stat().st_size < 1_500_000
