from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, DateTime, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from services.assurance.cycle.models import new_id
from services.assurance.database import Base


class AutonomyDecision(Base):
    """A PCT's autonomy tier, freedoms and reasons for a period; revocation ends it early."""

    __tablename__ = "autonomy_decision"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    assessment_id: Mapped[str] = mapped_column(ForeignKey("assessment.id"), index=True)
    cycle_id: Mapped[str] = mapped_column(ForeignKey("cycle.id"), index=True)
    pct_id: Mapped[str] = mapped_column(String(36), index=True)
    sha_id: Mapped[str] = mapped_column(String(36), index=True)
    rules_version: Mapped[str] = mapped_column(String(63))
    tier: Mapped[str] = mapped_column(String(40))
    freedoms: Mapped[dict[str, Any]] = mapped_column(JSON)
    reasons: Mapped[list[str]] = mapped_column(JSON)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date] = mapped_column(Date)
    replaces_id: Mapped[str | None] = mapped_column(ForeignKey("autonomy_decision.id"))
    revoked_on: Mapped[date | None] = mapped_column(Date)
    revocation_reason: Mapped[str | None] = mapped_column(String(30))
    revocation_note: Mapped[str | None] = mapped_column(Text)
    revoked_by: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
