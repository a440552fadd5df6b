from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.procurement.call_off.models import Invitation


async def invited(session: AsyncSession, call_off_id: str) -> list[str]:
    """The codes of the suppliers invited to the call-off, in code order."""
    return list((await session.scalars(
        select(Invitation.supplier_id).where(Invitation.call_off_id == call_off_id)
        .order_by(Invitation.supplier_id))).all())


async def invited_to(session: AsyncSession, call_off_ids: Sequence[str]) -> dict[str, list[str]]:
    """call-off id -> invited supplier codes, for a page of call-offs at once."""
    found: dict[str, list[str]] = {call_off_id: [] for call_off_id in call_off_ids}
    rows = await session.execute(
        select(Invitation.call_off_id, Invitation.supplier_id)
        .where(Invitation.call_off_id.in_(call_off_ids)).order_by(Invitation.supplier_id))
    for call_off_id, supplier_id in rows.all():
        found[call_off_id].append(supplier_id)
    return found
