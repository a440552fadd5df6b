"""Events published by the procurement service. None carries a bid price.

Suppliers are named by their framework code (`supplier_id`, FESC01..FESC14); PCTs, SHAs and
the DoH by their organisation ids in the identity directory.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.events.contracts import contract

PackageType = Literal["micro", "macro", "end_to_end"]
PaymentModel = Literal["fixed_fee", "capped_time_and_materials", "risk_reward", "gain_share",
                       "outcome_based"]
ApprovalRole = Literal["dg_commissioning", "sha", "doh_joint_venture"]


class _Event(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


@contract("procurement.request.created.v1", key="request_id",
          summary="A PCT raised a procurement request for external commissioning support.")
class RequestCreated(_Event):
    request_id: str
    pct_id: str
    sha_id: str
    package_type: PackageType
    services: list[str]
    groupings: list[str]
    estimated_value_pence: int = Field(ge=0)
    joint_venture: bool = False
    approvals_needed: list[ApprovalRole]
    recommendation_id: str | None = Field(
        default=None, description="the support recommendation it was raised from, if any")


@contract("procurement.signoff.requested.v1", key="request_id",
          summary="A request awaits a sign-off (DoH director general, SHA or DoH permission); "
                  "sent again when a change to the request voided an earlier approval.")
class SignoffRequested(_Event):
    request_id: str
    pct_id: str
    sha_id: str
    role: ApprovalRole
    approver_org_id: str
    reasons: list[str] = Field(default_factory=list, description="why this sign-off is needed")
    content_hash: str = Field(default="", description="SHA-256 of the content to approve")


@contract("procurement.signoff.decided.v1", key="request_id",
          summary="A sign-off was approved or refused (a refusal ends the request).")
class SignoffDecided(_Event):
    request_id: str
    pct_id: str
    role: ApprovalRole
    decision: Literal["approved", "refused"]
    decided_by: str
    decided_at: datetime
    reason: str
    content_hash: str = Field(default="", description="SHA-256 of the content approved")
    request_status: Literal["awaiting_signoff", "approved", "refused"] = Field(
        default="awaiting_signoff", description="the request's status after this decision")


@contract("procurement.call_off.published.v1", key="call_off_id",
          summary="A mini-competition opened; invited suppliers may bid until the deadline.")
class CallOffPublished(_Event):
    call_off_id: str
    request_id: str
    pct_id: str
    package_type: PackageType
    groupings: list[str]
    run_number: int = Field(default=1, ge=1, description="2 and more: a re-run")
    invited_supplier_ids: list[str]
    clarification_deadline: datetime
    bid_deadline: datetime


@contract("procurement.bid.submitted.v1", key="call_off_id",
          summary="A supplier submitted (or replaced) its sealed bid. No price is disclosed.")
class BidSubmitted(_Event):
    bid_id: str
    call_off_id: str
    supplier_id: str
    submitted_at: datetime
    version: int = Field(default=1, ge=1, description="2 and more: a replacement")


@contract("procurement.call_off.awarded.v1", key="call_off_id",
          summary="The PCT chose the winning bid; the standstill period starts.")
class CallOffAwarded(_Event):
    call_off_id: str
    pct_id: str
    supplier_id: str
    standstill_ends: date


@contract("procurement.call_off.cancelled.v1", key="call_off_id",
          summary="The PCT cancelled a call-off, with its reason; the request may be re-run.")
class CallOffCancelled(_Event):
    call_off_id: str
    request_id: str
    pct_id: str
    reason: str
    cancelled_at: datetime


@contract("procurement.contract.awarded.v1", key="contract_id",
          summary="A contract was awarded to a supplier for a PCT (after standstill).")
class ContractAwarded(_Event):
    contract_id: str
    call_off_id: str
    pct_id: str
    sha_id: str
    supplier_id: str
    package_type: PackageType
    groupings: list[str]
    payment_model: PaymentModel
    value_pence: int = Field(ge=0)
    start_date: date
    end_date: date
    population_served: int | None = Field(default=None, ge=0)


@contract("procurement.contract.signed.v1", key="contract_id",
          summary="Both parties signed the contract; its payment schedule is fixed.")
class ContractSigned(_Event):
    contract_id: str
    pct_id: str
    supplier_id: str
    payment_model: PaymentModel
    value_pence: int = Field(ge=0)
    signed_on: date


@contract("procurement.payment.calculated.v1", key="contract_id",
          summary="The payment due for a contract period was computed.")
class PaymentCalculated(_Event):
    contract_id: str
    period: str = Field(description="e.g. 2008-Q3")
    amount_pence: int
    lines: list[str] = Field(description="the explanation of each payment line")


@contract("procurement.supplier.status_changed.v1", key="supplier_id",
          summary="The DoH suspended, reinstated or removed an approved framework supplier.")
class SupplierStatusChanged(_Event):
    supplier_id: str
    organisation_id: str | None
    status: Literal["active", "suspended", "removed"]
    reason: str
    effective_on: date
