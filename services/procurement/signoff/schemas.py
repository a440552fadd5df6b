from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from services.procurement.request.schemas import ApprovalRole


class SignoffCreate(BaseModel):
    """A decision on a request, on the content the approver read (its content_hash)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "role": "sha", "decision": "approved", "reason": "Fits our development plan",
        "content_hash": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"}]})

    role: ApprovalRole = Field(description="dg_commissioning (DoH director general), sha (the "
                               "PCT's own SHA) or doh_joint_venture (DoH permission)")
    decision: Literal["approved", "refused"]
    reason: str = Field(default="", max_length=5000, description="required for a refusal")
    content_hash: str = Field(pattern=r"^[0-9a-f]{64}$",
                              description="the request's content_hash as you read it")

    @model_validator(mode="after")
    def _refusal_gives_reason(self) -> SignoffCreate:
        if self.decision == "refused" and not self.reason.strip():
            raise ValueError("a refusal must give its reason")
        return self


class SignoffRead(BaseModel):
    """A recorded decision: who, when, what, why, and a snapshot of what was decided on."""

    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [{
        "id": "8f725540-081b-4dd7-9fcd-ab5441ec1481", "role": "sha",
        "approver_org_id": "2c4e6a8b-0d1f-4a3c-9e5b-7d9f1b3d5f70", "decision": "approved",
        "decided_by": "user:q31-admin", "decided_at": "2008-06-03T14:05:00Z", "reason": None,
        "content_hash": "4424edab51967dba919c569155c90266026fba91a9000ca2feb20c509ed9a749",
        "snapshot": {"title": "Complete commissioning support", "package_type": "end_to_end",
                     "services": ["needs_assessment", "acute_contract_management"],
                     "macro_kind": None, "service_area": None,
                     "business_case": "Our acute contracts overspent by 4% last year.",
                     "justification": "The directorate lost eleven of its fourteen staff.",
                     "estimated_value_pence": 400_000_000, "joint_venture": False},
        "voided_at": None, "voided_reason": None}]})

    id: str
    role: ApprovalRole
    approver_org_id: str
    decision: Literal["approved", "refused"]
    decided_by: str
    decided_at: datetime
    reason: str | None
    content_hash: str
    snapshot: dict[str, Any] = Field(description="the request's content as approved or refused")
    voided_at: datetime | None = Field(description="set when a later change voided it")
    voided_reason: str | None
