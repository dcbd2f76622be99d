"""A polite, resumable client of the ClinicalTrials.gov API v2 (``/api/v2/studies``).

Raw responses are kept on disk as API page files (``{"studies": [...], "nextPageToken": …}``),
which the API v2 JSON loader reads, so ``celltx build OUT`` picks a fetch up. Layout of OUT::

    .celltx-fetch.json            state: the query, the run, the next page token
    run-0001-20260822T101500Z/    one folder per fetch run, in the order they ran
        page-00001.json           raw API pages, written atomically before the state moves on
    run-0002-…/                   a later (e.g. ``--since``) run

A run that stops (a crash, Ctrl-C, ``max_pages``) is resumed by running the same query again:
the state file holds the next page token. When a run completes, copies of a trial in older
runs are superseded: the study is taken out of the older page (the untouched response is kept
beside it as ``.page-NNNNN.json.raw``, which the build skips), so a changed trial has only its
newest account in the next build.

Only the standard library is used (``urllib``): no new dependency for one GET endpoint.
"""

from __future__ import annotations

import contextlib
import email.utils
import gzip
import hashlib
import http.client
import json
import os
import random
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from celltx.models import Frozen

DEFAULT_BASE_URL = "https://clinicaltrials.gov/api/v2/studies"
BASE_URL_ENV = "CELLTX_CTGOV_URL"
STATE_FILE = ".celltx-fetch.json"
RUN_RE = re.compile(r"^run-(\d{4,})-")
PAGE_RE = re.compile(r"^page-(\d{5,})\.json$")
REQUIRED_FIELDS = ("NCTId", "LastUpdatePostDate")
"""Always requested with a field selection: the build needs the id, the merge the date."""
USER_AGENT = "celltx (ClinicalTrials.gov API v2 client; +https://pypi.org/project/celltx/)"


class FetchError(Exception):
    """A fetch that cannot go on (after retries, or a request the server refuses)."""


class ApiQuery(Frozen):
    """What to ask ``/api/v2/studies`` for (the page token is not part of it)."""

    intr: str | None = None
    """``query.intr``: intervention terms, e.g. ``CAR-NK OR chimeric antigen receptor``."""
    cond: str | None = None
    """``query.cond``: condition terms."""
    term: str | None = None
    """``query.term``: any field (Essie expression syntax)."""
    fields: tuple[str, ...] = ()
    """``fields``: piece names to return (empty: whole studies)."""
    since: str | None = None
    """Last-update date lower bound (``YYYY-MM-DD``), for incremental refresh."""
    page_size: int = 100

    def params(self, page_token: str | None = None) -> dict[str, str]:
        """The request's query-string parameters.

        >>> ApiQuery(intr="CAR-NK", since="2024-01-01", fields=("BriefTitle",)).params("t1")
        ... # doctest: +NORMALIZE_WHITESPACE
        {'format': 'json', 'pageSize': '100', 'query.intr': 'CAR-NK',
         'filter.advanced': 'AREA[LastUpdatePostDate]RANGE[2024-01-01,MAX]',
         'fields': 'NCTId,LastUpdatePostDate,BriefTitle', 'pageToken': 't1'}
        """
        out = {"format": "json", "pageSize": str(self.page_size)}
        for key, value in (("query.intr", self.intr), ("query.cond", self.cond),
                           ("query.term", self.term)):
            if value:
                out[key] = value
        if self.since:
            out["filter.advanced"] = f"AREA[LastUpdatePostDate]RANGE[{self.since},MAX]"
        if self.fields:
            wanted = list(REQUIRED_FIELDS) + [f for f in self.fields if f not in REQUIRED_FIELDS]
            out["fields"] = ",".join(wanted)
        if page_token:
            out["pageToken"] = page_token
        else:
            out["countTotal"] = "true"
        return out

    def key(self) -> str:
        """A stable digest of the query, to tell a resumable run from a different one."""
        return hashlib.sha256(self.model_dump_json().encode()).hexdigest()[:16]


def check_since(value: str) -> str:
    """Validate a ``--since`` date (ISO ``YYYY-MM-DD``).

    >>> check_since("2024-03-01")
    '2024-03-01'
    """
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise ValueError(f"--since must be a date like 2024-03-01, not {value!r}") from None


def check_base_url(value: str) -> str:
    """Validate an API endpoint: an http(s) URL with a host (and a port that exists).

    >>> check_base_url("http://127.0.0.1:8080/api/v2/studies")
    'http://127.0.0.1:8080/api/v2/studies'
    """
    try:
        parts = urllib.parse.urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError as exc:
        problem: str | None = str(exc)
    else:
        problem = (None if parts.scheme in ("http", "https") and parts.hostname
                   else "not an http(s) URL with a host")
    if problem:
        raise ValueError(f"--base-url must be an http(s) URL like {DEFAULT_BASE_URL}, not "
                         f"{value!r} ({problem})")
    return value


# ---- HTTP with rate limiting and retries -----------------------------------------------------


class RetryableError(Exception):
    """A failure worth retrying (429, 5xx, timeout, connection reset, truncated body)."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


MAX_RETRY_AFTER = 600.0
"""The longest wait a ``Retry-After`` header is obeyed for, in seconds: a header of hundreds of
digits made ``time.sleep`` raise an OverflowError, and a year's wait is no wait to keep."""


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date), at most
    :data:`MAX_RETRY_AFTER`.

    >>> parse_retry_after("3"), parse_retry_after(None), parse_retry_after("soon")
    (3.0, None, None)
    >>> parse_retry_after("9" * 400)
    600.0
    """
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return min(float(value), MAX_RETRY_AFTER)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    now = time.time() if now is None else now
    return min(max(0.0, when.timestamp() - now), MAX_RETRY_AFTER)


@dataclass
class HttpClient:
    """GET JSON politely: at most ``rate`` requests a second, retries with backoff and jitter.

    Retries on 429 (waiting at least ``Retry-After``), 5xx, timeouts, dropped connections and
    bodies that are not complete JSON; other 4xx fail at once with the server's message.
    """

    rate: float = 3.0
    """Requests per second at most (0: no limit)."""
    timeout: float = 30.0
    retries: int = 6
    backoff: float = 1.0
    """First retry waits about this long; doubled each retry (with jitter), up to max_backoff."""
    max_backoff: float = 60.0
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    jitter: Callable[[], float] = random.random
    log: Callable[[str], None] | None = None
    requests: int = 0
    retried: list[str] = field(default_factory=list)
    _last: float | None = None

    def _wait_turn(self) -> None:
        if self.rate > 0 and self._last is not None:
            wait = 1.0 / self.rate - (self.clock() - self._last)
            if wait > 0:
                self.sleep(wait)
        self._last = self.clock()

    def delay(self, attempt: int, retry_after: float | None) -> float:
        """Backoff before retry ``attempt`` (1-based): exponential, jittered, >= Retry-After."""
        base = min(self.max_backoff, self.backoff * 2 ** (attempt - 1))
        wait = base * (0.5 + self.jitter() / 2)
        return max(wait, retry_after) if retry_after is not None else wait

    def get_json(self, url: str, params: dict[str, str]) -> Any:
        full = f"{url}?{urllib.parse.urlencode(params)}" if params else url
        last: RetryableError | None = None
        for attempt in range(self.retries + 1):
            if last is not None:
                wait = self.delay(attempt, last.retry_after)
                if self.log:
                    self.log(f"retry {attempt}/{self.retries} in {wait:.1f}s: {last.reason}")
                self.sleep(wait)
            self._wait_turn()
            self.requests += 1
            try:
                return self._get_once(full)
            except RetryableError as exc:
                last = exc
                self.retried.append(exc.reason)
        reason = last.reason if last else "no attempt"
        raise FetchError(f"GET {full} failed after {self.retries + 1} attempts: {reason}")

    def _get_once(self, full: str) -> Any:
        request = urllib.request.Request(full, headers={
            "Accept": "application/json", "Accept-Encoding": "gzip", "User-Agent": USER_AGENT})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as resp:
                body = resp.read()
                if resp.headers.get("Content-Encoding", "").lower() == "gzip":
                    body = gzip.decompress(body)
        except urllib.error.HTTPError as exc:
            retry_after = parse_retry_after(exc.headers.get("Retry-After") if exc.headers
                                            else None)
            detail = _error_text(exc)
            if exc.code == 429 or exc.code >= 500:
                raise RetryableError(f"HTTP {exc.code} {detail}".strip(), retry_after) from None
            raise FetchError(f"GET {full}: HTTP {exc.code} {detail}".strip()) from None
        except TimeoutError as exc:
            raise RetryableError(f"timed out after {self.timeout:g}s ({exc})") from None
        except (http.client.IncompleteRead, http.client.RemoteDisconnected,
                ConnectionError, EOFError, gzip.BadGzipFile) as exc:
            raise RetryableError(f"connection dropped: {exc!r}") from None
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, TimeoutError):
                raise RetryableError(f"timed out after {self.timeout:g}s") from None
            if isinstance(exc.reason, ConnectionError):
                raise RetryableError(f"connection failed: {exc.reason}") from None
            raise FetchError(f"GET {full}: {exc.reason}") from None
        try:
            return json.loads(body)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise RetryableError(f"truncated or invalid JSON ({len(body)} bytes): {exc}") \
                from None


def _error_text(exc: urllib.error.HTTPError) -> str:
    try:
        text = exc.read(2000).decode("utf-8", "replace").strip()
    except Exception:  # noqa: BLE001 - the message is a courtesy
        text = ""
    return " ".join(text.split())[:300]


# ---- runs, pages and state on disk -----------------------------------------------------------


@dataclass
class FetchSummary:
    out_dir: Path
    run: str
    resumed: bool
    complete: bool
    pages: int
    """Pages in this run so far (including pages fetched before a resume)."""
    studies: int
    new_pages: int = 0
    total: int | None = None
    """The server's count of matching studies, when it said."""
    superseded: int = 0
    """Older copies of trials taken out of earlier runs when this run completed."""
    requests: int = 0
    retries: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"out_dir": str(self.out_dir), "run": self.run, "resumed": self.resumed,
                "complete": self.complete, "pages": self.pages, "studies": self.studies,
                "new_pages": self.new_pages, "total": self.total, "superseded": self.superseded,
                "requests": self.requests, "retries": len(self.retries)}


def load_state(out_dir: Path) -> dict[str, Any] | None:
    path = out_dir / STATE_FILE
    if not path.exists():
        return None
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise FetchError(f"{path}: unreadable fetch state ({exc}); delete it to start over") \
            from None
    return state if isinstance(state, dict) else None


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _save_state(out_dir: Path, state: dict[str, Any]) -> None:
    _write_atomic(out_dir / STATE_FILE, json.dumps(state, indent=2, sort_keys=True) + "\n")


def run_dirs(out_dir: Path) -> list[Path]:
    """The fetch runs in ``out_dir``, oldest first."""
    runs = [p for p in out_dir.iterdir() if p.is_dir() and RUN_RE.match(p.name)] \
        if out_dir.exists() else []
    return sorted(runs, key=lambda p: int(RUN_RE.match(p.name).group(1)))  # type: ignore[union-attr]


def page_files(run_dir: Path) -> list[Path]:
    return sorted(p for p in run_dir.iterdir() if PAGE_RE.match(p.name))


def _new_run(out_dir: Path, now: datetime) -> Path:
    runs = run_dirs(out_dir)
    n = int(RUN_RE.match(runs[-1].name).group(1)) + 1 if runs else 1  # type: ignore[union-attr]
    run = out_dir / f"run-{n:04d}-{now.strftime('%Y%m%dT%H%M%SZ')}"
    run.mkdir(parents=True)
    return run


def _nct(study: Any) -> str | None:
    try:
        return str(study["protocolSection"]["identificationModule"]["nctId"])
    except (KeyError, TypeError):
        return None


def iter_page_studies(path: Path) -> Iterator[Any]:
    data = json.loads(path.read_text(encoding="utf-8"))
    yield from data.get("studies") or []


def page_text(data: dict[str, Any]) -> str:
    """An API page as stored: ``studies`` first, so the v2 loader knows it for a page.

    (The API puts ``totalCount`` first when asked to count.)

    >>> page_text({"totalCount": 1, "studies": [], "nextPageToken": "x"})
    '{"studies": [], "totalCount": 1, "nextPageToken": "x"}'
    """
    return json.dumps({"studies": data.get("studies") or [],
                       **{k: v for k, v in data.items() if k != "studies"}},
                      ensure_ascii=False)


def supersede_older_copies(out_dir: Path, newest: Path) -> int:
    """Take trials that ``newest`` (a completed run) holds out of the pages of older runs.

    The untouched response is kept once as ``.page-NNNNN.json.raw`` (skipped by the build).
    Returns how many study copies were taken out.
    """
    fresh = {n for page in page_files(newest) for s in iter_page_studies(page)
             if (n := _nct(s))}
    removed = 0
    for run in run_dirs(out_dir):
        if run == newest:
            break
        for page in page_files(run):
            data = json.loads(page.read_text(encoding="utf-8"))
            studies = data.get("studies") or []
            kept = [s for s in studies if _nct(s) not in fresh]
            if len(kept) == len(studies):
                continue
            raw = page.with_name(f".{page.name}.raw")
            if not raw.exists():
                os.replace(page, raw)
            _write_atomic(page, page_text({**data, "studies": kept}))
            removed += len(studies) - len(kept)
    return removed


def fetch(
    query: ApiQuery,
    out_dir: Path,
    *,
    client: HttpClient | None = None,
    base_url: str | None = None,
    max_pages: int | None = None,
    restart: bool = False,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
    progress: Callable[[FetchSummary], None] | None = None,
) -> FetchSummary:
    """Fetch every page of ``query`` into ``out_dir``, resuming an unfinished run of it.

    ``max_pages`` stops after that many new pages (the run stays resumable). A different
    query while a run is unfinished fails unless ``restart`` (which discards that run).
    """
    client = client or HttpClient()
    base_url = check_base_url(base_url or os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL)
    out_dir.mkdir(parents=True, exist_ok=True)
    state = load_state(out_dir)
    resumed = False
    unfinished = state is not None and not state.get("complete") and \
        (out_dir / str(state.get("run"))).is_dir()
    if unfinished and state is not None and state.get("query_key") != query.key():
        if not restart:
            raise FetchError(
                f"{out_dir} holds an unfinished fetch of a different query "
                f"({state.get('query')}); re-run that query to finish it, or pass --restart "
                "to discard its pages")
        _discard_run(out_dir / str(state["run"]))
        unfinished = False
    if unfinished and state is not None and restart:
        _discard_run(out_dir / str(state["run"]))
        unfinished = False
    if unfinished and state is not None:
        resumed = True
        run = out_dir / str(state["run"])
    else:
        started = now()
        run = _new_run(out_dir, started)
        previous = state or {}
        last_done = previous.get("started") if previous.get("complete") else previous.get(
            "last_complete_started")
        state = {"last_complete_started": last_done,
                 "query": query.model_dump(mode="json"), "query_key": query.key(),
                 "base_url": base_url, "run": run.name, "started": started.isoformat(),
                 "pages": 0, "studies": 0, "next_page_token": None, "complete": False,
                 "total": None}
        _save_state(out_dir, state)
    summary = FetchSummary(out_dir=out_dir, run=run.name, resumed=resumed, complete=False,
                           pages=int(state["pages"]), studies=int(state["studies"]),
                           total=state.get("total"))
    token = state.get("next_page_token")
    while True:
        if max_pages is not None and summary.new_pages >= max_pages:
            break
        data = client.get_json(base_url, query.params(token))
        if not isinstance(data, dict) or not isinstance(data.get("studies"), list):
            raise FetchError(f"GET {base_url}: not an API v2 page (no 'studies' list)")
        summary.pages += 1
        summary.new_pages += 1
        summary.studies += len(data["studies"])
        if summary.total is None and isinstance(data.get("totalCount"), int):
            summary.total = data["totalCount"]
        _write_atomic(run / f"page-{summary.pages:05d}.json", page_text(data))
        token = data.get("nextPageToken") or None
        state.update(pages=summary.pages, studies=summary.studies, next_page_token=token,
                     total=summary.total, complete=token is None)
        if token is None:
            state["finished"] = now().isoformat()
        _save_state(out_dir, state)
        if progress:
            progress(summary)
        if token is None:
            summary.complete = True
            summary.superseded = supersede_older_copies(out_dir, run)
            break
    summary.requests = client.requests
    summary.retries = list(client.retried)
    return summary


def _discard_run(run: Path) -> None:
    for p in run.iterdir():
        p.unlink()
    with contextlib.suppress(OSError):
        run.rmdir()


def last_complete_start(out_dir: Path) -> str | None:
    """The date (``YYYY-MM-DD``) the last completed fetch in ``out_dir`` started, if any.

    ``--since last`` uses it: trials updated since then are fetched again.
    """
    state = load_state(out_dir)
    if not state:
        return None
    done = state.get("last_complete_started") if not state.get("complete") else state.get(
        "started")
    return str(done)[:10] if done else None
