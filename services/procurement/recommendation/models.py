from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, Float, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from services.procurement.database import Base, UtcDateTime, new_id

OPEN, REQUESTED = "open", "requested"


class Recommendation(Base):
    """External support suggested for a PCT by a competency below target (from assurance)."""

    __tablename__ = "recommendation"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    support_need_id: Mapped[str] = mapped_column(String(64), unique=True)
    assessment_id: Mapped[str] = mapped_column(String(64))
    pct_id: Mapped[str] = mapped_column(String(36), index=True)
    sha_id: Mapped[str] = mapped_column(String(36))
    competency: Mapped[str] = mapped_column(String(20))
    competency_name: Mapped[str] = mapped_column(String(200))
    level: Mapped[int] = mapped_column(Integer)
    target_level: Mapped[int] = mapped_column(Integer)
    support_form: Mapped[str] = mapped_column(String(40))
    grouping: Mapped[str] = mapped_column(String(60))
    package_type: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))
    request_id: Mapped[str | None] = mapped_column(String(36))
    identified_at: Mapped[datetime] = mapped_column(UtcDateTime)


class PctRating(Base):
    """The latest published assessment of a PCT (assurance.assessment.rated)."""

    __tablename__ = "pct_rating"

    pct_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    sha_id: Mapped[str] = mapped_column(String(36))
    assessment_id: Mapped[str] = mapped_column(String(64))
    cycle_id: Mapped[str] = mapped_column(String(64))
    cycle_year: Mapped[str] = mapped_column(String(10))
    framework_version: Mapped[str] = mapped_column(String(20))
    competency_levels: Mapped[dict[str, Any]] = mapped_column(JSON)
    governance: Mapped[dict[str, str]] = mapped_column(JSON)
    league_score: Mapped[float] = mapped_column(Float)
    published_on: Mapped[date] = mapped_column(Date)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)
