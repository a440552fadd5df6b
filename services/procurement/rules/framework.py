"""The FESC framework's reference data as validated, immutable models, and its loader.

`load_framework(1)` reads services/procurement/reference/fesc-framework-v1.yaml. Every model
forbids unknown keys and is frozen, so a typo in the file fails at load time, not in a rule.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from functools import cache, cached_property
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

REFERENCE_DIR = Path(__file__).resolve().parent.parent / "reference"

PackageType = Literal["micro", "macro", "end_to_end"]
MacroKind = Literal["function", "service_area"]
PaymentModelCode = Literal[
    "fixed_fee", "capped_time_and_materials", "risk_reward", "gain_share", "outcome_based"
]
RiskTransfer = Literal["none", "low", "medium", "high"]
Evidence = Literal["sourced", "illustrative"]
Confirmation = Literal["confirmed", "unconfirmed"]

PACKAGE_TYPES: tuple[PackageType, ...] = ("micro", "macro", "end_to_end")
PAYMENT_MODELS: tuple[PaymentModelCode, ...] = (
    "fixed_fee", "capped_time_and_materials", "risk_reward", "gain_share", "outcome_based"
)


class _Reference(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Service(_Reference):
    code: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str
    evidence: Evidence
    sources: tuple[str, ...] = ()
    note: str | None = None


class Grouping(_Reference):
    """One of the four groupings of commissioning activities (the lots)."""

    code: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    lot_number: int = Field(ge=1)
    name: str
    sources: tuple[str, ...] = ()
    services: tuple[Service, ...] = Field(min_length=1)


class ServiceArea(_Reference):
    """A clinical service area that a service macro covers across groupings (e.g. mental health)."""

    code: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str
    evidence: Evidence
    sources: tuple[str, ...] = ()


class PackageTypeSpec(_Reference):
    code: PackageType
    name: str
    description: str
    sources: tuple[str, ...] = ()
    min_services: int = Field(ge=1)
    max_services: int | None = Field(default=None, ge=1)
    macro_kinds: tuple[MacroKind, ...] = ()
    requires_justification: bool


class Supplier(_Reference):
    """An approved framework supplier: the lists and groupings it may be invited for."""

    code: str = Field(pattern=r"^FESC\d{2}$")
    name: str
    status_of_name: Literal["confirmed", "implied", "unconfirmed"]
    sources: tuple[str, ...] = ()
    approved_lists: tuple[PackageType, ...] = Field(min_length=1)
    approved_groupings: tuple[str, ...] = Field(min_length=1)
    note: str | None = None

    def is_approved_for(self, package_type: PackageType, groupings: frozenset[str]) -> bool:
        return package_type in self.approved_lists and groupings <= set(self.approved_groupings)


class PaymentParameter(_Reference):
    name: str
    kind: Literal["pence", "percent", "count", "kpi_list", "outcome_list"]
    description: str


class PaymentModelSpec(_Reference):
    code: PaymentModelCode
    name: str
    name_status: Confirmation
    risk_transfer: RiskTransfer
    description: str
    parameters: tuple[PaymentParameter, ...]


class FrameworkAgreement(_Reference):
    code: str
    name: str
    owner: str
    sources: tuple[str, ...] = ()
    suppliers_announced_on: date
    start_date: date
    end_date: date
    end_date_status: Confirmation
    volume_guaranteed: bool
    direct_patient_care_in_scope: bool
    supplier_lists: tuple[PackageType, ...]

    @model_validator(mode="after")
    def _period_is_ordered(self) -> FrameworkAgreement:
        if self.end_date <= self.start_date:
            raise ValueError("the framework's end_date must be after its start_date")
        return self


class EvaluationWeights(_Reference):
    price: int = Field(ge=0, le=100)
    quality: int = Field(ge=0, le=100)

    @model_validator(mode="after")
    def _adds_up_to_100(self) -> EvaluationWeights:
        if self.price + self.quality != 100:
            raise ValueError("price and quality weights must add up to 100")
        return self


class QualityCriterion(_Reference):
    code: str
    name: str
    weight: int = Field(gt=0)
    max_score: int = Field(gt=0)


class Settings(_Reference):
    min_invited_suppliers: int = Field(ge=1)
    end_to_end_risk_window_months: int = Field(ge=0)
    end_to_end_max_at_risk_percent: Decimal = Field(ge=0, le=100)
    sha_approval_threshold_pence: int = Field(ge=0)
    standstill_days: int = Field(ge=0)
    justification_min_length: int = Field(ge=1)
    evaluation_weights: EvaluationWeights
    default_quality_criteria: tuple[QualityCriterion, ...]

    @model_validator(mode="after")
    def _criteria_fill_quality_weight(self) -> Settings:
        total = sum(c.weight for c in self.default_quality_criteria)
        if total != self.evaluation_weights.quality:
            raise ValueError(
                f"default quality criteria weigh {total}, "
                f"not the quality weight {self.evaluation_weights.quality}"
            )
        return self


class Framework(_Reference):
    """The whole FESC reference: agreement, groupings, package types, suppliers, payment models."""

    version: int
    sources: Mapping[str, str]
    framework: FrameworkAgreement
    groupings: tuple[Grouping, ...] = Field(min_length=1)
    lot_number_status: Confirmation
    service_areas: tuple[ServiceArea, ...]
    package_types: tuple[PackageTypeSpec, ...]
    suppliers: tuple[Supplier, ...]
    payment_models: tuple[PaymentModelSpec, ...]
    settings: Settings

    @model_validator(mode="after")
    def _is_consistent(self) -> Framework:
        _require_unique("grouping", [g.code for g in self.groupings])
        _require_unique("service", [s.code for g in self.groupings for s in g.services])
        _require_unique("service area", [a.code for a in self.service_areas])
        _require_unique("supplier", [s.code for s in self.suppliers])
        _require_exactly("package type", [p.code for p in self.package_types], PACKAGE_TYPES)
        _require_exactly("payment model", [m.code for m in self.payment_models], PAYMENT_MODELS)
        known = {g.code for g in self.groupings}
        for supplier in self.suppliers:
            unknown = set(supplier.approved_groupings) - known
            if unknown:
                raise ValueError(
                    f"supplier {supplier.code} names unknown groupings {sorted(unknown)}")
        cited = {src for item in self._cited_items() for src in item}
        if not cited <= set(self.sources):
            raise ValueError(f"sources cited but not listed: {sorted(cited - set(self.sources))}")
        return self

    def _cited_items(self) -> list[tuple[str, ...]]:
        items = [self.framework.sources]
        items += [g.sources for g in self.groupings]
        items += [s.sources for g in self.groupings for s in g.services]
        items += [a.sources for a in self.service_areas]
        items += [p.sources for p in self.package_types]
        items += [s.sources for s in self.suppliers]
        return items

    @cached_property
    def _grouping_of_service(self) -> dict[str, str]:
        return {s.code: g.code for g in self.groupings for s in g.services}

    def grouping(self, code: str) -> Grouping:
        return next(g for g in self.groupings if g.code == code)

    def grouping_of(self, service_code: str) -> str | None:
        """The grouping a service belongs to, or None for an unknown service."""
        return self._grouping_of_service.get(service_code)

    def service_codes(self, grouping_code: str | None = None) -> tuple[str, ...]:
        """Every service code (of one grouping, or of the whole framework), in file order."""
        groupings = self.groupings if grouping_code is None else (self.grouping(grouping_code),)
        return tuple(s.code for g in groupings for s in g.services)

    def service_area_codes(self) -> frozenset[str]:
        return frozenset(a.code for a in self.service_areas)

    def package_type(self, code: PackageType) -> PackageTypeSpec:
        return next(p for p in self.package_types if p.code == code)

    def payment_model(self, code: PaymentModelCode) -> PaymentModelSpec:
        return next(m for m in self.payment_models if m.code == code)

    def supplier(self, code: str) -> Supplier | None:
        return next((s for s in self.suppliers if s.code == code), None)


def _require_unique(what: str, codes: list[str]) -> None:
    duplicates = sorted({c for c in codes if codes.count(c) > 1})
    if duplicates:
        raise ValueError(f"duplicate {what} codes: {duplicates}")


def _require_exactly(what: str, codes: list[str], expected: tuple[str, ...]) -> None:
    if sorted(codes) != sorted(expected):
        raise ValueError(f"{what}s must be exactly {list(expected)}, got {codes}")


@cache
def load_framework(version: int = 1) -> Framework:
    """Load and validate fesc-framework-v<version>.yaml (cached: the models are immutable)."""
    path = REFERENCE_DIR / f"fesc-framework-v{version}.yaml"
    with path.open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    framework = Framework.model_validate(data)
    if framework.version != version:
        raise ValueError(f"{path.name} declares version {framework.version}, not {version}")
    return framework
