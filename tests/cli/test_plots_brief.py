"""Pictures fit for a brief (issue #13): formats, dpi, footer, date axes, palette, sweeps, arrivals.

* ``--format svg|pdf`` writes files of that format (checked by their first bytes) and no
  PNG; ``--dpi`` sets a PNG's size in pixels (figure inches x dpi); a bad value of either is
  a usage error;
* every plot carries a footer naming the scenario, the seed, the replications, the posture
  version and the date, and a single run's plots say what the run is;
* a plot that would be empty (a troop curve or fan chart without personnel) is not written,
  and the command says why;
* date axes name the month and year of their first tick; the palette gives 10 distinct
  colours and never the same colour and line style twice;
* the sweep plot orders numbers as numbers and draws a swept distribution as categories;
* daily arrivals count people and equipment apart (checked by hand on the phased example);
* the closure CDF spans the finishes, not the horizon, and marks P10/P50/P90 and the 50 %
  and 90 % crossings (checked by hand on ten replications);
* the labels of the flagship's troop curve overlap neither each other nor the legend.
"""

from __future__ import annotations

import datetime as dt
import struct
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import sim
from sim.cli import main

ROOT = Path(__file__).resolve().parents[2]
WORKED = ROOT / "scenarios/examples/worked-example.yaml"
PHASED = ROOT / "scenarios/examples/phased-keep.yaml"
FLAGSHIP = ROOT / "scenarios/syria-2026.yaml"
RANDOM = ["--set", "fleets.trucks.load_hours={triangular: [1, 2, 4]}"]
PLOTS = ("troop_curve", "gantt", "throughput")


def _run(*args: Any) -> None:
    assert main(["run", *map(str, args), "--jobs", "1"]) == 0


def _png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", head[16:24])
    return int(width), int(height)


# ----------------------------------------------------------------------------- formats, dpi
def test_svg_writes_svg_with_the_footer_and_the_run_as_text(tmp_path: Path) -> None:
    _run(PHASED, "--out", tmp_path, "--format", "svg", "--seed", "3", *RANDOM)
    assert not list(tmp_path.glob("*.png"))
    today = dt.datetime.now(dt.UTC).date().isoformat()
    for stem in PLOTS:
        text = (tmp_path / f"{stem}.svg").read_text()
        assert text.startswith("<?xml") and "<svg" in text, stem
        for part in ("Phased drawdown", "seed 3", "1 replication", f"posture {sim.__version__}", today):
            assert part in text, (stem, part)
        assert "one random replication (seed 3, replication 0)" in text, stem


def test_pdf_svg_and_the_format_of_a_path(tmp_path: Path) -> None:
    from sim.outputs.plot_style import PlotInfo, new_figure, save

    info = PlotInfo("S", 1, 2, "v", dt.date(2026, 1, 2))
    assert info.text() == "S · seed 1 · 2 replications · posture v · 2026-01-02"

    def figure() -> Any:
        fig = new_figure(3, 2, info)
        fig.add_subplot().plot([0, 1], [0, 1])
        return fig

    pdf = save(figure(), tmp_path / "f.png", "pdf")
    assert pdf.name == "f.pdf" and pdf.read_bytes().startswith(b"%PDF-")
    assert save(figure(), tmp_path / "g.svg").read_bytes().startswith(b"<?xml")
    for name in ("f.pdf", "g.svg"):  # nothing that changes from run to run
        again = save(figure(), tmp_path / "again" / name)
        assert again.read_bytes() == (tmp_path / name).read_bytes(), name
    with pytest.raises(ValueError, match="gif"):
        save(figure(), tmp_path / "h.gif")


def test_a_run_without_randomness_says_so_in_the_title() -> None:
    from sim.outputs.plots import gantt_figure

    fig = gantt_figure(sim.simulate(sim.load_scenario(PHASED)))
    assert (
        fig.axes[0]
        .get_title(loc="left")
        .endswith("the only outcome (nothing in the scenario is drawn at random)")
    )


def test_dpi_sets_the_png_size(tmp_path: Path) -> None:
    from sim.outputs.plot_style import new_figure, save

    _run(PHASED, "--out", tmp_path, "--dpi", "100", "--deterministic")
    # the Gantt chart is 11 inches wide and 2.4 + 0.55 x 1 base tall; the troop curve 12 wide
    assert _png_size(tmp_path / "gantt.png") == (1100, 295)
    assert _png_size(tmp_path / "troop_curve.png")[0] == 1200
    fig = new_figure(3, 2)
    assert _png_size(save(fig, tmp_path / "a.png", dpi=50)) == (150, 100)
    assert _png_size(save(fig, tmp_path / "b.png")) == (450, 300)  # the default, 150 dpi


@pytest.mark.parametrize(("option", "value"), [("--format", "gif"), ("--dpi", "5"), ("--dpi", "lots")])
def test_bad_format_or_dpi_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], option: str, value: str
) -> None:
    assert main(["run", str(PHASED), "--out", str(tmp_path), option, value]) == 2
    assert option in capsys.readouterr().err
    assert not any(tmp_path.iterdir())


# ----------------------------------------------------------------------------- empty plots
def test_no_personnel_draws_no_troop_curve_and_says_why(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _run(WORKED, "--out", tmp_path / "one")
    _run(WORKED, "--out", tmp_path / "many", "-n", "2", "--deterministic")
    err = capsys.readouterr().err
    assert sorted(p.name for p in (tmp_path / "one").glob("*.png")) == ["gantt.png", "throughput.png"]
    assert sorted(p.name for p in (tmp_path / "many").glob("*.png")) == ["closure_cdf.png"]
    assert "troop_curve.png not drawn: the scenario has no personnel" in err
    assert "fan_chart.png not drawn: the scenario has no personnel" in err


# ----------------------------------------------------------------------------- style
def test_palette_has_ten_colours_and_no_style_twice() -> None:
    from sim.outputs.plot_style import palette

    styles = palette(40)
    assert len({s.color for s in styles[:10]}) == 10
    assert len({(s.color, s.ls) for s in styles}) == 40
    assert len({(s.color, s.hatch) for s in styles[:20]}) == 20
    assert palette(0) == []


def test_date_labels_name_the_first_month_and_each_change() -> None:
    from sim.outputs.plot_style import date_labels

    days = [dt.datetime(2026, 2, 8) + dt.timedelta(days=7 * k) for k in range(5)]
    assert date_labels(days) == ["8\nFeb 2026", "15", "22", "1\nMar", "8"]
    # a first tick outside the view is not shown: the first shown one names the month
    assert date_labels(days, [False, True, True, True, True]) == ["", "15\nFeb 2026", "22", "1\nMar", "8"]
    new_year = [dt.datetime(2025, 12, 29), dt.datetime(2026, 1, 5)]
    assert date_labels(new_year) == ["29\nDec 2025", "5\nJan 2026"]
    months = [dt.datetime(2025, m, 1) for m in (10, 11, 12)] + [dt.datetime(2026, 1, 1)]
    assert date_labels(months) == ["Oct\n2025", "Nov", "Dec", "Jan\n2026"]
    hours = [dt.datetime(2026, 1, 1, 12), dt.datetime(2026, 1, 1, 18), dt.datetime(2026, 1, 2)]
    assert date_labels(hours) == ["12:00\n1 Jan 2026", "18:00", "00:00\n2 Jan 2026"]


def test_a_drawn_date_axis_names_its_first_month() -> None:
    from sim.outputs.plot_style import date_axis, new_figure, x_of

    fig = new_figure(6, 3)
    ax = fig.add_subplot()
    ax.plot([x_of(dt.date(2026, 2, 5)), x_of(dt.date(2026, 3, 20))], [0, 1])
    date_axis(ax)
    fig.draw_without_rendering()
    shown = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
    assert shown[0].endswith("Feb 2026")
    assert any(t.endswith("\nMar") for t in shown)


# ----------------------------------------------------------------------------- sweeps
def _records(key: str, values: list[Any], other: str, others: list[Any]) -> list[dict[str, Any]]:
    out = []
    for i, v in enumerate(values):
        for j, w in enumerate(others):
            p50 = 2.0 + i + j
            out.append(
                {
                    key: v,
                    other: w,
                    "closure_weeks_p10": p50 - 0.5,
                    "closure_weeks_p50": p50,
                    "closure_weeks_p90": p50 + 0.5,
                }
            )
    return out


def test_sweep_orders_numbers_as_numbers_and_labels_keys_readably() -> None:
    from sim.outputs.sweep_plot import sweep_figure

    keys = ["fleets.flatbed.count", "sites.qasrak.loading_teams"]
    fig = sweep_figure("t", keys, _records(keys[0], [100, 50, 70], keys[1], [8, 4]))
    left, right = fig.axes[:2]
    assert left.get_xlabel() == "flatbed: count" and right.get_xlabel() == "qasrak: loading teams"
    assert [t.get_text() for t in right.get_legend().get_texts()] == ["50", "70", "100"]
    assert [t.get_text() for t in left.get_legend().get_texts()] == ["4", "8"]
    assert right.get_legend().get_title().get_text() == "flatbed: count"


def test_a_swept_distribution_is_drawn_as_categories() -> None:
    from sim.outputs.sweep_plot import sweep_figure

    values = ["{triangular: [1,2,4]}", "{triangular: [2,3,5]}"]
    fig = sweep_figure(
        "t", ["fleets.trucks.load_hours"], _records("fleets.trucks.load_hours", values, "x", [0])
    )
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == values
    drawn = [line for line in ax.get_lines() if np.isfinite(np.asarray(line.get_ydata(), dtype=float)).any()]
    assert drawn, "a swept distribution must not give a blank panel"
    assert sorted(np.asarray(drawn[0].get_ydata(), dtype=float)) == [2.0, 3.0]


def test_sweep_of_a_distribution_end_to_end(tmp_path: Path) -> None:
    vary = "fleets.trucks.load_hours={triangular: [1, 2, 4]};{triangular: [2, 3, 5]}"
    args = ["sweep", str(WORKED), "--vary", vary, "-n", "2", "--jobs", "1", "--out", str(tmp_path)]
    assert main([*args, "--format", "svg"]) == 0
    text = (tmp_path / "sweep.svg").read_text()
    assert "{triangular: [1, 2, 4]}" in text and "trucks: load hours" in text
    assert "2 replications per point" in text


# ----------------------------------------------------------------------------- arrivals
def test_arrivals_keep_people_and_equipment_apart() -> None:
    from sim.outputs.plots import arrivals, throughput_figure

    result = sim.simulate(sim.load_scenario(PHASED), deterministic=True)
    got = arrivals(result)
    # by hand (the file's comment): 80 people unloaded at 19 h, 10 at 31 h and 10 at 37 h;
    # containers 20 at 7 h, 10 at 19 h and 10 at 31 h; all by road
    assert list(got["people", "road"][:3]) == [80, 20, 0]
    assert list(got["equipment", "road"][:3]) == [30, 10, 0]
    assert not got["people", "air"].any() and not got["equipment", "air"].any()
    fig = throughput_figure(result)
    titles = [ax.get_title(loc="left") for ax in fig.axes]
    assert titles == ["People arrived per day", "Equipment units (container) arrived per day"]
    # on the flagship (road and air, breakdowns, stragglers) the totals are the engine's own
    flagship = sim.simulate(sim.load_scenario(FLAGSHIP), seed=1)
    got = arrivals(flagship)
    for mode in ("road", "air"):
        total = got["people", mode].sum() + got["equipment", mode].sum()
        assert total == flagship.daily[f"arrived_{mode}"].sum() > 0, mode


# ----------------------------------------------------------------------------- closure CDF
def test_cdf_spans_the_finishes_and_marks_percentiles_and_crossings() -> None:
    from sim.outputs.cdf_plot import closure_cdf_figure
    from sim.outputs.plot_style import x_of

    s = sim.load_scenario(PHASED)  # starts 1 January 2026; no milestones
    days = [float(d) for d in range(10, 20)]
    fig = closure_cdf_figure(s, days, days)
    ax = fig.axes[0]
    origin = x_of(s.start)
    # 10 ... 19 plus a margin of max(1, 7 % of 9) days, not the 10-day horizon from day 0
    assert ax.get_xlim() == pytest.approx((origin + 9.0, origin + 20.0))
    texts = [t.get_text() for t in ax.texts]
    assert "50% by 15 Jan (day 14.0)" in texts  # the 5th of 10 finishes on day 14
    assert "90% by 19 Jan (day 18.0)" in texts
    for q, when in (("P10", "11 Jan"), ("P50", "15 Jan"), ("P90", "19 Jan")):
        assert any(f"closure {q} {when}" in t for t in texts), q


def test_cdf_of_unfinished_replications_says_what_share_finished() -> None:
    from sim.outputs.cdf_plot import closure_cdf_figure

    s = sim.load_scenario(PHASED)
    days: list[float | None] = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, None, None]
    ax = closure_cdf_figure(s, days, days).axes[0]
    texts = [t.get_text() for t in ax.texts]
    assert any(t.startswith("50% by") for t in texts)
    assert not any(t.startswith("90% by") for t in texts)
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "80% finished within the 10-day horizon" in legend
    assert "closure P10, P50; P90 beyond the horizon" in legend


# ----------------------------------------------------------------------------- labels
def test_flagship_labels_overlap_neither_each_other_nor_the_legend() -> None:
    from sim.outputs.curve_plots import troop_curve_figure

    fig = troop_curve_figure(sim.simulate(sim.load_scenario(FLAGSHIP), seed=0))
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    main = fig.axes[1] if fig.axes[0].get_title(loc="left") == "earlier" else fig.axes[0]
    boxes = [t.get_window_extent(renderer) for ax in fig.axes for t in ax.texts if t.get_text()]
    assert len(boxes) >= 6
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not a.overlaps(b), (a, b)
    legend = main.get_legend().get_window_extent(renderer)
    assert not any(box.overlaps(legend) for box in boxes)
