"""``celltx build``, ``stats``, ``trial``, ``trials``, ``rejects``, ``merges``."""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from enum import StrEnum
from functools import partial
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from celltx.cli.common import (
    GraphOption,
    JsonOption,
    console,
    err_console,
    fail,
    graph_dir,
    load_graph,
    print_json,
    read_graph_dir,
)
from celltx.cli.output import print_csv
from celltx.graph import store

# The graph model, the pipeline (with the annotator) and rich.progress are imported by the
# commands that use them, so that `celltx --help` and the other commands start at once.


class Scope(StrEnum):
    cell_therapy = "cell-therapy"
    all = "all"


def register(app: typer.Typer) -> None:
    app.command("build")(build_command)
    app.command("stats")(stats_command)
    app.command("trial")(trial_command)
    app.command("trials")(trials_command)
    app.command("rejects")(rejects_command)
    app.command("merges")(merges_command)


def build_command(
    paths: Annotated[list[Path] | None, typer.Argument(
        help="Files, directories or .zip archives (default: the bundled sample).",
        show_default=False)] = None,
    out: Annotated[Path | None, typer.Option(
        "--out", "-o", envvar=store.ENV_VAR,
        help=f"Where to keep the graph (default: ./{store.DEFAULT_DIR}).",
        show_default=False)] = None,
    keep_going: Annotated[bool, typer.Option(
        "--keep-going", help="Record unreadable files as rejects instead of failing.")] = False,
    scope: Annotated[Scope | None, typer.Option(
        "--scope", case_sensitive=False,
        help="cell-therapy: keep cell therapies and studies of them, count the rest as "
             "out of scope (default for files); all: keep every trial (default for the "
             "bundled sample).", show_default=False)] = None,
    strict: Annotated[bool, typer.Option(
        "--strict", help="Fail (exit 1, the old graph kept) if any record is rejected.")
    ] = False,
    allow_empty: Annotated[bool, typer.Option(
        "--allow-empty", help="Save a graph with no trials (otherwise a build that finds none "
                              "fails and keeps the old graph).")] = False,
    as_json: JsonOption = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Read trial records and build the graph (default: the bundled sample)."""
    from rich.progress import (
        BarColumn,
        Progress,
        SpinnerColumn,
        TaskID,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from celltx.outputs import OutputPathError
    from celltx.pipeline import BuildError, BuildProgress, build

    directory = graph_dir(out, reading=False)
    try:
        store.check_graph_dir(directory)
    except OutputPathError as exc:
        fail(str(exc))
    with Progress(SpinnerColumn(), TextColumn("{task.description}", markup=False), BarColumn(),
                  TextColumn("{task.fields[count]} {task.fields[unit]} · {task.fields[rate]}/s"),
                  TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
                  console=err_console, transient=True, disable=quiet or as_json) as bar:
        task = bar.add_task("reading", total=None, count=0, unit="records", rate=0)
        started = time.monotonic()
        annotating: list[tuple[TaskID, float]] = []  # (its bar, when it began), once reading ends

        def progress(at: BuildProgress) -> None:
            if at.trials_total:  # all sources read: the trials are annotated and added
                if not annotating:
                    bar.update(task, description="read", completed=at.sources_done,
                               total=at.sources_done)
                    annotating.append((bar.add_task("annotating trials", total=at.trials_total,
                                                    count=0, unit="trials", rate=0),
                                       time.monotonic()))
                bar_id, began = annotating[0]
                rate = at.trials_done / max(time.monotonic() - began, 1e-3)
                bar.update(bar_id, completed=at.trials_done, count=f"{at.trials_done:,}",
                           rate=f"{rate:,.0f}")
                return
            rate = at.records / max(time.monotonic() - started, 1e-3)
            bar.update(task, description=f"reading {Path(at.path.split('!')[0]).name}",
                       completed=at.sources_done, total=at.sources_total or None,
                       count=f"{at.records:,}", rate=f"{rate:,.0f}")

        try:
            with _terminate_as_interrupt():
                result = build(paths or None, keep_going=keep_going, progress=progress,
                               scope=scope.value if scope else None, exclude=[directory])
        except BuildError as exc:
            fail(str(exc))
        except KeyboardInterrupt as exc:
            signal_name = "SIGTERM" if isinstance(exc, _Terminated) else "Ctrl-C"
            fail(f"build stopped ({signal_name}) before anything was saved; {directory} was "
                 f"left as it was", code=143 if isinstance(exc, _Terminated) else 130)
    stats = result.stats
    if stats["trials"] == 0 and not allow_empty:
        first = f"; first reject: {result.rejects[0].message()}" if result.rejects else ""
        fail(f"no trials found in {stats['records_read']} records read "
             f"({stats['rejects']} rejected, {stats.get('out_of_scope', 0)} out of scope"
             f"{first}); {directory} was left as it was (use --allow-empty to save an empty "
             "graph)")
    if strict and result.rejects:
        fail(f"{len(result.rejects)} records rejected (first: {result.rejects[0].message()}); "
             f"--strict: {directory} was left as it was")
    saving = (nullcontext() if quiet or as_json
              else err_console.status(f"saving the graph in {directory}"))
    try:
        with saving:  # (several seconds for tens of thousands of trials)
            store.save(result.graph, directory, stats=stats,
                       rejects=[r.model_dump(mode="json") for r in result.rejects],
                       merges=result.merges)
    except OutputPathError as exc:
        fail(str(exc))
    if as_json:
        print_json(result.stats)
        return
    _print_stats(result.stats)
    for r in result.rejects[:10]:
        err_console.print(f"[yellow]reject:[/] {escape(r.message())}", markup=True,
                          highlight=False, soft_wrap=True)
    if len(result.rejects) > 10:
        err_console.print(f"… and {len(result.rejects) - 10} more: `celltx rejects`")
    console.print(f"Graph saved in [bold]{escape(str(directory))}[/]", markup=True)


class _Terminated(KeyboardInterrupt):
    """SIGTERM (``kill``, a scheduler's time limit), met as Ctrl-C is."""


@contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    """While the build runs, SIGTERM stops it as Ctrl-C does: the parallel workers are
    terminated as the build unwinds, where they met the parent's end of their pipes gone and
    each printed a traceback. (Only the main thread can set a handler: elsewhere, as when the
    command is run from a thread, SIGTERM keeps its own.)"""
    def stop(_signum: int, _frame: object) -> None:
        raise _Terminated

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _print_stats(stats: dict) -> None:  # type: ignore[type-arg]
    table = Table(title="Sources", show_lines=False)
    for col in ("path", "format", "records", "rejects"):
        table.add_column(col, justify="right" if col in ("records", "rejects") else "left")
    for s in stats["sources"][:25]:
        table.add_row(s["path"], s["format"] or "-", str(s["records"]), str(s["rejects"]))
    if len(stats["sources"]) > 25:
        table.add_row(f"… {len(stats['sources']) - 25} more files", "", "", "")
    console.print(table)
    console.print(
        f"records read [bold]{stats['records_read']}[/] = trials [bold]{stats['trials']}[/] "
        f"+ duplicates merged [bold]{stats['duplicates_merged']}[/] "
        f"+ rejects [bold]{stats['rejects']}[/]"
        f" + out of scope [bold]{stats.get('out_of_scope', 0)}[/]; cell-therapy trials "
        f"[bold]{stats['cell_therapy_trials']}[/]", markup=True,
    )
    if stats.get("registries"):
        several = stats.get("trials_in_several_registries") or 0
        console.print("trials per registry: " + ", ".join(
            f"{k} {v}" for k, v in stats["registries"].items())
            + (f" ({several} trials in several registries)" if several else ""), highlight=False)
    if stats.get("modalities"):
        console.print("modality: " + ", ".join(f"{k} {v}" for k, v in stats["modalities"].items()),
                      highlight=False)
    for flag, ids in (stats.get("quality_flags") or {}).items():
        more = f" … {len(ids) - 8} more" if len(ids) > 8 else ""
        console.print(f"data-quality flag [bold]{escape(flag)}[/]: {len(ids)} trials "
                      f"({escape(', '.join(ids[:8]))}{more})", markup=True, highlight=False,
                      soft_wrap=True)
    counts = Table(title="Graph")
    counts.add_column("nodes")
    counts.add_column("count", justify="right")
    counts.add_column("relationships")
    counts.add_column("count", justify="right")
    nodes = list(stats["nodes"].items())
    edges = list(stats["edges"].items())
    for i in range(max(len(nodes), len(edges))):
        n = nodes[i] if i < len(nodes) else ("", "")
        e = edges[i] if i < len(edges) else ("", "")
        counts.add_row(n[0], str(n[1]), e[0], str(e[1]))
    console.print(counts)


def stats_command(graph: GraphOption = None, as_json: JsonOption = False) -> None:
    """Counts: records read, trials, rejects, merges, nodes and relationships per type."""
    stats = read_graph_dir(partial(store.load_stats, complete=True), graph)
    if as_json:
        print_json(stats)
    else:
        _print_stats(stats)


def trial_view(nct_id: str, graph: Path | None) -> dict:  # type: ignore[type-arg]
    """``describe_trial`` of one trial, or a one-line error naming the trial."""
    from celltx.graph.trial_graph import describe_trial
    from celltx.registries import canonical_id

    g = load_graph(graph)
    view = describe_trial(g, canonical_id(nct_id) or nct_id.strip().upper())
    if view is None:
        fail(f"no trial {nct_id} in the graph ({sum(1 for _ in g.nodes('Trial'))} trials); "
             "check the number or build with the file that holds it")
    return view


def trial_command(
    nct_id: Annotated[str, typer.Argument(
        help="A trial's registry id, e.g. NCT05008575 or ChiCTR2000029817.")],
    graph: GraphOption = None,
    as_json: JsonOption = False,
) -> None:
    """Everything the graph holds about one trial."""
    view = trial_view(nct_id, graph)
    if as_json:
        print_json(view)
        return
    from celltx.ontology.display import target_label

    table = Table(show_header=False, title=f"{view['nct_id']}: {view['title']}",
                  caption="The evidence for each fact: celltx explain " + view["nct_id"]
                  + " (or --json).")
    table.add_column("field", style="bold")
    table.add_column("value")
    for key, value in view.items():
        if key in ("nct_id", "title") or value in (None, [], ""):
            continue
        if key == "modality_evidence":
            continue  # (with the products' and targets' evidence: celltx explain shows it)
        if isinstance(value, list) and value and isinstance(value[0], dict):
            value = [{k: v for k, v in item.items() if not k.endswith("evidence")}
                     for item in value]
            if key == "targets":  # the field's name first: "CLL1 (CLEC12A)"
                value = [{"name": target_label(str(item.get("id") or item.get("symbol"))),
                          **item} for item in value]
            if key == "products":  # targets as the field names them, beside their symbols
                value = [{**item, "targets": [target_label(str(t)) for t in item["targets"]]}
                         if item.get("targets") else item for item in value]
            value = "\n".join(", ".join(f"{k}={v}" for k, v in item.items() if v not in
                                        (None, [], "")) for item in value)
        table.add_row(key, str(value))
    console.print(table)


Filter = Annotated[list[str] | None, typer.Option(help="(repeatable: any of the values)")]


def trials_command(
    target: Annotated[list[str] | None, typer.Option(
        "--target", help="A target id, symbol or synonym: CD19, BCMA, CLL1 (repeatable: "
        "any of them).")] = None,
    platform: Annotated[list[str] | None, typer.Option(
        "--platform", help="A product platform: CAR-T, CAR-NK, TCR-T ... (repeatable).")
    ] = None,
    condition: Annotated[list[str] | None, typer.Option(
        "--condition", help="A condition id, name or synonym: AML, MONDO:0018874, with its "
        "narrower conditions (lymphoma takes DLBCL) (repeatable).")] = None,
    category: Annotated[list[str] | None, typer.Option(
        "--category", help="A condition category: haematological, solid, autoimmune, other.")
    ] = None,
    phase: Filter = None,
    country: Annotated[list[str] | None, typer.Option(
        help="A site's ISO country code or name: CN, US (repeatable).")] = None,
    status: Filter = None,
    sponsor: Annotated[list[str] | None, typer.Option(
        help="A sponsor's name or part of it (repeatable).")] = None,
    sponsor_class: Filter = None,
    cell_source: Filter = None,
    construct: Annotated[list[str] | None, typer.Option(
        help="single, dual or multi (repeatable).")] = None,
    since: Annotated[str | None, typer.Option(
        help="Started on or after: 2024, 2024-06 or 2024-06-01.")] = None,
    before: Annotated[str | None, typer.Option(
        help="Started before: 2026, 2026-01 or 2026-01-15.")] = None,
    all_trials: Annotated[bool, typer.Option(
        "--all", help="Also trials without a cell-therapy product (related studies).")] = False,
    graph: GraphOption = None,
    as_json: JsonOption = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="Print CSV with a header row.")] = False,
) -> None:
    """The trials behind a count: every trial matching all the filters given, one row each.

    Target, platform, cell source and construct hold for the same product; each filter takes
    several values (any of them matches). The Python API's ``kg.trials`` with the same
    filters."""
    from celltx.api import KnowledgeGraph

    kg = KnowledgeGraph(load_graph(graph))
    try:
        found = kg.trials(target=target, platform=platform, condition=condition,
                          condition_category=category, phase=phase, country=country,
                          status=status, sponsor=sponsor, sponsor_class=sponsor_class,
                          cell_source=cell_source, construct=construct, started_after=since,
                          started_before=before, cell_therapy=None if all_trials else True)
    except ValueError as exc:
        message = str(exc.args[0]) if exc.args else str(exc)
        for name, option in (("started_after", "--since"), ("started_before", "--before"),
                             ("parameter 'target' of trials", "--target"),
                             ("parameter 'condition' of trials", "--condition")):
            message = message.replace(name, option)  # (the API's names, as typed here)
        fail(message, code=2)
    rows = found.to_dicts()
    if as_json:
        print_json(rows)
        return
    columns = ["nct_id", "title", "platforms", "targets", "phase", "status", "start_date",
               "lead_sponsor", "countries"]
    if as_csv:
        print_csv(columns, ([row.get(c) for c in columns] for row in rows))
        return
    from celltx.ontology.display import target_label

    columns = [c for c in columns if c not in ("status", "countries")]  # (CSV and JSON: all)
    table = Table(title=f"{len(rows)} trials")
    for column in columns:  # (ids and dates whole; long names wrapped in their own width)
        table.add_column(column, no_wrap=column in ("nct_id", "start_date"),
                         max_width={"title": 40, "lead_sponsor": 24}.get(column))
    for row in rows:
        cells = dict(row, targets=[target_label(t) for t in row["targets"]])
        table.add_row(*("" if v is None else ", ".join(map(str, v)) if isinstance(v, list)
                        else str(v) for v in (cells.get(c) for c in columns)))
    console.print(table)


def rejects_command(graph: GraphOption = None, as_json: JsonOption = False) -> None:
    """Records that could not become trials, with file, record, field and reason."""
    rejects = read_graph_dir(store.load_rejects, graph)
    if as_json:
        print_json(rejects)
        return
    from celltx.models import Reject

    try:
        lines = [Reject.model_validate(r).message() for r in rejects]
    except ValueError as exc:  # pydantic's ValidationError: a line edited or written elsewhere
        why = " ".join(line.strip() for line in str(exc).splitlines()[:3])
        fail(f"{graph_dir(graph) / store.REJECTS_FILE} cannot be read ({why}); rebuild the "
             "graph with `celltx build`")
    for line in lines:
        console.print(line, highlight=False, soft_wrap=True)
    console.print(f"{len(rejects)} rejects")


def merges_command(graph: GraphOption = None, as_json: JsonOption = False) -> None:
    """Trials read from several sources, with the evidence for each merge."""
    merges = read_graph_dir(store.load_merges, graph)
    if as_json:
        print_json(merges)
        return
    conflicted = 0
    for m in merges:
        console.print(f"[bold]{escape(m['nct_id'])}[/] ← "
                      f"{escape(', '.join(m['sources']))} ({escape('; '.join(m['evidence']))})",
                      markup=True, highlight=False, soft_wrap=True)
        for name, values in sorted((m.get("conflicts") or {}).items()):
            conflicted += 1
            said = "; ".join(f"{v['value']!r} ({v['source']})" for v in values)
            console.print(f"  conflict in {name}: {said}", highlight=False, soft_wrap=True)
    console.print(f"{len(merges)} merged trials, {conflicted} conflicting fields "
                  "(the first value is the one kept: the newest record's)")
