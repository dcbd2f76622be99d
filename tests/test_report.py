"""``celltx report``: the HTML landscape, checked as data and in headless Chromium.

The browser is driven over the DevTools protocol on a pipe (``--remote-debugging-pipe``:
NUL-separated JSON on file descriptors 3 and 4), so no websocket client is needed.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import re
import select
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from celltx.graph import store
from celltx.queries.catalogue import load_catalogue
from celltx.queries.run import run_query
from typer.testing import CliRunner

from celltx.api import KnowledgeGraph
from celltx.cli import app
from celltx.report import condition_views, render_report
from tests.mini_graph import build_mini_graph

CHROMIUM = next((p for p in (shutil.which(n) for n in ("chromium", "chromium-browser",
                                                          "google-chrome")) if p), None)
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="no chromium (.ci/deps.d/report.sh installs Debian's package)")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--remote-debugging-pipe"]


@pytest.fixture(scope="module")
def mini_page() -> str:
    return render_report(build_mini_graph(), source="mini graph")


def figures(page: str, view: str = "all") -> list[dict[str, str]]:
    """The chart figures of one view section, as attribute dicts (with their inner html)."""
    start = page.index(f'<section class="view" data-view="{view}"')
    section = page[start:page.index("</section>", start)]
    return [dict(re.findall(r'([\w-]+)="([^"]*)"', m.group(1)), inner=m.group(2))
            for m in re.finditer(r'<figure class="chart"([^>]*)>(.*?)</figure>', section, re.S)]


# ---- the page as data -------------------------------------------------------------------------


def test_every_chart_names_a_stored_query_and_has_marks(mini_page: str) -> None:
    catalogue = load_catalogue()
    figs = figures(mini_page)
    assert {f["data-chart"] for f in figs} >= {"heatmap", "starts", "phases", "sponsors",
                                              "countries", "dual", "cell_source"}
    for f in figs:
        names = f["data-query"].split()
        assert names and all(n in catalogue for n in names), f
        assert all(f"<code>{n}</code>" in f["inner"] for n in names)
        assert int(f["data-marks"]) > 0, f["data-chart"]
        assert f["inner"].count('class="mark') == int(f["data-marks"])


def test_chart_marks_follow_the_query_rows() -> None:
    graph = build_mini_graph()
    page = render_report(graph)
    marks = {f["data-chart"]: int(f["data-marks"]) for f in figures(page)}
    matrix = run_query("target_platform_matrix", engine="python", graph=graph).rows
    assert marks["heatmap"] == len(matrix)
    starts = run_query("starts_per_year_by_platform", engine="python", graph=graph).rows
    assert marks["starts"] == len(starts)
    duals = run_query("dual_target_constructs", engine="python", graph=graph).rows
    pairs = run_query("construct_target_pairs", engine="python", graph=graph).rows
    assert marks["dual"] == len(duals) + len(pairs)


def test_condition_views_hold_only_their_trials() -> None:
    kg = KnowledgeGraph(build_mini_graph())
    views = {v.id: v for v in condition_views(kg.graph)}
    aml = views["condition:MONDO:0018874"]
    in_aml = {t.nct_id for t in kg.trials(condition="AML") if t.products}
    assert {d["id"] for _, d in aml.graph.nodes("Trial")} == in_aml == \
        {r[0] for r in run_query("trials_in_condition", {"condition": "AML"},
                                 engine="python", graph=kg.graph).rows}
    solid = views["category:solid"]
    want = {t.nct_id for t in kg.trials() if t.products
            and any(c.category == "solid" for c in t.conditions)}
    assert {d["id"] for _, d in solid.graph.nodes("Trial")} == want and solid.trials == len(want)


def test_asked_conditions_become_the_views() -> None:
    graph = build_mini_graph()
    views = condition_views(graph, ["AML", "hcc"])
    assert [v.id for v in views] == ["all", "condition:MONDO:0018874", "condition:MONDO:0007256"]
    assert views[0].trials == views[1].trials + views[2].trials
    with pytest.raises(ValueError, match=r"no trial with a product studies condition 'ALS'.*"
                                         r"acute myeloid leukemia \(AML\)"):
        condition_views(graph, ["ALS"])


def test_page_is_self_contained_and_escaped(mini_page: str) -> None:
    assert "<script src" not in mini_page and "<link rel=\"stylesheet\"" not in mini_page
    assert "url(" not in mini_page and "@import" not in mini_page
    external = [u for u in re.findall(r'(?:src|href)="([^"]+)"', mini_page)
                if not u.startswith(("data:", "#", "https://clinicaltrials.gov/study/"))]
    assert external == []
    assert "Institute of Hematology &amp; Blood Diseases Hospital" in mini_page


def test_cli_writes_the_report(tmp_path: Path) -> None:
    gdir = tmp_path / "g"
    store.save(build_mini_graph(), gdir, stats={}, rejects=[], merges=[])
    out = tmp_path / "r" / "landscape.html"
    out.parent.mkdir()
    res = CliRunner().invoke(app, ["report", str(out), "--graph", str(gdir),
                                   "--condition", "AML"])
    assert res.exit_code == 0, res.output
    page = out.read_text()
    assert page.count('<section class="view"') == 1 and "acute myeloid leukemia" in page
    res = CliRunner().invoke(app, ["report", str(out), "--graph", str(gdir), "-c", "ALS"])
    assert res.exit_code == 1 and "no trial with a product" in res.output


# ---- in headless Chromium ---------------------------------------------------------------------


class Browser:
    """A headless Chromium driven over the DevTools protocol on a pipe."""

    def __init__(self, user_data_dir: Path) -> None:
        to_child_r, self._to_child = os.pipe()
        self._from_child, from_child_w = os.pipe()
        script = f'exec "$@" 3<&{to_child_r} 4>&{from_child_w}'
        self.proc = subprocess.Popen(
            ["bash", "-c", script, "bash", str(CHROMIUM), *FLAGS,
             f"--user-data-dir={user_data_dir}", "about:blank"],
            pass_fds=(to_child_r, from_child_w), stdout=subprocess.DEVNULL,
            stderr=open(user_data_dir.parent / "chromium.log", "wb"))  # noqa: SIM115
        os.close(to_child_r)
        os.close(from_child_w)
        self._buffer = b""
        self._next = 0
        self.events: list[dict[str, Any]] = []
        self.session = ""

    def _read(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._from_child], [], [], left)[0]:
                raise TimeoutError("no answer from chromium")
            chunk = os.read(self._from_child, 1 << 20)
            if not chunk:
                raise RuntimeError("chromium closed the pipe")
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)  # type: ignore[no-any-return]

    def send(self, method: str, params: dict[str, Any] | None = None, *,
             session: bool = True, timeout: float = 30) -> dict[str, Any]:
        self._next += 1
        msg: dict[str, Any] = {"id": self._next, "method": method, "params": params or {}}
        if session and self.session:
            msg["sessionId"] = self.session
        os.write(self._to_child, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            reply = self._read(deadline)
            if reply.get("id") == self._next:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_event(self, method: str, timeout: float = 30) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        for i, event in enumerate(self.events):
            if event.get("method") == method:
                return self.events.pop(i)
        while True:
            event = self._read(deadline)
            if event.get("method") == method:
                return event
            self.events.append(event)

    def open_page(self) -> None:
        target = self.send("Target.createTarget", {"url": "about:blank"}, session=False)
        self.session = self.send("Target.attachToTarget", {"targetId": target["targetId"],
                                                           "flatten": True},
                                 session=False)["sessionId"]
        for domain in ("Page", "Runtime", "Log"):
            self.send(f"{domain}.enable")
        self.set_width(1400)

    def set_width(self, width: int) -> None:
        """A desktop window (1400 px) or a phone's (390 px, mobile)."""
        self.send("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": 1000 if width > 800 else 844,
                   "deviceScaleFactor": 1, "mobile": width <= 800})

    def navigate(self, url: str) -> None:
        self.events = [e for e in self.events if e.get("method") != "Page.loadEventFired"]
        self.send("Page.navigate", {"url": url})
        self.wait_event("Page.loadEventFired")

    def evaluate(self, expression: str) -> Any:
        result = self.send("Runtime.evaluate", {"expression": expression,
                                                "returnByValue": True})
        if "exceptionDetails" in result:
            raise RuntimeError(result["exceptionDetails"])
        return result["result"].get("value")

    def screenshot(self, path: Path) -> None:
        size = self.send("Page.getLayoutMetrics")["cssContentSize"]
        shot = self.send("Page.captureScreenshot", {
            "format": "png", "captureBeyondViewport": True,
            "clip": {"x": 0, "y": 0, "width": size["width"], "height": size["height"],
                     "scale": 1}})
        path.write_bytes(base64.b64decode(shot["data"]))

    def console_errors(self) -> list[str]:
        errors = []
        for e in self.events:
            p = e.get("params", {})
            if e.get("method") == "Runtime.exceptionThrown":
                errors.append(str(p["exceptionDetails"].get("exception", {}).get(
                    "description") or p["exceptionDetails"].get("text")))
            elif e.get("method") == "Runtime.consoleAPICalled" and p.get("type") in (
                    "error", "assert", "warning"):
                errors.append(" ".join(str(a.get("value", a.get("description")))
                                       for a in p.get("args", [])))
            elif e.get("method") == "Log.entryAdded" and p["entry"]["level"] in (
                    "error", "warning"):
                errors.append(p["entry"]["text"])
        return errors

    def close(self) -> None:
        with contextlib.suppress(RuntimeError, TimeoutError, OSError):
            self.send("Browser.close", session=False, timeout=5)
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
        os.close(self._to_child)
        os.close(self._from_child)


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Browser]:
    b = Browser(tmp_path / "chromium-profile")
    try:
        b.open_page()
        yield b
    finally:
        b.close()


CHART_STATE = """(() => {
  const sections = [...document.querySelectorAll('section.view')];
  const shown = sections.filter(s => !s.hidden);
  return {views: sections.length, shown: shown.map(s => s.dataset.view),
    selected: document.getElementById('view').value,
    charts: shown.length ? [...shown[0].querySelectorAll('figure.chart')].map(f => ({
      chart: f.dataset.chart, query: f.dataset.query,
      marks: f.querySelectorAll('.mark, .mark-row').length,
      width: f.querySelector('.body').getBoundingClientRect().width,
      height: f.querySelector('.body').getBoundingClientRect().height,
      empty: !!f.querySelector('.empty')})) : []};
})()"""


SHOW_VIEW = """(v => { const s = document.getElementById('view'); s.value = v;
  s.dispatchEvent(new Event('change')); return s.value; })"""


def check_rendered(browser: Browser, page: Path, shot: Path) -> dict[str, Any]:
    browser.navigate(page.as_uri())
    state = browser.evaluate(CHART_STATE)
    browser.screenshot(shot)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000
    assert state["shown"] == ["all"] and state["charts"]
    for chart in state["charts"]:
        assert chart["marks"] > 0 and not chart["empty"], chart
        assert chart["width"] > 200 and chart["height"] > 20, chart
    assert browser.console_errors() == []
    return state  # type: ignore[no-any-return]


@needs_chromium
def test_mini_report_renders_in_chromium(browser: Browser, tmp_path: Path,
                                         mini_page: str) -> None:
    page = tmp_path / "report.html"
    page.write_text(mini_page)
    state = check_rendered(browser, page, tmp_path / "report.png")
    assert len(state["charts"]) == len(figures(mini_page))
    # the condition filter: through the menu, then through the URL fragment
    browser.evaluate(f"{SHOW_VIEW}('category:solid')")
    state = browser.evaluate(CHART_STATE)
    assert state["shown"] == ["category:solid"]
    assert all(c["marks"] > 0 for c in state["charts"] if c["chart"] in ("heatmap", "dual"))
    browser.navigate("about:blank")  # a fragment-only change would not load the page again
    browser.navigate(page.as_uri() + "#condition%3AMONDO%3A0018874")
    state = browser.evaluate(CHART_STATE)
    assert state["shown"] == ["condition:MONDO:0018874"]
    assert state["selected"] == "condition:MONDO:0018874"
    assert browser.console_errors() == []


@needs_chromium
def test_console_errors_are_caught(browser: Browser, tmp_path: Path) -> None:
    page = tmp_path / "bad.html"
    page.write_text("<!doctype html><title>x</title><script>console.error('boom');"
                    "undefinedFunction();</script>")
    browser.navigate(page.as_uri())
    errors = browser.console_errors()
    assert any("boom" in e for e in errors) and any("undefinedFunction" in e for e in errors)


@needs_chromium
def test_bundled_sample_report_renders_every_chart(browser: Browser, tmp_path: Path) -> None:
    import celltx

    kg = celltx.build()
    if not kg.stats["nodes"].get("Product"):
        pytest.skip("the bundled sample has no products until the normaliser lands")
    page = tmp_path / "sample.html"
    kg.report(page)
    state = check_rendered(browser, page, tmp_path / "sample.png")
    assert state["views"] > 3


@needs_chromium
@pytest.mark.parametrize("width", [1400, 390])
def test_sample_report_at_desktop_and_phone_widths(browser: Browser, tmp_path: Path,
                                                   sample_graph: Any, width: int) -> None:
    """Issue 13: every chart is drawn for all trials, for solid tumours and for AML, with no
    console error, at 1400 px and on a 390 px phone, and the page never scrolls sideways."""
    page = tmp_path / "sample.html"
    page.write_text(render_report(sample_graph))
    browser.set_width(width)
    browser.navigate(page.as_uri())
    for view in ("all", "category:solid", "condition:MONDO:0018874"):
        assert browser.evaluate(f"{SHOW_VIEW}({json.dumps(view)})") == view
        state = browser.evaluate(CHART_STATE)
        assert state["shown"] == [view] and len(state["charts"]) >= 5, state
        for chart in state["charts"]:
            assert chart["marks"] > 0 and not chart["empty"], (view, chart)
            assert chart["width"] > min(200, width / 2) and chart["height"] > 20, (view, chart)
        overflow = browser.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 1, (view, overflow)
        shot = tmp_path / f"{width}-{view.replace(':', '_')}.png"
        browser.screenshot(shot)
        assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000
    assert browser.console_errors() == []


def test_category_families_do_not_share_colours() -> None:
    from celltx.report import CLASS_COLORS, PLATFORM_COLORS, SOURCE_COLORS

    colours = [*PLATFORM_COLORS.values(), *CLASS_COLORS.values(), *SOURCE_COLORS.values()]
    assert len(colours) == len(set(c.upper() for c in colours))


def test_the_whole_dual_construct_table_is_there() -> None:
    from celltx.report import construct_table

    rows = [[f"NCT{i:08d}", f"P{i}", "CAR-T", ["CD19", "CD22"]] for i in range(30)]
    html = construct_table(rows)
    assert all(f"NCT{i:08d}" in html for i in range(30))
    assert "<details" in html and "Show all 30 dual-target products (5 more)" in html
    assert "<details" not in construct_table(rows[:25])


def test_every_chart_states_its_coverage(mini_page: str) -> None:
    for view in ("all", "category:solid"):
        for fig in figures(mini_page, view):
            note = fig["inner"]
            assert "Coverage: " in note and " unknown for " in note, fig["data-chart"]


def test_registries_and_quality_flags_are_shown() -> None:
    graph = build_mini_graph()
    graph.g.nodes["Trial:NCT06880354"]["registries"] = ["ClinicalTrials.gov", "ChiCTR"]
    graph.g.nodes["Trial:NCT05008575"]["quality_flags"] = ["impossible_date"]
    graph.g.nodes["Trial:NCT02000002"]["quality_flags"] = ["placeholder_record",
                                                           "impossible_date"]
    page = render_report(graph)
    assert "Trials per registry: ClinicalTrials.gov <b>6</b> · ChiCTR <b>1</b>" in page
    assert "2 trials carry a data-quality flag (impossible date 2, placeholder record 1;" in page
    assert "Data: ClinicalTrials.gov, ChiCTR" in page
    aml = page[page.index('data-view="condition:MONDO:0018874"'):]
    assert "Trials per registry: ClinicalTrials.gov <b>3</b> · ChiCTR <b>1</b>" in aml
    assert "No trial carries a data-quality flag." in render_report(build_mini_graph())


def test_umbrella_conditions_are_not_views(sample_graph: Any) -> None:
    from celltx.report import is_umbrella, umbrella_conditions

    labels = [v.label for v in condition_views(sample_graph, top=20)]
    assert not {"neoplasm", "cancer", "autoimmune disease"} & set(labels)
    assert len(labels) == 4 + 20  # all trials, three categories, twenty conditions
    umbrellas = [name for name, _ in umbrella_conditions(sample_graph)]
    assert set(umbrellas[:2]) == {"neoplasm", "cancer"}
    assert is_umbrella({"id": "MONDO:0004992", "name": "cancer"})
    assert not is_umbrella({"id": "MONDO:0018874", "name": "acute myeloid leukemia"})
    page = render_report(sample_graph, top_conditions=3)
    assert f"Not offered as condition views, being umbrella terms: {umbrellas[0]} (" in page
    # asked for by name, an umbrella term is still a view
    assert [v.label for v in condition_views(sample_graph, ["neoplasm"])] == ["neoplasm"]


def test_construct_links_go_to_each_trial_s_registry() -> None:
    from celltx.report import construct_table

    page = construct_table([["ChiCTR2000029817", "x", "CAR-T", ["CD19", "CD22"]],
                            ["NCT06880354", "y", "CAR-T", ["CD38", "CLEC12A"]]])
    assert 'href="https://www.chictr.org.cn/searchprojEN.html?regno=ChiCTR2000029817"' in page
    assert 'href="https://clinicaltrials.gov/study/NCT06880354"' in page
    assert "CLL1 (CLEC12A)" in page


def test_the_start_year_note_is_as_of_the_records_not_the_day_the_report_is_made() -> None:
    """The chart's note measured the last year against today: starts after the registry
    snapshot (planned starts of trials not yet recruiting) read as made. It counts the starts
    made, not made and unknown by the trials' ``started``."""
    from celltx.report import starts_note
    from tests.mini_graph import build_mini_graph

    graph = build_mini_graph()
    trials = [d for _, d in graph.nodes("Trial") if d.get("is_cell_therapy")]
    assert len(trials) >= 4
    for d in trials:
        d["last_update"], d["start_date"], d["start_year"] = "2026-03-01", "2025-05", 2025
        d["started"] = True
    trials[0]["start_date"], trials[0]["start_year"] = "2026-09", 2026
    trials[0]["started"] = False  # (a planned start)
    note = starts_note(graph, {2025, 2026})
    assert note == (f"2026 is partial: the records were last updated on 2026-03-01; of the "
                    f"{len(trials)} trials whose starts are shown, {len(trials) - 1} had started "
                    "as of their records, 1 had not (a planned start, or a trial not yet "
                    "recruiting or withdrawn whose date passed).")
    assert starts_note(graph, {2025}) is None  # (all of 2025's started; 2026 not shown)
    trials[1].pop("started")  # a record that cannot say
    trials[2]["started"] = False
    assert starts_note(graph, {2025}) == (
        f"of the {len(trials) - 1} trials whose starts are shown, {len(trials) - 3} had started "
        "as of their records, 1 had not (a planned start, or a trial not yet recruiting or "
        "withdrawn whose date passed) and 1 cannot say (no status, unknown and never "
        "verified, or a start date moved years past the trial's registration).")
