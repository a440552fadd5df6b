from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from services.procurement.database import Base, UtcDateTime, new_id


class Bid(Base):
    """A supplier's bid for a call-off (one per supplier; a resubmission replaces it)."""

    __tablename__ = "bid"
    __table_args__ = (UniqueConstraint("call_off_id", "supplier_id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    call_off_id: Mapped[str] = mapped_column(ForeignKey("call_off.id"), index=True)
    supplier_id: Mapped[str] = mapped_column(ForeignKey("supplier.code"), index=True)
    price_pence: Mapped[int] = mapped_column(BigInteger)
    answers: Mapped[dict[str, str]] = mapped_column(JSON)
    payment_model: Mapped[str] = mapped_column(String(40))
    payment_terms: Mapped[dict[str, Any]] = mapped_column(JSON)
    submitted_at: Mapped[datetime] = mapped_column(UtcDateTime)
    submitted_by: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer, default=1)
    scores: Mapped[dict[str, int] | None] = mapped_column(JSON)
    scored_by: Mapped[str | None] = mapped_column(String(200))
    scored_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
