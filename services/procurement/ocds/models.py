from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from services.procurement.database import SERIAL, Base, UtcDateTime


class OcdsChange(Base):
    """One published step of a call-off: the facts as they stood (rendered to OCDS on read)."""

    __tablename__ = "ocds_change"

    seq: Mapped[int] = mapped_column(SERIAL, primary_key=True, autoincrement=True)
    call_off_id: Mapped[str] = mapped_column(String(36), index=True)
    record: Mapped[dict[str, Any]] = mapped_column(JSON)
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)
