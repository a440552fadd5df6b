from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, BigInteger, Boolean, Date, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from services.assurance.cycle.models import new_id
from services.assurance.database import Base


class SupportNeed(Base):
    """A competency below the cycle's target, with the external support that matches it."""

    __tablename__ = "support_need"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    assessment_id: Mapped[str] = mapped_column(ForeignKey("assessment.id"), index=True)
    cycle_id: Mapped[str] = mapped_column(ForeignKey("cycle.id"), index=True)
    pct_id: Mapped[str] = mapped_column(String(36), index=True)
    sha_id: Mapped[str] = mapped_column(String(36))
    competency: Mapped[str] = mapped_column(String(3))
    competency_name: Mapped[str] = mapped_column(String(200))
    level: Mapped[int] = mapped_column(Integer)
    target_level: Mapped[int] = mapped_column(Integer)
    support_form: Mapped[str] = mapped_column(String(40))
    grouping: Mapped[str] = mapped_column(String(60))
    package_type: Mapped[str] = mapped_column(String(10))
    evidence_gap: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ExternalSupport(Base):
    """A contract procurement awarded to a PCT: evidence on record in its current assessment.

    `assessment_id` is empty until the PCT has an unpublished assessment (the next cycle).
    """

    __tablename__ = "external_support"

    contract_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    pct_id: Mapped[str] = mapped_column(String(36), index=True)
    assessment_id: Mapped[str | None] = mapped_column(ForeignKey("assessment.id"), index=True)
    supplier_id: Mapped[str] = mapped_column(String(36))
    package_type: Mapped[str] = mapped_column(String(20))
    groupings: Mapped[list[str]] = mapped_column(JSON)
    payment_model: Mapped[str] = mapped_column(String(40))
    value_pence: Mapped[int] = mapped_column(BigInteger)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
