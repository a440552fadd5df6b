"""The FESC reference data: what it says, what it marks as unconfirmed, and what it refuses."""

from __future__ import annotations

import copy
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from services.procurement.rules.framework import (
    PACKAGE_TYPES,
    REFERENCE_DIR,
    Framework,
    load_framework,
)
from services.procurement.rules.payments import parameter_names


@pytest.fixture(scope="module")
def raw() -> dict[str, Any]:
    with (REFERENCE_DIR / "fesc-framework-v1.yaml").open(encoding="utf-8") as handle:
        data: dict[str, Any] = yaml.safe_load(handle)
    return data


class TestAgreement:
    def test_names_the_framework_and_its_owner(self) -> None:
        agreement = load_framework(1).framework
        assert agreement.name == "Framework for procuring External Support for Commissioners"
        assert agreement.owner == "DH Commercial Directorate"
        assert agreement.suppliers_announced_on == date(2007, 10, 5)

    def test_marks_the_chosen_end_date_as_unconfirmed(self) -> None:
        agreement = load_framework(1).framework
        assert agreement.end_date == date(2010, 12, 31)
        assert agreement.end_date_status == "unconfirmed"

    def test_marks_the_lot_numbering_as_unconfirmed(self) -> None:
        framework = load_framework(1)
        assert framework.lot_number_status == "unconfirmed"
        assert [(g.lot_number, g.name) for g in framework.groupings] == [
            (1, "Assessment and planning"),
            (2, "Contracting and procurement"),
            (3, "Performance management, settlement and review"),
            (4, "Patient and public engagement"),
        ]


class TestServices:
    def test_sourced_examples_are_marked_sourced_with_a_listed_source(self) -> None:
        framework = load_framework(1)
        services = {s.code: s for g in framework.groupings for s in g.services}
        for code in ("social_marketing", "risk_stratification", "it_support",
                     "acute_contract_management", "payment_by_results_implementation",
                     "invoice_validation"):
            assert services[code].evidence == "sourced"
            assert services[code].sources
            assert set(services[code].sources) <= set(framework.sources)

    def test_our_own_examples_are_marked_illustrative(self) -> None:
        framework = load_framework(1)
        services = {s.code: s for g in framework.groupings for s in g.services}
        assert services["needs_assessment"].evidence == "illustrative"
        assert services["demand_modelling"].evidence == "illustrative"

    def test_mental_health_is_the_sourced_service_area(self) -> None:
        areas = {a.code: a for a in load_framework(1).service_areas}
        assert areas["mental_health"].evidence == "sourced"
        assert areas["acute_care"].evidence == "illustrative"


class TestSuppliers:
    def test_fourteen_suppliers_with_ods_style_codes(self) -> None:
        suppliers = load_framework(1).suppliers
        assert [s.code for s in suppliers] == [f"FESC{n:02d}" for n in range(1, 15)]
        # the identity service's demo data registers BUPA Commissioning as FESC01
        assert suppliers[0].name == "BUPA Commissioning"

    def test_six_confirmed_two_implied_six_placeholders(self) -> None:
        suppliers = load_framework(1).suppliers
        by_status: dict[str, list[str]] = {}
        for supplier in suppliers:
            by_status.setdefault(supplier.status_of_name, []).append(supplier.name)
        assert by_status["confirmed"] == [
            "BUPA Commissioning", "Aetna", "UnitedHealth Europe Ltd", "Humana Europe Ltd",
            "McKinsey & Co (UK)", "Tribal"]
        assert by_status["implied"] == ["AXA PPP healthcare", "Navigant Consulting"]
        assert by_status["unconfirmed"] == [f"Unconfirmed supplier {n}" for n in range(9, 15)]

    def test_unverified_names_are_not_encoded(self) -> None:
        names = " ".join(s.name for s in load_framework(1).suppliers)
        for rumoured in ("KPMG", "Dr Foster", "Health Dialog", "WG Consulting"):
            assert rumoured not in names

    def test_every_list_and_grouping_can_hold_a_mini_competition(self) -> None:
        framework = load_framework(1)
        minimum = framework.settings.min_invited_suppliers
        for package_type in PACKAGE_TYPES:
            for grouping in framework.groupings:
                approved = [s for s in framework.suppliers
                            if s.is_approved_for(package_type, frozenset({grouping.code}))]
                assert len(approved) >= minimum, (package_type, grouping.code)


class TestPaymentModelsAndSettings:
    def test_five_models_with_their_risk_transfer(self) -> None:
        models = {m.code: m for m in load_framework(1).payment_models}
        assert {code: m.risk_transfer for code, m in models.items()} == {
            "fixed_fee": "none", "capped_time_and_materials": "low", "risk_reward": "medium",
            "gain_share": "high", "outcome_based": "high"}
        assert {m.name_status for m in models.values()} == {"unconfirmed"}

    def test_listed_parameters_are_the_terms_the_rules_accept(self) -> None:
        for model in load_framework(1).payment_models:
            assert {p.name for p in model.parameters} == parameter_names(model.code), model.code

    def test_settings_defaults(self) -> None:
        settings = load_framework(1).settings
        assert settings.min_invited_suppliers == 3
        assert settings.end_to_end_risk_window_months == 24
        assert settings.end_to_end_max_at_risk_percent == Decimal(10)
        assert settings.standstill_days == 10
        assert settings.sha_approval_threshold_pence == 100_000_000
        assert (settings.evaluation_weights.price, settings.evaluation_weights.quality) == (40, 60)


class TestValidation:
    def test_refuses_an_unknown_key(self, raw: dict[str, Any]) -> None:
        data = copy.deepcopy(raw)
        data["suppliers"][0]["rating"] = "gold"
        with pytest.raises(ValidationError, match="rating"):
            Framework.model_validate(data)

    def test_refuses_a_supplier_approved_for_an_unknown_grouping(self, raw: dict[str, Any]) -> None:
        data = copy.deepcopy(raw)
        data["suppliers"][3]["approved_groupings"] = ["assessment_and_planning", "estates"]
        with pytest.raises(ValidationError, match="FESC04 names unknown groupings"):
            Framework.model_validate(data)

    def test_refuses_weights_that_do_not_add_up(self, raw: dict[str, Any]) -> None:
        data = copy.deepcopy(raw)
        data["settings"]["evaluation_weights"] = {"price": 50, "quality": 60}
        with pytest.raises(ValidationError, match="add up to 100"):
            Framework.model_validate(data)

    def test_refuses_a_duplicate_supplier_code(self, raw: dict[str, Any]) -> None:
        data = copy.deepcopy(raw)
        data["suppliers"][1]["code"] = "FESC01"
        with pytest.raises(ValidationError, match="duplicate supplier codes"):
            Framework.model_validate(data)

    def test_refuses_a_missing_payment_model(self, raw: dict[str, Any]) -> None:
        data = copy.deepcopy(raw)
        data["payment_models"] = data["payment_models"][:4]
        with pytest.raises(ValidationError, match="payment models must be exactly"):
            Framework.model_validate(data)

    def test_refuses_an_uncited_source(self, raw: dict[str, Any]) -> None:
        data = copy.deepcopy(raw)
        data["service_areas"][1]["sources"] = ["S99"]
        with pytest.raises(ValidationError, match="S99"):
            Framework.model_validate(data)

    def test_models_are_frozen(self) -> None:
        with pytest.raises(ValidationError):
            load_framework(1).settings.min_invited_suppliers = 1

    def test_an_unknown_version_has_no_file(self) -> None:
        with pytest.raises(FileNotFoundError):
            load_framework(99)
