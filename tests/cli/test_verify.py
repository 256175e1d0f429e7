"""Issue #14, integrity: ``posture verify DIR`` and ``sim.verify`` check a results folder
against its ``manifest.json``; a tampered file is named in one line (exit 2), never used.

Also: a frozen ``forecast.json`` changed after it was issued is refused by ``posture score``;
a manifest that lists a path outside its folder neither crashes the next run nor touches the
path (docs/cli.md, ``posture verify``; docs/reliability.md, "Safe output").
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest
import yaml

import sim
from sim.cli import main
from sim.outputs.manifest import ManifestError, Mismatch

from .test_hostile_cli import _one_line, _posture

ROOT = Path(__file__).resolve().parents[2]
WORKED = ROOT / "scenarios/examples/worked-example.yaml"
FAST = ["-n", "3", "--jobs", "1", "--deterministic", "--no-plot"]


def _manifest(folder: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    return data


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A results folder of ``posture run -n 3`` (its store listed in the manifest)."""
    out = tmp_path_factory.mktemp("verify") / "run"
    assert main(["run", str(WORKED), *FAST, "--out", str(out)]) == 0
    return out


@pytest.fixture
def folder(written: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(written, tmp_path / "run"))


def test_an_untouched_folder_matches(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    listed = _manifest(folder)["files"]
    assert "runs.sqlite" in {f["path"] for f in listed} and len(listed) == 6
    code, out, err = _posture(capsys, "verify", folder)
    assert (code, err) == (0, "")
    assert out.strip() == f"{folder}: all 6 files listed in manifest.json match"
    code, out, _ = _posture(capsys, "verify", folder / "manifest.json")  # the manifest itself: its folder
    assert code == 0 and "all 6 files" in out
    found = sim.verify(folder)
    assert found.ok and found.files == 6 and found.problems == () and not found.store


def test_a_changed_byte_in_a_csv_is_one_line(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = bytearray((folder / "runs.csv").read_bytes())
    data[len(data) // 2] ^= 0x01
    (folder / "runs.csv").write_bytes(bytes(data))
    code, out, err = _posture(capsys, "verify", folder)
    assert (code, out) == (2, "")
    line = _one_line(err)
    assert line.startswith(f"posture: {folder / 'runs.csv'}: changed since the run (SHA-256 differs); ")
    assert "run the command in manifest.json (argv) again" in line
    assert sim.verify(folder).problems == (Mismatch("runs.csv", "changed since the run (SHA-256 differs)"),)


def test_a_missing_file_is_one_line(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (folder / "summary.json").unlink()
    code, _, err = _posture(capsys, "verify", folder)
    assert code == 2
    assert _one_line(err).startswith(f"posture: {folder / 'summary.json'}: missing; restore it")


def test_each_bad_file_is_its_own_line(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (folder / "summary.json").unlink()
    (folder / "metric_bands.csv").write_text("x\n", encoding="utf-8")
    code, _, err = _posture(capsys, "verify", folder)
    assert code == 2 and "Traceback" not in err
    assert [line.split(": ")[1] for line in err.strip().splitlines()] == [
        str(folder / "metric_bands.csv"),
        str(folder / "summary.json"),
    ]


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ('{"files": [', "manifest.json:1: not valid JSON (Expecting value, column 12); it cannot vouch"),
        ("\xff\xfe", "manifest.json: not UTF-8 text"),
        ("[1, 2]", "manifest.json: files: missing or not a list"),
        ('{"files": [{"path": "runs.csv"}]}', "manifest.json: files[0]: expected a path and a sha256"),
    ],
    ids=["not-json", "not-utf8", "not-a-manifest", "no-sha256"],
)
def test_a_manifest_that_cannot_vouch_is_one_line(
    folder: Path, capsys: pytest.CaptureFixture[str], text: str, says: str
) -> None:
    (folder / "manifest.json").write_bytes(text.encode("latin-1"))
    code, out, err = _posture(capsys, "verify", folder)
    assert (code, out) == (2, "")
    line = _one_line(err)
    assert line.startswith(f"posture: {folder}") and says in line
    with pytest.raises(ManifestError, match=r"manifest\.json"):
        sim.verify(folder)


def test_a_folder_without_a_manifest_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    elsewhere = "give a results folder (the one holding manifest.json)"
    for path, says in [
        (
            tmp_path,
            "has no manifest.json, so nothing in it can be checked; "
            "give a folder written by a posture command",
        ),
        (tmp_path / "nope", f"does not exist; {elsewhere}"),
        (WORKED, f"is a file, not a folder; {elsewhere}"),
    ]:
        code, _, err = _posture(capsys, "verify", path)
        assert code == 2
        assert _one_line(err) == f"posture: {path} {says}"


def test_a_kept_store_is_checked_against_its_chunk_checksums(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = _posture(capsys, "run", WORKED, "--deterministic", "--no-plot", "--out", folder)
    assert code == 0, err
    assert _manifest(folder)["kept"] == ["runs.sqlite"]
    code, out, _ = _posture(capsys, "verify", folder)
    assert code == 0 and "and the kept run store matches its checksums" in out
    db = sqlite3.connect(folder / "runs.sqlite")
    with db:
        db.execute("UPDATE runs SET closure_h = closure_h + 1 WHERE rep = 1")
    db.close()
    code, _, err = _posture(capsys, "verify", folder)
    assert code == 2
    line = _one_line(err)
    assert line.startswith(f"posture: {folder / 'runs.sqlite'}: was changed after it was written: ")
    assert line.endswith("--fresh, or choose another --out) to start afresh")


def test_a_manifest_listing_a_path_outside_its_folder(
    folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outside = tmp_path / "precious.txt"
    outside.write_text("mine\n", encoding="utf-8")
    data = _manifest(folder)
    data["files"].append({"path": "../precious.txt", "bytes": 5, "sha256": "0" * 64})
    (folder / "manifest.json").write_text(json.dumps(data), encoding="utf-8")
    code, _, err = _posture(capsys, "verify", folder)
    assert code == 2
    assert "../precious.txt: listed in manifest.json but outside the folder" in _one_line(err)
    code, _, err = _posture(capsys, "run", WORKED, *FAST, "--out", folder)  # used to be a traceback
    assert code == 0, err
    assert outside.read_text(encoding="utf-8") == "mine\n"
    assert sim.verify(folder).ok


# ----------------------------------------------------------------------------- frozen forecasts
@pytest.fixture(scope="module")
def issued(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("issued") / "fc"
    args = ["forecast", str(WORKED), *FAST, "--issued", "2026-01-01", "--out", str(out)]
    assert main(args) == 0
    return out


def _observed(tmp_path: Path) -> Path:
    obs = tmp_path / "obs.yaml"
    cite = "assumption: made up for the test"
    obs.write_text(yaml.safe_dump({"outcomes": [{"complete_by": "2026-01-06", "source": cite}]}))
    return obs


def test_a_forecast_changed_after_it_was_issued_is_refused(
    issued: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    copy = Path(shutil.copytree(issued, tmp_path / "fc"))
    obs = _observed(tmp_path)
    code, _, err = _posture(
        capsys, "score", copy / "forecast.json", "--observations", obs, "--out", tmp_path / "s"
    )
    assert code == 0, err
    fc = json.loads((copy / "forecast.json").read_text(encoding="utf-8"))
    fc["closure"]["100"]["reached_share"] = 0.5  # still a well-formed forecast
    (copy / "forecast.json").write_text(json.dumps(fc), encoding="utf-8")
    code, _, err = _posture(
        capsys, "score", copy / "forecast.json", "--observations", obs, "--out", tmp_path / "t"
    )
    assert code == 2
    line = _one_line(err)
    assert line.startswith(f"posture: {copy / 'forecast.json'}: changed since the run (SHA-256 differs), ")
    assert "a frozen forecast is scored as issued" in line
    assert not (tmp_path / "t").exists()
    (copy / "manifest.json").write_text("{", encoding="utf-8")
    code, _, err = _posture(
        capsys, "score", copy / "forecast.json", "--observations", obs, "--out", tmp_path / "t"
    )
    assert code == 2
    assert "manifest.json:1: not valid JSON" in _one_line(err)
