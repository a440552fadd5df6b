"""The change feed: every published step of every call-off, in order (append-only)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.procurement.call_off.models import CallOff
from services.procurement.ocds.models import OcdsChange
from services.procurement.ocds.records import call_off_record, to_json


async def append(session: AsyncSession, call_off: CallOff, *, now: datetime) -> None:
    """Record the call-off's open data as it stands now (called on every change of it)."""
    record = await call_off_record(session, call_off, now=now)
    session.add(OcdsChange(call_off_id=call_off.id, record=to_json(record), recorded_at=now))


async def after(session: AsyncSession, seq: int, limit: int) -> Sequence[OcdsChange]:
    """Up to `limit` changes after `seq`, oldest first."""
    return (await session.scalars(select(OcdsChange).where(OcdsChange.seq > seq)
                                  .order_by(OcdsChange.seq).limit(limit))).all()
