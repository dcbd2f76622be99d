"""``celltx fetch``: download studies from the ClinicalTrials.gov API v2 into a folder."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from celltx.cli.common import JsonOption, console, err_console, fail, print_json

if TYPE_CHECKING:
    from celltx.loaders.ctgov_api import FetchSummary

# The same as celltx.loaders.ctgov_api's (tests/test_cli_startup.py checks it): that module
# (with urllib and the record models) is imported when `celltx fetch` runs, not to show help.
DEFAULT_BASE_URL = "https://clinicaltrials.gov/api/v2/studies"
BASE_URL_ENV = "CELLTX_CTGOV_URL"


def register(app: typer.Typer) -> None:
    app.command("fetch")(fetch_command)


def fetch_command(
    out: Annotated[Path, typer.Argument(
        help="Folder for the raw API pages (build the graph from it with `celltx build OUT`).")],
    query_intr: Annotated[str | None, typer.Option(
        "--query-intr", help='Intervention terms, e.g. "CAR-NK OR chimeric antigen receptor".',
        show_default=False)] = None,
    query_cond: Annotated[str | None, typer.Option(
        "--query-cond", help='Condition terms, e.g. "acute myeloid leukemia".',
        show_default=False)] = None,
    query_term: Annotated[str | None, typer.Option(
        "--query-term", help="Terms in any field (ClinicalTrials.gov search syntax).",
        show_default=False)] = None,
    fields: Annotated[str | None, typer.Option(
        "--fields", help="Comma-separated API field names to return (default: whole studies); "
        "NCTId and LastUpdatePostDate are always added.", show_default=False)] = None,
    since: Annotated[str | None, typer.Option(
        "--since", help="Only studies whose last update is on or after DATE (YYYY-MM-DD), or "
        "'last' for the start date of the last completed fetch in OUT.",
        show_default=False)] = None,
    page_size: Annotated[int, typer.Option("--page-size", min=1, max=1000,
                                           help="Studies per page.")] = 100,
    max_pages: Annotated[int | None, typer.Option(
        "--max-pages", min=1, help="Stop after N new pages (re-run to continue).",
        show_default=False)] = None,
    rate: Annotated[float, typer.Option(
        "--rate", min=0.0, help="At most this many requests per second (0: no limit).")] = 3.0,
    timeout: Annotated[float, typer.Option("--timeout", min=0.1, max=3600.0,
                                           help="Seconds to wait for a response.")] = 30.0,
    retries: Annotated[int, typer.Option(
        "--retries", min=0, help="Retries of a failed request (429, 5xx, timeouts, truncated "
        "bodies) with exponential backoff.")] = 6,
    base_url: Annotated[str | None, typer.Option(
        "--base-url", envvar=BASE_URL_ENV, help=f"API endpoint (default: {DEFAULT_BASE_URL}).",
        show_default=False)] = None,
    restart: Annotated[bool, typer.Option(
        "--restart", help="Discard an unfinished fetch in OUT instead of resuming it.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Fetch studies from ClinicalTrials.gov (resumable; re-run the same command to continue).

    Raw API pages go to OUT/run-NNNN-…/page-NNNNN.json; `celltx build OUT` reads them, and a
    trial fetched again replaces its older copy.
    """
    from celltx.loaders.ctgov_api import (
        ApiQuery,
        FetchError,
        HttpClient,
        check_base_url,
        check_since,
        fetch,
        last_complete_start,
    )
    from celltx.outputs import OutputPathError, check_dir

    try:
        check_dir(out)
    except OutputPathError as exc:
        fail(str(exc))
    if not (query_intr or query_cond or query_term or since):
        fail("give at least one of --query-intr, --query-cond, --query-term or --since "
             "(fetching the whole registry is not what you want)")
    if since == "last":
        since = last_complete_start(out)
        if since is None:
            fail(f"--since last: no completed fetch in {out} yet; give a date (YYYY-MM-DD)")
    elif since is not None:
        try:
            since = check_since(since)
        except ValueError as exc:
            fail(str(exc))
    if base_url is not None:
        try:
            check_base_url(base_url)
        except ValueError as exc:
            fail(str(exc))
    query = ApiQuery(intr=query_intr, cond=query_cond, term=query_term, since=since,
                     page_size=page_size,
                     fields=tuple(f.strip() for f in (fields or "").split(",") if f.strip()))
    client = HttpClient(rate=rate, timeout=timeout, retries=retries,
                        log=None if as_json else lambda m: err_console.print(
                            f"[yellow]{escape(m)}[/]", markup=True, highlight=False,
                            soft_wrap=True))

    def progress(s: FetchSummary) -> None:
        if not as_json:
            total = f" of {s.total}" if s.total is not None else ""
            err_console.print(f"page {s.pages}: {s.studies}{total} studies", highlight=False)

    summary: FetchSummary | None = None
    try:
        summary = fetch(query, out, client=client, base_url=base_url, max_pages=max_pages,
                        restart=restart, progress=progress)
    except FetchError as exc:
        fail(f"{exc}\nPages fetched so far are kept in {out}; re-run the same command to "
             "continue.")
    except KeyboardInterrupt:
        fail(f"interrupted; pages fetched so far are kept in {out}; re-run the same command "
             "to continue.", code=130)
    if as_json:
        print_json(summary.to_json())
        return
    how = "resumed" if summary.resumed else "new"
    if summary.complete:
        console.print(f"Fetched {summary.studies} studies in {summary.pages} pages ({how} run "
                      f"{summary.run}); {summary.superseded} older copies superseded. "
                      f"Build with: celltx build {out}", highlight=False)
    else:
        console.print(f"Stopped after {summary.pages} pages ({summary.studies} studies, {how} "
                      f"run {summary.run}); re-run the same command to continue.",
                      highlight=False)
