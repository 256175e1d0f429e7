"""``posture score`` and ``sim.score``: every rule of docs/results.md "Scores", computed by hand.

Most cases use the worked example run with ``--deterministic``: every replication is the
same, so P5 = P10 = ... = P95 = the one simulated value v, and the hand computations are
short. Its daily equipment (00:00): at A 100, 80, 40, 20, 0; at B 0, 20, 40, 60, 80, 100;
percent complete 0, 20, 40, 60, 80, 100. Convoy k is unloaded at 13 + 23 (k - 1) h, so 50 %
is first reached at 59 h (2026-01-03) and 100 % at 105 h (2026-01-05). A second scenario
has one uniform distribution, so its percentiles can be bounded by hand.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from rich.console import Console

import sim
from sim.cli import main
from sim.experiment.score import overlaps, scored_point, status_of
from sim.experiment.store import RunStore
from sim.outputs import scoring
from tests.support.scenario_factory import load, simple

ROOT = Path(__file__).resolve().parents[2]
WORKED = ROOT / "scenarios/examples/worked-example.yaml"
CITE = "assumption: a figure made up for the test"
NAME = "Worked example (100 containers, 10 trucks)"


def _ob(date: str, key: str, weight: float = 1.0, **observed: float) -> dict[str, Any]:
    metric, _, site = key.partition("@")
    return {
        "date": date,
        "metric": metric,
        **({"site": site} if site else {}),
        **observed,
        "weight": weight,
        "source": CITE,
    }


def _ms(percent: float, date: str, **window: str) -> dict[str, Any]:
    return {"percent": percent, "date": date, **window, "source": CITE}


OBSERVATIONS = [
    _ob("2026-01-02", "equipment@A", value=80),  # 0: on the band: inside
    _ob("2026-01-02", "equipment@A", weight=0.5, value=81),  # 1: one above: outside
    _ob("2026-01-02", "equipment@A", value=79),  # 2: one below: outside
    _ob("2026-01-03", "equipment@B", low=30, high=40),  # 3: a range touching the band: inside
    _ob("2026-01-03", "equipment@B", low=35, high=45),  # 4: a range around it: inside
    _ob("2026-01-03", "equipment@B", low=50),  # 5: a lower bound above: outside
    _ob("2026-01-03", "equipment@B", high=30),  # 6: an upper bound below: outside
    _ob("2026-01-03", "equipment@B", low=30),  # 7: a lower bound below: inside
    _ob("2025-12-31", "equipment", value=100),  # 8: before day 0
    _ob("2026-01-31", "percent_complete", value=100),  # 9: day 30, the last day: scored
    _ob("2026-02-01", "percent_complete", value=100),  # 10: day 31: after the horizon
]
MILESTONES = [
    _ms(100, "2026-01-05"),  # simulated 105 h: 2026-01-05, error 0, overlaps
    _ms(50, "2026-01-05", earliest="2026-01-04", latest="2026-01-06"),  # simulated 01-03: -2, no
    _ms(50, "2026-01-04", earliest="2026-01-03"),  # -1, overlaps at the window's start
]


def worked(tmp_path: Path, stem: str = "worked", **parts: Any) -> Path:
    """The worked example with evidence (and any other top-level parts) written to a file."""
    data = yaml.safe_load(WORKED.read_text())
    data.update({"observations": OBSERVATIONS, "milestones": MILESTONES, **parts})
    path = tmp_path / f"{stem}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    return path


def score_json(tmp_path: Path, *files: Path, args: tuple[str, ...] = ()) -> tuple[int, dict[str, Any]]:
    out = tmp_path / "out"
    code = main(
        [
            "score",
            *map(str, files),
            "-n",
            "2",
            "--deterministic",
            "-j",
            "1",
            "--no-plot",
            "--out",
            str(out),
            *args,
        ]
    )
    text = (out / "score.json").read_text() if (out / "score.json").exists() else "{}"
    return code, json.loads(text)


# ----------------------------------------------------------------------------- rules, by hand
def test_overlap_and_scored_point_rules() -> None:
    inf = math.inf
    assert overlaps(80, 80, 80, 80)
    assert not overlaps(81, 81, 80, 80)
    assert overlaps(30, 40, 40, 60)  # touching counts
    assert not overlaps(50, inf, 10, 40)
    assert overlaps(-inf, 30, 20, 40)
    assert scored_point(40, 50, inf) == 50  # nearest point of [50, inf) to the median
    assert scored_point(40, -inf, 30) == 30
    assert scored_point(40, 35, 45) == 40
    assert scored_point(40, 81, 81) == 81  # a point is its value


def test_day_index_and_horizon(tmp_path: Path) -> None:
    s = sim.load_scenario(worked(tmp_path))
    assert [status_of(s, d) for d in (-1, 0, 30, 31)] == [
        "before day 0",
        "scored",
        "scored",
        "after the horizon",
    ]
    s = sim.load_scenario(worked(tmp_path, "frac", horizon_days=30.5))  # floor(30.5) = 30
    assert status_of(s, 30) == "scored" and status_of(s, 31) == "after the horizon"


def test_deterministic_observations_by_hand(tmp_path: Path) -> None:
    code, card = score_json(tmp_path, worked(tmp_path))
    assert code == 0
    obs = card["observations"]
    for o in obs[:8]:
        assert o["status"] == "scored"
        assert o["scale"] == 100.0  # equipment at A starts at 100, at B ends at 100
        assert o["p5"] == o["p10"] == o["p25"] == o["p50"] == o["p75"] == o["p90"] == o["p95"]
    assert [o["p50"] for o in obs[:8]] == [80, 80, 80, 40, 40, 40, 40, 40]
    assert [o["inside80"] for o in obs[:8]] == [True, False, False, True, True, False, False, True]
    assert [o["inside90"] for o in obs[:8]] == [o["inside80"] for o in obs[:8]]
    assert [o["point"] for o in obs[:8]] == [80, 81, 79, 40, 40, 50, 30, 40]
    # zero-width band [v, v]: interval score (2 / 0.2) |y - v|, CRPS of equal members |y - v|;
    # both divided by the scale, 100
    assert [o["interval_score_80"] for o in obs[:8]] == pytest.approx([0, 0.1, 0.1, 0, 0, 1.0, 1.0, 0])
    assert [o["crps"] for o in obs[:8]] == pytest.approx([0, 0.01, 0.01, 0, 0, 0.1, 0.1, 0])
    before, last, after = obs[8], obs[9], obs[10]
    assert (before["status"], before["day"]) == ("before day 0", -1)
    assert (after["status"], after["day"]) == ("after the horizon", 31)
    for o in (before, after):
        assert o["p50"] is None and o["inside80"] is None and o["crps"] is None
    assert (last["status"], last["day"], last["p50"], last["inside80"]) == ("scored", 30, 100, True)


def test_weighted_coverage_by_hand(tmp_path: Path) -> None:
    _code, card = score_json(tmp_path, worked(tmp_path))
    c = card["coverage"]
    # observations: weights 1, 0.5, 1 x 7 scored; inside: 0, 3, 4, 7, 9 (weight 1 each)
    assert c["observations80"] == pytest.approx(5 / 8.5, abs=1e-6)
    # milestones: 100 % overlaps, first 50 % does not, second 50 % does
    assert c["milestones80"] == pytest.approx(2 / 3, abs=1e-6)
    assert c["weighted80"] == pytest.approx(7 / 11.5, abs=1e-6)
    assert c["weighted90"] == c["weighted80"]  # zero-width bands: P5-P95 is P10-P90
    assert (c["scored_observations"], c["observations"], c["milestones"]) == (9, 11, 3)


def test_milestones_by_hand(tmp_path: Path) -> None:
    _code, card = score_json(tmp_path, worked(tmp_path))
    full, late, early = card["milestones"]
    assert (full["p10"], full["p50"], full["p90"]) == ("2026-01-05",) * 3
    assert full["p50_day"] == pytest.approx(105 / 24, abs=1e-4)
    assert (full["date_error_days"], full["overlaps"], full["window"]) == (0, True, ["2026-01-05"] * 2)
    assert late["p50"] == "2026-01-03" and late["p50_day"] == pytest.approx(59 / 24, abs=1e-4)
    assert (late["date_error_days"], late["overlaps"]) == (-2, False)
    assert (early["date_error_days"], early["overlaps"], early["window"]) == (
        -1,
        True,
        ["2026-01-03", "2026-01-04"],
    )


def test_a_milestone_beyond_the_horizon_is_never_given_a_date(tmp_path: Path) -> None:
    """Horizon 3 days (ends 2026-01-04): 100 % is never reached; the band is (2026-01-04, open)."""
    beyond = [_ms(100, "2026-01-05"), _ms(100, "2026-01-02")]
    _code, card = score_json(tmp_path, worked(tmp_path, horizon_days=3, milestones=beyond))
    after, before = card["milestones"]
    for m in (after, before):
        assert m["p10"] is None and m["p50"] is None and m["p90"] is None and m["p50_day"] is None
        assert m["date_error_days"] is None and m["reached_share"] == 0
    assert after["overlaps"] is True and before["overlaps"] is False


def test_sites_open_of_a_site_outside_the_theatre_is_refused(tmp_path: Path) -> None:
    """``sites_open`` of a site outside the theatre (B) has no series: refused at its key."""
    evidence = [_ob("2026-01-02", "sites_open@B", value=1), OBSERVATIONS[0]]
    with pytest.raises(sim.ScenarioError) as err:
        sim.load_scenario(worked(tmp_path, observations=evidence))
    assert [p.message for p in err.value.problems] == ["B is not in theatre, so it is never counted as open"]
    assert str(err.value.problems[0]).split(": ")[1] == "observations[0].site"


def test_uniform_distribution_percentiles_are_bounded(tmp_path: Path) -> None:
    """One container, loading U(0, 48) h, then 2 h on the road and 1 h unloading: 100 % at U + 3 h.

    With 200 replications the sample P10, P50 and P90 of U lie (with overwhelming probability,
    and for this seed surely) within 5 points of the true ones. At 00:00 on day 1 the percent
    complete is 100 in the share q of runs done by 24 h and 0 otherwise: P10 = 0, P90 = 100,
    so an observed 0 is inside with interval score (100 - 0) / 100 = 1; the CRPS of y = 0 is
    E|X| - E|X - X'| / 2 = 100 q - 100 q (1 - q) = 100 q^2, over the scale 100: q^2.
    """
    data = simple(1, 1)
    data["fleets"]["t"]["load_hours"] = {"uniform": [0, 48]}
    data["observations"] = [_ob("2026-01-02", "percent_complete", value=0)]
    data["milestones"] = [_ms(100, "2026-01-02")]
    scenario = load(tmp_path, data)
    card = sim.score(scenario, n=200, store=tmp_path / "runs.sqlite", seed=0)
    m = card.milestones[0]
    for q, share in (("p10", 0.1), ("p50", 0.5), ("p90", 0.9)):
        days = m.days[q]
        assert days is not None
        assert (3 + 48 * (share - 0.05)) / 24 <= days <= (3 + 48 * (share + 0.05)) / 24
    with RunStore(tmp_path / "runs.sqlite") as store:
        hours = store.read(0, 200, ["milestones"])["milestones"]
    done = float((hours <= 24).mean())
    assert 0.3 < done < 0.6  # the true share is 21 / 48
    o = card.observations[0]
    assert (o.percentiles["p10"], o.percentiles["p90"], o.scale) == (0, 100, 100)
    assert o.inside80 and o.interval_score_80 == pytest.approx(1.0)
    assert o.crps == pytest.approx(done**2)


# ----------------------------------------------------------------------------- the command
def test_json_has_no_nan_and_every_field(tmp_path: Path) -> None:
    _code, _card = score_json(tmp_path, worked(tmp_path))
    text = (tmp_path / "out/score.json").read_text()

    def refuse(word: str) -> None:
        raise AssertionError(f"{word} in score.json")

    card = json.loads(text, parse_constant=refuse)
    assert {"scenario", "replications", "seed", "coverage", "observations", "milestones"} <= set(card)
    assert (card["replications"], card["seed"]) == (2, 0)
    assert set(card["observations"][0]) >= {
        "date", "key", "observed", "weight", "source", "day", "status", "p5", "p10", "p25", "p50",
        "p75", "p90", "p95", "inside80", "inside90", "interval_score_80", "crps", "scale",
    }  # fmt: skip
    assert set(card["milestones"][0]) >= {
        "percent", "date", "window", "p10", "p50", "p90", "date_error_days", "overlaps",
    }  # fmt: skip


def test_fail_below_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = worked(tmp_path)  # weighted P10-P90 coverage 7 / 11.5 = 0.61
    assert score_json(tmp_path, path, args=("--fail-below", "0.6"))[0] == 0
    capsys.readouterr()
    assert score_json(tmp_path, path, args=("--fail-below", "0.62"))[0] == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1] == f"posture: weighted P10-P90 coverage below 0.62: {path} 0.61"
    assert main(["score", str(path), "--fail-below", "1.5"]) == 2  # not a share


def test_nothing_to_score(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    empty = worked(tmp_path, "empty", observations=[OBSERVATIONS[8]], milestones=[])
    args = ["score", str(empty), "-n", "2", "-j", "1", "--out", str(tmp_path / "o")]
    assert main(args) == 0
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "nothing to score" in err[0]
    assert not (tmp_path / "o").exists()  # nothing simulated, nothing written
    assert main([*args, "--fail-below", "0"]) == 1
    assert capsys.readouterr().err.strip().splitlines()[-1].endswith(f"{empty} nothing to score")


def test_bad_input_exits_2_without_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(worked(tmp_path).read_text().replace("value: 81", "value: -81"))
    proc = subprocess.run(
        [sys.executable, "-m", "sim.cli", "score", str(bad), str(tmp_path / "none.yaml")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert lines[0].startswith(f"{bad}:") and "observations[1].value" in lines[0]
    assert lines[1] == f"{tmp_path / 'none.yaml'}:1: (top level): no such file; check the path"
    assert "Traceback" not in proc.stderr


def test_score_replicates_exactly_like_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The store of ``score`` is that of ``run -n`` with the same options: runs.csv is identical."""
    path = worked(tmp_path)
    path.write_text(path.read_text().replace("load_hours: 2", "load_hours: {triangular: [1, 2, 4]}"))
    common = ["-n", "30", "--seed", "4", "-j", "1", "--no-plot"]
    assert main(["score", str(path), *common, "--out", str(tmp_path / "a")]) == 0
    capsys.readouterr()
    assert main(["run", str(path), *common, "--out", str(tmp_path / "a")]) == 0
    assert "resuming: 30 of 30 replications already stored" in capsys.readouterr().err
    assert main(["run", str(path), *common, "--out", str(tmp_path / "b")]) == 0
    assert (tmp_path / "a/runs.csv").read_text() == (tmp_path / "b/runs.csv").read_text()
    capsys.readouterr()
    assert main(["score", str(path), *common, "--out", str(tmp_path / "b")]) == 0  # reuses run's store
    assert "resuming: 30 of 30" in capsys.readouterr().err


def test_several_files_and_the_markdown_board(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    first = worked(tmp_path, "first")
    second = worked(tmp_path, "second", observations=OBSERVATIONS[:1], milestones=MILESTONES[:1])
    empty = worked(tmp_path, "empty", observations=[], milestones=[])
    board = tmp_path / "board.md"
    out = tmp_path / "many"
    args = ["score", str(first), str(second), str(empty), "-n", "2", "--deterministic", "-j", "1"]
    assert main([*args, "--no-plot", "--out", str(out), "--markdown", str(board)]) == 0
    assert (out / "first/score.json").exists() and (out / "second/score.json").exists()
    assert not (out / "empty").exists()
    shown = capsys.readouterr().out
    assert "scores" in shown and "nothing to score" in shown
    lines = board.read_text().splitlines()
    assert lines[0] == f"Scored with posture {sim.__version__}: n = 2 replications, seed 0."
    rows = [line for line in lines if line.startswith("| ")]
    assert rows[0].startswith("| File | Scenario | Scored observations | Weighted P10–P90 coverage |")
    assert (
        rows[1]
        == f"| `{first}` | {NAME} | 9 of 11 | 0.61 | 0.61 | 0.244 | 0.024 | 100 %: +0; 50 %: -2; 50 %: -1 |"
    )
    assert rows[2] == f"| `{second}` | {NAME} | 1 of 1 | 1.00 | 1.00 | 0.000 | 0.000 | 100 %: +0 |"
    assert rows[3] == f"| `{empty}` | {NAME} | nothing to score | — | — | — | — | — |"
    (tmp_path / "elsewhere").mkdir()
    twin = worked(tmp_path / "elsewhere", "first")
    assert main([*args[:2], str(twin), "--out", str(out)]) == 2  # two files, one folder name
    assert "would be scored into the same folder" in capsys.readouterr().err


def test_console_tables_fit_and_take_no_markup(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = worked(tmp_path, "markup", name="[red]Worked[/red]")
    card = sim.score(sim.load_scenario(path), n=2, deterministic=True)
    assert Console(width=200).measure(scoring.score_tables(card)).maximum <= scoring.WIDTH
    assert (
        main(["score", str(path), "-n", "2", "--deterministic", "-j", "1", "--out", str(tmp_path / "o")]) == 0
    )
    shown = capsys.readouterr().out
    assert "[red]Worked[/red] — 2 replications" in shown
    assert "before day 0" in shown and "after horizon" in shown and "P10–90" in shown
    assert (tmp_path / "o/score.png").read_bytes()[:4] == b"\x89PNG"


def test_api_default_and_lazy_imports() -> None:
    assert sim.score.__module__ == "sim.experiment.score"
    code = (
        f"import sys; from sim.cli import main; main(['validate', {str(WORKED)!r}]); "
        "print('scoringrules' in sys.modules, 'scipy' in sys.modules)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.stdout.strip().splitlines()[-1] == "False False"


def test_scores_agree_with_numpy_percentiles(tmp_path: Path) -> None:
    """The observation percentiles are numpy's linear ones over the stored values of that day."""
    path = worked(tmp_path)
    path.write_text(path.read_text().replace("load_hours: 2", "load_hours: {uniform: [1, 6]}"))
    scenario = sim.load_scenario(path)
    card = sim.score(scenario, n=25, store=tmp_path / "runs.sqlite", seed=1)
    from sim.engine.measures import keys
    from sim.experiment.columns import shapes

    with RunStore(tmp_path / "runs.sqlite") as store:
        table = store.read(0, 25, ["measures"], shapes(scenario))["measures"]
    o = card.observations[3]  # equipment@B on day 2
    values = table[:, 2, keys(scenario).index("equipment@B")]
    assert o.percentiles == {
        f"p{q}": pytest.approx(np.percentile(values, q)) for q in (5, 10, 25, 50, 75, 90, 95)
    }
