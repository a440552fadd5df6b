from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from services.procurement.database import Base, UtcDateTime, new_id


class Signoff(Base):
    """One decision on a request, with a snapshot of the content decided on.

    Rows are never deleted; a change to the request voids the approvals given so far
    (voided_at), and the approver is asked again.
    """

    __tablename__ = "signoff"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    request_id: Mapped[str] = mapped_column(ForeignKey("procurement_request.id"), index=True)
    role: Mapped[str] = mapped_column(String(30))
    approver_org_id: Mapped[str] = mapped_column(String(36))
    decision: Mapped[str] = mapped_column(String(10))
    decided_by: Mapped[str] = mapped_column(String(200))
    decided_at: Mapped[datetime] = mapped_column(UtcDateTime)
    reason: Mapped[str | None] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON)
    voided_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    voided_reason: Mapped[str | None] = mapped_column(Text)
