"""Checks on the reference organisations file (DH, NHS CB, SHAs and the 152 WCC Year 1 PCTs)."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
REFERENCE = REPO_ROOT / "services" / "identity" / "reference" / "organisations.yaml"

TYPES = {"DOH", "NHSCB", "SHA", "PCT", "CCG", "CSU", "SUPPLIER"}
CODE = re.compile(r"^[A-Z0-9]{2,10}$")  # same pattern as services.identity.organisation.schemas
ABOLITION = dt.date(2013, 3, 31)


def _load() -> dict[str, Any]:
    with REFERENCE.open(encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    assert isinstance(data, dict)
    return data


DATA = _load()
ORGS: list[dict[str, Any]] = DATA["organisations"]
BY_CODE = {org["code"]: org for org in ORGS}


def _of_type(kind: str) -> list[dict[str, Any]]:
    return [org for org in ORGS if org["type"] == kind]


def test_header() -> None:
    assert DATA["version"] == 1
    assert isinstance(DATA["source_notes"], str) and DATA["source_notes"].strip()


def test_counts_per_type() -> None:
    counts = Counter(org["type"] for org in ORGS)
    assert counts == {"DOH": 1, "NHSCB": 1, "SHA": 10, "PCT": 152}


def test_rows_are_well_formed() -> None:
    for org in ORGS:
        assert set(org) == {"code", "name", "type", "parent", "valid_from", "valid_to", "source"}
        assert isinstance(org["code"], str) and CODE.match(org["code"]), org
        assert isinstance(org["name"], str) and len(org["name"]) >= 2, org
        assert org["type"] in TYPES, org


def test_codes_unique() -> None:
    codes = [org["code"] for org in ORGS]
    duplicates = [code for code, n in Counter(codes).items() if n > 1]
    assert not duplicates


def test_names_unique_within_type() -> None:
    names = Counter((org["type"], org["name"]) for org in ORGS)
    assert not [key for key, n in names.items() if n > 1]


def test_every_row_has_a_source() -> None:
    for org in ORGS:
        assert isinstance(org["source"], str) and org["source"].strip(), org


def test_illustrative_rows_are_explained() -> None:
    notes = DATA["source_notes"]
    for org in ORGS:
        if org["source"] == "illustrative":
            assert org["code"] in notes, f"{org['code']} is illustrative but not explained"


def test_hierarchy() -> None:
    (doh,) = _of_type("DOH")
    assert doh["parent"] is None
    (nhscb,) = _of_type("NHSCB")
    assert nhscb["parent"] == doh["code"]
    for sha in _of_type("SHA"):
        assert sha["parent"] == doh["code"], sha
    sha_codes = {sha["code"] for sha in _of_type("SHA")}
    for pct in _of_type("PCT"):
        assert pct["parent"] in sha_codes, pct
        assert BY_CODE[pct["parent"]]["type"] == "SHA"


def test_every_sha_has_pcts() -> None:
    per_sha = Counter(pct["parent"] for pct in _of_type("PCT"))
    assert set(per_sha) == {sha["code"] for sha in _of_type("SHA")}
    assert sum(per_sha.values()) == 152


def test_validity_dates() -> None:
    for org in ORGS:
        assert isinstance(org["valid_from"], dt.date), org
        if org["valid_to"] is not None:
            assert isinstance(org["valid_to"], dt.date), org
            assert org["valid_from"] < org["valid_to"], org
    for sha in _of_type("SHA"):
        assert sha["valid_from"] == dt.date(2006, 7, 1)
        assert sha["valid_to"] == ABOLITION
    for pct in _of_type("PCT"):
        assert pct["valid_to"] == ABOLITION
        parent = BY_CODE[pct["parent"]]
        assert parent["valid_from"] <= pct["valid_from"] <= parent["valid_to"]
    (nhscb,) = _of_type("NHSCB")
    assert nhscb["valid_from"] == dt.date(2012, 10, 1)


def test_no_ccg_csu_or_supplier_rows() -> None:
    assert not [org for org in ORGS if org["type"] in {"CCG", "CSU", "SUPPLIER"}]


def test_sha_codes_and_names() -> None:
    shas = {sha["code"]: sha["name"] for sha in _of_type("SHA")}
    assert set(shas) == {f"Q{n}" for n in range(30, 40)}
    # Pairs confirmed by sources (see source_notes): QOF 2008/09 notes and PDPI rows.
    assert "North East" in shas["Q30"]
    assert "North West" in shas["Q31"]
    assert "Yorkshire and the Humber" in shas["Q32"]
    assert "London" in shas["Q36"]


@pytest.mark.parametrize(
    ("code", "name", "sha_code"),
    [
        # Hansard written answer 31 Jan 2008 (code, name and SHA in one table).
        ("5F5", "Salford PCT", "Q31"),
        ("5HG", "Ashton, Leigh and Wigan PCT", "Q31"),
        ("5D7", "Newcastle PCT", "Q30"),
        ("TAC", "Northumberland Care Trust", "Q30"),
        # ONS PCO list April 2011 (code, name) + BritishDrugDynamics Locations.md (SHA).
        ("5NX", "Hull Teaching PCT", "Q32"),
        ("5N2", "Kirklees PCT", "Q32"),
        ("TAN", "North East Lincolnshire Care Trust Plus", "Q32"),
        ("5C4", "Tower Hamlets PCT", "Q36"),
        ("5AT", "Hillingdon PCT", "Q36"),
    ],
)
def test_known_pct_sha_pairs(code: str, name: str, sha_code: str) -> None:
    pct = BY_CODE[code]
    assert pct["type"] == "PCT"
    assert pct["name"] == name
    assert pct["parent"] == sha_code


@pytest.mark.parametrize(
    ("code", "name", "sha_name_part"),
    [
        # SHA given by region name: these SHAs' Q codes are marked illustrative.
        ("5PP", "Cambridgeshire PCT", "East of England"),
        ("5QC", "Hampshire PCT", "South Central"),
        ("5P5", "Surrey PCT", "South East Coast"),
        ("5QQ", "Devon PCT", "South West"),
        ("5ET", "Bassetlaw PCT", "East Midlands"),
        ("5MX", "Heart of Birmingham Teaching PCT", "West Midlands"),
    ],
)
def test_known_pct_regions(code: str, name: str, sha_name_part: str) -> None:
    pct = BY_CODE[code]
    assert pct["name"] == name
    assert sha_name_part in BY_CODE[pct["parent"]]["name"]


def test_pcts_per_sha() -> None:
    per_sha = Counter(pct["parent"] for pct in _of_type("PCT"))
    assert per_sha == {
        "Q30": 12,
        "Q31": 24,
        "Q32": 14,
        "Q33": 9,
        "Q34": 17,
        "Q35": 14,
        "Q36": 31,
        "Q37": 8,
        "Q38": 9,
        "Q39": 14,
    }
