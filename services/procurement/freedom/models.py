from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, BigInteger, Boolean, Date, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from services.procurement.database import Base, UtcDateTime

GRANTED, REVOKED = "granted", "revoked"


class PctFreedom(Base):
    """A PCT's latest autonomy decision from assurance: its freedoms and their validity."""

    __tablename__ = "pct_freedoms"

    pct_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    sha_id: Mapped[str] = mapped_column(String(36))
    decision_id: Mapped[str] = mapped_column(String(64))
    cycle_id: Mapped[str] = mapped_column(String(64))
    tier: Mapped[str] = mapped_column(String(40))
    review_frequency_months: Mapped[int] = mapped_column(Integer)
    financial_autonomy_threshold_pence: Mapped[int | None] = mapped_column(BigInteger)
    joint_ventures_without_doh: Mapped[bool] = mapped_column(Boolean)
    reasons: Mapped[list[str]] = mapped_column(JSON)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10))
    revoked_on: Mapped[date | None] = mapped_column(Date)
    revoked_reason: Mapped[str | None] = mapped_column(String(40))
    revoked_note: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
