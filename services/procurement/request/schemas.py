from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic.config import JsonDict

PackageType = Literal["micro", "macro", "end_to_end"]
MacroKind = Literal["function", "service_area"]
RequestStatus = Literal["awaiting_signoff", "approved", "refused", "procuring", "contracted"]
ApprovalRole = Literal["dg_commissioning", "sha", "doh_joint_venture"]
REQUIRED_CONTENT = frozenset({"title", "package_type", "services", "business_case",
                              "estimated_value_pence", "joint_venture"})
MAX_PENCE = 10**13  # £100bn: far above any commissioning budget, far below an overflow

EXAMPLE: JsonDict = {
    "title": "Managing acute-trust contracts",
    "package_type": "micro", "services": ["acute_contract_management"],
    "business_case": "Our acute contracts overspent by 4% last year; we lack contract "
                     "managers with PbR experience and need them for the 2008/09 round.",
    "estimated_value_pence": 25_000_000, "joint_venture": False,
}


class RequestCreate(BaseModel):
    """A PCT's request: the package it wants, why, and what it expects to spend."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [EXAMPLE]})

    title: str = Field(min_length=3, max_length=200)
    package_type: PackageType = Field(description="micro: one service; macro: related "
                                      "services; end_to_end: every service (exceptional)")
    services: list[str] = Field(max_length=100, description="framework service codes")
    macro_kind: MacroKind | None = Field(default=None, description="macro packages only")
    service_area: str | None = Field(default=None, max_length=40,
                                     description="service-area macro packages only")
    business_case: str = Field(min_length=20, max_length=20_000)
    justification: str | None = Field(
        default=None, max_length=20_000,
        description="end-to-end only: the exceptional circumstances (at least 100 characters)")
    estimated_value_pence: int = Field(gt=0, lt=MAX_PENCE, description="whole pence")
    joint_venture: bool = Field(default=False, description="bought as a joint venture")


class RequestUpdate(BaseModel):
    """Fields to change; any change voids the sign-offs given so far (they are asked again)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "estimated_value_pence": 27_500_000}]})

    title: str | None = Field(default=None, min_length=3, max_length=200)
    package_type: PackageType | None = None
    services: list[str] | None = Field(default=None, max_length=100)
    macro_kind: MacroKind | None = None
    service_area: str | None = Field(default=None, max_length=40)
    business_case: str | None = Field(default=None, min_length=20, max_length=20_000)
    justification: str | None = Field(default=None, max_length=20_000)
    estimated_value_pence: int | None = Field(default=None, gt=0, lt=MAX_PENCE)
    joint_venture: bool | None = None

    @model_validator(mode="after")
    def _no_null_for_required(self) -> RequestUpdate:
        cleared = sorted(name for name in self.model_fields_set & REQUIRED_CONTENT
                         if getattr(self, name) is None)
        if cleared:
            raise ValueError(f"{', '.join(cleared)} cannot be cleared (null)")
        return self


class ApprovalRead(BaseModel):
    """One sign-off the request needs, and where it stands for the current content."""

    role: ApprovalRole
    approver_org_id: str
    reasons: list[str]
    status: Literal["pending", "approved", "refused"]
    decided_by: str | None = None
    decided_at: datetime | None = None
    reason: str | None = None


class RequestRead(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        **EXAMPLE, "id": "8d2c...", "pct_id": "5f1e...", "sha_id": "c0b7...",
        "groupings": ["contracting_and_procurement"], "macro_kind": None,
        "service_area": None, "justification": None, "status": "approved",
        "content_hash": "9f86d081884c7d65...", "approvals": [], "recommendation_id": None,
        "version": 1, "created_by": "user:...", "created_at": "2008-06-02T09:30:00Z",
        "updated_at": "2008-06-02T09:30:00Z"}]})

    id: str
    pct_id: str
    sha_id: str
    title: str
    package_type: PackageType
    services: list[str]
    groupings: list[str]
    macro_kind: MacroKind | None
    service_area: str | None
    business_case: str
    justification: str | None
    estimated_value_pence: int
    joint_venture: bool
    status: RequestStatus
    content_hash: str = Field(description="quote it when signing off: what you approve")
    approvals: list[ApprovalRead]
    recommendation_id: str | None
    version: int
    created_by: str
    created_at: datetime
    updated_at: datetime
