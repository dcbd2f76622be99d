"""The EU CTIS CSV loader's field mapping, checked on real rows of the export
(``../shared/registries/other/brunoamaral-mswarriors__CTIS_trials_20250924.csv``; the rows in
``fixtures/registries/ctis_mapping.csv`` are copied from it byte for byte, and ``ctis.csv``
holds three more).

Review classes 15-19 (probe-h2): products cut inside their names, co-sponsors not split,
age bands read as eligibility limits, every product typed DRUG, and what ``first_posted``
means for a trial that moved over from EudraCT.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from celltx.loaders import read_source
from celltx.loaders.ctis_csv import _products, _sponsors
from celltx.loaders.sources import iter_sources

from celltx.models import Reject, Sponsor, TrialRecord

FIXTURES = Path(__file__).parent / "fixtures" / "registries"


def _read(path: Path) -> list[TrialRecord | Reject]:
    (source,) = list(iter_sources([path]))
    _, items = read_source(source)
    return list(items)


def _records(name: str = "ctis_mapping.csv") -> dict[str, TrialRecord]:
    items = _read(FIXTURES / name)
    assert all(isinstance(i, TrialRecord) for i in items), items
    return {r.nct_id or "": r for r in items if isinstance(r, TrialRecord)}


def _names(rec: TrialRecord) -> tuple[str, ...]:
    return tuple(i.name for i in rec.interventions)


# ---- (a) products: cut between products, not inside a product's name -------------------------

def test_a_product_name_with_a_comma_is_one_product() -> None:
    """National product names put the form after a comma; before, each half was a 'drug'
    ("solution injectable", "oppløsning", "1 mg/ml")."""
    recs = _records()
    assert _names(recs["2024-517845-14-00"]) == (
        "Placebo to Nebido", "NEBIDO 1000 mg/4 ml, solution injectable")
    assert _names(recs["2024-510630-40-00"]) == (
        "MAVENCLAD 10 mg tablets", "Thymoglobuline 25 mg powder for solution for infusion",
        "Sendoxan 1000 mg pulver til injeksjonsvæske, oppløsning",
        "Ocrevus 300 mg concentrate for solution for infusion",
        "LEMTRADA 12 mg concentrate for solution for infusion")
    assert _names(recs["2024-516992-33-02"]) == (
        "BIODRIBIN, 1 mg/ml, roztwór do infuzji", "0.9% physiological saline (sodium chloride)")


def test_lower_case_substances_are_products_and_repeats_are_dropped() -> None:
    """A substance in lower case is still a product when the row names it on its own; a product
    listed twice (case aside) is one; a '-' placeholder is none."""
    recs = _records()
    assert _names(recs["2025-521127-73-00"]) == ("Ublituximab",)  # 'Ublituximab, ublituximab'
    assert _names(recs["2024-516672-16-00"]) == (
        "masitinib", "Placebo to 200mg masitinib", "Placebo to 100mg masitinib")
    assert _names(recs["2024-519284-18-00"]) == (
        "PARACETAMOL", "CETIRIZINE", "DEXAMETHASONE", "GADOBUTROL", "ublituximab",
        "METHYLPREDNISOLONE", "DIPHENHYDRAMINE", "ublituximab placebo")
    # 'TACROLIMUS\n, human fetal neural precursor cells': a line break ends a product
    assert _names(recs["2024-511028-15-00"]) == (
        "TACROLIMUS", "human fetal neural precursor cells")
    assert _names(recs["2022-501027-25-01"]) == (  # 'Rituximab, -, Ocrevus …'
        "Rituximab", "Ocrevus 300 mg concentrate for solution for infusion")
    assert _names(recs["2024-513960-24-00"]) == ()  # Product '-'


@pytest.mark.parametrize(("cell", "names"), [
    # excerpts of 2023-507906-15-00's Product cell (commas in brackets, an elided compound)
    ("Flucelvax Tetra - suspension for injection in pre-filled syringe\nInfluenza vaccine "
     "(surface antigen, inactivated, prepared in cell cultures), Kesimpta 20 mg solution for "
     "injection in pre-filled pen",
     ("Flucelvax Tetra - suspension for injection in pre-filled syringe Influenza vaccine "
      "(surface antigen, inactivated, prepared in cell cultures)",
      "Kesimpta 20 mg solution for injection in pre-filled pen")),
    ("Boostrix Injektionssuspension in einer Fertigspritze Diphtherie-, Tetanus- und Pertussis "
     "(azellulär, aus Komponenten)-Adsorbatimpfstoff (mit reduziertem Antigengehalt), Pneumovax "
     "23 otopina za injekciju u napunjenoj štrcaljki Cjepivo protiv pneumokoka, polisaharidno",
     ("Boostrix Injektionssuspension in einer Fertigspritze Diphtherie-, Tetanus- und Pertussis "
      "(azellulär, aus Komponenten)-Adsorbatimpfstoff (mit reduziertem Antigengehalt)",
      "Pneumovax 23 otopina za injekciju u napunjenoj štrcaljki Cjepivo protiv pneumokoka, "
      "polisaharidno")),
    # 2023-508457-10-00 and 2024-517336-21-00: a placebo's description with commas
    ("MELATONIN\n, Excipient No. 1 for Fagron capsules (200 milligrams), Composition: 98.05% "
     "microcrystalline cellulose AND 1.95% colloidal silica.",
     ("MELATONIN", "Excipient No. 1 for Fagron capsules (200 milligrams), Composition: 98.05% "
      "microcrystalline cellulose AND 1.95% colloidal silica.")),
    ("Placebo tablets will be white, round, flat, scored tablet, 9 mm in diameter sourced from "
     "Yliopiston Apteekki, ISTRADEFYLLINE",
     ("Placebo tablets will be white, round, flat, scored tablet, 9 mm in diameter sourced from "
      "Yliopiston Apteekki", "ISTRADEFYLLINE")),
])
def test_product_cell_excerpts(cell: str, names: tuple[str, ...]) -> None:
    assert _products(cell) == names


# ---- (b) sponsor and co-sponsors -------------------------------------------------------------

def test_co_sponsors_are_split_by_their_types_and_the_first_leads() -> None:
    recs = _records()
    two = recs["2023-508656-19-00"]  # two companies: one lead of class OTHER before
    assert two.lead_sponsor == Sponsor(
        name="CCDRD Cooperative Clinical Drug Research and Development AG",
        sponsor_class="INDUSTRY")
    assert two.collaborators == (Sponsor(name="Pharos Pharmaceutical Oriented Services Ltd.",
                                         sponsor_class="INDUSTRY"),)
    same = recs["2022-502664-21-00"]  # 'Amsterdam UMC, Amsterdam UMC'
    assert same.lead_sponsor == Sponsor(name="Amsterdam UMC", sponsor_class="OTHER")
    assert same.collaborators == ()
    one = recs["2024-517845-14-00"]
    assert one.lead_sponsor == Sponsor(name="Les Hopitaux Universitaires De Strasbourg",
                                       sponsor_class="OTHER") and one.collaborators == ()


def test_a_sponsor_name_with_a_comma_is_not_cut_when_the_types_do_not_match() -> None:
    assert _sponsors("Foo, Inc.", "Pharmaceutical company") == [
        Sponsor(name="Foo, Inc.", sponsor_class="INDUSTRY")]
    assert _sponsors("Foo, Inc., Bar", "Pharmaceutical company, Educational Institution") == [
        Sponsor(name="Foo, Inc., Bar", sponsor_class="INDUSTRY")]


# ---- (c) age bands are population groups, not limits -----------------------------------------

def test_age_bands_are_kept_as_groups_and_set_no_limits() -> None:
    recs = _records()
    teens = recs["2023-505624-56-00"]  # ages 10 to under 18, band '0-17 years'
    assert teens.eligibility.std_ages == ("0-17 years", "6-11 years", "12-17 years")
    adults = recs["2025-521127-73-00"]
    assert adults.eligibility.std_ages == ("18-64 years",)
    for rec in (teens, adults):
        e = rec.eligibility
        assert (e.min_age, e.max_age, e.min_age_years, e.max_age_years) == (None,) * 4
    assert recs["2024-516672-16-00"].eligibility.std_ages == ("65+ years", "18-64 years")


# ---- (d) product types ------------------------------------------------------------------------

def test_products_have_no_type_the_export_does_not_give() -> None:
    """The export has no ATMP flag or product type: a CAR-T (KYV-101), dendritic cells
    (TolDec) and neural precursor cells were typed DRUG."""
    recs = {**_records(), **_records("ctis.csv")}
    kyv = {i.name: i for i in recs["2024-511168-10-00"].interventions}["KYV-101"]
    assert kyv.type is None
    assert [i.type for i in recs["2024-519975-24-00"].interventions] == [None]
    assert all(i.type is None for r in recs.values() for i in r.interventions)


# ---- (e) first_posted ------------------------------------------------------------------------

def test_first_posted_is_the_decision_date_also_for_a_trial_from_eudract() -> None:
    """The export's only date of publication in CTIS; a trial moved over from EudraCT started
    years before it (kept, and said in the loader)."""
    rec = _records()["2023-507556-68-00"]
    assert (rec.start_date, rec.first_posted) == ("2013-07-26", "2024-04-04")


# ---- bad input --------------------------------------------------------------------------------

def _row_with(tmp_path: Path, cells: dict[str, str]) -> Path:
    """The fixture's first row with ``cells`` replaced, as a CSV of its own."""
    with open(FIXTURES / "ctis_mapping.csv", encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    header, row = rows[0], rows[1]
    for column, value in cells.items():
        row[header.index(column)] = value
    path = tmp_path / "odd.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([header, row])
    return path


@pytest.mark.parametrize("product", [
    "x" * 200_000,  # a traceback (pydantic's string_too_long for Intervention) before
    ", " * 100_000, "a, " * 100_000, "(" * 50_000 + "x, " * 1000, "-\n," * 50_000,
])
def test_odd_product_cells_give_a_record_or_one_reject_naming_the_field(
        tmp_path: Path, product: str) -> None:
    (item,) = _read(_row_with(tmp_path, {"Product": product}))
    if isinstance(item, Reject):
        assert item.field == "intervention.name" and "\n" not in item.message()
    else:
        assert len(item.interventions) <= 1


def test_odd_sponsor_and_age_cells(tmp_path: Path) -> None:
    path = _row_with(tmp_path, {"Age group": f"{'9' * 5000}-{'9' * 5000} years",
                                "Sponsor type": ", , ", "Sponsor/Co-Sponsors": "A, B, C"})
    (rec,) = _read(path)
    assert isinstance(rec, TrialRecord) and rec.eligibility.min_age_years is None
    assert rec.lead_sponsor is not None and rec.lead_sponsor.name == "A, B, C"
