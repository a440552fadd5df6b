from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from services.procurement.database import Base, UtcDateTime

ACTIVE, SUSPENDED, REMOVED = "active", "suspended", "removed"


class Supplier(Base):
    """An approved FESC supplier, seeded from the framework file; its code is its id."""

    __tablename__ = "supplier"

    code: Mapped[str] = mapped_column(String(10), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    status_of_name: Mapped[str] = mapped_column(String(20))
    organisation_id: Mapped[str | None] = mapped_column(String(36), unique=True)
    approved_lists: Mapped[list[str]] = mapped_column(JSON)
    approved_groupings: Mapped[list[str]] = mapped_column(JSON)
    framework_version: Mapped[int] = mapped_column(Integer)
    # The status in force since status_effective_on, and at most one change decided for a
    # later day (scheduled_*): from scheduled_on the scheduled status is in force. Which one
    # holds on a day is worked out for that day (repository.status_on), never stored by a job.
    status: Mapped[str] = mapped_column(String(20), default=ACTIVE)
    status_reason: Mapped[str | None] = mapped_column(Text)
    status_effective_on: Mapped[date | None] = mapped_column(Date)
    scheduled_status: Mapped[str | None] = mapped_column(String(20))
    scheduled_reason: Mapped[str | None] = mapped_column(Text)
    scheduled_on: Mapped[date | None] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
