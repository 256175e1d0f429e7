"""Bands for every measure (``metric_bands.csv``) and plots that show the evidence.

* ``metric_bands.csv`` has one row per day and measure key, in day order and key order; on a
  deterministic run every percentile is the single run's series (checked by hand on the
  worked example, which closes at 105 h), and a random run's bands are the percentiles of
  the replications' own series, however many blocks of days they are read in;
* the plot functions draw scenarios with ranges, bounds, weights, site observations,
  observations before day 0 and after the horizon, and milestones, and their date axes reach
  the last observation or milestone; user text with ``$`` never turns into mathtext.
"""

from __future__ import annotations

import copy
import csv
import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

import sim
from sim.cli import main
from sim.engine import measures
from sim.experiment import blocks, ensemble

ROOT = Path(__file__).resolve().parents[2]
WORKED = ROOT / "scenarios/examples/worked-example.yaml"
PHASED = ROOT / "scenarios/examples/phased-keep.yaml"
UNCERTAIN = [
    "--set",
    "fleets.trucks.load_hours={triangular: [1, 2, 4]}",
    "--set",
    "fleets.trucks.speed_kmh={normal: {mean: 30, sd: 4}}",
]
HEADER = ["day", "date", "measure", "p5", "p10", "p25", "p50", "p75", "p90", "p95"]
LAST_EVIDENCE = dt.date(2026, 3, 3)  # the latest end of a milestone window below


def _bands(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open() as fh:
        reader = csv.DictReader(fh)
        return list(reader.fieldnames or []), list(reader)


def _run(scenario: Path, out: Path, *args: str) -> None:
    assert main(["run", str(scenario), "--out", str(out), "--jobs", "1", *args]) == 0


# ----------------------------------------------------------------------------- metric_bands.csv
def test_deterministic_bands_are_the_single_run_series(tmp_path: Path) -> None:
    _run(WORKED, tmp_path, "-n", "3", "--deterministic", "--no-plot")
    header, rows = _bands(tmp_path / "metric_bands.csv")
    s = sim.load_scenario(WORKED)
    keys = measures.keys(s)
    days = int(s.horizon_days) + 1
    assert header == HEADER
    assert len(rows) == days * len(keys)
    assert [(int(r["day"]), r["measure"]) for r in rows] == [(d, k) for d in range(days) for k in keys]
    assert rows[len(keys)]["date"] == "2026-01-02"
    table = measures.table(sim.simulate(s, deterministic=True))
    for r in rows:
        want = round(float(table[int(r["day"]), keys.index(r["measure"])]), 2)
        assert [float(r[q]) for q in HEADER[3:]] == [want] * 7, r


def test_worked_example_bands_by_hand(tmp_path: Path) -> None:
    """Five convoys of 20 containers, 10 trucks each, unloaded at 13, 36, 59, 82 and 105 h."""
    _run(WORKED, tmp_path, "-n", "2", "--deterministic", "--no-plot")
    _, rows = _bands(tmp_path / "metric_bands.csv")
    p50 = {(int(r["day"]), r["measure"]): float(r["p50"]) for r in rows}
    p5 = {(int(r["day"]), r["measure"]): float(r["p5"]) for r in rows}
    assert [p50[d, "percent_complete"] for d in range(7)] == [0, 20, 40, 60, 80, 100, 100]
    assert p5[5, "percent_complete"] == 100.0 and p50[30, "percent_complete"] == 100.0
    assert [p50[d, "vehicle_trips"] for d in range(6)] == [0, 10, 20, 30, 40, 50]
    # A is left empty at 94 h (the fifth convoy loads 92-94 h): no site open at 00:00 on day 4
    assert [p50[d, "sites_open"] for d in range(6)] == [1, 1, 1, 1, 0, 0]
    assert [p50[d, "equipment@A"] for d in range(6)] == [100, 80, 40, 20, 0, 0]


def test_random_bands_are_percentiles_of_the_replications(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _run(WORKED, tmp_path / "whole", *UNCERTAIN, "-n", "8", "--no-plot")
    monkeypatch.setattr(blocks, "BLOCK_BYTES", 1)  # one day per block, through a day-major scratch file
    _run(WORKED, tmp_path / "blocks", *UNCERTAIN, "-n", "8", "--no-plot")
    whole = (tmp_path / "whole" / "metric_bands.csv").read_bytes()
    assert (tmp_path / "blocks" / "metric_bands.csv").read_bytes() == whole
    s = sim.load_scenario(WORKED, UNCERTAIN[1::2])
    tables = np.stack([measures.table(sim.simulate(s, seed=0, replication=i)) for i in range(8)])
    keys = measures.keys(s)
    _, rows = _bands(tmp_path / "whole" / "metric_bands.csv")
    for r in rows:
        series = tables[:, int(r["day"]), keys.index(r["measure"])]
        got = [float(r[q]) for q in HEADER[3:]]
        want = [round(float(np.percentile(series, q)), 2) for q in (5, 10, 25, 50, 75, 90, 95)]
        assert got == pytest.approx(want, abs=1e-9), r
        assert got == sorted(got)


def test_phase_starts_from_the_replications(tmp_path: Path) -> None:
    """phased-keep: drawdown starts on its start_day 0; close_out after it closes, at 19 h."""
    from sim.experiment.plan import RunPlan
    from sim.experiment.runner import simulate_many

    s = sim.load_scenario(PHASED)
    plan = RunPlan(n=3, seed=0, jobs=1, deterministic=True)
    with simulate_many(s, plan=plan) as store:
        starts = ensemble.Ensemble(store, s, plan).phase_starts()
    assert starts == {"drawdown": (0.0, "start_day"), "close_out": (pytest.approx(19 / 24), "P50")}


# ----------------------------------------------------------------------------- plots
def _evidence(tmp_path: Path) -> Path:
    """phased-keep with every kind of evidence, and ``$`` in the user text."""
    data: dict[str, Any] = yaml.safe_load(PHASED.read_text())
    data["name"] = "Evidence: $\\foo{$ and $x$"
    data["sites"]["A"]["name"] = "Forward base $A$"
    d = dt.date
    data["observations"] = [
        {"date": d(2026, 1, 1), "personnel": 100, "source": "S1"},
        {"date": d(2025, 12, 25), "value": 110, "source": "$x$", "label": "$\\bad{$"},  # before day 0
        {"date": d(2025, 6, 1), "value": 300, "weight": 0.5, "source": "old"},  # far before: own panel
        {"date": d(2026, 1, 2), "low": 10, "high": 40, "source": "R"},
        {"date": d(2026, 1, 3), "low": 5, "source": "L"},
        {"date": d(2026, 1, 3), "high": 30, "weight": 0.4, "source": "U"},
        {"date": d(2026, 2, 20), "value": 0, "source": "late"},  # after the 10-day horizon
        {"date": d(2026, 1, 2), "value": 20, "site": "A", "source": "SA"},
        {"date": d(2026, 1, 1), "low": 60, "high": 120, "site": "A", "source": "SA2", "weight": 0.6},
        {"date": d(2025, 3, 1), "value": 80, "site": "A", "source": "SA3"},
        {"date": d(2026, 1, 4), "high": 15, "site": "A", "source": "SA4"},
        {"date": d(2026, 1, 5), "low": 0, "site": "B", "source": "SB"},
        {"date": d(2026, 1, 2), "metric": "equipment", "value": 30, "source": "E"},
    ]
    data["milestones"] = [
        {
            "percent": 50,
            "date": d(2026, 1, 2),
            "earliest": d(2026, 1, 1),
            "latest": d(2026, 1, 3),
            "source": "M",
        },
        {"percent": 100, "date": d(2026, 3, 1), "latest": LAST_EVIDENCE, "weight": 0.5, "source": "$M$"},
    ]
    sources = {o["source"] for o in data["observations"] + data["milestones"]}
    data["sources"] = {k: {"title": "test"} for k in sorted(sources)}
    path = tmp_path / "evidence.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def _reaches(fig: Any, when: dt.date) -> None:
    """The main axes (the first) and every strip sharing its dates reach ``when``."""
    from sim.outputs.plots import x_of

    main_ax = fig.axes[0]
    shared = [ax for ax in fig.axes if ax.get_shared_x_axes().joined(ax, main_ax)]
    assert len(shared) >= 1
    for ax in shared:
        left, right = ax.get_xlim()
        assert right >= x_of(when) and left <= x_of(dt.date(2025, 12, 25)), ax.get_title(loc="left")


def _texts(fig: Any) -> list[str]:
    return [t.get_text() for ax in fig.axes for t in ax.texts] + [ax.get_title(loc="left") for ax in fig.axes]


def test_troop_curve_and_run_plots_show_the_evidence(tmp_path: Path) -> None:
    from sim.outputs.curve_plots import troop_curve_figure
    from sim.outputs.plots import gantt_figure, save_figure, throughput_figure, x_of

    s = sim.load_scenario(_evidence(tmp_path))
    result = sim.simulate(s, deterministic=True)
    fig = troop_curve_figure(result)
    _reaches(fig, LAST_EVIDENCE)
    titles = [ax.get_title(loc="left") for ax in fig.axes]
    assert any(t.startswith("Personnel at A") for t in titles) and any(
        t.startswith("Personnel at B") for t in titles
    )
    texts = _texts(fig)
    for source in ("S1", "R", "L", "U", "late", "SA", "SA2", "SA4", "SB", "old", "SA3", "50 % M"):
        assert source in texts, source
    assert "E" not in texts  # equipment is not drawn on a personnel plot
    assert r"\$x\$" in texts and "100 % \\$M\\$" in texts
    save_figure(fig, tmp_path / "troop.png")  # draws every text: mathtext would fail here
    for make in (gantt_figure, throughput_figure):
        other = make(result)
        assert other.axes[0].get_xlim()[1] >= x_of(LAST_EVIDENCE)
        save_figure(other, tmp_path / "other.png")


def test_fan_chart_and_closure_cdf_show_the_evidence(tmp_path: Path) -> None:
    from sim.outputs.curve_plots import closure_cdf_figure, fan_chart_figure
    from sim.outputs.plots import save_figure, x_of

    s = sim.load_scenario(_evidence(tmp_path))
    days = np.arange(11, dtype=float)
    curve = np.array([100, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0], dtype=float)
    bands = {q: curve * f for q, f in (("p10", 0.8), ("p25", 0.9), ("p50", 1.0), ("p75", 1.1), ("p90", 1.2))}
    closure = {"p10": 1.4, "p50": 1.55, "p90": None}
    starts = {"drawdown": (0.0, "start_day"), "close_out": (0.8, "P50")}
    fig = fan_chart_figure(s, days, bands, "3 replications", closure, starts, {"A": bands, "B": bands})
    _reaches(fig, LAST_EVIDENCE)
    texts = _texts(fig)
    assert any(t.startswith("closure P10 2026-01-02") for t in texts)
    assert any("drawdown opens" in t for t in texts) and any("close_out opens" in t for t in texts)
    labels = fig.axes[0].get_legend_handles_labels()[1] + [
        t.get_text() for t in fig.axes[0].get_legend().get_texts()
    ]
    assert "phase opens (its start_day)" in labels and "phase opens (P50 over replications)" in labels
    assert "closure P10, P50; P90 beyond the horizon" in labels
    save_figure(fig, tmp_path / "fan.png")
    cdf = closure_cdf_figure(s, [1.4, 1.5, None], [1.3, 1.4, None])
    assert cdf.axes[0].get_xlim()[1] >= x_of(LAST_EVIDENCE)
    assert any(t.startswith("observed 100 %") for t in _texts(cdf))
    save_figure(cdf, tmp_path / "cdf.png")
    nothing = closure_cdf_figure(s, [None], [None])
    assert nothing.axes[0].get_xlim()[1] >= x_of(LAST_EVIDENCE)


def test_ensemble_run_writes_bands_and_plots_with_evidence(tmp_path: Path) -> None:
    path = _evidence(tmp_path)
    _run(path, tmp_path / "out", "-n", "3", "--set", "fleets.trucks.speed_kmh={normal: {mean: 40, sd: 5}}")
    out = tmp_path / "out"
    for name in ("metric_bands.csv", "fan_chart.png", "closure_cdf.png", "troop_curve_bands.csv"):
        assert (out / name).stat().st_size > 0, name
    _, rows = _bands(out / "metric_bands.csv")
    assert {r["measure"] for r in rows} == set(measures.keys(sim.load_scenario(path)))


def test_weights_make_marks_lighter() -> None:
    from sim.outputs.evidence_plots import alpha_of

    assert alpha_of(1.0) == 1.0 and alpha_of(0.0) == 0.25 and alpha_of(0.4) < alpha_of(0.8) < 1.0


def test_no_observations_no_trouble(tmp_path: Path) -> None:
    from sim.outputs.curve_plots import troop_curve_figure

    data = copy.deepcopy(yaml.safe_load(PHASED.read_text()))
    path = tmp_path / "bare.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    fig = troop_curve_figure(sim.simulate(sim.load_scenario(path), deterministic=True))
    assert len(fig.axes) == 1
