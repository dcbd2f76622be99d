"""Scope: the build keeps cell therapies and studies of them, counts the rest, and the prefilter
never drops a record the annotator would keep."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from celltx.loaders import read_paths
from celltx.ontology.annotate import annotate
from celltx.ontology.scope import RELATED_MODALITIES, in_scope, may_be_in_scope
from typer.testing import CliRunner

from celltx.cli import app
from celltx.models import Provenance, SourceFormat, TrialRecord
from celltx.parallel_annotate import annotate_all
from celltx.pipeline import build, sample_paths

EVALUATION = Path(__file__).parent / "evaluation"
MIXED = [EVALUATION / "csv_draw", EVALUATION / "dev4" / "csv_draw"]
"""Real CSV export rows, half drawn at random from whole exports: many are not cell therapy."""


def _records(paths: list[Path]) -> list[TrialRecord]:
    return [r for _s, _f, it in read_paths(paths) for r in it if isinstance(r, TrialRecord)]


def _prefilter_misses(records: list[TrialRecord]) -> tuple[list[str], int, int]:
    """(in-scope records the prefilter rules out, records in scope, records ruled out)."""
    annotations = annotate_all(records, annotate)
    kept = [in_scope(r, a) for r, a in zip(records, annotations, strict=True)]
    passes = [may_be_in_scope(r) for r in records]
    misses = [r.nct_id for r, k, p in zip(records, kept, passes, strict=True) if k and not p]
    return misses, sum(kept), passes.count(False)


def test_prefilter_keeps_every_in_scope_record_of_the_sample_and_labelled_sets() -> None:
    paths = [*sample_paths(), EVALUATION / "sample_draw.json", *MIXED,
             *(EVALUATION / d / "sample_draw.json" for d in ("dev2", "dev3", "dev4"))]
    misses, kept, ruled_out = _prefilter_misses(_records(paths))
    assert misses == []
    assert kept > 2000 and ruled_out > 20  # it both keeps and rules out


def test_prefilter_keeps_every_in_scope_record_of_the_corpus(shared_corpus: Path) -> None:
    misses, kept, ruled_out = _prefilter_misses(_records([shared_corpus]))
    assert misses == []
    assert kept > 2500 and ruled_out > 1000


def _csv_screen_misses(paths: list[Path]) -> tuple[int, int, int]:
    """Read every CSV export under ``paths`` with and without the scope screen: (rows the
    screen rules out whose validated record passes the scope prefilter, rows, rows ruled
    out). A row the screen passes must read as it does unscreened."""
    from celltx.loaders import iter_sources, read_source
    from celltx.ontology.scope import may_be_in_scope_text

    from celltx.models import Screened, SourceFormat

    misses = rows = ruled_out = 0
    for source in iter_sources(paths):
        fmt, plain = read_source(source)
        if fmt not in (SourceFormat.CTGOV_CSV, SourceFormat.CTGOV_LEGACY_CSV):
            continue
        screened = list(read_source(source, may_be_in_scope_text)[1])
        for whole, item in zip(plain, screened, strict=True):
            rows += 1
            if isinstance(item, Screened):
                ruled_out += 1
                # (a row the screen rules out would not have been a reject either)
                assert isinstance(whole, TrialRecord), (source.path, item.record)
                misses += may_be_in_scope(whole)
            else:
                assert item == whole
    return misses, rows, ruled_out


def test_csv_screen_rules_out_only_rows_the_prefilter_would(shared_corpus: Path) -> None:
    """The CSV readers screen each well-formed row's cells before validating it (issue 11:
    nine in ten rows of the corpus' exports are not cell therapy, and validating them was
    most of reading them): a row's cells hold all its record's text, so a row ruled out is
    one whose record the scope prefilter rules out too, on the corpus, every labelled CSV
    draw and the fixtures."""
    draws = sorted({p.parent for p in EVALUATION.rglob("*.csv")})
    fixtures = Path(__file__).parent / "fixtures"
    misses, rows, ruled_out = _csv_screen_misses(
        [shared_corpus, *draws, fixtures / "ctgov_csv", fixtures / "ctgov_legacy"])
    assert misses == 0
    assert rows > 7000 and ruled_out > 0.8 * rows


def test_build_counts_out_of_scope_records_and_keeps_the_invariant() -> None:
    scoped = build(MIXED)
    whole = build(MIXED, scope="all")
    s, w = scoped.stats, whole.stats
    assert s["scope"] == "cell-therapy" and w["scope"] == "all" and w["out_of_scope"] == 0
    assert 0 < s["out_of_scope"] < s["records_read"] == w["records_read"]
    for stats in (s, w):
        assert stats["records_read"] == (stats["trials"] + stats["duplicates_merged"]
                                         + stats["rejects"] + stats["out_of_scope"])
        assert sum(x["out_of_scope"] for x in stats["sources"]) == stats["out_of_scope"]
    assert s["trials"] + s["duplicates_merged"] + s["out_of_scope"] == (
        w["trials"] + w["duplicates_merged"])
    kept = {d["id"]: d for _, d in scoped.graph.nodes("Trial")}
    assert kept and all(d["is_cell_therapy"] or d["modality"] in RELATED_MODALITIES
                        for d in kept.values())
    # every cell therapy of the whole build is kept, and what is left out is no cell therapy
    left_out = [d for _, d in whole.graph.nodes("Trial") if d["id"] not in kept]
    assert left_out and not any(d["is_cell_therapy"] for d in left_out)
    assert {d["id"] for _, d in whole.graph.nodes("Trial") if d["is_cell_therapy"]} <= set(kept)


def test_bundled_sample_is_built_whole_by_default() -> None:
    result = build(scope=None)
    assert result.stats["scope"] == "all" and result.stats["out_of_scope"] == 0
    assert result.stats["trials"] > result.stats["cell_therapy_trials"]


def test_cli_scope_option(tmp_path: Path) -> None:
    runner = CliRunner()
    done = runner.invoke(app, ["build", *map(str, MIXED), "--out", str(tmp_path / "g"),
                               "--scope", "all", "--json"])
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)["out_of_scope"] == 0
    stats = json.loads(runner.invoke(app, ["stats", "--graph", str(tmp_path / "g"),
                                           "--json"]).stdout)
    assert stats["scope"] == "all"
    bad = runner.invoke(app, ["build", str(MIXED[0]), "--out", str(tmp_path / "h"),
                              "--scope", "cells"])
    assert bad.exit_code == 2 and not (tmp_path / "h").exists()


@pytest.mark.parametrize("scope", ["everything", "CT"])
def test_unknown_scope_is_a_build_error(scope: str) -> None:
    from celltx.pipeline import BuildError

    with pytest.raises(BuildError, match="unknown scope"):
        build(MIXED, scope=scope)


@pytest.mark.parametrize("name", ["ctgov_csv/onlyjazz-ctg-studies.csv",
                                  "ctgov_legacy/BassKot-SearchResults-2018.csv",
                                  "ctgov_v2/acute_leukemia_array.json"])
def test_a_source_read_again_for_some_records_validates_only_those(fixtures: Path,
                                                                   name: str) -> None:
    """``ScreenedLog.recover`` reads a source again for the few records of it that joined a kept
    trial: with ``only``, the screening readers validate those records alone, each the same
    record as a whole read gives, and every other one is a Screened (with its NCT number)."""
    from celltx.loaders import iter_sources, read_source

    from celltx.models import Screened

    [source] = iter_sources([fixtures / name])
    whole = list(read_source(source)[1])
    assert len(whole) >= 4
    wanted = {1, len(whole) - 1}
    part = list(read_source(source, only=wanted)[1])
    assert len(part) == len(whole)
    for index, (a, b) in enumerate(zip(whole, part, strict=True)):
        if index in wanted:
            assert a == b
        else:
            assert isinstance(b, Screened) and b.record == index and b.nct_id == a.nct_id


@pytest.mark.parametrize(("study_name", "row_name"), [("a.json", "b.csv"), ("b.json", "a.csv")])
def test_a_record_ruled_out_alone_joins_its_kept_trial(tmp_path: Path, study_name: str,
                                                       row_name: str) -> None:
    """A study whose own text names no cell therapy (no interventions listed) is screened out as
    it is read; when another record of the same trial is kept (an export row that lists the
    CAR-T), it is read again and merged, whether it was read before that record or after."""
    study = {"protocolSection": {
        "identificationModule": {"nctId": "NCT09999991", "briefTitle": "Study XY-1"},
        "statusModule": {"overallStatus": "RECRUITING",
                         "lastUpdatePostDateStruct": {"date": "2026-01-05"}},
        "sponsorCollaboratorsModule": {"leadSponsor": {"name": "Acme Bio", "class": "INDUSTRY"}}}}
    other = dict(study, protocolSection=dict(
        study["protocolSection"],
        identificationModule={"nctId": "NCT09999992", "briefTitle": "Aspirin in stroke"}))
    (tmp_path / study_name).write_text(json.dumps([study, other]), encoding="utf-8")
    (tmp_path / row_name).write_text(
        "NCT Number,Study Title,Interventions\n"
        "NCT09999991,CD19 CAR-T Cells (XY-1) in Lymphoma,BIOLOGICAL: CD19 CAR-T cells\n",
        encoding="utf-8")
    result = build([tmp_path])
    s = result.stats
    assert s["records_read"] == 3 and s["trials"] == 1 and s["duplicates_merged"] == 1
    assert s["out_of_scope"] == 1  # the aspirin study
    [merge] = result.merges
    assert merge["nct_id"] == "NCT09999991" and len(merge["sources"]) == 2
    trial = next(d for _, d in result.graph.nodes("Trial"))
    assert trial["is_cell_therapy"] and trial["title"] == "Study XY-1"  # the study's own title
    assert sum(e["out_of_scope"] for e in s["sources"]) == 1


@pytest.mark.parametrize(("title", "summary", "kept"), [
    # (titles of observational studies of the corpus and registries)
    ("Correlation of T lymphocytes level and clinical severity in novel coronavirus pneumonia",
     "T lymphocyte subsets of patients are measured.", False),
    ("TIGIT in Patients With Chronic Myeloid Leukemia", "TIGIT on NK cells and T cells.", False),
    ("Effector and Regulatory T Cell Receptor Repertoire Analyses in Patients Affected by "
     "COVID-19", "TCR repertoire of effector T cells.", False),
    ("Comparison of BioCartilage Versus Marrow Stimulating Procedure for Cartilage Defects",
     "Articular cartilage repair.", False),
    ("Cardiovascular Effects of CART Cell Therapy", "Patients given CAR T cells.", True),
    ("Real-World HRU and Costs in DLBCL Pts With Tisa-cel and Axi-cel", "Claims data.", True),
    ("Novel Adoptive Cellular Therapy With SARS-CoV-2 Specific T Cells", "Registry.", True),
])
def test_an_observational_study_is_kept_when_it_names_a_cell_therapy(
        title: str, summary: str, kept: bool) -> None:
    """An observational study is kept for a cell therapy it names, not for the immune cells it
    measures: 39 studies of lymphocyte counts, NK-cell activity or TCR repertoires (COVID-19,
    leukaemia, transplantation) were kept at cell-therapy scope, and 'cartilage' read as
    'CART'."""
    rec = TrialRecord(nct_id="NCT00000001", brief_title=title, brief_summary=summary,
                      study_type="OBSERVATIONAL",
                      provenance=Provenance(path="x", format=SourceFormat.CTGOV_V2_JSON,
                                            record=0))
    ann = annotate(rec)
    assert ann.modality == "observational"
    assert in_scope(rec, ann) is kept
    assert may_be_in_scope(rec) or not kept
