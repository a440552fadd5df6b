"""Read models of the other services' events that inform new runs."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Date, Float, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from services.market.database import Base, UtcDateTime


class PctRating(Base):
    """A PCT's latest published assessment (assurance.assessment.rated)."""

    __tablename__ = "pct_rating"

    pct_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    sha_id: Mapped[str] = mapped_column(String(36))
    assessment_id: Mapped[str] = mapped_column(String(64))
    cycle_year: Mapped[str] = mapped_column(String(10))
    competency_levels: Mapped[dict[str, Any]] = mapped_column(JSON)
    mean_level: Mapped[float | None] = mapped_column(Float)  # over scored competencies
    published_on: Mapped[date] = mapped_column(Date)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ContractObservation(Base):
    """A contract awarded (and perhaps signed) under the framework: value, length, population."""

    __tablename__ = "contract_observation"

    contract_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    pct_id: Mapped[str | None] = mapped_column(String(36))
    supplier_id: Mapped[str] = mapped_column(String(64))
    package_type: Mapped[str | None] = mapped_column(String(20))
    payment_model: Mapped[str] = mapped_column(String(40))
    value_pence: Mapped[int] = mapped_column(BigInteger)
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    population_served: Mapped[int | None] = mapped_column(Integer)
    signed_on: Mapped[date | None] = mapped_column(Date)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)
