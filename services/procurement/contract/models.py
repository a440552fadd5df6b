from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from services.procurement.database import Base, UtcDateTime, new_id

AWARDED, SIGNED = "awarded", "signed"


class Contract(Base):
    """The contract made from a call-off's winning bid."""

    __tablename__ = "contract"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    call_off_id: Mapped[str] = mapped_column(ForeignKey("call_off.id"), unique=True)
    request_id: Mapped[str] = mapped_column(String(36), index=True)
    bid_id: Mapped[str] = mapped_column(String(36))
    pct_id: Mapped[str] = mapped_column(String(36), index=True)
    sha_id: Mapped[str] = mapped_column(String(36))
    supplier_id: Mapped[str] = mapped_column(ForeignKey("supplier.code"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    package_type: Mapped[str] = mapped_column(String(20))
    services: Mapped[list[str]] = mapped_column(JSON)
    groupings: Mapped[list[str]] = mapped_column(JSON)
    payment_model: Mapped[str] = mapped_column(String(40))
    payment_terms: Mapped[dict[str, Any]] = mapped_column(JSON)
    value_pence: Mapped[int] = mapped_column(BigInteger)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    population_served: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), index=True)
    pct_signed_by: Mapped[str | None] = mapped_column(String(200))
    pct_signed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    supplier_signed_by: Mapped[str | None] = mapped_column(String(200))
    supplier_signed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    signed_on: Mapped[date | None] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
