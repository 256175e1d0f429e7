"""Fuzzing every other place input enters (issue #14): ``--event``, ``--vary``, ``--scheduler``,
evidence entries, and hostile free text on the whole path from file to plots.

* random ``--event`` strings (``TYPE:key=value,...`` and ``{...}``) through
  :func:`sim.load_scenario`: accepted, or a :class:`sim.ScenarioError` of one-line problems;
* random ``--vary`` strings through ``posture sweep`` (``sim.cli.main``, ``--no-plot``, ``-n 1``):
  exit 0 or 2, never a traceback;
* random malformed ``--scheduler`` strings through ``posture run``: exit 2 at once, one line;
  well-formed addresses are left out by construction (the Dask client waits 20 s for any
  address it cannot reach, even a closed loopback port);
* random observations and milestones added to a valid scenario mapping: accepted, or one-line
  refusals at ``observations[i]...`` / ``milestones[i]...``;
* hostile strings (rich markup, mathtext, C0 and C1 control characters, 10 kB, RTL, emoji)
  in every free-text field of a small scenario that has every kind of output, through
  ``posture validate`` and ``posture run`` (``sim.cli.main``, one run or two replications)
  with report.html, and plots for a sixth of the inputs: exit 0, report.html and every figure
  written, and no raw control character on standard output or error (matplotlib's warnings
  included) or in report.html.

The contract checks are those of tests/properties/test_fuzz.py. Examples per test:
``POSTURE_FUZZ_EXAMPLES`` (profile ``posture-fuzz``, see tests/conftest.py).
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import io
import re
import tempfile
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import assume, event, given, settings
from hypothesis import strategies as st

import sim
from sim.cli import main
from sim.experiment.plan import scheduler_problem
from sim.scenario.loader import build_scenario
from sim.scenario.yamlsource import Source
from tests.properties.test_fuzz import FILE, FUZZ, WORKED, check_outcome, check_problem, line_count

pytestmark = pytest.mark.slow  # 5 x POSTURE_FUZZ_EXAMPLES inputs and a sixth with plots; about 64 s at 60

_FOLDER = Path(tempfile.mkdtemp(prefix="posture-fuzz-inputs-"))


def run_cli(args: list[str]) -> tuple[int, str, str]:
    """``posture ARGS`` in this process: the exit code, standard output and standard error."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(args)
    return code, out.getvalue(), err.getvalue()


def check_refusal(
    call: Callable[[], Any], file: str, lines: int, option: str, count: int
) -> sim.Scenario | None:
    """Accepted, or a ScenarioError whose problems are each one ``FILE:LINE: key: message`` line.

    Problems about an option are placed at ``OPTION:N`` (``--event:2``), N the option's number.
    """
    try:
        scenario = call()
    except sim.ScenarioError as err:
        assert err.problems, "a ScenarioError with no problems"
        for p in err.problems:
            if p.file != option:
                check_problem(p, file=file, lines=lines)
                continue
            assert str(p.line).isdigit() and 1 <= int(p.line) <= count, str(p)
            text = str(p)
            assert text.splitlines() == [text] and "\r" not in text, f"not one line: {text!r}"
            key, sep, message = text[len(f"{p.file}:{p.line}: ") :].partition(": ")
            assert sep and key.strip() and message.strip(), f"no visible key or message: {text!r}"
        return None
    assert isinstance(scenario, sim.Scenario), type(scenario)
    return scenario


# ----------------------------------------------------------------------------- --event
HOSTILE = [
    "[/]",
    "[link=x]y[/link]",
    "[bold red]",
    "$\\frac{$",
    "$x^$",
    "\\",
    "\x00\x07\x1b[31m",
    "\x1b]0;owned\x07\x7f\x9b2J\x85",  # a title-setting OSC, DEL, an 8-bit CSI, NEL
    "\r\n",
    "\u202eevil",
    "مرحبا بالعالم",
    "שלום",
    "🚚🔥👨‍👩‍👧",
    "%s%n{0}",
    "'\"",
    "\ufeff",
    "\u2028",
]
EVENT_TYPES = [
    "pause",
    "resume",
    "reinforce",
    "close_crossing",
    "open_crossing",
    "set_keep",
    "start_phase",
    "cancel_phase",
    "nope",
    "",
]
EVENT_KEYS = [
    "day",
    "days",
    "date",
    "after_days",
    "reason",
    "source",
    "cite",
    "sites",
    "phases",
    "to",
    "from",
    "personnel",
    "equipment.container",
    "equipment",
    "when.site_below.site",
    "when.site_below.personnel",
    "when",
    "crossing",
    "keep",
    "phase",
    "type",
    "x.y.z",
    "",
    ".",
]
EVENT_VALUES = [
    "5",
    "0",
    "-1",
    "1.5",
    "1e999",
    ".nan",
    "A",
    "B",
    "A|B",
    "|",
    "empty_A",
    "2026-01-03",
    "2026-02-30",
    "null",
    "~",
    "{a: 1}",
    "[1, 2]",
    "*a",
    "&a x",
    "!!int x",
    "!!python/object:os.system x",
    "'",
    '"',
    "assumption: why not",
    "",
    *HOSTILE,
]

REALISTIC_EVENTS = [
    "pause:day=5,days=10",
    "pause:day=1",
    "pause:day=2,days=3,sites=A",
    "pause:date=2026-01-03,days=1,reason=weather",
    "resume:day=3",
    "pause:day=0,days=2,phases=empty_A",
    "{type: pause, day: 5, days: 3}",
    "{type: pause, day: 1, days: 1, reason: '[/] $\\frac{$'}",
    "{type: resume, day: 2}",
]


@st.composite
def event_options(draw: st.DrawFn) -> str:
    if draw(st.booleans()):  # a realistic option, perhaps with one fragment added
        base = draw(st.sampled_from(REALISTIC_EVENTS))
        if draw(st.booleans()):
            return base
        extra = f"{draw(st.sampled_from(EVENT_KEYS))}={draw(st.sampled_from(EVENT_VALUES))}"
        return base[:-1] + f", {extra.replace('=', ': ', 1)}}}" if base.startswith("{") else f"{base},{extra}"
    if draw(st.integers(0, 3)) == 0:  # the mapping form
        items = []
        for _ in range(draw(st.integers(0, 4))):
            key = draw(st.sampled_from(EVENT_KEYS) | st.text(max_size=6))
            value = draw(st.sampled_from(EVENT_VALUES) | st.text(max_size=8))
            items.append(f"{key}: {value}")
        if draw(st.booleans()):
            items.insert(0, f"type: {draw(st.sampled_from(EVENT_TYPES))}")
        body = ", ".join(items)
        close = draw(st.sampled_from(["}", "}", "", "}}", "} x"]))
        return "{" + body + close
    kind = draw(st.sampled_from(EVENT_TYPES) | st.text(max_size=6))
    parts = []
    for _ in range(draw(st.integers(0, 5))):
        key = draw(st.sampled_from(EVENT_KEYS) | st.text(max_size=6))
        value = draw(st.sampled_from(EVENT_VALUES) | st.text(max_size=8))
        sep = draw(st.sampled_from(["=", "=", "=", "", "==", " = "]))
        parts.append(f"{key}{sep}{value}")
    sep = draw(st.sampled_from([":", ":", "", "::", " : "]))
    return f"{kind}{sep}{','.join(parts)}" + draw(
        st.sampled_from(["", "", ",", " ", draw(st.text(max_size=4))])
    )


@FUZZ
@given(events=st.lists(event_options(), min_size=1, max_size=2))
def test_random_event_options(events: list[str]) -> None:
    lines = line_count(WORKED.read_text(encoding="utf-8"))
    scenario = check_refusal(
        lambda: sim.load_scenario(WORKED, [], events), str(WORKED), lines, "--event", len(events)
    )
    event("accepted" if scenario is not None else "refused")


# ----------------------------------------------------------------------------- --vary
VARY_KEYS = [
    "fleets.trucks.count",
    "fleets.trucks.speed_kmh",
    "routes[0].km",
    "horizon_days",
    "sites.A.equipment.container",
    "fleets.nope.count",
    "phases[9].start_day",
    "name",
    "",
    " ",
    ".",
    "a..b",
]
VARY_VALUES = ["1", "5", "10", "0", "-1", "1e999", "x", "{uniform: [20, 40]}", "[1, 2]", "null", "", *HOSTILE]


@st.composite
def vary_options(draw: st.DrawFn) -> list[str]:
    if draw(st.integers(0, 2)) == 0:  # a realistic sweep
        key = draw(st.sampled_from(VARY_KEYS[:5]))
        values = draw(st.lists(st.integers(1, 40).map(str), min_size=1, max_size=2, unique=True))
        return [f"{key}={','.join(values)}"]
    out = []
    for _ in range(draw(st.integers(1, 2))):
        key = draw(st.sampled_from(VARY_KEYS) | st.text(max_size=8))
        values = draw(st.lists(st.sampled_from(VARY_VALUES) | st.text(max_size=6), max_size=2))
        joiner = draw(st.sampled_from([",", ";", ", ", ",,"]))
        sep = draw(st.sampled_from(["=", "=", "", "=="]))
        out.append(f"{key}{sep}{joiner.join(values)}")
    return out


@FUZZ
@given(vary=vary_options())
def test_random_vary_options(vary: list[str]) -> None:
    args = ["sweep", str(WORKED), "--no-plot", "-n", "1", "-j", "1", "--out", str(_FOLDER / "sweep")]
    for v in vary:
        args += ["--vary", v]
    code, _, err = run_cli(args)
    assert "Traceback" not in err, err
    assert code in (0, 2), (code, err)
    event(f"exit {code}")


# ----------------------------------------------------------------------------- --scheduler
@st.composite
def scheduler_options(draw: st.DrawFn) -> str:
    scheme = draw(st.sampled_from(["", "tcp://", "tls://", "inproc://", "http://", "udp://", "://", "tcp:/"]))
    host = draw(
        st.sampled_from(["", "[]", "localhost", "127.0.0.1", "[::1]", ":", *HOSTILE]) | st.text(max_size=6)
    )
    port = draw(
        st.sampled_from(
            ["", ":", ":0", ":65536", ":-1", ":99999999999", ":x", ":\uff18\uff17", ": 1", ":1.5"]
        )
        | st.text(max_size=4).map(lambda t: ":" + t)
    )
    return f"{scheme}{host}{port}" + draw(st.sampled_from(["", "", "/", " ", "\n"]))


@FUZZ
@given(address=scheduler_options())
def test_random_scheduler_options(address: str) -> None:
    """Malformed addresses exit 2 at once. Well-formed ones are left out by construction: the
    client waits 20 s for any address it cannot reach, even a closed loopback port (exit 1 is
    pinned once by the slow scheduler time-out test in tests/cli)."""
    assume(scheduler_problem(address) is not None)
    args = [
        "run",
        str(WORKED),
        "--no-plot",
        "-n",
        "2",
        "--scheduler",
        address,
        "--out",
        str(_FOLDER / "sched"),
    ]
    code, _, err = run_cli(args)
    assert "Traceback" not in err, err
    assert code == 2, (code, address, err)
    assert err.startswith("posture: --scheduler: ") and err.count("\n") == 1, err


# ----------------------------------------------------------------------------- evidence
METRICS = [
    "personnel",
    "percent_complete",
    "sites_open",
    "equipment",
    "vehicle_trips",
    "sorties",
    "troops",
    "",
]
NUMBERS = st.sampled_from([0, 1, 50, 100, 101, -1, 1.5, 1e308, float("inf"), float("nan"), 10**400, True])
ODD = (
    st.none() | st.booleans() | st.text(max_size=8) | st.lists(st.integers(), max_size=2) | st.just({"a": 1})
)
DATES = st.dates(dt.date(2025, 12, 1), dt.date(2026, 3, 1)) | st.sampled_from(
    ["2026-01-05", "2026-02-30", "yesterday", "2026-1-5", 20260105]
)
SOURCES = st.sampled_from(["assumption: a value chosen by a fuzz test", "P1", "", "assumption:", *HOSTILE])


def _maybe(draw: st.DrawFn, entry: dict[str, Any], key: str, good: st.SearchStrategy[Any]) -> None:
    roll = draw(st.integers(0, 5))
    if roll == 0:
        return
    entry[key] = draw(ODD) if roll == 1 else draw(good)


@st.composite
def observations(draw: st.DrawFn) -> dict[str, Any]:
    if draw(st.integers(0, 2)) == 0:  # a valid one
        return {
            "date": draw(st.dates(dt.date(2026, 1, 1), dt.date(2026, 1, 30))),
            "metric": draw(st.sampled_from(METRICS[:6])),
            "value": draw(st.integers(0, 100)),
            "weight": draw(st.floats(0, 1)),
            "label": draw(st.sampled_from(HOSTILE)),
            "source": "assumption: a value chosen by a fuzz test",
        }
    entry: dict[str, Any] = {}
    _maybe(draw, entry, "date", DATES)
    _maybe(draw, entry, "metric", st.sampled_from(METRICS))
    for key in draw(
        st.lists(st.sampled_from(["value", "low", "high", "personnel"]), max_size=3, unique=True)
    ):
        entry[key] = draw(NUMBERS | ODD) if draw(st.booleans()) else draw(st.integers(0, 200))
    for key, good in [
        ("site", st.sampled_from(["A", "B", "C", ""])),
        ("class", st.sampled_from(["container", "tank", ""])),
        ("aircraft", st.sampled_from(["c17", "trucks", ""])),
        ("weight", NUMBERS),
        ("label", st.sampled_from(HOSTILE) | st.text(max_size=10)),
    ]:
        if draw(st.integers(0, 2)) == 0:
            _maybe(draw, entry, key, good)
    _maybe(draw, entry, "source", SOURCES)
    if draw(st.integers(0, 6)) == 0:
        entry[draw(st.text(max_size=6))] = draw(ODD)
    return entry


@st.composite
def milestones(draw: st.DrawFn) -> dict[str, Any]:
    if draw(st.integers(0, 2)) == 0:  # a valid one
        return {
            "percent": draw(st.integers(1, 100)),
            "date": draw(st.dates(dt.date(2026, 1, 1), dt.date(2026, 1, 30))),
            "source": "assumption: a value chosen by a fuzz test",
        }
    entry: dict[str, Any] = {}
    _maybe(draw, entry, "percent", NUMBERS)
    _maybe(draw, entry, "date", DATES)
    for key in ("earliest", "latest"):
        if draw(st.booleans()):
            _maybe(draw, entry, key, DATES)
    if draw(st.booleans()):
        _maybe(draw, entry, "weight", NUMBERS)
    if draw(st.booleans()):
        _maybe(draw, entry, "label", st.sampled_from(HOSTILE))
    _maybe(draw, entry, "source", SOURCES)
    return entry


_WORKED_DATA = yaml.safe_load(WORKED.read_text(encoding="utf-8"))


@FUZZ
@given(
    obs=st.lists(observations(), max_size=2) | st.sampled_from([None, {}, "x", 5]),
    ms=st.lists(milestones(), max_size=2) | st.sampled_from([None, {}, "x", 5]),
)
def test_random_observations_and_milestones(obs: Any, ms: Any) -> None:
    data = copy.deepcopy(_WORKED_DATA)
    data["observations"], data["milestones"] = obs, ms
    outcome = check_outcome(lambda: build_scenario(Source(FILE, copy.deepcopy(data))), file=FILE, lines=1)
    event("accepted" if outcome.error is None else "refused")
    if outcome.error is not None:
        for p in outcome.error.problems:
            assert p.key.startswith(("observations", "milestones")), str(p)
    else:
        scenario = outcome.scenario
        assert scenario is not None
        for ob in scenario.observations:  # what the score tables and plots print
            ob.describe()
            low, high = ob.bounds
            assert low <= high


# ----------------------------------------------------------------------------- hostile text
hostile_text = (
    st.sampled_from(HOSTILE)
    | st.lists(st.sampled_from(HOSTILE), min_size=1, max_size=6).map("".join)
    | st.text(min_size=1, max_size=20)
    | st.sampled_from(HOSTILE).map(lambda s: (s * (10_000 // len(s) + 1))[:10_000])
)
FREE_TEXT = (
    "name",
    "description",
    "cite",
    "parameters.avail.description",
    "cargo.container.description",
    "sites.A.name",
    "sites.B.name",
    "fleets.trucks.description",
    "aircraft.lift.description",
    "crossings.X.name",
    "routes[0].name",
    "phases[0].description",
    "events[0].reason",
    "events[0].source",
    "events[1].reason",
    "observations[0].label",
    "observations[0].source",
    "milestones[0].label",
    "milestones[0].source",
    "sources.<id>",
    "sources.S1.title",
    "sources.S1.url",
    "sources.S1.publisher",
    "sources.S1.notes",
)
"""Every free-text field of the scenario format (sim/scenario/schema.py, events.py,
evidence.py, parameters.py): names, descriptions, reasons, labels, sources (an event's is free
text; an observation's or a milestone's is a cite), ``cite`` strings and the ``sources``
entries, their id included. Ids are not free text (``[A-Za-z][A-Za-z0-9_-]*``)."""
FIGURES = {1: ["gantt", "map", "throughput", "troop_curve"], 2: ["closure_cdf", "fan_chart", "map"]}
"""The PNGs of one run and of two replications of that scenario (sorted)."""
RAW_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
"""A control character as it would reach a terminal (a tab and a line break are allowed)."""


def every_free_text(t: dict[str, str]) -> dict[str, Any]:
    """A small scenario with every kind of output (a troop curve, a Gantt chart, arrivals by
    road and air, a map, evidence, events) and ``t[field]`` in each field of ``FREE_TEXT``.

    A cite or an observation's source must state an assumption or name sources, so the text
    follows ``assumption: ...``; the hostile source id is cited where it is one id."""

    def why(key: str) -> str:
        return f"assumption: hostile text in a cite, {t[key]}"

    sid = t["sources.<id>"]
    cited = (
        sid
        if sid.strip() and not re.search(r"[,; ]", sid) and not sid.strip().lower().startswith("assumption")
        else "S1"
    )
    return {
        "name": t["name"][:300],
        "description": t["description"],
        "start": "2026-01-01",
        "horizon_days": 30,
        "cite": why("cite"),
        "parameters": {
            "avail": {
                "prior": {"uniform": [0.8, 1]},
                "description": t["parameters.avail.description"],
                "cite": "S1",
            }
        },
        "cargo": {
            "container": {"short_tons": 10, "description": t["cargo.container.description"], "cite": cited}
        },
        "sites": {
            "A": {
                "name": t["sites.A.name"],
                "lat": 33.5,
                "lon": 36.3,
                "personnel": 200,
                "equipment": {"container": 40},
                "airfield": {"sorties_per_day": 4, "cite": why("cite")},
                "cite": {"personnel": "S1", "equipment": why("sites.A.name")},
            },
            "B": {"name": t["sites.B.name"], "lat": 32.0, "lon": 36.0, "airfield": {"sorties_per_day": 4}},
        },
        "fleets": {
            "trucks": {
                "count": 10,
                "based_at": "A",
                "capacity": {"container": 2},
                "speed_kmh": 30,
                "load_hours": 2,
                "availability": {"param": "avail"},
                "description": t["fleets.trucks.description"],
                "cite": why("fleets.trucks.description"),
            }
        },
        "aircraft": {
            "lift": {
                "count": 1,
                "based_at": "A",
                "capacity": {"personnel": 100},
                "speed_kmh": 700,
                "description": t["aircraft.lift.description"],
            }
        },
        "crossings": {
            "X": {"name": t["crossings.X.name"], "convoys_per_day": 20, "cite": why("crossings.X.name")}
        },
        "routes": [{"from": "A", "to": "B", "km": 300, "name": t["routes[0].name"], "crossings": ["X"]}],
        "phases": [
            {
                "id": "empty_A",
                "description": t["phases[0].description"],
                "start_day": 0,
                "moves": [{"from": "A", "to": "B"}],
            }
        ],
        "events": [
            {
                "type": "pause",
                "day": 1,
                "days": 1,
                "reason": t["events[0].reason"],
                "source": t["events[0].source"],
                "cite": why("events[0].reason"),
            },
            {"type": "close_crossing", "crossing": "X", "day": 2, "days": 1, "reason": t["events[1].reason"]},
        ],
        "observations": [
            {
                "date": "2026-01-03",
                "personnel": 100,
                "label": t["observations[0].label"],
                "source": why("observations[0].source"),
            },
            {
                "date": "2026-01-02",
                "metric": "percent_complete",
                "low": 10,
                "high": 60,
                "label": t["observations[0].label"],
                "source": cited,
            },
        ],
        "milestones": [
            {
                "percent": 50,
                "date": "2026-01-03",
                "label": t["milestones[0].label"],
                "source": why("milestones[0].source"),
            }
        ],
        "sources": {
            sid: {"title": t["sources.S1.title"]},
            "S1": {
                "title": t["sources.S1.title"],
                "url": t["sources.S1.url"],
                "publisher": t["sources.S1.publisher"],
                "date": "2026-01-01",
                "notes": t["sources.S1.notes"],
            },
        },
    }


def check_hostile_run(texts: dict[str, str], n: int, draw: bool, folder: Path) -> None:
    """``texts`` in every free-text field, through ``posture validate`` and ``posture run -n N``
    with report.html (``draw``: and plots; else ``--no-plot``): exit 0, every file written, and
    nothing on the terminal (matplotlib's warnings included) holds a raw control character."""
    text = yaml.safe_dump(every_free_text(texts), allow_unicode=True, sort_keys=False, width=float("inf"))
    path = folder / "hostile.yaml"
    path.write_text(text, encoding="utf-8")
    out = folder / "out"
    shown = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for args in (
            ["validate", str(path)],
            ["run", str(path), "-n", str(n), "-j", "1", "--out", str(out), *([] if draw else ["--no-plot"])],
        ):
            code, stdout, stderr = run_cli(args)
            shown.append(stdout + stderr)
            assert code == 0 and "Traceback" not in stderr, (args[0], code, stderr[-3000:])
    shown += [warnings.formatwarning(w.message, w.category, w.filename, w.lineno) for w in caught]
    for printed in shown:
        bad = RAW_CONTROL.search(printed)
        assert bad is None, (
            f"raw {bad.group()!r} on the terminal: {printed[max(0, bad.start() - 200) :][:400]!r}"
        )
    page = (out / "report.html").read_text(encoding="utf-8")
    bad = RAW_CONTROL.search(page)
    assert bad is None, f"raw {bad.group()!r} in report.html: {page[max(0, bad.start() - 200) :][:400]!r}"
    figures = sorted(p.stem for p in out.glob("*.png"))
    assert figures == (FIGURES[n] if draw else []), figures
    assert all(f'<figure id="fig-{stem}"><svg ' in page for stem in figures)  # the same figures, inline
    event(f"-n {n}")


HOSTILE_TEXTS = st.fixed_dictionaries(dict.fromkeys(FREE_TEXT, hostile_text))


@FUZZ
@given(texts=HOSTILE_TEXTS, n=st.sampled_from([1, 2]))
def test_hostile_free_text_from_file_to_report(texts: dict[str, str], n: int, tmp_path_factory: Any) -> None:
    """Every free-text field hostile: validate, run (``--no-plot``) and report.html."""
    check_hostile_run(texts, n, False, tmp_path_factory.mktemp("hostile"))


PLOTS = settings(FUZZ, max_examples=max(1, FUZZ.max_examples // 6))
"""A sixth of the fuzz budget: one run with plots takes 1.5 to 19 s (10 kB labels), not 0.1 s."""


@PLOTS
@given(texts=HOSTILE_TEXTS, n=st.sampled_from([1, 2]))
def test_hostile_free_text_from_file_to_plots(texts: dict[str, str], n: int, tmp_path_factory: Any) -> None:
    """Every free-text field hostile: validate, run with plots and report.html (figures inline)."""
    check_hostile_run(texts, n, True, tmp_path_factory.mktemp("hostile"))
