"""``posture calibrate``: its files, its determinism whatever runs it, and what it refuses.

The scenario is the synthetic one of :mod:`tests.support.calibration` (bus and truck speeds
to learn, observations of personnel and equipment read from the model at known speeds), run
with tiny populations: these tests check the command, not the quality of the posterior
(``tests/model/test_calibration_check.py`` does that).
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import pytest

import sim
from sim.cli import main
from sim.scenario.posterior import read_posterior
from tests.support.calibration import CITE, observe, synthetic, write

TINY = ("--population", "10", "--generations", "3", "--budget", "200", "--no-plot")


def posture(*args: str | Path) -> int:
    return main([str(a) for a in args])


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The synthetic scenario with 4 days of observations, plus a fixed parameter ``unload``."""
    tmp = tmp_path_factory.mktemp("calibrate")
    data = synthetic()
    data["parameters"]["unload"] = {"prior": 1, "cite": CITE}
    data["fleets"]["buses"]["unload_hours"] = {"param": "unload"}
    data = observe(tmp, data, {"bus_speed": 45.0, "truck_speed": 30.0, "unload": 1.0}, (1, 2, 3, 4))
    data["observations"].append({"date": "2025-12-01", "value": 1000, "source": CITE})  # before day 0
    return write(tmp / "synthetic.yaml", data)


def test_writes_a_posterior_that_run_reads_and_a_report_per_generation(
    scenario: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "cal"
    assert posture("calibrate", scenario, "--out", out, "-j", "1", *TINY) == 0
    err = capsys.readouterr().err
    assert "generation 0: epsilon ∞ (the prior), 10 accepted of 10" in err
    assert "left out: personnel on 2025-12-01 (before day 0)" in err
    posterior = read_posterior(out / "posterior.csv", sim.load_scenario(scenario))
    assert posterior.names == ("bus_speed", "truck_speed", "unload")
    assert len(posterior.rows) == 10 and sum(posterior.weights) == pytest.approx(1.0)
    assert {row[2] for row in posterior.rows} == {1.0}  # the fixed parameter keeps its value
    assert all(20 <= row[0] <= 60 and 20 <= row[1] <= 60 for row in posterior.rows)
    report = json.loads((out / "calibration.json").read_text(encoding="utf-8"))
    assert report["settings"] == {
        "population": 10,
        "generations": 3,
        "min_epsilon": 0.0,
        "budget": 200,
        "seed": 0,
        "jobs": 1,
        "executor": "local",
        "scheduler": None,
    }
    gens = report["generations"]
    assert [g["t"] for g in gens] == [0, 1, 2] and report["stopped"] == "generations"
    assert gens[0]["epsilon"] is None and gens[0]["acceptance_rate"] == 1.0
    assert gens[1]["epsilon"] > gens[2]["epsilon"] >= 0  # each generation accepts at a smaller distance
    for g in gens:
        assert g["acceptance_rate"] == pytest.approx(g["particles"] / g["evaluations"], abs=1e-6)
        assert 0 < g["effective_sample_size"] <= g["particles"] + 1e-6
        assert g["evaluations"] <= g["simulations"]
    assert report["simulations"] == sum(g["simulations"] for g in gens) <= 200
    assert report["parameters"]["unload"]["calibrated"] is False
    assert [t["label"] for t in report["left_out"]] == ["personnel on 2025-12-01"]
    assert len(report["targets"]) == 8  # 4 days x personnel and equipment
    assert (out / "calibration.db").is_file() and not list(out.glob(".*partial"))
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert {f["path"] for f in manifest["files"]} >= {"posterior.csv", "calibration.json", "calibration.db"}
    # the posterior carries to a run: every replication takes one of its rows
    run_out = tmp_path / "run"
    code = posture(
        "run",
        scenario,
        "-n",
        "5",
        "-j",
        "1",
        "--no-plot",
        "--out",
        run_out,
        "--parameters",
        out / "posterior.csv",
    )
    assert code == 0
    with (run_out / "runs.csv").open(encoding="utf-8") as fh:
        speeds = {float(r["param_bus_speed"]) for r in csv.DictReader(fh)}
    assert all(min(abs(v - row[0]) for row in posterior.rows) < 1e-3 for v in speeds)  # runs.csv rounds


def test_a_seed_gives_the_same_posterior_whatever_the_number_of_jobs(scenario: Path, tmp_path: Path) -> None:
    texts = []
    for jobs in ("1", "2"):
        out = tmp_path / f"j{jobs}"
        assert posture("calibrate", scenario, "--out", out, "-j", jobs, "--seed", "5", *TINY) == 0
        texts.append((out / "posterior.csv").read_bytes())
    assert texts[0] == texts[1]
    other = tmp_path / "seed6"
    assert posture("calibrate", scenario, "--out", other, "-j", "1", "--seed", "6", *TINY) == 0
    assert (other / "posterior.csv").read_bytes() != texts[0]


@pytest.mark.slow
def test_dask_gives_the_same_posterior_as_this_process(scenario: Path, tmp_path: Path) -> None:
    for name, extra in (("local", ()), ("dask", ("--executor", "dask"))):
        assert posture("calibrate", scenario, "--out", tmp_path / name, "-j", "1", *extra, *TINY) == 0
    assert (tmp_path / "local/posterior.csv").read_bytes() == (tmp_path / "dask/posterior.csv").read_bytes()


def test_plots_the_marginals_and_the_posterior_predictive_troop_curve(scenario: Path, tmp_path: Path) -> None:
    out = tmp_path / "plots"
    args = ("--population", "10", "--generations", "2", "--budget", "100", "--predictive", "10")
    assert posture("calibrate", scenario, "--out", out, "-j", "1", *args) == 0
    for name in ("posterior_marginals.png", "posterior_predictive.png"):
        assert (out / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_budget_that_ends_after_the_prior_sample_says_so(
    scenario: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "short"
    args = ("--population", "10", "--generations", "4", "--budget", "15", "--no-plot")
    assert posture("calibrate", scenario, "--out", out, "-j", "1", *args) == 0
    err = capsys.readouterr().err
    assert "generation 1 (epsilon" in err and "abandoned: the budget ran out at 15" in err
    assert "the posterior is the prior; raise --budget" in err
    report = json.loads((out / "calibration.json").read_text(encoding="utf-8"))
    assert report["stopped"] == "budget" and len(report["generations"]) == 1
    assert report["simulations"] == 15


# ----------------------------------------------------------------------------- refusals
def one_line(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err.strip()
    assert "Traceback" not in err and len(err.splitlines()) == 1, err
    return err


def test_pyabc_missing_is_one_line_saying_what_to_install(
    scenario: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "pyabc", None)
    assert posture("calibrate", scenario, "--out", tmp_path / "x", *TINY) == 2
    assert one_line(capsys) == "posture: posture calibrate needs pyabc: pip install 'posture[calibrate]'"
    assert not (tmp_path / "x").exists()


def test_a_scenario_without_parameters_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = synthetic()
    del data["parameters"]
    data["fleets"]["buses"]["speed_kmh"] = data["fleets"]["trucks"]["speed_kmh"] = 40
    data["observations"] = [{"date": "2026-01-02", "value": 800, "source": CITE}]
    path = write(tmp_path / "none.yaml", data)
    assert posture("calibrate", path, "--out", tmp_path / "x", *TINY) == 2
    assert one_line(capsys).startswith(
        f"{path}:1: parameters: the scenario declares no parameter to calibrate"
    )


def test_a_scenario_whose_parameters_are_all_fixed_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = synthetic()
    data["parameters"]["bus_speed"]["prior"] = 40
    data["parameters"]["truck_speed"]["prior"] = {"uniform": [30, 30]}
    data["observations"] = [{"date": "2026-01-02", "value": 800, "source": CITE}]
    path = write(tmp_path / "fixed.yaml", data)
    assert posture("calibrate", path, "--out", tmp_path / "x", *TINY) == 2
    line = next(
        n for n, text in enumerate(path.read_text().splitlines(), 1) if text.startswith("parameters:")
    )
    assert one_line(capsys).startswith(f"{path}:{line}: parameters: every parameter is fixed")


def test_a_scenario_with_nothing_to_calibrate_on_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = synthetic()
    path = write(tmp_path / "blind.yaml", data)
    assert posture("calibrate", path, "--out", tmp_path / "x", *TINY) == 2
    assert one_line(capsys).startswith(f"{path}:1: observations: nothing to calibrate on: add observations")
    data["observations"] = [
        {"date": "2025-12-02", "value": 800, "source": CITE},
        {"date": "2026-01-03", "value": 800, "weight": 0, "source": CITE},
    ]
    write(path, data)
    assert posture("calibrate", path, "--out", tmp_path / "x", *TINY) == 2
    line = next(
        n for n, text in enumerate(path.read_text().splitlines(), 1) if text.startswith("observations:")
    )
    message = one_line(capsys)
    assert message.startswith(
        f"{path}:{line}: observations: nothing to calibrate on (2 left out: before day 0"
    )


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("--population", "50", "--budget", "40"), "posture: --budget: budget (40) is below population (50)"),
        (("--scheduler", "tcp://nowhere"), "posture: --scheduler: expected tcp://HOST:PORT"),
    ],
)
def test_options_that_cannot_work_are_refused_in_one_line(
    scenario: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], args: tuple[str, ...], expected: str
) -> None:
    assert posture("calibrate", scenario, "--out", tmp_path / "x", *args) == 2
    assert one_line(capsys).startswith(expected)
    assert not (tmp_path / "x").exists()


def test_an_interrupted_calibration_leaves_no_database(
    scenario: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from sim.experiment import distance

    calls = []

    def interrupt(*args: object) -> object:
        calls.append(1)
        if len(calls) > 30:
            raise KeyboardInterrupt
        return real(*args)

    real = distance.simulated
    monkeypatch.setattr(distance, "simulated", interrupt)
    out = tmp_path / "stopped"
    assert posture("calibrate", scenario, "--out", out, "-j", "1", *TINY) == 130
    assert "interrupted" in capsys.readouterr().err
    assert not list(out.iterdir())  # no database, whole or partial, and no result file


def test_a_parameter_no_value_names_is_calibrated_from_its_prior_with_a_notice(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = observe(tmp_path, synthetic(), {"bus_speed": 45.0, "truck_speed": 30.0}, (1, 2))
    data["parameters"]["idle"] = {"prior": {"uniform": [0, 1]}, "cite": CITE}
    path = write(tmp_path / "idle.yaml", data)
    args = ("--population", "10", "--generations", "1", "--budget", "10", "--no-plot", "-j", "1")
    assert posture("calibrate", path, "--out", tmp_path / "out", *args) == 0
    assert "posture: parameters.idle: no value names it ({param: idle}); its posterior is its prior" in (
        capsys.readouterr().err
    )
