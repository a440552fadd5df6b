from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

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
