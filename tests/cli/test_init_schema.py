"""Getting started: ``posture init``, ``posture schema``, ``--version``, ``python -m sim`` and
shell completion, end to end."""

from __future__ import annotations

import importlib.metadata
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import sim
from sim.cli import main
from sim.cli.onboarding import TEMPLATES, template_text

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("name", TEMPLATES)
def test_each_template_is_written_validates_and_runs_to_the_end(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file = tmp_path / f"{name}.yaml"
    assert main(["init", str(file), "--template", name]) == 0
    assert file.read_text(encoding="utf-8") == template_text(name)
    assert f"wrote {file} (template: {name})" in capsys.readouterr().out
    assert main(["validate", str(file), "--require-sources"]) == 0
    out = tmp_path / "out"
    assert main(["run", str(file), "--deterministic", "--no-plot", "--out", str(out)]) == 0
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["completed"] is True
    assert 0 < summary["closure_days"] <= summary["horizon_days"]


@pytest.mark.parametrize("name", TEMPLATES)
def test_each_template_explains_itself(name: str) -> None:
    """A starter file says what it is, what to run next, and comments on its keys."""
    lines = template_text(name).splitlines()
    assert lines[0].startswith(f"# A starter scenario from `posture init --template {name}`")
    assert any("posture validate FILE --require-sources" in line for line in lines)
    assert any("yaml-language-server: $schema=" in line for line in lines)
    keyed = [line for line in lines if ":" in line and not line.lstrip().startswith("#")]
    commented = [line for line in keyed if " # " in line]
    assert len(commented) >= 10, "too few keys carry a comment"


def test_init_writes_scenario_yaml_by_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["init"]) == 0
    assert (tmp_path / "scenario.yaml").read_text(encoding="utf-8") == template_text("small")


def test_init_refuses_to_overwrite_without_force(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    file = tmp_path / "mine.yaml"
    file.write_text("name: my own work\n", encoding="utf-8")
    assert main(["init", str(file)]) == 2
    err = capsys.readouterr().err
    assert err.splitlines() == [
        f"posture: {file} already exists; give another file name, or --force to overwrite it"
    ]
    assert file.read_text(encoding="utf-8") == "name: my own work\n"
    assert main(["init", str(file), "--force", "--template", "airlift"]) == 0
    assert file.read_text(encoding="utf-8") == template_text("airlift")


def test_init_refuses_an_unknown_template_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file = tmp_path / "new.yaml"
    assert main(["init", str(file), "--template", "huge"]) == 2
    assert capsys.readouterr().err.splitlines() == [
        "posture: --template: there is no template 'huge'; choose small, airlift or phased"
    ]
    assert not file.exists()


def test_init_and_schema_refuse_a_folder_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["init", str(tmp_path)]) == 2
    assert main(["schema", "--out", str(tmp_path)]) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"posture: {tmp_path} is a folder; give a file name, e.g. {tmp_path / 'scenario.yaml'}",
        f"posture: {tmp_path} is a folder; give a file name, e.g. {tmp_path / 'scenario.schema.json'}",
    ]
    assert list(tmp_path.iterdir()) == []


def test_schema_prints_the_shipped_schema_and_writes_it_with_out(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shipped = (ROOT / "docs/scenario.schema.json").read_text(encoding="utf-8")
    assert main(["schema"]) == 0
    assert capsys.readouterr().out == shipped
    target = tmp_path / "editor" / "scenario.schema.json"
    assert main(["schema", "--out", str(target)]) == 0
    assert target.read_text(encoding="utf-8") == shipped
    assert [p.name for p in target.parent.iterdir()] == ["scenario.schema.json"]  # no temporary left


def _posture(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sim", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
    )


def test_version_from_the_command_and_python_dash_m_sim() -> None:
    proc = _posture("--version")
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, f"posture {sim.__version__}\n", "")


def test_the_installed_distribution_is_posture_sim_with_the_same_version() -> None:
    dist = importlib.metadata.distribution("posture-sim")
    assert dist.version == sim.__version__
    assert dist.metadata["License-Expression"] == "MIT"
    assert [(e.group, e.name, e.value) for e in dist.entry_points] == [
        ("console_scripts", "posture", "sim.cli:main")
    ]


def test_help_lists_the_new_commands_and_completion(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    shown = capsys.readouterr().out
    for word in ("--version", "--install-completion", "--show-completion", "init", "schema"):
        assert word in shown


def test_shell_completion_offers_commands_and_templates() -> None:
    """What bash asks the completion script for: ``posture in<TAB>``, ``--template a<TAB>``."""
    bash = {"_POSTURE_COMPLETE": "complete_bash"}
    words = _posture(env={**bash, "COMP_WORDS": "posture in", "COMP_CWORD": "1"})
    assert words.stdout.split() == ["init"]
    templates = _posture(env={**bash, "COMP_WORDS": "posture init --template ", "COMP_CWORD": "3"})
    assert templates.stdout.split() == list(TEMPLATES)
