"""``celltx fetch`` against a local replay of the ClinicalTrials.gov API v2 (loopback only).

The server pages real registry records (tests/fixtures/fetch/studies.jsonl, copied from
../shared/corpus) the way ``/api/v2/studies`` does, and injects failures on demand.
"""

from __future__ import annotations

import base64
import copy
import json
import threading
import time
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from celltx.graph.trial_graph import describe_trial
from celltx.loaders.ctgov_api import (
    DEFAULT_BASE_URL,
    STATE_FILE,
    ApiQuery,
    FetchError,
    HttpClient,
    fetch,
    load_state,
    page_files,
    parse_retry_after,
    run_dirs,
)
from typer.testing import CliRunner

from celltx.cli import app
from celltx.pipeline import build

FIXTURE = Path(__file__).parent / "fixtures" / "fetch" / "studies.jsonl"
pytestmark = pytest.mark.server


def load_studies() -> list[dict[str, Any]]:
    return [json.loads(line) for line in FIXTURE.read_text(encoding="utf-8").splitlines()
            if line.strip()]


def nct(study: dict[str, Any]) -> str:
    return study["protocolSection"]["identificationModule"]["nctId"]


def last_update(study: dict[str, Any]) -> str:
    return study["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"]["date"]


class Replay:
    """A fake ``/api/v2/studies``: pages ``studies`` by ``pageSize`` with opaque tokens.

    ``faults`` is consumed one per request: ``None`` (serve), ``"429"``, ``"500"``,
    ``"timeout"`` (answer late), ``"cut"`` (close mid-body), ``"truncated"`` (a complete HTTP
    response whose JSON body is cut short).
    """

    def __init__(self, studies: list[dict[str, Any]]) -> None:
        self.studies = studies
        self.faults: list[str | None] = []
        self.requests: list[dict[str, str]] = []
        self.retry_after = "1"
        self.late = 1.0
        self.lock = threading.Lock()
        replay = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                replay.handle(self)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}/api/v2/studies"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)

    def page(self, params: dict[str, str]) -> dict[str, Any]:
        studies = list(self.studies)
        adv = params.get("filter.advanced", "")
        if adv.startswith("AREA[LastUpdatePostDate]RANGE["):
            since = adv.split("[", 2)[2].split(",", 1)[0]
            studies = [s for s in studies if last_update(s) >= since]
        size = int(params.get("pageSize", "10"))
        token = params.get("pageToken")
        start = int(base64.urlsafe_b64decode(token.encode()).decode()) if token else 0
        body: dict[str, Any] = {}
        if params.get("countTotal") == "true":  # the API puts it first
            body["totalCount"] = len(studies)
        body["studies"] = studies[start:start + size]
        if start + size < len(studies):
            body["nextPageToken"] = base64.urlsafe_b64encode(str(start + size).encode()).decode()
        return body

    def handle(self, h: BaseHTTPRequestHandler) -> None:
        params = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(h.path).query))
        with self.lock:
            self.requests.append(params)
            fault = self.faults.pop(0) if self.faults else None
        if fault == "429":
            self._send(h, 429, b'{"message": "Too many requests"}',
                       {"Retry-After": self.retry_after})
            return
        if fault == "500":
            self._send(h, 500, b"Internal Server Error")
            return
        if fault == "400":
            self._send(h, 400, b"Invalid pageToken")
            return
        body = json.dumps(self.page(params)).encode()
        if fault == "timeout":
            time.sleep(self.late)
        if fault == "cut":
            h.send_response(200)
            h.send_header("Content-Type", "application/json")
            h.send_header("Content-Length", str(len(body)))
            h.end_headers()
            h.wfile.write(body[: len(body) // 2])
            h.wfile.flush()
            h.close_connection = True
            return
        if fault == "truncated":
            body = body[: len(body) // 2]
        self._send(h, 200, body, {"Content-Type": "application/json"})

    @staticmethod
    def _send(h: BaseHTTPRequestHandler, code: int, body: bytes,
              headers: dict[str, str] | None = None) -> None:
        try:
            h.send_response(code)
            for k, v in (headers or {}).items():
                h.send_header(k, v)
            h.send_header("Content-Length", str(len(body)))
            h.end_headers()
            h.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass


@pytest.fixture
def replay() -> Iterator[Replay]:
    server = Replay(load_studies())
    yield server
    server.stop()


class Sleeps:
    """Records the client's waits instead of sleeping (the server is local and fast)."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


def client(sleeps: Sleeps | None = None, **kw: Any) -> HttpClient:
    kw.setdefault("rate", 0)
    kw.setdefault("backoff", 0.01)
    kw.setdefault("timeout", 5)
    return HttpClient(sleep=sleeps or Sleeps(), **kw)


QUERY = ApiQuery(intr="CAR-NK OR chimeric antigen receptor", page_size=5)


def fetched_records(out: Path) -> dict[str, dict[str, Any]]:
    """Every study in the page files of ``out`` (what a build reads), by NCT number."""
    seen: dict[str, dict[str, Any]] = {}
    for run in run_dirs(out):
        for page in page_files(run):
            for s in json.loads(page.read_text())["studies"]:
                assert nct(s) not in seen, f"{nct(s)} read twice"
                seen[nct(s)] = s
    return seen


# ---- the request ------------------------------------------------------------------------------


def test_query_terms_fields_and_page_tokens_are_sent(replay: Replay, tmp_path: Path) -> None:
    query = ApiQuery(intr="CAR-NK", cond="AML", term="allogeneic", page_size=10,
                     fields=("BriefTitle", "OverallStatus"))
    summary = fetch(query, tmp_path, client=client(), base_url=replay.url)
    first, second = replay.requests[0], replay.requests[1]
    assert first["query.intr"] == "CAR-NK" and first["query.cond"] == "AML"
    assert first["query.term"] == "allogeneic" and first["pageSize"] == "10"
    assert first["fields"].split(",") == ["NCTId", "LastUpdatePostDate", "BriefTitle",
                                          "OverallStatus"]
    assert "pageToken" not in first and second["pageToken"]
    assert summary.pages == -(-len(replay.studies) // 10) == len(replay.requests)
    assert summary.total == len(replay.studies) and summary.complete


def test_since_filters_on_last_update_date(replay: Replay, tmp_path: Path) -> None:
    dates = sorted(last_update(s) for s in replay.studies)
    since = dates[len(dates) // 2]
    fetch(ApiQuery(intr="CAR", since=since), tmp_path, client=client(), base_url=replay.url)
    assert replay.requests[0]["filter.advanced"] == \
        f"AREA[LastUpdatePostDate]RANGE[{since},MAX]"
    got = fetched_records(tmp_path)
    assert set(got) == {nct(s) for s in replay.studies if last_update(s) >= since}
    assert 0 < len(got) < len(replay.studies)


def test_rate_limit_spaces_requests() -> None:
    now = [0.0]
    sleeps = Sleeps()

    def sleep(seconds: float) -> None:
        sleeps(seconds)
        now[0] += seconds

    c = HttpClient(rate=2.0, sleep=sleep, clock=lambda: now[0])
    for _ in range(3):
        c._wait_turn()
    assert sleeps.calls == [0.5, 0.5]


def test_backoff_doubles_with_jitter_and_respects_retry_after() -> None:
    c = HttpClient(backoff=1.0, max_backoff=8.0, jitter=lambda: 1.0)
    assert [c.delay(n, None) for n in (1, 2, 3, 4, 5)] == [1.0, 2.0, 4.0, 8.0, 8.0]
    low = HttpClient(backoff=1.0, jitter=lambda: 0.0)
    assert low.delay(3, None) == 2.0
    assert low.delay(1, 7.0) == 7.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470.0) == 10.0


# ---- failures -----------------------------------------------------------------------------


def test_429_waits_at_least_retry_after(replay: Replay, tmp_path: Path) -> None:
    replay.faults = ["429"]
    replay.retry_after = "3"
    sleeps = Sleeps()
    c = client(sleeps)
    summary = fetch(QUERY, tmp_path, client=c, base_url=replay.url)
    assert summary.complete and "HTTP 429" in c.retried[0]
    assert max(sleeps.calls) >= 3.0
    assert set(fetched_records(tmp_path)) == {nct(s) for s in replay.studies}


@pytest.mark.parametrize("fault", ["500", "timeout", "cut", "truncated"])
def test_transient_failures_are_retried(replay: Replay, tmp_path: Path, fault: str) -> None:
    # fail the third request (page 3) twice, then serve it
    replay.faults = [None, None, fault, fault]
    replay.late = 1.0
    c = client(timeout=0.3)
    summary = fetch(QUERY, tmp_path, client=c, base_url=replay.url)
    assert summary.complete and len(c.retried) == 2
    assert len(replay.requests) == summary.pages + 2
    assert set(fetched_records(tmp_path)) == {nct(s) for s in replay.studies}


def test_gives_up_after_retries_and_keeps_what_it_has(replay: Replay, tmp_path: Path) -> None:
    replay.faults = [None, "500", "500", "500"]
    with pytest.raises(FetchError, match="after 3 attempts: HTTP 500"):
        fetch(QUERY, tmp_path, client=client(retries=2), base_url=replay.url)
    state = load_state(tmp_path)
    assert state is not None and state["pages"] == 1 and not state["complete"]
    assert len(fetched_records(tmp_path)) == QUERY.page_size


def test_client_errors_are_not_retried(replay: Replay, tmp_path: Path) -> None:
    replay.faults = ["400"]
    c = client()
    with pytest.raises(FetchError, match="HTTP 400 Invalid pageToken"):
        fetch(QUERY, tmp_path, client=c, base_url=replay.url)
    assert len(replay.requests) == 1 and not c.retried


# ---- resume -------------------------------------------------------------------------------


def test_stopped_client_resumes_to_the_same_records(replay: Replay, tmp_path: Path) -> None:
    whole = tmp_path / "whole"
    fetch(QUERY, whole, client=client(), base_url=replay.url)
    parts = tmp_path / "parts"
    first = fetch(QUERY, parts, client=client(), base_url=replay.url, max_pages=3)
    assert not first.complete and first.pages == 3
    second = fetch(QUERY, parts, client=client(), base_url=replay.url)
    assert second.resumed and second.complete and second.run == first.run
    assert second.new_pages == second.pages - 3
    assert fetched_records(parts) == fetched_records(whole)
    assert len(fetched_records(whole)) == len(replay.studies)


def test_server_dying_half_way_then_resume(tmp_path: Path) -> None:
    studies = load_studies()
    first = Replay(studies)
    first.faults = [None, None, None] + ["500"] * 10
    with pytest.raises(FetchError):
        fetch(QUERY, tmp_path, client=client(retries=1), base_url=first.url)
    first.stop()
    with pytest.raises(FetchError):  # nobody listens any more
        fetch(QUERY, tmp_path, client=client(retries=1), base_url=first.url)
    assert load_state(tmp_path)["pages"] == 3  # type: ignore[index]
    second = Replay(studies)  # comes back (on another port)
    try:
        summary = fetch(QUERY, tmp_path, client=client(), base_url=second.url)
    finally:
        second.stop()
    assert summary.resumed and summary.complete
    assert second.requests[0]["pageToken"]  # continued, did not start over
    got = fetched_records(tmp_path)
    assert list(got) == [nct(s) for s in studies]
    assert len(run_dirs(tmp_path)) == 1


def test_ctrl_c_after_page_k_then_resume(replay: Replay, tmp_path: Path) -> None:
    def stop_at_4(summary: Any) -> None:
        if summary.pages == 4:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        fetch(QUERY, tmp_path, client=client(), base_url=replay.url, progress=stop_at_4)
    state = load_state(tmp_path)
    assert state is not None and state["pages"] == 4 and state["next_page_token"]
    resumed = fetch(QUERY, tmp_path, client=client(), base_url=replay.url)
    assert resumed.resumed and resumed.new_pages == resumed.pages - 4
    assert list(fetched_records(tmp_path)) == [nct(s) for s in replay.studies]


def test_different_query_does_not_resume_unless_restarted(replay: Replay,
                                                          tmp_path: Path) -> None:
    fetch(QUERY, tmp_path, client=client(), base_url=replay.url, max_pages=1)
    other = ApiQuery(cond="AML", page_size=5)
    with pytest.raises(FetchError, match="unfinished fetch of a different query"):
        fetch(other, tmp_path, client=client(), base_url=replay.url)
    summary = fetch(other, tmp_path, client=client(), base_url=replay.url, restart=True)
    assert summary.complete and not summary.resumed
    assert len(run_dirs(tmp_path)) == 1  # the unfinished run was discarded
    assert load_state(tmp_path)["query"]["cond"] == "AML"  # type: ignore[index]


# ---- refresh and build ----------------------------------------------------------------------


def changed(study: dict[str, Any], status: str, date: str | None = None) -> dict[str, Any]:
    new = copy.deepcopy(study)
    sm = new["protocolSection"]["statusModule"]
    sm["overallStatus"] = status
    if date:
        sm["lastUpdatePostDateStruct"]["date"] = date
    new["protocolSection"]["identificationModule"]["briefTitle"] += " (amended)"
    return new


def test_changed_record_is_updated_in_next_build(replay: Replay, tmp_path: Path) -> None:
    out = tmp_path / "fetched"
    fetch(QUERY, out, client=client(), base_url=replay.url)
    before = build([out], scope="all")
    a, b = replay.studies[4], replay.studies[11]
    old_status_a = before.graph.trial(nct(a))["status"]  # type: ignore[index]
    new_status = "TERMINATED" if old_status_a != "TERMINATED" else "COMPLETED"
    # a: updated on the server with a new last-update date; b: changed on the same date
    replay.studies[4] = changed(a, new_status, "2026-09-01")
    replay.studies[11] = changed(b, new_status)
    summary = fetch(ApiQuery(intr=QUERY.intr, page_size=5, since=last_update(b)), out,
                    client=client(), base_url=replay.url)
    assert summary.complete and summary.superseded >= 2
    after = build([out], scope="all")
    for s in (a, b):
        t = after.graph.trial(nct(s))
        assert t is not None and t["status"] == new_status
        assert t["title"].endswith("(amended)")
        assert all("run-0002" in ref for ref in t["sources"])
    assert after.stats["trials"] == before.stats["trials"] == len(replay.studies)
    assert after.stats["duplicates_merged"] == 0
    # the raw responses are still on disk, hidden from the build
    assert list(out.glob("run-0001-*/.page-*.json.raw"))


def test_merge_lets_newest_copy_win_when_pages_accumulate(replay: Replay,
                                                          tmp_path: Path) -> None:
    """Without supersession (pages copied by hand), the build still prefers the newest copy."""
    study = replay.studies[0]
    old_dir, new_dir = tmp_path / "run-0001-x", tmp_path / "run-0002-x"
    old_dir.mkdir()
    new_dir.mkdir()
    newer = changed(study, "WITHDRAWN", "2027-01-01")
    same_day = changed(study, "SUSPENDED")
    (old_dir / "page-00001.json").write_text(json.dumps({"studies": [newer]}))
    (new_dir / "page-00001.json").write_text(json.dumps({"studies": [study]}))
    view = describe_trial(build([tmp_path], scope="all").graph, nct(study))
    assert view is not None and view["status"] == "WITHDRAWN"  # newer last update wins
    (old_dir / "page-00001.json").write_text(json.dumps({"studies": [study]}))
    (new_dir / "page-00001.json").write_text(json.dumps({"studies": [same_day]}))
    view = describe_trial(build([tmp_path], scope="all").graph, nct(study))
    assert view is not None and view["status"] == "SUSPENDED"  # same date: later run wins


def test_cli_fetch_then_build(replay: Replay, tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "pages"
    common = ["fetch", str(out), "--query-intr", "CAR-NK", "--page-size", "7",
              "--base-url", replay.url, "--rate", "0", "--json"]
    res = runner.invoke(app, [*common, "--max-pages", "2"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["complete"] is False
    res = runner.invoke(app, common)
    assert res.exit_code == 0, res.output
    summary = json.loads(res.stdout)
    assert summary["resumed"] and summary["complete"]
    assert summary["studies"] == len(replay.studies)
    assert (out / STATE_FILE).exists()
    res = runner.invoke(app, ["build", str(out), "--out", str(tmp_path / "g"), "--json"])
    assert res.exit_code == 0, res.output
    stats = json.loads(res.stdout)
    assert stats["trials"] + stats["out_of_scope"] == len(replay.studies)
    assert stats["trials"] > stats["out_of_scope"] > 0 and stats["rejects"] == 0


def test_cli_needs_a_query(tmp_path: Path) -> None:
    res = CliRunner().invoke(app, ["fetch", str(tmp_path)])
    assert res.exit_code == 1
    assert "--query-intr" in res.output


@pytest.mark.parametrize(("url", "why"), [
    ("notaurl", "not an http(s) URL with a host"),
    ("ftp://example.org/api", "not an http(s) URL with a host"),
    ("http://[::1", "Invalid IPv6 URL"),
    ("http://127.0.0.1:99999/api", "Port out of range"),
])
def test_cli_refuses_a_base_url_that_is_no_endpoint(tmp_path: Path, url: str, why: str) -> None:
    """A bad --base-url (or $CELLTX_CTGOV_URL) is one line before anything is fetched or
    written; it was a ValueError traceback from urllib (or retries of a port that cannot be)."""
    out = tmp_path / "pages"
    res = CliRunner().invoke(app, ["fetch", str(out), "--query-term", "CAR",
                                   "--base-url", url])
    assert res.exit_code == 1 and "Traceback" not in res.output
    assert f"--base-url must be an http(s) URL like {DEFAULT_BASE_URL}, not {url!r}" in (
        res.output) and why in res.output
    assert not out.exists()


def test_cli_refuses_an_endless_timeout(tmp_path: Path) -> None:
    """``--timeout inf`` ended in an OverflowError traceback from the socket."""
    res = CliRunner().invoke(app, ["fetch", str(tmp_path / "p"), "--query-term", "CAR",
                                   "--timeout", "inf"])
    assert res.exit_code == 2 and "--timeout" in res.output
