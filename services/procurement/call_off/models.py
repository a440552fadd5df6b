from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from services.procurement.database import Base, UtcDateTime, new_id

OPEN, AWARDED, CONTRACTED, CANCELLED = "open", "awarded", "contracted", "cancelled"


class CallOff(Base):
    """A mini-competition for an approved request, with its criteria, deadlines and award."""

    __tablename__ = "call_off"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    request_id: Mapped[str] = mapped_column(ForeignKey("procurement_request.id"), index=True)
    pct_id: Mapped[str] = mapped_column(String(36), index=True)
    sha_id: Mapped[str] = mapped_column(String(36))
    run_number: Mapped[int] = mapped_column(Integer, default=1)
    previous_call_off_id: Mapped[str | None] = mapped_column(String(36))
    title: Mapped[str] = mapped_column(String(200))
    package_type: Mapped[str] = mapped_column(String(20))
    services: Mapped[list[str]] = mapped_column(JSON)
    groupings: Mapped[list[str]] = mapped_column(JSON)
    estimated_value_pence: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(20), index=True)
    published_at: Mapped[datetime] = mapped_column(UtcDateTime)
    clarification_deadline: Mapped[datetime] = mapped_column(UtcDateTime)
    bid_deadline: Mapped[datetime] = mapped_column(UtcDateTime)
    price_weight: Mapped[int] = mapped_column(Integer)
    quality_weight: Mapped[int] = mapped_column(Integer)
    criteria: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    evaluation: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    awarded_bid_id: Mapped[str | None] = mapped_column(String(36))
    awarded_supplier_id: Mapped[str | None] = mapped_column(String(10))
    award_decided_on: Mapped[date | None] = mapped_column(Date)
    standstill_ends: Mapped[date | None] = mapped_column(Date)
    cancelled_reason: Mapped[str | None] = mapped_column(Text)
    cancelled_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_by: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Invitation(Base):
    """A supplier invited to a call-off (every active supplier eligible when it opened)."""

    __tablename__ = "call_off_invitation"

    call_off_id: Mapped[str] = mapped_column(ForeignKey("call_off.id"), primary_key=True)
    supplier_id: Mapped[str] = mapped_column(ForeignKey("supplier.code"), primary_key=True,
                                             index=True)
    invited_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Clarification(Base):
    """A supplier's question in the clarification window; the answer goes to every invitee."""

    __tablename__ = "clarification"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    call_off_id: Mapped[str] = mapped_column(ForeignKey("call_off.id"), index=True)
    supplier_id: Mapped[str] = mapped_column(String(10))
    question: Mapped[str] = mapped_column(Text)
    asked_at: Mapped[datetime] = mapped_column(UtcDateTime)
    answer: Mapped[str | None] = mapped_column(Text)
    answered_by: Mapped[str | None] = mapped_column(String(200))
    answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
