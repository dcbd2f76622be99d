"""Every fact about a product is explainable from its evidence: ``celltx trial --json`` carries
verbatim evidence for every target of every seed trial, ``celltx explain`` prints it, and the
Trial carries its modality and data-quality flags (on the bundled sample's graph)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from celltx.graph.trial_graph import describe_trial

SEEDS = ("NCT05008575", "NCT06880354", "NCT07480213", "NCT04011033")
SEED_DIR = Path(__file__).parents[1] / "celltx" / "data" / "sample"


def celltx(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "celltx", *args], capture_output=True,
                          text=True, timeout=300)


def _record_text() -> str:
    return " ".join(" ".join(p.read_text(encoding="utf-8").split())
                    for p in SEED_DIR.glob("registry-page-*.txt"))


def test_every_target_of_every_seed_trial_has_verbatim_evidence(sample_graph) -> None:  # type: ignore[no-untyped-def]
    pages = _record_text()
    seen = 0
    for nct in SEEDS:
        view = describe_trial(sample_graph, nct)
        assert view is not None
        for product in view["products"]:
            assert product["evidence"]["platform"]["rule"]
            assert len(product["target_evidence"]) == len(product["targets"])
            for t in product["target_evidence"]:
                ev = t["evidence"]
                assert set(ev) == {"field", "text", "rule"} and ev["rule"], (nct, t)
                seen += 1
                if ev["field"] != "product_code_table":
                    # the words are the record's own (a seed page, or the same trial's record)
                    words = " ".join(ev["text"].split())
                    assert words in pages or nct in ("NCT06880354", "NCT07480213"), ev
    assert seen >= 7  # CD33; CLEC12A + CD38; three dual candidates


def test_explain_shows_the_clec12a_and_cd38_evidence(sample_graph_dir: Path) -> None:
    proc = celltx("explain", "NCT06880354", "--graph", str(sample_graph_dir))
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    for target in ("CLL1 (CLEC12A)", "CD38"):
        line = next(x for x in lines if f"target {target}" in x)
        assert "CLL1 and CD38 Dual-Target CAR-T" in line and "antigen written in" in line
    assert any("construct = dual" in x for x in lines)


def test_explain_json_and_an_unknown_trial(sample_graph_dir: Path) -> None:
    data = json.loads(celltx("explain", "NCT05008575", "--graph", str(sample_graph_dir),
                             "--json").stdout)
    assert data["modality"] == "cell_therapy"
    assert data["products"][0]["target_evidence"][0]["symbol"] == "CD33"
    bad = celltx("explain", "NCT00000000", "--graph", str(sample_graph_dir))
    assert bad.returncode == 1 and "Traceback" not in bad.stderr and "no trial" in bad.stderr


def test_a_trial_that_gives_no_cells_says_what_it_is(sample_graph) -> None:  # type: ignore[no-untyped-def]
    modalities = {d.get("modality") for _, d in sample_graph.nodes("Trial")}
    assert {"cell_therapy", "in_vivo_car", "follow_up"} <= modalities
    in_vivo = [d for _, d in sample_graph.nodes("Trial") if d.get("modality") == "in_vivo_car"]
    assert in_vivo and all(not d.get("is_cell_therapy") and d.get("modality_text")
                           for d in in_vivo)


def test_stats_list_the_quality_flags(sample_graph_dir: Path) -> None:
    stats = json.loads(celltx("stats", "--graph", str(sample_graph_dir), "--json").stdout)
    flags = stats["quality_flags"]
    assert flags.get("placeholder_record")
    assert sum(stats["modalities"].values()) == stats["trials"]
    assert stats["modalities"]["cell_therapy"] == stats["cell_therapy_trials"]
    text = celltx("stats", "--graph", str(sample_graph_dir)).stdout
    assert "placeholder_record" in text


def test_seed_page_without_conditions_gets_them_from_the_title() -> None:
    from celltx.loaders import read_paths
    from celltx.ontology.annotate import annotate

    seeds = Path(__file__).parent / "fixtures" / "seeds"
    recs = [r for _, _, it in read_paths([seeds]) for r in it
            if getattr(r, "nct_id", None) == "NCT07480213"]
    assert recs and not recs[0].conditions  # type: ignore[union-attr]
    conditions = annotate(recs[0]).conditions  # type: ignore[arg-type]
    assert [(c.as_written, c.term.curie if c.term else None) for c in conditions] == [
        ("Small Cell Lung Cancer", "MONDO:0008433")]
