"""``report.html`` (issue #13, item 5): one self-contained page of a run's results.

The quick tests read the page as text: one document, nothing loaded from outside it (no
``src``/``href`` to a remote address, no script, no stylesheet link), every figure an inline
``<svg>`` with ids unique in the page and every reference to an id resolved, user text escaped,
every section there. The worked example (100 containers, 10 trucks, 300 km at 30 km/h) closes
at 105 h = 4.375 days, on 2026-01-05 (docs/model.md), which the summary must say; its scores
with ``--deterministic`` are computed by hand in tests/cli/test_score.py (observation 0, 80
containers at A on 2026-01-02, is inside; weighted coverage of observations 5 / 8.5 = 0.59).

The slow test opens pages in headless Chromium (``/usr/bin/chromium``, the Debian package,
driven by Playwright): no console error, no request other than the file itself, every figure
drawn with a non-zero size, and a screenshot. A missing browser fails the test; ``.ci/run``
installs it.
"""

from __future__ import annotations

import hashlib
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
import yaml

import sim
from sim.cli import main
from sim.outputs.html_page import link
from sim.outputs.inline_svg import inline_svg
from sim.outputs.plot_style import new_figure
from sim.outputs.report_provenance import citations
from sim.outputs.utilisation_plot import Bar, bars_of

from .test_score import worked

ROOT = Path(__file__).resolve().parents[2]
WORKED = ROOT / "scenarios/examples/worked-example.yaml"
FLAGSHIP = ROOT / "scenarios/syria-2026.yaml"
CHROMIUM = Path("/usr/bin/chromium")
HOSTILE = "<script>alert(1)</script>"
SECTIONS = ("summary", "figures", "resources", "events", "scores", "sources", "files")
FORBIDDEN = {"script", "link", "iframe", "object", "embed", "base", "frame", "applet"}
LOADS = {"src", "srcset", "action", "formaction", "poster", "data", "background", "href"}
REFERENCE = re.compile(r"url\(#([^)]+)\)")


def posture(*args: str | Path) -> int:
    return main([str(a) for a in args])


def page_of(folder: Path) -> str:
    return (folder / "report.html").read_text(encoding="utf-8")


class Tags(HTMLParser):
    """Every start tag of a page and its attributes (what a browser would read)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {k: v or "" for k, v in attrs}))


def tags_of(page: str) -> list[tuple[str, dict[str, str]]]:
    parser = Tags()
    parser.feed(page)
    return parser.tags


def svg_ids(page: str) -> list[str]:
    return [attrs["id"] for tag, attrs in tags_of(page) if tag == "svg"]


def self_contained(page: str) -> None:
    """One document that loads nothing from outside itself, ids unique, references resolved.

    The only addresses outside the page are the sources' links: anchors a reader may follow
    (``<a href>`` with ``rel="noopener noreferrer"``), never loaded by the page.
    """
    assert page.startswith("<!DOCTYPE html>") and page.count("<html") == 1
    assert page.rstrip().endswith("</html>")
    tags = tags_of(page)
    assert not FORBIDDEN & {tag for tag, _ in tags}
    ids: list[str] = []
    for tag, attrs in tags:
        ids += [attrs["id"]] if "id" in attrs else []
        for name, value in attrs.items():
            outside = re.match(r"\s*([a-z][a-z0-9+.-]*:|//)", value, re.I)
            if name in LOADS and outside and not value.lower().startswith("data:"):
                assert tag == "a" and name == "href" and attrs.get("rel") == "noopener noreferrer", (
                    tag,
                    attrs,
                )
                assert value.lower().startswith(("http://", "https://")), value
    lowered = page.lower()
    for loads in ("@import", "url(http", "url(//", "<?xml", "xlink:", "<!doctype svg", "<metadata"):
        assert loads not in lowered, loads
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})[:5]
    known = set(ids)
    for tag, attrs in tags:
        for name, value in attrs.items():
            refs = REFERENCE.findall(value) + (
                [value[1:]] if name == "href" and value.startswith("#") else []
            )
            assert set(refs) <= known, (tag, name, value)


def hostile_worked(tmp_path: Path) -> Path:
    data = yaml.safe_load(WORKED.read_text())
    data["name"] = HOSTILE
    data["sources"] = {
        "S1": {"title": "<b>bold</b> claims", "url": "javascript:alert(3)"},
        "S2": {"title": "A real report", "url": "https://example.org/report?a=1&b=2", "date": "2026-01-01"},
    }
    data["fleets"]["trucks"]["cite"] = "S1, S2"
    data["events"] = [  # after the closure on day 4.375: changes nothing
        {"type": "pause", "day": 20, "days": 1, "reason": '<img src=x onerror="alert(2)">', "cite": "S2"}
    ]
    path = tmp_path / "hostile.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


# ----------------------------------------------------------------------------- one run
def test_one_run_page_is_self_contained_escaped_and_complete(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert posture("run", hostile_worked(tmp_path), "--out", out) == 0
    page = page_of(out)
    self_contained(page)
    # hostile text is text: in the title, the heading, the figures, the events and the sources
    assert "<script>" not in page and "<img" not in page and "<b>" not in page
    assert page.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 3  # <title>, <h1>, figures
    assert "&lt;img src=x onerror=&quot;alert(2)&quot;&gt;" in page
    assert 'href="javascript' not in page and "javascript:alert(3)" in page  # shown, not linked
    assert '<a href="https://example.org/report?a=1&amp;b=2" rel="noopener noreferrer">' in page
    for sid in SECTIONS:
        assert f'<section id="{sid}">' in page and f'href="#{sid}"' in page
    # closure 105 h = 4.375 days = 0.625 weeks, on 2026-01-05
    assert re.search(
        r"closure \(100 %\)</td><td[^>]*>4\.38</td><td[^>]*>0\.62</td><td[^>]*>2026-01-05<", page
    )
    # figures: gantt and throughput (the files) and utilisation; no personnel, no coordinates
    assert sorted(svg_ids(page)) == ["gantt", "throughput", "utilisation"]
    assert "Troop curve: not drawn — the scenario has no personnel" in page
    assert "Map: not drawn — no site has lat and lon" in page
    assert re.search(r"<td>pause</td><td>day 20</td><td>day 20</td><td[^>]*>days: 1</td>", page)
    assert "One run is not scored" not in page and "Nothing to score" in page
    # listed in the manifest, with the bytes on disk
    entry = next(
        f for f in json.loads((out / "manifest.json").read_text())["files"] if f["path"] == "report.html"
    )
    assert entry["sha256"] == hashlib.sha256((out / "report.html").read_bytes()).hexdigest()
    summary = hashlib.sha256((out / "summary.json").read_bytes()).hexdigest()
    assert "<td>summary.json</td>" in page and summary in page


def test_no_report_and_no_plot(tmp_path: Path) -> None:
    assert posture("run", WORKED, "--no-report", "--no-plot", "--out", tmp_path / "a") == 0
    assert not (tmp_path / "a/report.html").exists()
    assert "report.html" not in (tmp_path / "a/manifest.json").read_text()
    assert posture("run", WORKED, "--no-plot", "--out", tmp_path / "b") == 0
    page = page_of(tmp_path / "b")
    self_contained(page)
    assert "<svg" not in page and "No figures: the run was made with --no-plot." in page


# ----------------------------------------------------------------------------- replications
def test_replications_page_has_percentiles_and_the_scores_of_the_same_replications(tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = ("-n", "2", "--deterministic", "-j", "1", "--seed", "3", "--out", out)
    assert posture("run", worked(tmp_path), *args) == 0
    page = page_of(out)
    self_contained(page)
    assert "2 replications (seed 3), deterministic" in page
    # every replication is the plan: P10 = P50 = P90 = 4.375 days, all on 2026-01-05
    row = r"closure \(100 %\)</td>" + r"<td class=\"num\">4\.38</td>" * 3 + r"<td class=\"num\">0\.62</td>"
    assert re.search(row + r"(<td[^>]*>2026-01-05</td>){3}", page)
    # the scores, as posture score computes them (tests/cli/test_score.py)
    assert re.search(
        r"<td>2026-01-02</td><td>equipment@A</td><td>80</td>(<td[^>]*>80</td>){3}<td>P10–90</td>", page
    )
    assert re.search(r"<td>observations</td><td[^>]*>9</td><td[^>]*>0\.59</td>", page)  # 9 scored
    assert sorted(svg_ids(page)) == ["closure_cdf", "score", "utilisation"]
    assert "Fan chart: not drawn — the scenario has no personnel" in page
    assert "runs.sqlite" in page and "Replications do not record when each event fired" not in page


# ----------------------------------------------------------------------------- the parts
def test_figures_in_one_page_share_no_id_and_keep_their_own_references() -> None:
    def fig() -> Any:
        f = new_figure(3, 2)
        ax = f.add_subplot()
        ax.plot([0, 1], [0, 1], marker="o", clip_on=True)
        ax.set_title('a "quoted" id="x" url(#y) <title>')
        return f

    def ids_and_refs(svg: str) -> tuple[set[str], set[str]]:
        ids, refs = set(), set()
        for el in ElementTree.fromstring(svg).iter():
            ids |= {el.attrib["id"]} if "id" in el.attrib else set()
            refs |= set(REFERENCE.findall(" ".join(el.attrib.values())))
            refs |= {el.attrib["href"][1:]} if el.attrib.get("href", "").startswith("#") else set()
        return ids, refs

    a, b = inline_svg(fig(), "one", "first"), inline_svg(fig(), "two", "second <b>")
    (ids_a, refs_a), (ids_b, refs_b) = ids_and_refs(a), ids_and_refs(b)
    assert ids_a and ids_b and not ids_a & ids_b
    assert all(i == "one" or i.startswith("one-") for i in ids_a)
    assert refs_a and refs_a <= ids_a and refs_b and refs_b <= ids_b  # clip paths, markers: their own
    assert 'a "quoted" id="x" url(#y) &lt;title&gt;' in a  # user text is not renamed
    assert 'aria-label="second &lt;b&gt;"' in b and "#one *{" in a  # the style is scoped
    with pytest.raises(ValueError, match="not a valid HTML id"):
        inline_svg(fig(), "1 bad", "x")


def test_links_are_made_only_for_web_addresses() -> None:
    assert link("https://example.org/?q=<x>") == (
        '<a href="https://example.org/?q=&lt;x&gt;" rel="noopener noreferrer">https://example.org/?q=&lt;x&gt;</a>'
    )
    for address in ("javascript:alert(1)", " JavaScript:alert(1)", "data:text/html,x", "file:///etc/passwd"):
        assert "<a" not in link(address)


def test_citations_by_hand(tmp_path: Path) -> None:
    data = yaml.safe_load(WORKED.read_text())
    data["sources"] = {"S1": {"title": "one"}, "S2": {"title": "two"}, "S3": {"title": "never cited"}}
    data["fleets"]["trucks"]["cite"] = {"count": "S1", "speed_kmh": "S1; S2"}
    data["routes"][0]["cite"] = "assumption: half way between S2 and a guess"
    data["observations"] = [{"date": "2026-01-02", "metric": "equipment", "value": 80, "source": "S2"}]
    path = tmp_path / "cited.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    found, assumptions = citations(sim.load_scenario(path))
    assert found == {
        "S1": ["fleets.trucks.count", "fleets.trucks.speed_kmh"],
        "S2": ["fleets.trucks.speed_kmh", "routes[0] (assumption)", "observations[0]"],
    }
    # assumptions: the top level, cargo.container, sites.A, sites.B, routes[0], phases[0]
    assert assumptions == 6


def test_utilisation_bars_from_one_run_and_from_replications() -> None:
    assert bars_of({"fleet:t": 0.5}) == [Bar("fleet:t", 0.5)]
    assert bars_of({"escorts": {"p10": 0.1, "p50": 0.2, "p90": 0.4, "mean": 0.2}}) == [
        Bar("escorts", 0.2, 0.1, 0.4)
    ]


# ----------------------------------------------------------------------------- in a browser
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


BOXES = "els => els.map(e => { const r = e.getBoundingClientRect(); return [r.width, r.height]; })"


def in_chromium(browser: Any, report: Path, shot: Path) -> tuple[list[list[float]], int, list[str]]:
    """Open ``report`` at 1280 px: each figure's size, the page's width, and what went wrong
    (console errors, page errors, any request but the file itself); save a full screenshot."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    problems: list[str] = []
    page.on(
        "console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None
    )
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("request", lambda r: None if r.url == report.as_uri() else problems.append(f"request: {r.url}"))
    page.goto(report.as_uri(), wait_until="load")
    boxes: list[list[float]] = page.eval_on_selector_all("svg", BOXES)
    width: int = page.evaluate("document.documentElement.scrollWidth")
    page.screenshot(path=str(shot), full_page=True)
    page.close()
    return boxes, width, problems


@pytest.mark.slow
def test_the_page_renders_in_headless_chromium(tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    assert CHROMIUM.is_file(), f"{CHROMIUM} missing: apt-get install chromium (.ci/run does)"
    one, many = tmp_path / "one", tmp_path / "many"
    assert posture("run", FLAGSHIP, "--out", one) == 0
    assert posture("run", FLAGSHIP, "-n", "20", "-j", "1", "--out", many) == 0
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            for folder, figures in ((one, 5), (many, 5)):  # troop curve or fan chart, and 4 others
                shot = folder / "screenshot.png"
                boxes, width, problems = in_chromium(browser, folder / "report.html", shot)
                assert problems == []
                assert len(boxes) == figures == len(svg_ids(page_of(folder))), boxes
                assert all(w > 100 and h > 100 for w, h in boxes), boxes
                assert width <= 1280  # tables scroll inside their box; the page never sideways
                assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 50_000
        finally:
            browser.close()
