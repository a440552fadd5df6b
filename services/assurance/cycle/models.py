from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Date, DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from services.assurance.database import Base


def new_id() -> str:
    return str(uuid.uuid4())


class Cycle(Base):
    """One year's assurance: the framework and autonomy rules it uses and its dates."""

    __tablename__ = "cycle"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    year: Mapped[str] = mapped_column(String(7), unique=True)  # "2009/10"
    code: Mapped[str] = mapped_column(String(7))  # "2009-10", the rules' cycle id
    framework_version: Mapped[str] = mapped_column(String(63))
    autonomy_rules_version: Mapped[str] = mapped_column(String(63))
    # SHA-256 of the two reference files as they were when the cycle opened: the cycle is
    # frozen against them (cycle/reference.py refuses a file edited since).
    framework_sha256: Mapped[str] = mapped_column(String(64))
    autonomy_rules_sha256: Mapped[str] = mapped_column(String(64))
    opens_on: Mapped[date] = mapped_column(Date)
    self_assessment_due: Mapped[date] = mapped_column(Date)
    panel_from: Mapped[date] = mapped_column(Date)
    panel_to: Mapped[date] = mapped_column(Date)
    publication_on: Mapped[date] = mapped_column(Date)
    support_target_level: Mapped[int | None] = mapped_column(Integer)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
