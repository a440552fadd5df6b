from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from services.procurement.database import Base, UtcDateTime, new_id

AWAITING_SIGNOFF, APPROVED, REFUSED = "awaiting_signoff", "approved", "refused"
PROCURING, CONTRACTED = "procuring", "contracted"


class ProcurementRequest(Base):
    """A PCT's request for external support, from business case to contract."""

    __tablename__ = "procurement_request"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    pct_id: Mapped[str] = mapped_column(String(36), index=True)
    sha_id: Mapped[str] = mapped_column(String(36), index=True)
    doh_id: Mapped[str | None] = mapped_column(String(36))
    title: Mapped[str] = mapped_column(String(200))
    package_type: Mapped[str] = mapped_column(String(20))
    services: Mapped[list[str]] = mapped_column(JSON)
    groupings: Mapped[list[str]] = mapped_column(JSON)
    macro_kind: Mapped[str | None] = mapped_column(String(20))
    service_area: Mapped[str | None] = mapped_column(String(40))
    business_case: Mapped[str] = mapped_column(Text)
    justification: Mapped[str | None] = mapped_column(Text)
    estimated_value_pence: Mapped[int] = mapped_column(BigInteger)
    joint_venture: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(20), index=True)
    approvals: Mapped[list[dict[str, Any]]] = mapped_column(
        JSON, doc="the sign-offs required: role, approver organisation, reasons")
    content_hash: Mapped[str] = mapped_column(String(64))
    recommendation_id: Mapped[str | None] = mapped_column(String(36))
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
