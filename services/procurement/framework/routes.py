from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from services.procurement.deps import FrameworkDep, Reader
from services.procurement.rules.framework import (
    FrameworkAgreement,
    Grouping,
    PackageTypeSpec,
    PaymentModelSpec,
    ServiceArea,
    Settings,
)
from shared.errors import problem_responses

router = APIRouter(tags=["framework"])


class FrameworkRead(BaseModel):
    """The framework agreement in force: period, groupings (lots) and their services, package
    types, payment models and the configurable rules. Suppliers are at /suppliers."""

    # One of each list shown; the whole framework is services/procurement/reference/.
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "version": 1,
        "agreement": {
            "code": "FESC", "name": "Framework for procuring External Support for Commissioners",
            "owner": "DH Commercial Directorate", "sources": ["S3", "S4", "S15"],
            "suppliers_announced_on": "2007-10-05", "start_date": "2007-10-05",
            "end_date": "2010-12-31", "end_date_status": "unconfirmed",
            "volume_guaranteed": False, "direct_patient_care_in_scope": False,
            "supplier_lists": ["micro", "macro", "end_to_end"]},
        "groupings": [{
            "code": "contracting_and_procurement", "lot_number": 2,
            "name": "Contracting and procurement", "sources": ["S14"],
            "services": [{"code": "acute_contract_management",
                          "name": "Managing acute-trust contracts", "evidence": "sourced",
                          "sources": ["S14"],
                          "note": "One of Hillingdon PCT's two micro contracts."}]}],
        "lot_number_status": "unconfirmed",
        "service_areas": [{"code": "mental_health", "name": "Mental health commissioning",
                           "evidence": "sourced", "sources": ["S4"]}],
        "package_types": [{"code": "micro", "name": "Micro", "description": "One service.",
                           "sources": ["S1", "S14"], "min_services": 1, "max_services": 1,
                           "macro_kinds": [], "requires_justification": False}],
        "payment_models": [{
            "code": "fixed_fee", "name": "Fixed fee", "name_status": "unconfirmed",
            "risk_transfer": "none",
            "description": "The whole fee paid in equal instalments whatever the results.",
            "parameters": [{"name": "total_fee_pence", "kind": "pence",
                            "description": "The whole fee."},
                           {"name": "instalments", "kind": "count",
                            "description": "Number of equal instalments."}]}],
        "settings": {
            "min_invited_suppliers": 3, "end_to_end_risk_window_months": 24,
            "end_to_end_max_at_risk_percent": "10", "sha_approval_threshold_pence": 100_000_000,
            "standstill_days": 10, "justification_min_length": 100,
            "evaluation_weights": {"price": 40, "quality": 60},
            "default_quality_criteria": [
                {"code": "approach", "name": "Approach and methodology", "weight": 25,
                 "max_score": 5}]},
        "sources": {"S14": "https://www.hsj.co.uk/home/hillingdon-to-invite-private-commissioner"
                           "/56960.article"}}]})

    version: int = Field(description="the reference file's version")
    agreement: FrameworkAgreement
    groupings: tuple[Grouping, ...]
    lot_number_status: str
    service_areas: tuple[ServiceArea, ...]
    package_types: tuple[PackageTypeSpec, ...]
    payment_models: tuple[PaymentModelSpec, ...]
    settings: Settings = Field(description="thresholds and defaults, with any overrides")
    sources: dict[str, str] = Field(description="S-number -> the source's address")


@router.get("/framework", response_model=FrameworkRead, responses=problem_responses(401))
async def read_framework(framework: FrameworkDep, _: Reader) -> FrameworkRead:
    """The FESC framework: agreement and period, groupings and services, package types and
    payment models, as versioned reference data (unconfirmed values are marked as such)."""
    return FrameworkRead(
        version=framework.version, agreement=framework.framework,
        groupings=framework.groupings, lot_number_status=framework.lot_number_status,
        service_areas=framework.service_areas, package_types=framework.package_types,
        payment_models=framework.payment_models, settings=framework.settings,
        sources=dict(framework.sources))
