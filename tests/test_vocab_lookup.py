"""``celltx vocab lookup`` explains what a string normalises to."""

from __future__ import annotations

import json

from celltx.ontology.vocab import lookup, targets
from typer.testing import CliRunner

from celltx.cli import app


def test_lookup_names_the_table_and_alias_of_a_target() -> None:
    result = lookup("anti-CLL-1 CAR-T")
    assert [(t["key"], t["alias"], t["table"]) for t in result["targets"]] == [  # type: ignore[union-attr]
        ("CLEC12A", "CLL-1", "targets.tsv")]
    assert result["platform"] == "CAR-T"


def test_nk_t_cell_lymphoma_is_a_disease_not_a_platform() -> None:
    result = lookup("NK/T-cell lymphoma")
    assert result["platform"] is None and result["masked"]
    assert result["condition"]["key"] == "NKTCL"  # type: ignore[index]


def test_cli_prints_json() -> None:
    out = CliRunner().invoke(app, ["vocab", "lookup", "GD2", "--json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert data["targets"][0]["iri"] == targets()["GD2"].term.iri
