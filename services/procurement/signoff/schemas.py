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

    model_config = ConfigDict(from_attributes=True)

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
