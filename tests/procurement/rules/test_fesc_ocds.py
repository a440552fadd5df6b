"""OCDS 1.1 release packages, validated offline by libcoveocds (see ocds_schema/README.md)."""

from __future__ import annotations

import copy
import json
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fesc_ocds_validation import SCHEMA_DIR, closed_codelists, csv_codes, review, vendored_codelists

from services.procurement.rules.framework import Framework, load_framework
from services.procurement.rules.ocds import (
    CallOffAward,
    CallOffRecord,
    FrameworkSupplier,
    Organisation,
    Publication,
    call_off_release_package,
    contract_risks,
    framework_release_package,
    pounds,
)

PUBLICATION = Publication(
    publisher_name="NHS commissioning platform (FESC open data)",
    base_uri="https://procurement.example.nhs.uk/ocds",
    ocid_prefix="ocds-fesc07",
    published_at=datetime(2008, 6, 2, 9, 30, tzinfo=UTC),
)
HILLINGDON = Organisation("5AT", "Hillingdon PCT")  # ODS codes as in identity's reference
RISK_REWARD = {"base_fee_pence": 1_000_000, "at_risk_percent": "12.5", "bonus_percent": "5",
               "kpis": [{"code": "contracts_reviewed", "weight": 1, "target": "12"}]}


@pytest.fixture(scope="module")
def framework() -> Framework:
    return load_framework(1)


def awarded_call_off() -> CallOffRecord:
    return CallOffRecord(
        call_off_id="HILL-2007-01", title="Managing acute-trust contracts", buyer=HILLINGDON,
        package_type="micro", services=("acute_contract_management",),
        published_on=date(2007, 11, 1), bidder_ids=("FESC01", "FESC03", "FESC06"),
        estimated_value_pence=25_000_000,
        award=CallOffAward(
            supplier_id="FESC01", value_pence=24_000_050, decided_on=date(2008, 1, 10),
            contract_id="HILL-2007-01-C1", contract_start=date(2008, 2, 1),
            contract_end=date(2010, 1, 31), payment_model="risk_reward",
            payment_params=RISK_REWARD, signed_on=date(2008, 1, 25)))


def assert_no_findings(result: dict[str, Any]) -> None:
    assert result["validation_errors"] == []
    assert result["additional_closed_codelist_values"] == {}
    assert result["additional_fields"] == []
    assert result["extensions"]["invalid_extension"] == {}
    assert result["extensions"]["is_extended_schema"] is True


def awarded_release(framework: Framework) -> dict[str, Any]:
    release: dict[str, Any] = call_off_release_package(
        framework, awarded_call_off(), PUBLICATION)["releases"][0]
    return release


class TestFrameworkPackage:
    def test_validates_without_errors(self, framework: Framework, tmp_path: Path) -> None:
        assert_no_findings(review(framework_release_package(framework, PUBLICATION), tmp_path))

    def test_sets_up_the_framework_and_admits_every_supplier(self, framework: Framework) -> None:
        release = framework_release_package(framework, PUBLICATION)["releases"][0]
        assert release["ocid"] == "ocds-fesc07-FESC"
        assert release["tender"]["techniques"]["hasFrameworkAgreement"] is True
        suppliers = [p["id"] for p in release["parties"] if "supplier" in p["roles"]]
        assert suppliers == [f"FESC{n:02d}" for n in range(1, 15)]
        assert release["buyer"]["name"] == "DH Commercial Directorate"
        assert len(release["awards"]) == 14
        assert release["tender"]["contractPeriod"]["endDate"] == "2010-12-31T00:00:00Z"

    def test_suspended_and_removed_suppliers_are_no_longer_active_suppliers(
        self, framework: Framework, tmp_path: Path
    ) -> None:
        stored = [FrameworkSupplier(s.code, s.name, tuple(s.approved_lists)) for s in
                  framework.suppliers]
        stored[3] = FrameworkSupplier("FESC04", "Humana", ("micro",), "suspended",
                                      date(2008, 9, 1))
        stored[4] = FrameworkSupplier("FESC05", "McKinsey", ("macro",), "removed",
                                      date(2008, 3, 3))
        package = framework_release_package(framework, PUBLICATION, stored)
        release = package["releases"][0]
        roles = {p["id"]: p["roles"] for p in release["parties"]}
        assert roles["FESC04"] == roles["FESC05"] == ["tenderer"]
        assert roles["FESC01"] == ["tenderer", "supplier"]
        awards = {a["suppliers"][0]["id"]: a for a in release["awards"]}
        assert [code for code, a in awards.items() if a["status"] == "active"] == [
            f"FESC{n:02d}" for n in (1, 2, 3, *range(6, 15))]
        assert awards["FESC04"]["status"] == awards["FESC05"]["status"] == "cancelled"
        assert awards["FESC04"]["description"] == (
            "Suspended from the framework from 2008-09-01; it may be reinstated.")
        assert awards["FESC05"]["description"] == "Removed from the framework from 2008-03-03."
        # a new release, dated by the latest change of standing
        assert release["id"] == "ocds-fesc07-FESC-2008-09-01"
        assert release["tag"] == ["tender", "award", "awardUpdate"]
        assert_no_findings(review(package, tmp_path))


class TestCallOffPackage:
    def test_an_awarded_call_off_validates_without_errors(
        self, framework: Framework, tmp_path: Path
    ) -> None:
        package = call_off_release_package(framework, awarded_call_off(), PUBLICATION)
        assert_no_findings(review(package, tmp_path))

    def test_an_open_call_off_validates_without_errors(
        self, framework: Framework, tmp_path: Path
    ) -> None:
        record = CallOffRecord(call_off_id="CAMB-2008-02", title="Social marketing",
                               buyer=Organisation("5PP", "Cambridgeshire PCT"),
                               package_type="micro", services=("social_marketing",),
                               published_on=date(2008, 5, 12))
        package = call_off_release_package(framework, record, PUBLICATION)
        assert package["releases"][0]["tag"] == ["tender"]
        assert_no_findings(review(package, tmp_path))

    def test_links_to_the_framework_process(self, framework: Framework) -> None:
        release = awarded_release(framework)
        assert release["relatedProcesses"] == [{
            "id": "framework", "relationship": ["framework"],
            "title": "Framework for procuring External Support for Commissioners",
            "scheme": "ocid", "identifier": "ocds-fesc07-FESC",
            "uri": "https://procurement.example.nhs.uk/ocds/release-packages/ocds-fesc07-FESC.json",
        }]

    def test_the_pct_buys_and_the_winner_supplies(self, framework: Framework) -> None:
        release = awarded_release(framework)
        assert release["buyer"] == {"id": "5AT", "name": "Hillingdon PCT"}
        roles = {p["id"]: p["roles"] for p in release["parties"]}
        assert roles == {"5AT": ["buyer", "procuringEntity"],
                         "FESC01": ["tenderer", "supplier"], "FESC03": ["tenderer"],
                         "FESC06": ["tenderer"]}
        assert release["contracts"][0]["value"] == {"amount": 240000.5, "currency": "GBP"}
        assert release["contracts"][0]["status"] == "active"

    def test_a_performance_risk_split_with_the_supplier_is_one_shared_risk(
        self, framework: Framework
    ) -> None:
        release = awarded_release(framework)
        risks = release["contracts"][0]["riskAllocation"]
        assert [(r["id"], r["allocation"]) for r in risks] == [
            ("accountability", "publicAuthority"), ("performance", "shared")]
        assert risks[1]["description"] == (
            "12.50% of the fee depends on results (borne by the supplier); 87.50% is paid "
            "whatever the results (the PCT bears the performance risk on it).")


class TestValidationIsReal:
    def test_the_shared_allocation_is_valid_and_a_dropped_code_is_reported(
        self, framework: Framework, tmp_path: Path
    ) -> None:
        package = call_off_release_package(framework, awarded_call_off(), PUBLICATION)
        assert package["releases"][0]["contracts"][0]["riskAllocation"][1]["allocation"] == (
            "shared")
        assert_no_findings(review(package, tmp_path))
        bad = copy.deepcopy(package)
        # "undefined" was in the extension's early enum; the current codelist dropped it
        bad["releases"][0]["contracts"][0]["riskAllocation"][0]["allocation"] = "undefined"
        result = review(bad, tmp_path)
        found = result["additional_closed_codelist_values"]
        assert found["releases/contracts/riskAllocation/allocation"]["values"] == ["undefined"]

    def test_the_vendored_schema_enumerates_the_published_codelist(self) -> None:
        extension = "ocds_riskAllocation_extension"
        schema = (SCHEMA_DIR / "extensions" / extension / "release-schema.json").read_text()
        [published] = vendored_codelists(extension).values()
        assert closed_codelists(json.loads(schema))["riskAllocation.csv"] == csv_codes(
            published) == ["publicAuthority", "privateParty", "shared"]

    def test_a_schema_error_is_reported(self, framework: Framework, tmp_path: Path) -> None:
        package = call_off_release_package(framework, awarded_call_off(), PUBLICATION)
        bad = copy.deepcopy(package)
        bad["releases"][0]["awards"][0]["value"]["amount"] = "240000.50"
        assert review(bad, tmp_path)["validation_errors"]


class TestAmountsAndRisks:
    @pytest.mark.parametrize(("pence", "amount"), [(100, 1), (24_000_050, 240000.5),
                                                  (1_234_567_891, 12345678.91), (1, 0.01)])
    def test_pounds_are_the_exact_pence(self, pence: int, amount: float) -> None:
        converted = pounds(pence)
        assert converted == amount
        assert Decimal(str(converted)) * 100 == pence

    def test_a_fixed_fee_leaves_all_risk_with_the_pct(self, framework: Framework) -> None:
        risks = contract_risks(framework, "fixed_fee", {"total_fee_pence": 1, "instalments": 1})
        assert [(r["id"], r["allocation"]) for r in risks] == [
            ("accountability", "publicAuthority"), ("performance", "publicAuthority")]
        assert risks[-1]["description"].startswith("The PCT bears the performance risk")

    def test_an_uncapped_gain_share_puts_all_the_fee_at_risk(self, framework: Framework) -> None:
        risks = contract_risks(framework, "gain_share", {"share_percent": 20})
        assert [(r["id"], r["allocation"]) for r in risks] == [
            ("accountability", "publicAuthority"), ("performance", "privateParty")]

    def test_publication_time_needs_a_zone(self, framework: Framework) -> None:
        naive = Publication("x", "https://x", "ocds-fesc07", datetime(2008, 6, 2, 9, 30))
        with pytest.raises(ValueError, match="time zone"):
            framework_release_package(framework, naive)
