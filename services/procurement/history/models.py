from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from services.procurement.database import SERIAL, Base, UtcDateTime


class Change(Base):
    """One state change of a request, call-off, contract or supplier (append-only)."""

    __tablename__ = "change"
    __table_args__ = (Index("ix_change_aggregate", "aggregate", "aggregate_id", "id"),)

    id: Mapped[int] = mapped_column(SERIAL, primary_key=True, autoincrement=True)
    aggregate: Mapped[str] = mapped_column(String(20))
    aggregate_id: Mapped[str] = mapped_column(String(36))
    version: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str] = mapped_column(String(200))
    actor_org_id: Mapped[str | None] = mapped_column(String(36))
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    patch: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
